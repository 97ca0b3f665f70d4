package report

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"io"
	"regexp"
	"testing"
	"time"
)

// TestTableFaceChanges: measuring and splitting a table's cells writes no
// face change per row into the page. gofpdf writes a change each time the
// face is set, measuring or not, so measuring cell by cell (a bold cell,
// then a plain one) left two changes for every row, each overridden by the
// next before any text: a fifth of a long report's page content. Setting
// the rows needs a change where the face changes: twice a row here.
func TestTableFaceChanges(t *testing.T) {
	fonts, err := LoadFonts("")
	if err != nil {
		t.Fatal(err)
	}
	d := newDoc(fonts, Meta{Title: "Faces", AsAt: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}, false)
	cols := []column{{Title: "Reference", Width: 0.2, Fit: true}, {Title: "Description", Width: 0.5}, {Title: "Status", Width: 0.3}}
	const n = 300
	var rows [][]cell
	for i := range n {
		rows = append(rows, []cell{{Text: fmt.Sprintf("R%d", i), Bold: true}, {Text: "Victims’ Code review", Sub: "£250,000"}, {Text: "Open"}})
	}
	d.table(cols, rows, "Faces")
	var out bytes.Buffer
	if _, err := d.done(&out); err != nil {
		t.Fatal(err)
	}
	wasted, changes := 0, 0
	tf := regexp.MustCompile(`^BT /F\w+ [\d.]+ Tf ET$`)
	for _, page := range pageStreams(t, out.Bytes()) {
		lines := bytes.Split(page, []byte("\n"))
		for i, l := range lines {
			if !tf.Match(l) {
				continue
			}
			changes++
			if i+1 < len(lines) && tf.Match(lines[i+1]) {
				wasted++
			}
		}
	}
	if changes > 2*n+100 {
		t.Errorf("%d face changes for a table of %d rows: want about two a row", changes, n)
	}
	if wasted > 20 {
		t.Errorf("%d face changes overridden before any text, for a table of %d rows: want a few a table", wasted, n)
	}
}

// pageStreams is the decompressed data of every compressed stream of a
// PDF that sets text.
func pageStreams(t *testing.T, pdf []byte) [][]byte {
	t.Helper()
	var pages [][]byte
	for _, m := range regexp.MustCompile(`(?s)/FlateDecode /Length \d+>>\nstream\n(.*?)\nendstream`).FindAllSubmatch(pdf, -1) {
		r, err := zlib.NewReader(bytes.NewReader(m[1]))
		if err != nil {
			continue // not zlib: a font file, say
		}
		data, err := io.ReadAll(r)
		if err == nil && bytes.Contains(data, []byte(" Tf")) {
			pages = append(pages, data)
		}
	}
	if len(pages) == 0 {
		t.Fatal("no page streams found in the PDF")
	}
	return pages
}

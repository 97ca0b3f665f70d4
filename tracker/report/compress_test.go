package report

import (
	"bytes"
	"compress/zlib"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/jung-kurt/gofpdf"
)

// TestCompressStreams writes a document uncompressed, with text that looks
// like the file's own structure, compresses it afterwards and checks that
// every page stream decompresses to exactly what gofpdf wrote, that the
// cross-reference table points at each object, and that the same input
// gives the same bytes.
func TestCompressStreams(t *testing.T) {
	t.Parallel()
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetFont("Helvetica", "", 10)
	const pages = 7
	for i := 0; i < pages; i++ {
		pdf.AddPage()
		pdf.MultiCell(0, 5, strings.Repeat("endstream endobj startxref 0 obj xref trailer %%EOF ", 40), "", "L", false)
	}
	var plain bytes.Buffer
	if err := pdf.Output(&plain); err != nil {
		t.Fatal(err)
	}
	out, n, err := compressStreams(plain.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if n != pages {
		t.Errorf("%d streams compressed, want the %d pages", n, pages)
	}
	if len(out) >= plain.Len() {
		t.Errorf("compressed %d bytes into %d", plain.Len(), len(out))
	}
	again, _, _ := compressStreams(plain.Bytes())
	if !bytes.Equal(out, again) {
		t.Error("the same document compressed twice differs")
	}

	// Every object starts where the cross-reference table says.
	xref := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(out[bytes.LastIndex(out, []byte("xref\n")):], -1)
	for i, m := range xref {
		off := 0
		for _, c := range m[1] {
			off = off*10 + int(c-'0')
		}
		if want := []byte(strings.Join([]string{itoa(i + 1), "0 obj\n"}, " ")); !bytes.HasPrefix(out[off:], want) {
			t.Errorf("entry %d points at %q", i+1, out[off:off+12])
		}
	}
	// Each compressed stream holds what the uncompressed one did.
	plainStreams := regexp.MustCompile(`(?s)<</Length (\d+)>>\nstream\n`).FindAllIndex(plain.Bytes(), -1)
	packed := regexp.MustCompile(`<</Filter /FlateDecode /Length (\d+)>>\nstream\n`).FindAllSubmatchIndex(out, -1)
	if len(packed) < pages {
		t.Fatalf("%d compressed streams in the output", len(packed))
	}
	for i, p := range packed[:pages] {
		length := 0
		for _, c := range out[p[2]:p[3]] {
			length = length*10 + int(c-'0')
		}
		r, err := zlib.NewReader(bytes.NewReader(out[p[1] : p[1]+length]))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		start := plainStreams[i][1]
		if !bytes.HasPrefix(plain.Bytes()[start:], got) || !bytes.HasPrefix(plain.Bytes()[start+len(got):], []byte("\nendstream")) {
			t.Errorf("stream %d does not decompress to the page gofpdf wrote", i+1)
		}
	}
	if _, _, err := compressStreams([]byte("%PDF-1.3\nnot a pdf")); err == nil {
		t.Error("a broken file compressed without complaint")
	}
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

package report

import (
	"bytes"
	"compress/zlib"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jung-kurt/gofpdf"
)

// pdfObjects splits a PDF into its indirect objects by its cross-reference
// table: object number to the object's bytes.
func pdfObjects(t *testing.T, pdf []byte) map[int][]byte {
	t.Helper()
	start := bytes.LastIndex(pdf, []byte("\nxref\n")) + 1
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(pdf[start:], -1)
	offs := make([]int, len(entries))
	for i, m := range entries {
		offs[i], _ = strconv.Atoi(string(m[1]))
	}
	out := map[int][]byte{}
	for i, off := range offs {
		end := start
		for _, o := range offs {
			if o > off && o < end {
				end = o
			}
		}
		body := pdf[off:end]
		if !bytes.HasPrefix(body, []byte(strconv.Itoa(i+1)+" 0 obj\n")) {
			t.Fatalf("cross-reference entry %d points at %q", i+1, body[:min(20, len(body))])
		}
		out[i+1] = body
	}
	return out
}

var streamDict = regexp.MustCompile(`(?s)\A\d+ 0 obj\n(<<.*?>>)\nstream\n`)

// TestCompressStreamsShapes builds a document with every kind of object a
// report holds (page contents, embedded UTF-8 fonts with their widths and
// ToUnicode maps, a grey and a colour image, a link, an outline, a
// template used on each page, plain dictionaries) and checks, object by object, that
// compressStreams rewrites exactly the streams whose dictionary is only
// <</Length N>>, each to a FlateDecode stream holding the same bytes, and
// leaves every other object byte for byte; and that pdftotext reads the
// same text from both files.
func TestCompressStreamsShapes(t *testing.T) {
	t.Parallel()
	fonts, err := LoadFonts("")
	if err != nil {
		t.Fatal(err)
	}
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("Body", "", fonts.Regular)
	pdf.AddUTF8FontFromBytes("Body", "B", fonts.Bold)
	pdf.SetCompression(false)
	var pngBytes bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(1, 1, color.RGBA{200, 0, 0, 128})
	if err := png.Encode(&pngBytes, img); err != nil {
		t.Fatal(err)
	}
	pdf.RegisterImageOptionsReader("chart.png", gofpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(pngBytes.Bytes()))
	tpl := pdf.CreateTemplate(func(tp *gofpdf.Tpl) {
		tp.SetFont("Body", "B", 8)
		tp.Text(10, 10, "Victims’ Code – £250,000 – Ⅱ")
	})
	const pages = 3
	for i := 0; i < pages; i++ {
		pdf.AddPage()
		pdf.Bookmark("Page "+strconv.Itoa(i+1), 0, -1)
		pdf.UseTemplate(tpl)
		pdf.SetFont("Body", "", 11)
		pdf.SetXY(10, 30)
		pdf.MultiCell(0, 5, strings.Repeat("endstream endobj 0 obj <</Length 9>> stream xref %%EOF ", 20), "", "L", false)
		pdf.ImageOptions("chart.png", 10, 120, 20, 20, false, gofpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		pdf.LinkString(10, 150, 40, 6, "https://example.org/")
		pdf.Text(10, 160, "Page "+strconv.Itoa(i+1)+" of the tracker")
	}
	var plain bytes.Buffer
	if err := pdf.Output(&plain); err != nil {
		t.Fatal(err)
	}
	out, n, err := compressStreams(plain.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	before, after := pdfObjects(t, plain.Bytes()), pdfObjects(t, out)
	if len(before) != len(after) {
		t.Fatalf("%d objects became %d", len(before), len(after))
	}
	shapes := map[string]int{}
	rewritten := 0
	for num, body := range before {
		got := after[num]
		m := streamDict.FindSubmatch(body)
		switch {
		case m == nil:
			shapes["no stream"]++
			if !bytes.Equal(body, got) {
				t.Errorf("object %d (no stream) changed: %.80q → %.80q", num, body, got)
			}
		case regexp.MustCompile(`\A<</Length \d+>>\z`).Match(m[1]):
			shapes["plain stream"]++
			rewritten++
			length, _ := strconv.Atoi(string(regexp.MustCompile(`\d+`).Find(m[1])))
			data := body[len(m[0]) : len(m[0])+length]
			g := regexp.MustCompile(`\A\d+ 0 obj\n<</Filter /FlateDecode /Length (\d+)>>\nstream\n`).FindSubmatch(got)
			if g == nil {
				t.Errorf("object %d (plain stream) was not compressed: %.80q", num, got)
				continue
			}
			zlen, _ := strconv.Atoi(string(g[1]))
			if !bytes.HasSuffix(got, []byte("\nendstream\nendobj\n")) || len(got) != len(g[0])+zlen+len("\nendstream\nendobj\n") {
				t.Errorf("object %d: the compressed stream is not %d bytes long", num, zlen)
				continue
			}
			r, err := zlib.NewReader(bytes.NewReader(got[len(g[0]) : len(g[0])+zlen]))
			if err != nil {
				t.Fatal(err)
			}
			inflated, _ := io.ReadAll(r)
			if !bytes.Equal(inflated, data) {
				t.Errorf("object %d inflates to other bytes than gofpdf wrote", num)
			}
		default:
			kind := "other stream"
			switch {
			case regexp.MustCompile(`\A<</Length \d+/Filter /FlateDecode>>\z`).Match(m[1]):
				kind = "compressed already" // the fonts' CIDToGIDMap
			case bytes.Contains(m[1], []byte("/Subtype /Image")):
				kind = "image"
			case bytes.Contains(m[1], []byte("/Length1")):
				kind = "font file"
			case bytes.Contains(m[1], []byte("/Subtype /Form")):
				kind = "template"
			}
			shapes[kind]++
			if !bytes.Equal(body, got) {
				t.Errorf("object %d (%s, %s) changed", num, kind, m[1])
			}
		}
	}
	if rewritten != n {
		t.Errorf("compressStreams says %d streams, the objects show %d", n, rewritten)
	}
	// The document must hold each shape, or the test proves nothing of it.
	for _, kind := range []string{"no stream", "plain stream", "image", "font file", "template", "compressed already"} {
		if shapes[kind] == 0 {
			t.Errorf("the test document has no %s object (it has %v)", kind, shapes)
		}
	}
	if shapes["other stream"] != 0 {
		t.Errorf("a stream of a shape this test does not name: %v", shapes)
	}

	// The text reads back the same from the compressed file.
	if _, err := exec.LookPath("pdftotext"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is needed in CI")
		}
		t.Skip("pdftotext is not installed")
	}
	read := func(b []byte) string {
		f := filepath.Join(t.TempDir(), "x.pdf")
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
		txt, err := exec.Command("pdftotext", "-enc", "UTF-8", f, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		return string(txt)
	}
	if a, b := read(plain.Bytes()), read(out); a != b || !strings.Contains(b, "Victims’ Code – £250,000 – Ⅱ") || !strings.Contains(b, "Page 3 of the tracker") {
		t.Errorf("pdftotext reads differently after compressing:\n%.300s\n---\n%.300s", a, b)
	}
}

// TestCompressStreamsRefusesBrokenFiles: each damage compressStreams can
// meet is refused with its own message rather than written out wrong.
func TestCompressStreamsRefusesBrokenFiles(t *testing.T) {
	t.Parallel()
	pdf := gofpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(false)
	pdf.SetFont("Helvetica", "", 10)
	pdf.AddPage()
	pdf.Text(10, 10, "One page")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	xref := regexp.MustCompile(`startxref\n(\d+)\n`).FindStringSubmatch(good)[1]
	stream := regexp.MustCompile(`<</Length (\d+)>>\nstream\n`).FindStringSubmatch(good)
	longer, _ := strconv.Atoi(stream[1])
	for _, c := range []struct{ name, pdf, want string }{
		{"no startxref", strings.Replace(good, "startxref", "startXref", 1), "no startxref at the end"},
		{"startxref points elsewhere", strings.Replace(good, "startxref\n"+xref, "startxref\n"+strconv.Itoa(len(good)/2), 1), "not where startxref says"},
		{"table size unreadable", strings.Replace(good, "xref\n0 ", "xref\n0 x", 1), "cannot read the size"},
		{"table cut short", strings.Replace(good, "xref\n0 ", "xref\n0 9", 1), "cut short"},
		{"entry unreadable", strings.Replace(good, " 00000 n \n", " 00000 x \n", 1), "cannot read cross-reference entry 1"},
		{"stream length wrong", strings.Replace(good, stream[0], "<</Length "+strconv.Itoa(longer+5)+">>\nstream\n", 1), "the stream is not"},
	} {
		_, _, err := compressStreams([]byte(c.pdf))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

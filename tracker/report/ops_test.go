package report

import (
	"bytes"
	"testing"
	"time"
)

// TestOpsAsGofpdf: the text, lines and filled rectangles the reports set
// with their own operators (ops.go) are the bytes gofpdf's Text, Line and
// Rect write, whole documents compared, font subsets included: text in
// each face, characters whose UTF-16 holds a parenthesis, a backslash or a
// carriage return, text in a colour of its own (grey and not), and text
// set just after a page break, when gofpdf has chosen the font itself.
func TestOpsAsGofpdf(t *testing.T) {
	fonts, err := LoadFonts("")
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{
		"Victims’ Code", "£250,000", "Ⅱ", "a (b) c\\d", "ĨĩŜč ĨĩŜč", "<b>&amp;</b>", "plain text, plain text",
		"Victims’ Code", "£250,000", "a (b) c\\d", "ĨĩŜč", "",
	}
	write := func(ours bool) ([]byte, int) {
		d := newDoc(fonts, Meta{Title: "Operators", AsAt: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)}, false)
		text := d.pdf.Text
		line := d.pdf.Line
		rect := func(x, y, w, h float64) { d.pdf.Rect(x, y, w, h, "F") }
		if ours {
			text, line, rect = d.text, d.line, d.fillRect
		}
		y := 30.0
		for round := range 2 {
			for _, style := range []string{"", "B", "I", "BI"} {
				d.font(style, 9+float64(round))
				for i, s := range texts {
					switch i % 3 {
					case 1:
						d.pdf.SetTextColor(80, 90, 95)
					case 2:
						d.pdf.SetTextColor(120, 120, 120)
					}
					text(20+float64(i)*0.333, y, s)
					d.pdf.SetTextColor(11, 12, 12)
					line(20, y+1.117, 190.004, y+1.117)
					rect(20, y-3, 3.2, 3.2)
					y += 5
				}
			}
			d.pdf.AddPage()
			text(20, 40, "Victims’ Code after a page break")
			line(-1.5, 300.125, 0, 0)
			y = 50
		}
		var out bytes.Buffer
		if err := d.pdf.Output(&out); err != nil {
			t.Fatal(err)
		}
		return out.Bytes(), d.ops.fast
	}
	theirs, _ := write(false)
	ours, fast := write(true)
	if fast < len(texts) {
		t.Errorf("%d lines set by the reports' own operator: want most of them", fast)
	}
	if !bytes.Equal(theirs, ours) {
		at := 0
		for at < min(len(theirs), len(ours)) && theirs[at] == ours[at] {
			at++
		}
		from := max(at-80, 0)
		t.Errorf("the documents differ at byte %d:\ngofpdf: %q\nours:   %q", at, theirs[from:min(at+80, len(theirs))], ours[from:min(at+80, len(ours))])
	}
}

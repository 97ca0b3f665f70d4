package report

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// A long report sets hundreds of thousands of lines of text and table
// rules, and gofpdf formats each with fmt.Sprintf: for the status report of
// a source of 10,000 recommendations that was a sixth of its cost, most of
// it in formatting floats and in the garbage it left. The operators below
// write the same bytes as gofpdf's Text, Line and Rect (TestOpsAsGofpdf
// compares them), formatted straight into a buffer that is reused.
//
// Text also tells gofpdf which characters each face uses, so that the
// embedded subset of the font holds their glyphs. That is done by giving
// gofpdf's own Text any line that holds a character the face has not set
// before in this document; the rest, nearly all, take the fast path.

// ops is a document's operator buffer and what gofpdf knows of its faces.
type ops struct {
	buf []byte
	// used holds, by face style, the characters gofpdf has set in that
	// face: they are in its subset of the font.
	used map[string]*[1 << 16]bool
	// colour is the text colour's operator, by its components, as gofpdf
	// writes it when text is set in a colour other than the fill's.
	colour     [3]int
	colourText string
	// fast counts the lines set without gofpdf's Text, for the tests.
	fast int
}

// text sets s with its baseline at (x, y), as gofpdf's Text.
func (d *doc) text(x, y float64, s string) {
	used := d.usedRunes()
	if used == nil || !allUsed(used, s) {
		d.pdf.Text(x, y, s)
		if used != nil {
			for _, r := range s {
				if r < 1<<16 {
					used[r] = true
				}
			}
		}
		return
	}
	b := d.ops.buf[:0]
	tr, tg, tb := d.pdf.GetTextColor()
	fr, fg, fb := d.pdf.GetFillColor()
	coloured := tr != fr || tg != fg || tb != fb
	if coloured {
		b = append(b, "q "...)
		b = append(b, d.textColour(tr, tg, tb)...)
		b = append(b, ' ')
	}
	b = append(b, "BT "...)
	b = d.point(b, x, y)
	b = append(b, " Td ("...)
	for _, r := range s {
		b = appendEscaped(b, byte(r>>8))
		b = appendEscaped(b, byte(r))
	}
	b = append(b, ") Tj ET"...)
	if coloured {
		b = append(b, " Q"...)
	}
	d.ops.fast++
	d.emit(b)
}

// usedRunes is the set of characters gofpdf has set in the current face,
// or nil when the face is not known here (just after a page break, when
// gofpdf has set the font itself).
func (d *doc) usedRunes() *[1 << 16]bool {
	if d.face.size == 0 {
		return nil
	}
	if d.ops.used == nil {
		d.ops.used = map[string]*[1 << 16]bool{}
	}
	u := d.ops.used[d.face.style]
	if u == nil {
		u = new([1 << 16]bool)
		d.ops.used[d.face.style] = u
	}
	return u
}

// allUsed says whether every character of s is in used. A character
// outside the Basic Multilingual Plane, or a byte that is not UTF-8, never
// is: gofpdf's own Text decides what becomes of it.
func allUsed(used *[1 << 16]bool, s string) bool {
	for _, r := range s {
		if r >= 1<<16 || r == utf8.RuneError || !used[r] {
			return false
		}
	}
	return true
}

// appendEscaped appends one byte of a string's UTF-16 as gofpdf escapes it
// in a literal string.
func appendEscaped(b []byte, c byte) []byte {
	switch c {
	case '\\', '(', ')':
		return append(b, '\\', c)
	case '\r':
		return append(b, '\\', 'r')
	}
	return append(b, c)
}

// textColour is the operator that sets the text colour r, g, b, as gofpdf
// writes it: a grey level when the three are equal.
func (d *doc) textColour(r, g, b int) string {
	if d.ops.colourText != "" && d.ops.colour == [3]int{r, g, b} {
		return d.ops.colourText
	}
	c := func(v int) float64 { return float64(min(max(v, 0), 255)) / 255 }
	s := fmt.Sprintf("%.3f %.3f %.3f rg", c(r), c(g), c(b))
	if c(r) == c(g) && c(r) == c(b) {
		s = fmt.Sprintf("%.3f g", c(r))
	}
	d.ops.colour, d.ops.colourText = [3]int{r, g, b}, s
	return s
}

// line draws a line from (x1, y1) to (x2, y2), as gofpdf's Line.
func (d *doc) line(x1, y1, x2, y2 float64) {
	b := d.point(d.ops.buf[:0], x1, y1)
	b = append(b, " m "...)
	b = d.point(b, x2, y2)
	d.emit(append(b, " l S"...))
}

// fillRect fills a rectangle with its top left corner at (x, y), as
// gofpdf's Rect with style "F".
func (d *doc) fillRect(x, y, w, h float64) {
	k := d.pdf.GetConversionRatio()
	b := d.point(d.ops.buf[:0], x, y)
	b = append(b, ' ')
	b = appendNumber(b, w*k)
	b = append(b, ' ')
	b = appendNumber(b, -h*k)
	d.emit(append(b, " re f"...))
}

// point appends the page position (x, y), in the document's units from
// the top left corner, as gofpdf writes it: in points from the bottom left,
// each as "%.2f".
func (d *doc) point(b []byte, x, y float64) []byte {
	k := d.pdf.GetConversionRatio()
	_, h := d.pdf.GetPageSize()
	b = appendNumber(b, x*k)
	b = append(b, ' ')
	return appendNumber(b, (h-y)*k)
}

// appendNumber appends v as gofpdf's "%.2f".
func appendNumber(b []byte, v float64) []byte {
	return strconv.AppendFloat(b, v, 'f', 2, 64)
}

// emit writes one line of operators into the page and keeps its buffer
// for the next.
func (d *doc) emit(b []byte) {
	d.ops.buf = b
	d.pdf.RawWriteStr(string(b))
}

// setDraw, setText and setFill set a colour unless it is set already:
// gofpdf writes the drawing and fill colours into the page, and formats
// each, every time it is asked. It keeps the colours it last set, and sets
// them again itself on a new page, so what it reports is what the page
// has.
func (d *doc) setDraw(r, g, b int) {
	if cr, cg, cb := d.pdf.GetDrawColor(); cr != r || cg != g || cb != b {
		d.pdf.SetDrawColor(r, g, b)
	}
}

func (d *doc) setText(r, g, b int) {
	if cr, cg, cb := d.pdf.GetTextColor(); cr != r || cg != g || cb != b {
		d.pdf.SetTextColor(r, g, b)
	}
}

func (d *doc) setFill(r, g, b int) {
	if cr, cg, cb := d.pdf.GetFillColor(); cr != r || cg != g || cb != b {
		d.pdf.SetFillColor(r, g, b)
	}
}

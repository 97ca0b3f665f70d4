package report

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/civic-tracker/tracker/tracker"
)

// Meta is what every report carries: its title, the moment it shows, and
// an optional "changed since" date.
type Meta struct {
	Title   string
	Subject string
	Author  string
	AsAt    time.Time
	Since   *time.Time
	// Order is how the action log is sorted (a tracker.ActionFilter Sort).
	Order string
}

// AsAtLine is "As at 23 November 2026", with the changed-since date when set.
func (m Meta) AsAtLine() string {
	s := "As at " + tracker.FormatDate(m.AsAt)
	if m.Since != nil {
		s += " · changes since " + tracker.FormatDate(*m.Since) + " marked"
	}
	return s
}

// Page geometry in millimetres (A4 portrait).
const (
	pageW     = 210.0
	pageH     = 297.0
	marginL   = 18.0
	marginR   = 18.0
	marginT   = 24.0
	marginB   = 20.0
	bodyW     = pageW - marginL - marginR
	lineH     = 5.0
	fontSize  = 10.0
	tableSize = 8.5
	cellPad   = 1.6
)

const family = "body"

// doc wraps gofpdf with the tracker's typography and the text guard.
type doc struct {
	pdf      *gofpdf.Fpdf
	fonts    *Fonts
	meta     Meta
	replaced int
	// face is the style and size last set, so that setting the same again
	// writes nothing; gofpdf writes a font change every time it is asked.
	face face
}

type face struct {
	style string
	size  float64
}

func newDoc(fonts *Fonts, meta Meta) *doc {
	pdf := gofpdf.New("P", "mm", "A4", "")
	d := &doc{pdf: pdf, fonts: fonts, meta: meta}
	pdf.AddUTF8FontFromBytes(family, "", fonts.Regular)
	pdf.AddUTF8FontFromBytes(family, "B", fonts.Bold)
	pdf.AddUTF8FontFromBytes(family, "I", fonts.Italic)
	pdf.AddUTF8FontFromBytes(family, "BI", fonts.BoldItalic)
	pdf.SetMargins(marginL, marginT, marginR)
	pdf.SetAutoPageBreak(true, marginB)
	pdf.SetCatalogSort(true)  // identical bytes for identical data
	pdf.SetCompression(false) // compressStreams does it, faster
	moment := meta.AsAt.UTC()
	pdf.SetCreationDate(moment)
	pdf.SetModificationDate(moment)
	pdf.SetTitle(d.clean(meta.Title), true)
	pdf.SetSubject(d.clean(meta.Subject), true)
	pdf.SetAuthor(d.clean(meta.Author), true)
	pdf.SetCreator("Recommendations tracker", true)
	pdf.SetProducer("Recommendations tracker (gofpdf)", true)
	pdf.AliasNbPages("{nb}")
	var title string // fitted once, set on every page
	asAt := d.clean(meta.AsAtLine())
	pdf.SetHeaderFuncMode(func() {
		d.face = face{} // gofpdf has set the page's font itself
		pdf.SetY(10)
		d.font("", 8)
		pdf.SetTextColor(80, 90, 95)
		if title == "" {
			title = d.fit(d.clean(meta.Title), bodyW*0.62, 8)
		}
		pdf.CellFormat(bodyW*0.62, 4, title, "", 0, "L", false, 0, "")
		pdf.CellFormat(bodyW*0.38, 4, asAt, "", 1, "R", false, 0, "")
		pdf.SetDrawColor(177, 180, 182)
		pdf.Line(marginL, 15, pageW-marginR, 15)
		pdf.SetTextColor(11, 12, 12)
		pdf.SetY(marginT)
		// gofpdf puts back the font of before the page break after this
		// function returns, behind our back: forget what we last set.
		d.face = face{}
	}, true)
	pdf.SetFooterFunc(func() {
		d.face = face{}
		pdf.SetY(-14)
		d.font("", 8)
		pdf.SetTextColor(80, 90, 95)
		pdf.CellFormat(bodyW/2, 4, d.clean("As at "+tracker.FormatDate(meta.AsAt)), "", 0, "L", false, 0, "")
		pdf.CellFormat(bodyW/2, 4, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
		pdf.SetTextColor(11, 12, 12)
	})
	pdf.SetTextColor(11, 12, 12)
	d.inkFill()
	pdf.AddPage()
	d.font("", fontSize)
	return d
}

// clean guards every string that reaches gofpdf.
func (d *doc) clean(s string) string {
	out, n := d.fonts.Clean(s)
	d.replaced += n
	return out
}

func (d *doc) font(style string, size float64) {
	f := face{style, size}
	if f == d.face {
		return
	}
	d.face = f
	d.pdf.SetFont(family, style, size)
}

// fit shortens one line of text to a width, with an ellipsis.
func (d *doc) fit(s string, w, size float64) string {
	if d.pdf.GetStringWidth(s) <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 1 && d.pdf.GetStringWidth(string(r)+"…") > w {
		r = r[:len(r)-1]
	}
	return string(r) + "…"
}

func (d *doc) finish(w io.Writer) error {
	if err := d.pdf.Error(); err != nil {
		return fmt.Errorf("render PDF: %w", err)
	}
	var plain bytes.Buffer
	if err := d.pdf.Output(&plain); err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	out, _, err := compressStreams(plain.Bytes())
	if err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	return nil
}

func (d *doc) bottom() float64 { return pageH - marginB }

// ensure starts a new page unless h millimetres fit on this one.
func (d *doc) ensure(h float64) {
	if d.pdf.GetY()+h > d.bottom() {
		d.pdf.AddPage()
	}
}

// heading sets a heading and a bookmark at the given outline level.
func (d *doc) heading(level int, text string) {
	sizes := []float64{18, 14, 12, 10.5}
	size := sizes[min(level, len(sizes)-1)]
	// Keep a heading with at least a few lines of what follows it.
	d.ensure(size*0.8 + 28)
	if d.pdf.GetY() > marginT+1 {
		d.pdf.Ln(size * 0.35)
	}
	text = d.clean(text)
	d.pdf.Bookmark(text, level, -1)
	d.font("B", size)
	d.pdf.MultiCell(bodyW, size*0.5, text, "", "L", false)
	d.pdf.Ln(1.5)
	d.font("", fontSize)
}

// caption sets small grey text.
func (d *doc) caption(text string) {
	d.font("", 8.5)
	d.pdf.SetTextColor(80, 90, 95)
	d.pdf.MultiCell(bodyW, 4.2, d.clean(text), "", "L", false)
	d.pdf.SetTextColor(11, 12, 12)
	d.font("", fontSize)
}

// mark sets a "New" or "Changed" flag line when the item changed since the
// report's since date.
func (d *doc) mark(mark string) {
	if mark == "" || d.meta.Since == nil {
		return
	}
	d.font("B", 8.5)
	d.pdf.SetFillColor(255, 221, 0)
	label := markLabel(mark, d.meta.Since)
	d.pdf.CellFormat(d.pdf.GetStringWidth(label)+4, 5, label, "", 1, "L", true, 0, "")
	d.inkFill()
	d.pdf.Ln(1)
	d.font("", fontSize)
}

func markLabel(mark string, since *time.Time) string {
	word := "Changed"
	if mark == tracker.MarkNew {
		word = "New"
	}
	return word + " since " + tracker.FormatDate(*since)
}

// pairs sets label–value rows, the summary list of the pages.
func (d *doc) pairs(rows [][2]string) {
	labelW := 48.0
	for _, r := range rows {
		value := d.clean(r[1])
		d.font("", fontSize)
		lines := d.pdf.SplitText(value, bodyW-labelW)
		if len(lines) == 0 {
			lines = []string{""}
		}
		h := float64(len(lines)) * lineH
		if h <= d.bottom()-marginT {
			d.ensure(h + 1)
		}
		d.font("B", fontSize)
		d.textAt(marginL, d.pdf.GetY(), labelW, lineH, d.clean(r[0]), "L")
		d.font("", fontSize)
		for i, l := range lines {
			if i > 0 && d.pdf.GetY()+lineH > d.bottom() {
				d.pdf.AddPage()
			}
			d.textAt(marginL+labelW, d.pdf.GetY(), bodyW-labelW, lineH, l, "L")
			d.pdf.SetY(d.pdf.GetY() + lineH)
		}
		d.pdf.SetDrawColor(210, 212, 214)
		d.pdf.Line(marginL, d.pdf.GetY()+0.6, pageW-marginR, d.pdf.GetY()+0.6)
		d.pdf.Ln(1.4)
	}
	d.pdf.Ln(2)
}

var (
	orderedItem = regexp.MustCompile(`^(\d+)[.)]\s+`)
	emphasis    = regexp.MustCompile(`\*\*([^*]+)\*\*|\*([^*\s][^*]*)\*|__([^_]+)__`)
)

// markdown sets a long text: paragraphs, "- " bullets, "1. " lists, "## "
// headings, **bold** and *italic*, indented by indent millimetres.
func (d *doc) markdown(text string, indent float64) {
	text = d.clean(text)
	blocks := strings.Split(strings.ReplaceAll(text, "\n\n\n", "\n\n"), "\n\n")
	for _, block := range blocks {
		block = strings.TrimSpace(block)
		if block == "" {
			continue
		}
		lines := strings.Split(block, "\n")
		switch {
		case strings.HasPrefix(block, "#"):
			d.font("B", 11)
			d.ensure(12)
			d.pdf.SetX(marginL + indent)
			d.pdf.MultiCell(bodyW-indent, 5.5, strings.TrimLeft(strings.TrimLeft(block, "#"), " "), "", "L", false)
			d.font("", fontSize)
			d.pdf.Ln(1)
		case isList(lines):
			var items []string
			for _, l := range lines {
				t := strings.TrimSpace(l)
				if strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "• ") || orderedItem.MatchString(t) {
					items = append(items, t)
				} else if len(items) > 0 {
					items[len(items)-1] += " " + t
				}
			}
			for _, it := range items {
				marker := "•"
				body := it
				if m := orderedItem.FindStringSubmatch(it); m != nil {
					marker, body = m[1]+".", it[len(m[0]):]
				} else {
					body = strings.TrimSpace(it[strings.Index(it, " "):])
				}
				d.ensure(lineH * 2)
				d.pdf.SetX(marginL + indent + 1)
				d.pdf.CellFormat(5, lineH, marker, "", 0, "L", false, 0, "")
				d.rich(body, indent+6)
				d.pdf.Ln(1)
			}
			d.pdf.Ln(1)
		default:
			d.ensure(lineH * 2)
			d.rich(strings.Join(lines, " "), indent)
			d.pdf.Ln(2.5)
		}
	}
}

func isList(lines []string) bool {
	t := strings.TrimSpace(lines[0])
	return strings.HasPrefix(t, "- ") || strings.HasPrefix(t, "* ") || strings.HasPrefix(t, "• ") || orderedItem.MatchString(t)
}

// rich flows one paragraph with bold and italic runs, wrapping within the
// body from indent; long words break where they must.
func (d *doc) rich(text string, indent float64) {
	left := marginL + indent
	if !emphasis.MatchString(text) {
		// Plain text: MultiCell sets it in one pass, far faster than Write.
		d.font("", fontSize)
		d.pdf.SetX(left)
		d.pdf.MultiCell(pageW-marginR-left, lineH, text, "", "L", false)
		return
	}
	d.pdf.SetLeftMargin(left)
	if d.pdf.GetX() < left {
		d.pdf.SetX(left)
	}
	pos := 0
	for _, m := range emphasis.FindAllStringSubmatchIndex(text, -1) {
		d.font("", fontSize)
		d.write(text[pos:m[0]])
		switch {
		case m[2] >= 0:
			d.font("B", fontSize)
			d.write(text[m[2]:m[3]])
		case m[4] >= 0:
			d.font("I", fontSize)
			d.write(text[m[4]:m[5]])
		default:
			d.font("B", fontSize)
			d.write(text[m[6]:m[7]])
		}
		pos = m[1]
	}
	d.font("", fontSize)
	d.write(text[pos:])
	d.pdf.Ln(lineH)
	d.pdf.SetLeftMargin(marginL)
}

// write flows text, first splitting words longer than the line so gofpdf
// never has to set a word wider than the page.
func (d *doc) write(s string) {
	if s == "" {
		return
	}
	maxW := pageW - marginR - d.pdf.GetX()
	if maxW < 20 {
		maxW = 20
	}
	var b strings.Builder
	for i, word := range strings.Split(s, " ") {
		if i > 0 {
			b.WriteByte(' ')
		}
		if len(word) > 30 && d.pdf.GetStringWidth(word) > bodyW-20 {
			b.WriteString(strings.Join(d.pdf.SplitText(word, bodyW-20), " "))
			continue
		}
		b.WriteString(word)
	}
	d.pdf.Write(lineH, b.String())
}

// column is one column of a table.
type column struct {
	Title string
	Width float64 // share of the body width; the shares add up to 1
	Align string
}

// cell is one table cell: text, optional bold, optional RAG chip.
type cell struct {
	Text string
	Bold bool
	RAG  string
	Mark string
}

var ragColours = map[string][3]int{
	tracker.RAGRed: {212, 53, 28}, tracker.RAGAmber: {244, 119, 56}, tracker.RAGGreen: {0, 112, 60}, tracker.RAGNone: {177, 180, 182},
}

// table sets rows under a header that is repeated on every page. A row
// that does not fit moves to the next page; a row taller than a page is
// split line by line across pages.
func (d *doc) table(cols []column, rows [][]cell) {
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = c.Width * bodyW
	}
	header := func() {
		d.font("B", tableSize)
		d.pdf.SetFillColor(243, 242, 241)
		h := 0.0
		split := make([][]string, len(cols))
		for i, c := range cols {
			split[i] = d.pdf.SplitText(d.clean(c.Title), widths[i]-2*cellPad)
			h = math.Max(h, float64(len(split[i]))*4.4+2*cellPad)
		}
		x, y := marginL, d.pdf.GetY()
		for i := range cols {
			d.pdf.Rect(x, y, widths[i], h, "F")
			for j, l := range split[i] {
				d.textAt(x+cellPad, y+cellPad+float64(j)*4.4, widths[i]-2*cellPad, 4.4, l, cols[i].Align)
			}
			x += widths[i]
		}
		d.pdf.SetXY(marginL, y+h)
		d.font("", tableSize)
		d.inkFill()
	}
	const lh = 4.4
	split := make([][][]string, len(rows))
	heights := make([]int, len(rows))
	for r, row := range rows {
		lines := make([][]string, len(cols))
		most := 1
		for i := range cols {
			if i >= len(row) {
				continue
			}
			c := row[i]
			style := ""
			if c.Bold {
				style = "B"
			}
			d.font(style, tableSize)
			w := widths[i] - 2*cellPad
			if c.RAG != "" {
				w -= 5 // room for the chip
			}
			text := d.clean(c.Text)
			if c.Mark != "" && d.meta.Since != nil {
				text = "[" + markLabel(c.Mark, d.meta.Since) + "]\n" + text
			}
			lines[i] = d.pdf.SplitText(text, w)
			most = max(most, len(lines[i]))
		}
		split[r], heights[r] = lines, most
	}
	// Keep the header with the first row (or as much of it as a page holds).
	first := 3
	if len(heights) > 0 {
		first = min(heights[0], 12)
	}
	d.ensure(12 + float64(first)*lh + 2*cellPad)
	header()
	for r, row := range rows {
		lines, most := split[r], heights[r]
		d.font("", tableSize)
		fullPage := int((d.bottom() - marginT - 14 - 2*cellPad) / lh)
		need := float64(most)*lh + 2*cellPad
		if d.pdf.GetY()+need > d.bottom() && most <= fullPage {
			d.pdf.AddPage()
			header()
		}
		start := 0
		for start < most {
			room := int((d.bottom() - d.pdf.GetY() - 2*cellPad) / lh)
			if room < 1 {
				d.pdf.AddPage()
				header()
				continue
			}
			end := min(most, start+room)
			y := d.pdf.GetY()
			h := float64(end-start)*lh + 2*cellPad
			x := marginL
			for i := range cols {
				if i < len(row) {
					c := row[i]
					style := ""
					if c.Bold {
						style = "B"
					}
					d.font(style, tableSize)
					tx := x + cellPad
					if c.RAG != "" && start == 0 {
						col := ragColours[c.RAG]
						d.pdf.SetFillColor(col[0], col[1], col[2])
						d.pdf.Rect(tx, y+cellPad+0.6, 3.2, 3.2, "F")
						d.inkFill()
					}
					if c.RAG != "" {
						tx += 5
					}
					for j := start; j < end && j < len(lines[i]); j++ {
						d.textAt(tx, y+cellPad+float64(j-start)*lh, widths[i]-2*cellPad, lh, lines[i][j], cols[i].Align)
					}
				}
				x += widths[i]
			}
			d.pdf.SetDrawColor(210, 212, 214)
			d.pdf.Line(marginL, y+h, pageW-marginR, y+h)
			d.pdf.SetXY(marginL, y+h)
			start = end
			if start < most {
				d.pdf.AddPage()
				header()
			}
		}
	}
	d.font("", fontSize)
	d.pdf.Ln(4)
}

// ragWord is the word beside a RAG chip: colour is never the only sign.
func ragWord(rag string) string { return tracker.RAGLabel(rag) }

func dateOr(t *time.Time, or string) string {
	if t == nil {
		return or
	}
	return tracker.FormatDate(*t)
}

// rule draws a thin line across the body to separate items.
func (d *doc) rule() {
	d.ensure(30)
	d.pdf.Ln(3)
	d.pdf.SetDrawColor(11, 12, 12)
	d.pdf.SetLineWidth(0.4)
	d.pdf.Line(marginL, d.pdf.GetY(), pageW-marginR, d.pdf.GetY())
	d.pdf.SetLineWidth(0.2)
	d.pdf.Ln(2)
}

// textAt sets one line of already split text in a box whose top is at y;
// gofpdf's Text is much lighter than CellFormat, which matters when a
// report has thousands of table lines.
func (d *doc) textAt(x, y, w, h float64, s, align string) {
	if s == "" {
		return
	}
	_, size := d.pdf.GetFontSize()
	baseline := y + h/2 + size*0.3
	switch align {
	case "R":
		x += w - d.pdf.GetStringWidth(s)
	case "C":
		x += (w - d.pdf.GetStringWidth(s)) / 2
	}
	d.pdf.Text(x, baseline, s)
}

// inkFill sets the fill colour back to the text colour. gofpdf wraps every
// piece of text in an extra save/restore of the colours while they differ,
// which costs a second formatting pass per line of a long report.
func (d *doc) inkFill() { d.pdf.SetFillColor(11, 12, 12) }

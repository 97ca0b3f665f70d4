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

// Page geometry in millimetres; the page's own size is the doc's (A4,
// portrait or landscape).
const (
	marginL   = 18.0
	marginR   = 18.0
	marginT   = 24.0
	marginB   = 20.0
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
	// faces are the styles added to the document so far. A face is added
	// when first set: gofpdf reads the whole font file for each face it is
	// given and embeds each one, used or not, which for a reply of two
	// pages was most of its cost.
	faces map[string]bool
	// ops writes the text and rules of the pages (ops.go).
	ops ops
	// pageW and pageH are the page's size, bodyW the width between the
	// margins.
	pageW, pageH, bodyW float64
}

type face struct {
	style string
	size  float64
}

// newDoc starts an A4 document, portrait unless landscape is set.
func newDoc(fonts *Fonts, meta Meta, landscape bool) *doc {
	orientation := "P"
	if landscape {
		orientation = "L"
	}
	pdf := gofpdf.New(orientation, "mm", "A4", "")
	d := &doc{pdf: pdf, fonts: fonts, meta: meta, faces: map[string]bool{}}
	d.pageW, d.pageH = pdf.GetPageSize()
	d.bodyW = d.pageW - marginL - marginR
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
	var title string // fitted once, set on every page
	asAt := d.clean(meta.AsAtLine())
	pdf.SetHeaderFuncMode(func() {
		d.face = face{} // gofpdf has set the page's font itself
		pdf.SetY(10)
		d.font("", 8)
		d.setText(80, 90, 95)
		if title == "" {
			title = d.fit(d.clean(meta.Title), d.bodyW*0.62, 8)
		}
		pdf.CellFormat(d.bodyW*0.62, 4, title, "", 0, "L", false, 0, "")
		pdf.CellFormat(d.bodyW*0.38, 4, asAt, "", 1, "R", false, 0, "")
		d.setDraw(177, 180, 182)
		d.line(marginL, 15, d.pageW-marginR, 15)
		d.setText(11, 12, 12)
		pdf.SetY(marginT)
		// gofpdf puts back the font of before the page break after this
		// function returns, behind our back: forget what we last set.
		d.face = face{}
	}, true)
	pdf.SetFooterFunc(func() {
		d.face = face{}
		pdf.SetY(-14)
		d.font("", 8)
		d.setText(80, 90, 95)
		pdf.CellFormat(d.bodyW/2, 4, d.clean("As at "+tracker.FormatDate(meta.AsAt)), "", 0, "L", false, 0, "")
		pdf.CellFormat(d.bodyW/2, 4, fmt.Sprintf("Page %d of "+pageCount, pdf.PageNo()), "", 0, "R", false, 0, "")
		d.setText(11, 12, 12)
	})
	d.setText(11, 12, 12)
	d.inkFill()
	pdf.AddPage()
	d.font("", fontSize)
	return d
}

// pageCount holds the place of the number of pages in the footers until
// the document is finished (gofpdf's alias for it, which it would replace
// itself, and does in any text the document sets).
const pageCount = "{nb}"

// utf16be is text as gofpdf sets it in a page with a Unicode font: UTF-16,
// big-endian, without a byte order mark (for the Basic Multilingual Plane,
// all gofpdf handles).
func utf16be(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, r := range s {
		out = append(out, byte(r>>8), byte(r))
	}
	return out
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
	if !d.faces[style] {
		d.faces[style] = true
		d.pdf.AddUTF8FontFromBytes(family, style, d.fonts.face(style))
	}
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
	var plain heldWrites
	if err := d.pdf.Output(&plain); err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	// The number of pages, known only now, goes where each footer holds
	// its place, as the streams are compressed: gofpdf's own alias for it
	// copied every page several times over.
	out, _, err := compressStreams(plain.bytes(), streamEdit{old: utf16be(pageCount), new: utf16be(fmt.Sprint(d.pdf.PageNo()))})
	if err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	if _, err := w.Write(out); err != nil {
		return fmt.Errorf("write PDF: %w", err)
	}
	return nil
}

// heldWrites keeps what gofpdf's Output writes, without copying it.
// Output writes the finished document, held in gofpdf's own buffer, in one
// Write; copying it (about 10 KB a page uncompressed: 130 MB for a report
// of 13,000 pages) cost that much memory again and, in memory newly mapped,
// a second or more. Holding the slice, against io.Writer's rule, is safe
// here: nothing writes to gofpdf's buffer after Output, and the doc is
// dropped once its streams are compressed.
type heldWrites struct{ parts [][]byte }

func (h *heldWrites) Write(p []byte) (int, error) {
	h.parts = append(h.parts, p)
	return len(p), nil
}

// bytes is everything written, joined only if it came in pieces.
func (h *heldWrites) bytes() []byte {
	if len(h.parts) == 1 {
		return h.parts[0]
	}
	return bytes.Join(h.parts, nil)
}

func (d *doc) bottom() float64 { return d.pageH - marginB }

// ensure starts a new page unless h millimetres fit on this one.
func (d *doc) ensure(h float64) {
	if d.pdf.GetY()+h > d.bottom() {
		d.pdf.AddPage()
	}
}

// heading sets a heading and a bookmark at the given outline level, kept
// with at least a few lines of what follows it.
func (d *doc) heading(level int, text string) { d.headingKeep(level, text, 28) }

// headingKeep sets a heading on a page that has room for it and keep
// millimetres of what follows.
func (d *doc) headingKeep(level int, text string, keep float64) {
	sizes := []float64{18, 14, 12, 10.5}
	size := sizes[min(level, len(sizes)-1)]
	d.ensure(size*0.85 + 1.5 + keep)
	if d.pdf.GetY() > marginT+1 {
		d.pdf.Ln(size * 0.35)
	}
	text = d.clean(text)
	d.pdf.Bookmark(text, level, -1)
	d.font("B", size)
	d.pdf.MultiCell(d.bodyW, size*0.5, text, "", "L", false)
	d.pdf.Ln(1.5)
	d.font("", fontSize)
}

// caption sets small grey text.
func (d *doc) caption(text string) {
	d.font("", 8.5)
	d.setText(80, 90, 95)
	d.pdf.MultiCell(d.bodyW, 4.2, d.clean(text), "", "L", false)
	d.setText(11, 12, 12)
	d.font("", fontSize)
}

// mark sets a "New" or "Changed" flag line when the item changed since the
// report's since date.
func (d *doc) mark(mark string) {
	if mark == "" || d.meta.Since == nil {
		return
	}
	d.font("B", 8.5)
	d.setFill(255, 221, 0)
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

// pairs sets label–value rows, the summary list of the pages. The labels
// start where body text starts: inside gofpdf's cell margin.
func (d *doc) pairs(rows [][2]string) {
	labelW := 48.0
	in := d.pdf.GetCellMargin()
	for _, r := range rows {
		value := d.clean(r[1])
		d.font("", fontSize)
		lines := d.pdf.SplitText(value, d.bodyW-labelW)
		if len(lines) == 0 {
			lines = []string{""}
		}
		h := float64(len(lines)) * lineH
		if h <= d.bottom()-marginT {
			d.ensure(h + 1)
		}
		d.font("B", fontSize)
		d.textAt(marginL+in, d.pdf.GetY(), labelW, lineH, d.clean(r[0]), "L")
		d.font("", fontSize)
		for i, l := range lines {
			if i > 0 && d.pdf.GetY()+lineH > d.bottom() {
				d.pdf.AddPage()
			}
			d.textAt(marginL+in+labelW, d.pdf.GetY(), d.bodyW-labelW, lineH, l, "L")
			d.pdf.SetY(d.pdf.GetY() + lineH)
		}
		d.setDraw(210, 212, 214)
		d.line(marginL, d.pdf.GetY()+0.6, d.pageW-marginR, d.pdf.GetY()+0.6)
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
			d.pdf.MultiCell(d.bodyW-indent, 5.5, strings.TrimLeft(strings.TrimLeft(block, "#"), " "), "", "L", false)
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
		d.pdf.MultiCell(d.pageW-marginR-left, lineH, text, "", "L", false)
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
	maxW := d.pageW - marginR - d.pdf.GetX()
	if maxW < 20 {
		maxW = 20
	}
	var b strings.Builder
	for i, word := range strings.Split(s, " ") {
		if i > 0 {
			b.WriteByte(' ')
		}
		if len(word) > 30 && d.pdf.GetStringWidth(word) > d.bodyW-20 {
			b.WriteString(strings.Join(d.pdf.SplitText(word, d.bodyW-20), " "))
			continue
		}
		b.WriteString(word)
	}
	d.pdf.Write(lineH, b.String())
}

// column is one column of a table.
type column struct {
	Title string
	// Width is the column's share of the body width. For a table with
	// fitted columns it is the share of what those leave.
	Width float64
	Align string
	// Fit sizes the column to its longest line, up to Max of the body
	// width (fitMax when unset), so that short values such as dates and
	// status words sit on one line and no word breaks.
	Fit bool
	Max float64
}

// cell is one table cell: text, optional bold, optional RAG chip, and a
// secondary line set in grey below the text (an owner's unit).
type cell struct {
	Text string
	Bold bool
	RAG  string
	Mark string
	Sub  string
}

var ragColours = map[string][3]int{
	tracker.RAGRed: {212, 53, 28}, tracker.RAGAmber: {244, 119, 56}, tracker.RAGGreen: {0, 112, 60}, tracker.RAGNone: {177, 180, 182},
}

const (
	// rowLineH is the height of a line of table text.
	rowLineH = 4.4
	// fitMax is how much of the body a fitted column may take.
	fitMax = 0.22
	// splitSlack is what gofpdf's SplitText keeps from a width (its cell
	// margin on both sides), with a little room for rounding.
	splitSlack = 2.3
	// chipRoom is the room a RAG chip takes before its word.
	chipRoom = 5.0
	// tallRow is the number of lines from which a row that does not fit
	// on the page is split across pages rather than moved whole, so that
	// no page is left mostly empty; splitRoom is the least it leaves.
	tallRow   = 16
	splitRoom = 6
)

// tableLayout is a table measured and split into lines, ready to set.
type tableLayout struct {
	cols    []column
	rows    [][]cell
	widths  []float64
	lines   [][][]string // per row, per column, the lines of text
	grey    [][]int      // per row, per column, the first line of the grey sub-text
	heights []int        // per row, lines in its tallest cell
	head    [][]string
	headH   float64
}

// cellText is the text a cell shows: cleaned, with its change flag.
func (d *doc) cellText(c cell) string {
	text := d.clean(c.Text)
	if c.Mark != "" && d.meta.Since != nil {
		text = "[" + markLabel(c.Mark, d.meta.Since) + "]\n" + text
	}
	return text
}

func cellStyle(c cell) string {
	if c.Bold {
		return "B"
	}
	return ""
}

// textWidths returns the width of the longest line of text, of its
// longest word and of its first line, in the current font.
func (d *doc) textWidths(text string) (line, word, first float64) {
	for i, l := range strings.Split(text, "\n") {
		w := d.pdf.GetStringWidth(l)
		line = math.Max(line, w)
		if i == 0 {
			first = w
		}
		if w <= word {
			continue // no word of it can be wider than the widest yet
		}
		for _, f := range strings.Fields(l) {
			word = math.Max(word, d.pdf.GetStringWidth(f))
		}
	}
	return line, word, first
}

// columnPad is the room a column needs beyond its text: the padding on
// either side and the slack the line splitter wants.
const columnPad = 2*cellPad + splitSlack

// columnWidths gives fitted columns the width of their longest line (no
// more than their Max of the body) and never less than their longest word;
// the other columns share what is left by their Width, each given room for
// its longest word where the page allows.
func (d *doc) columnWidths(cols []column, texts [][]string, subs [][]string, rows [][]cell) []float64 {
	widths := make([]float64, len(cols))
	fitted := false
	for _, c := range cols {
		fitted = fitted || c.Fit
	}
	if !fitted {
		for i, c := range cols {
			widths[i] = c.Width * d.bodyW
		}
		return widths
	}
	e := d.measureColumns(cols, texts, subs, rows)
	left := d.fitColumns(cols, e, widths)
	left = d.narrowFitted(cols, e, widths, left)
	shareWidths(cols, e, widths, left, d.bodyW)
	return widths
}

// columnExtents are what a table's content asks of each of its columns:
// the width of its longest line, of its longest word and of its widest
// first line.
type columnExtents struct {
	natural, longest, firsts []float64
}

// measureColumns measures every column's title and cells. The cells are
// measured a face at a time: gofpdf writes a font change into the page
// each time the face is set, measuring or not, and setting it cell by cell
// wrote two of them for every row of every table.
func (d *doc) measureColumns(cols []column, texts [][]string, subs [][]string, rows [][]cell) columnExtents {
	e := columnExtents{natural: make([]float64, len(cols)), longest: make([]float64, len(cols)),
		// A cell's first line is its value (a date, a status, a name): the
		// column is made wide enough for it where it can be.
		firsts: make([]float64, len(cols))}
	d.font("B", tableSize)
	for i, c := range cols {
		e.natural[i], e.longest[i], _ = d.textWidths(d.clean(c.Title))
	}
	for _, style := range cellStyles {
		d.font(style, tableSize)
		for r, row := range rows {
			for i := range cols {
				if i < len(row) {
					d.measureCell(e, i, row[i], style, texts[r][i], subs[r][i])
				}
			}
		}
	}
	return e
}

// cellStyles are the faces a table's cells are set in, bold first: the
// order each table is measured and split in.
var cellStyles = []string{"B", ""}

// measureCell widens column i's extents to hold what of one cell is set in
// the current face, style: its text, with room for a RAG chip, when the
// cell is in that face, and its sub-line, which is always plain.
func (d *doc) measureCell(e columnExtents, i int, c cell, style, text, sub string) {
	if cellStyle(c) == style {
		extra := 0.0
		if c.RAG != "" {
			extra = chipRoom
		}
		l, w, f := d.textWidths(text)
		e.natural[i] = math.Max(e.natural[i], l+extra)
		e.longest[i] = math.Max(e.longest[i], w+extra)
		e.firsts[i] = math.Max(e.firsts[i], f+extra)
	}
	if sub != "" && style == "" {
		l, w, _ := d.textWidths(sub)
		e.natural[i] = math.Max(e.natural[i], l)
		e.longest[i] = math.Max(e.longest[i], w)
	}
}

// fitColumns sets each fitted column to its longest line, no wider than
// its Max of the body, and returns the width left for the others.
func (d *doc) fitColumns(cols []column, e columnExtents, widths []float64) float64 {
	left := d.bodyW
	for i, c := range cols {
		if !c.Fit {
			continue
		}
		most := c.Max
		if most == 0 {
			most = fitMax
		}
		most *= d.bodyW
		// A word or a first line wider than the column's Max widens it, up
		// to half as much again.
		widths[i] = math.Max(math.Min(e.natural[i]+columnPad, most), math.Min(math.Max(e.longest[i], e.firsts[i])+columnPad, most*1.5))
		left -= widths[i]
	}
	return left
}

// narrowFitted makes the fitted columns take no more than half the body
// (or what the other columns' longest lines leave) if their words allow:
// what is above each one's longest word gives way in proportion. It
// returns the width then left for the others.
func (d *doc) narrowFitted(cols []column, e columnExtents, widths []float64, left float64) float64 {
	wrapNeed := 0.0
	for i, c := range cols {
		if !c.Fit {
			wrapNeed += e.natural[i] + columnPad
		}
	}
	if over := (d.bodyW - left) - math.Max(d.bodyW/2, d.bodyW-wrapNeed); over > 0 {
		spare := 0.0
		for i, c := range cols {
			if c.Fit {
				spare += widths[i] - math.Min(e.longest[i]+columnPad, widths[i])
			}
		}
		cut := math.Min(1, over/math.Max(spare, 1e-9))
		for i, c := range cols {
			if c.Fit {
				w := widths[i] - (widths[i]-math.Min(e.longest[i]+columnPad, widths[i]))*cut
				left += widths[i] - w
				widths[i] = w
			}
		}
	}
	return left
}

// shareWidths gives the columns that are not fitted what is left, by
// weight; a column too narrow for its longest word takes what that word
// needs (up to a third of the body), one wider than its longest line takes
// that line, and the others share what remains. In column order, so that
// the same table is always laid out alike.
func shareWidths(cols []column, e columnExtents, widths []float64, left, bodyW float64) {
	weights := 0.0
	var open []int
	for i, c := range cols {
		if !c.Fit {
			weights += c.Width
			open = append(open, i)
		}
	}
	for len(open) > 0 {
		k := settledColumn(cols, e, open, left, weights, bodyW)
		if k < 0 {
			break
		}
		i := open[k]
		need := math.Min(e.longest[i]+columnPad, bodyW/3)
		if w := left * cols[i].Width / weights; w > e.natural[i]+columnPad {
			need = e.natural[i] + columnPad
		}
		widths[i] = need
		left -= need
		weights -= cols[i].Width
		open = append(open[:k], open[k+1:]...)
	}
	for _, i := range open {
		widths[i] = left * cols[i].Width / weights
	}
}

// settledColumn is the index in open of the first column whose share by
// weight is too narrow for its longest word (when the word fits in what is
// left) or, unless it is the last, wider than its longest line; -1 if none.
func settledColumn(cols []column, e columnExtents, open []int, left, weights, bodyW float64) int {
	for k, i := range open {
		w := left * cols[i].Width / weights
		need := math.Min(e.longest[i]+columnPad, bodyW/3)
		if w < need && need < left || w > e.natural[i]+columnPad && len(open) > 1 {
			return k
		}
	}
	return -1
}

// layout measures a table and splits its text into lines.
func (d *doc) layout(cols []column, rows [][]cell) *tableLayout {
	t := &tableLayout{cols: cols, rows: rows}
	texts := make([][]string, len(rows))
	subs := make([][]string, len(rows))
	for r, row := range rows {
		texts[r] = make([]string, len(cols))
		subs[r] = make([]string, len(cols))
		for i := range cols {
			if i < len(row) {
				texts[r][i] = d.cellText(row[i])
				if row[i].Sub != "" {
					subs[r][i] = d.clean(row[i].Sub)
				}
			}
		}
	}
	t.widths = d.columnWidths(cols, texts, subs, rows)
	d.font("B", tableSize)
	t.head = make([][]string, len(cols))
	for i, c := range cols {
		t.head[i] = d.pdf.SplitText(d.clean(c.Title), t.widths[i]-2*cellPad)
		t.headH = math.Max(t.headH, float64(len(t.head[i]))*rowLineH+2*cellPad)
	}
	t.lines = make([][][]string, len(rows))
	t.grey = make([][]int, len(rows))
	t.heights = make([]int, len(rows))
	for r := range rows {
		t.lines[r], t.grey[r] = make([][]string, len(cols)), make([]int, len(cols))
	}
	// A face at a time, as measureColumns: the bold cells' text, then the
	// plain cells' and every sub-line (plain, after its cell's text).
	for _, style := range cellStyles {
		d.font(style, tableSize)
		for r, row := range rows {
			for i := range cols {
				if i < len(row) {
					t.split(d, r, i, style, texts[r][i], subs[r][i])
				}
			}
		}
	}
	for r := range rows {
		t.heights[r] = 1
		for _, l := range t.lines[r] {
			t.heights[r] = max(t.heights[r], len(l))
		}
	}
	return t
}

// split breaks what of cell i of row r is set in the current face, style,
// into lines that fit its column: its text when the cell is in that face,
// its sub-line (plain) after it.
func (t *tableLayout) split(d *doc, r, i int, style, text, sub string) {
	c := t.rows[r][i]
	w := t.widths[i] - 2*cellPad
	if c.RAG != "" {
		w -= chipRoom
	}
	if cellStyle(c) == style {
		t.lines[r][i] = d.pdf.SplitText(text, w)
		t.grey[r][i] = len(t.lines[r][i])
	}
	if sub != "" && style == "" {
		t.lines[r][i] = append(t.lines[r][i], d.pdf.SplitText(sub, w)...)
	}
}

// lead is the height of the table's header and its first n rows: what
// must fit below a heading for the heading to stay with its table.
func (t *tableLayout) lead(n int) float64 {
	h := t.headH
	for _, lines := range t.heights[:min(n, len(t.heights))] {
		h += float64(min(lines, tallRow))*rowLineH + 2*cellPad
	}
	return h
}

// table sets rows under a header that is repeated on every page. A row
// that does not fit moves to the next page; a row taller than a page is
// split line by line across pages. After a page break the header comes
// back under "name (continued)".
func (d *doc) table(cols []column, rows [][]cell, name string) {
	d.setTable(d.layout(cols, rows), name)
}

func (d *doc) setTable(t *tableLayout, name string) {
	cols, widths := t.cols, t.widths
	const lh = rowLineH
	first := true
	header := func() {
		if !first {
			d.font("B", tableSize)
			d.setText(80, 90, 95)
			d.textAt(marginL+cellPad, d.pdf.GetY(), d.bodyW, 5, d.clean(strings.TrimSpace(name+" (continued)")), "L")
			d.setText(11, 12, 12)
			d.pdf.SetY(d.pdf.GetY() + 6)
		}
		first = false
		d.font("B", tableSize)
		d.setFill(243, 242, 241)
		x, y := marginL, d.pdf.GetY()
		for i := range cols {
			d.fillRect(x, y, widths[i], t.headH)
			for j, l := range t.head[i] {
				d.textAt(x+cellPad, y+cellPad+float64(j)*lh, widths[i]-2*cellPad, lh, l, cols[i].Align)
			}
			x += widths[i]
		}
		d.pdf.SetXY(marginL, y+t.headH)
		d.font("", tableSize)
		d.inkFill()
	}
	// Keep the header with the first row (or as much of it as a page holds).
	d.ensure(t.lead(1))
	header()
	fullPage := int((d.bottom() - marginT - t.headH - 6 - 2*cellPad) / lh)
	for r, row := range t.rows {
		lines, most := t.lines[r], t.heights[r]
		need := float64(most)*lh + 2*cellPad
		room := int((d.bottom() - d.pdf.GetY() - 2*cellPad) / lh)
		splits := most >= tallRow && room >= splitRoom
		if d.pdf.GetY()+need > d.bottom() && most <= fullPage && !splits {
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
					d.font(cellStyle(c), tableSize)
					tx := x + cellPad
					if c.RAG != "" && start == 0 {
						col := ragColours[c.RAG]
						d.setFill(col[0], col[1], col[2])
						d.fillRect(tx, y+cellPad+0.6, 3.2, 3.2)
						d.inkFill()
					}
					if c.RAG != "" {
						tx += chipRoom
					}
					for j := start; j < end && j < len(lines[i]); j++ {
						if j == t.grey[r][i] {
							d.font("", tableSize)
							d.setText(80, 90, 95)
						}
						d.textAt(tx, y+cellPad+float64(j-start)*lh, widths[i]-2*cellPad, lh, lines[i][j], cols[i].Align)
					}
					if len(lines[i]) > t.grey[r][i] {
						d.setText(11, 12, 12)
					}
				}
				x += widths[i]
			}
			d.setDraw(210, 212, 214)
			d.line(marginL, y+h, d.pageW-marginR, y+h)
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
	d.setDraw(11, 12, 12)
	d.pdf.SetLineWidth(0.4)
	d.line(marginL, d.pdf.GetY(), d.pageW-marginR, d.pdf.GetY())
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
	d.text(x, baseline, s)
}

// inkFill sets the fill colour back to the text colour. gofpdf wraps every
// piece of text in an extra save/restore of the colours while they differ,
// which costs a second formatting pass per line of a long report.
func (d *doc) inkFill() { d.setFill(11, 12, 12) }

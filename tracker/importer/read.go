// Package importer reads the spreadsheets people keep their recommendations
// and rolling action logs in (CSV saved by Excel, or XLSX), repairs the
// damage such files usually carry (Excel's _x000D_ escapes, UTF-8 text
// mis-decoded as Windows-1252), maps columns to the tracker's fields and
// turns rows into typed records, or into errors a person can act on.
//
// The flow a screen or a command follows is Read, GuessMapping (the person
// may change the mapping), Validate, then the store's Import, first as a
// dry run and then for real. The package knows nothing of the database.
package importer

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/civic-tracker/tracker/tracker"
)

// Formats of the files Read understands.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// Character sets Read reports for CSV files.
const (
	CharsetUTF8        = "UTF-8"
	CharsetUTF8BOM     = "UTF-8 with BOM"
	CharsetUTF16       = "UTF-16"
	CharsetWindows1252 = "Windows-1252"
)

// MaxFileSize is the largest file Read accepts: far above any action log,
// low enough that a wrong upload cannot exhaust the server's memory.
const MaxFileSize = 64 << 20

// Caps on what one file may hold, far above any action log or list of
// recommendations; a file beyond them is refused with the cap named, before
// it fills a mapping page or the server's memory.
const (
	// MaxColumns is the most columns a file may have.
	MaxColumns = 200
	// MaxRows is the most rows a file may have below its header.
	MaxRows = 50_000
	// MaxCellLength is the most characters one cell may hold, the longest
	// text the tracker keeps (tracker.MaxTextLength).
	MaxCellLength = tracker.MaxTextLength
)

// Table is a spreadsheet as read: its header row and its data rows, after
// the repairs counted in Repairs.
type Table struct {
	// Format is FormatCSV or FormatXLSX.
	Format string
	// Charset is the character set detected in a CSV file; empty for XLSX,
	// which is always Unicode.
	Charset string
	// Delimiter is the separator detected in a CSV file: ',', ';' or '\t'.
	Delimiter rune
	// Sheet is the worksheet read from an XLSX file.
	Sheet string
	// Headers are the column names, unique and never empty: a blank header
	// becomes "Column N" and a repeated one gets " (2)", " (3)"… added.
	Headers []string
	// Rows are the data rows in file order; wholly blank rows are left out.
	Rows []Row
	// Repairs counts the cells repaired, by kind.
	Repairs Repairs
}

// Row is one data row with where it came from.
type Row struct {
	// Number is the row number a spreadsheet shows, the header being row 1
	// (when the file starts with it), however many lines the cells of the
	// rows above take; people find the row in their file by it.
	Number int
	Cells  []string
}

// Cell returns the cell of column i, "" past the end of a short row.
func (r Row) Cell(i int) string {
	if i < 0 || i >= len(r.Cells) {
		return ""
	}
	return r.Cells[i]
}

// ReadOptions tunes Read.
type ReadOptions struct {
	// Sheet names the worksheet of an XLSX file; the first one when empty.
	Sheet string
}

// ErrEmptyFile is returned for a file without a header row.
var ErrEmptyFile = errors.New("the file is empty: it needs a header row naming the columns, then one row per item")

// Read reads a CSV or XLSX file, told apart by content (an XLSX file is a
// zip archive, starting with "PK"), and repairs its cells.
func Read(r io.Reader, opts ReadOptions) (*Table, error) {
	return ReadContext(context.Background(), r, opts)
}

// ReadContext is Read that stops, with ctx's error, when ctx is done: a
// person who gave up on an upload does not keep the server busy.
func ReadContext(ctx context.Context, r io.Reader, opts ReadOptions) (*Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read the file: %w", err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("the file is larger than %d MB; split it into smaller files", MaxFileSize>>20)
	}
	if err := notText(data); err != nil {
		return nil, err
	}
	var t *Table
	if bytes.HasPrefix(data, []byte("PK")) {
		t, err = readXLSX(ctx, data, opts)
	} else {
		t, err = readCSV(ctx, data)
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

// DecodeText turns the bytes of a text file into a string, detecting the
// character set as Excel leaves it: UTF-8 with or without a byte-order
// mark (removed), UTF-16 with a byte-order mark ("Unicode text"), else
// Windows-1252, Excel's "CSV" on Western Windows.
func DecodeText(data []byte) (string, string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		data = data[3:]
		if !utf8.Valid(data) {
			return "", "", errors.New("the file says it is UTF-8 but holds bytes that are not; save it again as “CSV UTF-8”")
		}
		return string(data), CharsetUTF8BOM, nil
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", "", errors.New("the file looks like UTF-16 text but cannot be read as such; save it again as “CSV UTF-8”")
		}
		return string(out), CharsetUTF16, nil
	case utf8.Valid(data):
		return string(data), CharsetUTF8, nil
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/8)
	for _, c := range data {
		if c < 0x80 {
			b.WriteByte(c)
			continue
		}
		// The five bytes Windows-1252 leaves undefined become the C1
		// controls of the same number, as Excel and most decoders do.
		r := charmap.Windows1252.DecodeByte(c)
		if r == utf8.RuneError {
			r = rune(c)
		}
		b.WriteRune(r)
	}
	return b.String(), CharsetWindows1252, nil
}

// ErrNotSpreadsheet is a file that is neither text nor an XLSX workbook.
var ErrNotSpreadsheet = errors.New("the file is neither a CSV text file nor an Excel workbook (.xlsx); save the spreadsheet as CSV UTF-8 or as .xlsx and upload that")

// notText refuses a file that is plainly not a spreadsheet: an old binary
// Excel file, a PDF, or bytes with many control characters (a picture, a
// program, random data) that would show as a mapping page of garbage.
// UTF-16 text, which is full of zero bytes, is left to the decoder.
func notText(data []byte) error {
	switch {
	case bytes.HasPrefix(data, []byte("PK")), bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return nil
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return errors.New("the file is an old Excel workbook (.xls); save it as .xlsx or as CSV UTF-8 and upload that")
	case bytes.HasPrefix(data, []byte("%PDF")):
		return errors.New("the file is a PDF; the tracker reads spreadsheets: save the list as CSV UTF-8 or as .xlsx and upload that")
	}
	sample := data[:min(len(data), 64<<10)]
	if len(sample) < 256 {
		return nil
	}
	controls := 0
	for _, b := range sample {
		if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f {
			controls++
		}
	}
	// Text has next to none; random bytes about one in nine.
	if controls*20 > len(sample) {
		return ErrNotSpreadsheet
	}
	return nil
}

func readCSV(ctx context.Context, data []byte) (*Table, error) {
	text, charset, err := DecodeText(data)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, ErrEmptyFile
	}
	delim := DetectDelimiter(text)
	cr := csv.NewReader(strings.NewReader(text))
	cr.Comma = delim
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	t := &Table{Format: FormatCSV, Charset: charset, Delimiter: delim, Repairs: Repairs{}}
	lines := lineStarts(text)
	first := true
	row, end := 0, 0
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("row %d of the file (line %d of the text) cannot be read as CSV: %v", row+1, pe.StartLine, pe.Err)
			}
			return nil, fmt.Errorf("read the CSV file: %w", err)
		}
		// A row of the spreadsheet is a record, however many lines its
		// cells take; an empty line, which the CSV reader skips, is an
		// empty row of the spreadsheet.
		start := end
		end = int(cr.InputOffset())
		row += 1 + blankLines(text[start:end])
		if err := t.check(ctx, row, rec); err != nil {
			return nil, err
		}
		crlf := crlfCells(text, lines, cr, len(rec), end)
		for i := range rec {
			rec[i] = UnescapeFormula(rec[i])
		}
		if first {
			t.setHeaders(rec)
			first = false
			continue
		}
		t.addRow(row, rec, crlf)
	}
	if first {
		return nil, ErrEmptyFile
	}
	return t, nil
}

// lineStarts are the byte offsets at which each line of text starts.
func lineStarts(text string) []int {
	out := []int{0}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			out = append(out, i+1)
		}
	}
	return out
}

// blankLines counts the empty lines at the start of a record's text.
func blankLines(raw string) int {
	n := 0
	for {
		switch {
		case strings.HasPrefix(raw, "\n"):
			raw = raw[1:]
		case strings.HasPrefix(raw, "\r\n"):
			raw = raw[2:]
		default:
			return n
		}
		n++
	}
}

// crlfCells finds the cells of the record just read whose text held
// Windows line breaks (CR LF): the CSV reader makes them plain line breaks
// without a word, and the summary counts that change as a repair.
func crlfCells(text string, lines []int, cr *csv.Reader, cells, end int) map[int]bool {
	offset := func(i int) int {
		line, col := cr.FieldPos(i)
		if line < 1 || line > len(lines) {
			return end
		}
		return min(lines[line-1]+col-1, end)
	}
	from := offset(0)
	rec := strings.TrimSuffix(strings.TrimSuffix(text[from:end], "\n"), "\r")
	if !strings.Contains(rec, "\r\n") {
		return nil
	}
	last := from + len(rec)
	out := map[int]bool{}
	for i := 0; i < cells; i++ {
		to := last
		if i+1 < cells {
			to = offset(i + 1)
		}
		if from := offset(i); from < to && strings.Contains(text[from:to], "\r\n") {
			out[i] = true
		}
	}
	return out
}

// DetectDelimiter picks the separator of a CSV text among comma, semicolon
// (Excel where the comma is the decimal mark) and tab: the one that splits
// the header into most columns, with the first rows agreeing on the count.
func DetectDelimiter(text string) rune {
	sample := text
	if len(sample) > 64<<10 {
		sample = sample[:64<<10]
	}
	best, bestScore := ',', -1
	for _, d := range []rune{',', ';', '\t'} {
		cr := csv.NewReader(strings.NewReader(sample))
		cr.Comma = d
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		header, err := cr.Read()
		if err != nil || len(header) < 2 {
			continue
		}
		agree := 0
		for i := 0; i < 20; i++ {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			if len(rec) == len(header) {
				agree++
			}
		}
		score := agree*1000 + len(header)
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// check stops reading when ctx is done, and refuses a row beyond the caps
// on rows, columns and cell length, naming the cap.
func (t *Table) check(ctx context.Context, row int, rec []string) error {
	if len(t.Rows)%1000 == 999 {
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if len(t.Rows) >= MaxRows {
		return fmt.Errorf("the file has more than %d rows; the tracker reads up to %d at a time, so split it into smaller files", MaxRows, MaxRows)
	}
	if len(rec) > MaxColumns {
		return fmt.Errorf("row %d of the file has %d columns; the tracker reads up to %d, so remove the columns it does not need", row, len(rec), MaxColumns)
	}
	for i, cell := range rec {
		if len(cell) > MaxCellLength && utf8.RuneCountInString(cell) > MaxCellLength {
			return fmt.Errorf("row %d, column %d of the file holds %d characters; a cell may hold up to %d", row, i+1, utf8.RuneCountInString(cell), MaxCellLength)
		}
	}
	return nil
}

// checkDimension refuses a sheet whose used range ("A1:XFD1048576") is
// beyond the caps before excelize reads it all into memory.
func checkDimension(dim string) error {
	parts := strings.Split(dim, ":")
	if len(parts) != 2 {
		return nil
	}
	cols, rows, err := excelize.CellNameToCoordinates(parts[1])
	if err != nil {
		return nil
	}
	if cols > MaxColumns {
		return fmt.Errorf("the sheet has %d columns; the tracker reads up to %d, so remove the columns it does not need", cols, MaxColumns)
	}
	if rows > MaxRows+1 {
		return fmt.Errorf("the sheet has %d rows; the tracker reads up to %d at a time, so split it into smaller files", rows-1, MaxRows)
	}
	return nil
}

func (t *Table) setHeaders(rec []string) {
	seen := map[string]int{}
	t.Headers = make([]string, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(t.repair(h))
		h = strings.Join(strings.Fields(h), " ")
		if h == "" {
			h = "Column " + strconv.Itoa(i+1)
		}
		seen[h]++
		if n := seen[h]; n > 1 {
			h = fmt.Sprintf("%s (%d)", h, n)
		}
		t.Headers[i] = h
	}
}

// addRow keeps a data row; crlf names the cells whose Windows line breaks
// the CSV reader already made plain, a repair to count all the same.
func (t *Table) addRow(number int, rec []string, crlf map[int]bool) {
	blank := true
	for i := range rec {
		rec[i] = t.repairCell(rec[i], crlf[i])
		if strings.TrimSpace(rec[i]) != "" {
			blank = false
		}
	}
	if blank {
		return
	}
	// Cells beyond the header get headers of their own so nothing is lost
	// silently; the mapping screen shows them.
	for len(t.Headers) < len(rec) {
		t.Headers = append(t.Headers, "Column "+strconv.Itoa(len(t.Headers)+1))
	}
	t.Rows = append(t.Rows, Row{Number: number, Cells: rec})
}

func (t *Table) repair(cell string) string {
	return t.repairCell(cell, false)
}

func (t *Table) repairCell(cell string, crlf bool) string {
	out, kinds := RepairCell(cell)
	for _, k := range kinds {
		t.Repairs[k]++
		crlf = crlf && k != RepairLineEnding
	}
	if crlf {
		t.Repairs[RepairLineEnding]++
	}
	return out
}

// MaxUnzippedSize bounds what a workbook may unpack to: a small file can
// hold a vast sheet, and the whole sheet is read into memory.
const MaxUnzippedSize = 512 << 20

// unzipLimit is MaxUnzippedSize, smaller in tests.
var unzipLimit int64 = MaxUnzippedSize

func readXLSX(ctx context.Context, data []byte, opts ReadOptions) (*Table, error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: unzipLimit})
	if err != nil && strings.Contains(err.Error(), "unzip size") {
		return nil, fmt.Errorf("the workbook unpacks to more than %d MB; save the sheet you need on its own, or as CSV", unzipLimit>>20)
	}
	if err != nil {
		return nil, errors.New("the file looks like an Excel workbook but cannot be opened; save it again as .xlsx or as CSV UTF-8")
	}
	defer f.Close()
	sheet, err := chooseSheet(f.GetSheetList(), opts.Sheet)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if dim, err := f.GetSheetDimension(sheet); err == nil {
		if err := checkDimension(dim); err != nil {
			return nil, err
		}
	}
	shown, err := f.GetRows(sheet)
	if err != nil {
		return nil, fmt.Errorf("read sheet %q: %w", sheet, err)
	}
	raw, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, fmt.Errorf("read sheet %q: %w", sheet, err)
	}
	dates := newSheetDates(f, sheet)
	t := &Table{Format: FormatXLSX, Sheet: sheet, Repairs: Repairs{}}
	first := true
	for i, row := range shown {
		if err := t.check(ctx, i+1, row); err != nil {
			return nil, err
		}
		cells := dates.cells(i, row, raw)
		if first {
			if blankRow(cells) {
				continue
			}
			t.setHeaders(cells)
			first = false
			continue
		}
		t.addRow(i+1, cells, nil)
	}
	if first {
		return nil, ErrEmptyFile
	}
	return t, nil
}

// chooseSheet picks the sheet named want (in any case), or the first.
func chooseSheet(sheets []string, want string) (string, error) {
	if len(sheets) == 0 {
		return "", ErrEmptyFile
	}
	if want == "" {
		return sheets[0], nil
	}
	for _, s := range sheets {
		if strings.EqualFold(s, want) {
			return s, nil
		}
	}
	return "", fmt.Errorf("the workbook has no sheet called %q; its sheets are: %s", want, strings.Join(sheets, ", "))
}

func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// sheetDates turns the date serials of date-styled cells into dates, as
// the sheet shows them to a person rather than as it stores them.
type sheetDates struct {
	f        *excelize.File
	sheet    string
	date1904 bool
	style    map[int]bool
}

func newSheetDates(f *excelize.File, sheet string) *sheetDates {
	d := &sheetDates{f: f, sheet: sheet, style: map[int]bool{}}
	if p, err := f.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		d.date1904 = *p.Date1904
	}
	return d
}

// isDate reports whether the cell's style shows a number as a date.
func (d *sheetDates) isDate(cell string) bool {
	id, err := d.f.GetCellStyle(d.sheet, cell)
	if err != nil || id == 0 {
		return false
	}
	if v, ok := d.style[id]; ok {
		return v
	}
	st, err := d.f.GetStyle(id)
	v := err == nil && isDateFormat(st)
	d.style[id] = v
	return v
}

// cells is row i as shown, with each date-styled serial read as a date.
func (d *sheetDates) cells(i int, row []string, raw [][]string) []string {
	cells := make([]string, len(row))
	for j, v := range row {
		cells[j] = v
		if i >= len(raw) || j >= len(raw[i]) || raw[i][j] == v {
			continue
		}
		name, _ := excelize.CoordinatesToCellName(j+1, i+1)
		if serial, err := strconv.ParseFloat(raw[i][j], 64); err == nil && d.isDate(name) {
			if tm, err := excelize.ExcelDateToTime(serial, d.date1904); err == nil {
				cells[j] = formatSheetDate(tm)
			}
		}
	}
	return cells
}

// isDateFormat reports whether a cell style shows a number as a date:
// Excel's built-in date formats, or a custom format with days or years.
func isDateFormat(st *excelize.Style) bool {
	if st == nil {
		return false
	}
	switch {
	case st.NumFmt >= 14 && st.NumFmt <= 22, st.NumFmt >= 27 && st.NumFmt <= 36, st.NumFmt >= 45 && st.NumFmt <= 47, st.NumFmt >= 50 && st.NumFmt <= 58:
		return true
	}
	if st.CustomNumFmt == nil {
		return false
	}
	f := strings.ToLower(*st.CustomNumFmt)
	// Quoted literals and colours say nothing about dates.
	var b strings.Builder
	quoted, bracket := false, false
	for _, c := range f {
		switch {
		case c == '"':
			quoted = !quoted
		case c == '[' && !quoted:
			bracket = true
		case c == ']' && !quoted:
			bracket = false
		case !quoted && !bracket:
			b.WriteRune(c)
		}
	}
	f = b.String()
	return strings.ContainsAny(f, "dy") || strings.Contains(f, "mmm")
}

func formatSheetDate(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format("2006-01-02 15:04")
}

// formulaStart are the characters that make a spreadsheet read a cell as a
// formula.
const formulaStart = "=+-@\t\r"

// EscapeFormula protects a CSV cell from being run as a formula when the
// file is opened in a spreadsheet: a cell that begins like one gets a
// leading apostrophe, which spreadsheets hide and UnescapeFormula removes.
func EscapeFormula(cell string) string {
	if cell != "" && strings.ContainsRune(formulaStart, rune(cell[0])) {
		return "'" + cell
	}
	return cell
}

// UnescapeFormula undoes EscapeFormula.
func UnescapeFormula(cell string) string {
	if len(cell) > 1 && cell[0] == '\'' && strings.ContainsRune(formulaStart, rune(cell[1])) {
		return cell[1:]
	}
	return cell
}

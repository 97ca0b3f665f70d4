package importer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/civic-tracker/tracker/tracker"
)

func TestDecodeText(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      []byte
		want    string
		charset string
	}{
		{"UTF-8 with BOM", []byte("\xEF\xBB\xBFa,b\nCafé,“x”\n"), "a,b\nCafé,“x”\n", CharsetUTF8BOM},
		{"UTF-8", []byte("a,b\nVictims’ Code,£250,000\n"), "a,b\nVictims’ Code,£250,000\n", CharsetUTF8},
		{"Windows-1252", []byte("a,b\nVictims\x92 Code,\xA3250\n"), "a,b\nVictims’ Code,£250\n", CharsetWindows1252},
		{"Windows-1252 undefined byte", []byte("caf\xE9 \x81"), "café \u0081", CharsetWindows1252},
		{"UTF-16", []byte("\xFF\xFEa\x00,\x00\xA3\x00"), "a,£", CharsetUTF16},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, cs, err := DecodeText(tc.in)
			if err != nil || got != tc.want || cs != tc.charset {
				t.Errorf("DecodeText = %q, %q, %v; want %q, %q", got, cs, err, tc.want, tc.charset)
			}
		})
	}
	if _, _, err := DecodeText([]byte("\xEF\xBB\xBFbad \xFF")); err == nil {
		t.Error("a BOM with invalid UTF-8 after it was accepted")
	}
}

func TestFixMojibake(t *testing.T) {
	for in, want := range map[string]string{
		"Victimsâ€™ Code":         "Victims’ Code",
		"â€œquotedâ€\u009d":       "“quoted”",
		"Ã©tÃ©":                   "été",
		"TaupÅ\u008d":             "Taupō",
		"â€¢ first\nâ€“ second":   "• first\n– second",
		"Â£250,000":               "£250,000",
		"doubly Ã¢â‚¬â„¢ garbled": "doubly ’ garbled",
		"Café and â€™":            "Café and ’",
		"éâ€™":                    "é’",
		"Victims’ Code":           "Victims’ Code",
		"£250,000":                "£250,000",
		"phase Ⅱ":                 "phase Ⅱ",
		"Café":                    "Café",
		"naïve coöperation, façade — “ok”": "naïve coöperation, façade — “ok”",
		"Ó’Brien":     "Ó’Brien",
		"plain ASCII": "plain ASCII",
		"€5 – ±2°":    "€5 – ±2°",
	} {
		if got := FixMojibake(in); got != want {
			t.Errorf("FixMojibake(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRepairCell(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		kinds    []string
	}{
		{"replied:_x000D_\nWe accept._x000D_\n_x000D_\nDone.", "replied:\nWe accept.\n\nDone.", []string{RepairExcelEscape}},
		{"a_x000D_b", "a\nb", []string{RepairExcelEscape}},
		{"tab_x0009_here, literal _x005F_x000D_", "tab\there, literal _x000D_", []string{RepairExcelEscape}},
		{"line\r\nbreak\rold mac", "line\nbreak\nold mac", []string{RepairLineEnding}},
		{"itâ€™s_x000D_\nfine", "it’s\nfine", []string{RepairExcelEscape, RepairMojibake}},
		{"  spaces kept \n inside ", "  spaces kept \n inside ", nil},
		{"_x12_ not an escape", "_x12_ not an escape", nil},
		{"nul\x00 and bell\x07 go,\ttab stays", "nul and bell go,\ttab stays", []string{RepairControl}},
		{"escaped _x0001_ control", "escaped  control", []string{RepairExcelEscape, RepairControl}},
	} {
		got, kinds := RepairCell(tc.in)
		if got != tc.want || strings.Join(kinds, ",") != strings.Join(tc.kinds, ",") {
			t.Errorf("RepairCell(%q) = %q %v, want %q %v", tc.in, got, kinds, tc.want, tc.kinds)
		}
	}
}

func TestDetectDelimiter(t *testing.T) {
	for _, tc := range []struct {
		text string
		want rune
	}{
		{"a,b,c\n1,2,3\n", ','},
		{"a;b;c\n1;\"2,5\";3\n4;5,5;6\n", ';'},
		{"a\tb\tc\n1\t2,3\t4\n", '\t'},
		{"Ref;Text, with comma;Due\nA1;x, y;2024\n", ';'},
		{"only\n1\n", ','},
	} {
		if got := DetectDelimiter(tc.text); got != tc.want {
			t.Errorf("DetectDelimiter(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}

func TestReadCSV(t *testing.T) {
	in := "\xEF\xBB\xBFNo.;Recommendation;Addressed to\r\n" +
		"1;\"Two lines:\r\nsecond â€“ here\";MPS\r\n" +
		";;\r\n" +
		"2;\"He said \"\"yes\"\"\";MOPAC;extra\r\n"
	tbl, err := Read(strings.NewReader(in), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Format != FormatCSV || tbl.Charset != CharsetUTF8BOM || tbl.Delimiter != ';' {
		t.Errorf("format %s, charset %s, delimiter %q", tbl.Format, tbl.Charset, tbl.Delimiter)
	}
	if strings.Join(tbl.Headers, "|") != "No.|Recommendation|Addressed to|Column 4" {
		t.Errorf("headers = %q", tbl.Headers)
	}
	// Spreadsheet rows, not lines: the first row's cell takes two lines,
	// and the blank row 3 is left out but counted.
	if len(tbl.Rows) != 2 || tbl.Rows[0].Number != 2 || tbl.Rows[1].Number != 4 {
		t.Fatalf("rows = %+v", tbl.Rows)
	}
	if got := tbl.Rows[0].Cell(1); got != "Two lines:\nsecond – here" {
		t.Errorf("multi-line cell = %q", got)
	}
	if got := tbl.Rows[1].Cell(1); got != `He said "yes"` {
		t.Errorf("quoted cell = %q", got)
	}
	// The CSV reader's own change of the cell's CR LF counts too.
	if tbl.Repairs[RepairMojibake] != 1 || tbl.Repairs[RepairLineEnding] != 1 || tbl.Repairs.Total() != 2 {
		t.Errorf("repairs = %v", tbl.Repairs)
	}
	if _, err := Read(strings.NewReader(""), ReadOptions{}); !errors.Is(err, ErrEmptyFile) {
		t.Errorf("empty file: %v", err)
	}
}

func TestReadXLSX(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	rows := [][]any{
		{"Action ref", "Action", "Owner", "Due date", "RAG"},
		{"A1", "Publish the Victims’ Code leaflet_x000D_\nin five languages", "DS Smith", nil, "Amber"},
		{},
		{"A2", "Fund £250,000 hotline", "Café team", nil, "g"},
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	_ = f.SetCellValue("Sheet1", "D2", 45560) // 25 September 2024
	_ = f.SetCellStyle("Sheet1", "D2", "D2", style)
	_ = f.SetCellValue("Sheet1", "D4", "by April 2025")
	if _, err := f.NewSheet("Other"); err != nil {
		t.Fatal(err)
	}
	_ = f.SetCellValue("Other", "A1", "Ref")
	_ = f.SetCellValue("Other", "A2", "Z9")
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	tbl, err := Read(bytes.NewReader(buf.Bytes()), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Format != FormatXLSX || tbl.Sheet != "Sheet1" || strings.Join(tbl.Headers, "|") != "Action ref|Action|Owner|Due date|RAG" {
		t.Fatalf("table = %+v", tbl)
	}
	if len(tbl.Rows) != 2 || tbl.Rows[0].Number != 2 || tbl.Rows[1].Number != 4 {
		t.Fatalf("rows = %+v", tbl.Rows)
	}
	if got := tbl.Rows[0].Cell(1); got != "Publish the Victims’ Code leaflet\nin five languages" {
		t.Errorf("cell = %q", got)
	}
	if got := tbl.Rows[0].Cell(3); got != "2024-09-25" {
		t.Errorf("date cell = %q", got)
	}
	// excelize decodes _x000D_ itself, leaving a Windows line break.
	if tbl.Rows[1].Cell(2) != "Café team" || tbl.Rows[1].Cell(3) != "by April 2025" || tbl.Repairs[RepairLineEnding] != 1 {
		t.Errorf("row 4 = %q, repairs %v", tbl.Rows[1].Cells, tbl.Repairs)
	}
	other, err := Read(bytes.NewReader(buf.Bytes()), ReadOptions{Sheet: "other"})
	if err != nil || other.Sheet != "Other" || other.Rows[0].Cell(0) != "Z9" {
		t.Errorf("sheet Other: %+v %v", other, err)
	}
	if _, err := Read(bytes.NewReader(buf.Bytes()), ReadOptions{Sheet: "Missing"}); err == nil || !strings.Contains(err.Error(), "Sheet1, Other") {
		t.Errorf("missing sheet: %v", err)
	}
}

func TestGuessMapping(t *testing.T) {
	taic := []string{"report_id", "recommendation_id", "recipient", "made", "recommendation", "recommendation_text",
		"extra_recommendation_context", "reply_text", "response_category"}
	got := GuessMapping(KindRecommendations, taic)
	want := Mapping{"report_id": FieldSource, "recommendation_id": FieldNumber, "recipient": FieldAddressee, "made": FieldMade,
		"recommendation_text": FieldText, "reply_text": FieldResponse, "response_category": FieldPosition}
	if a, _ := got.MarshalJSON(); string(a) != mustJSON(t, want) {
		t.Errorf("TAIC mapping = %s", a)
	}
	log := []string{"Action Ref", "Organisation", "Action required", "Action Owner", "Team", "Target date", "Status", "RAG status", "Latest update", "Date updated", "Rec No."}
	got = GuessMapping(KindActions, log)
	want = Mapping{"Action Ref": FieldReference, "Organisation": FieldOrganisation, "Action required": FieldDescription, "Action Owner": FieldOwner,
		"Team": FieldOwnerUnit, "Target date": FieldDue, "Status": FieldStatus, "RAG status": FieldRAG, "Latest update": FieldUpdate,
		"Date updated": FieldUpdateDate, "Rec No.": FieldRecommendation}
	if a, _ := got.MarshalJSON(); string(a) != mustJSON(t, want) {
		t.Errorf("log mapping = %s", a)
	}
	// Round trip through JSON, as saved mappings are kept.
	b, _ := want.MarshalJSON()
	back, err := ParseMapping(b)
	if err != nil || len(back) != len(want) || back["Rec No."] != FieldRecommendation {
		t.Errorf("round trip: %v %v", back, err)
	}
	pairs, err := ParseMappingPairs([]string{"report_id=source,recipient=addressee", "Title, short=title"})
	if err != nil || pairs["report_id"] != FieldSource || pairs["recipient"] != FieldAddressee || pairs["Title, short"] != FieldTitle {
		t.Errorf("pairs = %v %v", pairs, err)
	}
}

func mustJSON(t *testing.T, m Mapping) string {
	b, err := m.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestVocabulary(t *testing.T) {
	for in, want := range map[string]string{"Accepted and Implemented": tracker.PosAccepted, "Under Consideration": tracker.PosNoted,
		"rejected": tracker.PosNotAccepted, "Partly accepted": tracker.PosPartlyAccepted, "accepted in principle": tracker.PosPartlyAccepted} {
		if got, ok := ParsePosition(in); !ok || got != want {
			t.Errorf("ParsePosition(%q) = %q %v", in, got, ok)
		}
	}
	for in, want := range map[string]string{"Amber": tracker.RAGAmber, " g ": tracker.RAGGreen, "RED": tracker.RAGRed, "Blue": tracker.RAGGreen} {
		if got, ok := ParseRAG(in); !ok || got != want {
			t.Errorf("ParseRAG(%q) = %q %v", in, got, ok)
		}
	}
	for in, want := range map[string]string{"Complete": tracker.ActCompleted, "Ongoing": tracker.ActInProgress, "Not started": tracker.ActNotStarted, "Cancelled": tracker.ActCancelled} {
		if got, ok := ParseActionStatus(in); !ok || got != want {
			t.Errorf("ParseActionStatus(%q) = %q %v", in, got, ok)
		}
	}
	for in, want := range map[string]string{"Complete": tracker.RecImplemented, "In Progress": tracker.RecInProgress, "closed": tracker.RecClosed} {
		if got, ok := ParseRecommendationStatus(in); !ok || got != want {
			t.Errorf("ParseRecommendationStatus(%q) = %q %v", in, got, ok)
		}
	}
	if _, ok := ParsePosition("maybe"); ok {
		t.Error("ParsePosition(maybe) matched")
	}
	for in, want := range map[string]string{"2024-09-25": "25 September 2024", "25/09/2024": "25 September 2024", "5/9/24": "5 September 2024",
		"25th September 2024": "25 September 2024", "25-Sep-24": "25 September 2024", "45560": "25 September 2024"} {
		if d, err := tracker.ParseSpreadsheetDate(in); err != nil || tracker.FormatDate(d) != want {
			t.Errorf("ParseSpreadsheetDate(%q) = %v %v", in, d, err)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	csv := "Report,No,Recommendation,Addressed to,Made,Status,Response,Position\n" +
		"Duty of Care,1,Publish the leaflet.,MPS,17/05/2022,Open,,\n" +
		"Duty of Care,,No number here.,MPS,,,,\n" +
		"Duty of Care,3,Bad date.,MPS,next Tuesday,Sort of,,\n" +
		"Duty of Care,4,Two bodies.,MPS; MOPAC,,,We accept.,Accepted\n" +
		"Duty of Care,1,Publish the leaflet.,MOPAC,17/05/2022,Open,Noted by MOPAC.,Under consideration\n"
	tbl, err := Read(strings.NewReader(csv), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m := GuessMapping(KindRecommendations, tbl.Headers)
	b, err := Validate(KindRecommendations, tbl, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range b.Errors {
		got = append(got, e.Error())
	}
	want := []string{
		"row 3, column No: Enter the recommendation’s number as the source gives it",
		"row 4, column Made: “next Tuesday” is not a date; write it like 17/05/2022 or 2022-05-17",
		"row 4, column Status: “Sort of” is not a status the tracker knows; use one of: Open, In progress, Implemented, Closed, or choose the tracker’s word for “Sort of” with the column’s values",
		"row 5, column Response: This row names several addressees, so the tracker cannot tell whose response it is; put each addressee’s response on its own row",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(b.Recommendations) != 1 || strings.Join(b.Recommendations[0].Addressees, ";") != "MPS;MOPAC" ||
		len(b.Recommendations[0].Responses) != 1 || b.Recommendations[0].Responses[0].Position != tracker.PosNoted {
		t.Errorf("records = %+v", b.Recommendations)
	}
	if rows := b.BadRows(); len(rows) != 3 || rows[0] != 3 {
		t.Errorf("bad rows = %v", rows)
	}

	// A mapping that cannot work is refused before any row is read.
	_, err = Validate(KindRecommendations, tbl, Mapping{"Nope": FieldText, "Report": "colour"}, Options{})
	var me *MappingError
	if !errors.As(err, &me) || len(me.Problems) < 4 {
		t.Errorf("bad mapping: %v", err)
	}
}

// TestFormulaEscape: a cell that a spreadsheet would run as a formula is
// written with an apostrophe and read back without it; others are left.
func TestFormulaEscape(t *testing.T) {
	for _, cell := range []string{"=HYPERLINK(\"http://x\")", "+44 20", "-5 days", "@SUM(A1)", "\tx", "- bullet", "'quoted", "Victims’ Code", "", "'"} {
		esc := EscapeFormula(cell)
		if strings.ContainsRune("=+-@\t", firstRune(cell)) && !strings.HasPrefix(esc, "'") {
			t.Errorf("%q escaped as %q", cell, esc)
		}
		if got := UnescapeFormula(esc); got != cell {
			t.Errorf("%q → %q → %q", cell, esc, got)
		}
	}
	tbl, err := Read(strings.NewReader("a,b\n'=1+1,'-x\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tbl.Rows[0].Cells[0] != "=1+1" || tbl.Rows[0].Cells[1] != "-x" {
		t.Errorf("read back as %q", tbl.Rows[0].Cells)
	}
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

// TestXLSXUnzipLimit: a workbook that unpacks to more than the limit is
// refused with a message, not read into memory.
func TestXLSXUnzipLimit(t *testing.T) {
	f := excelize.NewFile()
	for i := 1; i <= 200; i++ {
		_ = f.SetCellValue("Sheet1", fmt.Sprintf("A%d", i), strings.Repeat("Victims’ Code ", 20))
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	old := unzipLimit
	unzipLimit = 4 << 10
	defer func() { unzipLimit = old }()
	if _, err := Read(bytes.NewReader(buf.Bytes()), ReadOptions{}); err == nil || !strings.Contains(err.Error(), "unpacks to more than") {
		t.Errorf("a workbook over the limit: %v", err)
	}
	unzipLimit = old
	if _, err := Read(bytes.NewReader(buf.Bytes()), ReadOptions{}); err != nil {
		t.Errorf("the same workbook within the limit: %v", err)
	}
}

// TestReadCaps: a file beyond the caps on columns, rows or cell length is
// refused with the cap named; a file that is not a spreadsheet is refused;
// a cancelled read stops.
func TestReadCaps(t *testing.T) {
	wide := strings.Repeat("c,", MaxColumns) + "c\n" + strings.Repeat("1,", MaxColumns) + "1\n"
	var long strings.Builder
	long.WriteString("Ref,Action\n")
	for i := 0; i <= MaxRows; i++ {
		fmt.Fprintf(&long, "R%d,x\n", i)
	}
	bigCell := "Ref,Action\nR1," + strings.Repeat("y", MaxCellLength+1) + "\n"
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(i*7919 + i*i*31)
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"wide":     {[]byte(wide), fmt.Sprintf("the tracker reads up to %d", MaxColumns)},
		"long":     {[]byte(long.String()), fmt.Sprintf("more than %d rows", MaxRows)},
		"big cell": {[]byte(bigCell), fmt.Sprintf("a cell may hold up to %d", MaxCellLength)},
		"random":   {random, "neither a CSV text file nor an Excel workbook"},
		"xls":      {append([]byte{0xD0, 0xCF, 0x11, 0xE0}, random...), "old Excel workbook (.xls)"},
		"pdf":      {append([]byte("%PDF-1.7\n"), random...), "the file is a PDF"},
	} {
		if _, err := Read(bytes.NewReader(tc.data), ReadOptions{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}

	f := excelize.NewFile()
	_ = f.SetCellValue("Sheet1", "A1", "Ref")
	_ = f.SetCellValue("Sheet1", fmt.Sprintf("A%d", MaxRows+5), "far down")
	// Excel records the used range; the reader trusts it to refuse early.
	_ = f.SetSheetDimension("Sheet1", fmt.Sprintf("A1:A%d", MaxRows+5))
	buf, err := f.WriteToBuffer()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Read(bytes.NewReader(buf.Bytes()), ReadOptions{}); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("reads up to %d", MaxRows)) {
		t.Errorf("a sheet beyond the row cap: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ReadContext(ctx, strings.NewReader(long.String()), ReadOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled read: %v", err)
	}
	// Text within the caps, with a stray control character, still reads.
	if _, err := Read(strings.NewReader("Ref,Action\nR1,a\x00b\n"), ReadOptions{}); err != nil {
		t.Errorf("a small file with a NUL: %v", err)
	}
}

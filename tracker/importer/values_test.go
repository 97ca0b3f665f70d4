package importer

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
)

func readFile(t *testing.T, path string) *Table {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tbl, err := Read(f, ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// TestGuessLooksAtValues: the guesses read the values under the headers.
// A city auditor's export (one row per recommendation per agency, its own
// words) and a partnership's action log, both with headers unlike the
// tracker's, and the TAIC file.
func TestGuessLooksAtValues(t *testing.T) {
	for _, tc := range []struct {
		path   string
		kind   Kind
		want   Mapping
		number string
	}{
		{"testdata/city-audit.csv", KindRecommendations, Mapping{
			"Audit Title": FieldSource, "Audit Number": FieldSourceReference, "Agency": FieldAddressee, "Date Issued": FieldMade,
			"Recommendation": FieldText,
			// Its header says response, its words are positions.
			"Agency Response":       FieldPosition,
			"Implementation Status": FieldStatus,
			// "Status Date" holds dates, so it is not the status: it is
			// the date of the status.
			"Status Date": FieldStatusDate,
		}, "{audit_number}-{row}"},
		{"testdata/partnership-log.csv", KindActions, Mapping{
			"Item": FieldReference, "Lead agency": FieldOrganisation, "What we will do": FieldDescription, "Lead officer": FieldOwner,
			"Target": FieldDue, "Commentary": FieldUpdate,
			// No header names them; their words do.
			"Progress RAG": FieldRAG, "Current state": FieldStatus,
		}, ""},
	} {
		m, number := Guess(tc.kind, readFile(t, tc.path))
		if !reflect.DeepEqual(m, tc.want) || number != tc.number {
			t.Errorf("%s: guessed %v, number %q\nwant %v, number %q", tc.path, m, number, tc.want, tc.number)
		}
	}

	// A date column is never the status, even when its header is the only
	// one that says status; an audit number shared by different texts is
	// never the recommendation number.
	tbl, err := Read(strings.NewReader("Report,Recommendation,Addressee,status_date,Audit no.,Rec no\n"+
		"R1,Publish the leaflet.,MPS,2020-01-01,7,7\nR1,Fund the hotline.,MPS,2020-02-01,7,7\nR1,Train the staff.,MOPAC,2020-03-01,7,7\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, number := Guess(KindRecommendations, tbl)
	if m["status_date"] == FieldStatus || m.Has(FieldNumber) || m["Rec no"] != "" || m["Audit no."] != FieldSourceReference || number != "{audit_no}-{row}" {
		t.Errorf("guessed %v, number %q", m, number)
	}

	taic := filepath.Join("..", "..", "..", "shared", "data", "taic", "cleaned_TAIC_recommendations_2024_11_19.csv")
	if _, err := os.Stat(taic); err != nil {
		t.Skipf("the TAIC data is not at %s", taic)
	}
	m, number = Guess(KindRecommendations, readFile(t, taic))
	want := Mapping{"report_id": FieldSource, "recommendation_id": FieldNumber, "recipient": FieldAddressee, "made": FieldMade,
		"recommendation_text": FieldText, "reply_text": FieldResponse, "response_category": FieldPosition}
	if !reflect.DeepEqual(m, want) || number != "" {
		t.Errorf("TAIC: guessed %v, number %q", m, number)
	}
}

// TestFileWordsAndNumbers imports the city auditor's export as it is: its
// words translated (some guessed, one chosen), its numbers made from the
// audit number and each recommendation's place in its audit, the rows of
// one recommendation to two agencies counted once.
func TestFileWordsAndNumbers(t *testing.T) {
	tbl := readFile(t, "testdata/city-audit.csv")
	m, number := Guess(KindRecommendations, tbl)
	opts := Options{IssuedBy: "City Auditor", Number: number,
		Values: map[Field]map[string]string{FieldStatus: {"pending": tracker.RecInProgress}}}
	b, err := Validate(KindRecommendations, tbl, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Errors) != 0 {
		t.Fatalf("errors: %v", b.Errors)
	}
	type rec struct {
		number, source, status, addressees, positions string
		rows                                          []int
	}
	var got []rec
	for _, r := range b.Recommendations {
		var pos []string
		for _, resp := range r.Responses {
			pos = append(pos, resp.Organisation+"="+resp.Position)
		}
		got = append(got, rec{r.Number, r.Source, r.Status, strings.Join(r.Addressees, "; "), strings.Join(pos, "; "), r.Rows})
	}
	shelter, trees := "Oversight of Emergency Shelter Contracts", "Follow-up on Street Tree Maintenance"
	want := []rec{
		{"2019-N-1-1", shelter, tracker.RecImplemented, "Department of Homeless Services", "Department of Homeless Services=accepted", []int{2}},
		{"2019-N-1-2", shelter, tracker.RecInProgress, "Department of Homeless Services; Human Resources Administration",
			"Department of Homeless Services=accepted; Human Resources Administration=partly_accepted", []int{3, 4}},
		{"2019-N-1-3", shelter, tracker.RecOpen, "Department of Homeless Services", "Department of Homeless Services=accepted", []int{5}},
		{"2020-F-7-1", trees, tracker.RecOpen, "Department of Parks and Recreation", "Department of Parks and Recreation=partly_accepted", []int{6}},
		{"2020-F-7-2", trees, tracker.RecImplemented, "Department of Parks and Recreation", "Department of Parks and Recreation=accepted", []int{7}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("records:\n%+v\nwant\n%+v", got, want)
	}
	if got := b.Recommendations[2].Text; got != "DHS should:\na. publish its inspection schedule;\nb. train its inspectors;\nc. report the results to the Council’s committee." {
		t.Errorf("text = %q", got)
	}
	if b.Repairs[RepairLineEnding] != 1 || b.Repairs.Total() != 1 {
		t.Errorf("repairs = %v", b.Repairs)
	}

	// A word neither known nor translated is an error naming the word, at
	// its column and spreadsheet row (row 6: the row above takes four
	// lines of the file).
	tbl.Rows[4].Cells[6] = "Deferred"
	b, err = Validate(KindRecommendations, tbl, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Errors) != 1 || b.Errors[0].Error() != "row 6, column Implementation Status: “Deferred” is not a status the tracker knows; use one of: Open, In progress, Implemented, Closed, or choose the tracker’s word for “Deferred” with the column’s values" {
		t.Errorf("errors = %v", b.Errors)
	}
	// Translated, it imports; the translation is matched ignoring case.
	opts.Values[FieldStatus]["DEFERRED "] = tracker.RecOpen
	if b, _ = Validate(KindRecommendations, tbl, m, opts); len(b.Errors) != 0 || b.Recommendations[3].Status != tracker.RecOpen {
		t.Errorf("translated: %v %+v", b.Errors, b.Recommendations[3])
	}
}

func TestParseValuePairs(t *testing.T) {
	got, err := ParseValuePairs(KindRecommendations, []string{
		"status=Pending:open,Not Implemented:In progress", "position=Agreed With:accepted,Agreed, with conditions:Partly accepted"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[Field]map[string]string{
		FieldStatus:   {"Pending": tracker.RecOpen, "Not Implemented": tracker.RecInProgress},
		FieldPosition: {"Agreed With": tracker.PosAccepted, "Agreed, with conditions": tracker.PosPartlyAccepted},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
	if got, err := ParseValuePairs(KindActions, []string{"rag=Blue:green,Grey:not rated"}); err != nil || got[FieldRAG]["Grey"] != "" || got[FieldRAG]["Blue"] != tracker.RAGGreen {
		t.Errorf("rag: %v %v", got, err)
	}
	for _, bad := range []string{"text=a:b", "status=Pending", "status=Pending:sort of", "Pending:open"} {
		if _, err := ParseValuePairs(KindRecommendations, []string{bad}); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	// A saved mapping's translation to a word the tracker lacks is a
	// problem with the mapping.
	m := Mapping{"S": FieldSource, "T": FieldText, "A": FieldAddressee}
	problems := m.Check(KindRecommendations, []string{"S", "T", "A"}, Options{Number: "{row}",
		Values: map[Field]map[string]string{FieldStatus: {"Pending": "waiting"}, FieldRAG: {"R": "red"}}})
	if strings.Join(problems, "\n") != "“rag” is not a field of recommendations with fixed words; translate the words of: status, position\n"+
		"“waiting” is not a status the tracker has (for the file’s “Pending”); use one of: open, in_progress, implemented, closed" {
		t.Errorf("problems = %q", problems)
	}
}

func TestNumberTemplateProblems(t *testing.T) {
	headers := []string{"Audit Number", "Recommendation", "Agency"}
	m := Mapping{"Recommendation": FieldText, "Agency": FieldAddressee}
	for tpl, want := range map[string]string{
		"{audit_number}-{row}": "",
		"{Audit Number}.{ROW}": "",
		"{audit}-{row}":        "The number template names {audit}, but the file has no such column; use {row} for the position within the source, or one of: {audit_number}, {recommendation}, {agency}",
		"R-1":                  "The number template “R-1” names no column and no {row}, so every recommendation would have the same number; write it like {audit_number}-{row}",
		"{row":                 "The number template “{row” has a { without its }",
	} {
		got := strings.Join(m.Check(KindRecommendations, headers, Options{Source: "S", Number: tpl}), "\n")
		if got != want {
			t.Errorf("%q: %q, want %q", tpl, got, want)
		}
	}
	// Without a template the number column is required.
	if got := m.Check(KindRecommendations, headers, Options{Source: "S"}); len(got) != 1 || !strings.Contains(got[0], "(number)") {
		t.Errorf("no template: %v", got)
	}
}

// TestRowsAsInTheSpreadsheet: a duplicate row worded differently is an
// error naming both rows, and the spaces trimmed from values count as
// repairs.
func TestRowsAsInTheSpreadsheet(t *testing.T) {
	tbl, err := Read(strings.NewReader("Source,No,Text,To\n"+
		"S,1,\"Publish\nthe leaflet.\", MPS \n"+
		"S,2,Fund the hotline.,MPS\n"+
		"S,1,Publish the leaflet.,MOPAC\n"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Validate(KindRecommendations, tbl, GuessMapping(KindRecommendations, tbl.Headers), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Errors) != 1 || b.Errors[0].Error() != "row 4, column Text: recommendation 1 of “S” is on row 2 and on row 4 with a different text; make the rows agree, or give them different numbers" {
		t.Errorf("errors = %v", b.Errors)
	}
	if len(b.Recommendations) != 2 || b.Repairs[RepairTrimmed] != 1 || b.Recommendations[0].Addressees[0] != "MPS" {
		t.Errorf("records %+v, repairs %v", b.Recommendations, b.Repairs)
	}
}

package web_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestExportLists downloads the action log and the recommendations,
// filtered as the pages show them, as CSV and XLSX, and reads them back.
func TestExportLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(viewer)
	colp := strconv.FormatInt(e.orgs[colpOrg].ID, 10)

	// The page offers the downloads with its filter.
	mustContain(t, c.get("/actions?org="+colp+"&open=true", http.StatusOK), "export links",
		`href="/actions.csv?open=true&amp;org=`+colp+`"`, `href="/actions.xlsx?open=true&amp;org=`+colp+`"`)

	// A description a spreadsheet would run as a formula.
	if _, err := e.s.CreateAction(t.Context(), tracker.Action{OrganisationID: e.orgs[colpOrg].ID, Description: "=HYPERLINK(\"http://example.org\")", Status: tracker.ActNotStarted}); err != nil {
		t.Fatal(err)
	}
	body := c.get("/actions.csv?org="+colp, http.StatusOK)
	if !strings.Contains(body, `"'=HYPERLINK(""http://example.org"")"`) {
		t.Error("a cell beginning with = is not escaped in the CSV")
	}
	if !strings.HasPrefix(body, "\uFEFF") {
		t.Error("the CSV has no byte order mark, so Excel would not read it as UTF-8")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	items, total, _ := e.s.ListActions(t.Context(), tracker.ActionFilter{OrganisationID: e.orgs[colpOrg].ID, Today: today, Page: tracker.Page{Size: 1000}})
	if len(rows) != int(total)+1 || total == 0 {
		t.Fatalf("CSV has %d rows, want %d actions and a header", len(rows), total)
	}
	if strings.Join(rows[0][:3], "|") != "Action reference|Organisation|Description" {
		t.Errorf("header %v", rows[0])
	}
	for i, it := range items {
		if rows[i+1][1] != colpOrg || importer.UnescapeFormula(rows[i+1][2]) != it.Action.Description {
			t.Errorf("row %d: %v, want %q", i+1, rows[i+1][:3], it.Action.Description)
		}
	}

	// The other lists, with UTF-8 intact.
	mustContain(t, c.get("/sources.csv", http.StatusOK), "sources CSV", "Title,Kind,Issued by", "Duty of Care: Improving Support for Victims of Crime,Committee report,London Assembly Police and Crime Committee,2013-01-23")
	mustContain(t, c.get("/references.csv", http.StatusOK), "references CSV", "13,Victim Satisfaction Action Plan")
	mustContain(t, c.get("/measures.csv", http.StatusOK), "measures CSV", "Overall victim satisfaction,Metropolitan Police Service,%,Higher is better", ",76,")

	// Recommendations as XLSX: one row per addressee, with its response.
	res, err := c.http.Get(e.ts.URL + "/recommendations.xlsx?source=1")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Disposition"), ".xlsx") {
		t.Fatalf("XLSX: %d %v", res.StatusCode, res.Header)
	}
	var buf bytes.Buffer
	_, _ = buf.ReadFrom(res.Body)
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := f.GetRows(f.GetSheetName(0))
	if err != nil {
		t.Fatal(err)
	}
	// Duty of Care: ten recommendations, Recs 2 and 4 to two bodies each.
	if len(sheet) != 1+12 {
		t.Fatalf("XLSX has %d rows, want 13", len(sheet))
	}
	var rec4, rec4VS []string
	for _, r := range sheet[1:] {
		if r[4] == "4" && r[7] == "Metropolitan Police Service" {
			rec4 = r
		}
		if r[4] == "4" && r[7] == "Victim Support" {
			rec4VS = r
		}
	}
	// Each row is one addressee's: its own status and status date, then
	// the recommendation's overall status.
	if rec4 == nil || rec4[8] != "2013-04-30" || rec4[9] != "In progress" || rec4[10] != "2013-03-31" || rec4[11] != "In progress" ||
		!strings.Contains(rec4[12], "Victim Support") || rec4[13] != "Accepted" {
		t.Errorf("Recommendation 4 for the MPS: %q", rec4)
	}
	if len(rec4VS) < 12 || rec4VS[9] != "Open" || rec4VS[10] != "" || rec4VS[11] != "In progress" {
		t.Errorf("Recommendation 4 for Victim Support: %q", rec4VS)
	}
}

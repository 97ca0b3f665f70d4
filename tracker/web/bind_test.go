package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestMalformedFilterValuesAreReportedAtTheirField: a filter value that does
// not fit its field (?due_within=abc) is named at that field and in the
// error summary, instead of quietly becoming zero; the other filters still
// apply; a download with such a filter is refused rather than holding the
// whole list.
func TestMalformedFilterValuesAreReportedAtTheirField(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(viewer)
	page := c.get("/actions?due_within=abc&overdue=maybe&rag=none", http.StatusOK)
	mustContain(t, page, "due_within=abc",
		`<p class="field-error" id="f-due-error"><span class="visually-hidden">Error:</span> Enter a whole number, like 30</p>`,
		`name="due_within" aria-invalid="true" aria-describedby="f-due-error"`,
		`href="#f-due"`, `id="f-overdue-error"`, "Choose yes or no", `href="#f-overdue"`)
	mustContain(t, text(page), "due_within=abc", "There is a problem", "Showing 1 to 16 of 16 actions")
	mustContain(t, c.get("/actions?due_within=-5", http.StatusOK), "due_within=-5", `id="f-due-error"`, "Enter a number of days from 0 to 3660")
	mustContain(t, c.get("/recommendations?org=MPS", http.StatusOK), "org=MPS", `id="f-org-error"`, "Enter a whole number, like 30")
	mustContain(t, text(c.get("/actions.csv?due_within=abc", http.StatusUnprocessableEntity)), "export", "due_within: Enter a whole number, like 30")
	mustContain(t, text(c.get("/recommendations.csv?changed_since=31/02/2026", http.StatusUnprocessableEntity)), "export", "changed_since: Enter the date as a real date")
	mustContain(t, text(c.get("/reports/actions.pdf?open=perhaps", http.StatusUnprocessableEntity)), "PDF", "open: Choose yes or no")
}

// TestChangedSinceIsOneName: changed_since is the name everywhere, and the
// older since is still read so old links keep working.
func TestChangedSinceIsOneName(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(viewer)
	mustContain(t, text(c.get("/actions?since=2999-01-01", http.StatusOK)), "old name on the log", "No actions match these filters")
	mustContain(t, text(c.get("/recommendations?since=2999-01-01", http.StatusOK)), "old name on the recommendations", "No recommendations")
	since := storetest.Day(-22)
	for _, name := range []string{"changed_since", "since"} {
		mustContain(t, text(c.get("/?"+name+"="+since.Format("2006-01-02"), http.StatusOK)), name+" on the overview", "items changed since "+since.Format("2 January 2006"))
	}
	home := c.get("/", http.StatusOK)
	mustContain(t, home, "the overview's form", `name="changed_since" type="date"`)
	mustContain(t, c.get("/actions", http.StatusOK), "the PDF form's marks, a meaning of their own", `name="mark_since" type="date" max=`)

	api := e.api(viewer)
	all := api.call("GET", "/actions?changed_since=2000-01-01", "", http.StatusOK)
	none := api.call("GET", "/actions?changed_since=2999-01-01", "", http.StatusOK)
	old := api.call("GET", "/recommendations?since=2999-01-01", "", http.StatusOK)
	if all.body["total"] != float64(16) || none.body["total"] != float64(0) || old.body["total"] != float64(0) {
		t.Errorf("API changed_since totals: %v, %v, %v; want 16, 0, 0", all.body["total"], none.body["total"], old.body["total"])
	}
	bad := api.call("GET", "/actions?changed_since=31/02/2026", "", http.StatusUnprocessableEntity)
	if f, _ := bad.body["fields"].(map[string]any); f["changed_since"] != "“31/02/2026” is not a date: February 2026 has 28 days; write it like 2022-05-17 (YYYY-MM-DD)" {
		t.Errorf("API bad changed_since: %s", bad.raw)
	}
	doc := api.call("GET", "/openapi.json", "", http.StatusOK)
	mustContain(t, string(doc.raw), "OpenAPI", `"name":"changed_since"`)
}

// TestMalformedPostedValueIsReportedAtItsField: a posted form whose version
// is not a number is answered at the field, not taken as version 0 (which
// the store would report as someone else's change).
func TestMalformedPostedValueIsReportedAtItsField(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	chair := e.login(editorCoL)
	a := e.actionOf(colpOrg)
	path := "/actions/" + strconv.FormatInt(a.ID, 10) + "/due"
	page := text(chair.post(path, url.Values{"version": {"v" + strconv.Itoa(a.Version)}, "new_date": {storetest.ISO(38)}, "reason": {"Supplier delayed"}}, http.StatusUnprocessableEntity))
	mustContain(t, page, "bad version", "There is a problem", "The form was changed on its way here")
	if next := e.actionOf(colpOrg); next.Version != a.Version {
		t.Error("a refused move changed the action")
	}
	// An update sent with an empty version, or none, is the same: not
	// someone else's change.
	updates := "/actions/" + strconv.FormatInt(a.ID, 10) + "/updates"
	for what, form := range map[string]url.Values{
		"an empty version": {"version": {""}, "date": {storetest.ISO(0)}, "text": {"Victims’ Code <b>£250,000</b>"}},
		"no version":       {"date": {storetest.ISO(0)}, "text": {"Victims’ Code <b>£250,000</b>"}},
	} {
		page := text(chair.post(updates, form, http.StatusUnprocessableEntity))
		mustContain(t, page, what, "There is a problem", "The form was changed on its way here")
		if strings.Contains(page, "Someone else changed") {
			t.Errorf("%s: the page says someone else changed the action", what)
		}
	}
	if next := e.actionOf(colpOrg); next.Version != a.Version {
		t.Error("a refused update changed the action")
	}
}

// TestMalformedChoiceIsReportedAtItsField: an edit form's list value that
// is not one the list offers (an addressee "MPS" or an unknown id, an
// organisation "abc") is an error at that field, not silently dropped; and
// nothing is saved.
func TestMalformedChoiceIsReportedAtItsField(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), 25)
	adm := e.login(admin)
	before := text(adm.get("/recommendations/4", http.StatusOK))
	version := versionInput.FindStringSubmatch(adm.get("/recommendations/4/edit", http.StatusOK))[1]
	mps := strconv.FormatInt(e.orgs[mpsOrg].ID, 10)
	for _, bad := range []string{"MPS", "999999"} {
		page := text(adm.post("/recommendations/4/edit", url.Values{"version": {version}, "number": {"4"}, "text": {"Changed – “not saved”"},
			"addressees": {mps, bad}}, http.StatusUnprocessableEntity))
		mustContain(t, page, "addressee "+bad, "There is a problem", "Choose from the list; the form sent a value it does not offer")
	}
	if after := text(adm.get("/recommendations/4", http.StatusOK)); after != before {
		t.Error("a refused edit changed the recommendation")
	}
	a := e.actionOf(colpOrg)
	page := text(adm.post("/actions/"+strconv.FormatInt(a.ID, 10)+"/edit", url.Values{"version": {strconv.Itoa(a.Version)},
		"description": {a.Description}, "organisation": {"abc"}}, http.StatusUnprocessableEntity))
	mustContain(t, page, "organisation abc", "Choose from the list")
	if e.actionOf(colpOrg).Version != a.Version {
		t.Error("a refused action edit changed the action")
	}
	// A version that is not a number is the form changed on its way, not
	// someone else's change (version 0 would read as a conflict).
	page = text(adm.post("/recommendations/4/edit", url.Values{"version": {"v" + version}, "number": {"4"}, "text": {"Changed"}, "addressees": {mps}}, http.StatusUnprocessableEntity))
	mustContain(t, page, "garbled version", "There is a problem", "The form was changed on its way here")
	page = text(adm.post("/actions/"+strconv.FormatInt(a.ID, 10)+"/delete", url.Values{"version": {"one"}}, http.StatusUnprocessableEntity))
	mustContain(t, page, "garbled version on delete", "The form was changed on its way here")
	if e.actionOf(colpOrg).Version != a.Version {
		t.Error("a delete with a garbled version changed the action")
	}
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestMoveDueDateWithReason: a chair moves a due date; without a reason the
// form comes back with the message at the field and the date kept.
func TestMoveDueDateWithReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	chair := e.login(editorCoL)
	a := e.actionOf(colpOrg)
	path := "/actions/" + strconv.FormatInt(a.ID, 10) + "/due"
	due := storetest.Day(38)
	page := text(chair.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "new_date": {due.Format("2006-01-02")}}, http.StatusUnprocessableEntity))
	mustContain(t, page, "no reason", "There is a problem", "Say why the date is moving")
	if next := e.actionOf(colpOrg); next.Version != a.Version {
		t.Error("a refused move changed the action")
	}
	chair.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "new_date": {due.Format("02/01/2006")}, "reason": {"Call-handling supplier delayed – “Q4”"}}, http.StatusSeeOther)
	page = text(chair.get("/actions/"+strconv.FormatInt(a.ID, 10), http.StatusOK))
	mustContain(t, page, "after the first date", "The due date has been moved.", tracker.FormatDate(due), "No date → "+tracker.FormatDate(due)+" : Call-handling supplier delayed – “Q4”")
	// Setting the first date is not a move: nothing has slipped yet.
	if strings.Contains(page, "Moved 1 time") || strings.Contains(page, "Moved ") {
		t.Errorf("setting the first due date counts as a move: %.300s", page[strings.Index(page, "Due"):])
	}
	// Moving it on is: slippage counts from the first date there was.
	later := storetest.Day(68)
	chair.post(path, url.Values{"version": {strconv.Itoa(a.Version + 1)}, "new_date": {later.Format("2006-01-02")}, "reason": {"Supplier delayed again"}}, http.StatusSeeOther)
	page = text(chair.get("/actions/"+strconv.FormatInt(a.ID, 10), http.StatusOK))
	mustContain(t, page, "after the move", "Moved 1 time, 30 days in all", "reason given : Supplier delayed again",
		"due date : was not set → now "+tracker.FormatDate(due))
	log := text(chair.get("/actions?owner=Detective+Superintendent+Crime", http.StatusOK))
	mustContain(t, log, "action log", "moved 1×, 30 days later")
	if strings.Contains(log, "moved 2×") {
		t.Error("the action log counts the first date as a move")
	}
}

func TestSearchPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(viewer)
	page := c.get("/search?q=CRIB+hotline", http.StatusOK)
	mustContain(t, text(page), "search", "found", "Action", "Create a hotline for Victim Support enquiries")
	if !regexpMatch(`href="/actions/\d+"`, page) {
		t.Error("no link to the action")
	}
	mustContain(t, text(c.get("/search?q=zzzyx", http.StatusOK)), "no hits", "Nothing found for “zzzyx”")
	mustContain(t, text(c.get("/search?q=Victims%E2%80%99+Code", http.StatusOK)), "curly apostrophe", "Victims’ Code")
}

// TestOverviewDashboard: per owner, per source (a chart with its words),
// changed since (four weeks by default, any date chosen), measures.
func TestOverviewDashboard(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(viewer)
	page := c.get("/", http.StatusOK)
	flat := text(page)
	fourWeeksAgo := tracker.FormatDate(storetest.Day(-28))
	mustContain(t, flat, "overview", "By owner", "Crime Recording Bureau (CRIB) 1 1 0", "Recommendations by source",
		"Duty of Care: Improving Support for Victims of Crime: 6 open, 4 in progress.",
		"Changed since "+fourWeeksAgo, "Overall victim satisfaction", "66.7%")
	mustContain(t, page, "chart", `role="img" aria-labelledby="chart-title chart-desc"`, `href="/actions?owner=Crime%20Recording%20Bureau%20%28CRIB%29&amp;overdue=true"`)
	if !regexpMatch(`\d+ items changed since `+regexp.QuoteMeta(fourWeeksAgo), flat) {
		t.Error("no count of changed items")
	}
	// Any date can be chosen; a bad one is named at its field.
	since := storetest.Day(-22)
	mustContain(t, text(c.get("/?since="+since.Format("2006-01-02"), http.StatusOK)), "since "+since.Format("2 January"), "items changed since "+tracker.FormatDate(since))
	mustContain(t, text(c.get("/?since=31/02/2026", http.StatusOK)), "bad date", "There is a problem", "Enter a date in the past")
}

// TestResponsesAreRevisedNotOverwritten: the MPS chair revises the MPS
// response to Recommendation 4; the first version stays; a stale revision
// is refused with the saved one shown; Victim Support's response is
// recorded apart, by someone who may answer for it.
func TestResponsesAreRevisedNotOverwritten(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	chair := e.login(editorMPS)
	mps := strconv.FormatInt(e.orgs[mpsOrg].ID, 10)
	form := func(rev, text string) url.Values {
		return url.Values{"organisation": {mps}, "revision": {rev}, "position": {"partly_accepted"}, "text": {text}, "author": {"DAC Victim Care"}, "date": {storetest.ISO(-3)}}
	}
	page := text(chair.post("/recommendations/4/responses", form("1", ""), http.StatusUnprocessableEntity))
	mustContain(t, page, "empty response", "There is a problem", "Enter the response")
	chair.post("/recommendations/4/responses", form("1", "- Hotline live since June 2013 – “CRIB”\n- Evaluation due"), http.StatusSeeOther)
	page = text(chair.get("/recommendations/4", http.StatusOK))
	mustContain(t, page, "revised", "Partly accepted", "Hotline live since June 2013 – “CRIB”", "revision 2", "Earlier versions (1)", "16/7 central Crime Recording Bureau (CRIB)")
	stale := text(chair.post("/recommendations/4/responses", form("1", "My older draft"), http.StatusConflict))
	mustContain(t, stale, "stale", "Someone else saved a response after you opened this page", "Saved meanwhile by DAC Victim Care (revision 2)", "My older draft")

	if got := e.login(editorCoL).status("POST", "/recommendations/4/responses", withCSRF(e.login(editorCoL), form("2", "x"))); got != http.StatusForbidden {
		t.Errorf("a CoLP editor answering for the MPS: %d", got)
	}
	adm := e.login(admin)
	vs := url.Values{"organisation": {strconv.FormatInt(e.orgs["Victim Support"].ID, 10)}, "revision": {"0"}, "position": {"accepted"},
		"text": {"Victim Support welcomes the hotline."}, "author": {"Victim Support London"}, "date": {storetest.ISO(-2)}}
	adm.post("/recommendations/4/responses", vs, http.StatusSeeOther)
	page = text(adm.get("/recommendations/4", http.StatusOK))
	mustContain(t, page, "second addressee", "Management response from Victim Support", "Victim Support welcomes the hotline.")
	if strings.Contains(page, "No response recorded from Victim Support") {
		t.Error("Victim Support still shown as not answering")
	}
}

func withCSRF(c *client, v url.Values) url.Values {
	v.Set("csrf_token", c.csrf)
	return v
}

// TestCloseAndReopenWithReason: the CoLP secretary closes a FIB
// recommendation; the reason is required and goes on its timeline.
func TestCloseAndReopenWithReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(secretary)
	d, err := e.s.ReferenceDetail(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	rec := d.Recommendations[0].Recommendation
	path := "/recommendations/" + strconv.FormatInt(rec.ID, 10)
	form := url.Values{"version": {strconv.Itoa(rec.Version)}, "status": {"closed"}, "assessment": {"closed_by_committee"}, "assessment_note": {"Agreed at the March meeting"}}
	page := text(sec.post(path+"/status", form, http.StatusUnprocessableEntity))
	mustContain(t, page, "no reason", "There is a problem", "Say why the recommendation is being closed or reopened")
	form.Set("reason", "Closed by the Sub-Committee on 12 March – “satisfied”")
	sec.post(path+"/status", form, http.StatusSeeOther)
	page = text(sec.get(path, http.StatusOK))
	mustContain(t, page, "closed", "Closed by the committee", "Agreed at the March meeting",
		"Status: In progress → Closed. Assessment: Not yet assessed → Closed by the committee. Reason: Closed by the Sub-Committee on 12 March – “satisfied”")
	if got := e.login(editorMPS).status("POST", path+"/status", withCSRF(e.login(editorMPS), form)); got != http.StatusForbidden {
		t.Errorf("an MPS editor closing a CoLP recommendation: %d", got)
	}
	// A stale form is refused.
	mustContain(t, text(sec.post(path+"/status", form, http.StatusConflict)), "stale", "Someone else changed this recommendation")
}

// TestFiltersAndSorting: RAG, theme and changed-since filters and sorted
// columns, all kept in the URL.
func TestFiltersAndSorting(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(viewer)
	mustContain(t, text(c.get("/actions?rag=none", http.StatusOK)), "not rated", "Showing 1 to 16 of 16 actions")
	mustContain(t, text(c.get("/actions?rag=amber", http.StatusOK)), "amber", "No actions match these filters")
	mustContain(t, text(c.get("/actions?changed_since=2000-01-01", http.StatusOK)), "changed since 2000", "of 16 actions")
	mustContain(t, text(c.get("/actions?changed_since=2999-01-01", http.StatusOK)), "changed since 2999", "No actions match these filters")
	mustContain(t, text(c.get("/actions?changed_since=31/02/2026", http.StatusOK)), "bad date", "There is a problem", "Enter the date as a real date")
	byOwner := text(c.get("/actions?sort=owner", http.StatusOK))
	if strings.Index(byOwner, "Crime Recording Bureau (CRIB)") > strings.Index(byOwner, "Victim Care SPOCs") {
		t.Error("sorting by owner did not put CRIB before Victim Care SPOCs")
	}
	page := c.get("/actions?overdue=true", http.StatusOK)
	mustContain(t, page, "sort links keep the filter", `href="/actions?overdue=true&amp;sort=owner"`)

	mustContain(t, text(c.get("/recommendations?theme=Commissioning", http.StatusOK)), "theme", "Showing 1 to 3 of 3 recommendations")
	byDeadline := text(c.get("/recommendations?sort=deadline", http.StatusOK))
	if strings.Index(byDeadline, "“by April 2013”") > strings.Index(byDeadline, "“over the next six months”") {
		t.Error("sorting by deadline did not put April 2013 before July 2013")
	}
}

package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestMoveDueDateWithReason: a chair moves a due date; without a reason the
// form comes back with the message at the field and the date kept.
func TestMoveDueDateWithReason(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), 25)
	chair := e.login(editorCoL)
	a := e.actionOf(colpOrg)
	path := "/actions/" + strconv.FormatInt(a.ID, 10) + "/due"
	page := text(chair.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "new_date": {"2026-12-31"}}, http.StatusUnprocessableEntity))
	mustContain(t, page, "no reason", "There is a problem", "Say why the date is moving")
	if next := e.actionOf(colpOrg); next.Version != a.Version {
		t.Error("a refused move changed the action")
	}
	chair.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "new_date": {"31/12/2026"}, "reason": {"Call-handling supplier delayed – “Q4”"}}, http.StatusSeeOther)
	page = text(chair.get("/actions/"+strconv.FormatInt(a.ID, 10), http.StatusOK))
	mustContain(t, page, "after the move", "31 December 2026", "No date → 31 December 2026 : Call-handling supplier delayed – “Q4”", "Moved 1 time")
	log := text(chair.get("/actions?owner=Detective+Superintendent+Crime", http.StatusOK))
	mustContain(t, log, "action log", "moved 1×")
}

func TestSearchPage(t *testing.T) {
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
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(viewer)
	page := c.get("/", http.StatusOK)
	flat := text(page)
	mustContain(t, flat, "overview", "By owner", "Crime Recording Bureau (CRIB) 1 1 0", "Recommendations by source",
		"Duty of Care: Improving Support for Victims of Crime: 6 open, 4 in progress.",
		"Changed since 26 October 2026", "Overall victim satisfaction", "66.7%")
	mustContain(t, page, "chart", `role="img" aria-labelledby="chart-title chart-desc"`, `href="/actions?owner=Crime%20Recording%20Bureau%20%28CRIB%29&amp;overdue=true"`)
	if !regexpMatch(`\d+ items changed since 26 October 2026`, flat) {
		t.Error("no count of changed items")
	}
	// Any date can be chosen; a bad one is named at its field.
	mustContain(t, text(c.get("/?since=2026-11-01", http.StatusOK)), "since 1 November", "items changed since 1 November 2026")
	mustContain(t, text(c.get("/?since=31/02/2026", http.StatusOK)), "bad date", "There is a problem", "Enter a date in the past")
}

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

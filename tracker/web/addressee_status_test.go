package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestAddresseeStatusPage: Duty of Care recommendation 2 is made to the
// MPS and MOPAC. Its page lists each one's own status and date; the MPS's
// editor sets the MPS's (and only the MPS's) with a date in the past; a
// second form opened before that is refused with 409 and says why; the
// list filtered "open for MOPAC" keeps it and "open for MPS" no longer
// does; and the History names the change.
func TestAddresseeStatusPage(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), 25)
	rec := e.recommendationIn(e.sourceNamed(example.DutyOfCareTitle), "2")
	path := "/recommendations/" + strconv.FormatInt(rec, 10)
	mps, mopac := e.orgs["Metropolitan Police Service"].ID, int64(0)
	d, err := e.s.RecommendationDetail(context.Background(), rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range d.Recommendation.Statuses {
		if a.Organisation.ShortName == "MOPAC" {
			mopac = a.Organisation.ID
		}
	}
	if mopac == 0 {
		t.Fatal("recommendation 2 is not addressed to MOPAC")
	}
	ed := e.login(editorMPS)
	page := ed.get(path, http.StatusOK)
	mustContain(t, text(page), "page", "Status by addressee", "Metropolitan Police Service In progress 31 March 2013",
		"Mayor's Office for Policing and Crime Open Not known", "Change the status for Metropolitan Police Service")
	if strings.Contains(page, "Change the status for Mayor") {
		t.Error("the MPS's editor is offered MOPAC's status")
	}
	statusPath := path + "/addressees/" + strconv.FormatInt(mps, 10) + "/status"
	ed.post(statusPath, url.Values{"version": {"1"}, "status": {"implemented"}, "status_date": {"2014-02-03"}}, http.StatusSeeOther)
	page = text(ed.get(path, http.StatusOK))
	mustContain(t, page, "after setting", "Metropolitan Police Service Implemented 3 February 2014", "Status In progress",
		"status for Metropolitan Police Service : was In progress → now Implemented")
	// A form opened before that change.
	stale := text(ed.post(statusPath, url.Values{"version": {"1"}, "status": {"closed"}, "status_date": {"2014-02-04"}}, http.StatusConflict))
	mustContain(t, stale, "stale form", "Someone else changed this status", "There is a problem")
	// A bad date is an error at its field, and nothing changes.
	bad := text(ed.post(statusPath, url.Values{"version": {"2"}, "status": {"closed"}, "status_date": {"31/02/2014"}}, http.StatusUnprocessableEntity))
	mustContain(t, bad, "bad date", "Enter the date the status took effect")
	// MOPAC's status is not the MPS editor's to set.
	ed.post(path+"/addressees/"+strconv.FormatInt(mopac, 10)+"/status", url.Values{"version": {"1"}, "status": {"closed"}}, http.StatusForbidden)

	list := func(org int64) string {
		return text(ed.get("/recommendations?org="+strconv.FormatInt(org, 10)+"&status=open", http.StatusOK))
	}
	mustContain(t, list(mopac), "open for MOPAC", "MPS (Implemented) , MOPAC (Open)")
	if strings.Contains(list(mps), "MPS (Implemented) , MOPAC (Open)") {
		t.Error("recommendation 2 is listed as open for the MPS")
	}
}

// TestAPIAddresseeStatus: the API shows each addressee's own status and
// date, and sets one with the page's command: a stale status_version is a
// 409 with the recommendation as it stands, a bad date a 422 at
// status_date, another organisation's addressee a 403.
func TestAPIAddresseeStatus(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), 25)
	rec := strconv.FormatInt(e.recommendationIn(e.sourceNamed(example.DutyOfCareTitle), "2"), 10)
	mps := strconv.FormatInt(e.orgs["Metropolitan Police Service"].ID, 10)
	ed := e.api(editorMPS)
	got := ed.call("GET", "/recommendations/"+rec, "", http.StatusOK)
	mustContain(t, string(got.raw), "addressees", `"short_name":"MPS","status":"in_progress","status_date":"2013-03-31","status_version":1`,
		`"short_name":"MOPAC","status":"open","status_date":null`)
	path := "/recommendations/" + rec + "/addressees/" + mps + "/status"
	got = ed.call("POST", path, `{"version":1,"status":"implemented","status_date":"2014-02-03"}`, http.StatusOK)
	mustContain(t, string(got.raw), "after", `"short_name":"MPS","status":"implemented","status_date":"2014-02-03","status_version":2`, `"status":"in_progress"`)
	got = ed.call("POST", path, `{"version":1,"status":"closed"}`, http.StatusConflict)
	mustContain(t, string(got.raw), "stale", `"status":"implemented","status_date":"2014-02-03"`)
	got = ed.call("POST", path, `{"version":2,"status":"closed","status_date":"31/02/2014"}`, http.StatusUnprocessableEntity)
	mustContain(t, string(got.raw), "bad date", `"status_date"`)
	d, err := e.s.RecommendationDetail(context.Background(), e.recommendationIn(e.sourceNamed(example.DutyOfCareTitle), "2"))
	if err != nil {
		t.Fatal(err)
	}
	mopac := ""
	for _, a := range d.Recommendation.Statuses {
		if a.Organisation.ShortName == "MOPAC" {
			mopac = strconv.FormatInt(a.Organisation.ID, 10)
		}
	}
	ed.call("POST", "/recommendations/"+rec+"/addressees/"+mopac+"/status", `{"version":1,"status":"closed"}`, http.StatusForbidden)
	ed.call("POST", "/recommendations/"+rec+"/addressees/999999/status", `{"version":1,"status":"closed"}`, http.StatusNotFound)
}

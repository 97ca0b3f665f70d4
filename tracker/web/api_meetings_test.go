package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestAPIMeetings: meetings through the API run on the meeting pages'
// reads and commands: list, add (a viewer may not; a papers deadline after
// the meeting is a 422 at its field), change with a version (409 when
// stale), read the schedule, record a decision dated the meeting's day (409
// when the reference changed meanwhile), and the closed reference leaves
// the next meeting's schedule. Text keeps its characters.
func TestAPIMeetings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		adm, view := e.api(admin), e.api(viewer)
		prm, err := s.FindOrganisationByName(context.Background(), "Performance and Resource Management Sub-Committee")
		if err != nil {
			t.Fatal(err)
		}
		body := strconv.FormatInt(prm.ID, 10)
		r := view.call("GET", "/meetings?body_id="+body, "", http.StatusOK)
		exact(t, "the example's meeting", r, `"date":"2013-07-15"`, `"status":"held"`)
		before := num(r.body["total"])

		view.call("POST", "/meetings", `{"body_id":`+body+`,"date":"`+storetest.ISO(-2)+`","papers_deadline":"`+storetest.ISO(-9)+`"}`, http.StatusForbidden)
		r = adm.call("POST", "/meetings", `{"body_id":`+body+`,"date":"`+storetest.ISO(-2)+`","papers_deadline":"`+storetest.ISO(5)+`"}`, http.StatusUnprocessableEntity)
		fieldErrors(t, "papers after the meeting", r, "papers_deadline")
		r = adm.call("POST", "/meetings", `{"date":"`+storetest.ISO(-2)+`","papers_deadline":"31/02/2026"}`, http.StatusUnprocessableEntity)
		fieldErrors(t, "no body, bad date", r, "body_id", "papers_deadline")
		r = adm.call("POST", "/meetings", jsonOf(t, map[string]any{"body_id": prm.ID, "date": storetest.ISO(-2), "papers_deadline": storetest.ISO(-9),
			"notes": "Committee Room Ⅱ – “Guildhall” <b>£250,000</b>\nsecond line"}), http.StatusCreated)
		id := idOf(r)
		exact(t, "created", r, `"status":"planned"`, `"version":1`, `Committee Room Ⅱ – “Guildhall” \u003cb\u003e£250,000\u003c/b\u003e\nsecond line`)
		if loc := r.header.Get("Location"); loc != path("/api/v1/meetings", id) {
			t.Errorf("Location = %q", loc)
		}
		if r = view.call("GET", "/meetings?body_id="+body, "", http.StatusOK); num(r.body["total"]) != before+1 {
			t.Errorf("after adding, total = %v", r.body["total"])
		}

		r = view.call("GET", path("/meetings", id)+"/schedule", "", http.StatusOK)
		items, _ := r.body["items"].([]any)
		if len(items) == 0 {
			t.Fatalf("empty schedule: %s", r.raw)
		}
		first := items[0].(map[string]any)["reference"].(map[string]any)
		refID, refVersion := num(first["id"]), num(first["version"])
		decide := `{"version":` + strconv.FormatInt(refVersion, 10) + `,"reference_id":` + strconv.FormatInt(refID, 10) + `,"outcome":"closed"}`
		view.call("POST", path("/meetings", id)+"/decisions", decide, http.StatusForbidden)
		r = adm.call("POST", path("/meetings", id)+"/decisions", `{"version":1,"reference_id":`+strconv.FormatInt(refID, 10)+`,"outcome":"new_date"}`, http.StatusUnprocessableEntity)
		fieldErrors(t, "a new date without one", r, "new_date", "reason")
		r = adm.call("POST", path("/meetings", id)+"/decisions", decide, http.StatusCreated)
		exact(t, "decision", r, `"outcome":"closed"`, `"on":"`+storetest.ISO(-2)+`"`)
		r = adm.call("POST", path("/meetings", id)+"/decisions", decide, http.StatusConflict)
		if cur := current(t, "stale decision", r); num(cur["id"]) != refID || cur["status"] != "closed" {
			t.Errorf("stale decision: current = %v", cur)
		}

		r = adm.call("PATCH", path("/meetings", id), `{"version":2,"status":"held"}`, http.StatusOK)
		r = adm.call("PATCH", path("/meetings", id), `{"version":1,"notes":"stale"}`, http.StatusConflict)
		if cur := current(t, "stale meeting", r); cur["status"] != "held" {
			t.Errorf("stale meeting: current = %v", cur)
		}

		r = adm.call("POST", "/meetings", jsonOf(t, map[string]any{"body_id": prm.ID, "date": storetest.ISO(30), "papers_deadline": storetest.ISO(20)}), http.StatusCreated)
		next := view.call("GET", path("/meetings", idOf(r))+"/schedule", "", http.StatusOK)
		if strings.Contains(string(next.raw), `"reference":{"id":`+strconv.FormatInt(refID, 10)+`,`) {
			t.Errorf("the closed reference is on the next schedule: %s", next.raw)
		}
	})
}

package web_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestAPIChangesWithReasons: through the API a secretary closes a
// recommendation (a reason is required, and goes on its timeline), moves
// its deadline and an action's due date (the revision is kept), and
// renames an organisation; stale versions are 409 with the current item.
func TestAPIChangesWithReasons(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		sec := e.api(secretary)
		rec := "/recommendations/11"
		cur := sec.call("GET", rec, "", 200)
		v := strconv.Itoa(int(num(cur.body["version"])))

		r := sec.call("POST", rec+"/status", `{"version": `+v+`, "status": "closed"}`, 422)
		if !strings.Contains(string(r.raw), `"reason"`) {
			t.Errorf("closing without a reason: %s", r.raw)
		}
		r = sec.call("POST", rec+"/status", `{"version": `+v+`, "status": "closed", "assessment": "satisfied", "reason": "Closed by the Sub-Committee – “Victims’ Code” £250,000 Ⅱ"}`, 200)
		if r.body["status"] != "closed" || r.body["assessment"] != "satisfied" {
			t.Errorf("after closing: %s", r.raw)
		}
		sec.call("POST", rec+"/status", `{"version": `+v+`, "status": "open", "reason": "stale"}`, 409)
		d, _ := e.s.RecommendationDetail(t.Context(), 11)
		if len(d.Updates) == 0 || !strings.Contains(d.Updates[0].Text, "Closed by the Sub-Committee – “Victims’ Code” £250,000 Ⅱ") {
			t.Errorf("the reason is not on the timeline: %+v", d.Updates)
		}

		v = strconv.Itoa(d.Recommendation.Version)
		// The new deadline: the end of the month four months on.
		deadline := time.Date(storetest.Today().Year(), storetest.Today().Month()+5, 0, 0, 0, 0, 0, time.UTC)
		iso := deadline.Format("2006-01-02")
		sec.call("POST", rec+"/deadline", `{"version": `+v+`, "new_date": "`+iso+`"}`, 422)
		sec.call("POST", rec+"/deadline", `{"version": `+v+`, "new_date": "`+deadline.Format("02/01/2006")+`", "reason": "x"}`, 422)
		r = sec.call("POST", rec+"/deadline", `{"version": `+v+`, "new_date": "`+iso+`", "new_text": "by the end of `+deadline.Format("January 2006")+`", "reason": "Agreed with the committee"}`, 200)
		if r.body["deadline_date"] != iso {
			t.Errorf("after the move: %s", r.raw)
		}
		if d, _ := e.s.RecommendationDetail(t.Context(), 11); len(d.Revisions) != 1 || d.Revisions[0].Reason != "Agreed with the committee" {
			t.Errorf("revisions: %+v", d.Revisions)
		}

		a := e.actionOf(colpOrg)
		path := "/actions/" + strconv.FormatInt(a.ID, 10) + "/due"
		moved, stale := storetest.ISO(210), storetest.ISO(240)
		r = sec.call("POST", path, `{"version": `+strconv.Itoa(a.Version)+`, "new_date": "`+moved+`", "reason": "Supplier delayed"}`, 200)
		if r.body["due_date"] != moved {
			t.Errorf("action after the move: %s", r.raw)
		}
		r = sec.call("POST", path, `{"version": `+strconv.Itoa(a.Version)+`, "new_date": "`+stale+`", "reason": "stale"}`, 409)
		if cur, _ := r.body["current"].(map[string]any); cur == nil || cur["due_date"] != moved {
			t.Errorf("a stale move does not carry the current action: %s", r.raw)
		}
		e.api(editorMPS).call("POST", path, `{"version": 2, "new_date": "`+stale+`", "reason": "not mine"}`, 403)

		colp := "/organisations/" + strconv.FormatInt(e.orgs[colpOrg].ID, 10)
		r = sec.call("PATCH", colp, `{"version": 1, "short_name": "CoLP – Ⅱ"}`, 200)
		if r.body["short_name"] != "CoLP – Ⅱ" || num(r.body["version"]) != 2 {
			t.Errorf("renamed: %s", r.raw)
		}
		sec.call("PATCH", colp, `{"version": 1, "short_name": "again"}`, 409)
		sec.call("PATCH", colp, `{"version": 2, "name": ""}`, 422)
		e.api(secretary).call("PATCH", "/organisations/"+strconv.FormatInt(e.orgs[mpsOrg].ID, 10), `{"version": 1, "short_name": "x"}`, 403)

		// A measure's target is set, left alone when not sent, and cleared
		// with null; a target of the wrong type is named.
		adm := e.api(admin)
		r = adm.call("PATCH", "/measures/1", `{"version": 1, "target": 80}`, 200)
		if r.body["target"] != 80.0 {
			t.Errorf("target set: %s", r.raw)
		}
		r = adm.call("PATCH", "/measures/1", `{"version": 2, "unit": "%"}`, 200)
		if r.body["target"] != 80.0 {
			t.Errorf("target kept: %s", r.raw)
		}
		r = adm.call("PATCH", "/measures/1", `{"version": 3, "target": null}`, 200)
		if r.body["target"] != nil {
			t.Errorf("target cleared: %s", r.raw)
		}
		r = adm.call("PATCH", "/measures/1", `{"version": 4, "target": "high"}`, 400)
		if !strings.Contains(string(r.raw), `"target"`) {
			t.Errorf("a text target: %s", r.raw)
		}
	})
}

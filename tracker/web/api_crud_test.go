package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/api"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// apiClient calls the JSON API with one role's token.
type apiClient struct {
	e     *env
	token string
}

func (e *env) api(role string) *apiClient {
	e.t.Helper()
	if role == anonymous {
		return &apiClient{e: e}
	}
	plain, _, err := e.s.CreateToken(context.Background(), e.users[role].ID, "crud test")
	if err != nil {
		e.t.Fatal(err)
	}
	return &apiClient{e: e, token: plain}
}

// reply is an API answer: its status, headers, exact bytes and decoded body.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (a *apiClient) send(method, path string, body []byte) reply {
	a.e.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, _ := http.NewRequest(method, a.e.ts.URL+"/api/v1"+path, r)
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	out := reply{status: res.StatusCode, header: res.Header, raw: b}
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out.body); err != nil {
			a.e.t.Fatalf("%s %s: the answer is not a JSON object: %v\n%s", method, path, err, b)
		}
	}
	return out
}

// call sends body (nil for none) and checks the status.
func (a *apiClient) call(method, path, body string, want int) reply {
	a.e.t.Helper()
	var b []byte
	if body != "" {
		b = []byte(body)
	}
	r := a.send(method, path, b)
	if r.status != want {
		a.e.t.Fatalf("%s %s = %d, want %d\n%s", method, path, r.status, want, r.raw)
	}
	return r
}

// jsonOf encodes v for a request body.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

func idOf(r reply) int64 { return num(r.body["id"]) }

func path(prefix string, id int64) string { return prefix + "/" + strconv.FormatInt(id, 10) }

// exact checks that the answer carries each text byte for byte.
func exact(t *testing.T, where string, r reply, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if !bytes.Contains(r.raw, []byte(s)) {
			t.Errorf("%s: the answer lacks %q byte for byte:\n%s", where, s, r.raw)
		}
	}
}

func field(t *testing.T, where string, r reply, key string, want any) {
	t.Helper()
	got := r.body[key]
	if f, ok := got.(float64); ok {
		if w, ok := want.(int64); ok {
			want = float64(w)
		}
		if w, ok := want.(int); ok {
			want = float64(w)
		}
		got = f
	}
	if got != want {
		t.Errorf("%s: %s = %#v, want %#v", where, key, got, want)
	}
}

// fieldErrors checks a 422 (or 400) names each field.
func fieldErrors(t *testing.T, where string, r reply, names ...string) {
	t.Helper()
	fields, _ := r.body["fields"].(map[string]any)
	for _, n := range names {
		if msg, _ := fields[n].(string); msg == "" {
			t.Errorf("%s: no message at %q: %s", where, n, r.raw)
		}
	}
	if msg, _ := r.body["error"].(string); msg == "" {
		t.Errorf("%s: no error message: %s", where, r.raw)
	}
}

func current(t *testing.T, where string, r reply) map[string]any {
	t.Helper()
	cur, _ := r.body["current"].(map[string]any)
	if cur == nil {
		t.Fatalf("%s: a conflict without the current item: %s", where, r.raw)
	}
	return cur
}

func listIDs(r reply) []int64 {
	var out []int64
	items, _ := r.body["items"].([]any)
	for _, it := range items {
		out = append(out, num(it.(map[string]any)["id"]))
	}
	return out
}

func hasID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// viaAPI checks the item's history records a change through the API by
// the person.
func viaAPI(t *testing.T, s *store.Store, entity string, id int64, actor, op string) {
	t.Helper()
	events, err := s.History(context.Background(), entity, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if ev.Channel == tracker.ChannelAPI && ev.Actor == actor && ev.Op == op {
			return
		}
	}
	t.Errorf("%s %d: no %s by %s through the API in %+v", entity, id, op, actor, events)
}

const (
	victimsCode = "Victims’ Code"
	money       = "£250,000"
	roman       = "Ⅱ"
)

// TestAPICRUD drives each resource through the API: create, get, list
// with a filter, change, a stale change, invalid fields and delete, on
// SQLite and PostgreSQL, with text checked byte for byte.
func TestAPICRUD(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		sec, adm, edCoL, edMPS, view := e.api(secretary), e.api(admin), e.api(editorCoL), e.api(editorMPS), e.api(viewer)
		colp, mps, vs := e.orgs[colpOrg].ID, e.orgs[mpsOrg].ID, e.orgs["Victim Support"].ID
		var orgID, sourceID, recID, actionID, refID, measureID int64

		t.Run("organisations", func(t *testing.T) {
			name := victimsCode + " Commissioner " + roman
			r := sec.call("POST", "/organisations", jsonOf(t, map[string]any{"name": name, "short_name": "VC"}), http.StatusCreated)
			orgID = idOf(r)
			exact(t, "created organisation", r, name)
			if loc := r.header.Get("Location"); loc != path("/api/v1/organisations", orgID) {
				t.Errorf("Location = %q", loc)
			}
			r = view.call("GET", path("/organisations", orgID), "", http.StatusOK)
			field(t, "organisation", r, "name", name)
			field(t, "organisation", r, "version", 1)
			r = view.call("GET", "/organisations?name="+url.QueryEscape("commissioner "+roman), "", http.StatusOK)
			if ids := listIDs(r); len(ids) != 1 || ids[0] != orgID {
				t.Errorf("filtered organisations = %v, want [%d]", ids, orgID)
			}
			r = sec.call("POST", "/organisations", jsonOf(t, map[string]any{"name": name}), http.StatusUnprocessableEntity)
			fieldErrors(t, "duplicate organisation", r, "name")
			r = sec.call("POST", "/organisations", `{"name": "  "}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "nameless organisation", r, "name")
			view.call("POST", "/organisations", `{"name": "Viewer's body"}`, http.StatusForbidden)
			viaAPI(t, s, store.EntityOrganisation, orgID, "Committee Secretary", tracker.OpCreate)
		})

		t.Run("sources", func(t *testing.T) {
			title := victimsCode + " review " + roman
			r := sec.call("POST", "/sources", jsonOf(t, map[string]any{"title": title, "kind": tracker.KindCommitteeReport, "issued_by_id": colp,
				"date": "2022-05-17", "summary": "Budget " + money, "keywords": []string{victimsCode}, "url": "https://example.org/duty-of-care"}), http.StatusCreated)
			sourceID = idOf(r)
			exact(t, "created source", r, title, money, `"date":"2022-05-17"`)
			field(t, "created source", r, "version", 1)
			if loc := r.header.Get("Location"); loc != path("/api/v1/sources", sourceID) {
				t.Errorf("Location = %q", loc)
			}
			r = view.call("GET", path("/sources", sourceID), "", http.StatusOK)
			field(t, "source", r, "title", title)
			field(t, "source", r, "summary", "Budget "+money)
			r = view.call("GET", "/sources?issued_by="+idStr(colp)+"&title="+url.QueryEscape("review "+roman), "", http.StatusOK)
			if ids := listIDs(r); len(ids) != 1 || ids[0] != sourceID {
				t.Errorf("filtered sources = %v, want [%d]", ids, sourceID)
			}
			field(t, "filtered sources", r, "total", 1)
			r = view.call("GET", "/sources?kind=pamphlet", "", http.StatusUnprocessableEntity)
			fieldErrors(t, "bad filter", r, "kind")

			r = sec.call("PATCH", path("/sources", sourceID), jsonOf(t, map[string]any{"version": 1, "summary": "Budget " + money + " – revised"}), http.StatusOK)
			field(t, "changed source", r, "version", 2)
			field(t, "changed source", r, "title", title)
			exact(t, "changed source", r, money+" – revised")
			r = sec.call("PATCH", path("/sources", sourceID), `{"version": 1, "title": "Stale"}`, http.StatusConflict)
			cur := current(t, "stale source", r)
			if num(cur["version"]) != 2 || cur["title"] != title {
				t.Errorf("stale source: current = %v", cur)
			}
			r = sec.call("PATCH", path("/sources", sourceID), `{"version": 2, "title": " ", "kind": "pamphlet", "date": "17/05/2022"}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "invalid source", r, "title", "kind", "date")
			if msg := r.body["fields"].(map[string]any)["title"]; msg != "Enter the title of the source" {
				t.Errorf("title message = %q", msg)
			}
			r = sec.call("POST", "/sources", `{"title": "No body", "kind": "audit"}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "source without body", r, "issued_by_id")
			r = sec.call("POST", "/sources", `{"title": "Unknown body", "kind": "audit", "issued_by_id": 99999}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "source of an unknown body", r, "issued_by_id")
			edCoL.call("PATCH", path("/sources", sourceID), `{"version": 2, "title": "Editor"}`, http.StatusForbidden)
			edCoL.call("POST", "/sources", `{"title": "Editor's", "kind": "audit", "issued_by_id": 1}`, http.StatusForbidden)

			r = adm.call("DELETE", path("/sources", sourceID), "", http.StatusMethodNotAllowed)
			if msg, _ := r.body["error"].(string); !strings.Contains(msg, "kept for the record") {
				t.Errorf("405 without the reason: %s", r.raw)
			}
			view.call("GET", path("/sources", sourceID), "", http.StatusOK)
			viaAPI(t, s, store.EntitySource, sourceID, "Committee Secretary", tracker.OpUpdate)
		})

		t.Run("recommendations", func(t *testing.T) {
			text := "The Met and MOPAC must publish the " + victimsCode + " budget of " + money + "."
			r := sec.call("POST", "/recommendations", jsonOf(t, map[string]any{"source_id": sourceID, "number": "4" + roman, "text": text,
				"addressee_ids": []int64{colp, mps}, "deadline_text": "by April 2013", "themes": []string{victimsCode}}), http.StatusCreated)
			recID = idOf(r)
			exact(t, "created recommendation", r, text, `"number":"4`+roman+`"`, "by April 2013")
			field(t, "created recommendation", r, "status", tracker.RecOpen)
			field(t, "created recommendation", r, "version", 1)
			if r.body["deadline_date"] == nil {
				t.Errorf("the deadline's date was not worked out: %s", r.raw)
			}
			if loc := r.header.Get("Location"); loc != path("/api/v1/recommendations", recID) {
				t.Errorf("Location = %q", loc)
			}
			r = view.call("GET", path("/recommendations", recID), "", http.StatusOK)
			field(t, "recommendation", r, "text", text)
			r = view.call("GET", "/recommendations?source="+idStr(sourceID)+"&org="+idStr(mps), "", http.StatusOK)
			if ids := listIDs(r); len(ids) != 1 || ids[0] != recID {
				t.Errorf("filtered recommendations = %v", ids)
			}

			r = sec.call("PATCH", path("/recommendations", recID), jsonOf(t, map[string]any{"version": 1, "title": "Budget " + roman}), http.StatusOK)
			field(t, "changed recommendation", r, "version", 2)
			field(t, "changed recommendation", r, "title", "Budget "+roman)
			field(t, "changed recommendation", r, "text", text)
			r = sec.call("PATCH", path("/recommendations", recID), `{"version": 1, "title": "Stale"}`, http.StatusConflict)
			if cur := current(t, "stale recommendation", r); num(cur["version"]) != 2 {
				t.Errorf("stale recommendation: current = %v", cur)
			}
			r = sec.call("PATCH", path("/recommendations", recID), `{"version": 2, "text": "", "addressee_ids": [], "deadline_date": "2030-01-01"}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "invalid recommendation", r, "text", "addressee_ids", "deadline_date")
			// The source is issued by the secretary's own body, which may
			// address anyone: even without itself.
			sec.call("PATCH", path("/recommendations", recID), jsonOf(t, map[string]any{"version": 2, "addressee_ids": []int64{mps}}), http.StatusOK)
			sec.call("PATCH", path("/recommendations", recID), jsonOf(t, map[string]any{"version": 3, "addressee_ids": []int64{colp, mps}}), http.StatusOK)
			r = sec.call("POST", "/recommendations", jsonOf(t, map[string]any{"source_id": sourceID, "number": "5"}), http.StatusUnprocessableEntity)
			fieldErrors(t, "recommendation without text", r, "text", "addressee_ids")
			edCoL.call("PATCH", path("/recommendations", recID), `{"version": 2, "title": "Editor"}`, http.StatusForbidden)
			edCoL.call("POST", "/recommendations", jsonOf(t, map[string]any{"source_id": sourceID, "number": "6", "text": "x", "addressee_ids": []int64{colp}}), http.StatusForbidden)
			sec.call("DELETE", path("/recommendations", recID), "", http.StatusMethodNotAllowed)
			viaAPI(t, s, store.EntityRecommendation, recID, "Committee Secretary", tracker.OpCreate)
		})

		t.Run("responses", func(t *testing.T) {
			p := path("/recommendations", recID) + "/responses"
			r := view.call("GET", p, "", http.StatusOK)
			field(t, "no responses", r, "total", 0)
			text := "Accepted – " + money + " allocated to the " + victimsCode + " " + roman
			r = edCoL.call("POST", p, jsonOf(t, map[string]any{"revision": 0, "organisation_id": colp, "position": "accepted", "text": text,
				"author": "D/Supt Crime", "date": "2022-05-17"}), http.StatusCreated)
			exact(t, "response", r, text)
			field(t, "response", r, "revision", 1)
			field(t, "response", r, "date", "2022-05-17")
			r = edCoL.call("POST", p, jsonOf(t, map[string]any{"revision": 0, "organisation_id": colp, "position": "accepted", "text": "Again", "date": "2022-05-18"}), http.StatusConflict)
			if cur := current(t, "stale response", r); num(cur["current"].(map[string]any)["revision"]) != 1 {
				t.Errorf("stale response: current = %v", cur)
			}
			edCoL.call("POST", p, jsonOf(t, map[string]any{"revision": 1, "organisation_id": colp, "position": "partly_accepted", "text": "Partly – " + roman, "date": "2022-06-01"}), http.StatusCreated)
			r = edCoL.call("POST", p, `{"revision": 2, "organisation_id": 0, "position": "maybe", "text": " ", "date": ""}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "invalid response", r, "organisation_id", "position", "text", "date")
			r = edMPS.call("POST", p, jsonOf(t, map[string]any{"revision": 2, "organisation_id": colp, "position": "accepted", "text": "Not mine", "date": "2022-06-01"}), http.StatusUnprocessableEntity)
			fieldErrors(t, "someone else's response", r, "organisation_id")
			view.call("POST", p, jsonOf(t, map[string]any{"revision": 2, "organisation_id": colp, "position": "accepted", "text": "Viewer", "date": "2022-06-01"}), http.StatusForbidden)
			r = view.call("GET", p, "", http.StatusOK)
			exact(t, "responses", r, text, "Partly – "+roman)
			items := r.body["items"].([]any)
			if len(items) != 1 {
				t.Fatalf("threads = %d, want 1: %s", len(items), r.raw)
			}
			th := items[0].(map[string]any)
			if num(th["current"].(map[string]any)["revision"]) != 2 || len(th["earlier"].([]any)) != 1 {
				t.Errorf("thread = %v", th)
			}
		})

		t.Run("actions", func(t *testing.T) {
			desc := "Create a hotline – " + victimsCode + " " + roman
			due := storetest.ISO(38)
			r := edCoL.call("POST", "/actions", jsonOf(t, map[string]any{"organisation_id": colp, "recommendation_id": recID, "description": desc,
				"owner": "D/Supt Crime", "due_date": due}), http.StatusCreated)
			actionID = idOf(r)
			exact(t, "created action", r, desc, `"due_date":"`+due+`"`)
			field(t, "created action", r, "source_id", float64(sourceID))
			field(t, "created action", r, "status", tracker.ActNotStarted)
			if loc := r.header.Get("Location"); loc != path("/api/v1/actions", actionID) {
				t.Errorf("Location = %q", loc)
			}
			r = view.call("GET", path("/actions", actionID), "", http.StatusOK)
			field(t, "action", r, "description", desc)
			r = view.call("GET", "/actions?org="+idStr(colp)+"&recommendation="+idStr(recID), "", http.StatusOK)
			if ids := listIDs(r); len(ids) != 1 || ids[0] != actionID {
				t.Errorf("filtered actions = %v", ids)
			}
			r = edMPS.call("POST", "/actions", jsonOf(t, map[string]any{"organisation_id": colp, "description": "Not mine"}), http.StatusUnprocessableEntity)
			fieldErrors(t, "another body's action", r, "organisation_id")
			r = edCoL.call("POST", "/actions", jsonOf(t, map[string]any{"organisation_id": colp, "description": " ", "due_date": "soon", "rag": "purple"}), http.StatusUnprocessableEntity)
			fieldErrors(t, "invalid action", r, "description", "due_date", "rag")
			view.call("POST", "/actions", jsonOf(t, map[string]any{"organisation_id": colp, "description": "Viewer"}), http.StatusForbidden)
			r = adm.call("POST", "/actions", `{"organisation_id": 99999, "description": "Nobody's"}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "action of an unknown body", r, "organisation_id")

			r = edCoL.call("PATCH", path("/actions", actionID), jsonOf(t, map[string]any{"version": 1, "owner": "DCI " + roman}), http.StatusOK)
			field(t, "changed action", r, "version", 2)
			field(t, "changed action", r, "owner", "DCI "+roman)
			r = edCoL.call("PATCH", path("/actions", actionID), `{"version": 1, "owner": "Stale"}`, http.StatusConflict)
			if cur := current(t, "stale action", r); num(cur["version"]) != 2 || cur["owner"] != "DCI "+roman {
				t.Errorf("stale action: current = %v", cur)
			}
			r = edCoL.call("PATCH", path("/actions", actionID), `{"version": 2, "description": " ", "status": "completed"}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "invalid action change", r, "status")
			r = edCoL.call("PATCH", path("/actions", actionID), `{"version": 2, "description": " "}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "blank action", r, "description")
			edMPS.call("PATCH", path("/actions", actionID), `{"version": 2, "owner": "MPS"}`, http.StatusForbidden)

			update := "Hotline live – " + money + " spent"
			updated := storetest.ISO(-3)
			edCoL.call("POST", path("/actions", actionID)+"/updates", jsonOf(t, map[string]any{"version": 2, "date": updated, "text": update, "rag": "green"}), http.StatusCreated)
			r = view.call("GET", path("/actions", actionID)+"/updates", "", http.StatusOK)
			field(t, "updates", r, "total", 1)
			exact(t, "updates", r, update, `"author":"D/Supt Crime"`, `"date":"`+updated+`"`)
			r = edCoL.call("POST", path("/actions", actionID)+"/updates", `{"version": 3, "date": "`+updated+`", "text": "x", "mood": "good"}`, http.StatusBadRequest)
			fieldErrors(t, "unknown update field", r, "mood")

			cur := view.call("GET", path("/actions", actionID), "", http.StatusOK)
			v := num(cur.body["version"])
			edCoL.call("DELETE", path("/actions", actionID)+"?version="+strconv.FormatInt(v, 10), "", http.StatusForbidden)
			r = sec.call("DELETE", path("/actions", actionID), "", http.StatusUnprocessableEntity)
			fieldErrors(t, "delete without version", r, "version")
			sec.call("DELETE", path("/actions", actionID)+"?version=1", "", http.StatusConflict)
			r = sec.call("DELETE", path("/actions", actionID)+"?version="+strconv.FormatInt(v, 10), "", http.StatusNoContent)
			if len(r.raw) != 0 {
				t.Errorf("204 with a body: %s", r.raw)
			}
			view.call("GET", path("/actions", actionID), "", http.StatusNotFound)
			viaAPI(t, s, store.EntityAction, actionID, "Committee Secretary", tracker.OpDelete)
			viaAPI(t, s, store.EntityAction, actionID, "D/Supt Crime", tracker.OpCreate)
		})

		t.Run("references", func(t *testing.T) {
			title := "Victim Satisfaction Action Plan – “" + victimsCode + "” " + roman
			r := sec.call("POST", "/references", jsonOf(t, map[string]any{"number": "13", "title": title, "requested_by_id": vs,
				"responding_org_id": colp, "date_raised": "2022-04-24", "recommendation_ids": []int64{recID}}), http.StatusCreated)
			refID = idOf(r)
			exact(t, "created reference", r, title, `"date_raised":"2022-04-24"`)
			field(t, "created reference", r, "status", tracker.RefAwaiting)
			if ids, _ := r.body["recommendation_ids"].([]any); len(ids) != 1 || num(ids[0]) != recID {
				t.Errorf("covered recommendations = %v", ids)
			}
			if loc := r.header.Get("Location"); loc != path("/api/v1/references", refID) {
				t.Errorf("Location = %q", loc)
			}
			r = view.call("GET", path("/references", refID), "", http.StatusOK)
			field(t, "reference", r, "title", title)
			r = view.call("GET", "/references?responding_org="+idStr(colp)+"&status=awaiting_response&requested_by="+idStr(vs), "", http.StatusOK)
			if ids := listIDs(r); !hasID(ids, refID) {
				t.Errorf("filtered references = %v lack %d", ids, refID)
			}
			r = view.call("GET", "/references?status=closed&requested_by="+idStr(vs), "", http.StatusOK)
			if ids := listIDs(r); hasID(ids, refID) {
				t.Errorf("closed references include the open %d", refID)
			}

			ask := "I would be grateful for an update – " + money
			r = sec.call("PATCH", path("/references", refID), jsonOf(t, map[string]any{"version": 1, "request_text": ask}), http.StatusOK)
			field(t, "changed reference", r, "version", 2)
			field(t, "changed reference", r, "request_text", ask)
			field(t, "changed reference", r, "title", title)
			r = sec.call("PATCH", path("/references", refID), `{"version": 1, "title": "Stale"}`, http.StatusConflict)
			if cur := current(t, "stale reference", r); num(cur["version"]) != 2 {
				t.Errorf("stale reference: current = %v", cur)
			}
			r = sec.call("PATCH", path("/references", refID), `{"version": 2, "title": "", "date_raised": "April"}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "invalid reference", r, "title", "date_raised")
			r = sec.call("PATCH", path("/references", refID), `{"version": 2, "status": "closed"}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "closing without reason", r, "reason")
			r = sec.call("PATCH", path("/references", refID), `{"version": 2, "status": "closed", "reason": "Closed by the Sub-Committee – 12 March"}`, http.StatusOK)
			field(t, "closed reference", r, "status", tracker.RefClosed)
			r = sec.call("POST", "/references", jsonOf(t, map[string]any{"title": "Not ours", "requested_by_id": vs, "responding_org_id": mps}), http.StatusUnprocessableEntity)
			fieldErrors(t, "another body's reference", r, "responding_org_id")
			r = sec.call("POST", "/references", jsonOf(t, map[string]any{"title": "Twice", "requested_by_id": vs, "responding_org_id": colp,
				"recommendation_ids": []int64{recID, recID}}), http.StatusUnprocessableEntity)
			fieldErrors(t, "a recommendation twice", r, "recommendation_ids")
			edCoL.call("POST", "/references", jsonOf(t, map[string]any{"title": "Editor", "requested_by_id": vs, "responding_org_id": colp}), http.StatusForbidden)
			sec.call("DELETE", path("/references", refID), "", http.StatusMethodNotAllowed)
			viaAPI(t, s, store.EntityReference, refID, "Committee Secretary", tracker.OpUpdate)
		})

		t.Run("measures", func(t *testing.T) {
			name := "Victim satisfaction – " + victimsCode + " " + roman
			r := sec.call("POST", "/measures", jsonOf(t, map[string]any{"name": name, "organisation_id": colp, "unit": "%", "target": 80, "source_id": sourceID}), http.StatusCreated)
			measureID = idOf(r)
			exact(t, "created measure", r, name)
			field(t, "created measure", r, "version", 1)
			field(t, "created measure", r, "direction", tracker.HigherIsBetter)
			r = view.call("GET", path("/measures", measureID), "", http.StatusOK)
			field(t, "measure", r, "name", name)
			r = view.call("GET", "/measures?org="+idStr(colp)+"&source="+idStr(sourceID), "", http.StatusOK)
			if ids := listIDs(r); len(ids) != 1 || ids[0] != measureID {
				t.Errorf("filtered measures = %v", ids)
			}
			target := "the highest national rating by 2016 – " + money
			r = sec.call("PATCH", path("/measures", measureID), jsonOf(t, map[string]any{"version": 1, "target_text": target}), http.StatusOK)
			field(t, "changed measure", r, "version", 2)
			field(t, "changed measure", r, "target_text", target)
			field(t, "changed measure", r, "name", name)
			r = sec.call("PATCH", path("/measures", measureID), `{"version": 1, "name": "Stale"}`, http.StatusConflict)
			if cur := current(t, "stale measure", r); num(cur["version"]) != 2 {
				t.Errorf("stale measure: current = %v", cur)
			}
			r = sec.call("PATCH", path("/measures", measureID), `{"version": 2, "name": "", "direction": "sideways"}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "invalid measure", r, "name", "direction")
			r = sec.call("POST", "/measures", jsonOf(t, map[string]any{"name": name, "organisation_id": colp}), http.StatusUnprocessableEntity)
			fieldErrors(t, "duplicate measure", r, "name")
			edCoL.call("PATCH", path("/measures", measureID), `{"version": 2, "name": "Editor"}`, http.StatusForbidden)

			vp := path("/measures", measureID) + "/values"
			r = edCoL.call("POST", vp, `{"version": 2, "period": "2012/13 `+roman+`", "period_end": "2013-03-31", "value": 76, "note": "`+money+`"}`, http.StatusCreated)
			field(t, "value added", r, "version", 3)
			exact(t, "value added", r, "2012/13 "+roman, money, `"period_end":"2013-03-31"`)
			vals := r.body["values"].([]any)
			if len(vals) != 1 {
				t.Fatalf("values = %v", vals)
			}
			valueID := num(vals[0].(map[string]any)["id"])
			edCoL.call("POST", vp, `{"version": 2, "period": "2013/14", "period_end": "2014-03-31", "value": 78}`, http.StatusConflict)
			r = edCoL.call("POST", vp, `{"version": 3, "period": "", "period_end": "March"}`, http.StatusUnprocessableEntity)
			fieldErrors(t, "invalid value", r, "period", "period_end", "value")
			edMPS.call("POST", vp, `{"version": 3, "period": "2013/14", "period_end": "2014-03-31", "value": 78}`, http.StatusForbidden)
			sec.call("DELETE", path(vp, valueID)+"?version=2", "", http.StatusConflict)
			r = edCoL.call("DELETE", path(vp, valueID)+"?version=3", "", http.StatusOK)
			field(t, "value removed", r, "version", 4)
			if vals := r.body["values"].([]any); len(vals) != 0 {
				t.Errorf("values after removal = %v", vals)
			}
			sec.call("DELETE", path("/measures", measureID), "", http.StatusMethodNotAllowed)
			viaAPI(t, s, store.EntityMeasure, measureID, "D/Supt Crime", tracker.OpUpdate)
		})

		t.Run("bodies", func(t *testing.T) {
			for _, c := range []struct {
				name, body string
				field      string
			}{
				{"not JSON", `title=x`, ""},
				{"unknown field", `{"title": "x", "kind": "audit", "issued_by_id": 1, "colour": "red"}`, "colour"},
				{"wrong type", `{"title": 5}`, "title"},
				{"a list", `[1, 2]`, ""},
				{"two objects", `{"title": "a"} {"title": "b"}`, ""},
				{"empty", ``, ""},
				{"cut short", `{"title": "a`, ""},
			} {
				r := sec.send("POST", "/sources", []byte(c.body))
				if r.status != http.StatusBadRequest {
					t.Errorf("%s: %d, want 400: %s", c.name, r.status, r.raw)
					continue
				}
				if c.field != "" {
					fieldErrors(t, c.name, r, c.field)
				} else if msg, _ := r.body["error"].(string); msg == "" {
					t.Errorf("%s: no message: %s", c.name, r.raw)
				}
			}
			// Latin-1 bytes where UTF-8 belongs are refused, not mangled.
			r := sec.send("POST", "/sources", []byte("{\"title\": \"Victims\x92 Code\", \"kind\": \"audit\", \"issued_by_id\": 1}"))
			if r.status != http.StatusBadRequest {
				t.Errorf("invalid UTF-8: %d, want 400: %s", r.status, r.raw)
			}
			r = sec.send("PATCH", path("/sources", sourceID), []byte(`{"version": "two"}`))
			if r.status != http.StatusBadRequest {
				t.Errorf("version as text: %d, want 400", r.status)
			}
			fieldErrors(t, "version as text", r, "version")
			e.api(anonymous).call("POST", "/sources", `{"title": "x"}`, http.StatusUnauthorized)
		})
	})
}

func idStr(id int64) string { return strconv.FormatInt(id, 10) }

// TestOpenAPIRequestBodies: every operation that takes a body documents
// it, and every documented 409 carries the current item.
func TestOpenAPIRequestBodies(t *testing.T) {
	for p, ops := range api.OpenAPI()["paths"].(map[string]any) {
		for method, op := range ops.(map[string]any) {
			o := op.(map[string]any)
			switch method {
			case "post", "put", "patch":
				if _, ok := o["requestBody"]; !ok {
					t.Errorf("%s %s has no requestBody", strings.ToUpper(method), p)
				}
			}
			if o["summary"] == nil || o["summary"] == "" {
				t.Errorf("%s %s has no summary", strings.ToUpper(method), p)
			}
			if _, ok := o["responses"]; !ok {
				t.Errorf("%s %s has no responses", strings.ToUpper(method), p)
			}
		}
	}
	b, err := json.Marshal(api.OpenAPI())
	if err != nil {
		t.Fatal(err)
	}
	// Every schema referred to exists.
	schemas := api.OpenAPI()["components"].(map[string]any)["schemas"].(map[string]any)
	for _, part := range strings.Split(string(b), `"#/components/schemas/`)[1:] {
		name := part[:strings.Index(part, `"`)]
		if _, ok := schemas[name]; !ok {
			t.Errorf("the document refers to a missing schema %s", name)
		}
	}
}

// apiMatrixCase is one API route of the authorisation matrix with the
// status each role must get; path and body run once per role, so each
// role meets fresh items where it matters.
type apiMatrixCase = struct {
	name, method string
	path         func(*env) string
	body         func(*env) string
	want         map[string]int
}

// crudMatrix lists the API's create, change and delete routes for the
// authorisation matrix, on fixtures made here: a source issued by the
// City of London Police, a recommendation addressed to it and to the
// MPS, a reference it must answer and a measure of its own.
func crudMatrix(e *env) []apiMatrixCase {
	ctx := context.Background()
	t := e.t
	colp, mps, vs := e.orgs[colpOrg].ID, e.orgs[mpsOrg].ID, e.orgs["Victim Support"].ID
	src, err := e.s.CreateSource(ctx, tracker.Source{Title: "Matrix source – " + victimsCode, Kind: tracker.KindAudit, IssuedByID: colp})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := e.s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "M1", Text: "Matrix " + money,
		Addressees: []tracker.Organisation{e.orgs[colpOrg], e.orgs[mpsOrg]}, Status: tracker.RecOpen, Assessment: tracker.AssessNone})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := e.s.CreateReference(ctx, tracker.Reference{Title: "Matrix reference", RequestedByID: vs, RespondingOrgID: colp, Status: tracker.RefAwaiting}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := e.s.CreateMeasure(ctx, tracker.Measure{Name: "Matrix measure", OrganisationID: colp, Direction: tracker.HigherIsBetter})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	next := func() string { n++; return strconv.Itoa(n) }
	version := func(get func() (int, error)) string {
		v, err := get()
		if err != nil {
			t.Fatal(err)
		}
		return strconv.Itoa(v)
	}
	srcVersion := func() string {
		return version(func() (int, error) { s, err := e.s.Source(ctx, src.ID); return s.Version, err })
	}
	recVersion := func() string {
		return version(func() (int, error) {
			d, err := e.s.RecommendationDetail(ctx, rec.ID)
			return d.Recommendation.Version, err
		})
	}
	refVersion := func() string {
		return version(func() (int, error) { d, err := e.s.ReferenceDetail(ctx, ref.ID); return d.Reference.Version, err })
	}
	measureVersion := func() string {
		return version(func() (int, error) { x, err := e.s.Measure(ctx, m.ID); return x.Version, err })
	}
	revision := func() string {
		d, err := e.s.RecommendationDetail(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, th := range d.Responses {
			if th.Current.OrganisationID == colp {
				return strconv.Itoa(th.Current.Revision)
			}
		}
		return "0"
	}
	// freshAction is a new CoLP action for each role to delete.
	freshAction := func(e *env) string {
		a, err := e.s.CreateAction(ctx, tracker.Action{OrganisationID: colp, Description: "Matrix action " + next(), Status: tracker.ActNotStarted})
		if err != nil {
			t.Fatal(err)
		}
		return "/api/v1/actions/" + idStr(a.ID) + "?version=1"
	}
	// freshValue is a new value of the measure for each role to remove.
	freshValue := func(e *env) string {
		cur, err := e.s.Measure(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		v, err := e.s.AddMeasureValue(ctx, m.ID, cur.Version, tracker.MeasureValue{Period: "Matrix " + next(), PeriodEnd: today.AddDate(0, 0, -n), Value: 1})
		if err != nil {
			t.Fatal(err)
		}
		return "/api/v1/measures/" + idStr(m.ID) + "/values/" + idStr(v.ID) + "?version=" + measureVersion()
	}
	reads := map[string]int{anonymous: 401, viewer: 200, editorCoL: 200, editorMPS: 200, secretary: 200, admin: 200}
	creators := map[string]int{anonymous: 401, viewer: 403, editorCoL: 403, editorMPS: 403, secretary: 201, admin: 201}
	secretaries := map[string]int{anonymous: 401, viewer: 403, editorCoL: 403, editorMPS: 403, secretary: 200, admin: 200}
	kept := map[string]int{anonymous: 401, viewer: 405, editorCoL: 405, editorMPS: 405, secretary: 405, admin: 405}
	actors := func(ok, wrongOrg int) map[string]int {
		return map[string]int{anonymous: 401, viewer: 403, editorCoL: ok, editorMPS: wrongOrg, secretary: ok, admin: ok}
	}
	body := func(s string) func(*env) string { return func(*env) string { return s } }
	return []apiMatrixCase{
		{"list organisations", "GET", fixed("/api/v1/organisations"), nil, reads},
		{"get organisation", "GET", fixed("/api/v1/organisations/" + idStr(colp)), nil, reads},
		{"create organisation", "POST", fixed("/api/v1/organisations"), func(*env) string { return `{"name": "API body ` + next() + `"}` }, creators},
		{"list sources", "GET", fixed("/api/v1/sources?issued_by=" + idStr(colp)), nil, reads},
		{"get source", "GET", fixed("/api/v1/sources/" + idStr(src.ID)), nil, reads},
		{"create source", "POST", fixed("/api/v1/sources"), body(`{"title": "Matrix – ` + roman + `", "kind": "audit", "issued_by_id": ` + idStr(colp) + `}`), creators},
		{"change source", "PATCH", fixed("/api/v1/sources/" + idStr(src.ID)), func(*env) string { return `{"version": ` + srcVersion() + `, "summary": "` + next() + `"}` }, secretaries},
		{"delete source", "DELETE", fixed("/api/v1/sources/" + idStr(src.ID)), nil, kept},
		{"create recommendation", "POST", fixed("/api/v1/recommendations"), func(*env) string {
			return `{"source_id": ` + idStr(src.ID) + `, "number": "N` + next() + `", "text": "x", "addressee_ids": [` + idStr(colp) + `]}`
		}, creators},
		{"change recommendation", "PATCH", fixed("/api/v1/recommendations/" + idStr(rec.ID)), func(*env) string { return `{"version": ` + recVersion() + `, "title": "T` + next() + `"}` }, secretaries},
		{"delete recommendation", "DELETE", fixed("/api/v1/recommendations/" + idStr(rec.ID)), nil, kept},
		{"list responses", "GET", fixed("/api/v1/recommendations/" + idStr(rec.ID) + "/responses"), nil, reads},
		{"respond for CoLP", "POST", fixed("/api/v1/recommendations/" + idStr(rec.ID) + "/responses"), func(*env) string {
			return `{"revision": ` + revision() + `, "organisation_id": ` + idStr(colp) + `, "position": "accepted", "text": "Yes", "date": "` + storetest.ISO(-3) + `"}`
		}, actors(201, 422)},
		{"create CoLP action", "POST", fixed("/api/v1/actions"), body(`{"organisation_id": ` + idStr(colp) + `, "description": "Matrix – new"}`), actors(201, 422)},
		{"change CoLP action", "PATCH", func(e *env) string { return "/api/v1" + actionPath(colpOrg, "")(e) }, func(e *env) string {
			return `{"version": ` + strconv.Itoa(e.actionOf(colpOrg).Version) + `, "owner_unit": "Unit ` + next() + `"}`
		}, actors(200, 403)},
		{"delete CoLP action", "DELETE", freshAction, nil, map[string]int{anonymous: 401, viewer: 403, editorCoL: 403, editorMPS: 403, secretary: 204, admin: 204}},
		{"list updates", "GET", func(e *env) string { return "/api/v1" + actionPath(colpOrg, "/updates")(e) }, nil, reads},
		{"list references", "GET", fixed("/api/v1/references?responding_org=" + idStr(colp)), nil, reads},
		{"get reference", "GET", fixed("/api/v1/references/" + idStr(ref.ID)), nil, reads},
		{"create reference", "POST", fixed("/api/v1/references"), body(`{"title": "Matrix", "requested_by_id": ` + idStr(vs) + `, "responding_org_id": ` + idStr(colp) + `}`), creators},
		{"change reference", "PATCH", fixed("/api/v1/references/" + idStr(ref.ID)), func(*env) string { return `{"version": ` + refVersion() + `, "request_text": "` + next() + `"}` }, secretaries},
		{"delete reference", "DELETE", fixed("/api/v1/references/" + idStr(ref.ID)), nil, kept},
		{"list measures", "GET", fixed("/api/v1/measures?org=" + idStr(colp)), nil, reads},
		{"get measure", "GET", fixed("/api/v1/measures/" + idStr(m.ID)), nil, reads},
		{"create measure", "POST", fixed("/api/v1/measures"), func(*env) string {
			return `{"name": "API measure ` + next() + `", "organisation_id": ` + idStr(colp) + `}`
		}, creators},
		{"change measure", "PATCH", fixed("/api/v1/measures/" + idStr(m.ID)), func(*env) string { return `{"version": ` + measureVersion() + `, "unit": "` + next() + `"}` }, secretaries},
		{"delete measure", "DELETE", fixed("/api/v1/measures/" + idStr(m.ID)), nil, kept},
		{"add measure value", "POST", fixed("/api/v1/measures/" + idStr(m.ID) + "/values"), func(*env) string {
			return `{"version": ` + measureVersion() + `, "period": "P` + next() + `", "period_end": "` + today.AddDate(-1, 0, -n).Format("2006-01-02") + `", "value": 70}`
		}, actors(201, 403)},
		{"remove measure value", "DELETE", freshValue, nil, actors(200, 403)},
		{"bad body", "POST", fixed("/api/v1/sources"), body(`{"title": 5}`), map[string]int{anonymous: 401, viewer: 403, editorCoL: 403, editorMPS: 403, secretary: 400, admin: 400}},
		{"list recommendations addressed to the MPS", "GET", fixed("/api/v1/recommendations?org=" + idStr(mps)), nil, reads},
		{"rename CoLP", "PATCH", fixed("/api/v1/organisations/" + idStr(colp)), func(*env) string {
			o, _ := e.s.Organisation(ctx, colp)
			return `{"version": ` + strconv.Itoa(o.Version) + `, "short_name": "CoLP ` + next() + `"}`
		}, secretaries},
		{"assess a recommendation", "POST", fixed("/api/v1/recommendations/" + idStr(rec.ID) + "/status"), func(*env) string {
			return `{"version": ` + recVersion() + `, "assessment_note": "Note ` + next() + `"}`
		}, secretaries},
		{"move a recommendation's deadline", "POST", fixed("/api/v1/recommendations/" + idStr(rec.ID) + "/deadline"), func(*env) string {
			return `{"version": ` + recVersion() + `, "new_date": "` + today.AddDate(0, 1, n).Format("2006-01-02") + `", "reason": "Matrix ` + next() + `"}`
		}, secretaries},
		{"move a CoLP action's due date", "POST", func(e *env) string { return "/api/v1" + actionPath(colpOrg, "/due")(e) }, func(e *env) string {
			return `{"version": ` + strconv.Itoa(e.actionOf(colpOrg).Version) + `, "new_date": "` + today.AddDate(0, 2, n).Format("2006-01-02") + `", "reason": "Matrix ` + next() + `"}`
		}, actors(200, 403)},
	}
}

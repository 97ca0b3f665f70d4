package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// routeCase is one route of the authorisation matrix with the status each
// role must get.
type routeCase struct {
	name   string
	method string
	path   func(e *env) string
	form   func(e *env) url.Values
	// prepare runs before each role's request and cleanup after it, so
	// every role meets the same state.
	prepare func(e *env)
	want    map[string]int
}

func fixed(p string) func(*env) string { return func(*env) string { return p } }

func actionPath(org, suffix string) func(*env) string {
	return func(e *env) string {
		return "/actions/" + strconv.FormatInt(e.actionOf(org).ID, 10) + suffix
	}
}

func updateForm(org string) func(e *env) url.Values {
	return func(e *env) url.Values {
		a := e.actionOf(org)
		return url.Values{"version": {strconv.Itoa(a.Version)}, "date": {storetest.ISO(-3)}, "text": {"Progress – “noted”"}, "rag": {"amber"}}
	}
}

func versionForm(org string) func(e *env) url.Values {
	return func(e *env) url.Values {
		return url.Values{"version": {strconv.Itoa(e.actionOf(org).Version)}}
	}
}

// restoreAll brings back anything a previous request deleted.
func restoreAll(e *env) {
	deleted, err := e.s.DeletedActions(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range deleted {
		if err := e.s.RestoreAction(context.Background(), d.Item.Action.ID); err != nil {
			e.t.Fatal(err)
		}
	}
}

// deleteOne deletes the first MPS action so that restoring can be tried.
func deleteOne(e *env) {
	restoreAll(e)
	a := e.actionOf("Metropolitan Police Service")
	if err := e.s.DeleteAction(context.Background(), a.ID, a.Version); err != nil {
		e.t.Fatal(err)
	}
}

const colpOrg, mpsOrg = "City of London Police", "Metropolitan Police Service"

func pages(status int) map[string]int {
	return map[string]int{anonymous: http.StatusSeeOther, viewer: status, editorCoL: status, editorMPS: status, secretary: status, admin: status}
}

func only(ok int, roles ...string) map[string]int {
	m := map[string]int{anonymous: http.StatusForbidden, viewer: http.StatusForbidden, editorCoL: http.StatusForbidden,
		editorMPS: http.StatusForbidden, secretary: http.StatusForbidden, admin: http.StatusForbidden}
	for _, r := range roles {
		m[r] = ok
	}
	return m
}

// formPage is a form only some roles may open; anonymous is sent to sign in.
func formPage(roles ...string) map[string]int {
	m := only(http.StatusOK, roles...)
	m[anonymous] = http.StatusSeeOther
	return m
}

// matrixSeq makes names the matrix creates unique; both backends' runs
// count on it at once.
var matrixSeq atomic.Int64

func adminPage() map[string]int {
	m := only(http.StatusOK, admin)
	m[anonymous] = http.StatusSeeOther
	return m
}

var matrix = []routeCase{
	{name: "overview", method: "GET", path: fixed("/"), want: pages(200)},
	{name: "sources", method: "GET", path: fixed("/sources"), want: pages(200)},
	{name: "source", method: "GET", path: fixed("/sources/1"), want: pages(200)},
	{name: "recommendations", method: "GET", path: fixed("/recommendations?overdue=true"), want: pages(200)},
	{name: "recommendation", method: "GET", path: fixed("/recommendations/4"), want: pages(200)},
	{name: "references", method: "GET", path: fixed("/references"), want: pages(200)},
	{name: "reference", method: "GET", path: fixed("/references/1"), want: pages(200)},
	{name: "action log", method: "GET", path: fixed("/actions"), want: pages(200)},
	{name: "action", method: "GET", path: actionPath(colpOrg, ""), want: pages(200)},
	{name: "measures", method: "GET", path: fixed("/measures"), want: pages(200)},
	{name: "search", method: "GET", path: fixed("/search?q=hotline"), want: pages(200)},
	{name: "account", method: "GET", path: fixed("/account"), want: pages(200)},
	{name: "tokens", method: "GET", path: fixed("/account/tokens"), want: pages(200)},
	{name: "accounts admin", method: "GET", path: fixed("/admin/users"), want: adminPage()},
	{name: "reset a password", method: "GET", path: func(e *env) string { return "/admin/users/" + strconv.FormatInt(e.users[viewer].ID, 10) + "/password" }, want: adminPage()},
	{name: "deleted items", method: "GET", path: fixed("/admin/deleted"), want: adminPage()},
	{name: "email log", method: "GET", path: fixed("/admin/emails"), want: adminPage()},
	{name: "email log, page 2", method: "GET", path: fixed("/admin/emails?page=2"), want: adminPage()},
	{name: "an unknown unsubscribe link", method: "GET", path: fixed("/unsubscribe/no-such-token/digest"),
		want: map[string]int{anonymous: 404, viewer: 404, editorCoL: 404, editorMPS: 404, secretary: 404, admin: 404}},
	{name: "source status PDF", method: "GET", path: fixed("/sources/1/report.pdf"), want: pages(200)},
	{name: "reference reply PDF", method: "GET", path: fixed("/references/1/report.pdf?as_at=" + storetest.ISO(0)), want: pages(200)},
	{name: "outstanding PDF", method: "GET", path: fixed("/reports/outstanding.pdf"), want: pages(200)},
	{name: "action log PDF", method: "GET", path: fixed("/reports/actions.pdf?overdue=true"), want: pages(200)},
	{name: "PDF with a bad date", method: "GET", path: fixed("/reports/outstanding.pdf?as_at=31/02/2026"), want: pages(422)},
	{name: "prepare the reply", method: "GET", path: fixed("/references/1/reply"), want: pages(200)},
	{name: "organisations", method: "GET", path: fixed("/organisations"), want: pages(200)},
	{name: "action log as CSV", method: "GET", path: fixed("/actions.csv?overdue=true"), want: pages(200)},
	{name: "recommendations as XLSX", method: "GET", path: fixed("/recommendations.xlsx?source=1"), want: pages(200)},
	{name: "sources as CSV", method: "GET", path: fixed("/sources.csv"), want: pages(200)},
	{name: "references as XLSX", method: "GET", path: fixed("/references.xlsx"), want: pages(200)},
	{name: "measures as CSV", method: "GET", path: fixed("/measures.csv"), want: pages(200)},
	{name: "add an organisation", method: "GET", path: fixed("/organisations/new"), want: formPage(secretary, admin)},
	{name: "change CoLP", method: "GET", path: fixed("/organisations/2/edit"), want: formPage(secretary, admin)},
	{name: "change the MPS", method: "GET", path: fixed("/organisations/1/edit"), want: formPage(admin)},
	{name: "add a source", method: "GET", path: fixed("/sources/new"), want: formPage(secretary, admin)},
	{name: "change the Duty of Care source", method: "GET", path: fixed("/sources/1/edit"), want: formPage(admin)},
	{name: "change the FIB analysis (addressed to CoLP)", method: "GET", path: fixed("/sources/2/edit"), want: formPage(secretary, admin)},
	{name: "add a recommendation to the FIB analysis", method: "GET", path: fixed("/sources/2/recommendations/new"), want: formPage(secretary, admin)},
	{name: "change a CoLP recommendation", method: "GET", path: fixed("/recommendations/11/edit"), want: formPage(secretary, admin)},
	{name: "change an MPS recommendation", method: "GET", path: fixed("/recommendations/4/edit"), want: formPage(admin)},
	{name: "change a CoLP action", method: "GET", path: actionPath(colpOrg, "/edit"), want: formPage(editorCoL, secretary, admin)},
	{name: "add a reference", method: "GET", path: fixed("/references/new"), want: formPage(secretary, admin)},
	{name: "change reference 13", method: "GET", path: fixed("/references/1/edit"), want: formPage(secretary, admin)},
	{name: "a measure", method: "GET", path: fixed("/measures/1"), want: pages(200)},
	{name: "add a measure", method: "GET", path: fixed("/measures/new"), want: formPage(secretary, admin)},
	{name: "change an MPS measure", method: "GET", path: fixed("/measures/1/edit"), want: formPage(admin)},
	{name: "import a spreadsheet", method: "GET", path: fixed("/import"), want: formPage(secretary, admin)},
	{name: "sign-in page", method: "GET", path: fixed("/login"), want: map[string]int{anonymous: 200, viewer: 303, editorCoL: 303, editorMPS: 303, secretary: 303, admin: 303}},
	{name: "unknown page", method: "GET", path: fixed("/no/such/page"), want: map[string]int{anonymous: 404, viewer: 404, editorCoL: 404, editorMPS: 404, secretary: 404, admin: 404}},

	{name: "update CoLP action", method: "POST", path: actionPath(colpOrg, "/updates"), form: updateForm(colpOrg),
		want: only(http.StatusSeeOther, editorCoL, secretary, admin)},
	{name: "update MPS action", method: "POST", path: actionPath(mpsOrg, "/updates"), form: updateForm(mpsOrg),
		want: only(http.StatusSeeOther, editorMPS, admin)},
	{name: "move a CoLP due date", method: "POST", path: actionPath(colpOrg, "/due"),
		form: func(e *env) url.Values {
			return url.Values{"version": {strconv.Itoa(e.actionOf(colpOrg).Version)}, "new_date": {storetest.ISO(40 + e.actionOf(colpOrg).Version%18)}, "reason": {"Moved by the matrix"}}
		},
		want: only(http.StatusSeeOther, editorCoL, secretary, admin)},
	{name: "move an MPS recommendation's deadline", method: "POST", path: fixed("/recommendations/4/deadline"),
		form: func(e *env) url.Values {
			d, _ := e.s.RecommendationDetail(context.Background(), 4)
			return url.Values{"version": {strconv.Itoa(d.Recommendation.Version)}, "new_date": {storetest.ISO(70 + d.Recommendation.Version%18)}, "reason": {"Agreed"}}
		},
		want: only(http.StatusSeeOther, admin)},
	{name: "add an action to MPS Recommendation 4", method: "POST", path: fixed("/recommendations/4/actions"),
		form: func(e *env) url.Values {
			return url.Values{"organisation": {strconv.FormatInt(e.orgs[mpsOrg].ID, 10)}, "description": {"Matrix action – “test”"},
				"owner": {"Matrix"}, "due_text": {"within two months"}}
		},
		want: only(http.StatusSeeOther, editorMPS, admin)},
	{name: "respond for the MPS to Recommendation 4", method: "POST", path: fixed("/recommendations/4/responses"),
		form: func(e *env) url.Values {
			d, _ := e.s.RecommendationDetail(context.Background(), 4)
			rev := 0
			for _, t := range d.Responses {
				if t.Current.OrganisationID == e.orgs[mpsOrg].ID {
					rev = t.Current.Revision
				}
			}
			return url.Values{"organisation": {strconv.FormatInt(e.orgs[mpsOrg].ID, 10)}, "revision": {strconv.Itoa(rev)},
				"position": {"accepted"}, "text": {"Matrix response"}, "date": {storetest.ISO(-3)}}
		},
		want: only(http.StatusSeeOther, editorMPS, admin)},
	{name: "change a CoLP recommendation's assessment", method: "POST", path: fixed("/recommendations/11/status"),
		form: func(e *env) url.Values {
			d, _ := e.s.RecommendationDetail(context.Background(), 11)
			next := "satisfied"
			if d.Recommendation.Assessment == next {
				next = "partly_satisfied"
			}
			return url.Values{"version": {strconv.Itoa(d.Recommendation.Version)}, "status": {d.Recommendation.Status}, "assessment": {next}}
		},
		want: only(http.StatusSeeOther, secretary, admin)},
	{name: "delete CoLP action", method: "POST", path: actionPath(colpOrg, "/delete"), form: versionForm(colpOrg), prepare: restoreAll,
		want: only(http.StatusSeeOther, secretary, admin)},
	{name: "delete MPS action", method: "POST", path: actionPath(mpsOrg, "/delete"), form: versionForm(mpsOrg), prepare: restoreAll,
		want: only(http.StatusSeeOther, admin)},
	{name: "restore action", method: "POST", prepare: deleteOne,
		path: func(e *env) string {
			d, _ := e.s.DeletedActions(context.Background())
			return "/admin/deleted/actions/" + strconv.FormatInt(d[0].Item.Action.ID, 10) + "/restore"
		},
		want: only(http.StatusSeeOther, admin)},
	{name: "save the reply (reference 13 is CoLP's)", method: "POST", path: fixed("/references/1/reply"),
		form: func(e *env) url.Values {
			d, err := e.s.ReferenceDetail(context.Background(), 1)
			if err != nil {
				e.t.Fatal(err)
			}
			return url.Values{"version": {strconv.Itoa(d.Reference.Version)}, "intro": {"An update – “in full”."}, "items": {"1", "2"}}
		},
		want: only(http.StatusSeeOther, secretary, admin)},
	{name: "create an organisation", method: "POST", path: fixed("/organisations/new"),
		form: func(e *env) url.Values {
			return url.Values{"name": {"Matrix body " + strconv.FormatInt(matrixSeq.Add(1), 10)}}
		},
		want: only(http.StatusSeeOther, secretary, admin)},
	{name: "rename CoLP", method: "POST", path: fixed("/organisations/2/edit"),
		form: func(e *env) url.Values {
			o, _ := e.s.Organisation(context.Background(), 2)
			return url.Values{"version": {strconv.Itoa(o.Version)}, "name": {o.Name}, "short_name": {"CoLP" + strconv.Itoa(o.Version)}}
		},
		want: only(http.StatusSeeOther, secretary, admin)},
	{name: "change a CoLP action's owner", method: "POST", path: actionPath(colpOrg, "/edit"),
		form: func(e *env) url.Values {
			a := e.actionOf(colpOrg)
			return url.Values{"version": {strconv.Itoa(a.Version)}, "description": {a.Description}, "organisation": {strconv.FormatInt(a.OrganisationID, 10)}, "owner": {"Owner " + strconv.Itoa(a.Version)}}
		},
		want: only(http.StatusSeeOther, editorCoL, secretary, admin)},
	{name: "change an MPS recommendation's text", method: "POST", path: fixed("/recommendations/4/edit"),
		form: func(e *env) url.Values {
			d, _ := e.s.RecommendationDetail(context.Background(), 4)
			v := url.Values{"version": {strconv.Itoa(d.Recommendation.Version)}, "number": {"4"}, "text": {d.Recommendation.Text + " "}}
			for _, o := range d.Recommendation.Addressees {
				v.Add("addressees", strconv.FormatInt(o.ID, 10))
			}
			return v
		},
		want: only(http.StatusSeeOther, admin)},
	{name: "record an MPS measure value", method: "POST", path: fixed("/measures/1/values"),
		form: func(e *env) url.Values {
			m, _ := e.s.Measure(context.Background(), 1)
			return url.Values{"version": {strconv.Itoa(m.Version)}, "period": {"Matrix " + strconv.Itoa(m.Version)}, "period_end": {storetest.ISO(-30 - m.Version%18)}, "value": {"70"}}
		},
		want: only(http.StatusSeeOther, editorMPS, admin)},
	{name: "create token", method: "POST", path: fixed("/account/tokens"), form: func(*env) url.Values { return url.Values{"name": {"matrix"}} },
		want: map[string]int{anonymous: 403, viewer: 201, editorCoL: 201, editorMPS: 201, secretary: 201, admin: 201}},
	{name: "change password (wrong current)", method: "POST", path: fixed("/account/password"),
		form: func(*env) url.Values {
			return url.Values{"current": {"wrong"}, "new": {"a brand new password"}, "confirm": {"a brand new password"}}
		},
		want: map[string]int{anonymous: 403, viewer: 422, editorCoL: 422, editorMPS: 422, secretary: 422, admin: 422}},
	{name: "reset the viewer's password (to the same one)", method: "POST",
		path: func(e *env) string { return "/admin/users/" + strconv.FormatInt(e.users[viewer].ID, 10) + "/password" },
		form: func(*env) url.Values { return url.Values{"new": {password}, "confirm": {password}} },
		want: only(http.StatusOK, admin)},
	{name: "follow Recommendation 4", method: "POST", path: fixed("/recommendations/4/follow"),
		form: func(*env) url.Values { return url.Values{"follow": {"true"}} },
		want: map[string]int{anonymous: 403, viewer: 303, editorCoL: 303, editorMPS: 303, secretary: 303, admin: 303}},
	{name: "email preferences", method: "POST", path: fixed("/account/email"),
		form: func(*env) url.Values { return url.Values{"digest": {"weekly"}, "digest_days": {"14"}} },
		want: map[string]int{anonymous: 403, viewer: 303, editorCoL: 303, editorMPS: 303, secretary: 303, admin: 303}},
	{name: "unsubscribe by an unknown link", method: "POST", path: fixed("/unsubscribe/no-such-token/digest"),
		form: func(*env) url.Values { return url.Values{"List-Unsubscribe": {"One-Click"}} },
		want: map[string]int{anonymous: 404, viewer: 404, editorCoL: 404, editorMPS: 404, secretary: 404, admin: 404}},
	{name: "sign out", method: "POST", path: fixed("/logout"), want: map[string]int{anonymous: 403, viewer: 303, editorCoL: 303, editorMPS: 303, secretary: 303, admin: 303}},
}

// TestAuthorisationMatrix tries every page and form for every role, with
// organisation scope, on SQLite and PostgreSQL; then the same for the API.
func TestAuthorisationMatrix(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		// One sign-in per role serves the cases until a case that is not
		// a GET, after which every role signs in afresh, in case it signed
		// someone out or ended their sessions.
		signedIn := map[string]*client{}
		for _, rc := range matrix {
			for _, role := range allRoles {
				if rc.prepare != nil {
					rc.prepare(e)
				}
				c := signedIn[role]
				if c == nil {
					c = e.login(role)
					signedIn[role] = c
				}
				var form url.Values
				if rc.form != nil {
					form = rc.form(e)
				}
				if rc.method == "POST" {
					if form == nil {
						form = url.Values{}
					}
					form.Set("csrf_token", c.csrf)
				}
				got := c.status(rc.method, rc.path(e), form)
				if got != rc.want[role] {
					t.Errorf("%s as %s: %d, want %d", rc.name, role, got, rc.want[role])
				}
			}
			if rc.method != "GET" {
				clear(signedIn)
			}
		}
		restoreAll(e)

		// A post without the CSRF token is refused for every signed-in role.
		for _, role := range allRoles[1:] {
			c := e.login(role)
			form := updateForm(colpOrg)(e)
			if got := c.status("POST", actionPath(colpOrg, "/updates")(e), form); got != http.StatusForbidden {
				t.Errorf("CSRF-less post as %s: %d, want 403", role, got)
			}
		}

		// The API: a token per role carries the role's permissions.
		tokens := map[string]string{anonymous: ""}
		for _, role := range allRoles[1:] {
			plain, _, err := s.CreateToken(context.Background(), e.users[role].ID, "matrix")
			if err != nil {
				t.Fatal(err)
			}
			tokens[role] = plain
		}
		apiCases := []struct {
			name, method string
			path         func(*env) string
			body         func(*env) string
			want         map[string]int
		}{
			{"list recommendations", "GET", fixed("/api/v1/recommendations?overdue=true"), nil, map[string]int{anonymous: 401, viewer: 200, editorCoL: 200, editorMPS: 200, secretary: 200, admin: 200}},
			{"get recommendation", "GET", fixed("/api/v1/recommendations/4"), nil, map[string]int{anonymous: 401, viewer: 200, editorCoL: 200, editorMPS: 200, secretary: 200, admin: 200}},
			{"list actions", "GET", fixed("/api/v1/actions?open=true"), nil, map[string]int{anonymous: 401, viewer: 200, editorCoL: 200, editorMPS: 200, secretary: 200, admin: 200}},
			{"get action", "GET", func(e *env) string { return "/api/v1" + actionPath(colpOrg, "")(e) }, nil, map[string]int{anonymous: 401, viewer: 200, editorCoL: 200, editorMPS: 200, secretary: 200, admin: 200}},
			{"missing action", "GET", fixed("/api/v1/actions/99999"), nil, map[string]int{anonymous: 401, viewer: 404, editorCoL: 404, editorMPS: 404, secretary: 404, admin: 404}},
			{"update CoLP action", "POST", func(e *env) string { return "/api/v1" + actionPath(colpOrg, "/updates")(e) }, func(e *env) string {
				return `{"version": ` + strconv.Itoa(e.actionOf(colpOrg).Version) + `, "date": "` + storetest.ISO(-2) + `", "text": "Via the API – £0", "rag": "green"}`
			}, map[string]int{anonymous: 401, viewer: 403, editorCoL: 201, editorMPS: 403, secretary: 201, admin: 201}},
			{"stale update", "POST", func(e *env) string { return "/api/v1" + actionPath(colpOrg, "/updates")(e) }, func(e *env) string {
				return `{"version": 1, "date": "` + storetest.ISO(-2) + `", "text": "stale"}`
			}, map[string]int{anonymous: 401, viewer: 403, editorCoL: 409, editorMPS: 403, secretary: 409, admin: 409}},
			{"invalid update", "POST", func(e *env) string { return "/api/v1" + actionPath(colpOrg, "/updates")(e) }, func(e *env) string {
				return `{"version": ` + strconv.Itoa(e.actionOf(colpOrg).Version) + `, "date": "yesterday", "text": ""}`
			}, map[string]int{anonymous: 401, viewer: 403, editorCoL: 422, editorMPS: 403, secretary: 422, admin: 422}},
			{"openapi", "GET", fixed("/api/v1/openapi.json"), nil, map[string]int{anonymous: 200, viewer: 200, editorCoL: 200, editorMPS: 200, secretary: 200, admin: 200}},
		}
		apiCases = append(apiCases, crudMatrix(e)...)
		for _, ac := range apiCases {
			for _, role := range allRoles {
				body := ""
				if ac.body != nil {
					body = ac.body(e)
				}
				status, b := e.bearer(t, tokens[role], ac.method, ac.path(e), body)
				if status != ac.want[role] {
					t.Errorf("API %s as %s: %d, want %d: %s", ac.name, role, status, ac.want[role], b)
				}
				if status >= 400 && !json.Valid(b) {
					t.Errorf("API %s as %s: error is not JSON: %s", ac.name, role, b)
				}
			}
		}

		// Every change above is in the trail with its author and channel.
		events, err := s.ActionHistory(context.Background(), e.actionOf(colpOrg).ID)
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, ev := range events {
			seen[ev.Actor+"/"+ev.Channel+"/"+ev.Op] = true
		}
		for _, want := range []string{"D/Supt Crime/page/update", "Committee Secretary/page/delete", "D/Supt Crime/api/update", "Committee Secretary/api/create"} {
			if !seen[want] {
				t.Errorf("history lacks %s; has %v", want, seen)
			}
		}
		mpsEvents, _ := s.History(context.Background(), store.EntityAction, e.actionOf(mpsOrg).ID)
		restored := false
		for _, ev := range mpsEvents {
			restored = restored || (ev.Op == tracker.OpRestore && ev.Actor == "Administrator" && ev.Channel == tracker.ChannelPage)
		}
		if !restored {
			t.Error("the administrator's restore of the MPS action is not in its history")
		}
	})
}

package web_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// scopeFixture is what one request of the scope matrix works on, made
// afresh for each role so that every role meets the same state:
//   - other: a committee's source whose recommendation is the MPS's;
//   - ours: a source CoLP issued, addressed to CoLP and the MPS;
//   - filled: a committee's source whose recommendation (own) is CoLP's;
//   - ref: a reference raised with CoLP, covering own and the MPS's one.
type scopeFixture struct {
	other, ours, filled tracker.Source
	mpsRec, own         tracker.Recommendation
	ref                 tracker.Reference
}

// scopeSeq numbers the fixtures, so each one's titles are its own.
var scopeSeq atomic.Int64

func newScopeFixture(e *env) scopeFixture {
	e.t.Helper()
	ctx := context.Background()
	colp, mps := e.orgs[colpOrg], e.orgs[mpsOrg]
	la, err := e.s.FindOrganisationByName(ctx, "London Assembly Police and Crime Committee")
	if err != nil {
		e.t.Fatal(err)
	}
	n := strconv.FormatInt(scopeSeq.Add(1), 10)
	sys := e.s.As(tracker.SystemUser())
	source := func(title string, by tracker.Organisation) tracker.Source {
		src, err := sys.CreateSource(ctx, tracker.Source{Title: title + " " + n, Kind: tracker.KindCommitteeReport, IssuedByID: by.ID})
		if err != nil {
			e.t.Fatal(err)
		}
		return src
	}
	rec := func(src tracker.Source, to ...tracker.Organisation) tracker.Recommendation {
		r, err := sys.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "1", Text: "Scope – “" + src.Title + "”", Addressees: to})
		if err != nil {
			e.t.Fatal(err)
		}
		return r
	}
	f := scopeFixture{other: source("MPS inspection", la), ours: source("CoLP review", colp), filled: source("Committee report", la)}
	f.mpsRec = rec(f.other, mps)
	rec(f.ours, colp, mps)
	f.own = rec(f.filled, colp)
	f.ref, err = sys.CreateReference(ctx, tracker.Reference{Title: "Scope reference " + n, RequestedByID: la.ID, RespondingOrgID: colp.ID,
		Status: tracker.RefAwaiting}, []int64{f.own.ID, f.mpsRec.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

func sourceForm(src tracker.Source, issuer int64) url.Values {
	return url.Values{"version": {strconv.Itoa(src.Version)}, "title": {src.Title + " – changed"}, "kind": {src.Kind},
		"issued_by": {strconv.FormatInt(issuer, 10)}}
}

func ids(list ...int64) []string {
	out := make([]string, len(list))
	for i, id := range list {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out
}

// scopeCase is one write of the secretaries' scope rule, through a page
// and through the API, with the status each role must get and, for a
// refusal of the secretary, the words that say why.
type scopeCase struct {
	name         string
	page         func(e *env, f scopeFixture) (string, url.Values)
	api          func(e *env, f scopeFixture) (method, path, body string)
	pageWant     map[string]int
	apiWant      map[string]int
	secretarySay string
}

// pageStatus is what a page post answers each role: ok for the given
// roles, 403 for the rest.
func pageStatus(ok int, roles ...string) map[string]int { return only(ok, roles...) }

func apiStatus(ok int, roles ...string) map[string]int {
	m := map[string]int{anonymous: 401, viewer: 403, editorCoL: 403, editorMPS: 403, secretary: 403, admin: 403}
	for _, r := range roles {
		m[r] = ok
	}
	return m
}

func with(m map[string]int, role string, status int) map[string]int {
	m[role] = status
	return m
}

// TestScopeMatrix extends the role × route matrix with the secretaries'
// scope (issue 13, item 6): a City of London Police secretary cannot
// change another body's source or add a recommendation to it, cannot
// change a source's issuer to another body, cannot add the MPS as an
// addressee of their own recommendation, and cannot put MPS
// recommendations into their own reply, through the pages or the API;
// each allowed counterpart is allowed. On SQLite and PostgreSQL.
func TestScopeMatrix(t *testing.T) {
	t.Parallel()
	const theirs = "You can change only sources issued by, or addressed only to, City of London Police."
	cases := []scopeCase{
		{name: "change another body's source",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				return "/sources/" + idStr(f.other.ID) + "/edit", sourceForm(f.other, f.other.IssuedByID)
			},
			api: func(e *env, f scopeFixture) (string, string, string) {
				return "PATCH", "/api/v1/sources/" + idStr(f.other.ID), `{"version": 1, "title": "Changed – “via the API”"}`
			},
			pageWant: pageStatus(303, admin), apiWant: apiStatus(200, admin), secretarySay: theirs},
		{name: "change their own body's source (allowed)",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				return "/sources/" + idStr(f.filled.ID) + "/edit", sourceForm(f.filled, f.filled.IssuedByID)
			},
			api: func(e *env, f scopeFixture) (string, string, string) {
				return "PATCH", "/api/v1/sources/" + idStr(f.filled.ID), `{"version": 1, "title": "Changed – “via the API”"}`
			},
			pageWant: pageStatus(303, secretary, admin), apiWant: apiStatus(200, secretary, admin)},
		{name: "add a recommendation to another body's source",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				return "/sources/" + idStr(f.other.ID) + "/recommendations/new",
					url.Values{"number": {"2"}, "text": {"Added – “by the matrix”"}, "addressees": ids(e.orgs[colpOrg].ID)}
			},
			api: func(e *env, f scopeFixture) (string, string, string) {
				return "POST", "/api/v1/recommendations", `{"source_id": ` + idStr(f.other.ID) + `, "number": "2", "text": "Added", "addressee_ids": [` + idStr(e.orgs[colpOrg].ID) + `]}`
			},
			pageWant: pageStatus(303, admin), apiWant: apiStatus(201, admin),
			secretarySay: "You can add or change recommendations only in sources issued by, or addressed only to, City of London Police."},
		{name: "add a recommendation to their own body's source (allowed)",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				return "/sources/" + idStr(f.filled.ID) + "/recommendations/new",
					url.Values{"number": {"2"}, "text": {"Added – “by the matrix”"}, "addressees": ids(e.orgs[colpOrg].ID)}
			},
			api: func(e *env, f scopeFixture) (string, string, string) {
				return "POST", "/api/v1/recommendations", `{"source_id": ` + idStr(f.filled.ID) + `, "number": "2", "text": "Added", "addressee_ids": [` + idStr(e.orgs[colpOrg].ID) + `]}`
			},
			pageWant: pageStatus(303, secretary, admin), apiWant: apiStatus(201, secretary, admin)},
		{name: "change a source's issuer to another body",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				la, _ := e.s.FindOrganisationByName(context.Background(), "London Assembly Police and Crime Committee")
				return "/sources/" + idStr(f.ours.ID) + "/edit", sourceForm(f.ours, la.ID)
			},
			api: func(e *env, f scopeFixture) (string, string, string) {
				la, _ := e.s.FindOrganisationByName(context.Background(), "London Assembly Police and Crime Committee")
				return "PATCH", "/api/v1/sources/" + idStr(f.ours.ID), `{"version": 1, "issued_by_id": ` + idStr(la.ID) + `}`
			},
			pageWant: with(pageStatus(303, admin), secretary, 422), apiWant: with(apiStatus(200, admin), secretary, 422),
			secretarySay: "Choose City of London Police as the issuer"},
		{name: "change their body's source, issuer kept (allowed)",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				return "/sources/" + idStr(f.ours.ID) + "/edit", sourceForm(f.ours, f.ours.IssuedByID)
			},
			api: func(e *env, f scopeFixture) (string, string, string) {
				return "PATCH", "/api/v1/sources/" + idStr(f.ours.ID), `{"version": 1, "issued_by_id": ` + idStr(f.ours.IssuedByID) + `, "title": "Kept – “issuer”"}`
			},
			pageWant: pageStatus(303, secretary, admin), apiWant: apiStatus(200, secretary, admin)},
		{name: "add the MPS as an addressee of their own recommendation",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				return "/recommendations/" + idStr(f.own.ID) + "/edit", url.Values{"version": {"1"}, "number": {"1"}, "text": {f.own.Text},
					"addressees": ids(e.orgs[colpOrg].ID, e.orgs[mpsOrg].ID)}
			},
			api: func(e *env, f scopeFixture) (string, string, string) {
				return "PATCH", "/api/v1/recommendations/" + idStr(f.own.ID), `{"version": 1, "addressee_ids": [` + idStr(e.orgs[colpOrg].ID) + `, ` + idStr(e.orgs[mpsOrg].ID) + `]}`
			},
			pageWant: with(pageStatus(303, admin), secretary, 422), apiWant: with(apiStatus(200, admin), secretary, 422),
			secretarySay: "Address it only to City of London Police"},
		{name: "change their own recommendation (allowed)",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				return "/recommendations/" + idStr(f.own.ID) + "/edit", url.Values{"version": {"1"}, "number": {"1"}, "text": {f.own.Text + " – changed"},
					"addressees": ids(e.orgs[colpOrg].ID)}
			},
			api: func(e *env, f scopeFixture) (string, string, string) {
				return "PATCH", "/api/v1/recommendations/" + idStr(f.own.ID), `{"version": 1, "title": "Changed – “via the API”"}`
			},
			pageWant: pageStatus(303, secretary, admin), apiWant: apiStatus(200, secretary, admin)},
		{name: "put an MPS recommendation into their own reply",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				return "/references/" + idStr(f.ref.ID) + "/reply", url.Values{"version": {"1"}, "intro": {"Our reply – “in full”"}, "items": ids(f.mpsRec.ID)}
			},
			// Through the API, a reference covers what its reply may.
			api: func(e *env, f scopeFixture) (string, string, string) {
				return "PATCH", "/api/v1/references/" + idStr(f.ref.ID), `{"version": 1, "recommendation_ids": [` + idStr(f.own.ID) + `, ` + idStr(f.mpsRec.ID) + `, ` + idStr(e.mpsRecommendation()) + `]}`
			},
			pageWant: with(pageStatus(303, admin), secretary, 422), apiWant: with(apiStatus(200, admin), secretary, 422),
			secretarySay: "You can include only recommendations addressed to City of London Police"},
		{name: "their reply with their own recommendation (allowed)",
			page: func(e *env, f scopeFixture) (string, url.Values) {
				return "/references/" + idStr(f.ref.ID) + "/reply", url.Values{"version": {"1"}, "intro": {"Our reply – “in full”"}, "items": ids(f.own.ID)}
			},
			api: func(e *env, f scopeFixture) (string, string, string) {
				return "PATCH", "/api/v1/references/" + idStr(f.ref.ID), `{"version": 1, "title": "Changed – “via the API”"}`
			},
			pageWant: pageStatus(303, secretary, admin), apiWant: apiStatus(200, secretary, admin)},
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		tokens := map[string]string{}
		for _, role := range allRoles[1:] {
			plain, _, err := s.CreateToken(context.Background(), e.users[role].ID, "scope")
			if err != nil {
				t.Fatal(err)
			}
			tokens[role] = plain
		}
		for _, sc := range cases {
			for _, role := range allRoles {
				f := newScopeFixture(e)
				c := e.login(role)
				path, form := sc.page(e, f)
				form.Set("csrf_token", c.csrf)
				got, body := c.statusAndBody("POST", path, form)
				if got != sc.pageWant[role] {
					t.Errorf("page: %s as %s: %d, want %d", sc.name, role, got, sc.pageWant[role])
				}
				if role == secretary && sc.secretarySay != "" && !strings.Contains(body, html.EscapeString(sc.secretarySay)) {
					t.Errorf("page: %s as the secretary does not say %q", sc.name, sc.secretarySay)
				}

				f = newScopeFixture(e)
				method, apiPath, reqBody := sc.api(e, f)
				status, b := e.bearer(t, tokens[role], method, apiPath, reqBody)
				if status != sc.apiWant[role] {
					t.Errorf("API: %s as %s: %d, want %d: %s", sc.name, role, status, sc.apiWant[role], b)
				}
				if role == secretary && sc.secretarySay != "" && !strings.Contains(string(b), sc.secretarySay) {
					t.Errorf("API: %s as the secretary does not say %q: %s", sc.name, sc.secretarySay, b)
				}
			}
		}
	})
}

// statusAndBody sends a request and returns the status and the body.
func (c *client) statusAndBody(method, path string, form url.Values) (int, string) {
	c.e.t.Helper()
	req, _ := http.NewRequest(method, c.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// mpsRecommendation is the id of an example recommendation addressed only
// to the MPS.
func (e *env) mpsRecommendation() int64 {
	e.t.Helper()
	items, _, err := e.s.ListRecommendations(context.Background(), tracker.RecommendationFilter{OrganisationID: e.orgs[mpsOrg].ID, Page: tracker.Page{Size: 100}, Today: today})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, it := range items {
		if len(it.Recommendation.Addressees) == 1 {
			return it.Recommendation.ID
		}
	}
	e.t.Fatal("no recommendation addressed only to the MPS")
	return 0
}

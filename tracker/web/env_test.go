package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

func TestMain(m *testing.M) {
	store.BcryptCost = bcrypt.MinCost // the cost is not what these tests test
	code := m.Run()
	for _, f := range benchCleanups {
		f()
	}
	closeBrowser()
	storetest.Finish()
	os.Exit(code)
}

// today is the tests' clock, the one the store stamps the trail with.
var today = storetest.Now()

const password = "correct horse battery staple"

// env is a running tracker with the example data and one account per role.
type env struct {
	t     *testing.T
	ts    *httptest.Server
	srv   *web.Server
	s     *store.Store
	users map[string]tracker.User
	orgs  map[string]tracker.Organisation
}

// Roles of the test accounts; anonymous has none.
const (
	anonymous = "anonymous"
	viewer    = "viewer"
	editorCoL = "editor-colp"
	editorMPS = "editor-mps"
	secretary = "secretary-colp"
	admin     = "admin"
)

var allRoles = []string{anonymous, viewer, editorCoL, editorMPS, secretary, admin}

func newEnv(t *testing.T, s *store.Store, pageSize int, opts ...func(*web.Options)) *env {
	t.Helper()
	ctx := context.Background()
	if _, err := example.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, s: s, users: map[string]tracker.User{}, orgs: map[string]tracker.Organisation{}}
	for _, name := range []string{"City of London Police", "Metropolitan Police Service", "Victim Support"} {
		o, err := s.FindOrganisationByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		e.orgs[name] = o
	}
	colp, mps := e.orgs["City of London Police"].ID, e.orgs["Metropolitan Police Service"].ID
	for role, u := range map[string]tracker.User{
		viewer:    {Name: "Board Member", Role: tracker.RoleViewer},
		editorCoL: {Name: "D/Supt Crime", Role: tracker.RoleEditor, Organisations: []int64{colp}},
		editorMPS: {Name: "MPS Victim Care Lead", Role: tracker.RoleEditor, Organisations: []int64{mps}},
		secretary: {Name: "Committee Secretary", Role: tracker.RoleSecretary, Organisations: []int64{colp}},
		admin:     {Name: "Administrator", Role: tracker.RoleAdmin},
	} {
		u.Email = role + "@example.org"
		created, err := s.CreateUser(ctx, u, password)
		if err != nil {
			t.Fatal(err)
		}
		e.users[role] = created
	}
	o := web.Options{Store: s, Now: func() time.Time { return today }, PageSize: pageSize,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range opts {
		f(&o)
	}
	srv, err := web.New(o)
	if err != nil {
		t.Fatal(err)
	}
	// Links in emails lead to this server, set before it serves.
	e.srv = srv
	e.ts = httptest.NewUnstartedServer(srv.Handler())
	store.WithPublicURL("http://" + e.ts.Listener.Addr().String())(s)
	e.ts.Start()
	t.Cleanup(e.ts.Close)
	return e
}

// client is one browser: a cookie jar and the CSRF token of its session.
type client struct {
	e    *env
	http *http.Client
	csrf string
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func (e *env) anonymous() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, http: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// login signs in as the role's account through the sign-in form.
func (e *env) login(role string) *client {
	e.t.Helper()
	c := e.anonymous()
	if role == anonymous {
		return c
	}
	page := c.get("/login", http.StatusOK)
	m := csrfInput.FindStringSubmatch(page)
	if m == nil {
		e.t.Fatal("no CSRF token on the sign-in form")
	}
	c.do("POST", "/login", url.Values{"email": {role + "@example.org"}, "password": {password}, "csrf_token": {m[1]}, "next": {"/"}}, http.StatusSeeOther)
	c.refreshCSRF()
	return c
}

func (c *client) refreshCSRF() {
	m := csrfInput.FindStringSubmatch(c.get("/account", http.StatusOK))
	if m == nil {
		c.e.t.Fatal("no CSRF token on the account page")
	}
	c.csrf = m[1]
}

func (c *client) do(method, path string, form url.Values, want int) string {
	c.e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.e.ts.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if want != 0 && res.StatusCode != want {
		c.e.t.Fatalf("%s %s = %d, want %d\n%.2000s", method, path, res.StatusCode, want, text(string(b)))
	}
	return string(b)
}

func (c *client) status(method, path string, form url.Values) int {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, c.e.ts.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func (c *client) get(path string, want int) string { return c.do("GET", path, nil, want) }

// post sends a form with the session's CSRF token.
func (c *client) post(path string, form url.Values, want int) string {
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", c.csrf)
	return c.do("POST", path, form, want)
}

var (
	tags  = regexp.MustCompile(`<[^>]+>`)
	space = regexp.MustCompile(`\s+`)
)

// text reduces HTML to its visible words, entities decoded the way
// html/template encodes them.
func text(html string) string {
	t := tags.ReplaceAllString(html, " ")
	t = strings.NewReplacer("&#39;", "'", "&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", `"`, "&quot;", `"`).Replace(t)
	return space.ReplaceAllString(t, " ")
}

func mustContain(t *testing.T, page, where string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("%s: missing %q", where, w)
		}
	}
}

func linkTo(t *testing.T, html, label string) string {
	t.Helper()
	re := regexp.MustCompile(`<a href="([^"]+)"[^>]*>` + regexp.QuoteMeta(label) + `</a>`)
	m := re.FindStringSubmatch(html)
	if m == nil {
		t.Fatalf("no link labelled %q", label)
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// actionOf returns the first action of an organisation in the example.
func (e *env) actionOf(org string) tracker.Action {
	e.t.Helper()
	items, _, err := e.s.ListActions(context.Background(), tracker.ActionFilter{OrganisationID: e.orgs[org].ID, Today: today})
	if err != nil || len(items) == 0 {
		e.t.Fatalf("no action of %s: %v", org, err)
	}
	cur, err := e.s.Action(context.Background(), items[0].Action.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return cur.Action
}

func regexpMatch(pattern, s string) bool { return regexp.MustCompile(pattern).MatchString(s) }

// bearer sends a request with an API token (none when token is empty) and
// a JSON body (none when body is empty), and returns the status and the
// answer.
func (e *env) bearer(t *testing.T, token, method, path, body string) (int, []byte) {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.ts.URL+path, r)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

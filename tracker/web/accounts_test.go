package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/api"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

func loginAttempt(t *testing.T, c *client, email, pw string) (int, string) {
	t.Helper()
	m := csrfInput.FindStringSubmatch(c.get("/login", http.StatusOK))
	form := url.Values{"email": {email}, "password": {pw}, "csrf_token": {m[1]}}
	req, _ := http.NewRequest("POST", c.e.ts.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, text(string(b))
}

func TestSignInMessagesAndThrottling(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25, func(o *web.Options) { o.Throttle = web.NewThrottle(3, 5, time.Hour) })
	c := e.anonymous()
	// A wrong password and an unknown account read the same.
	s1, wrong := loginAttempt(t, c, "viewer@example.org", "not the password")
	s2, unknown := loginAttempt(t, c, "nobody@example.org", "not the password")
	if s1 != http.StatusUnauthorized || s2 != s1 || !strings.Contains(wrong, "The email address or password is wrong.") ||
		!strings.Contains(unknown, "The email address or password is wrong.") {
		t.Errorf("wrong password: %d %q; unknown account: %d", s1, wrong, s2)
	}
	if !strings.Contains(wrong, "There is a problem") {
		t.Error("no error summary on a failed sign-in")
	}
	// Per account: after three failures the account is locked, even for the right password.
	loginAttempt(t, c, "viewer@example.org", "not the password")
	loginAttempt(t, c, "viewer@example.org", "not the password")
	st, page := loginAttempt(t, c, "viewer@example.org", password)
	if st != http.StatusTooManyRequests || !regexp.MustCompile(`Too many failed attempts to sign in. Wait \d+ minutes and try again.`).MatchString(page) {
		t.Errorf("after 2 failures + 1: %d %q", st, page)
	}
	// Per address: after five failures from one address a wrong password
	// from it is refused as too many, but the right one still signs in.
	loginAttempt(t, c, "ghost1@example.org", "x")
	if st, _ := loginAttempt(t, c, "admin@example.org", "not the password"); st != http.StatusTooManyRequests {
		t.Errorf("address limit, wrong password: %d, want 429", st)
	}
	if st, _ := loginAttempt(t, e.anonymous(), "admin@example.org", password); st != http.StatusSeeOther {
		t.Errorf("address limit, right password: %d, want 303", st)
	}
	// A missing field is named at the field.
	st, page = loginAttempt(t, e.anonymous(), "", "")
	if st != http.StatusTooManyRequests && (!strings.Contains(page, "Enter your email address") || !strings.Contains(page, "Enter your password")) {
		t.Errorf("empty form: %d %q", st, page)
	}
}

func TestFirstRunNeedsAnAdministrator(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	srv, err := web.New(web.Options{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	defer ts.Close()
	res, err := http.Get(ts.URL + "/actions")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(b), "tracker user add --email you@example.org --role admin") {
		t.Errorf("empty tracker: %d %.300s", res.StatusCode, text(string(b)))
	}
}

func TestSessionCookieAndRestart(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	e := newEnv(t, s, 25, func(o *web.Options) { o.TrustProxy = true })
	c := e.anonymous()
	m := csrfInput.FindStringSubmatch(c.get("/login", http.StatusOK))
	form := url.Values{"email": {"viewer@example.org"}, "password": {password}, "csrf_token": {m[1]}}
	req, _ := http.NewRequest("POST", e.ts.URL+"/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var session *http.Cookie
	for _, ck := range res.Cookies() {
		if ck.Name == "tracker_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v", session)
	}
	// A new server on the same database (a restart) knows the session.
	srv, err := web.New(web.Options{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts2 := httptest.NewServer(srv.Handler())
	defer ts2.Close()
	req, _ = http.NewRequest("GET", ts2.URL+"/account", nil)
	req.AddCookie(&http.Cookie{Name: session.Name, Value: session.Value})
	res, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "viewer@example.org") {
		t.Errorf("after a restart: %d", res.StatusCode)
	}
}

// TestUpdateFormErrorsAndConflict: bad input comes back with messages at
// the fields and the text kept, storing nothing; a stale form is refused
// with the other person's change shown.
func TestUpdateFormErrorsAndConflict(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	chair := e.login(editorCoL)
	a := e.actionOf(colpOrg)
	path := "/actions/" + strconv.FormatInt(a.ID, 10) + "/updates"
	typed := "Half a page of notes – “Victims’ Code”, £250,000, Ⅱ"
	page := text(chair.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "date": {"31/02/2026"}, "text": {typed}, "rag": {"purple"}}, http.StatusUnprocessableEntity))
	mustContain(t, page, "bad form", "There is a problem", "Enter the date as a real date, for example 17/05/2022", "Choose a RAG rating from the list", typed)
	if after := e.actionOf(colpOrg); after.Version != a.Version {
		t.Errorf("a refused form changed the action: version %d → %d", a.Version, after.Version)
	}

	// Someone else posts first.
	other := e.login(secretary)
	other.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "date": {storetest.ISO(-1)}, "text": {"Secretary's note"}, "rag": {"red"}}, http.StatusSeeOther)
	page = text(chair.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "date": {storetest.ISO(-1)}, "text": {typed}, "rag": {"green"}}, http.StatusConflict))
	mustContain(t, page, "conflict", "Someone else changed this action", "RAG Red", "Secretary's note", typed)
	items, _ := e.s.Action(context.Background(), a.ID)
	if items.Action.RAG != tracker.RAGRed || len(items.Updates) != 1 {
		t.Errorf("the stale save overwrote: %+v", items.Action)
	}
}

// TestOpenAPIMatchesRoutes: every API route is documented and every
// documented path exists.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	srv, err := web.New(web.Options{Store: storetest.SQLite(t)})
	if err != nil {
		t.Fatal(err)
	}
	var real, documented []string
	for _, r := range srv.Routes() {
		if strings.HasPrefix(r.Path, "/api/v1/") {
			p := regexp.MustCompile(`:(\w+)`).ReplaceAllString(strings.TrimPrefix(r.Path, "/api/v1"), "{$1}")
			real = append(real, r.Method+" "+p)
		}
	}
	for path, ops := range api.OpenAPI()["paths"].(map[string]any) {
		for method := range ops.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(real)
	sort.Strings(documented)
	if strings.Join(real, "\n") != strings.Join(documented, "\n") {
		t.Errorf("routes:\n%s\ndocumented:\n%s", strings.Join(real, "\n"), strings.Join(documented, "\n"))
	}
}

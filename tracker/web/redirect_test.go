package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestSignInRedirectStaysOnSite: the page asked for before signing in is
// followed only when it is a path on this host; anything a browser could
// read as another host sends the person home.
func TestSignInRedirectStaysOnSite(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	cases := map[string]string{
		"/actions?owner=x":      "/actions?owner=x",
		"/sources/1#history":    "/sources/1#history",
		"/\t/evil.example/":     "/",
		"/\n/evil.example/":     "/",
		"/\r\n/evil.example/":   "/",
		"//evil.example/":       "/",
		"/\\evil.example/":      "/",
		"\\\\evil.example/":     "/",
		"https://evil.example/": "/",
		"javascript:alert(1)":   "/",
		" /evil":                "/",
		"evil.example":          "/",
		"/%2F/evil.example":     "/",
		"/\x7f/evil.example":    "/",
	}
	for next, want := range cases {
		// Signing in through the form.
		c := e.anonymous()
		page := c.get("/login", http.StatusOK)
		token := csrfInput.FindStringSubmatch(page)[1]
		if got := location(t, c, "POST", "/login", url.Values{"email": {viewer + "@example.org"}, "password": {password},
			"csrf_token": {token}, "next": {next}}); got != want {
			t.Errorf("sign in with next=%q: Location %q, want %q", next, got, want)
		}
		// Already signed in: the sign-in page sends the person on at once.
		if got := location(t, c, "GET", "/login?next="+url.QueryEscape(next), nil); got != want {
			t.Errorf("GET /login?next=%q signed in: Location %q, want %q", next, got, want)
		}
	}
}

func location(t *testing.T, c *client, method, path string, form url.Values) string {
	t.Helper()
	var req *http.Request
	if form != nil {
		req, _ = http.NewRequest(method, c.e.ts.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req, _ = http.NewRequest(method, c.e.ts.URL+path, nil)
	}
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s %s = %d, want 303", method, path, res.StatusCode)
	}
	return res.Header.Get("Location")
}

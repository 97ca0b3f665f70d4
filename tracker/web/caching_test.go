package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// TestTokensAndCaching: signed-in answers are not cached, HSTS goes with
// secure cookies, a new SQLite file is its owner's alone, a password change
// can revoke the account's API tokens, and a right-to-left override in a
// name cannot turn the list around it.
func TestTokensAndCaching(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25, func(o *web.Options) { o.SecureCookies = true })
	c := e.login(editorCoL)
	for _, p := range []string{"/", "/actions", "/actions.csv", "/reports/outstanding.pdf"} {
		req, _ := http.NewRequest("GET", e.ts.URL+p, nil)
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("GET %s: Cache-Control %q, want no-store", p, got)
		}
		if got := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("GET %s: Strict-Transport-Security %q", p, got)
		}
	}
	if r := e.api(viewer).call("GET", "/actions", "", http.StatusOK); r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("API: Cache-Control %q", r.header.Get("Cache-Control"))
	}

	// The SQLite file is created 0600.
	path := filepath.Join(t.TempDir(), "tracker.db")
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("SQLite file mode = %v %v, want 0600", st.Mode().Perm(), err)
	}

	// A password change with the box ticked revokes the API tokens.
	plain, _, err := e.s.CreateToken(context.Background(), e.users[editorCoL].ID, "laptop")
	if err != nil {
		t.Fatal(err)
	}
	c.post("/account/password", url.Values{"current": {password}, "new": {"a brand new long password"}, "confirm": {"a brand new long password"},
		"revoke_tokens": {"1"}}, http.StatusSeeOther)
	if _, err := e.s.TokenUser(context.Background(), plain); err == nil {
		t.Errorf("the API token still works after the password change")
	}
	mustContain(t, c.get("/account", http.StatusOK), "account page", `name="revoke_tokens"`)

	// A right-to-left override in a name is isolated in lists.
	name := "Evil \u202Egnp.exe Ltd"
	if _, err := e.s.EnsureOrganisation(context.Background(), tracker.Organisation{Name: name}); err != nil {
		t.Fatal(err)
	}
	page := c.get("/organisations", http.StatusOK)
	if !strings.Contains(page, "\u2068"+name+"\u2069") || strings.Count(page, "\u202E") != strings.Count(page, "\u2068"+name) {
		t.Errorf("the name is not isolated on the organisations list")
	}
}

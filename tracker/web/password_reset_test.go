package web_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// tokenGetStatus is the status of a GET on the API with a bearer token.
func tokenGetStatus(t *testing.T, e *env, token, path string) int {
	t.Helper()
	status, _ := e.bearer(t, token, "GET", path, "")
	return status
}

// TestAdministratorResetsPassword: from the accounts page an administrator
// resets someone's password. The page says beforehand that the person's
// sessions end and tokens are revoked, and afterwards how many were; the
// person's browser is signed out, their old token gets 401, the old
// password no longer works and the new one does; the reset is in the
// account's history as the administrator's. A made-up password is shown
// once and not cached; mistakes are shown at their fields.
func TestAdministratorResetsPassword(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		ctx := context.Background()
		person := e.users[editorCoL]
		token, _, err := s.CreateToken(ctx, person.ID, "board pack script")
		if err != nil {
			t.Fatal(err)
		}
		theirs := e.login(editorCoL)
		if st := tokenGetStatus(t, e, token, "/api/v1/actions"); st != http.StatusOK {
			t.Fatalf("the token before the reset = %d", st)
		}

		ad := e.login(admin)
		list := ad.get("/admin/users", http.StatusOK)
		path := "/admin/users/" + strconv.FormatInt(person.ID, 10) + "/password"
		if !strings.Contains(list, `href="`+path+`"`) {
			t.Fatalf("no link to reset %s's password on the accounts page", person.Email)
		}
		if strings.Contains(list, `href="/admin/users/`+strconv.FormatInt(e.users[admin].ID, 10)+`/password"`) {
			t.Error("the accounts page offers administrators a reset of their own password")
		}
		before := text(ad.get(path, http.StatusOK))
		mustContain(t, before, "reset page", "Reset the password of D/Supt Crime", "editor-colp@example.org",
			"signs D/Supt Crime out everywhere and revokes every API token of the account", "now 1 session and 1 API token",
			"The account’s history records who reset it and when")

		// Mistakes: shown at the field, nothing changed.
		page := text(ad.post(path, url.Values{"new": {"a long new password"}, "confirm": {"a long new pasword"}}, http.StatusUnprocessableEntity))
		mustContain(t, page, "different passwords", "There is a problem", "The two new passwords are different")
		page = text(ad.post(path, url.Values{"new": {"short"}, "confirm": {"short"}}, http.StatusUnprocessableEntity))
		mustContain(t, page, "short password", "12 characters")
		theirs.get("/account", http.StatusOK)

		// A typed password.
		newPassword := "Victims’ Code – “phase Ⅱ” 2"
		after := text(ad.post(path, url.Values{"new": {newPassword}, "confirm": {newPassword}}, http.StatusOK))
		mustContain(t, after, "after the reset", "The password has been reset",
			"D/Supt Crime has been signed out everywhere and their API tokens revoked: 1 session ended, 1 API token revoked.")
		if strings.Contains(after, "shown only this once") {
			t.Error("a typed password is offered as made up")
		}
		if st := tokenGetStatus(t, e, token, "/api/v1/actions"); st != http.StatusUnauthorized {
			t.Errorf("the old token after the reset = %d, want 401", st)
		}
		if st := theirs.status("GET", "/account", nil); st != http.StatusSeeOther {
			t.Errorf("the person's browser after the reset = %d, want 303 to sign in", st)
		}
		if st, _ := loginAttempt(t, e.anonymous(), person.Email, password); st != http.StatusUnauthorized {
			t.Errorf("the old password after the reset = %d, want 401", st)
		}
		if st, _ := loginAttempt(t, e.anonymous(), person.Email, newPassword); st != http.StatusSeeOther {
			t.Errorf("the new password = %d, want 303", st)
		}
		ev, err := s.History(ctx, store.EntityUser, person.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := ev[len(ev)-1]
		if last.Actor != "Administrator" || last.Channel != tracker.ChannelPage || last.ActorID == nil || *last.ActorID != e.users[admin].ID {
			t.Errorf("the reset in the history: %+v", last)
		}

		// A made-up password: shown once, not cached, and it works.
		req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader(url.Values{"csrf_token": {ad.csrf}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := ad.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		_, _ = io.Copy(&b, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Cache-Control"), "no-store") {
			t.Errorf("made-up password: %d, Cache-Control %q", res.StatusCode, res.Header.Get("Cache-Control"))
		}
		m := regexp.MustCompile(`<code class="token" id="new-password">([^<]+)</code>`).FindStringSubmatch(b.String())
		if m == nil {
			t.Fatalf("no made-up password on the page: %.1500s", text(b.String()))
		}
		mustContain(t, text(b.String()), "made-up password", "1 session ended, 0 API tokens revoked", "shown only this once")
		if st, _ := loginAttempt(t, e.anonymous(), person.Email, m[1]); st != http.StatusSeeOther {
			t.Errorf("the made-up password = %d, want 303", st)
		}
		if again := ad.get(path, http.StatusOK); strings.Contains(again, m[1]) {
			t.Error("the made-up password is shown a second time")
		}

		// Their own password administrators change on their account page.
		own := "/admin/users/" + strconv.FormatInt(e.users[admin].ID, 10) + "/password"
		mustContain(t, text(ad.get(own, http.StatusOK)), "own account", "This is your own account")
		page = text(ad.post(own, url.Values{"new": {"a long new password"}, "confirm": {"a long new password"}}, http.StatusUnprocessableEntity))
		mustContain(t, page, "own reset", "change your password on Your account")
		ad.get("/account", http.StatusOK)
		ad.get("/admin/users/99999/password", http.StatusNotFound)
	})
}

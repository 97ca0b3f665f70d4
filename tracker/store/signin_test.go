package store_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// before0011 is the schema step the previous version left a database at.
func before0011(t *testing.T) string {
	ids := store.MigrationIDs()
	i := slices.Index(ids, "0011_signin_failures")
	if i < 1 {
		t.Fatalf("no 0011_signin_failures in %v", ids)
	}
	return ids[i-1]
}

// TestMigration0011 upgrades a database with an account, a session and a
// token made by the previous version: they keep working, failed sign-ins
// can be counted, and the step's down removes only its own table.
func TestMigration0011(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenRaw(t, b.Open(t))
			prev := before0011(t)
			if err := s.MigrateTo(ctx, prev); err != nil {
				t.Fatal(err)
			}
			hash, _ := bcrypt.GenerateFromPassword([]byte("Victims’ Code – “phase Ⅱ”"), bcrypt.MinCost)
			now := storetest.Now().Add(-time.Hour)
			for _, stmt := range []struct {
				sql  string
				args []any
			}{
				{"INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at) VALUES (1, 'chair@example.org', ?, 'admin', ?, ?, ?)", []any{"Zoë O’Brien", string(hash), now, now}},
				{"INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES (1, 1, 'board pack', 'abc', ?)", []any{now}},
				{"INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at) VALUES ('s1', 1, 'c', ?, ?, ?)", []any{now, now, now.Add(store.SessionLifetime)}},
			} {
				if err := s.Exec(ctx, stmt.sql, stmt.args...); err != nil {
					t.Fatalf("%s: %v", stmt.sql, err)
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			u, err := s.Authenticate(ctx, "chair@example.org", "Victims’ Code – “phase Ⅱ”")
			if err != nil || u.Name != "Zoë O’Brien" {
				t.Fatalf("account after the upgrade: %+v %v", u, err)
			}
			live, err := s.LiveCredentials(ctx, 1)
			if err != nil || live.Tokens != 1 || live.Sessions != 1 {
				t.Errorf("token and session after the upgrade: %+v %v", live, err)
			}
			at := storetest.Now()
			if err := s.RecordSignInFailure(ctx, "chair@example.org", "192.0.2.1", at, at.Add(-time.Minute)); err != nil {
				t.Fatal(err)
			}
			if got, err := s.SignInFailures(ctx, store.FailedAccount, "chair@example.org", at.Add(-time.Minute), 5); err != nil || len(got) != 1 {
				t.Errorf("failures after the upgrade: %v %v", got, err)
			}

			if err := s.RollbackTo(ctx, prev); err != nil {
				t.Fatal(err)
			}
			tables, err := s.ListTables(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if slices.Contains(tables, "signin_failures") {
				t.Error("signin_failures is still there after rolling 0011 back")
			}
			if err := s.CheckCurrent(ctx); !errors.Is(err, store.ErrSchemaOutdated) {
				t.Errorf("after rolling back: %v, want ErrSchemaOutdated", err)
			}
			if _, err := s.Authenticate(ctx, "chair@example.org", "Victims’ Code – “phase Ⅱ”"); err != nil {
				t.Errorf("account after rolling back: %v", err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("migrate again: %v", err)
			}
		})
	}
}

// TestSignInFailures: failures are counted per kind and subject within the
// window, newest first and at most n; old ones are deleted as new ones
// arrive; a correct sign-in clears only the account's.
func TestSignInFailures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := storetest.Now()
		window := 15 * time.Minute
		fail := func(email, addr string, at time.Time) {
			t.Helper()
			if err := s.RecordSignInFailure(ctx, email, addr, at, at.Add(-window)); err != nil {
				t.Fatal(err)
			}
		}
		for i := 0; i < 4; i++ {
			fail("zoë@example.org", "2001:db8::1", start.Add(time.Duration(i)*time.Minute))
		}
		fail("other@example.org", "2001:db8::1", start.Add(4*time.Minute))
		got, err := s.SignInFailures(ctx, store.FailedAccount, "zoë@example.org", start.Add(4*time.Minute-window), 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || !got[0].Equal(start.Add(3*time.Minute)) || !got[2].Equal(start.Add(time.Minute)) {
			t.Errorf("newest three = %v, want from %s down to %s", got, start.Add(3*time.Minute), start.Add(time.Minute))
		}
		if got, _ := s.SignInFailures(ctx, store.FailedAddress, "2001:db8::1", start.Add(2*time.Minute), 10); len(got) != 3 {
			t.Errorf("address failures since minute 2 = %d, want 3", len(got))
		}
		if err := s.ClearSignInFailures(ctx, "zoë@example.org"); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.SignInFailures(ctx, store.FailedAccount, "zoë@example.org", time.Time{}, 10); len(got) != 0 {
			t.Errorf("account failures after a correct sign-in = %d", len(got))
		}
		if got, _ := s.SignInFailures(ctx, store.FailedAddress, "2001:db8::1", time.Time{}, 10); len(got) != 5 {
			t.Errorf("a correct sign-in cleared the address's failures: %d left, want 5", len(got))
		}
		// A failure a window later forgets everything older.
		fail("late@example.org", "192.0.2.9", start.Add(4*time.Minute+window+time.Second))
		if n := count(t, s, "signin_failures"); n != 2 {
			t.Errorf("%d failures kept after the window, want 2", n)
		}
	})
}

// TestResetPassword: an administrator's reset sets the new password,
// revokes every token and ends every session of the account (and of no
// other), and is in the account's history as the administrator's.
func TestResetPassword(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mk := func(email string) tracker.User {
			u, err := s.CreateUser(ctx, tracker.User{Email: email, Role: tracker.RoleViewer}, "the old password")
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		u, other := mk("zoe@example.org"), mk("other@example.org")
		s1, _ := s.CreateSession(ctx, u, "one", "192.0.2.1")
		s2, _ := s.CreateSession(ctx, u, "two", "192.0.2.2")
		os1, _ := s.CreateSession(ctx, other, "other", "192.0.2.3")
		t1, _, _ := s.CreateToken(ctx, u.ID, "reporting script")
		t2, _, _ := s.CreateToken(ctx, u.ID, "board pack")
		ot, _, _ := s.CreateToken(ctx, other.ID, "theirs")
		if _, err := s.ResetPassword(ctx, u.ID, "short"); err == nil {
			t.Error("a short password was accepted")
		}
		if _, err := s.ResetPassword(ctx, u.ID+100, "a long new password"); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("reset of a missing account: %v", err)
		}
		adminID := other.ID
		actx := tracker.WithActor(ctx, tracker.Actor{UserID: &adminID, Name: "Ada Admin", Channel: tracker.ChannelPage})
		done, err := s.ResetPassword(actx, u.ID, "a long new password – “Ⅱ”")
		if err != nil {
			t.Fatal(err)
		}
		if done.Tokens != 2 || done.Sessions != 2 {
			t.Errorf("reset ended %+v, want 2 tokens and 2 sessions", done)
		}
		if _, err := s.Authenticate(ctx, "zoe@example.org", "the old password"); !errors.Is(err, tracker.ErrBadCredentials) {
			t.Errorf("old password after the reset: %v", err)
		}
		if _, err := s.Authenticate(ctx, "zoe@example.org", "a long new password – “Ⅱ”"); err != nil {
			t.Errorf("new password: %v", err)
		}
		for _, tok := range []string{t1, t2} {
			if _, err := s.TokenUser(ctx, tok); !errors.Is(err, tracker.ErrNotFound) {
				t.Errorf("a token survived the reset: %v", err)
			}
		}
		for _, sess := range []string{s1.Token, s2.Token} {
			if _, err := s.SessionByToken(ctx, sess); !errors.Is(err, tracker.ErrNotFound) {
				t.Errorf("a session survived the reset: %v", err)
			}
		}
		if _, err := s.TokenUser(ctx, ot); err != nil {
			t.Errorf("someone else's token was revoked: %v", err)
		}
		if _, err := s.SessionByToken(ctx, os1.Token); err != nil {
			t.Errorf("someone else's session ended: %v", err)
		}
		if live, _ := s.LiveCredentials(ctx, u.ID); live.Tokens != 0 || live.Sessions != 0 {
			t.Errorf("left live after the reset: %+v", live)
		}
		ev, err := s.History(ctx, store.EntityUser, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		last := ev[len(ev)-1]
		if last.Actor != "Ada Admin" || last.ActorID == nil || *last.ActorID != adminID || len(last.Changes) != 3 ||
			last.Changes[0].Field != "password" || last.Changes[0].New != "(reset by an administrator)" {
			t.Errorf("audit of the reset: %+v", last)
		}
	})
}

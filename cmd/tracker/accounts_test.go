package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestUserResetPassword: "tracker user reset-password" takes a password
// piped in (and does not print it) or makes one up and prints it once;
// either way the account's API tokens stop working and its sessions end,
// and the reset is in the history as the command's. Mistakes are
// explained, and change nothing.
func TestUserResetPassword(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.Open(t)
			if err := userCmd(ctx, []string{"add", "--db", db, "--email", "zoe@example.org", "--role", "viewer", "--name", "Zoë O’Brien"}, nil, io.Discard); err != nil {
				t.Fatal(err)
			}
			s := storetest.OpenMigrated(t, db)
			u, err := s.UserByEmail(ctx, "zoe@example.org")
			if err != nil {
				t.Fatal(err)
			}
			token, _, err := s.CreateToken(ctx, u.ID, "board pack")
			if err != nil {
				t.Fatal(err)
			}
			sess, err := s.CreateSession(ctx, u, "browser", "192.0.2.1")
			if err != nil {
				t.Fatal(err)
			}

			pipe := func(text string) *os.File {
				p := filepath.Join(t.TempDir(), "pw")
				if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
					t.Fatal(err)
				}
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { f.Close() })
				return f
			}
			var out bytes.Buffer
			if err := userCmd(ctx, []string{"reset-password", "--db", db, "--email", "Zoe@Example.org"}, pipe("Victims’ Code – “phase Ⅱ”\n"), &out); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != "Reset the password of zoe@example.org: signed out of 1 session, 1 API token revoked.\n" {
				t.Errorf("output = %q", got)
			}
			if _, err := s.Authenticate(ctx, "zoe@example.org", "Victims’ Code – “phase Ⅱ”"); err != nil {
				t.Errorf("the piped-in password: %v", err)
			}
			if _, err := s.TokenUser(ctx, token); !errors.Is(err, tracker.ErrNotFound) {
				t.Errorf("the token after the reset: %v, want not found", err)
			}
			if _, err := s.SessionByToken(ctx, sess.Token); !errors.Is(err, tracker.ErrNotFound) {
				t.Errorf("the session after the reset: %v, want not found", err)
			}
			ev, _ := s.History(ctx, store.EntityUser, u.ID)
			if last := ev[len(ev)-1]; last.Actor != "tracker user reset-password" || last.Channel != tracker.ChannelCommand {
				t.Errorf("the reset in the history: %+v", last)
			}

			// Nothing piped in: a password is made up and printed once.
			out.Reset()
			if err := userCmd(ctx, []string{"reset-password", "--db", db, "--email", "zoe@example.org"}, nil, &out); err != nil {
				t.Fatal(err)
			}
			m := regexp.MustCompile(`^Reset the password of zoe@example.org: signed out of 0 sessions, 0 API tokens revoked.\nPassword \(shown once\): (\S{20})\n$`).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("output = %q", out.String())
			}
			if _, err := s.Authenticate(ctx, "zoe@example.org", m[1]); err != nil {
				t.Errorf("the made-up password: %v", err)
			}

			for _, tc := range []struct {
				args []string
				in   *os.File
				want string
			}{
				{[]string{"reset-password", "--db", db, "--email", "ghost@example.org"}, nil, `no account for "ghost@example.org"`},
				{[]string{"reset-password", "--db", db}, nil, "say whose password to reset"},
				{[]string{"reset-password", "--db", db, "--email", "zoe@example.org"}, pipe("short\n"), "at least 12 characters"},
			} {
				err := userCmd(ctx, tc.args, tc.in, io.Discard)
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
				}
			}
			if _, err := s.Authenticate(ctx, "zoe@example.org", m[1]); err != nil {
				t.Errorf("a refused reset changed the password: %v", err)
			}
		})
	}
}

package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/mail/mailtest"
)

// TestRemindersSend: "tracker reminders send --dry-run" lists the digests
// due at the tracker's clock and sends nothing; without --dry-run it sends
// them over SMTP, one line per email, and a second run finds none due.
func TestRemindersSend(t *testing.T) {
	pit := mailtest.Start(t)
	t.Setenv("TRACKER_SMTP_URL", pit.URL())
	saved := clock
	t.Cleanup(func() { clock = saved })
	clock = tracker.FixedClock(time.Date(2030, time.June, 4, 9, 0, 0, 0, tracker.London))
	db := filepath.Join(t.TempDir(), "tracker.db")
	ctx := context.Background()
	s, err := openStore(ctx, db, true)
	if err != nil {
		t.Fatal(err)
	}
	org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "MOPAC"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, tracker.User{Email: "secretary@example.org", Role: tracker.RoleViewer}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.As(tracker.SystemUser()).SetMailPrefs(ctx, u.ID, tracker.MailPrefs{Digest: tracker.DigestDaily, DigestDays: 7}); err != nil {
		t.Fatal(err)
	}
	due := time.Date(2030, time.June, 1, 0, 0, 0, 0, time.UTC)
	if _, err := s.CreateAction(ctx, tracker.Action{OrganisationID: org.ID, Description: "Reply to the Oversight Board", OwnerUserID: &u.ID, DueDate: &due, Status: tracker.ActInProgress}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var out bytes.Buffer
	if err := run(ctx, []string{"reminders", "send", "--dry-run", "--db", db}, &out, log); err != nil {
		t.Fatal(err)
	}
	if want := "would send\tsecretary@example.org\tYour actions: 1 action overdue\n1 digests due.\n"; out.String() != want {
		t.Fatalf("dry run printed %q, want %q", out.String(), want)
	}
	if n := len(pit.Messages(t)); n != 0 {
		t.Fatalf("a dry run sent %d emails", n)
	}
	out.Reset()
	if err := run(ctx, []string{"reminders", "send", "--db", db}, &out, log); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "sent\tsecretary@example.org\tYour actions: 1 action overdue\n") {
		t.Fatalf("send printed %q", out.String())
	}
	if msgs := pit.Wait(t, 1, 10*time.Second); !strings.Contains(msgs[0].Text, "Reply to the Oversight Board") {
		t.Errorf("email text:\n%s", msgs[0].Text)
	}
	out.Reset()
	if err := run(ctx, []string{"reminders", "send", "--db", db}, &out, log); err != nil || out.String() != "0 digests due, 0 queued by this run.\n" {
		t.Fatalf("second run: %q %v", out.String(), err)
	}
}

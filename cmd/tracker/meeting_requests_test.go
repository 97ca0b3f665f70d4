package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/mail/mailtest"
)

// TestMeetingRequestUpdates: "tracker meeting request-updates" and
// "tracker meeting remind" list what they would send with --dry-run and
// send nothing; without it they send one email per owner over SMTP, one
// line per email; a reminder goes only to an owner with no update since;
// a past meeting is refused.
func TestMeetingRequestUpdates(t *testing.T) {
	pit := mailtest.Start(t)
	t.Setenv("TRACKER_SMTP_URL", pit.URL())
	saved := clock
	t.Cleanup(func() { clock = saved })
	clock = tracker.FixedClock(time.Date(2030, time.June, 4, 9, 0, 0, 0, tracker.London))
	db := filepath.Join(t.TempDir(), "tracker.db")
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "test", Channel: tracker.ChannelCommand})
	s, err := openStore(ctx, db, true)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Oversight Board"})
	mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service"})
	ref, err := s.As(tracker.SystemUser()).CreateReference(ctx, tracker.Reference{Number: "1", Title: "Victims’ Code", RequestedByID: body.ID, RespondingOrgID: mps.ID, Status: tracker.RefAwaiting}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var acts []tracker.Action
	for _, a := range []tracker.Action{
		{Description: "Reply to the Oversight Board", OwnerEmail: "jo@example.org"},
		{Description: "Brief the call centre", OwnerEmail: "sam@example.org"},
		{Description: "Nobody's action", Owner: "Head of Research"},
	} {
		a.OrganisationID, a.ReferenceID, a.Status = mps.ID, &ref.ID, tracker.ActInProgress
		got, err := s.As(tracker.SystemUser()).CreateAction(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		acts = append(acts, got)
	}
	m, err := s.As(tracker.SystemUser()).CreateMeeting(ctx, tracker.Meeting{BodyID: body.ID, Date: time.Date(2030, time.June, 20, 0, 0, 0, 0, time.UTC), PapersDeadline: time.Date(2030, time.June, 13, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	past, err := s.As(tracker.SystemUser()).CreateMeeting(ctx, tracker.Meeting{BodyID: body.ID, Date: time.Date(2030, time.June, 3, 0, 0, 0, 0, time.UTC), PapersDeadline: time.Date(2030, time.June, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.Close()

	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	id := strconv.FormatInt(m.ID, 10)
	runOut := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append(args, "--db", db), &out, log)
		return out.String(), err
	}
	subject := "Update requested for Oversight Board, 20 June 2030: 1 action"
	got, err := runOut("meeting", "request-updates", "--meeting", id, "--dry-run")
	want := "would send\tjo@example.org\t" + subject + "\nwould send\tsam@example.org\t" + subject +
		"\ncannot reach\tHead of Research\t1 action: link the owner to an account or an address\n2 emails would be sent.\n"
	if err != nil || got != want {
		t.Fatalf("dry run: %q %v, want %q", got, err, want)
	}
	if _, err := runOut("meeting", "remind", "--meeting", id, "--dry-run"); err == nil || !strings.Contains(err.Error(), "send them first") {
		t.Errorf("a reminder before any request: %v", err)
	}
	if n := len(pit.Messages(t)); n != 0 {
		t.Fatalf("a dry run sent %d emails", n)
	}
	got, err = runOut("meeting", "request-updates", "--meeting", id)
	if err != nil || !strings.Contains(got, "sent\tjo@example.org\t"+subject+"\n") || !strings.Contains(got, "sent\tsam@example.org\t"+subject+"\n") ||
		!strings.HasSuffix(got, "Oversight Board, 20 June 2030: 2 emails.\n") {
		t.Fatalf("request-updates printed %q, %v", got, err)
	}
	msgs := pit.Wait(t, 2, 10*time.Second)
	for _, msg := range msgs {
		if !strings.Contains(msg.Text, "/actions/") || !strings.Contains(msg.Text, "Post an update:") {
			t.Errorf("request without a link to post an update:\n%s", msg.Text)
		}
	}

	// Jo posts an update; only Sam is reminded.
	s, err = openStore(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUpdate(ctx, tracker.Update{ActionID: &acts[0].ID, Date: time.Date(2030, time.June, 4, 0, 0, 0, 0, time.UTC), Author: "Jo", Text: "Replied – “Ⅱ”"}); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	got, err = runOut("meeting", "remind", "--meeting", id, "--dry-run")
	if err != nil || got != "would send\tsam@example.org\tReminder: "+subject+"\n1 emails would be sent.\n" {
		t.Fatalf("remind dry run: %q %v", got, err)
	}
	got, err = runOut("meeting", "remind", "--meeting", id)
	if err != nil || !strings.HasPrefix(got, "sent\tsam@example.org\tReminder: "+subject+"\n") {
		t.Fatalf("remind printed %q, %v", got, err)
	}
	pit.Wait(t, 3, 10*time.Second)
	if _, err := runOut("meeting", "request-updates", "--meeting", strconv.FormatInt(past.ID, 10)); err == nil || !strings.Contains(err.Error(), "can no longer get update requests") {
		t.Errorf("requests for a past meeting: %v", err)
	}
}

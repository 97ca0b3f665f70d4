package jobs_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/jobs"
	"github.com/civic-tracker/tracker/tracker/mail"
	"github.com/civic-tracker/tracker/tracker/mail/mailtest"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// monday is 08:30 London time on a Monday in summer time: daily and weekly
// digests are both due. Fixed, so no test depends on the day it runs.
var monday = time.Date(2030, time.June, 3, 8, 30, 0, 0, tracker.London)

func each(t *testing.T, fn func(t *testing.T, dsn string)) {
	var wg sync.WaitGroup
	for _, b := range storetest.Backends() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(b.Name, func(t *testing.T) { fn(t, b.Migrated(t)) })
		}()
	}
	wg.Wait()
}

func open(t *testing.T, dsn string, now time.Time) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, store.WithClock(tracker.FixedClock(now)), store.WithPublicURL("https://tracker.example.org"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(context.Background(), s, dsn); err != nil {
		t.Fatal(err)
	}
	return s
}

func startQueue(t *testing.T, s *store.Store, dsn string, o jobs.Options) *jobs.Queue {
	t.Helper()
	o.Work, o.DigestEvery = true, -1
	q, err := jobs.Open(context.Background(), s, dsn, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(ctx)
	})
	return q
}

func sender(t *testing.T, url string) *mail.Sender {
	t.Helper()
	cfg, err := mail.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	return mail.NewSender(cfg)
}

// people makes Jo (daily digest, 7 days ahead) and Sam (weekly) with
// actions of their own, and Kim, who wants no digest.
func people(t *testing.T, s *store.Store) (jo, sam tracker.User) {
	t.Helper()
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "test", Channel: tracker.ChannelCommand})
	org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "City of London Police"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(email, name string, prefs tracker.MailPrefs) tracker.User {
		u, err := s.CreateUser(ctx, tracker.User{Email: email, Name: name, Role: tracker.RoleViewer}, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.As(tracker.SystemUser()).SetMailPrefs(ctx, u.ID, prefs); err != nil {
			t.Fatal(err)
		}
		return u
	}
	jo = mk("jo@example.org", "Jo Bloggs", tracker.MailPrefs{Digest: tracker.DigestDaily, DigestDays: 7})
	sam = mk("sam@example.org", "Sam Smith", tracker.MailPrefs{Digest: tracker.DigestWeekly, DigestDays: 14})
	kim := mk("kim@example.org", "Kim", tracker.MailPrefs{Digest: tracker.DigestOff, DigestDays: 14})
	today := time.Date(2030, time.June, 3, 0, 0, 0, 0, time.UTC)
	for _, a := range []struct {
		desc  string
		user  int64
		email string
		due   int
	}{
		{"Publish the Victims’ Code leaflet <in Welsh too>", jo.ID, "", -3},
		{"Brief the call centre", 0, "jo@example.org", 5},
		{"Review in the autumn", jo.ID, "", 30},
		{"Count the leaflets – £250", sam.ID, "", 10},
		{"Kim's action", kim.ID, "", -1},
	} {
		due := today.AddDate(0, 0, a.due)
		act := tracker.Action{OrganisationID: org.ID, Description: a.desc, Owner: "Detective Superintendent Crime", OwnerEmail: a.email, DueDate: &due, Status: tracker.ActInProgress}
		if a.user != 0 {
			id := a.user
			act.OwnerUserID = &id
		}
		if _, err := s.CreateAction(ctx, act); err != nil {
			t.Fatal(err)
		}
	}
	return jo, sam
}

// TestDigestsReachPeopleOnce: the digests due at the injected clock go out
// over SMTP, one email per person listing their actions overdue and due
// soon, with a plain-text and an HTML part and a one-click unsubscribe;
// two servers sharing the database and looking at the same moment send
// each digest once.
func TestDigestsReachPeopleOnce(t *testing.T) {
	each(t, func(t *testing.T, dsn string) {
		pit := mailtest.Start(t)
		ctx := context.Background()
		s1, s2 := open(t, dsn, monday), open(t, dsn, monday)
		people(t, s1)
		startQueue(t, s1, dsn, jobs.Options{Sender: sender(t, pit.URL())})
		startQueue(t, s2, dsn, jobs.Options{Sender: sender(t, pit.URL())})

		var wg sync.WaitGroup
		counts := make([]int, 2)
		for i, s := range []*store.Store{s1, s2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				due, err := s.DueDigests(ctx, s.Now())
				if err != nil {
					t.Error(err)
					return
				}
				queued, err := s.QueueDigests(ctx, due)
				if err != nil {
					t.Error(err)
				}
				counts[i] = len(queued)
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != 2 {
			t.Fatalf("queued %v digests, want 2 in all", counts)
		}
		msgs := pit.Wait(t, 2, 30*time.Second)
		time.Sleep(time.Second)
		if again := pit.Messages(t); len(again) != 2 {
			t.Fatalf("%d messages after a second, want 2", len(again))
		}
		byTo := map[string]mailtest.Message{}
		for _, m := range msgs {
			byTo[m.To[0].Address] = m
		}
		jo := byTo["jo@example.org"]
		if jo.Subject != "Your actions: 1 action overdue, 1 action due soon" {
			t.Errorf("Jo's subject %q", jo.Subject)
		}
		for _, want := range []string{"Publish the Victims’ Code leaflet <in Welsh too>", "3 days overdue", "Brief the call centre", "Due 8 June 2030", "https://tracker.example.org/unsubscribe/"} {
			if !strings.Contains(jo.Text, want) {
				t.Errorf("Jo's text lacks %q:\n%s", want, jo.Text)
			}
		}
		if strings.Contains(jo.Text, "Review in the autumn") || strings.Contains(jo.Text, "Count the leaflets") {
			t.Errorf("Jo's digest lists actions it should not:\n%s", jo.Text)
		}
		if !strings.Contains(jo.HTML, "Publish the Victims’ Code leaflet &lt;in Welsh too&gt;") {
			t.Errorf("Jo's HTML part:\n%s", jo.HTML)
		}
		h := pit.Headers(t, jo.ID)
		if u := h["List-Unsubscribe"]; len(u) != 1 || !strings.HasPrefix(u[0], "<https://tracker.example.org/unsubscribe/") || h["List-Unsubscribe-Post"][0] != "List-Unsubscribe=One-Click" {
			t.Errorf("unsubscribe headers %v %v", h["List-Unsubscribe"], h["List-Unsubscribe-Post"])
		}
		if sam := byTo["sam@example.org"]; !strings.Contains(sam.Text, "Count the leaflets – £250") || !strings.Contains(sam.Text, "weekly digest") {
			t.Errorf("Sam's digest:\n%s", sam.Text)
		}
		if due, err := s1.DueDigests(ctx, s1.Now()); err != nil || len(due) != 0 {
			t.Errorf("digests still due after sending: %v %v", due, err)
		}
		log, n, err := s1.Emails(ctx, tracker.Page{Number: 1, Size: 50})
		if err != nil || n != 2 {
			t.Fatalf("email log: %d %v", n, err)
		}
		waitFor(t, func() bool {
			log, _, _ = s1.Emails(ctx, tracker.Page{Number: 1, Size: 50})
			return log[0].Status == tracker.EmailSent && log[1].Status == tracker.EmailSent
		})
		// Unsubscribing by the link, without signing in, stops Jo's digest.
		var joLog tracker.Email
		for _, e := range log {
			if e.To == "jo@example.org" {
				joLog = e
			}
		}
		parts := strings.Split(strings.TrimPrefix(joLog.UnsubscribeURL, "https://tracker.example.org/unsubscribe/"), "/")
		if _, err := s1.Unsubscribe(ctx, parts[0], parts[1]); err != nil {
			t.Fatal(err)
		}
		later := open(t, dsn, monday.AddDate(0, 0, 1))
		if due, err := later.DueDigests(ctx, later.Now()); err != nil || len(due) != 0 {
			t.Errorf("Tuesday's digests after Jo unsubscribed and Sam's weekly one went: %+v %v", due, err)
		}
	})
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestUnreachableSMTPKeepsEmailsQueued: while the SMTP server is down an
// email stays queued, its failure in the log, and is retried; once the
// server answers it is delivered, once.
func TestUnreachableSMTPKeepsEmailsQueued(t *testing.T) {
	mailtest.Binary(t)
	each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		port := mailtest.FreePort(t)
		s := open(t, dsn, monday)
		people(t, s)
		startQueue(t, s, dsn, jobs.Options{Sender: sender(t, "smtp://127.0.0.1:"+itoa(port)+"?tls=none"), RetryDelay: func(int) time.Duration { return 300 * time.Millisecond }})
		due, err := s.DueDigests(ctx, s.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.QueueDigests(ctx, due[:1]); err != nil {
			t.Fatal(err)
		}
		var e tracker.Email
		waitFor(t, func() bool {
			log, _, _ := s.Emails(ctx, tracker.Page{Number: 1, Size: 50})
			e = log[0]
			return e.Attempts >= 2
		})
		if e.Status != tracker.EmailQueued || !strings.Contains(e.LastError, "127.0.0.1") {
			t.Fatalf("while down: %+v", e)
		}
		pit := mailtest.StartOn(t, port)
		pit.Wait(t, 1, 30*time.Second)
		waitFor(t, func() bool {
			got, _ := s.Email(ctx, e.ID)
			e = got
			return got.Status == tracker.EmailSent
		})
		if e.LastError != "" || e.SentAt == nil {
			t.Errorf("after delivery: %+v", e)
		}
	})
}

func itoa(n int) string { return strconv.Itoa(n) }

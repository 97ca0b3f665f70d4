package web_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/jobs"
	"github.com/civic-tracker/tracker/tracker/mail"
	"github.com/civic-tracker/tracker/tracker/mail/mailtest"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

var unsubscribeLink = regexp.MustCompile(`https?://[^\s<>"]+/unsubscribe/[0-9a-f]+/[a-z0-9-]+`)

// TestBrowserEmailJourney walks the email cycle in a real browser, with
// a real SMTP server (Mailpit) and the job queue sending: a board member
// chooses a weekly digest on their account page and follows Recommendation
// 4; the administrator changes its status on its page; the notice arrives,
// with a plain-text and an HTML part and a one-click unsubscribe; the
// board member opens the link from the email, signed out, and confirms.
func TestBrowserEmailJourney(t *testing.T) {
	ctx := browser(t)
	pit := mailtest.Start(t)
	dsn := storetest.SQLiteMigratedDSN(t)
	s := storetest.OpenMigrated(t, dsn)
	bg := context.Background()
	if err := jobs.Migrate(bg, s, dsn); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, s, 25)
	cfg, err := mail.ParseURL(pit.URL())
	if err != nil {
		t.Fatal(err)
	}
	q, err := jobs.Open(bg, s, dsn, jobs.Options{Sender: mail.NewSender(cfg), Work: true, DigestEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(bg); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		_ = q.Stop(stop)
	})
	base := e.ts.URL
	member := e.users[viewer]

	// The board member's email preferences, then Follow.
	var notice, followText string
	err = steps(ctx,
		signIn(base, viewer+"@example.org"),
		chromedp.Navigate(base+"/account"),
		chromedp.WaitVisible(`#digest-weekly`),
		chromedp.Click(`#digest-weekly`),
		chromedp.SetValue(`#digest_days`, "21"),
		chromedp.Click(`form[action="/account/email"] button[type="submit"]`),
		chromedp.WaitVisible(`.notice--success`),
		chromedp.Text(`.notice--success`, &notice),
		chromedp.Navigate(base+"/recommendations/4"),
		chromedp.WaitVisible(`#follow-button`),
		chromedp.Click(`#follow-button`),
		chromedp.WaitVisible(`.notice--success`),
		chromedp.Text(`#follow`, &followText),
		shot("email-following"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if notice != "Your email preferences have been saved." {
		t.Errorf("after saving preferences: %q", notice)
	}
	if p, err := s.MailPrefs(bg, member.ID); err != nil || p.Digest != tracker.DigestWeekly || p.DigestDays != 21 {
		t.Errorf("preferences %+v %v", p, err)
	}
	if !strings.Contains(followText, "You follow this recommendation.") {
		t.Errorf("the Follow form says %q", followText)
	}

	// The administrator changes the recommendation's status on its page.
	d, err := s.RecommendationDetail(bg, 4)
	if err != nil {
		t.Fatal(err)
	}
	next := tracker.RecInProgress
	if d.Recommendation.Status == next {
		next = tracker.RecImplemented
	}
	chair := browser(t)
	err = steps(chair,
		signIn(base, admin+"@example.org"),
		chromedp.Navigate(base+"/recommendations/4"),
		chromedp.Click(`details:has(form[action="/recommendations/4/status"]) > summary`, chromedp.NodeVisible),
		chromedp.SetValue(`#st-status`, next),
		chromedp.Click(`form[action="/recommendations/4/status"] button[type="submit"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.notice--success`),
	)
	if err != nil {
		t.Fatal(err)
	}

	// The notice, over SMTP.
	msgs := pit.Wait(t, 1, 60*time.Second)
	m := msgs[0]
	if len(m.To) != 1 || m.To[0].Address != viewer+"@example.org" || !strings.HasPrefix(m.Subject, "Changed: Recommendation 4 of ") {
		t.Fatalf("message %+v", m)
	}
	if !strings.Contains(m.Text, "Status: ") || !strings.Contains(m.Text, tracker.RecommendationStatusLabel(next)) || m.HTML == "" {
		t.Errorf("the notice's parts:\n%s\n%s", m.Text, m.HTML)
	}
	link := unsubscribeLink.FindString(m.Text)
	if !strings.HasPrefix(link, base+"/unsubscribe/") {
		t.Fatalf("no unsubscribe link to this tracker in:\n%s", m.Text)
	}
	if h := pit.Headers(t, m.ID); len(h["List-Unsubscribe"]) != 1 || h["List-Unsubscribe"][0] != "<"+link+">" {
		t.Errorf("List-Unsubscribe %v, want <%s>", h["List-Unsubscribe"], link)
	}

	// The link, opened in a browser that is not signed in.
	reader := browser(t)
	var asked, done string
	err = steps(reader,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`form[action^="/unsubscribe/"] button`),
		chromedp.Text(`main`, &asked),
		shot("email-unsubscribe"),
		chromedp.Click(`form[action^="/unsubscribe/"] button`),
		chromedp.WaitVisible(`//h1[text()="You have unsubscribed"]`),
		chromedp.Text(`main`, &done),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(asked, "This stops emails about Recommendation 4 of") {
		t.Errorf("the confirmation page says %q", asked)
	}
	if !strings.Contains(done, "You no longer follow this recommendation") {
		t.Errorf("after unsubscribing: %q", done)
	}
	if on, _ := s.Following(bg, member.ID, 4); on {
		t.Error("still following after unsubscribing in the browser")
	}
	log, _, err := s.Emails(bg, tracker.Page{Number: 1, Size: 10})
	if err != nil || len(log) != 1 {
		t.Fatalf("email log %v %v", log, err)
	}
	waitUntil(t, func() bool {
		cur, err := s.Email(bg, log[0].ID)
		return err == nil && cur.Status == tracker.EmailSent
	})
}

// waitUntil waits up to half a minute for ok.
func waitUntil(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
	}
}

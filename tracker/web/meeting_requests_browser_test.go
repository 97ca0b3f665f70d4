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
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// mailingEnv is the example tracker with a job queue that delivers its
// emails to a Mailpit of its own; links in them begin with the test
// server's address.
func mailingEnv(t *testing.T) (*env, *mailtest.Server) {
	t.Helper()
	mailtest.Binary(t)
	dsn := storetest.SQLiteMigratedDSN(t)
	s := storetest.OpenMigrated(t, dsn)
	e := newEnv(t, s, 25)
	store.WithPublicURL(e.ts.URL)(s)
	ctx := context.Background()
	if err := jobs.Migrate(ctx, s, dsn); err != nil {
		t.Fatal(err)
	}
	pit := mailtest.Start(t)
	cfg, err := mail.ParseURL(pit.URL())
	if err != nil {
		t.Fatal(err)
	}
	q, err := jobs.Open(ctx, s, dsn, jobs.Options{Sender: mail.NewSender(cfg), Work: true, DigestEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(stop)
	})
	return e, pit
}

var postLink = regexp.MustCompile(`http://127\.0\.0\.1:\d+/actions/\d+#post-update`)

// TestBrowserUpdateRequestCycle walks the meeting cycle of issue 12 in a
// real browser: the Sub-Committee's secretary adds a meeting and sends the
// update requests; the owner of an action on Outstanding Reference 13
// opens the link in the email Mailpit received, signs in and posts an
// update; the secretary sees them as updated, issues the schedule (which
// carries the update), records the meeting's decision to close the
// reference, and the closed item has left the next meeting's schedule.
func TestBrowserUpdateRequestCycle(t *testing.T) {
	secretaryTab := browser(t)
	e, pit := mailingEnv(t)
	base := e.ts.URL
	bg := tracker.WithActor(context.Background(), tracker.Actor{Name: "Setup", Channel: tracker.ChannelPage})
	prm, err := e.s.FindOrganisationByName(bg, "Performance and Resource Management Sub-Committee")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CreateUser(bg, tracker.User{Email: "prm-secretary@example.org", Name: "Sub-Committee Secretary", Role: tracker.RoleSecretary, Organisations: []int64{prm.ID}}, password); err != nil {
		t.Fatal(err)
	}
	ref13, err := e.s.FindReference(bg, "13", "Victim Satisfaction Action Plan")
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := e.s.ListActions(bg, tracker.ActionFilter{ReferenceID: ref13.ID, Page: tracker.AllRows})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if strings.HasPrefix(it.Action.Description, "Look at call handling") {
			a := it.Action
			owner := e.users[editorCoL].ID
			a.OwnerUserID = &owner
			if _, err := e.s.As(tracker.SystemUser()).UpdateActionDetails(bg, a); err != nil {
				t.Fatal(err)
			}
		}
	}

	var before, unreachable, meetingURL string
	err = steps(secretaryTab,
		signIn(base, "prm-secretary@example.org"),
		chromedp.Navigate(base+"/meetings/new"),
		chromedp.WaitVisible(`#body`),
		chromedp.SetValue(`#body`, idStr(prm.ID)),
		chromedp.SetValue(`#date`, storetest.ISO(0)),
		chromedp.SetValue(`#papers_deadline`, storetest.ISO(0)),
		chromedp.Click(`form[action="/meetings/new"] button[type="submit"]`),
		chromedp.WaitVisible(`#updates`),
		chromedp.Text(`#unreachable + ul`, &unreachable, chromedp.ByQuery),
		chromedp.Click(`#send-requests`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#update-status`),
		chromedp.Text(`#update-status`, &before, chromedp.ByQuery),
		chromedp.Location(&meetingURL),
		shot("update-requests-sent"),
	)
	if err != nil {
		t.Fatal(err)
	}
	meetingPath := strings.TrimPrefix(strings.Split(meetingURL, "#")[0], base)
	if problems, err := a11yCheck(secretaryTab, base, meetingPath); err != nil || len(problems) > 0 {
		t.Errorf("accessibility of the meeting page with its update requests: %v\n%s", err, strings.Join(problems, "\n"))
	}
	if !strings.Contains(unreachable, "Detective Superintendent Crime: cannot be reached — link the owner to an account or an address") {
		t.Errorf("owners who cannot be reached: %q", unreachable)
	}
	if !strings.Contains(before, "D/Supt Crime") || !strings.Contains(before, "Not yet") {
		t.Errorf("who has updated, before: %q", before)
	}

	msgs := pit.Wait(t, 1, 30*time.Second)
	if msgs[0].To[0].Address != "editor-colp@example.org" {
		t.Fatalf("the request went to %v", msgs[0].To)
	}
	link := postLink.FindString(msgs[0].Text)
	if !strings.HasPrefix(link, base+"/actions/") {
		t.Fatalf("no link to post an update in the email:\n%s", msgs[0].Text)
	}

	ownerTab := browser(t)
	const update = "Call handling reviewed with the control room – “Ⅱ” <done>"
	var posted string
	err = steps(ownerTab,
		chromedp.Navigate(link),
		chromedp.WaitVisible(`#email`),
		chromedp.SetValue(`#email`, "editor-colp@example.org"),
		chromedp.SetValue(`#password`, password),
		chromedp.Click(`form[action="/login"] button[type="submit"]`),
		chromedp.WaitVisible(`#post-update`),
		chromedp.SetValue(`#text`, update),
		chromedp.Click(`form[action$="/updates"] button[type="submit"]`),
		chromedp.WaitVisible(`main [role="status"]`),
		chromedp.Text(`main [role="status"]`, &posted, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(posted, "Your progress update has been posted") {
		t.Errorf("after posting: %q", posted)
	}

	var after, papers, decided, next string
	err = steps(secretaryTab,
		chromedp.Reload(),
		chromedp.WaitVisible(`#update-status`),
		chromedp.Text(`#update-status`, &after, chromedp.ByQuery),
		shot("update-requests-updated"),
		chromedp.Click(`//a[normalize-space()="Change the meeting"]`, chromedp.BySearch, chromedp.NodeVisible),
		chromedp.WaitVisible(`#status`),
		chromedp.SetValue(`#status`, tracker.MeetingPapersIssued),
		chromedp.Click(`form[action$="/edit"] button[type="submit"]`),
		chromedp.WaitVisible(`#schedule`),
		chromedp.Text(`#ref-`+idStr(ref13.ID), &papers, chromedp.ByQuery),
		chromedp.SetValue(`#outcome-`+idStr(ref13.ID), tracker.DecisionClosed),
		chromedp.Click(`#ref-`+idStr(ref13.ID)+` form button[type="submit"]`),
		chromedp.WaitVisible(`main [role="status"]`),
		chromedp.Text(`#ref-`+idStr(ref13.ID)+` .decision`, &decided, chromedp.ByQuery),
		chromedp.Navigate(base+"/meetings/new"),
		chromedp.WaitVisible(`#body`),
		chromedp.SetValue(`#body`, idStr(prm.ID)),
		chromedp.SetValue(`#date`, storetest.ISO(30)),
		chromedp.SetValue(`#papers_deadline`, storetest.ISO(20)),
		chromedp.Click(`form[action="/meetings/new"] button[type="submit"]`),
		chromedp.WaitVisible(`#schedule`),
		chromedp.Text(`main`, &next, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(after, "Updated") || strings.Contains(after, "Not yet") || !strings.Contains(after, "1 of 1") {
		t.Errorf("who has updated, after: %q", after)
	}
	if !strings.Contains(papers, update) {
		t.Errorf("the issued schedule lacks the owner's update: %.1200s", papers)
	}
	if decided != "Agreed closed" {
		t.Errorf("decision: %q", decided)
	}
	if strings.Contains(next, "Victim Satisfaction Action Plan") || !strings.Contains(next, "Schedule of outstanding references") {
		t.Errorf("the next meeting's schedule still lists the closed item: %.800s", next)
	}
}

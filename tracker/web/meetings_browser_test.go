package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestBrowserMeetingCycle: the Sub-Committee's secretary adds a meeting,
// sees Outstanding Reference 13 on its schedule, issues the papers, records
// the meeting's decisions (one item agreed closed; a new date on another
// that someone changed meanwhile gets the conflict page with both versions,
// then is saved), and the closed item has left the next meeting's schedule.
func TestBrowserMeetingCycle(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.SQLite(t), 25)
	base := e.ts.URL
	bg := tracker.WithActor(context.Background(), tracker.Actor{Name: "Setup", Channel: tracker.ChannelPage})
	prm, err := e.s.FindOrganisationByName(bg, "Performance and Resource Management Sub-Committee")
	if err != nil {
		t.Fatal(err)
	}
	colp := e.orgs["City of London Police"]
	if _, err := e.s.CreateUser(bg, tracker.User{Email: "prm-secretary@example.org", Name: "Sub-Committee Secretary", Role: tracker.RoleSecretary, Organisations: []int64{prm.ID}}, password); err != nil {
		t.Fatal(err)
	}
	// Raised before the papers deadline of the meeting added below: its
	// schedule is the tracker as it stood at the end of that day.
	other, err := e.s.As(tracker.SystemUser()).CreateReference(bg, tracker.Reference{Number: "14", Title: "Victims’ Code <follow-up> – “Ⅱ”",
		RequestedByID: prm.ID, RespondingOrgID: colp.ID, Status: tracker.RefAwaiting, DateRaised: ptrDay(storetest.Day(-30))}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ref13, err := e.s.FindReference(bg, "13", "Victim Satisfaction Action Plan")
	if err != nil {
		t.Fatal(err)
	}
	addMeeting := func(date, papers string) chromedp.Tasks {
		return chromedp.Tasks{
			chromedp.Navigate(base + "/meetings"),
			chromedp.Click(`a[href="/meetings/new"]`, chromedp.NodeVisible),
			chromedp.WaitVisible(`#body`),
			chromedp.SetValue(`#body`, idStr(prm.ID)),
			chromedp.SetValue(`#date`, date),
			chromedp.SetValue(`#papers_deadline`, papers),
			chromedp.Click(`form[action="/meetings/new"] button[type="submit"]`),
			chromedp.WaitVisible(`#schedule`),
		}
	}
	var schedule, status, issued, decided string
	err = steps(ctx,
		signIn(base, "prm-secretary@example.org"),
		addMeeting(storetest.ISO(-7), storetest.ISO(-14)),
		chromedp.Text(`main`, &schedule, chromedp.ByQuery),
		chromedp.Click(`//a[normalize-space()="Change the meeting"]`, chromedp.BySearch, chromedp.NodeVisible),
		chromedp.WaitVisible(`#status`),
		chromedp.SetValue(`#status`, tracker.MeetingPapersIssued),
		chromedp.Click(`form[action$="/edit"] button[type="submit"]`),
		chromedp.WaitVisible(`#schedule`),
		chromedp.Text(`main [role="status"]`, &status, chromedp.ByQuery),
		chromedp.Text(`main`, &issued, chromedp.ByQuery),
		chromedp.SetValue(`#outcome-`+idStr(ref13.ID), tracker.DecisionClosed),
		chromedp.Click(`#ref-`+idStr(ref13.ID)+` form button[type="submit"]`),
		chromedp.WaitVisible(`main [role="status"]`),
		chromedp.Text(`#ref-`+idStr(ref13.ID)+` .decision`, &decided, chromedp.ByQuery),
		shot("meeting-decided"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(schedule, "Outstanding Reference: 13 – Victim Satisfaction Action Plan") || !strings.Contains(schedule, "Victims’ Code <follow-up> – “Ⅱ”") || !strings.Contains(schedule, "Not yet issued: the references as they stood at the papers deadline, "+tracker.FormatDate(storetest.Day(-14))) {
		t.Errorf("the new meeting's schedule: %.800s", schedule)
	}
	wantIssued := "Issued: the references as they stood at the papers deadline, " + tracker.FormatDate(storetest.Day(-14)) + " (recorded " + tracker.FormatDate(storetest.Today()) + ")"
	if !strings.Contains(issued, wantIssued) {
		t.Errorf("the issued schedule does not say %q: %.800s", wantIssued, issued)
	}
	if !strings.Contains(status, "saved") || decided != "Agreed closed" {
		t.Errorf("after issuing and deciding: %q, decision %q", status, decided)
	}

	// Someone changes reference 14 while the page is open.
	d, err := e.s.ReferenceDetail(bg, other.ID)
	if err != nil {
		t.Fatal(err)
	}
	changed := d.Reference
	changed.DueDate = ptrDay(storetest.Day(40))
	if _, err := e.s.As(tracker.SystemUser()).UpdateReference(bg, changed, nil, ""); err != nil {
		t.Fatal(err)
	}
	var conflict, theirs, after, next string
	form := `#ref-` + idStr(other.ID) + ` form`
	err = steps(ctx,
		chromedp.SetValue(`#outcome-`+idStr(other.ID), tracker.DecisionNewDate),
		chromedp.SetValue(`#new_date-`+idStr(other.ID), storetest.ISO(90)),
		chromedp.SetValue(`#reason-`+idStr(other.ID), "Awaiting the survey – “Q3”"),
		chromedp.Click(form+` button[type="submit"]`),
		chromedp.WaitVisible(`#conflict-title`),
		chromedp.Text(`#conflict-title`, &conflict, chromedp.ByQuery),
		chromedp.Text(`#new_date-theirs`, &theirs, chromedp.ByQuery),
		chromedp.Click(`main form[action*="/decisions/"] button[type="submit"]`),
		chromedp.WaitVisible(`main [role="status"]`),
		chromedp.Text(`#ref-`+idStr(other.ID)+` .decision`, &after, chromedp.ByQuery),
		addMeeting(storetest.ISO(30), storetest.ISO(20)),
		chromedp.Text(`main`, &next, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(conflict, "Someone else changed this") || !strings.Contains(theirs, storetest.ISO(40)) {
		t.Errorf("conflict page: %q, theirs %q", conflict, theirs)
	}
	if !strings.Contains(after, "New date") {
		t.Errorf("decision after the conflict: %q", after)
	}
	if strings.Contains(next, "Victim Satisfaction Action Plan") || !strings.Contains(next, "Victims’ Code <follow-up>") || !strings.Contains(next, tracker.FormatDate(storetest.Day(90))) {
		t.Errorf("the next meeting's schedule: %.800s", next)
	}
}

func ptrDay(t time.Time) *time.Time { return &t }

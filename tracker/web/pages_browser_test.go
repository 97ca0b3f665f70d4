package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestBrowserChairsWeek: the CoLP chair finds "My actions" in the header
// with its count, opens one from the list straight onto the action's page,
// posts an update and is told it was posted (once); from the overview's
// "Not assigned" row reaches the log of actions nobody owns; and on a phone
// reads the log as cards, every column's value under its name.
func TestBrowserChairsWeek(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.SQLite(t), 25)
	base := e.ts.URL
	bg := tracker.WithActor(context.Background(), tracker.Actor{Name: "Secretary", Channel: tracker.ChannelPage})
	colp := e.orgs["City of London Police"]
	// One action owned by the chair's name as someone typed it, one by
	// nobody.
	mine, err := e.s.CreateAction(bg, tracker.Action{OrganisationID: colp.ID, Description: "Check the Victims’ Code leaflets – “all wards”",
		Owner: "d/supt crime", Status: tracker.ActInProgress})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.CreateAction(bg, tracker.Action{OrganisationID: colp.ID, Description: "Find an owner for the £250 budget line", Status: tracker.ActNotStarted}); err != nil {
		t.Fatal(err)
	}
	chair := e.users[editorCoL]
	wantMine, err := e.s.CountActions(bg, tracker.ActionFilter{OwnedBy: []string{chair.Name, chair.Email}, Open: true, Today: storetest.Today()})
	if err != nil {
		t.Fatal(err)
	}
	unowned, err := e.s.CountActions(bg, tracker.ActionFilter{NoOwner: true, Open: true, Today: storetest.Today()})
	if err != nil {
		t.Fatal(err)
	}

	var count, h1, lead, url string
	var rows int
	err = steps(ctx,
		signIn(base, editorCoL+"@example.org"),
		chromedp.Text(`#my-actions-count`, &count, chromedp.ByQuery),
		chromedp.Click(`nav[aria-label="Main"] a[href^="/actions?mine=true"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`//h1[normalize-space()="My actions"]`, chromedp.BySearch),
		chromedp.Text(`main .lead`, &lead, chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelectorAll("table.table--log tbody tr").length`, &rows),
		shot("my-actions"),
		chromedp.Click(`//table//a[contains(., "Check the Victims’ Code leaflets")]`, chromedp.BySearch, chromedp.NodeVisible),
		chromedp.WaitVisible(`#text`),
		chromedp.Location(&url),
		chromedp.Text(`h1`, &h1, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(strings.Fields(count), " ") != strconv.FormatInt(wantMine, 10)+" open" || wantMine < 1 {
		t.Errorf("the header counts %q of my actions, want %d open", count, wantMine)
	}
	if int64(rows) != wantMine || !strings.Contains(lead, "“D/Supt Crime”") || !strings.Contains(lead, "“"+chair.Email+"”") {
		t.Errorf("My actions: %d rows (want %d), lead %q", rows, wantMine, lead)
	}
	if !strings.HasSuffix(url, "/actions/"+strconv.FormatInt(mine.ID, 10)) || !strings.Contains(h1, "Victims’ Code leaflets") {
		t.Errorf("the description opened %s (%q), want the action's page", url, h1)
	}

	// A save is confirmed, once.
	var status string
	var again int
	err = steps(ctx,
		chromedp.SendKeys(`#text`, "Leaflets checked on every ward."),
		chromedp.Click(`form[action$="/updates"] button[type="submit"]`),
		chromedp.WaitVisible(`//ol[contains(@class,"timeline")]//p[contains(., "Leaflets checked")]`, chromedp.BySearch),
		chromedp.Text(`main [role="status"]`, &status, chromedp.ByQuery),
		shot("saved"),
		chromedp.Reload(),
		chromedp.WaitVisible(`#text`),
		chromedp.Evaluate(`document.querySelectorAll('main [role="status"]').length`, &again),
	)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(status) != "Your progress update has been posted." || again != 0 {
		t.Errorf("confirmation %q, and %d after a reload", status, again)
	}

	// The overview's "Not assigned" row leads to the log of unowned actions.
	var selected string
	err = steps(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#by-owner`),
		chromedp.Click(`//table//th//a[normalize-space()="Not assigned"]`, chromedp.BySearch, chromedp.NodeVisible),
		chromedp.WaitVisible(`//h1[normalize-space()="Action log"]`, chromedp.BySearch),
		chromedp.Location(&url),
		chromedp.Evaluate(`document.querySelectorAll("table.table--log tbody tr").length`, &rows),
		chromedp.Evaluate(`document.querySelector("#f-owner").selectedOptions[0].textContent`, &selected),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "owner=none") || int64(rows) != unowned || unowned < 1 || selected != "Not assigned" {
		t.Errorf("Not assigned: %s, %d rows (want %d), owner filter shows %q", url, rows, unowned, selected)
	}

	// On a phone the log is a list of cards: every cell shows, under its
	// column's name, inside the screen.
	var cells []string
	var overflow bool
	err = steps(ctx,
		chromedp.EmulateViewport(375, 800),
		chromedp.Navigate(base+"/actions"),
		chromedp.Poll(`document.location.pathname === "/actions" && document.querySelector("table.table--log") !== null`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(`[...document.querySelectorAll("table.table--log tbody tr:first-child td")].map(td => {
			const r = td.getBoundingClientRect();
			const label = getComputedStyle(td, "::before").content;
			return (r.width > 0 && r.right <= window.innerWidth ? "shown" : "hidden") + " " + label;
		})`, &cells),
		chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow),
		shot("phone-log-cards"),
	)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"shown none", `shown "Owner"`, `shown "Due"`, `shown "Status and RAG"`, `shown "Latest update"`}
	if strings.Join(cells, "|") != strings.Join(want, "|") || overflow {
		t.Errorf("phone log: cells %q (want %q), scrolls sideways %v", cells, want, overflow)
	}
}

// TestBrowserReplyIntroKept: the secretary edits the introduction of the
// formal reply; what was typed is what is saved, and the form shows it
// again with the confirmation. The box is the one control.
func TestBrowserReplyIntroKept(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.SQLite(t), 25)
	base := e.ts.URL
	const added = "\n\nWe add a note for the Sub-Committee – “£0” spent."
	var before, after, status string
	var checkboxes int
	err := steps(ctx,
		signIn(base, "secretary-colp@example.org"),
		chromedp.Navigate(base+"/references/1/reply"),
		chromedp.WaitVisible(`#intro`),
		chromedp.Value(`#intro`, &before),
		chromedp.Evaluate(`document.querySelectorAll("input[type=checkbox][name=use_reply]").length`, &checkboxes),
		chromedp.SendKeys(`#intro`, added),
		chromedp.Click(`form[action="/references/1/reply"] button[type="submit"]`),
		chromedp.WaitVisible(`main [role="status"]`),
		chromedp.Text(`main [role="status"]`, &status, chromedp.ByQuery),
		chromedp.Value(`#intro`, &after),
	)
	if err != nil {
		t.Fatal(err)
	}
	if checkboxes != 0 {
		t.Error("the form still offers a box that discards the introduction")
	}
	norm := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	// The keys went in where the cursor was, at the start of the box.
	if norm(after) != norm(added+before) || !strings.Contains(status, "saved") {
		t.Errorf("after saving: %q (%q)", after, status)
	}
	d, err := e.s.ReferenceDetail(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if d.Reference.ReportIntro == nil || norm(*d.Reference.ReportIntro) != norm(after) {
		t.Errorf("stored introduction: %v", d.Reference.ReportIntro)
	}
}

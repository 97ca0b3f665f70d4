package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// requestsEnv is the example tracker with the Sub-Committee's secretary,
// one action of Outstanding Reference 13 owned by the City of London
// Police editor's account (the others by nobody reachable), and a
// meeting of the Sub-Committee today.
func requestsEnv(t *testing.T) (*env, tracker.Meeting, tracker.Action) {
	t.Helper()
	e := newEnv(t, storetest.SQLite(t), 25)
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Setup", Channel: tracker.ChannelPage})
	prm, err := e.s.FindOrganisationByName(ctx, "Performance and Resource Management Sub-Committee")
	if err != nil {
		t.Fatal(err)
	}
	sec, err := e.s.CreateUser(ctx, tracker.User{Email: "prm-secretary@example.org", Name: "Sub-Committee Secretary", Role: tracker.RoleSecretary, Organisations: []int64{prm.ID}}, password)
	if err != nil {
		t.Fatal(err)
	}
	ref13, err := e.s.FindReference(ctx, "13", "Victim Satisfaction Action Plan")
	if err != nil {
		t.Fatal(err)
	}
	items, _, err := e.s.ListActions(ctx, tracker.ActionFilter{ReferenceID: ref13.ID, Page: tracker.AllRows})
	if err != nil || len(items) != 4 {
		t.Fatalf("reference 13's actions: %d %v", len(items), err)
	}
	owned := items[0].Action
	for _, it := range items {
		if it.Action.Description == "Look at call handling (an action on the working group's log)" {
			owned = it.Action
		}
	}
	owner := e.users[editorCoL].ID
	owned.OwnerUserID = &owner
	if owned, err = e.s.As(tracker.SystemUser()).UpdateActionDetails(ctx, owned); err != nil {
		t.Fatal(err)
	}
	m, err := e.s.As(&sec).CreateMeeting(ctx, tracker.Meeting{BodyID: prm.ID, Date: storetest.Day(0), PapersDeadline: storetest.Day(0)})
	if err != nil {
		t.Fatal(err)
	}
	return e, m, owned
}

// TestMeetingUpdateRequestsPage: the secretary sees who would be asked and
// who cannot be reached, sends the requests (one email queued per owner),
// cannot send the same round twice (the page again, with the message in
// the error summary and at the button), sees the owner as updated once
// they post an update, and has no one left to remind; a past meeting
// refuses requests with a clear message; a viewer cannot send them.
func TestMeetingUpdateRequestsPage(t *testing.T) {
	e, m, owned := requestsEnv(t)
	path := "/meetings/" + strconv.FormatInt(m.ID, 10)
	sec := e.login("prm-secretary")
	page := text(sec.get(path, http.StatusOK))
	mustContain(t, page, "the meeting page before requests", "Updates from owners", "1 owner will get an email", "D/Supt Crime (editor-colp@example.org) : 1 action",
		"Detective Superintendent Crime: cannot be reached — link the owner to an account or an address", "Training for supervisors", "No owner named: cannot be reached")

	e.login(viewer).post(path+"/update-requests", url.Values{"round": {"1"}}, http.StatusForbidden)
	sec.post(path+"/update-requests", url.Values{"round": {"1"}}, http.StatusSeeOther)
	emails, n, err := e.s.Emails(context.Background(), tracker.Page{Number: 1, Size: 10})
	if err != nil || n != 1 || emails[0].To != "editor-colp@example.org" || emails[0].Kind != tracker.EmailUpdateRequest {
		t.Fatalf("emails queued: %d %+v %v", n, emails, err)
	}
	page = text(sec.get(path, http.StatusOK))
	mustContain(t, page, "after sending", "The update requests have been sent", "D/Supt Crime editor-colp@example.org", "by Sub-Committee Secretary", "0 of 1", "Not yet",
		"1 owner has not updated", "Send a reminder to those who have not updated", "Send the requests again")

	again := sec.post(path+"/update-requests", url.Values{"round": {"1"}}, http.StatusUnprocessableEntity)
	mustContain(t, text(again), "the same round again", "There is a problem", "These update requests were sent already (round 1)")
	mustContain(t, again, "the error summary's link", `href="#send-requests"`, `id="send-requests-error"`, `aria-describedby="send-requests-error"`)

	ed := e.login(editorCoL)
	actionPage := ed.get("/actions/"+strconv.FormatInt(owned.ID, 10), http.StatusOK)
	mustContain(t, actionPage, "the emailed link's page", `id="post-update"`)
	ed.post("/actions/"+strconv.FormatInt(owned.ID, 10)+"/updates", url.Values{"version": {strconv.Itoa(owned.Version)}, "date": {storetest.ISO(0)},
		"text": {"Call handling reviewed – “Ⅱ” <done>"}, "status": {""}, "rag": {"keep"}}, http.StatusSeeOther)
	page = text(sec.get(path, http.StatusOK))
	mustContain(t, page, "after the owner updated", "1 of 1", "Updated", "Everyone asked has updated.")
	refused := text(sec.post(path+"/reminders", nil, http.StatusUnprocessableEntity))
	mustContain(t, refused, "a reminder with no one to remind", "There is a problem", "Everyone asked has posted an update since: there is no one to remind")

	past, err := e.s.As(tracker.SystemUser()).CreateMeeting(context.Background(), tracker.Meeting{BodyID: m.BodyID, Date: storetest.Day(-1), PapersDeadline: storetest.Day(-3)})
	if err != nil {
		t.Fatal(err)
	}
	pastPath := "/meetings/" + strconv.FormatInt(past.ID, 10)
	page = sec.get(pastPath, http.StatusOK)
	if mustContain(t, text(page), "a past meeting", "so it can no longer get update requests or reminders"); strings.Contains(page, `action="`+pastPath+`/update-requests"`) {
		t.Error("a past meeting offers to send update requests")
	}
	refused = text(sec.post(pastPath+"/update-requests", url.Values{"round": {"1"}}, http.StatusUnprocessableEntity))
	mustContain(t, refused, "requests for a past meeting", "There is a problem", "This meeting was on "+tracker.FormatDate(storetest.Day(-1))+", so it can no longer get update requests")
	if _, n, _ := e.s.Emails(context.Background(), tracker.Page{Number: 1, Size: 10}); n != 1 {
		t.Errorf("%d emails queued in all, want 1", n)
	}
	h, _ := e.s.History(context.Background(), store.EntityMeeting, m.ID)
	if len(h) < 2 {
		t.Errorf("the meeting's history has %d events; the send is not in it", len(h))
	}
}

// TestAPIUpdateRequests: the API shows who would be asked and who cannot
// be reached, sends the requests once per round (the same round again is a
// 422 at round), shows who has updated, and sends reminders only while
// someone has not; a viewer may do none of it.
func TestAPIUpdateRequests(t *testing.T) {
	e, m, owned := requestsEnv(t)
	path := "/meetings/" + strconv.FormatInt(m.ID, 10)
	sec := &apiClient{e: e, token: tokenFor(t, e, "prm-secretary@example.org")}
	e.api(viewer).call("GET", path+"/update-requests", "", http.StatusForbidden)
	r := sec.call("GET", path+"/update-requests", "", http.StatusOK)
	exact(t, "plan", r, `"next_round":1`, `"closed":""`, `"email":"editor-colp@example.org"`, `"owner":"Detective Superintendent Crime"`, `"rounds":0`)
	e.api(viewer).call("POST", path+"/update-requests", `{"round":1}`, http.StatusForbidden)
	r = sec.call("POST", path+"/update-requests", `{"round":1}`, http.StatusCreated)
	exact(t, "sent", r, `"round":1`, `"to":"editor-colp@example.org"`)
	r = sec.call("POST", path+"/update-requests", `{"round":1}`, http.StatusUnprocessableEntity)
	fieldErrors(t, "the same round again", r, "round")
	r = sec.call("GET", path+"/update-requests", "", http.StatusOK)
	exact(t, "after sending", r, `"next_round":2`, `"rounds":1`, `"updated":false`)
	r = sec.call("POST", path+"/reminders", `{}`, http.StatusCreated)
	exact(t, "reminded", r, `"to":"editor-colp@example.org"`)
	ed := e.login(editorCoL)
	ed.post("/actions/"+strconv.FormatInt(owned.ID, 10)+"/updates", url.Values{"version": {strconv.Itoa(owned.Version)}, "date": {storetest.ISO(0)},
		"text": {"Done – “Ⅱ”"}, "status": {""}, "rag": {"keep"}}, http.StatusSeeOther)
	r = sec.call("GET", path+"/update-requests", "", http.StatusOK)
	exact(t, "after the update", r, `"updated":true`, `"updated_at":"`)
	r = sec.call("POST", path+"/reminders", `{}`, http.StatusUnprocessableEntity)
	fieldErrors(t, "no one to remind", r, "meeting")
}

func tokenFor(t *testing.T, e *env, email string) string {
	t.Helper()
	u, err := e.s.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := e.s.CreateToken(context.Background(), u.ID, "test")
	if err != nil {
		t.Fatal(err)
	}
	return plain
}

// TestUpdateRequestsCanBeStopped: an update request carries a one-click
// link (in its text, its HTML and its List-Unsubscribe header) that stops
// further requests without signing in; the page asks first, the POST stops
// them, the meeting page then lists the owner as having stopped them, and
// the next round has no one to ask. An unknown link is a 404.
func TestUpdateRequestsCanBeStopped(t *testing.T) {
	e, m, _ := requestsEnv(t)
	path := "/meetings/" + strconv.FormatInt(m.ID, 10)
	sec := e.login("prm-secretary")
	sec.post(path+"/update-requests", url.Values{"round": {"1"}}, http.StatusSeeOther)
	ctx := context.Background()
	log, n, err := e.s.Emails(ctx, tracker.Page{Number: 1, Size: 10})
	if err != nil || n != 1 {
		t.Fatalf("emails: %d %v", n, err)
	}
	email, err := e.s.Email(ctx, log[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(email.UnsubscribeURL, "/unsubscribe/")
	if i < 0 || !strings.HasSuffix(email.UnsubscribeURL, "/"+store.ListRequests) || !strings.Contains(email.Text, "Stop these requests for updates: "+email.UnsubscribeURL) ||
		!strings.Contains(email.HTML, `href="`+email.UnsubscribeURL+`"`) {
		t.Fatalf("the request's unsubscribe link: %q\n%s", email.UnsubscribeURL, email.Text)
	}
	link := email.UnsubscribeURL[i:]
	anon := e.anonymous()
	mustContain(t, text(anon.get(link, http.StatusOK)), "the page that asks", "Stop these emails?", "requests for updates before meetings")
	mustContain(t, text(anon.do("POST", link, url.Values{"List-Unsubscribe": {"One-Click"}}, http.StatusOK)), "one click", "You will get no more requests for updates before meetings")
	anon.get(strings.Replace(link, "/unsubscribe/", "/unsubscribe/x", 1), http.StatusNotFound)

	mustContain(t, text(sec.get(path, http.StatusOK)), "the meeting page after", "D/Supt Crime: has stopped update requests with the link in one")
	page := text(sec.post(path+"/update-requests", url.Values{"round": {"2"}}, http.StatusUnprocessableEntity))
	mustContain(t, page, "round 2", "No owner of an open action on the schedule can be reached")
}

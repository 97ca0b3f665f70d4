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

// TestAccountEmailPreferences: a person chooses a weekly digest and how
// far ahead it looks on their account page; it is saved through the
// command and confirmed; what cannot be read, or breaks the rule, is shown
// at its field with what they typed kept, and nothing is saved.
func TestAccountEmailPreferences(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		c := e.login(viewer)
		ctx := context.Background()
		page := c.get("/account", http.StatusOK)
		mustContain(t, page, "account page", `<legend>Digest of your actions</legend>`, `id="digest" name="digest" value="off" checked`,
			`<label for="digest_days">List actions due within this many days</label>`, `value="14"`)

		c.post("/account/email", url.Values{"digest": {"weekly"}, "digest_days": {"30"}}, http.StatusSeeOther)
		page = c.get("/account", http.StatusOK)
		mustContain(t, page, "after saving", "Your email preferences have been saved.", `id="digest-weekly" name="digest" value="weekly" checked`, `value="30"`)
		if p, err := s.MailPrefs(ctx, e.users[viewer].ID); err != nil || p.Digest != tracker.DigestWeekly || p.DigestDays != 30 {
			t.Fatalf("stored preferences %+v %v", p, err)
		}

		for _, bad := range []struct {
			form        url.Values
			field, want string
		}{
			{url.Values{"digest": {"daily"}, "digest_days": {"two weeks"}}, "digest_days", "Enter a number of days from 1 to 90, like 14"},
			{url.Values{"digest": {"daily"}, "digest_days": {"0"}}, "digest_days", "Enter a number of days from 1 to 90"},
			{url.Values{"digest": {"hourly"}, "digest_days": {"7"}}, "digest", "Choose how often to get a digest"},
		} {
			page := c.post("/account/email", bad.form, http.StatusUnprocessableEntity)
			mustContain(t, page, "bad "+bad.field, "There is a problem", `<a href="#`+bad.field+`">`+bad.want, `id="`+bad.field+`-error"`)
			if bad.field == "digest_days" {
				mustContain(t, page, "typed value kept", `value="`+bad.form.Get("digest_days")+`"`, `aria-invalid="true"`)
			}
		}
		if p, _ := s.MailPrefs(ctx, e.users[viewer].ID); p.Digest != tracker.DigestWeekly || p.DigestDays != 30 {
			t.Errorf("a refused form changed the preferences: %+v", p)
		}
		// Without the session's CSRF token nothing is saved.
		if got := c.status("POST", "/account/email", url.Values{"digest": {"off"}, "digest_days": {"14"}}); got != http.StatusForbidden {
			t.Errorf("no CSRF token: %d", got)
		}
	})
}

// emailsTo are the emails of the log to one address, newest first.
func emailsTo(t *testing.T, s *store.Store, to string) []tracker.Email {
	t.Helper()
	log, _, err := s.Emails(context.Background(), tracker.Page{Number: 1, Size: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []tracker.Email
	for _, m := range log {
		if m.To == to {
			full, err := s.Email(context.Background(), m.ID)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, full)
		}
	}
	return out
}

// changeAssessment changes Recommendation 4's assessment as the administrator
// does on its page.
func changeAssessment(t *testing.T, e *env, c *client, to string) {
	t.Helper()
	d, err := e.s.RecommendationDetail(context.Background(), 4)
	if err != nil {
		t.Fatal(err)
	}
	c.post("/recommendations/4/status", url.Values{"version": {strconv.Itoa(d.Recommendation.Version)}, "status": {d.Recommendation.Status}, "assessment": {to}}, http.StatusSeeOther)
}

// TestFollowRecommendation: the Follow button on a recommendation's page
// shows the person's state and changes it; a follower is emailed when
// someone else changes the recommendation, and stops being after Stop
// following.
func TestFollowRecommendation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		c, chair := e.login(viewer), e.login(admin)
		page := c.get("/recommendations/4", http.StatusOK)
		mustContain(t, page, "not following", `action="/recommendations/4/follow"`, `name="follow" value="true"`, "Follow this recommendation to get an email")

		c.post("/recommendations/4/follow", url.Values{"follow": {"true"}}, http.StatusSeeOther)
		page = c.get("/recommendations/4", http.StatusOK)
		mustContain(t, page, "following", "You now follow this recommendation.", "You follow this recommendation.", `name="follow" value="false"`, "Stop following")
		if on, err := s.Following(context.Background(), e.users[viewer].ID, 4); err != nil || !on {
			t.Fatalf("following = %v %v", on, err)
		}

		changeAssessment(t, e, chair, tracker.AssessSatisfied)
		got := emailsTo(t, s, viewer+"@example.org")
		if len(got) != 1 || !strings.HasPrefix(got[0].Subject, "Changed: Recommendation 4 of ") || !strings.Contains(got[0].Text, "Assessment: ") {
			t.Fatalf("notice to the follower: %+v", got)
		}
		if mine := emailsTo(t, s, admin+"@example.org"); len(mine) != 0 {
			t.Errorf("the person who made the change was told: %+v", mine)
		}

		c.post("/recommendations/4/follow", url.Values{"follow": {"false"}}, http.StatusSeeOther)
		page = c.get("/recommendations/4", http.StatusOK)
		mustContain(t, page, "stopped", "You no longer follow this recommendation.", `name="follow" value="true"`)
		changeAssessment(t, e, chair, tracker.AssessNone)
		if n := len(emailsTo(t, s, viewer+"@example.org")); n != 1 {
			t.Errorf("%d emails after stopping, want still 1", n)
		}

		c.post("/recommendations/4/follow", url.Values{"follow": {"maybe"}}, http.StatusUnprocessableEntity)
		if got := c.status("POST", "/recommendations/4/follow", url.Values{"follow": {"true"}}); got != http.StatusForbidden {
			t.Errorf("follow without the CSRF token: %d", got)
		}
		c.post("/recommendations/999999/follow", url.Values{"follow": {"true"}}, http.StatusNotFound)
	})
}

// TestUnsubscribeWithoutSignIn: the link in an email asks before it stops
// anything (a GET changes nothing), and a POST with the one-click body of
// RFC 8058, with no session and no CSRF token, stops it; an unknown token
// or list is a clear 404.
func TestUnsubscribeWithoutSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		ctx := context.Background()
		person := e.users[viewer]
		if err := s.As(&person).Follow(ctx, 4, true); err != nil {
			t.Fatal(err)
		}
		if err := s.As(&person).SetMailPrefs(ctx, person.ID, tracker.MailPrefs{Digest: tracker.DigestDaily, DigestDays: 7}); err != nil {
			t.Fatal(err)
		}
		changeAssessment(t, e, e.login(admin), tracker.AssessSatisfied)
		notices := emailsTo(t, s, viewer+"@example.org")
		if len(notices) != 1 {
			t.Fatalf("%d notices", len(notices))
		}
		link := notices[0].UnsubscribeURL
		path := link[strings.Index(link, "/unsubscribe/"):]
		token := strings.Split(path, "/")[2]

		anon := e.anonymous()
		page := anon.get(path, http.StatusOK)
		mustContain(t, text(page), "confirmation", "Stop these emails?", "This stops emails about Recommendation 4 of ", "You do not need to sign in.")
		mustContain(t, page, "form", `<form method="post" action="`+path+`"`, `<button type="submit" class="button">Unsubscribe</button>`)
		if on, _ := s.Following(ctx, person.ID, 4); !on {
			t.Fatal("opening the link unsubscribed before the button was pressed")
		}

		// The mail program's one-click POST: no cookie, no CSRF token.
		req, _ := http.NewRequest("POST", e.ts.URL+path, strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("one-click POST: %d", res.StatusCode)
		}
		if on, _ := s.Following(ctx, person.ID, 4); on {
			t.Error("still following after the one-click POST")
		}

		// The digest's list, by the browser's button.
		page = text(anon.get("/unsubscribe/"+token+"/digest", http.StatusOK))
		mustContain(t, page, "digest confirmation", "This stops your digest of your actions")
		page = text(anon.do("POST", "/unsubscribe/"+token+"/digest", url.Values{"List-Unsubscribe": {"One-Click"}}, http.StatusOK))
		mustContain(t, page, "done", "You have unsubscribed", "You will get no more digests of your actions.")
		if p, _ := s.MailPrefs(ctx, person.ID); p.Digest != tracker.DigestOff {
			t.Errorf("digest after unsubscribing: %+v", p)
		}

		for _, bad := range []string{"/unsubscribe/not-a-token/digest", "/unsubscribe/" + token + "/newsletter", "/unsubscribe/" + token + "/follow-x"} {
			page := text(anon.get(bad, http.StatusNotFound))
			mustContain(t, page, bad, "This unsubscribe link does not work", "The tracker does not know this link.")
			anon.do("POST", bad, url.Values{"List-Unsubscribe": {"One-Click"}}, http.StatusNotFound)
		}
	})
}

// TestEmailLogPage: administrators see every email, newest first, a page
// at a time, with its status, attempts and last error; others get 403.
func TestEmailLogPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 2)
		ctx := context.Background()
		for _, role := range []string{viewer, editorCoL, secretary} {
			u := e.users[role]
			if err := s.As(&u).Follow(ctx, 4, true); err != nil {
				t.Fatal(err)
			}
		}
		c := e.login(admin)
		changeAssessment(t, e, c, tracker.AssessSatisfied)
		log, n, err := s.Emails(ctx, tracker.Page{Number: 1, Size: 10})
		if err != nil || n != 3 {
			t.Fatalf("emails: %d %v", n, err)
		}
		if err := s.RecordEmailFailure(ctx, log[0].ID, "dial tcp 127.0.0.1:25: connect: connection refused", false); err != nil {
			t.Fatal(err)
		}
		page := c.get("/admin/users", http.StatusOK)
		mustContain(t, page, "accounts page", `<a href="/admin/emails">Email log</a>`)
		page = text(c.get("/admin/emails", http.StatusOK))
		mustContain(t, page, "first page", "Email log", "To Subject Kind Created Status Attempts Last error Sent",
			log[0].To, "Changed: Recommendation 4 of", "notice", "queued 1 dial tcp 127.0.0.1:25: connect: connection refused Not yet", "Showing 1 to 2 of 3 emails")
		if strings.Contains(page, log[2].To) {
			t.Errorf("page 1 shows the oldest email, %s", log[2].To)
		}
		page = text(c.get("/admin/emails?page=2", http.StatusOK))
		mustContain(t, page, "second page", log[2].To, "Showing 3 to 3 of 3 emails")

		for _, role := range []string{viewer, editorCoL, secretary} {
			if got := e.login(role).status("GET", "/admin/emails", nil); got != http.StatusForbidden {
				t.Errorf("%s sees the email log: %d", role, got)
			}
		}
	})
}

// followNoticeLink makes the board member follow Recommendation 4 and the
// administrator change it, and returns the path of the unsubscribe link
// in the notice that is queued.
func followNoticeLink(t *testing.T, e *env) string {
	t.Helper()
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "test", Channel: tracker.ChannelCommand})
	member, chair := e.users[viewer], e.users[admin]
	if err := e.s.As(&member).Follow(ctx, 4, true); err != nil {
		t.Fatal(err)
	}
	d, err := e.s.RecommendationDetail(ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	next := tracker.AssessSatisfied
	if d.Recommendation.Assessment == next {
		next = tracker.AssessNone
	}
	if err := e.s.As(&chair).ChangeRecommendation(ctx, 4, store.RecommendationChange{Version: d.Recommendation.Version, Status: d.Recommendation.Status, Assessment: next}); err != nil {
		t.Fatal(err)
	}
	got := emailsTo(t, e.s, member.Email)
	if len(got) == 0 {
		t.Fatal("no notice queued")
	}
	link := got[0].UnsubscribeURL
	return link[strings.Index(link, "/unsubscribe/"):]
}

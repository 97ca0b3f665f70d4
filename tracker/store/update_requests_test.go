package store_test

import (
	"context"
	"errors"
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

// withMailpit runs fn on both backends, each with its own Mailpit and a
// job queue that delivers the store's emails to it.
func withMailpit(t *testing.T, fn func(t *testing.T, s *store.Store, pit *mailtest.Server)) {
	mailtest.Binary(t)
	var wg sync.WaitGroup
	for _, b := range storetest.Backends() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.Run(b.Name, func(t *testing.T) {
				dsn := b.Migrated(t)
				s := storetest.OpenMigrated(t, dsn)
				store.WithPublicURL("https://tracker.example.org")(s)
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
				fn(t, s, pit)
			})
		}()
	}
	wg.Wait()
}

// requestWorld adds, to the meeting world, two owners with accounts (Jo,
// an editor of City of London Police, and Sam, whose account is
// disabled), actions on the Sub-Committee's references owned by Jo, by an
// address only, by Sam, by nobody reachable, one completed, and one on
// another body's reference; and the Sub-Committee's next meeting.
type requestWorld struct {
	*meetingWorld
	jo               tracker.User
	meeting          tracker.Meeting
	joActs           []tracker.Action
	headAct, samAct  tracker.Action
	doneAct, elsewhr tracker.Action
}

func newRequestWorld(t *testing.T, s *store.Store) *requestWorld {
	w := &requestWorld{meetingWorld: newMeetingWorld(t, s)}
	var err error
	if w.jo, err = s.CreateUser(w.ctx, tracker.User{Email: "jo@example.org", Name: "Jo Bloggs", Role: tracker.RoleEditor, Organisations: []int64{w.colp.ID}}, "a long enough password"); err != nil {
		t.Fatal(err)
	}
	sam, err := s.CreateUser(w.ctx, tracker.User{Email: "sam@example.org", Name: "Sam", Role: tracker.RoleEditor, Organisations: []int64{w.colp.ID}}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Exec(w.ctx, "UPDATE users SET disabled_at = ? WHERE id = ?", storetest.Now(), sam.ID); err != nil {
		t.Fatal(err)
	}
	act := func(ref tracker.Reference, desc string, user *int64, email, status string) tracker.Action {
		t.Helper()
		a := tracker.Action{OrganisationID: w.colp.ID, ReferenceID: &ref.ID, Description: desc,
			Owner: "Detective Superintendent Crime", OwnerUserID: user, OwnerEmail: email, Status: status, DueDate: ptr(storetest.Day(20))}
		if status == tracker.ActCompleted {
			a.CompletedOn = ptr(storetest.Day(-2))
		}
		a, err := s.As(w.admin).CreateAction(w.ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	w.joActs = []tracker.Action{
		act(w.ref13, "Look at call handling – “Ⅱ” <draft>", &w.jo.ID, "", tracker.ActInProgress),
		act(w.ref13, "Training for supervisors", &w.jo.ID, "", tracker.ActNotStarted),
		act(w.ref2, "Publish the Victims’ Code leaflet", &w.jo.ID, "", tracker.ActInProgress),
	}
	w.headAct = act(w.ref13, "Analyse satisfaction by crime type", nil, "Head.Research@example.org", tracker.ActInProgress)
	w.samAct = act(w.ref13, "Sam's action", &sam.ID, "", tracker.ActInProgress)
	w.doneAct = act(w.ref13, "A finished action", &w.jo.ID, "", tracker.ActCompleted)
	w.elsewhr = act(w.otherBody, "Another body's action", &w.jo.ID, "", tracker.ActInProgress)
	if w.meeting, err = s.As(w.committeeSecretary).CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(10), PapersDeadline: storetest.Day(3)}); err != nil {
		t.Fatal(err)
	}
	return w
}

func byRecipient(msgs []mailtest.Message) map[string]mailtest.Message {
	out := map[string]mailtest.Message{}
	for _, m := range msgs {
		out[m.To[0].Address] = m
	}
	return out
}

// TestUpdateRequestsReachEachOwnerOnce: the secretary's request for
// updates sends one email per reachable owner over SMTP, listing each of
// their open actions on the body's outstanding references with a link to
// post an update, never one per action; owners no email reaches are
// listed; the same round cannot go twice; a past meeting gets none; and
// the reminder goes only to those who have not updated since.
func TestUpdateRequestsReachEachOwnerOnce(t *testing.T) {
	withMailpit(t, func(t *testing.T, s *store.Store, pit *mailtest.Server) {
		w := newRequestWorld(t, s)
		plan, err := s.UpdateRequestPlan(w.ctx, w.meeting.ID)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Round != 1 || len(plan.Owners) != 2 || plan.Closed != "" {
			t.Fatalf("plan: %+v", plan)
		}
		if len(plan.Unreachable) != 1 || plan.Unreachable[0].Owner != "Detective Superintendent Crime" || len(plan.Unreachable[0].Actions) != 2 {
			t.Errorf("unreachable owners (the unlinked action and disabled Sam's): %+v", plan.Unreachable)
		}

		_, err = s.As(&w.jo).RequestUpdates(w.ctx, w.meeting.ID, 1)
		refusedWith(t, "an editor sending requests", err, "Only administrators and secretaries")
		sent, err := s.As(w.committeeSecretary).RequestUpdates(w.ctx, w.meeting.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(sent) != 2 {
			t.Fatalf("queued %d emails, want one per owner (2)", len(sent))
		}
		_, err = s.As(w.committeeSecretary).RequestUpdates(w.ctx, w.meeting.ID, 1)
		invalidAt(t, "the same round sent twice", err, "send-requests", "were sent already (round 1)")

		msgs := byRecipient(pit.Wait(t, 2, 30*time.Second))
		jo := msgs["jo@example.org"]
		if jo.Subject != "Update requested for Performance and Resource Management Sub-Committee, "+tracker.FormatDate(storetest.Day(10))+": 3 actions" {
			t.Errorf("Jo's subject: %q", jo.Subject)
		}
		for _, want := range []string{"Dear Jo Bloggs", "Sub-Committee Secretary asks", "Look at call handling – “Ⅱ” <draft>", "Training for supervisors", "Publish the Victims’ Code leaflet",
			"Outstanding Reference 13 – Victim Satisfaction Action Plan – “Ⅱ”", "by the papers deadline, " + tracker.FormatDate(storetest.Day(3)),
			"https://tracker.example.org/actions/" + idText(w.joActs[0].ID) + "#post-update"} {
			if !strings.Contains(jo.Text, want) {
				t.Errorf("Jo's email lacks %q:\n%s", want, jo.Text)
			}
		}
		for _, not := range []string{"A finished action", "Another body's action", "Analyse satisfaction"} {
			if strings.Contains(jo.Text, not) {
				t.Errorf("Jo's email lists %q:\n%s", not, jo.Text)
			}
		}
		if !strings.Contains(jo.HTML, "Look at call handling – “Ⅱ” &lt;draft&gt;") {
			t.Errorf("Jo's HTML part:\n%s", jo.HTML)
		}
		if head := msgs["head.research@example.org"]; !strings.Contains(head.Text, "Analyse satisfaction by crime type") || strings.Contains(head.Text, "Training") {
			t.Errorf("the address-only owner's email:\n%s", head.Text)
		}

		// Jo updates each of her actions (one with an update dated before
		// the request: it was entered after, so it counts); the head of
		// research does not.
		for i, a := range w.joActs {
			day := storetest.Day(0)
			if i == 2 {
				day = storetest.Day(-40)
			}
			cur, err := s.Action(w.ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.As(&w.jo).PostUpdate(w.ctx, a.ID, store.ProgressChange{Version: cur.Action.Version, Date: day, Text: "Done as asked – £250"}); err != nil {
				t.Fatal(err)
			}
		}
		st, err := s.UpdateRequestStatus(w.ctx, w.meeting.ID)
		if err != nil {
			t.Fatal(err)
		}
		if st.Rounds != 1 || len(st.Owners) != 2 {
			t.Fatalf("status: %+v", st)
		}
		for _, o := range st.Owners {
			switch o.Owner.Email {
			case "jo@example.org":
				if !o.Updated() || o.UpdatedCount() != 3 {
					t.Errorf("Jo after updating all three: %+v", o)
				}
			case "head.research@example.org":
				if o.Updated() || len(o.Waiting()) != 1 {
					t.Errorf("the head of research, who has not updated: %+v", o)
				}
			}
		}

		reminded, err := s.As(w.committeeSecretary).RemindOwners(w.ctx, w.meeting.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(reminded) != 1 || reminded[0].To != "head.research@example.org" {
			t.Fatalf("reminders: %+v", reminded)
		}
		all := pit.Wait(t, 3, 30*time.Second)
		var reminder mailtest.Message
		for _, m := range all {
			if strings.HasPrefix(m.Subject, "Reminder: ") {
				reminder = m
			}
		}
		if reminder.To[0].Address != "head.research@example.org" || !strings.Contains(reminder.Text, "This is a reminder") || !strings.Contains(reminder.Text, "Analyse satisfaction by crime type") {
			t.Errorf("the reminder: %+v", reminder)
		}
		if st, _ := s.UpdateRequestStatus(w.ctx, w.meeting.ID); len(st.NotUpdated()) != 1 || len(st.NotUpdated()[0].RemindedAt) != 1 {
			t.Errorf("status after the reminder: %+v", st.NotUpdated())
		}

		// Sending again is deliberate: the next round asks everyone again.
		again, err := s.As(w.committeeSecretary).RequestUpdates(w.ctx, w.meeting.ID, 2)
		if err != nil || len(again) != 2 {
			t.Fatalf("round 2: %d emails, %v", len(again), err)
		}
		pit.Wait(t, 5, 30*time.Second)
		if st, _ := s.UpdateRequestStatus(w.ctx, w.meeting.ID); st.Rounds != 2 || len(st.NotUpdated()) != 2 {
			t.Errorf("after round 2 nobody has updated since: %+v", st)
		}
		h, err := s.History(w.ctx, store.EntityMeeting, w.meeting.ID)
		if err != nil || !strings.Contains(eventsText(h), "Round 1: 2 emails, to ") || !strings.Contains(eventsText(h), "update_reminders") {
			t.Errorf("the meeting's history does not show the sends: %v %v", eventsText(h), err)
		}

		// A meeting whose day has passed gets no requests or reminders.
		past, err := s.As(w.committeeSecretary).CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(-1), PapersDeadline: storetest.Day(-8)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.As(w.committeeSecretary).RequestUpdates(w.ctx, past.ID, 0)
		invalidAt(t, "requests for a past meeting", err, "send-requests", "was on "+tracker.FormatDate(storetest.Day(-1))+", so it can no longer get update requests")
		_, err = s.As(w.committeeSecretary).RemindOwners(w.ctx, past.ID)
		invalidAt(t, "reminders for a past meeting", err, "send-reminders", "can no longer get update requests or reminders")
		if n := len(pit.Messages(t)); n != 5 {
			t.Errorf("%d messages in all, want 5", n)
		}
	})
}

// TestUpdateRequestsNobodyToAsk: a meeting whose open actions have no
// reachable owner says so instead of sending nothing silently, and a
// reminder before any request asks for the requests first.
func TestUpdateRequestsNobodyToAsk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newMeetingWorld(t, s)
		m, err := s.As(w.committeeSecretary).CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(0), PapersDeadline: storetest.Day(0)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.As(w.committeeSecretary).RequestUpdates(w.ctx, m.ID, 0)
		invalidAt(t, "no reachable owner", err, "send-requests", "link each owner to an account or an email address")
		_, err = s.As(w.committeeSecretary).RemindOwners(w.ctx, m.ID)
		invalidAt(t, "a reminder before any request", err, "send-reminders", "send them first")
		var v *tracker.ValidationError
		if !errors.As(err, &v) {
			t.Fatal(err)
		}
		if n, _, _ := s.Emails(w.ctx, tracker.Page{Number: 1, Size: 10}); len(n) != 0 {
			t.Errorf("%d emails queued", len(n))
		}
	})
}

func idText(id int64) string { return strconv.FormatInt(id, 10) }

func eventsText(events []tracker.AuditEvent) string {
	var b strings.Builder
	for _, e := range events {
		b.WriteString(historyText(e))
	}
	return b.String()
}

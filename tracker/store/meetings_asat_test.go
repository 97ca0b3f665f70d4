package store_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestScheduleAsAtPapersDeadline: once a meeting's papers deadline has
// passed, its schedule is the tracker as it stood at the end of that day,
// whenever it is read or issued, on both databases: a reference closed
// since is still on it, a title changed since shows as it was, the
// officers are those of then, progress is what is dated between the
// previous meeting and the deadline (typed in later or not), and a
// reference raised after the deadline is not. Papers issued late keep that
// moment, recorded now; a decision recorded on a planned meeting freezes
// it in the same transaction. Papers issued before the deadline are as
// the tracker stood when they were issued.
func TestScheduleAsAtPapersDeadline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newMeetingWorld(t, s) // ref 13 (action, updates at -100, -60, -35), ref 2, previous meeting at -90
		sec := s.As(w.committeeSecretary)
		m, err := sec.CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(-30), PapersDeadline: storetest.Day(-40)})
		if err != nil {
			t.Fatal(err)
		}
		// After the deadline: typed in now, some dated back inside the window.
		if _, err := s.CreateUpdate(w.ctx, tracker.Update{ActionID: &w.action.ID, Date: storetest.Day(-45), Author: "D/Supt Crime", Text: "Typed in late, dated before the deadline"}); err != nil {
			t.Fatal(err)
		}
		r13, err := s.ReferenceDetail(w.ctx, w.ref13.ID)
		if err != nil {
			t.Fatal(err)
		}
		renamed := r13.Reference
		renamed.Title = "Renamed after the deadline"
		if _, err := s.As(w.admin).UpdateReference(w.ctx, renamed, nil, ""); err != nil {
			t.Fatal(err)
		}
		act := w.action
		act.Owner = "Owner from today"
		if _, err := s.As(w.admin).UpdateActionDetails(w.ctx, act); err != nil {
			t.Fatal(err)
		}
		if _, err := s.As(w.secretary).CloseReference(w.ctx, w.ref2.ID, 1, "Answered by letter after the deadline"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.As(w.admin).CreateReference(w.ctx, tracker.Reference{Number: "14", Title: "Raised after the deadline", RequestedByID: w.prm.ID,
			RespondingOrgID: w.colp.ID, DateRaised: ptr(storetest.Day(-38)), Status: tracker.RefAwaiting}, nil); err != nil {
			t.Fatal(err)
		}

		check := func(what string, sc tracker.Schedule) {
			t.Helper()
			if got := scheduleNumbers(sc); got != "2,13" {
				t.Fatalf("%s: references %s, want 2,13 (2 closed after the deadline stays, 14 raised after it is left out)", what, got)
			}
			if !sc.AsAt.Equal(tracker.EndOfDay(storetest.Day(-40))) || !sc.AtDeadline() {
				t.Errorf("%s: as at %v, want the end of the papers deadline's day", what, sc.AsAt)
			}
			if sc.Items[0].Reference.Status != tracker.RefResponded || !sc.Items[0].ProposedForClosure {
				t.Errorf("%s: reference 2 = %s, proposed %v; want responded, as it stood", what, sc.Items[0].Reference.Status, sc.Items[0].ProposedForClosure)
			}
			it := sc.Items[1]
			if it.Reference.Title != w.ref13.Title {
				t.Errorf("%s: title %q, want the one of then, %q", what, it.Reference.Title, w.ref13.Title)
			}
			if strings.Join(it.Officers, ";") != "Detective Superintendent Crime" {
				t.Errorf("%s: officers %v, want those of then", what, it.Officers)
			}
			var texts []string
			for _, u := range it.Progress {
				texts = append(texts, u.Text)
			}
			if got := strings.Join(texts, " | "); got != "Since the last meeting: £250,000 <agreed> | Typed in late, dated before the deadline" {
				t.Errorf("%s: progress %q", what, got)
			}
		}
		planned, err := s.Schedule(w.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		check("planned, deadline passed", planned)
		if planned.Issued || !strings.HasPrefix(planned.Standing(), "Not yet issued: the references as they stood at the papers deadline, ") {
			t.Errorf("planned: issued %v, %q", planned.Issued, planned.Standing())
		}

		// A decision on a planned meeting freezes it in the command's own
		// transaction, then writes the reference: the as-at read must leave
		// nothing behind for the write (or the next read) to trip on.
		if _, err := sec.RecordDecision(w.ctx, m.ID, tracker.Decision{ReferenceID: w.ref13.ID, Outcome: tracker.DecisionKeptOpen}, 2); err != nil {
			t.Fatal(err)
		}
		held, err := s.Meeting(w.ctx, m.ID)
		if err != nil || held.Status != tracker.MeetingHeld || held.IssuedAt == nil || held.IssuedAt.Before(storetest.Today()) {
			t.Fatalf("the meeting after a decision: %+v %v", held, err)
		}
		issued, err := s.Schedule(w.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		check("issued late", issued)
		if !issued.Issued || issued.Items[1].Decision == nil || issued.Items[1].Decision.Outcome != tracker.DecisionKeptOpen {
			t.Errorf("issued: %v, decision %+v", issued.Issued, issued.Items[1].Decision)
		}
		want := "Issued: the references as they stood at the papers deadline, " + tracker.FormatDate(storetest.Day(-40)) + " (recorded " + tracker.FormatDate(*held.IssuedAt) + ")"
		if issued.Standing() != want {
			t.Errorf("issued: %q, want %q", issued.Standing(), want)
		}
		if d, err := s.ReferenceDetail(w.ctx, w.ref13.ID); err != nil || d.Reference.Title != "Renamed after the deadline" {
			t.Errorf("reference 13 now: %q %v (the as-at tables outlived the read?)", d.Reference.Title, err)
		}
		// Later changes dated inside the window leave the issued copy as it was.
		if _, err := s.CreateUpdate(w.ctx, tracker.Update{ActionID: &w.action.ID, Date: storetest.Day(-42), Author: "D/Supt Crime", Text: "After the papers went out"}); err != nil {
			t.Fatal(err)
		}
		again, err := s.Schedule(w.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := json.Marshal(issued)
		b, _ := json.Marshal(again)
		if string(a) != string(b) {
			t.Errorf("the issued schedule changed:\n%s\n%s", a, b)
		}

		// Papers issued before the deadline: as the tracker stood then.
		early, err := sec.CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(30), PapersDeadline: storetest.Day(20)})
		if err != nil {
			t.Fatal(err)
		}
		early.Status = tracker.MeetingPapersIssued
		if early, err = sec.UpdateMeeting(w.ctx, early); err != nil {
			t.Fatal(err)
		}
		esc, err := s.Schedule(w.ctx, early.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := scheduleNumbers(esc); got != "13,14" || !esc.Issued || esc.AtDeadline() || early.IssuedAt == nil || !esc.AsAt.Equal(*early.IssuedAt) ||
			esc.Items[0].Reference.Title != "Renamed after the deadline" || !strings.Contains(esc.Standing(), "before the papers deadline") {
			t.Errorf("issued early: %s, as at %v, issued at %v, %q", got, esc.AsAt, early.IssuedAt, esc.Standing())
		}
	})
}

package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// meetingWorld is a sub-committee with two references raised with City of
// London Police (one with actions and dated updates), a reference of
// another body, and the body's previous meeting.
type meetingWorld struct {
	*commandWorld
	prm                    tracker.Organisation
	committeeSecretary     *tracker.User
	ref2, ref13, otherBody tracker.Reference
	action                 tracker.Action
}

func newMeetingWorld(t *testing.T, s *store.Store) *meetingWorld {
	w := &meetingWorld{commandWorld: newCommandWorld(t, s)}
	var err error
	if w.prm, err = s.EnsureOrganisation(w.ctx, tracker.Organisation{Name: "Performance and Resource Management Sub-Committee"}); err != nil {
		t.Fatal(err)
	}
	w.committeeSecretary = &tracker.User{ID: 5, Name: "Sub-Committee Secretary", Role: tracker.RoleSecretary, Organisations: []int64{w.prm.ID}}
	ref := func(number, title string, by tracker.Organisation, status string) tracker.Reference {
		r, err := s.As(w.admin).CreateReference(w.ctx, tracker.Reference{Number: number, Title: title, RequestedByID: by.ID, RespondingOrgID: w.colp.ID,
			DateRaised: ptr(storetest.Day(-200)), Status: status}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	w.ref13 = ref("13", "Victim Satisfaction Action Plan – “Ⅱ”", w.prm, tracker.RefAwaiting)
	w.ref2 = ref("2", "Victims’ Code compliance", w.prm, tracker.RefResponded)
	w.otherBody = ref("7", "Another body's question", w.la, tracker.RefAwaiting)
	// The action was on the log long before the meetings: it is entered
	// as taking effect then, as an import of the log enters it.
	if w.action, err = s.As(w.admin).CreateAction(tracker.TakingEffect(w.ctx, storetest.Day(-150)), tracker.Action{OrganisationID: w.colp.ID, ReferenceID: &w.ref13.ID,
		Description: "Call back unsatisfied victims", Owner: "Detective Superintendent Crime", DueDate: ptr(storetest.Day(60))}); err != nil {
		t.Fatal(err)
	}
	for _, u := range []struct {
		day  int
		text string
	}{{-100, "Before the last meeting"}, {-60, "Since the last meeting: £250,000 <agreed>"}, {-35, "After the papers deadline"}} {
		if _, err := s.CreateUpdate(w.ctx, tracker.Update{ActionID: &w.action.ID, Date: storetest.Day(u.day), Author: "D/Supt Crime", Text: u.text}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.As(w.committeeSecretary).CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(-90), PapersDeadline: storetest.Day(-97)}); err != nil {
		t.Fatal(err)
	}
	return w
}

func scheduleNumbers(sc tracker.Schedule) string {
	var out []string
	for _, it := range sc.Items {
		out = append(out, it.Reference.Number)
	}
	return strings.Join(out, ",")
}

// TestMeetingScheduleAndDecisions walks a meeting cycle through the
// commands on both databases: who may add a meeting, the schedule (the
// body's open references, numbered in order, progress since the last
// meeting up to the papers deadline, the officers, the dates, the closure
// mark), the papers frozen when issued, each decision at the reference
// version seen and dated the meeting's day, and a closed item leaving the
// next schedule.
func TestMeetingScheduleAndDecisions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newMeetingWorld(t, s)
		_, err := s.As(w.view).CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(-30), PapersDeadline: storetest.Day(-37)})
		refusedWith(t, "a viewer adding a meeting", err, "Only administrators and secretaries")
		_, err = s.As(w.secretary).CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(-30), PapersDeadline: storetest.Day(-37)})
		invalidAt(t, "a force's secretary adding the committee's meeting", err, "body", "Choose a body you are a secretary of")
		_, err = s.As(w.committeeSecretary).CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(-30), PapersDeadline: storetest.Day(-20)})
		invalidAt(t, "a papers deadline after the meeting", err, "papers_deadline", "on or before the day of the meeting")

		m, err := s.As(w.committeeSecretary).CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(-30), PapersDeadline: storetest.Day(-37), Notes: "Committee Room 1 – “Guildhall”"})
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != tracker.MeetingPlanned || m.Body.Name != w.prm.Name || m.Version != 1 {
			t.Errorf("new meeting = %+v", m)
		}
		sc, err := s.Schedule(w.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := scheduleNumbers(sc); got != "2,13" || sc.Issued || sc.Since == nil || !sc.Since.Equal(storetest.Day(-90)) {
			t.Fatalf("planned schedule = %s, issued %v, since %v", got, sc.Issued, sc.Since)
		}
		it := sc.Items[1]
		if len(it.Progress) != 1 || it.Progress[0].Text != "Since the last meeting: £250,000 <agreed>" || it.Progress[0].Action != "Call back unsatisfied victims" {
			t.Errorf("progress since the last meeting = %+v", it.Progress)
		}
		if strings.Join(it.Officers, ";") != "Detective Superintendent Crime" || it.ToBeCompleted == nil || !it.ToBeCompleted.Equal(storetest.Day(60)) || it.ProposedForClosure {
			t.Errorf("item 13 = officers %v, to be completed %v, proposed %v", it.Officers, it.ToBeCompleted, it.ProposedForClosure)
		}
		if !sc.Items[0].ProposedForClosure || sc.Items[0].Reference.RespondingOrg.Name != w.colp.Name {
			t.Errorf("item 2 (responded) = %+v", sc.Items[0])
		}

		// Issuing the papers freezes the schedule: a later edit does not change it.
		m.Status = tracker.MeetingPapersIssued
		if m, err = s.As(w.committeeSecretary).UpdateMeeting(w.ctx, m); err != nil {
			t.Fatal(err)
		}
		r13, err := s.ReferenceDetail(w.ctx, w.ref13.ID)
		if err != nil {
			t.Fatal(err)
		}
		renamed := r13.Reference
		renamed.Title = "Renamed after the papers went out"
		if _, err := s.As(w.admin).UpdateReference(w.ctx, renamed, nil, ""); err != nil {
			t.Fatal(err)
		}
		issued, err := s.Schedule(w.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Issued after the deadline: as it stood at the end of that day,
		// recorded now.
		if !issued.Issued || issued.Items[1].Reference.Title != w.ref13.Title || len(issued.Items[1].Progress) != 1 || m.IssuedAt == nil ||
			!issued.AsAt.Equal(tracker.EndOfDay(storetest.Day(-37))) || !issued.AtDeadline() || m.IssuedAt.Before(storetest.Today()) {
			t.Errorf("issued schedule = %+v", issued)
		}
		stale := m
		stale.Version = 1
		stale.Status = tracker.MeetingHeld
		if _, err := s.As(w.committeeSecretary).UpdateMeeting(w.ctx, stale); !errors.Is(err, tracker.ErrConflict) {
			t.Errorf("changing a meeting at an old version: %v, want a conflict", err)
		}
		back := m
		back.Status = tracker.MeetingPlanned
		_, err = s.As(w.committeeSecretary).UpdateMeeting(w.ctx, back)
		invalidAt(t, "planning an issued meeting again", err, "status", "cannot be planned again")

		// Decisions: only the body's secretary, at the version seen.
		_, err = s.As(w.secretary).RecordDecision(w.ctx, m.ID, tracker.Decision{ReferenceID: w.ref2.ID, Outcome: tracker.DecisionClosed}, 1)
		refusedWith(t, "a force's secretary deciding at the committee's meeting", err, "You can manage only the meetings of City of London Police")
		_, err = s.As(w.committeeSecretary).RecordDecision(w.ctx, m.ID, tracker.Decision{ReferenceID: w.otherBody.ID, Outcome: tracker.DecisionClosed}, 1)
		invalidAt(t, "deciding on another body's reference", err, "reference", "was not raised by")
		_, err = s.As(w.committeeSecretary).RecordDecision(w.ctx, m.ID, tracker.Decision{ReferenceID: w.ref13.ID, Outcome: tracker.DecisionNewDate}, 2)
		invalidAt(t, "a new date without one", err, "new_date", "Enter the new date")
		_, err = s.As(w.committeeSecretary).RecordDecision(w.ctx, m.ID, tracker.Decision{ReferenceID: w.ref13.ID, Outcome: tracker.DecisionKeptOpen}, 1)
		if !errors.Is(err, tracker.ErrConflict) {
			t.Errorf("a decision on a reference changed since the page was opened: %v, want a conflict", err)
		}
		if _, err := s.As(w.committeeSecretary).RecordDecision(w.ctx, m.ID, tracker.Decision{ReferenceID: w.ref2.ID, Outcome: tracker.DecisionClosed, Reason: "Answered in full"}, 1); err != nil {
			t.Fatal(err)
		}
		newDate := storetest.Day(120)
		if _, err := s.As(w.committeeSecretary).RecordDecision(w.ctx, m.ID, tracker.Decision{ReferenceID: w.ref13.ID, Outcome: tracker.DecisionNewDate, NewDate: &newDate, Reason: "Awaiting the survey – “Q3”"}, 2); err != nil {
			t.Fatal(err)
		}
		held, err := s.Meeting(w.ctx, m.ID)
		if err != nil || held.Status != tracker.MeetingHeld {
			t.Errorf("the meeting after its decisions: %+v %v", held, err)
		}
		after, _ := s.Schedule(w.ctx, m.ID)
		if after.Items[0].Decision == nil || after.Items[0].Decision.Outcome != tracker.DecisionClosed || after.Items[1].Decision == nil || after.Items[1].Decision.Outcome != tracker.DecisionNewDate {
			t.Errorf("decisions on the meeting's schedule = %+v", after.Items)
		}

		// Dated the meeting's day: "as at" the day before it is still open.
		for _, c := range []struct {
			day  time.Time
			want string
		}{{storetest.Day(-31), tracker.RefResponded}, {storetest.Day(-30), tracker.RefClosed}} {
			err := s.ReadAsAt(w.ctx, tracker.EndOfDay(c.day), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				d, err := tx.ReferenceDetail(w.ctx, w.ref2.ID)
				if err == nil && d.Reference.Status != c.want {
					t.Errorf("reference 2 as at %s is %s, want %s", tracker.FormatDate(c.day), d.Reference.Status, c.want)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		events, err := s.History(w.ctx, store.EntityReference, w.ref2.ID)
		last := events[len(events)-1]
		if err != nil || !last.EffectiveAt.Equal(storetest.Day(-30)) || !strings.Contains(historyText(last), "Agreed closed at the meeting of Performance and Resource Management Sub-Committee") {
			t.Errorf("history of the closed reference: %+v %v", last, err)
		}
		timeline, err := s.ReferenceDecisions(w.ctx, w.ref13.ID)
		if err != nil || len(timeline) != 1 || timeline[0].Reason != "Awaiting the survey – “Q3”" || !timeline[0].On.Equal(storetest.Day(-30)) || timeline[0].Meeting == "" {
			t.Errorf("timeline of reference 13: %+v %v", timeline, err)
		}

		// The next meeting: the closed item has left, the new date shows.
		next, err := s.As(w.committeeSecretary).CreateMeeting(w.ctx, tracker.Meeting{BodyID: w.prm.ID, Date: storetest.Day(30), PapersDeadline: storetest.Day(20)})
		if err != nil {
			t.Fatal(err)
		}
		nsc, err := s.Schedule(w.ctx, next.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := scheduleNumbers(nsc); got != "13" || nsc.Items[0].ToBeCompleted == nil || !nsc.Items[0].ToBeCompleted.Equal(newDate) || !nsc.Since.Equal(storetest.Day(-30)) {
			t.Errorf("next schedule = %s, to be completed %v, since %v", got, nsc.Items[0].ToBeCompleted, nsc.Since)
		}
		_, err = s.As(w.committeeSecretary).RecordDecision(w.ctx, next.ID, tracker.Decision{ReferenceID: w.ref13.ID, Outcome: tracker.DecisionKeptOpen}, 3)
		invalidAt(t, "a decision before the meeting", err, "outcome", "from the day of the meeting")

		// Closed between meetings, with a reason, by the force's secretary.
		_, err = s.As(w.secretary).CloseReference(w.ctx, w.ref13.ID, 3, " ")
		invalidAt(t, "closing without a reason", err, "reason", "Say why")
		_, err = s.As(w.editor).CloseReference(w.ctx, w.ref13.ID, 3, "Done")
		refusedWith(t, "an editor closing a reference", err, "Only administrators and secretaries")
		if _, err := s.As(w.secretary).CloseReference(w.ctx, w.ref13.ID, 3, "Action plan delivered"); err != nil {
			t.Fatal(err)
		}
		if nsc, _ = s.Schedule(w.ctx, next.ID); len(nsc.Items) != 0 {
			t.Errorf("a reference closed between meetings is still on the next schedule: %s", scheduleNumbers(nsc))
		}
		list, total, err := s.ListMeetings(w.ctx, store.MeetingFilter{BodyID: w.prm.ID, Page: tracker.AllRows})
		if err != nil || total != 3 || list[0].ID != next.ID {
			t.Errorf("meetings of the body = %d %+v %v", total, list, err)
		}
	})
}

func historyText(e tracker.AuditEvent) string {
	var b strings.Builder
	for _, c := range e.Changes {
		b.WriteString(c.Field)
		b.WriteString("=")
		if s, ok := c.New.(string); ok {
			b.WriteString(s)
		}
		b.WriteString(";")
	}
	return b.String()
}

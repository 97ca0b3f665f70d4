package example

import (
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

// prmPapersDeadline is the papers deadline of the example Sub-Committee
// meeting. Seed 000 (the reply to Outstanding Reference 13) is undated; it
// was in that meeting's papers, so what it says is loaded as taking effect
// on this day, and the meeting's schedule, read as at its deadline, shows it.
var prmPapersDeadline = day(2013, time.July, 5)

// exampleMeetings are the meetings of the documents: the Sub-Committee
// meeting that considered Outstanding Reference 13 (seed 000) and the
// Oversight Board meeting of 24 April 2022 (seed 001). Both are held, so
// their schedules are frozen as loaded, as the tracker stood at their
// papers deadlines. The Board's question was asked after its meeting, so
// that meeting's schedule has nothing outstanding; the MPS answer of 17 May
// 2022 is progress for the Board's next meeting, which the seeds do not
// give.
var exampleMeetings = []struct {
	body         string
	date, papers *time.Time
	notes        string
}{
	{"PRM Sub-Committee", day(2013, time.July, 15), prmPapersDeadline,
		"Considered Outstanding Reference 13 – Victim Satisfaction Action Plan, with the City of London Police's reply. The reply is undated; the dates here stand in for the meeting's."},
	{"Oversight Board", day(2022, time.April, 24), day(2022, time.April, 14),
		"After this meeting the Board's letter asked the Acting Commissioner for an update on plans to address user satisfaction; the MPS answered on 17 May 2022. The papers deadline is the example's own."},
}

// meetings adds the example meetings a body does not have yet.
func (l *loader) meetings() error {
	for _, em := range exampleMeetings {
		body := l.org(em.body)
		have, _, err := l.s.ListMeetings(l.ctx, store.MeetingFilter{BodyID: body.ID, Page: tracker.AllRows})
		if err != nil {
			return err
		}
		held := false
		for _, m := range have {
			held = held || m.Date.Equal(*em.date)
		}
		if held {
			continue
		}
		if _, err := l.s.CreateMeeting(l.ctx, tracker.Meeting{BodyID: body.ID, Date: *em.date, PapersDeadline: *em.papers,
			Status: tracker.MeetingHeld, Notes: em.notes}); err != nil {
			return err
		}
		l.rep.Meetings++
	}
	return nil
}

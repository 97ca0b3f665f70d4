package tracker

import (
	"strings"
	"time"
)

// Meeting statuses: a meeting is planned, then its papers (the schedule of
// outstanding references) are issued, then it is held.
const (
	MeetingPlanned      = "planned"
	MeetingPapersIssued = "papers_issued"
	MeetingHeld         = "held"
)

// MeetingStatuses lists the meeting statuses in the order a meeting goes
// through them.
var MeetingStatuses = []Option{
	{MeetingPlanned, "Planned"},
	{MeetingPapersIssued, "Papers issued"},
	{MeetingHeld, "Held"},
}

// MeetingStatusLabel returns the label of a meeting status.
func MeetingStatusLabel(v string) string { return labelOf(MeetingStatuses, v) }

// Meeting is a meeting of a body (a committee, sub-committee or board): the
// unit of reporting and closure. Its schedule lists every reference the
// body raised that is still open at the papers deadline; at the meeting
// the members decide, item by item, which close and which get new dates.
type Meeting struct {
	ID     int64
	BodyID int64
	Body   Organisation
	// Date is the day of the meeting; PapersDeadline the day the papers
	// (and the updates in them) are due, on or before it.
	Date           time.Time
	PapersDeadline time.Time
	Status         string
	// Notes are the secretary's own (a venue, where a date came from).
	Notes string
	// IssuedAt is when the papers were recorded as issued and the schedule
	// frozen: the moment of typing, not the moment the schedule shows
	// (Schedule.AsAt), which is the papers deadline when that came first.
	IssuedAt *time.Time
	Version  int
}

// Heading names the meeting: "Oversight Board, 24 April 2022".
func (m Meeting) Heading() string {
	name := m.Body.Name
	if name == "" {
		name = "Meeting"
	}
	return name + ", " + FormatDate(m.Date)
}

// ScheduleMoment is the moment the meeting's schedule shows when read or
// frozen at now: once the papers deadline has passed, the end of that day
// (as "as at" ends every day: EndOfDay), so the schedule is the tracker as
// it stood when the papers were due, whenever it is read or issued; while
// the deadline is ahead, now. past says the deadline has passed.
func (m Meeting) ScheduleMoment(now time.Time) (at time.Time, past bool) {
	if end := EndOfDay(m.PapersDeadline); end.Before(now) {
		return end, true
	}
	return now, false
}

// Frozen reports whether the meeting's schedule is the one issued: once the
// papers are issued it is printed as it was then.
func (m Meeting) Frozen() bool { return m.Status != MeetingPlanned }

// Validate checks a meeting before it is stored.
func (m Meeting) Validate() error {
	var v ValidationError
	if m.BodyID == 0 {
		v.Add("body", "Choose the committee, sub-committee or board that meets")
	}
	if m.Date.IsZero() {
		v.Add("date", "Enter the date of the meeting")
	}
	if m.PapersDeadline.IsZero() {
		v.Add("papers_deadline", "Enter the date the papers are due")
	} else if !m.Date.IsZero() && Day(m.PapersDeadline).After(Day(m.Date)) {
		v.Add("papers_deadline", "The papers deadline must be on or before the day of the meeting")
	}
	oneOf(&v, "status", m.Status, MeetingStatuses, "Choose a status: planned, papers issued or held")
	validText(&v, "notes", m.Notes)
	return v.Err()
}

// Decisions a meeting takes on an item of its schedule.
const (
	DecisionClosed   = "closed"
	DecisionKeptOpen = "kept_open"
	DecisionNewDate  = "new_date"
)

// Decisions lists what a meeting can decide on an outstanding reference.
var Decisions = []Option{
	{DecisionClosed, "Agreed closed"},
	{DecisionKeptOpen, "Kept open"},
	{DecisionNewDate, "New date"},
}

// DecisionLabel returns the label of a decision.
func DecisionLabel(v string) string { return labelOf(Decisions, v) }

// Decision is what a meeting decided on one reference, or, without a
// meeting, an authorised person's closure between meetings.
type Decision struct {
	ID          int64
	MeetingID   *int64
	ReferenceID int64
	Outcome     string
	// NewDate is the new "to be completed" date of a DecisionNewDate.
	NewDate *time.Time
	Reason  string
	Author  string
	// On is the day it took effect: the meeting's date.
	On time.Time
	// Meeting names the meeting, for timelines.
	Meeting string
}

// Validate checks a decision before it is applied.
func (d Decision) Validate() error {
	var v ValidationError
	oneOf(&v, "outcome", d.Outcome, Decisions, "Choose a decision: agreed closed, kept open or new date")
	if d.Outcome == DecisionNewDate {
		if d.NewDate == nil {
			v.Add("new_date", "Enter the new date by which it is to be completed")
		}
		if strings.TrimSpace(d.Reason) == "" {
			v.Add("reason", "Say why the date is moving, for example “awaiting the survey results”")
		}
	}
	if d.MeetingID == nil && strings.TrimSpace(d.Reason) == "" {
		v.Add("reason", "Say why the reference is closed between meetings, for example “answered in full by letter of 3 June”")
	}
	validText(&v, "reason", d.Reason)
	return v.Err()
}

// ScheduleUpdate is one progress update in a schedule: on which action,
// when, by whom.
type ScheduleUpdate struct {
	Action string
	Date   time.Time
	Author string
	Text   string
}

// ScheduleItem is one outstanding reference on a meeting's schedule.
type ScheduleItem struct {
	Reference Reference
	// Officers are the owners of its open actions, as written.
	Officers []string
	// Progress are the updates dated since the previous meeting of the
	// body, up to the papers deadline, oldest first.
	Progress []ScheduleUpdate
	// ToBeCompleted is the reference's own date, or else the latest due
	// date of its open actions.
	ToBeCompleted *time.Time
	// ProposedForClosure is set when the body has responded, or when every
	// action on the reference is done.
	ProposedForClosure bool
	// Decision is what this meeting decided on it, if anything yet.
	Decision *Decision
}

// Schedule is a meeting's schedule of outstanding references.
type Schedule struct {
	Meeting Meeting
	// Since is the date of the body's previous meeting, nil for its first:
	// progress is what was dated after it.
	Since *time.Time
	Items []ScheduleItem
	// AsAt is the moment the schedule shows (Meeting.ScheduleMoment): the
	// end of the papers deadline's day once it has passed, or, before it,
	// now for a planned meeting and the moment of issue for papers issued
	// early. The meeting's IssuedAt says when the papers were recorded.
	AsAt time.Time
	// Issued says the schedule is the frozen copy issued with the papers.
	Issued bool
}

// AtDeadline reports whether the schedule shows the tracker as it stood at
// the end of the papers deadline's day.
func (sc Schedule) AtDeadline() bool {
	return sc.AsAt.Equal(EndOfDay(sc.Meeting.PapersDeadline))
}

// Standing says, in words for the page and the PDF, which moment the
// schedule shows and whether it is the issued one: "As they stood at the
// papers deadline, 5 July 2013 (issued 30 November 2026)".
func (sc Schedule) Standing() string {
	deadline := FormatDate(sc.Meeting.PapersDeadline)
	switch {
	case sc.Issued && sc.AtDeadline():
		s := "Issued: the references as they stood at the papers deadline, " + deadline
		if sc.Meeting.IssuedAt != nil {
			s += " (recorded " + FormatDate(*sc.Meeting.IssuedAt) + ")"
		}
		return s
	case sc.Issued && sc.AsAt.Before(EndOfDay(sc.Meeting.PapersDeadline)):
		return "Issued " + FormatDate(sc.AsAt) + ", before the papers deadline: the references as they stood then"
	case sc.Issued:
		// Frozen before the moment was kept: as at the moment of issue.
		return "Issued " + FormatDate(sc.AsAt) + ": the references as they stood then"
	case sc.AtDeadline():
		return "Not yet issued: the references as they stood at the papers deadline, " + deadline
	}
	return "Not yet issued: the references as the tracker stands"
}

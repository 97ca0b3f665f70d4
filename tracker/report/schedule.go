package report

import (
	"fmt"
	"io"
	"strings"

	"github.com/civic-tracker/tracker/tracker"
)

// KindSchedule is a meeting's schedule of outstanding references.
const KindSchedule = "schedule"

// ScheduleMeta is the header of a meeting's schedule: as at the day it
// shows (Schedule.AsAt: the papers deadline once it has passed, else the
// day the papers were issued, or today while they are not), so the same
// schedule prints the same bytes all day, and an issued one ever after.
func ScheduleMeta(sc tracker.Schedule) Meta {
	return Meta{Title: "Schedule of outstanding references – " + sc.Meeting.Heading(), AsAt: Moment(sc.AsAt), Author: sc.Meeting.Body.Name}
}

// Schedule writes a meeting's schedule of outstanding references as a
// committee paper: the meeting's particulars, a summary table, then each
// reference (bookmarked) with its dates, who is responsible, the progress
// since the last meeting and whether it is proposed for closure.
func Schedule(w io.Writer, fonts *Fonts, sc tracker.Schedule, meta Meta) (Result, error) {
	meta.Subject = "Every reference of " + sc.Meeting.Body.Name + " still open at the papers deadline"
	doc := newDoc(fonts, meta, false)
	doc.heading(0, "Schedule of outstanding references")
	since := "its first meeting: every update up to the papers deadline"
	if sc.Since != nil {
		since = "the previous meeting, " + tracker.FormatDate(*sc.Since)
	}
	doc.pairs([][2]string{
		{"Meeting of", sc.Meeting.Body.Name},
		{"Date of meeting", tracker.FormatDate(sc.Meeting.Date)},
		{"Papers deadline", tracker.FormatDate(sc.Meeting.PapersDeadline)},
		{"Progress since", since},
		{"Papers", sc.Standing()},
	})
	if len(sc.Items) == 0 {
		doc.markdown("No references are outstanding.", 0)
		return doc.done(w)
	}
	var rows [][]cell
	for _, it := range sc.Items {
		r := it.Reference
		rows = append(rows, []cell{{Text: orDash(r.Number)}, {Text: r.Title}, {Text: r.RespondingOrg.Label()},
			{Text: dateOr(it.ToBeCompleted, "Not set")}, {Text: yesNo(it.ProposedForClosure), Bold: it.ProposedForClosure}})
	}
	doc.table([]column{{Title: "No.", Align: "L", Fit: true}, {Title: "Reference", Width: 1, Align: "L"}, {Title: "Responsible body", Align: "L", Fit: true, Max: 0.25},
		{Title: "To be completed", Align: "L", Fit: true}, {Title: "Proposed for closure", Align: "L", Fit: true}}, rows, "Summary")
	for _, it := range sc.Items {
		doc.scheduleItem(it)
	}
	return doc.done(w)
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

// scheduleItem sets one reference of the schedule.
func (d *doc) scheduleItem(it tracker.ScheduleItem) {
	r := it.Reference
	heading := r.Title
	if r.Number != "" {
		heading = "Outstanding Reference: " + r.Heading()
	}
	d.heading(1, heading)
	officers := strings.Join(it.Officers, "; ")
	rows := [][2]string{
		{"Date raised", dateOr(r.DateRaised, "Not recorded")},
		{"Responsible body", r.RespondingOrg.Name},
		{"Responsible officer", orDash(officers)},
		{"To be completed", dateOr(it.ToBeCompleted, "Not set")},
		{"Proposed for closure", yesNo(it.ProposedForClosure)},
	}
	if dec := it.Decision; dec != nil {
		text := tracker.DecisionLabel(dec.Outcome)
		if dec.NewDate != nil {
			text += ": " + tracker.FormatDate(*dec.NewDate)
		}
		if dec.Reason != "" {
			text += " – " + dec.Reason
		}
		rows = append(rows, [2]string{"Decision", text})
	}
	d.pairs(rows)
	d.headingKeep(2, "Progress since the last meeting", 12)
	if len(it.Progress) == 0 {
		d.caption("No updates.")
		return
	}
	for _, u := range it.Progress {
		by := tracker.FormatDate(u.Date)
		if u.Author != "" {
			by += " · " + u.Author
		}
		d.caption(fmt.Sprintf("%s · %s", by, u.Action))
		d.markdown(u.Text, 0)
	}
}

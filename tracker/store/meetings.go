package store

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// Entity names of the meeting cycle in the audit trail.
const (
	EntityMeeting = "meeting"
)

type meetingRow struct {
	ID             int64
	BodyID         int64
	HeldOn         time.Time
	PapersDue      time.Time
	Status         string
	Notes          string
	IssuedAt       *time.Time
	IssuedSchedule *string
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

func (meetingRow) TableName() string { return "meetings" }

func (r meetingRow) domain() tracker.Meeting {
	m := tracker.Meeting{ID: r.ID, BodyID: r.BodyID, Date: tracker.Day(r.HeldOn), PapersDeadline: tracker.Day(r.PapersDue),
		Status: r.Status, Notes: r.Notes, Version: r.Version}
	if r.IssuedAt != nil {
		t := r.IssuedAt.UTC()
		m.IssuedAt = &t
	}
	return m
}

type decisionRow struct {
	ID          int64
	MeetingID   *int64
	ReferenceID int64
	Outcome     string
	NewDate     *time.Time
	Reason      string
	Author      string
	DecidedOn   time.Time
	CreatedAt   time.Time
}

func (decisionRow) TableName() string { return "meeting_decisions" }

func (r decisionRow) domain() tracker.Decision {
	return tracker.Decision{ID: r.ID, MeetingID: r.MeetingID, ReferenceID: r.ReferenceID, Outcome: r.Outcome, NewDate: utcDay(r.NewDate),
		Reason: r.Reason, Author: r.Author, On: tracker.Day(r.DecidedOn)}
}

// frozenSchedule is what a meeting keeps of its schedule when the papers
// are issued: the items as they stood, printed unchanged ever after. AsAt
// is the moment they show (the end of the papers deadline's day, or the
// moment of issue if that came first); copies frozen before it was kept
// show the moment of issue.
type frozenSchedule struct {
	Since *time.Time             `json:"since"`
	AsAt  *time.Time             `json:"as_at,omitempty"`
	Items []tracker.ScheduleItem `json:"items"`
}

// MeetingFilter narrows the list of meetings; zero values do not filter.
type MeetingFilter struct {
	BodyID int64
	Status string
	Page   tracker.Page
}

// Meeting returns one meeting with its body.
func (s *Store) Meeting(ctx context.Context, id int64) (tracker.Meeting, error) {
	var row meetingRow
	if err := s.q(ctx).Omit("issued_schedule").Take(&row, id).Error; err != nil {
		return tracker.Meeting{}, notFound(err, "meeting")
	}
	ms, err := s.withBodies(ctx, []meetingRow{row})
	if err != nil {
		return tracker.Meeting{}, err
	}
	return ms[0], nil
}

// ListMeetings returns a page of meetings, the latest first.
func (s *Store) ListMeetings(ctx context.Context, f MeetingFilter) ([]tracker.Meeting, int64, error) {
	q := func() *gorm.DB {
		q := s.q(ctx).Model(&meetingRow{})
		if f.BodyID != 0 {
			q = q.Where("body_id = ?", f.BodyID)
		}
		if f.Status != "" {
			q = q.Where("status = ?", f.Status)
		}
		return q
	}
	var total int64
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count meetings: %w", err)
	}
	var rows []meetingRow
	if err := q().Omit("issued_schedule").Order("held_on DESC, id DESC").Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list meetings: %w", err)
	}
	out, err := s.withBodies(ctx, rows)
	return out, total, err
}

func (s *Store) withBodies(ctx context.Context, rows []meetingRow) ([]tracker.Meeting, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.BodyID
	}
	orgs, err := s.organisationMap(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]tracker.Meeting, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		out[i].Body = orgs[r.BodyID]
	}
	return out, nil
}

// previousMeeting is the body's last meeting before m, nil for its first.
func (s *Store) previousMeeting(ctx context.Context, m tracker.Meeting) (*tracker.Meeting, error) {
	var rows []meetingRow
	if err := s.q(ctx).Omit("issued_schedule").Where("body_id = ? AND id <> ? AND (held_on < ? OR (held_on = ? AND id < ?))", m.BodyID, m.ID, m.Date, m.Date, m.ID).
		Order("held_on DESC, id DESC").Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("find the previous meeting: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	p := rows[0].domain()
	return &p, nil
}

// Schedule returns a meeting's schedule of outstanding references: the
// one frozen when its papers were issued, or, while it is planned, every
// reference its body raised, on or before the papers deadline, that was
// open at the end of that day (read as at then, once it has passed) or is
// open now (while it is still ahead). Each item carries what this meeting
// decided on it.
func (s *Store) Schedule(ctx context.Context, id int64) (tracker.Schedule, error) {
	var row meetingRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return tracker.Schedule{}, notFound(err, "meeting")
	}
	ms, err := s.withBodies(ctx, []meetingRow{row})
	if err != nil {
		return tracker.Schedule{}, err
	}
	sc := tracker.Schedule{Meeting: ms[0], AsAt: s.Now()}
	if row.IssuedSchedule != nil {
		var f frozenSchedule
		if err := json.Unmarshal([]byte(*row.IssuedSchedule), &f); err != nil {
			return sc, fmt.Errorf("read the issued schedule of meeting %d: %w", id, err)
		}
		sc.Since, sc.Items, sc.Issued = f.Since, f.Items, true
		if f.AsAt != nil {
			sc.AsAt = f.AsAt.UTC()
		} else if row.IssuedAt != nil {
			sc.AsAt = row.IssuedAt.UTC()
		}
	} else if sc.AsAt, sc.Since, sc.Items, err = s.readSchedule(ctx, sc.Meeting, sc.AsAt); err != nil {
		return sc, err
	}
	decided, err := s.decisions(ctx, "meeting_id = ?", id)
	if err != nil {
		return sc, err
	}
	latest := map[int64]tracker.Decision{}
	for _, d := range decided {
		latest[d.ReferenceID] = d // oldest first: the last one counts
	}
	for i := range sc.Items {
		if d, ok := latest[sc.Items[i].Reference.ID]; ok {
			sc.Items[i].Decision = &d
		}
	}
	return sc, nil
}

// readSchedule reads the items of a meeting's schedule at the moment it
// shows (tracker.Meeting.ScheduleMoment):
// once the papers deadline has passed, through ReadAsAt as the tracker
// stood at the end of that day (references open then, even if closed
// since, with their titles, officers and dates as they were); before it,
// as the tracker stands.
func (s *Store) readSchedule(ctx context.Context, m tracker.Meeting, now time.Time) (at time.Time, since *time.Time, items []tracker.ScheduleItem, err error) {
	at, past := m.ScheduleMoment(now)
	if !past {
		since, items, err = s.liveSchedule(ctx, m)
		return at, since, items, err
	}
	err = s.ReadAsAt(ctx, at, AsAtOptions{}, func(tx *Store, _ *tracker.View) error {
		var err error
		since, items, err = tx.liveSchedule(ctx, m)
		return err
	})
	return at, since, items, err
}

// liveSchedule reads the items of a meeting's schedule from the tracker as
// the store shows it: as it stands, or, through ReadAsAt, as it stood.
func (s *Store) liveSchedule(ctx context.Context, m tracker.Meeting) (*time.Time, []tracker.ScheduleItem, error) {
	prev, err := s.previousMeeting(ctx, m)
	if err != nil {
		return nil, nil, err
	}
	var since *time.Time
	if prev != nil {
		since = &prev.Date
	}
	var rows []referenceRow
	if err := s.q(ctx).Where("requested_by_id = ? AND status <> ? AND (raised_on IS NULL OR raised_on <= ?)", m.BodyID, tracker.RefClosed, m.PapersDeadline).
		Order("raised_on, id").Find(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("list the body's outstanding references: %w", err)
	}
	refs, err := s.withReferenceOrgs(ctx, rows)
	if err != nil {
		return nil, nil, err
	}
	sort.SliceStable(refs, func(i, j int) bool { return numberLess(refs[i].Number, refs[j].Number) })
	items := make([]tracker.ScheduleItem, len(refs))
	byRef := map[int64]int{}
	ids := make([]int64, len(refs))
	for i, r := range refs {
		items[i] = tracker.ScheduleItem{Reference: r, ToBeCompleted: r.DueDate, ProposedForClosure: r.Status == tracker.RefResponded}
		byRef[r.ID], ids[i] = i, r.ID
	}
	if len(ids) == 0 {
		return since, items, nil
	}
	var actions []actionRow
	if err := findIn(func() *gorm.DB { return s.q(ctx).Order("id") }, "reference_id IN ?", ids, &actions); err != nil {
		return nil, nil, fmt.Errorf("load the references' actions: %w", err)
	}
	s.scheduleActions(items, byRef, actions)
	return since, items, s.scheduleProgress(ctx, items, byRef, actions, since, m.PapersDeadline)
}

// numberLess orders reference numbers as people do: "2" before "13", and
// unnumbered ones after the numbered.
func numberLess(a, b string) bool {
	if (a == "") != (b == "") {
		return b == ""
	}
	if len(a) != len(b) && strings.TrimLeft(a, "0123456789") == "" && strings.TrimLeft(b, "0123456789") == "" {
		return len(a) < len(b)
	}
	return a < b
}

// scheduleActions fills each item's officers and, when the reference has
// no date of its own, the latest due date of its open actions; a reference
// whose actions are all done is proposed for closure.
func (s *Store) scheduleActions(items []tracker.ScheduleItem, byRef map[int64]int, actions []actionRow) {
	open := map[int64]int{}
	total := map[int64]int{}
	latest := map[int64]*time.Time{}
	for _, a := range actions {
		ref := *a.ReferenceID
		total[ref]++
		act := a.domain()
		if !act.Open() {
			continue
		}
		open[ref]++
		it := &items[byRef[ref]]
		if o := strings.TrimSpace(act.Owner); o != "" && !contains(it.Officers, o) {
			it.Officers = append(it.Officers, o)
		}
		if act.DueDate != nil && (latest[ref] == nil || act.DueDate.After(*latest[ref])) {
			latest[ref] = act.DueDate
		}
	}
	for ref, i := range byRef {
		if items[i].ToBeCompleted == nil {
			items[i].ToBeCompleted = latest[ref]
		}
		if total[ref] > 0 && open[ref] == 0 {
			items[i].ProposedForClosure = true
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// scheduleProgress fills each item's progress: the updates on its actions
// dated after since (the previous meeting) up to the papers deadline.
func (s *Store) scheduleProgress(ctx context.Context, items []tracker.ScheduleItem, byRef map[int64]int, actions []actionRow, since *time.Time, deadline time.Time) error {
	if len(actions) == 0 {
		return nil
	}
	refOf, what := map[int64]int64{}, map[int64]string{}
	ids := make([]int64, len(actions))
	for i, a := range actions {
		ids[i], refOf[a.ID], what[a.ID] = a.ID, *a.ReferenceID, a.Description
	}
	var ups []updateRow
	if err := findIn(func() *gorm.DB {
		q := s.q(ctx).Where("dated <= ?", tracker.EndOfDay(deadline)).Order("dated, id")
		if since != nil {
			q = q.Where("dated > ?", tracker.EndOfDay(*since))
		}
		return q
	}, "action_id IN ?", ids, &ups); err != nil {
		return fmt.Errorf("load progress since the last meeting: %w", err)
	}
	for _, u := range ups {
		it := &items[byRef[refOf[*u.ActionID]]]
		it.Progress = append(it.Progress, tracker.ScheduleUpdate{Action: what[*u.ActionID], Date: tracker.Day(u.Dated), Author: u.Author, Text: u.Text})
	}
	return nil
}

// decisions reads decisions, oldest first, with their meetings named.
func (s *Store) decisions(ctx context.Context, where string, args ...any) ([]tracker.Decision, error) {
	var rows []decisionRow
	if err := s.q(ctx).Where(where, args...).Order("decided_on, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load decisions: %w", err)
	}
	names := map[int64]string{}
	out := make([]tracker.Decision, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		if r.MeetingID == nil {
			continue
		}
		if _, ok := names[*r.MeetingID]; !ok {
			if m, err := s.Meeting(ctx, *r.MeetingID); err == nil {
				names[*r.MeetingID] = m.Heading()
			}
		}
		out[i].Meeting = names[*r.MeetingID]
	}
	return out, nil
}

// ReferenceDecisions returns the decisions taken on a reference, at
// meetings and between them, oldest first: its timeline of closure.
func (s *Store) ReferenceDecisions(ctx context.Context, refID int64) ([]tracker.Decision, error) {
	return s.decisions(ctx, "reference_id = ?", refID)
}

// CreateMeeting stores a new meeting.
func (s *Store) CreateMeeting(ctx context.Context, m tracker.Meeting) (tracker.Meeting, error) {
	m.Notes = strings.TrimSpace(m.Notes)
	if m.Status == "" {
		m.Status = tracker.MeetingPlanned
	}
	if err := m.Validate(); err != nil {
		return m, err
	}
	row := meetingRow{BodyID: m.BodyID, HeldOn: tracker.Day(m.Date), PapersDue: tracker.Day(m.PapersDeadline), Status: tracker.MeetingPlanned, Notes: m.Notes, Version: 1}
	err := s.Tx(ctx, func(tx *Store) error {
		if _, err := tx.Organisation(ctx, m.BodyID); err != nil {
			return &tracker.ValidationError{Fields: map[string]string{"body": "Choose the committee, sub-committee or board that meets"}}
		}
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("create meeting: %w", err)
		}
		if err := tx.recordCreate(ctx, EntityMeeting, row.ID, &row, nil); err != nil {
			return err
		}
		if m.Status == tracker.MeetingPlanned {
			return nil
		}
		// A meeting recorded after the event: its papers are frozen now.
		next := m
		next.ID, next.Version = row.ID, row.Version
		_, err := tx.updateMeeting(ctx, next)
		return err
	})
	if err != nil {
		return m, err
	}
	return s.Meeting(ctx, row.ID)
}

// UpdateMeeting changes a meeting; a stale version is a conflict. Moving it
// on from planned freezes its schedule for the papers: as it stood at the
// papers deadline once that has passed (a meeting recorded after the
// event, or papers issued late), else as it stands; IssuedAt is when this
// was recorded. Its papers once issued stay issued.
func (s *Store) UpdateMeeting(ctx context.Context, m tracker.Meeting) (tracker.Meeting, error) {
	m.Notes = strings.TrimSpace(m.Notes)
	if err := m.Validate(); err != nil {
		return m, err
	}
	var out tracker.Meeting
	err := s.Tx(ctx, func(tx *Store) error {
		var err error
		out, err = tx.updateMeeting(ctx, m)
		return err
	})
	return out, err
}

func (s *Store) updateMeeting(ctx context.Context, m tracker.Meeting) (tracker.Meeting, error) {
	var before meetingRow
	if err := s.q(ctx).Take(&before, m.ID).Error; err != nil {
		return m, notFound(err, "meeting")
	}
	if before.Version != m.Version {
		return m, staleErr(EntityMeeting, m.ID, before.Version)
	}
	if before.Status != tracker.MeetingPlanned && m.Status == tracker.MeetingPlanned {
		return m, &tracker.ValidationError{Fields: map[string]string{"status": "The papers have been issued; the meeting cannot be planned again. Add a new meeting instead"}}
	}
	after := before
	after.BodyID, after.HeldOn, after.PapersDue, after.Status, after.Notes = m.BodyID, tracker.Day(m.Date), tracker.Day(m.PapersDeadline), m.Status, m.Notes
	if before.IssuedSchedule != nil && before.BodyID != m.BodyID {
		return m, &tracker.ValidationError{Fields: map[string]string{"body": "The papers have been issued for this body; add a new meeting for another"}}
	}
	if before.IssuedSchedule == nil && m.Status != tracker.MeetingPlanned {
		cur := before.domain()
		cur.BodyID, cur.Date, cur.PapersDeadline = m.BodyID, tracker.Day(m.Date), tracker.Day(m.PapersDeadline)
		// Read in this transaction: ReadAsAt works in a savepoint of it.
		now := s.Now()
		at, since, items, err := s.readSchedule(ctx, cur, now)
		if err != nil {
			return m, err
		}
		b, err := json.Marshal(frozenSchedule{Since: since, AsAt: &at, Items: items})
		if err != nil {
			return m, fmt.Errorf("freeze the schedule: %w", err)
		}
		frozen := string(b)
		after.IssuedSchedule, after.IssuedAt = &frozen, &now
	}
	after.UpdatedAt = s.Now()
	if err := s.saveVersioned(ctx, EntityMeeting, m.ID, &before, &after, &after.Version, nil, nil); err != nil {
		return m, err
	}
	return s.Meeting(ctx, m.ID)
}

// applyDecision applies a decision to a reference at the version the
// person saw: closing it, moving its date with the reason kept as a
// revision, or keeping it open; each goes into the reference's history
// with the meeting and the reason, taking effect on the decision's day.
func (s *Store) applyDecision(ctx context.Context, d tracker.Decision, version int) (tracker.Decision, error) {
	ctx = tracker.TakingEffect(ctx, d.On)
	d.Reason = strings.TrimSpace(d.Reason)
	if err := d.Validate(); err != nil {
		return d, err
	}
	var before referenceRow
	if err := s.q(ctx).Take(&before, d.ReferenceID).Error; err != nil {
		return d, notFound(err, "reference")
	}
	if before.Version != version {
		return d, staleErr(EntityReference, d.ReferenceID, before.Version)
	}
	if before.Status == tracker.RefClosed {
		return d, &tracker.ValidationError{Fields: map[string]string{"outcome": "This reference is already closed; reopen it from its page first if the meeting reopened it"}}
	}
	after := before
	switch d.Outcome {
	case tracker.DecisionClosed:
		after.Status = tracker.RefClosed
	case tracker.DecisionNewDate:
		nd := tracker.Day(*d.NewDate)
		after.DueOn = &nd
		if err := s.addRevision(ctx, EntityReference, d.ReferenceID, "", before.DueOn, "", after.DueOn,
			DeadlineMove{Reason: d.Reason, On: d.On}); err != nil {
			return d, err
		}
	}
	after.UpdatedAt = s.Now()
	what := tracker.DecisionLabel(d.Outcome)
	if d.Meeting != "" {
		what += " at the meeting of " + d.Meeting
	}
	if err := s.saveVersioned(ctx, EntityReference, d.ReferenceID, &before, &after, &after.Version,
		map[string]any{"decision": nil, "reason": nil}, map[string]any{"decision": what, "reason": reasonValue(d.Reason)}); err != nil {
		return d, err
	}
	row := decisionRow{MeetingID: d.MeetingID, ReferenceID: d.ReferenceID, Outcome: d.Outcome, NewDate: dayArg(d.NewDate), Reason: d.Reason,
		Author: tracker.ActorFrom(ctx).Name, DecidedOn: tracker.Day(d.On)}
	if err := s.q(ctx).Create(&row).Error; err != nil {
		return d, fmt.Errorf("record the decision: %w", err)
	}
	out := row.domain()
	out.Meeting = d.Meeting
	return out, nil
}

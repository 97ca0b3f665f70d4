package store

import (
	"context"

	"github.com/civic-tracker/tracker/tracker"
)

// Meetings and the decisions taken at them.

// MayManageMeetings says whether the person may add meetings at all, and
// why not.
func (c Commands) MayManageMeetings() error { return c.user.CheckMeeting(0, nil) }

// MayChangeMeeting says whether the person may change the meeting and
// record its decisions, and why not.
func (c Commands) MayChangeMeeting(ctx context.Context, id int64) error {
	m, err := c.s.Meeting(ctx, id)
	if err != nil {
		return err
	}
	return c.user.CheckMeeting(m.BodyID, c.s.names(ctx))
}

// CreateMeeting adds a meeting of one of the person's bodies.
func (c Commands) CreateMeeting(ctx context.Context, m tracker.Meeting) (tracker.Meeting, error) {
	if err := c.user.CheckMeeting(0, nil); err != nil {
		return m, err
	}
	if m.BodyID != 0 && c.user.CheckMeeting(m.BodyID, nil) != nil {
		return m, &tracker.ValidationError{Fields: map[string]string{"body": "Choose a body you are a secretary of"}}
	}
	return c.s.CreateMeeting(ctx, m)
}

// UpdateMeeting changes a meeting of one of the person's bodies: its date,
// papers deadline, status (issuing the papers freezes the schedule) and
// notes.
func (c Commands) UpdateMeeting(ctx context.Context, m tracker.Meeting) (tracker.Meeting, error) {
	out := m
	err := c.tx(ctx, func(tx *Store) error {
		before, err := tx.Meeting(ctx, m.ID)
		if err != nil {
			return err
		}
		if err := c.user.CheckMeeting(before.BodyID, tx.names(ctx)); err != nil {
			return err
		}
		if m.BodyID != before.BodyID && c.user.CheckMeeting(m.BodyID, nil) != nil {
			return &tracker.ValidationError{Fields: map[string]string{"body": "Choose a body you are a secretary of"}}
		}
		out, err = tx.UpdateMeeting(ctx, m)
		return err
	})
	return out, err
}

// RecordDecision records what a meeting decided on one of its body's
// references, at the reference version the person saw: agreed closed,
// kept open, or a new date with a reason. It takes effect on the day of
// the meeting, which must have come; a meeting still planned has its
// schedule frozen first, and is held from then on.
func (c Commands) RecordDecision(ctx context.Context, meetingID int64, d tracker.Decision, version int) (tracker.Decision, error) {
	out := d
	err := c.tx(ctx, func(tx *Store) error {
		m, err := tx.Meeting(ctx, meetingID)
		if err != nil {
			return err
		}
		if err := c.user.CheckMeeting(m.BodyID, tx.names(ctx)); err != nil {
			return err
		}
		ref, err := tx.referenceOf(ctx, d.ReferenceID)
		if err != nil {
			return err
		}
		if ref.RequestedByID != m.BodyID {
			return &tracker.ValidationError{Fields: map[string]string{"reference": "This reference was not raised by " + m.Body.Name + "; its meetings cannot decide on it"}}
		}
		if m.Date.After(tx.Now()) {
			return &tracker.ValidationError{Fields: map[string]string{"outcome": "Decisions can be recorded from the day of the meeting, " + tracker.FormatDate(m.Date)}}
		}
		if m.Status != tracker.MeetingHeld {
			m.Status = tracker.MeetingHeld
			if _, err := tx.updateMeeting(ctx, m); err != nil {
				return err
			}
		}
		d.MeetingID, d.On, d.Meeting = &m.ID, m.Date, m.Heading()
		out, err = tx.applyDecision(ctx, d, version)
		return err
	})
	return out, err
}

// MayCloseReference says whether the person may close the reference
// between meetings, and why not.
func (c Commands) MayCloseReference(ctx context.Context, refID int64) error {
	ref, err := c.s.referenceOf(ctx, refID)
	if err != nil {
		return err
	}
	return c.user.CheckCloseReference(ref.RequestedByID, ref.RespondingOrgID, c.s.names(ctx))
}

// CloseReference closes a reference between meetings, with a reason, at
// the version the person saw; it takes effect today and leaves the next
// schedule of its body.
func (c Commands) CloseReference(ctx context.Context, refID int64, version int, reason string) (tracker.Decision, error) {
	var out tracker.Decision
	err := c.tx(ctx, func(tx *Store) error {
		ref, err := tx.referenceOf(ctx, refID)
		if err != nil {
			return err
		}
		if err := c.user.CheckCloseReference(ref.RequestedByID, ref.RespondingOrgID, tx.names(ctx)); err != nil {
			return err
		}
		out, err = tx.applyDecision(ctx, tracker.Decision{ReferenceID: refID, Outcome: tracker.DecisionClosed, Reason: reason, On: tx.Now()}, version)
		return err
	})
	return out, err
}

package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

type revisionRow struct {
	ID        int64
	Entity    string
	EntityID  int64
	OldText   string
	OldDate   *time.Time
	NewText   string
	NewDate   *time.Time
	Reason    string
	Author    string
	RevisedOn time.Time
	CreatedAt time.Time
}

func (revisionRow) TableName() string { return "deadline_revisions" }

func (r revisionRow) domain() tracker.DeadlineRevision {
	return tracker.DeadlineRevision{ID: r.ID, Entity: r.Entity, EntityID: r.EntityID, OldText: r.OldText, OldDate: utcDay(r.OldDate),
		NewText: r.NewText, NewDate: utcDay(r.NewDate), Reason: r.Reason, Author: r.Author, RevisedOn: tracker.Day(r.RevisedOn)}
}

// EntityRevision names deadline revisions in the audit trail.
const EntityRevision = "deadline_revision"

// DeadlineMove is a request to move a deadline: the new date, the new
// wording (optional), and why.
type DeadlineMove struct {
	Version int
	NewDate time.Time
	NewText string
	Reason  string
	On      time.Time // the day of the decision
}

func (m DeadlineMove) validate(old *time.Time) error {
	var v tracker.ValidationError
	if m.NewDate.IsZero() {
		v.Add("new_date", "Enter the new due date")
	} else if old != nil && tracker.Day(m.NewDate).Equal(*old) {
		v.Add("new_date", "The new date is the same as the current one")
	}
	if strings.TrimSpace(m.Reason) == "" {
		v.Add("reason", "Say why the date is moving, for example “hotline supplier delayed”")
	}
	return v.Err()
}

// MoveActionDue moves an action's due date, keeping the old date, the new
// one and the reason as a revision, in one transaction with the audit
// trail. A stale version is refused with a *ConflictError.
func (s *Store) MoveActionDue(ctx context.Context, id int64, m DeadlineMove) error {
	if !m.On.IsZero() {
		ctx = tracker.TakingEffect(ctx, m.On) // moved on that day
	}
	return s.Tx(ctx, func(tx *Store) error {
		var before actionRow
		if err := tx.q(ctx).Take(&before, id).Error; err != nil {
			return notFound(err, "action")
		}
		if before.Version != m.Version {
			cur, err := tx.Action(ctx, id)
			if err != nil {
				return err
			}
			return &ConflictError{Current: cur}
		}
		if err := m.validate(utcDay(before.DueDate)); err != nil {
			return err
		}
		after := before
		d := tracker.Day(m.NewDate)
		after.DueDate, after.DueText, after.Version = &d, strings.TrimSpace(m.NewText), before.Version+1
		if err := tx.addRevision(ctx, EntityAction, id, before.DueText, before.DueDate, after.DueText, after.DueDate, m); err != nil {
			return err
		}
		res := tx.q(ctx).Model(&actionRow{}).Where("id = ? AND version = ?", id, before.Version).
			Updates(map[string]any{"due_date": after.DueDate, "due_text": after.DueText, "version": after.Version, "updated_at": tx.Now()})
		if res.Error != nil {
			return fmt.Errorf("move due date: %w", res.Error)
		}
		return tx.recordUpdate(ctx, EntityAction, id, &before, &after)
	})
}

// MoveRecommendationDeadline moves a recommendation's deadline, keeping the
// wording as written and the reason as a revision.
func (s *Store) MoveRecommendationDeadline(ctx context.Context, id int64, m DeadlineMove) error {
	if !m.On.IsZero() {
		ctx = tracker.TakingEffect(ctx, m.On) // moved on that day
	}
	return s.Tx(ctx, func(tx *Store) error {
		var before recommendationRow
		if err := tx.q(ctx).Take(&before, id).Error; err != nil {
			return notFound(err, "recommendation")
		}
		if before.Version != m.Version {
			return fmt.Errorf("recommendation %d is at version %d: %w", id, before.Version, tracker.ErrConflict)
		}
		if err := m.validate(utcDay(before.DeadlineDate)); err != nil {
			return err
		}
		after := before
		d := tracker.Day(m.NewDate)
		after.DeadlineDate, after.Version = &d, before.Version+1
		if t := strings.TrimSpace(m.NewText); t != "" {
			after.DeadlineText = t
		}
		if err := tx.addRevision(ctx, EntityRecommendation, id, before.DeadlineText, before.DeadlineDate, after.DeadlineText, after.DeadlineDate, m); err != nil {
			return err
		}
		res := tx.q(ctx).Model(&recommendationRow{}).Where("id = ? AND version = ?", id, before.Version).
			Updates(map[string]any{"deadline_date": after.DeadlineDate, "deadline_text": after.DeadlineText, "version": after.Version, "updated_at": tx.Now()})
		if res.Error != nil {
			return fmt.Errorf("move deadline: %w", res.Error)
		}
		return tx.recordUpdate(ctx, EntityRecommendation, id, &before, &after)
	})
}

func (s *Store) addRevision(ctx context.Context, entity string, id int64, oldText string, oldDate *time.Time, newText string, newDate *time.Time, m DeadlineMove) error {
	on := m.On
	if on.IsZero() {
		on = s.Now()
	}
	row := revisionRow{Entity: entity, EntityID: id, OldText: oldText, OldDate: dayArg(oldDate), NewText: newText, NewDate: dayArg(newDate),
		Reason: strings.TrimSpace(m.Reason), Author: tracker.ActorFrom(ctx).Name, RevisedOn: tracker.Day(on)}
	if err := s.q(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("record deadline revision: %w", err)
	}
	return s.recordCreate(ctx, EntityRevision, row.ID, &row, nil)
}

// revisions loads the deadline revisions of the given items, oldest first.
func (s *Store) revisions(ctx context.Context, entity string, ids []int64) (map[int64][]tracker.DeadlineRevision, error) {
	out := map[int64][]tracker.DeadlineRevision{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []revisionRow
	if err := findIn(func() *gorm.DB { return s.q(ctx).Where("entity = ?", entity).Order("id") }, "entity_id IN ?", ids, &rows); err != nil {
		return nil, fmt.Errorf("load deadline revisions: %w", err)
	}
	for _, r := range rows {
		out[r.EntityID] = append(out[r.EntityID], r.domain())
	}
	return out, nil
}

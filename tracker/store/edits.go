package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// Action returns one action with its context and updates.
func (s *Store) Action(ctx context.Context, id int64) (tracker.ActionItem, error) {
	var row actionRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return tracker.ActionItem{}, notFound(err, "action")
	}
	items, err := s.actionItems(ctx, []actionRow{row}, false)
	if err != nil {
		return tracker.ActionItem{}, err
	}
	return items[0], nil
}

// ProgressChange is a progress update that may also move an action's
// status and RAG rating in the same step.
type ProgressChange struct {
	// Version is the action's version when the form was opened; a
	// different current version means someone else changed it meanwhile.
	Version     int
	Date        time.Time
	Text        string
	Status      string // "" keeps the status
	RAG         *string
	CompletedOn *time.Time
}

// ConflictError says an action changed after the person opened it, and
// how it stands now.
type ConflictError struct {
	Current tracker.ActionItem
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("action %d is at version %d: %s", e.Current.Action.ID, e.Current.Action.Version, tracker.ErrConflict)
}

// Unwrap lets errors.Is(err, tracker.ErrConflict) see a conflict.
func (e *ConflictError) Unwrap() error { return tracker.ErrConflict }

// PostUpdate adds a progress update to an action and applies any status and
// RAG change, in one transaction, recorded in the audit trail. A stale
// version is refused with a *ConflictError and nothing is stored.
func (s *Store) PostUpdate(ctx context.Context, actionID int64, ch ProgressChange) error {
	return s.Tx(ctx, func(tx *Store) error {
		var before actionRow
		if err := tx.q(ctx).Take(&before, actionID).Error; err != nil {
			return notFound(err, "action")
		}
		if before.Version != ch.Version {
			cur, err := tx.Action(ctx, actionID)
			if err != nil {
				return err
			}
			return &ConflictError{Current: cur}
		}
		after := before
		if ch.Status != "" {
			after.Status = ch.Status
		}
		if ch.RAG != nil {
			after.RAG = *ch.RAG
		}
		if after.Status == tracker.ActCompleted && after.CompletedOn == nil {
			d := tracker.Day(ch.Date)
			if ch.CompletedOn != nil {
				d = tracker.Day(*ch.CompletedOn)
			}
			after.CompletedOn = &d
		}
		if after.Status != tracker.ActCompleted {
			after.CompletedOn = nil
		}
		a := after.domain()
		if err := a.Validate(); err != nil {
			return err
		}
		if _, err := tx.CreateUpdate(ctx, tracker.Update{ActionID: &actionID, Date: ch.Date, Author: tracker.ActorFrom(ctx).Name, Text: ch.Text}); err != nil {
			return err
		}
		if s.snapshotEqual(&before, &after) {
			return nil
		}
		after.Version = before.Version + 1
		res := tx.q(ctx).Model(&actionRow{}).Where("id = ? AND version = ?", actionID, before.Version).
			Updates(map[string]any{"status": after.Status, "rag": after.RAG, "completed_on": after.CompletedOn, "version": after.Version, "updated_at": tx.Now()})
		if res.Error != nil {
			return fmt.Errorf("update action: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			cur, _ := tx.Action(ctx, actionID)
			return &ConflictError{Current: cur}
		}
		// The status and rating changed on the update's date.
		return tx.recordUpdate(tracker.TakingEffect(ctx, ch.Date), EntityAction, actionID, &before, &after)
	})
}

func (s *Store) snapshotEqual(a, b any) bool {
	return len(tracker.Diff(s.snapshot(a), s.snapshot(b))) == 0
}

// DeleteAction soft-deletes an action; an admin can restore it.
func (s *Store) DeleteAction(ctx context.Context, id int64, version int) error {
	return s.Tx(ctx, func(tx *Store) error {
		var row actionRow
		if err := tx.q(ctx).Take(&row, id).Error; err != nil {
			return notFound(err, "action")
		}
		if row.Version != version {
			cur, err := tx.Action(ctx, id)
			if err != nil {
				return err
			}
			return &ConflictError{Current: cur}
		}
		if err := tx.q(ctx).Delete(&actionRow{}, id).Error; err != nil {
			return fmt.Errorf("delete action: %w", err)
		}
		return tx.record(ctx, EntityAction, id, tracker.OpDelete, nil)
	})
}

// RestoreAction brings back a deleted action.
func (s *Store) RestoreAction(ctx context.Context, id int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Unscoped().Model(&actionRow{}).Where("id = ? AND deleted_at IS NOT NULL", id).Update("deleted_at", nil)
		if res.Error != nil {
			return fmt.Errorf("restore action: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("deleted action %d: %w", id, tracker.ErrNotFound)
		}
		return tx.record(ctx, EntityAction, id, tracker.OpRestore, nil)
	})
}

// DeletedAction is a deleted action with when and by whom.
type DeletedAction struct {
	Item      tracker.ActionItem
	DeletedAt time.Time
	DeletedBy string
}

// DeletedActions lists deleted actions, most recently deleted first.
func (s *Store) DeletedActions(ctx context.Context) ([]DeletedAction, error) {
	var rows []actionRow
	if err := s.q(ctx).Unscoped().Where("deleted_at IS NOT NULL").Order("deleted_at DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list deleted actions: %w", err)
	}
	items, err := s.actionItems(ctx, rows, false)
	if err != nil {
		return nil, err
	}
	out := make([]DeletedAction, len(rows))
	for i, r := range rows {
		out[i] = DeletedAction{Item: items[i], DeletedAt: r.DeletedAt.Time.UTC()}
		var ev auditRow
		if err := s.q(ctx).Where("entity = ? AND entity_id = ? AND op = ?", EntityAction, r.ID, tracker.OpDelete).Order("at DESC, id DESC").Take(&ev).Error; err == nil {
			out[i].DeletedBy = ev.Actor
		}
	}
	return out, nil
}

// SaveReferenceReport stores what the secretary chose for a reference's
// formal reply: the introduction (nil: use the reply's text) and the
// recommendations to include (nil: all). A stale version is refused.
func (s *Store) SaveReferenceReport(ctx context.Context, refID int64, version int, intro *string, items []int64) error {
	return s.Tx(ctx, func(tx *Store) error {
		var before referenceRow
		if err := tx.q(ctx).Take(&before, refID).Error; err != nil {
			return notFound(err, "reference")
		}
		if before.Version != version {
			return fmt.Errorf("reference %d is at version %d: %w", refID, before.Version, tracker.ErrConflict)
		}
		after := before
		after.ReportIntro = intro
		after.ReportItems = nil
		if items != nil {
			b, _ := json.Marshal(items)
			s := string(b)
			after.ReportItems = &s
		}
		after.Version++
		res := tx.q(ctx).Model(&referenceRow{}).Where("id = ? AND version = ?", refID, version).
			Updates(map[string]any{"report_intro": after.ReportIntro, "report_items": after.ReportItems, "version": after.Version, "updated_at": tx.Now()})
		if res.Error != nil {
			return fmt.Errorf("save reference report: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("reference %d: %w", refID, tracker.ErrConflict)
		}
		return tx.recordUpdate(ctx, EntityReference, refID, &before, &after)
	})
}

// ReviseResponse stores a new revision of an organisation's response to a
// recommendation; expected is the revision the person saw (0 for none). A
// different current revision is tracker.ErrConflict: someone else answered
// meanwhile, and nothing is stored.
func (s *Store) ReviseResponse(ctx context.Context, r tracker.Response, expected int) (tracker.Response, error) {
	err := s.Tx(ctx, func(tx *Store) error {
		var last int
		if err := tx.q(ctx).Model(&responseRow{}).
			Where("recommendation_id = ? AND organisation_id = ?", r.RecommendationID, r.OrganisationID).
			Select("COALESCE(MAX(revision), 0)").Scan(&last).Error; err != nil {
			return fmt.Errorf("find last revision: %w", err)
		}
		if last != expected {
			return fmt.Errorf("response is at revision %d, not %d: %w", last, expected, tracker.ErrConflict)
		}
		created, err := tx.CreateResponse(ctx, r)
		r = created
		return err
	})
	return r, err
}

// RecommendationChange is a change of a recommendation's status and the
// overseer's assessment, with the reason for it.
type RecommendationChange struct {
	Version        int
	Status         string
	Assessment     string
	AssessmentNote string
	Reason         string
	On             time.Time
}

// ChangeRecommendation sets status and assessment; a status set so is
// every addressee's own status from then on. Closing or reopening
// needs a reason; the change goes on the recommendation's timeline as a
// progress update, in one transaction with the audit trail.
func (s *Store) ChangeRecommendation(ctx context.Context, id int64, ch RecommendationChange) error {
	return s.Tx(ctx, func(tx *Store) error {
		var before recommendationRow
		if err := tx.q(ctx).Take(&before, id).Error; err != nil {
			return notFound(err, "recommendation")
		}
		if before.Version != ch.Version {
			return fmt.Errorf("recommendation %d is at version %d: %w", id, before.Version, tracker.ErrConflict)
		}
		var v tracker.ValidationError
		if !validStatus(ch.Status) {
			v.Add("status", "Choose a status")
		}
		if !validAssessment(ch.Assessment) {
			v.Add("assessment", "Choose an assessment")
		}
		closing := (before.Status == tracker.RecClosed) != (ch.Status == tracker.RecClosed)
		if closing && strings.TrimSpace(ch.Reason) == "" {
			v.Add("reason", "Say why the recommendation is being closed or reopened, for example “closed by the committee on 12 March”")
		}
		if err := v.Err(); err != nil {
			return err
		}
		after := before
		after.Status, after.Assessment, after.AssessmentNote, after.Version = ch.Status, ch.Assessment, strings.TrimSpace(ch.AssessmentNote), before.Version+1
		if s.snapshotEqual(&before, &after) && strings.TrimSpace(ch.Reason) == "" {
			return nil
		}
		res := tx.q(ctx).Model(&recommendationRow{}).Where("id = ? AND version = ?", id, before.Version).
			Updates(map[string]any{"status": after.Status, "assessment": after.Assessment, "assessment_note": after.AssessmentNote, "version": after.Version, "updated_at": tx.Now()})
		if res.Error != nil {
			return fmt.Errorf("change recommendation: %w", res.Error)
		}
		var parts []string
		if before.Status != after.Status {
			parts = append(parts, fmt.Sprintf("Status: %s → %s.", tracker.RecommendationStatusLabel(before.Status), tracker.RecommendationStatusLabel(after.Status)))
		}
		if before.Assessment != after.Assessment {
			parts = append(parts, fmt.Sprintf("Assessment: %s → %s.", tracker.AssessmentLabel(before.Assessment), tracker.AssessmentLabel(after.Assessment)))
		}
		if r := strings.TrimSpace(ch.Reason); r != "" {
			parts = append(parts, "Reason: "+r)
		}
		if len(parts) > 0 {
			on := ch.On
			if on.IsZero() {
				on = tx.Now()
			}
			if _, err := tx.CreateUpdate(ctx, tracker.Update{RecommendationID: &id, Date: on, Author: tracker.ActorFrom(ctx).Name, Text: strings.Join(parts, " ")}); err != nil {
				return err
			}
		}
		if !ch.On.IsZero() {
			ctx = tracker.TakingEffect(ctx, ch.On)
		}
		if before.Status == after.Status {
			return tx.recordUpdate(ctx, EntityRecommendation, id, &before, &after)
		}
		// The status set as a whole is every addressee's status from now on
		// (the rule in tracker/addressee.go).
		on := ch.On
		if on.IsZero() {
			on = tx.Now()
		}
		oldLinks, newLinks, err := tx.setEveryAddressee(ctx, id, after.Status, on)
		if err != nil {
			return err
		}
		return tx.recordWithLinks(ctx, &before, &after, oldLinks, newLinks)
	})
}

func validStatus(v string) bool {
	for _, o := range tracker.RecommendationStatuses {
		if o.Value == v {
			return true
		}
	}
	return false
}

func validAssessment(v string) bool {
	for _, o := range tracker.Assessments {
		if o.Value == v {
			return true
		}
	}
	return false
}

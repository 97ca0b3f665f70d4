package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// The edits in this file change an item's own fields. Each takes the
// version the person saw; a different current version is refused with an
// error that wraps tracker.ErrConflict, and nothing is stored. Status,
// deadline and progress changes have their own steps, which need reasons.

func staleErr(entity string, id int64, version int) error {
	return fmt.Errorf("%s %d is at version %d: %w", entity, id, version, tracker.ErrConflict)
}

// saveVersioned writes every column of after over the row at before's
// version, bumping the version, and records the difference. extraBefore
// and extraAfter describe fields kept in other tables (links, addressees).
func (s *Store) saveVersioned(ctx context.Context, entity string, id int64, before, after any, version *int, extraBefore, extraAfter map[string]any) error {
	old := *version
	*version = old + 1
	res := s.q(ctx).Model(after).Where("version = ?", old).Select("*").Omit("id", "created_at", "deleted_at").Updates(after)
	if res.Error != nil {
		if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
			return &tracker.ValidationError{Fields: map[string]string{"number": "Another item already has this number"}}
		}
		return fmt.Errorf("update %s: %w", entity, res.Error)
	}
	if res.RowsAffected != 1 {
		return staleErr(entity, id, old)
	}
	b, a := s.snapshot(before), s.snapshot(after)
	for k, v := range extraBefore {
		b[k] = auditValue(v)
	}
	for k, v := range extraAfter {
		a[k] = auditValue(v)
	}
	changes := tracker.Diff(b, a)
	if len(changes) == 0 {
		return nil
	}
	return s.record(ctx, entity, id, tracker.OpUpdate, changes)
}

// CreateOrganisation stores a new organisation; a name already taken is
// refused at its field.
func (s *Store) CreateOrganisation(ctx context.Context, o tracker.Organisation) (tracker.Organisation, error) {
	o.Name, o.ShortName = strings.TrimSpace(o.Name), strings.TrimSpace(o.ShortName)
	if err := o.Validate(); err != nil {
		return o, err
	}
	var n int64
	if err := s.q(ctx).Model(&organisationRow{}).Where("LOWER(name) = LOWER(?)", o.Name).Count(&n).Error; err != nil {
		return o, fmt.Errorf("check organisation name: %w", err)
	}
	if n > 0 {
		return o, &tracker.ValidationError{Fields: map[string]string{"name": "There is already an organisation called " + o.Name}}
	}
	return s.EnsureOrganisation(ctx, o)
}

// UpdateOrganisation changes an organisation's name and short name.
func (s *Store) UpdateOrganisation(ctx context.Context, o tracker.Organisation) (tracker.Organisation, error) {
	o.Name, o.ShortName = strings.TrimSpace(o.Name), strings.TrimSpace(o.ShortName)
	if err := o.Validate(); err != nil {
		return o, err
	}
	var after organisationRow
	err := s.Tx(ctx, func(tx *Store) error {
		var before organisationRow
		if err := tx.q(ctx).Take(&before, o.ID).Error; err != nil {
			return notFound(err, "organisation")
		}
		if before.Version != o.Version {
			return staleErr(EntityOrganisation, o.ID, before.Version)
		}
		var n int64
		if err := tx.q(ctx).Model(&organisationRow{}).Where("LOWER(name) = LOWER(?) AND id <> ?", o.Name, o.ID).Count(&n).Error; err != nil {
			return fmt.Errorf("check organisation name: %w", err)
		}
		if n > 0 {
			return &tracker.ValidationError{Fields: map[string]string{"name": "There is already an organisation called " + o.Name}}
		}
		after = before
		after.Name, after.ShortName = o.Name, o.ShortName
		return tx.saveVersioned(ctx, EntityOrganisation, o.ID, &before, &after, &after.Version, nil, nil)
	})
	if err != nil {
		return o, err
	}
	return after.domain(), nil
}

// UpdateSource changes a source's own fields.
func (s *Store) UpdateSource(ctx context.Context, src tracker.Source) (tracker.Source, error) {
	if err := src.Validate(); err != nil {
		return src, err
	}
	var after sourceRow
	err := s.Tx(ctx, func(tx *Store) error {
		var before sourceRow
		if err := tx.q(ctx).Take(&before, src.ID).Error; err != nil {
			return notFound(err, "source")
		}
		if before.Version != src.Version {
			return staleErr(EntitySource, src.ID, before.Version)
		}
		after = before
		after.Kind, after.Title, after.IssuedByID, after.IssuedOn, after.DateText = src.Kind, src.Title, src.IssuedByID, dayArg(src.Date), src.DateText
		after.Reference, after.URL, after.Publisher, after.Pages = src.Reference, src.URL, src.Publisher, src.Pages
		after.Summary, after.Keywords = src.Summary, tracker.JoinList(src.Keywords)
		return tx.saveVersioned(ctx, EntitySource, src.ID, &before, &after, &after.Version, nil, nil)
	})
	if err != nil {
		return src, err
	}
	return after.domain(), nil
}

// UpdateRecommendation changes a recommendation's number, title, text,
// addressees and themes. Its status, assessment and deadline change
// through their own steps, which keep a reason.
func (s *Store) UpdateRecommendation(ctx context.Context, r tracker.Recommendation) (tracker.Recommendation, error) {
	var after recommendationRow
	err := s.Tx(ctx, func(tx *Store) error {
		var before recommendationRow
		if err := tx.q(ctx).Take(&before, r.ID).Error; err != nil {
			return notFound(err, "recommendation")
		}
		// Fields this edit does not own come from the row, so that
		// validation sees the whole item.
		r.SourceID, r.Status, r.Assessment = before.SourceID, before.Status, before.Assessment
		if err := r.Validate(); err != nil {
			return err
		}
		if before.Version != r.Version {
			return staleErr(EntityRecommendation, r.ID, before.Version)
		}
		oldLinks, err := tx.links(ctx, r.ID)
		if err != nil {
			return err
		}
		// An addressee kept keeps its own status; one added takes the
		// recommendation's status as it stands; the overall status is then
		// derived again (tracker.DerivedStatus).
		newLinks := keptLinks(r.ID, oldLinks, r.Addressees, before.Status)
		after = before
		after.Number, after.Title, after.Text, after.Themes = strings.TrimSpace(r.Number), r.Title, r.Text, tracker.JoinList(r.Themes)
		after.Status = tracker.DerivedStatus(linkStatuses(newLinks), before.Status)
		if err := tx.saveVersioned(ctx, EntityRecommendation, r.ID, &before, &after, &after.Version,
			linkFields(oldLinks), linkFields(newLinks)); err != nil {
			return err
		}
		if fmt.Sprint(linkFields(oldLinks)["addressees"]) == fmt.Sprint(linkFields(newLinks)["addressees"]) {
			return nil
		}
		if err := tx.q(ctx).Where("recommendation_id = ?", r.ID).Delete(&addresseeRow{}).Error; err != nil {
			return fmt.Errorf("replace addressees: %w", err)
		}
		for i := range newLinks {
			if err := tx.q(ctx).Create(&newLinks[i]).Error; err != nil {
				return fmt.Errorf("add addressee: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	return after.domain(), nil
}

// keptLinks are a recommendation's addressee rows after its addressees
// became orgs: those kept keep their status, date and version, in the new
// order; those added start at status.
func keptLinks(recID int64, old []addresseeRow, orgs []tracker.Organisation, status string) []addresseeRow {
	had := map[int64]addresseeRow{}
	for _, l := range old {
		had[l.OrganisationID] = l
	}
	out := make([]addresseeRow, len(orgs))
	for i, o := range orgs {
		l, ok := had[o.ID]
		if !ok {
			l = addresseeRow{RecommendationID: recID, OrganisationID: o.ID, Status: status, Version: 1}
		}
		l.SortOrder = i
		out[i] = l
	}
	return out
}

// UpdateActionDetails changes what an action is and who owns it: its
// description, organisation, owner and unit. Progress, status and due
// date change through updates and deadline moves.
func (s *Store) UpdateActionDetails(ctx context.Context, a tracker.Action) (tracker.Action, error) {
	var after actionRow
	err := s.Tx(ctx, func(tx *Store) error {
		var before actionRow
		if err := tx.q(ctx).Take(&before, a.ID).Error; err != nil {
			return notFound(err, "action")
		}
		after = before
		after.Description, after.OrganisationID = strings.TrimSpace(a.Description), a.OrganisationID
		after.Owner, after.OwnerUnit = strings.TrimSpace(a.Owner), strings.TrimSpace(a.OwnerUnit)
		after.OwnerUserID, after.OwnerEmail = a.OwnerUserID, tracker.NormaliseEmail(a.OwnerEmail)
		if err := after.domain().Validate(); err != nil {
			return err
		}
		if before.Version != a.Version {
			cur, err := tx.Action(ctx, a.ID)
			if err != nil {
				return err
			}
			return &ConflictError{Current: cur}
		}
		if after.OrganisationID != before.OrganisationID && after.RecommendationID != nil {
			// An action serving a recommendation belongs to one of its
			// addressees, as when it was added.
			var n int64
			if err := tx.q(ctx).Model(&addresseeRow{}).Where("recommendation_id = ? AND organisation_id = ?", *after.RecommendationID, after.OrganisationID).Count(&n).Error; err != nil {
				return fmt.Errorf("check addressees: %w", err)
			}
			if n == 0 {
				return &tracker.ValidationError{Fields: map[string]string{"organisation": "Choose one of the recommendation's addressees"}}
			}
		}
		return tx.saveVersioned(ctx, EntityAction, a.ID, &before, &after, &after.Version, nil, nil)
	})
	if err != nil {
		return a, err
	}
	return after.domain(), nil
}

// UpdateReference changes a reference's fields and the recommendations it
// covers, in the order given. The secretary's report choices stay.
// Closing or reopening needs a reason, which the history keeps.
func (s *Store) UpdateReference(ctx context.Context, r tracker.Reference, recommendationIDs []int64, reason string) (tracker.Reference, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	reason = strings.TrimSpace(reason)
	var after referenceRow
	err := s.Tx(ctx, func(tx *Store) error {
		var before referenceRow
		if err := tx.q(ctx).Take(&before, r.ID).Error; err != nil {
			return notFound(err, "reference")
		}
		if before.Version != r.Version {
			return staleErr(EntityReference, r.ID, before.Version)
		}
		if (before.Status == tracker.RefClosed) != (r.Status == tracker.RefClosed) && reason == "" {
			return &tracker.ValidationError{Fields: map[string]string{"reason": "Say why the reference is being closed or reopened, for example “closed by the Sub-Committee on 12 March”"}}
		}
		var oldIDs []int64
		if err := tx.q(ctx).Model(&referenceRecommendationRow{}).Where("reference_id = ?", r.ID).Order("sort_order").Pluck("recommendation_id", &oldIDs).Error; err != nil {
			return fmt.Errorf("load linked recommendations: %w", err)
		}
		if recommendationIDs == nil {
			recommendationIDs = []int64{}
		}
		after = before
		after.Number, after.Title, after.RequestedByID, after.RespondingOrgID = strings.TrimSpace(r.Number), strings.TrimSpace(r.Title), r.RequestedByID, r.RespondingOrgID
		after.RaisedOn, after.RequestText, after.Status, after.SourceID = dayArg(r.DateRaised), r.RequestText, r.Status, r.SourceID
		after.DueOn = dayArg(r.DueDate)
		if err := tx.saveVersioned(ctx, EntityReference, r.ID, &before, &after, &after.Version,
			map[string]any{"recommendations": oldIDs, "reason": nil}, map[string]any{"recommendations": recommendationIDs, "reason": reasonValue(reason)}); err != nil {
			return err
		}
		if fmt.Sprint(oldIDs) == fmt.Sprint(recommendationIDs) {
			return nil
		}
		if err := tx.q(ctx).Where("reference_id = ?", r.ID).Delete(&referenceRecommendationRow{}).Error; err != nil {
			return fmt.Errorf("replace linked recommendations: %w", err)
		}
		for i, id := range recommendationIDs {
			if err := tx.q(ctx).Create(&referenceRecommendationRow{ReferenceID: r.ID, RecommendationID: id, SortOrder: i}).Error; err != nil {
				return fmt.Errorf("link recommendation to reference: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	return after.domain(), nil
}

// Measure returns one measure with its values, oldest period first.
func (s *Store) Measure(ctx context.Context, id int64) (tracker.Measure, error) {
	var row measureRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return tracker.Measure{}, notFound(err, "measure")
	}
	m := row.domain()
	m.Version = row.Version
	var vals []measureValueRow
	if err := s.q(ctx).Where("measure_id = ?", id).Order("period_end, id").Find(&vals).Error; err != nil {
		return m, fmt.Errorf("load measure values: %w", err)
	}
	for _, v := range vals {
		m.Values = append(m.Values, v.domain())
	}
	if o, err := s.Organisation(ctx, row.OrganisationID); err == nil {
		m.Organisation = o
	}
	return m, nil
}

// UpdateMeasure changes a measure's definition: name, unit, direction,
// target and description. Values are added and removed on their own.
func (s *Store) UpdateMeasure(ctx context.Context, m tracker.Measure) (tracker.Measure, error) {
	m.Values = nil
	if err := m.Validate(); err != nil {
		return m, err
	}
	var after measureRow
	err := s.Tx(ctx, func(tx *Store) error {
		var before measureRow
		if err := tx.q(ctx).Take(&before, m.ID).Error; err != nil {
			return notFound(err, "measure")
		}
		if before.Version != m.Version {
			return staleErr(EntityMeasure, m.ID, before.Version)
		}
		after = before
		after.OrganisationID, after.SourceID, after.Name, after.Unit, after.Direction = m.OrganisationID, m.SourceID, strings.TrimSpace(m.Name), m.Unit, m.Direction
		after.Target, after.TargetText, after.TargetDate, after.Description = m.Target, m.TargetText, dayArg(m.TargetDate), m.Description
		err := tx.saveVersioned(ctx, EntityMeasure, m.ID, &before, &after, &after.Version, nil, nil)
		var invalid *tracker.ValidationError
		if errors.As(err, &invalid) && invalid.Fields["number"] != "" {
			return duplicateMeasure(after.Name)
		}
		return err
	})
	if err != nil {
		return m, err
	}
	return s.Measure(ctx, m.ID)
}

// AddMeasureValue records a measure's value for a period. The measure's
// version moves on, so two people adding the same period at once see it.
func (s *Store) AddMeasureValue(ctx context.Context, measureID int64, version int, v tracker.MeasureValue) (tracker.MeasureValue, error) {
	var ve tracker.ValidationError
	if strings.TrimSpace(v.Period) == "" {
		ve.Add("period", "Enter the period the value is for, like “2012/13” or “Q1 2013”")
	}
	if v.PeriodEnd.IsZero() {
		ve.Add("period_end", "Enter the date the period ends")
	}
	if math.IsInf(v.Value, 0) || math.IsNaN(v.Value) {
		ve.Add("value", "Enter the value as a number, like 76")
	}
	if err := ve.Err(); err != nil {
		return v, err
	}
	err := s.changeValues(ctx, measureID, version, func(tx *Store) error {
		row := measureValueRow{MeasureID: measureID, Period: strings.TrimSpace(v.Period), PeriodEnd: tracker.Day(v.PeriodEnd), Value: v.Value, Note: v.Note}
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &tracker.ValidationError{Fields: map[string]string{"period_end": "There is already a value for the period ending " + tracker.FormatDate(row.PeriodEnd) + "; remove it first to replace it"}}
			}
			return fmt.Errorf("add measure value: %w", err)
		}
		v = row.domain()
		return nil
	})
	return v, err
}

// RemoveMeasureValue deletes one value of a measure; the trail keeps it.
func (s *Store) RemoveMeasureValue(ctx context.Context, measureID int64, version int, valueID int64) error {
	return s.changeValues(ctx, measureID, version, func(tx *Store) error {
		res := tx.q(ctx).Where("id = ? AND measure_id = ?", valueID, measureID).Delete(&measureValueRow{})
		if res.Error != nil {
			return fmt.Errorf("remove measure value: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("measure value: %w", tracker.ErrNotFound)
		}
		return nil
	})
}

// changeValues runs fn on a measure's values at the expected version and
// records the values before and after in the measure's history.
func (s *Store) changeValues(ctx context.Context, measureID int64, version int, fn func(tx *Store) error) error {
	return s.Tx(ctx, func(tx *Store) error {
		before, err := tx.Measure(ctx, measureID)
		if err != nil {
			return err
		}
		if before.Version != version {
			return staleErr(EntityMeasure, measureID, before.Version)
		}
		if err := fn(tx); err != nil {
			return err
		}
		after, err := tx.Measure(ctx, measureID)
		if err != nil {
			return err
		}
		res := tx.q(ctx).Model(&measureRow{}).Where("id = ? AND version = ?", measureID, version).
			Updates(map[string]any{"version": version + 1, "updated_at": tx.Now()})
		if res.Error != nil || res.RowsAffected != 1 {
			return staleErr(EntityMeasure, measureID, version)
		}
		changes := tracker.Diff(map[string]any{"values": auditValue(valueList(before.Values)), "version": version},
			map[string]any{"values": auditValue(valueList(after.Values)), "version": version + 1})
		return tx.record(ctx, EntityMeasure, measureID, tracker.OpUpdate, changes)
	})
}

// valueList is how the trail shows a measure's values: one line each.
func valueList(vals []tracker.MeasureValue) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = fmt.Sprintf("%s (to %s): %g", v.Period, v.PeriodEnd.Format("2006-01-02"), v.Value)
		if v.Note != "" {
			out[i] += " – " + v.Note
		}
	}
	return out
}

// reasonValue is a reason as the history keeps it: none when blank.
func reasonValue(reason string) any {
	if reason == "" {
		return nil
	}
	return reason
}

// duplicateMeasure is the message for a measure name its body already uses.
func duplicateMeasure(name string) error {
	return &tracker.ValidationError{Fields: map[string]string{"name": "This organisation already has a measure called " + name}}
}

package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// EnsureOrganisation returns the organisation with o's name, creating it
// when there is none.
func (s *Store) EnsureOrganisation(ctx context.Context, o tracker.Organisation) (tracker.Organisation, error) {
	if err := o.Validate(); err != nil {
		return o, err
	}
	var row organisationRow
	err := s.q(ctx).Where("name = ?", o.Name).Take(&row).Error
	if err == nil {
		return row.domain(), nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return o, fmt.Errorf("find organisation: %w", err)
	}
	row = organisationRow{Name: o.Name, ShortName: o.ShortName, Version: 1}
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("create organisation: %w", err)
		}
		return tx.recordCreate(ctx, EntityOrganisation, row.ID, &row, nil)
	})
	return row.domain(), err
}

// CreateSource stores a new source and returns it with its id.
func (s *Store) CreateSource(ctx context.Context, src tracker.Source) (tracker.Source, error) {
	if err := src.Validate(); err != nil {
		return src, err
	}
	row := sourceRow{
		Kind: src.Kind, Title: src.Title, IssuedByID: src.IssuedByID, IssuedOn: dayArg(src.Date),
		DateText: src.DateText, Reference: src.Reference, URL: src.URL, Publisher: src.Publisher,
		Pages: src.Pages, Summary: src.Summary, Keywords: tracker.JoinList(src.Keywords), Version: 1,
	}
	err := s.Tx(ctx, func(tx *Store) error {
		tx.stamp(ctx, &row, nil)
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("create source: %w", err)
		}
		return tx.recordCreate(ctx, EntitySource, row.ID, &row, nil)
	})
	src.ID, src.Version = row.ID, row.Version
	return src, err
}

// CreateRecommendation stores a recommendation with its addressees.
func (s *Store) CreateRecommendation(ctx context.Context, r tracker.Recommendation) (tracker.Recommendation, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	r.SettleStatuses()
	row := recommendationRow{
		SourceID: r.SourceID, Number: r.Number, Title: r.Title, Text: r.Text, DeadlineText: r.DeadlineText,
		DeadlineDate: dayArg(r.DeadlineDate), Themes: tracker.JoinList(r.Themes), Status: r.Status,
		Assessment: r.Assessment, AssessmentNote: r.AssessmentNote, MadeOn: dayArg(r.MadeOn), Version: 1,
	}
	err := s.Tx(ctx, func(tx *Store) error {
		if _, given := tracker.EffectiveFrom(ctx); !given && row.MadeOn == nil {
			// Made when its source was, when the source is dated.
			var src sourceRow
			if err := tx.q(ctx).Select("issued_on").Take(&src, r.SourceID).Error; err != nil {
				return notFound(err, "source of recommendation")
			}
			if src.IssuedOn != nil {
				ctx = tracker.TakingEffect(ctx, *src.IssuedOn)
			}
		}
		tx.stamp(ctx, &row, nil)
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &tracker.ValidationError{Fields: map[string]string{"number": "This source already has a recommendation " + r.Number}}
			}
			return fmt.Errorf("create recommendation: %w", err)
		}
		links := linksOfRecommendation(row.ID, r)
		for i := range links {
			if err := tx.q(ctx).Create(&links[i]).Error; err != nil {
				return fmt.Errorf("add addressee: %w", err)
			}
		}
		return tx.recordCreate(ctx, EntityRecommendation, row.ID, &row, linkFields(links))
	})
	if err != nil {
		return r, err
	}
	r.ID, r.Version = row.ID, row.Version
	return r, nil
}

// CreateResponse stores a management response as the next revision of the
// organisation's response to the recommendation; earlier revisions stay.
func (s *Store) CreateResponse(ctx context.Context, r tracker.Response) (tracker.Response, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	err := s.Tx(ctx, func(tx *Store) error {
		var last int
		if err := tx.q(ctx).Model(&responseRow{}).
			Where("recommendation_id = ? AND organisation_id = ?", r.RecommendationID, r.OrganisationID).
			Select("COALESCE(MAX(revision), 0)").Scan(&last).Error; err != nil {
			return fmt.Errorf("find last revision: %w", err)
		}
		row := responseRow{
			RecommendationID: r.RecommendationID, OrganisationID: r.OrganisationID, Revision: last + 1,
			Position: r.Position, Text: r.Text, Author: r.Author, Dated: dayArg(r.Date), DateText: r.DateText,
			ReplyID: r.ReplyID,
		}
		tx.stamp(ctx, &row, nil)
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("create response: %w", err)
		}
		r.ID, r.Revision = row.ID, row.Revision
		return tx.recordCreate(ctx, EntityResponse, row.ID, &row, nil)
	})
	return r, err
}

// CreateAction stores an action. An action under a recommendation belongs
// to that recommendation's source too, so the source's log lists it.
func (s *Store) CreateAction(ctx context.Context, a tracker.Action) (tracker.Action, error) {
	if err := a.Validate(); err != nil {
		return a, err
	}
	if a.RecommendationID != nil && a.SourceID == nil {
		var rec recommendationRow
		if err := s.q(ctx).Select("source_id").Take(&rec, *a.RecommendationID).Error; err != nil {
			return a, notFound(err, "recommendation of action")
		}
		a.SourceID = &rec.SourceID
	}
	row := actionRow{
		OrganisationID: a.OrganisationID, SourceID: a.SourceID, RecommendationID: a.RecommendationID,
		ReferenceID: a.ReferenceID, Description: a.Description, Owner: a.Owner, OwnerUnit: a.OwnerUnit,
		OwnerUserID: a.OwnerUserID, OwnerEmail: tracker.NormaliseEmail(a.OwnerEmail),
		DueText: a.DueText, DueDate: dayArg(a.DueDate), Status: a.Status, RAG: a.RAG,
		CompletedOn: dayArg(a.CompletedOn), ExternalRef: a.ExternalRef, Version: 1,
	}
	err := s.Tx(ctx, func(tx *Store) error {
		tx.stamp(ctx, &row, nil)
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("create action: %w", err)
		}
		return tx.recordCreate(ctx, EntityAction, row.ID, &row, nil)
	})
	return row.domain(), err
}

// CreateUpdate stores a dated progress update.
func (s *Store) CreateUpdate(ctx context.Context, u tracker.Update) (tracker.Update, error) {
	if err := u.Validate(); err != nil {
		return u, err
	}
	row := updateRow{ActionID: u.ActionID, RecommendationID: u.RecommendationID, Dated: tracker.Day(u.Date), Author: u.Author, Text: u.Text}
	err := s.Tx(ctx, func(tx *Store) error {
		tx.stamp(ctx, &row, nil)
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("create update: %w", err)
		}
		return tx.recordCreate(ctx, EntityUpdate, row.ID, &row, nil)
	})
	return row.domain(), err
}

// CreateReference stores a reference and links it to recommendations in
// the order given.
func (s *Store) CreateReference(ctx context.Context, r tracker.Reference, recommendationIDs []int64) (tracker.Reference, error) {
	if err := r.Validate(); err != nil {
		return r, err
	}
	row := referenceRow{
		Number: r.Number, Title: r.Title, RequestedByID: r.RequestedByID, RespondingOrgID: r.RespondingOrgID,
		RaisedOn: dayArg(r.DateRaised), RequestText: r.RequestText, Status: r.Status, SourceID: r.SourceID, DueOn: dayArg(r.DueDate), Version: 1,
	}
	err := s.Tx(ctx, func(tx *Store) error {
		tx.stamp(ctx, &row, nil)
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("create reference: %w", err)
		}
		for i, id := range recommendationIDs {
			link := referenceRecommendationRow{ReferenceID: row.ID, RecommendationID: id, SortOrder: i}
			if err := tx.q(ctx).Create(&link).Error; err != nil {
				return fmt.Errorf("link recommendation to reference: %w", err)
			}
		}
		return tx.recordCreate(ctx, EntityReference, row.ID, &row, map[string]any{"recommendations": recommendationIDs})
	})
	if err != nil {
		return r, err
	}
	r.ID, r.Version = row.ID, row.Version
	return r, nil
}

// CreateReply stores a reply document with its numbered outcomes.
func (s *Store) CreateReply(ctx context.Context, r tracker.Reply) (tracker.Reply, error) {
	if r.Title == "" || r.FromOrgID == 0 {
		return r, &tracker.ValidationError{Fields: map[string]string{"title": "A reply needs a title and the body it is from"}}
	}
	row := replyRow{
		FromOrgID: r.FromOrgID, ToText: r.To, Author: r.Author, Dated: dayArg(r.Date), DateText: r.DateText,
		Title: r.Title, Body: r.Body, SourceID: r.SourceID, ReferenceID: r.ReferenceID, Version: 1,
	}
	err := s.Tx(ctx, func(tx *Store) error {
		tx.stamp(ctx, &row, nil)
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("create reply: %w", err)
		}
		for i := range r.Outcomes {
			o := outcomeRow{ReplyID: row.ID, Number: r.Outcomes[i].Number, Text: r.Outcomes[i].Text}
			if err := tx.q(ctx).Create(&o).Error; err != nil {
				return fmt.Errorf("create outcome: %w", err)
			}
			r.Outcomes[i].ID, r.Outcomes[i].ReplyID = o.ID, row.ID
		}
		texts := make([]string, len(r.Outcomes))
		for i, o := range r.Outcomes {
			texts[i] = o.Text
		}
		return tx.recordCreate(ctx, EntityReply, row.ID, &row, map[string]any{"outcomes": texts})
	})
	r.ID = row.ID
	return r, err
}

// CreateMeasure stores a measure with its values.
func (s *Store) CreateMeasure(ctx context.Context, m tracker.Measure) (tracker.Measure, error) {
	if err := m.Validate(); err != nil {
		return m, err
	}
	row := measureRow{
		OrganisationID: m.OrganisationID, SourceID: m.SourceID, OutcomeID: m.OutcomeID, Name: m.Name, Unit: m.Unit, Direction: m.Direction,
		Target: m.Target, TargetText: m.TargetText, TargetDate: dayArg(m.TargetDate), Description: m.Description, Version: 1,
	}
	err := s.Tx(ctx, func(tx *Store) error {
		tx.stamp(ctx, &row, nil)
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return duplicateMeasure(m.Name)
			}
			return fmt.Errorf("create measure: %w", err)
		}
		for i, v := range m.Values {
			vr := measureValueRow{MeasureID: row.ID, Period: v.Period, PeriodEnd: tracker.Day(v.PeriodEnd), Value: v.Value, Note: v.Note}
			if err := tx.q(ctx).Create(&vr).Error; err != nil {
				return fmt.Errorf("create measure value: %w", err)
			}
			m.Values[i].ID, m.Values[i].MeasureID = vr.ID, row.ID
		}
		return tx.recordCreate(ctx, EntityMeasure, row.ID, &row, map[string]any{"values": valueList(m.Values)})
	})
	m.ID = row.ID
	return m, err
}

package store

import (
	"context"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// The reads in this file serve the JSON API's filtered lists of items
// whose pages have no filter of their own.

// SourceFilter narrows a list of sources. Zero values do not filter.
type SourceFilter struct {
	IssuedByID int64
	Kind       string
	// Title keeps sources whose title contains this text, ignoring case.
	Title string
	Page  tracker.Page
}

// FilterSources returns a page of sources matching f, newest first, each
// with the body that issued it.
func (s *Store) FilterSources(ctx context.Context, f SourceFilter) ([]tracker.Source, int64, error) {
	q := func() *gorm.DB {
		q := s.q(ctx).Model(&sourceRow{})
		if f.IssuedByID != 0 {
			q = q.Where("issued_by_id = ?", f.IssuedByID)
		}
		if f.Kind != "" {
			q = q.Where("kind = ?", f.Kind)
		}
		if f.Title != "" {
			// ILIKE folds case beyond ASCII on PostgreSQL; SQLite's LIKE
			// folds ASCII only, and leaves other letters to match exactly.
			op := "LIKE"
			if s.dialect == Postgres {
				op = "ILIKE"
			}
			pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(f.Title) + "%"
			q = q.Where("title "+op+" ? ESCAPE '\\'", pattern)
		}
		return q
	}
	var total int64
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count sources: %w", err)
	}
	var rows []sourceRow
	if err := q().Order("issued_on DESC, id DESC").Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list sources: %w", err)
	}
	orgIDs := make([]int64, len(rows))
	for i, r := range rows {
		orgIDs[i] = r.IssuedByID
	}
	orgs, err := s.organisationMap(ctx, orgIDs)
	if err != nil {
		return nil, 0, err
	}
	out := make([]tracker.Source, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		out[i].IssuedBy = orgs[r.IssuedByID]
	}
	return out, total, nil
}

// ReferenceFilter narrows a list of references. Zero values do not filter.
type ReferenceFilter struct {
	Status          string
	RequestedByID   int64
	RespondingOrgID int64
	SourceID        int64
	Page            tracker.Page
}

// FilterReferences returns a page of references matching f, outstanding
// ones first, each with the ids of the recommendations it covers.
func (s *Store) FilterReferences(ctx context.Context, f ReferenceFilter) ([]tracker.Reference, map[int64][]int64, int64, error) {
	q := func() *gorm.DB {
		q := s.q(ctx).Model(&referenceRow{})
		if f.Status != "" {
			q = q.Where("status = ?", f.Status)
		}
		if f.RequestedByID != 0 {
			q = q.Where("requested_by_id = ?", f.RequestedByID)
		}
		if f.RespondingOrgID != 0 {
			q = q.Where("responding_org_id = ?", f.RespondingOrgID)
		}
		if f.SourceID != 0 {
			q = q.Where("source_id = ?", f.SourceID)
		}
		return q
	}
	var total int64
	if err := q().Count(&total).Error; err != nil {
		return nil, nil, 0, fmt.Errorf("count references: %w", err)
	}
	var rows []referenceRow
	if err := q().Order("CASE WHEN status = 'closed' THEN 1 ELSE 0 END, raised_on DESC, id DESC").
		Limit(f.Page.Limit()).Offset(f.Page.Offset()).Find(&rows).Error; err != nil {
		return nil, nil, 0, fmt.Errorf("list references: %w", err)
	}
	refs, err := s.withReferenceOrgs(ctx, rows)
	if err != nil {
		return nil, nil, 0, err
	}
	links := map[int64][]int64{}
	if len(rows) > 0 {
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		var lrows []referenceRecommendationRow
		if err := findIn(func() *gorm.DB { return s.q(ctx).Order("reference_id, sort_order") }, "reference_id IN ?", ids, &lrows); err != nil {
			return nil, nil, 0, fmt.Errorf("load reference links: %w", err)
		}
		for _, l := range lrows {
			links[l.ReferenceID] = append(links[l.ReferenceID], l.RecommendationID)
		}
	}
	return refs, links, total, nil
}

// MeasureFilter narrows a list of measures. Zero values do not filter.
type MeasureFilter struct {
	OrganisationID int64
	SourceID       int64
	Page           tracker.Page
}

// FilterMeasures returns a page of measures matching f with their values.
func (s *Store) FilterMeasures(ctx context.Context, f MeasureFilter) ([]tracker.Measure, int64, error) {
	q := func() *gorm.DB {
		q := s.q(ctx).Model(&measureRow{})
		if f.OrganisationID != 0 {
			q = q.Where("organisation_id = ?", f.OrganisationID)
		}
		if f.SourceID != 0 {
			q = q.Where("source_id = ?", f.SourceID)
		}
		return q
	}
	var total int64
	if err := q().Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count measures: %w", err)
	}
	ms, err := s.measures(ctx, q().Limit(f.Page.Limit()).Offset(f.Page.Offset()))
	return ms, total, err
}

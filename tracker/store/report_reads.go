package store

import (
	"context"
	"fmt"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// The questions the PDF reports ask. They are the pages' own queries
// (ListRecommendations, ListActions, recommendationDetails, ReferenceDetail)
// with every row instead of a page; read through ReadAsAt they answer as at
// any moment.

// SourceReport returns what the source's page shows (SourceDetail) with
// every recommendation, in the order the source numbers them, and each
// one's responses, actions and updates: the source status report. Each
// action comes with its latest update alone, the one the report prints:
// the others were most of what it read (200,000 of 250,000 updates for a
// source of 10,000 recommendations).
func (s *Store) SourceReport(ctx context.Context, id int64, today time.Time) (tracker.SourceDetail, []tracker.RecommendationDetail, error) {
	d, err := s.SourceDetail(ctx, id, today)
	if err != nil {
		return d, nil, err
	}
	if d.Recommendations, _, err = s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: id, Page: tracker.AllRows}); err != nil {
		return d, nil, err
	}
	ids := make([]int64, len(d.Recommendations))
	for i, r := range d.Recommendations {
		ids[i] = r.Recommendation.ID
	}
	var details []tracker.RecommendationDetail
	for start := 0; start < len(ids); start += inChunk {
		part, err := s.recommendationDetails(ctx, ids[start:min(start+inChunk, len(ids))], true)
		if err != nil {
			return d, nil, err
		}
		details = append(details, part...)
	}
	return d, details, nil
}

// Outstanding groups every outstanding recommendation and open action by
// organisation and owner, overdue on the given day first.
func (s *Store) Outstanding(ctx context.Context, today time.Time) ([]tracker.OrganisationGroup, error) {
	recs, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{Outstanding: true, Today: today, Page: tracker.AllRows})
	if err != nil {
		return nil, fmt.Errorf("outstanding recommendations: %w", err)
	}
	actions, _, err := s.ListActions(ctx, tracker.ActionFilter{Open: true, Today: today, Page: tracker.AllRows, LatestUpdateOnly: true})
	if err != nil {
		return nil, fmt.Errorf("open actions: %w", err)
	}
	return tracker.GroupOutstanding(recs, actions, today), nil
}

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

// SourceReport returns a source with everything its status report shows:
// every recommendation, in the order the source numbers them, with its
// responses, actions and updates, the replies to it, the actions on its log
// under no recommendation, and its measures.
func (s *Store) SourceReport(ctx context.Context, id int64) (tracker.SourceDetail, []tracker.RecommendationDetail, error) {
	var d tracker.SourceDetail
	src, err := s.Source(ctx, id)
	if err != nil {
		return d, nil, err
	}
	d.Source = src
	if d.Recommendations, _, err = s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: id, Page: tracker.AllRows}); err != nil {
		return d, nil, err
	}
	seen := map[int64]bool{}
	ids := make([]int64, len(d.Recommendations))
	for i, r := range d.Recommendations {
		ids[i] = r.Recommendation.ID
		for _, o := range r.Recommendation.Addressees {
			if !seen[o.ID] {
				seen[o.ID] = true
				d.Addressees = append(d.Addressees, o)
			}
		}
	}
	if d.Replies, err = s.replies(ctx, "source_id = ?", id); err != nil {
		return d, nil, err
	}
	if d.OtherActions, _, err = s.ListActions(ctx, tracker.ActionFilter{SourceID: id, NoRecommendation: true, Sort: "id", Page: tracker.AllRows}); err != nil {
		return d, nil, err
	}
	if d.Measures, err = s.measures(ctx, s.q(ctx).Where("source_id = ?", id)); err != nil {
		return d, nil, err
	}
	var details []tracker.RecommendationDetail
	for start := 0; start < len(ids); start += detailChunk {
		part, err := s.recommendationDetails(ctx, ids[start:min(start+detailChunk, len(ids))])
		if err != nil {
			return d, nil, err
		}
		details = append(details, part...)
	}
	return d, details, nil
}

// detailChunk is how many recommendations' details one round of queries
// loads: well under SQLite's limit on a statement's variables.
const detailChunk = 2000

// Outstanding groups every outstanding recommendation and open action by
// organisation and owner, overdue on the given day first.
func (s *Store) Outstanding(ctx context.Context, today time.Time) ([]tracker.OrganisationGroup, error) {
	recs, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{Outstanding: true, Today: today, Page: tracker.AllRows})
	if err != nil {
		return nil, fmt.Errorf("outstanding recommendations: %w", err)
	}
	actions, _, err := s.ListActions(ctx, tracker.ActionFilter{Open: true, Today: today, Page: tracker.AllRows})
	if err != nil {
		return nil, fmt.Errorf("open actions: %w", err)
	}
	return tracker.GroupOutstanding(recs, actions, today), nil
}

// CurrentResponses returns the current (latest) response of each addressee
// to the given recommendations.
func (s *Store) CurrentResponses(ctx context.Context, recommendationIDs []int64) ([]tracker.Response, error) {
	var out []tracker.Response
	for start := 0; start < len(recommendationIDs); start += detailChunk {
		var rows []responseRow
		err := s.q(ctx).Where("recommendation_id IN ?", recommendationIDs[start:min(start+detailChunk, len(recommendationIDs))]).
			Where("revision = (SELECT MAX(r2.revision) FROM responses r2 WHERE r2.recommendation_id = responses.recommendation_id AND r2.organisation_id = responses.organisation_id)").
			Order("recommendation_id, organisation_id").Find(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("load current responses: %w", err)
		}
		for _, r := range rows {
			out = append(out, r.domain())
		}
	}
	return out, nil
}

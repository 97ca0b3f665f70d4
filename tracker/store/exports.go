package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// exportBatch is how many rows an export decorates at a time: the rows are
// read one by one from a single query, and each batch of them gets its
// context in a fixed number of queries, so memory stays flat however many
// rows there are.
const exportBatch = 500

// eachRow reads the rows of q one at a time and hands them to fn in batches
// of exportBatch, the last one shorter.
func eachRow[T any](s *Store, q *gorm.DB, fn func([]T) error) error {
	rows, err := q.Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	batch := make([]T, 0, exportBatch)
	for rows.Next() {
		var r T
		if err := s.db.ScanRows(rows, &r); err != nil {
			return err
		}
		batch = append(batch, r)
		if len(batch) == exportBatch {
			if err := fn(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// EachAction calls fn with every action matching f (f.Page is ignored), in
// the log's order, each with its latest update only, as an export needs.
func (s *Store) EachAction(ctx context.Context, f tracker.ActionFilter, fn func(tracker.ActionItem) error) error {
	err := eachRow(s, s.actionQuery(ctx, f).Order(s.actionOrder(f.Sort).orderBy(false)), func(rows []actionRow) error {
		items, err := s.actionItems(ctx, rows, true)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("export actions: %w", err)
	}
	return nil
}

// EachRecommendation calls fn with every recommendation matching f
// (f.Page is ignored), in the list's order, each with its source and the
// body that issued it, and the current response of each addressee.
func (s *Store) EachRecommendation(ctx context.Context, f tracker.RecommendationFilter, fn func(tracker.RecommendationItem) error) error {
	err := eachRow(s, s.recommendationQuery(ctx, f).Order(s.recommendationOrder(f.Sort).orderBy(false)), func(rows []recommendationRow) error {
		items, err := s.recommendationItems(ctx, rows, true)
		if err != nil {
			return err
		}
		ids := make([]int64, len(rows))
		for i, r := range rows {
			ids[i] = r.ID
		}
		current, err := s.currentResponses(ctx, ids)
		if err != nil {
			return err
		}
		for _, it := range items {
			it.Responses = current[it.Recommendation.ID]
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("export recommendations: %w", err)
	}
	return nil
}

// currentResponses gives, for each recommendation, the latest revision of
// each addressee's response, by organisation id.
func (s *Store) currentResponses(ctx context.Context, recIDs []int64) (map[int64][]tracker.Response, error) {
	out := map[int64][]tracker.Response{}
	for start := 0; start < len(recIDs); start += inChunk {
		var rows []responseRow
		err := s.q(ctx).Raw(`SELECT id, recommendation_id, organisation_id, revision, position, text, author, dated, date_text, reply_id, created_at FROM (
				SELECT r.*, ROW_NUMBER() OVER (PARTITION BY r.recommendation_id, r.organisation_id ORDER BY r.revision DESC) AS n
				FROM responses r WHERE r.recommendation_id IN ?) latest
			WHERE n = 1 ORDER BY recommendation_id, organisation_id`, recIDs[start:min(start+inChunk, len(recIDs))]).Scan(&rows).Error
		if err != nil {
			return nil, fmt.Errorf("load current responses: %w", err)
		}
		for _, r := range rows {
			out[r.RecommendationID] = append(out[r.RecommendationID], r.domain())
		}
	}
	return out, nil
}

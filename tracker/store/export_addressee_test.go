package store

import (
	"context"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// RecommendationPlans explains the two queries ListRecommendations runs
// for f's first page: the one its total is read from, and the one that
// reads the page's ids, shaped as ListRecommendations shapes it for that
// total.
func (s *Store) RecommendationPlans(ctx context.Context, f tracker.RecommendationFilter) (total, page string, err error) {
	n, err := s.recommendationTotal(ctx, f)
	if err != nil {
		return "", "", err
	}
	scan, err := s.recommendationScan(ctx, f, n)
	if err != nil {
		return "", "", err
	}
	if total, err = s.explain(ctx, func(tx *Store) *gorm.DB { return tx.recommendationCount(ctx, f) }); err != nil {
		return "", "", err
	}
	o := s.recommendationOrder(f.Sort)
	page, err = s.explain(ctx, func(tx *Store) *gorm.DB {
		return tx.recommendationsBy(ctx, f, scan).Select("recommendations.id, " + o.columns()).Order(o.orderBy(false)).Limit(f.Page.Limit())
	})
	return total, page, err
}

// explain returns the plan of the query build makes, one line per step.
func (s *Store) explain(ctx context.Context, build func(tx *Store) *gorm.DB) (string, error) {
	sql := s.db.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return build(&Store{db: tx, dialect: s.dialect}).Find(&[]map[string]any{})
	})
	return s.explainSQL(ctx, sql, nil, false)
}

// RecommendationIDsBoth lists the ids of every recommendation f keeps, in
// the list's order, found each way an organisation's recommendations can
// be found (addresseeScan): walking the list's order, and from the
// organisation's addressee rows.
func (s *Store) RecommendationIDsBoth(ctx context.Context, f tracker.RecommendationFilter) (walked, driven []int64, err error) {
	o := s.recommendationOrder(f.Sort)
	for _, scan := range []addresseeScan{inListOrder, byAddressees} {
		var ids []int64
		if err := s.recommendationsBy(ctx, f, scan).Order(o.orderBy(false)).Pluck("recommendations.id", &ids).Error; err != nil {
			return nil, nil, err
		}
		if scan == inListOrder {
			walked = ids
		} else {
			driven = ids
		}
	}
	return walked, driven, nil
}

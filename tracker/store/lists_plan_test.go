package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// TestSQLiteListsReadTheirIndexes: every sort of the action log and of the
// recommendations is read from the index migration 0009 made for it, in
// order, without sorting; a change to a sort's expression that the index
// no longer matches fails here, not in production as a slow page.
func TestSQLiteListsReadTheirIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	plan := func(build func(tx *gorm.DB) *gorm.DB) string {
		sql := s.db.ToSQL(func(tx *gorm.DB) *gorm.DB { return build(tx).Find(&[]map[string]any{}) })
		p, err := s.QueryPlan(context.Background(), sql)
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(p, "\n", "; ")
	}
	today := time.Now()
	for sort := range actionOrders(SQLite) {
		o := s.actionOrder(sort)
		for _, f := range []tracker.ActionFilter{{Sort: sort, Today: today}, {Sort: sort, Owner: "Owner 3", Open: true, Today: today}} {
			got := plan(func(tx *gorm.DB) *gorm.DB {
				return (&Store{db: tx, dialect: SQLite}).actionQuery(ctx, f).Select("actions.id, " + o.columns()).Order(o.orderBy(false)).Limit(25)
			})
			if !strings.Contains(got, "USING COVERING INDEX actions_list_"+sort) || strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("actions by %s (%+v): %s", sort, f, got)
			}
			after := plan(func(tx *gorm.DB) *gorm.DB {
				return (&Store{db: tx, dialect: SQLite}).actionQuery(ctx, f).Select("actions.id").Where("("+o.columns()+") > (?)", "0").Order(o.orderBy(false)).Limit(25)
			})
			if !strings.Contains(after, "actions_list_"+sort+" (<expr>>?)") && !strings.Contains(after, "actions_list_"+sort+" (<expr><?)") {
				t.Errorf("actions by %s after a cursor: %s", sort, after)
			}
		}
	}
	for sort := range recommendationOrders(SQLite) {
		o := s.recommendationOrder(sort)
		for _, f := range []tracker.RecommendationFilter{{Sort: sort}, {Sort: sort, Status: tracker.RecOpen}} {
			got := plan(func(tx *gorm.DB) *gorm.DB {
				return (&Store{db: tx, dialect: SQLite}).recommendationQuery(ctx, f).Select("recommendations.id, " + o.columns()).Order(o.orderBy(false)).Limit(25)
			})
			if !strings.Contains(got, "USING COVERING INDEX recommendations_list_"+sort) || strings.Contains(got, "TEMP B-TREE") {
				t.Errorf("recommendations by %s (%+v): %s", sort, f, got)
			}
		}
	}
	// A source's recommendations are one stretch of the number index.
	f := tracker.RecommendationFilter{SourceID: 7}
	o := s.recommendationOrder("")
	got := plan(func(tx *gorm.DB) *gorm.DB {
		return (&Store{db: tx, dialect: SQLite}).recommendationQuery(ctx, f).Select("recommendations.id, " + o.columns()).Order(o.orderBy(false)).Limit(25)
	})
	if !strings.Contains(got, "recommendations_list_number (<expr>>? AND <expr><?)") {
		t.Errorf("a source's recommendations: %s", got)
	}
}

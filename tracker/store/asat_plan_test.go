package store

import (
	"context"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// TestSQLiteAsAtTalliesReadTheChangedRowsAlone: read as at a moment, a
// total still reads the tally by its index and, of the tables it counts,
// only the rows of the items changed since (by their ids) and those items
// as they were (their versions, by the same index as their rows); and "changed since" reads each item's latest change by the
// index it has now. Nothing reads a whole table the tally stands for, so
// an as-at total costs what today's does, and the items changed since.
func TestSQLiteAsAtTalliesReadTheChangedRowsAlone(t *testing.T) {
	t.Parallel()
	var tick atomic.Int64
	start := tracker.Day(time.Now()).Add(10 * time.Hour)
	clock := tracker.Clock(func() time.Time { return start.Add(time.Duration(tick.Add(1)) * time.Microsecond) })
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Committee Secretary", Channel: tracker.ChannelPage})
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.CreateSource(ctx, tracker.Source{Title: "Duty of Care", Kind: tracker.KindCommitteeReport, IssuedByID: org.ID})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "1", Text: "Publish.", Addressees: []tracker.Organisation{org},
		Status: tracker.RecOpen, Assessment: tracker.AssessNone})
	if err != nil {
		t.Fatal(err)
	}
	act, err := s.CreateAction(ctx, tracker.Action{OrganisationID: org.ID, SourceID: &src.ID, Description: "Publish", Status: tracker.ActNotStarted})
	if err != nil {
		t.Fatal(err)
	}
	moment := s.Now()
	if err := s.ChangeRecommendation(ctx, rec.ID, RecommendationChange{Version: rec.Version, Status: tracker.RecInProgress, Assessment: tracker.AssessNone}); err != nil {
		t.Fatal(err)
	}
	if err := s.PostUpdate(ctx, act.ID, ProgressChange{Version: act.Version, Date: s.Now().AddDate(0, 0, 1), Text: "Started", Status: tracker.ActInProgress}); err != nil {
		t.Fatal(err)
	}

	today := tracker.Day(moment)
	since := moment.AddDate(0, -1, 0)
	err = s.ReadAsAt(ctx, moment, AsAtOptions{}, func(tx *Store, _ *tracker.View) error {
		plan := func(build func(tx *Store) *gorm.DB) string {
			sql := tx.db.ToSQL(func(db *gorm.DB) *gorm.DB { return build(&Store{db: db, dialect: SQLite}).Find(&[]map[string]any{}) })
			p, err := tx.QueryPlan(ctx, sql)
			if err != nil {
				t.Fatal(err)
			}
			return strings.ReplaceAll(p, "\n", "; ")
		}
		for _, c := range []struct {
			what       string
			build      func(tx *Store) *gorm.DB
			want       []string
			table, key string
		}{
			{"a source's recommendations", func(tx *Store) *gorm.DB {
				return tx.recommendationCount(ctx, tracker.RecommendationFilter{SourceID: src.ID})
			}, []string{"SEARCH main.recommendation_tallies USING INDEX", "SEARCH main.recommendations USING", "SEARCH v USING INDEX versions_recommendations_source_id"},
				"recommendations", ""},
			{"an organisation's outstanding recommendations", func(tx *Store) *gorm.DB {
				return tx.recommendationCount(ctx, tracker.RecommendationFilter{OrganisationID: org.ID, Outstanding: true, Today: today})
			}, []string{"SEARCH main.addressee_tallies USING", "SEARCH r USING INTEGER PRIMARY KEY", "SEARCH a USING INDEX"},
				"recommendation_addressees", ""},
			{"an organisation's open actions", func(tx *Store) *gorm.DB {
				return actionConds(tx.q(ctx).Table("action_tallies"), tracker.ActionFilter{OrganisationID: org.ID, Open: true, Today: today}).Select(sumOfN)
			}, []string{"SEARCH main.action_tallies USING INDEX action_tallies_organisation", "SEARCH main.actions USING", "SEARCH v USING INDEX versions_actions_organisation_id"},
				"actions", ""},
			{"actions changed since", func(tx *Store) *gorm.DB {
				return tx.actionQuery(ctx, tracker.ActionFilter{ChangedSince: &since}).Select("COUNT(*)")
			}, []string{"SEARCH l USING INDEX audit_latest_effective", "SEARCH e USING INDEX audit_entity"},
				"audit_events", ""},
		} {
			got := plan(c.build)
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s as at a moment: no %q in the plan: %s", c.what, w, got)
				}
			}
			for _, whole := range []string{"SCAN main." + c.table, "SCAN main.versions_" + c.table, "SCAN main.action_tallies", "SCAN main.recommendation_tallies", "SCAN main.addressee_tallies", "SCAN main.audit_latest"} {
				if strings.Contains(got, whole+";") || strings.HasSuffix(got, whole) || strings.Contains(got, whole+" USING") {
					t.Errorf("%s as at a moment reads the whole of %s: %s", c.what, strings.TrimPrefix(whole, "SCAN "), got)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

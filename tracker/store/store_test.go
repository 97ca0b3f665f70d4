package store_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestUpgradeKeepsData builds a database as the first migration left it,
// fills it through plain SQL, migrates to the latest schema and checks that
// every row and character is still there and the new tables work.
func TestUpgradeKeepsData(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenRaw(t, b.Open(t))
			first := store.MigrationIDs()[0]
			if err := s.MigrateTo(ctx, first); err != nil {
				t.Fatal(err)
			}
			st, err := s.Schema(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Current() != first || len(st.Pending) != len(store.MigrationIDs())-1 {
				t.Fatalf("after first migration: %+v", st)
			}
			if err := s.CheckCurrent(ctx); !errors.Is(err, store.ErrSchemaOutdated) {
				t.Fatalf("CheckCurrent on an old schema = %v, want ErrSchemaOutdated", err)
			}
			// The rows are written as the first version wrote them, in plain SQL,
			// so this test keeps meaning what it says as the schema moves on.
			now := storetest.Now().AddDate(0, -1, 0) // written a month before the upgrade
			for _, stmt := range []struct {
				sql  string
				args []any
			}{
				{"INSERT INTO organisations (id, name, short_name, created_at, updated_at) VALUES (1, ?, 'MOPAC', ?, ?)", []any{"Mayor’s Office for Policing and Crime", now, now}},
				{"INSERT INTO sources (id, kind, title, issued_by_id, summary, created_at, updated_at) VALUES (1, 'committee_report', ?, 1, ?, ?, ?)", []any{"Victims’ Code review – “phase Ⅱ”", "£250,000 for CRIS; café", now, now}},
				{"INSERT INTO recommendations (id, source_id, number, text, deadline_text, deadline_date, status, assessment, created_at, updated_at) VALUES (1, 1, '1', ?, 'by April 2013', ?, 'open', 'not_assessed', ?, ?)", []any{"Invest £250,000 by April 2013.", time.Date(2013, 4, 30, 0, 0, 0, 0, time.UTC), now, now}},
				{"INSERT INTO recommendation_addressees (recommendation_id, organisation_id, sort_order) VALUES (1, 1, 0)", nil},
				{"INSERT INTO actions (id, organisation_id, source_id, recommendation_id, description, status, due_date, created_at, updated_at) VALUES (1, 1, 1, 1, 'Hotline', 'in_progress', ?, ?, ?)", []any{time.Date(2013, 5, 31, 0, 0, 0, 0, time.UTC), now, now}},
			} {
				if err := s.Exec(ctx, stmt.sql, stmt.args...); err != nil {
					t.Fatalf("%s: %v", stmt.sql, err)
				}
			}
			if b.Name == store.Postgres {
				for _, seq := range []string{"organisations", "sources", "recommendations", "actions"} {
					if err := s.Exec(ctx, "SELECT setval(pg_get_serial_sequence('"+seq+"', 'id'), 1)"); err != nil {
						t.Fatal(err)
					}
				}
			}
			rec := tracker.Recommendation{ID: 1}
			src := tracker.Source{ID: 1}
			org := tracker.Organisation{ID: 1}

			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("upgrade: %v", err)
			}
			if err := s.CheckCurrent(ctx); err != nil {
				t.Fatalf("after upgrade: %v", err)
			}
			d, err := s.RecommendationDetail(ctx, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			if d.Source.Title != "Victims’ Code review – “phase Ⅱ”" || d.Recommendation.Text != "Invest £250,000 by April 2013." ||
				d.Recommendation.Addressees[0].Name != "Mayor’s Office for Policing and Crime" ||
				tracker.FormatDate(*d.Recommendation.DeadlineDate) != "30 April 2013" {
				t.Errorf("data changed by the upgrade: %+v", d)
			}
			got, err := s.Source(ctx, src.ID)
			if err != nil || got.Summary != "£250,000 for CRIS; café" {
				t.Errorf("source summary = %q, %v", got.Summary, err)
			}
			if len(d.Actions) != 1 || d.Actions[0].Action.Description != "Hotline" || tracker.FormatDate(*d.Actions[0].Action.DueDate) != "31 May 2013" {
				t.Errorf("action changed by the upgrade: %+v", d.Actions)
			}
			if _, err := s.CreateMeasure(ctx, tracker.Measure{OrganisationID: org.ID, Name: "Satisfaction", Direction: tracker.HigherIsBetter,
				Values: []tracker.MeasureValue{{Period: "2013", PeriodEnd: time.Date(2013, 3, 31, 0, 0, 0, 0, time.UTC), Value: 76}}}); err != nil {
				t.Errorf("new tables unusable after upgrade: %v", err)
			}
		})
	}
}

// TestNewerSchemaRefused checks that a database written by a later version
// is refused with a message that says what to do.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.Exec(ctx, "INSERT INTO schema_migrations (id) VALUES ('9999_from_the_future')"); err != nil {
			t.Fatal(err)
		}
		for name, err := range map[string]error{"Migrate": s.Migrate(ctx), "CheckCurrent": s.CheckCurrent(ctx)} {
			if !errors.Is(err, store.ErrSchemaNewer) || !strings.Contains(err.Error(), "upgrade the tracker") {
				t.Errorf("%s = %v, want ErrSchemaNewer with advice", name, err)
			}
		}
	})
}

func TestNotFoundAndValidation(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := s.RecommendationDetail(ctx, 4242); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("RecommendationDetail(missing) = %v", err)
		}
		if _, err := s.Source(ctx, 4242); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("Source(missing) = %v", err)
		}
		if _, err := s.ReferenceDetail(ctx, 4242); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("ReferenceDetail(missing) = %v", err)
		}
		var ve *tracker.ValidationError
		_, err := s.CreateRecommendation(ctx, tracker.Recommendation{Status: tracker.RecOpen, Assessment: tracker.AssessNone})
		if !errors.As(err, &ve) || ve.Fields["text"] == "" || ve.Fields["addressees"] == "" {
			t.Errorf("empty recommendation: %v", err)
		}
		org, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "MPS"})
		src, _ := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindOther, Title: "S", IssuedByID: org.ID})
		r := tracker.Recommendation{SourceID: src.ID, Number: "1", Text: "x", Addressees: []tracker.Organisation{org}, Status: tracker.RecOpen, Assessment: tracker.AssessNone}
		if _, err := s.CreateRecommendation(ctx, r); err != nil {
			t.Fatal(err)
		}
		_, err = s.CreateRecommendation(ctx, r)
		if !errors.As(err, &ve) || !strings.Contains(ve.Fields["number"], "already has a recommendation 1") {
			t.Errorf("duplicate number: %v", err)
		}
	})
}

// TestListsFilterAndPage checks overdue, filters, ordering and pages on
// both databases with the same data.
func TestListsFilterAndPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		today := time.Date(2013, time.June, 1, 9, 0, 0, 0, time.UTC)
		mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		colp, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "City of London Police", ShortName: "CoLP"})
		src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Report", IssuedByID: mps.ID})
		if err != nil {
			t.Fatal(err)
		}
		for i, n := range []string{"10", "2", "1"} {
			addr := mps
			if i == 0 {
				addr = colp
			}
			if _, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: n, Text: "Recommendation " + n,
				Addressees: []tracker.Organisation{addr}, DeadlineDate: tracker.DatePtr(2013, time.May, 1+i), Status: tracker.RecOpen, Assessment: tracker.AssessNone}); err != nil {
				t.Fatal(err)
			}
		}
		recs, total, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: src.ID, Page: tracker.Page{Number: 1, Size: 2}})
		if err != nil || total != 3 || len(recs) != 2 || recs[0].Recommendation.Number != "1" || recs[1].Recommendation.Number != "2" {
			t.Fatalf("page 1: total %d, %v, %+v", total, err, recs)
		}
		recs, _, _ = s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: src.ID, Page: tracker.Page{Number: 2, Size: 2}})
		if len(recs) != 1 || recs[0].Recommendation.Number != "10" {
			t.Fatalf("page 2: %+v", recs)
		}
		_, total, _ = s.ListRecommendations(ctx, tracker.RecommendationFilter{OrganisationID: colp.ID})
		if total != 1 {
			t.Errorf("CoLP recommendations = %d, want 1", total)
		}

		due := []*time.Time{tracker.DatePtr(2013, time.May, 31), tracker.DatePtr(2013, time.June, 1), tracker.DatePtr(2013, time.June, 20), nil, tracker.DatePtr(2013, time.January, 1)}
		statuses := []string{tracker.ActInProgress, tracker.ActNotStarted, tracker.ActInProgress, tracker.ActNotStarted, tracker.ActCompleted}
		for i := range due {
			a := tracker.Action{OrganisationID: mps.ID, SourceID: &src.ID, Description: "Action " + string(rune('A'+i)), Owner: "DAC Gray",
				DueDate: due[i], Status: statuses[i]}
			if statuses[i] == tracker.ActCompleted {
				a.CompletedOn = tracker.DatePtr(2013, time.January, 1)
				a.Owner = "D/Supt Crime"
			}
			if _, err := s.CreateAction(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		check := func(name string, f tracker.ActionFilter, want ...string) {
			t.Helper()
			f.Today = today
			items, total, err := s.ListActions(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range items {
				got = append(got, strings.TrimPrefix(it.Action.Description, "Action "))
			}
			if strings.Join(got, "") != strings.Join(want, "") || int(total) != len(want) {
				t.Errorf("%s: got %v (total %d), want %v", name, got, total, want)
			}
		}
		check("all, open by due date then undated then done", tracker.ActionFilter{}, "A", "B", "C", "D", "E")
		check("overdue", tracker.ActionFilter{Overdue: true}, "A")
		check("due within 30 days", tracker.ActionFilter{DueWithinDays: 30}, "B", "C")
		check("owner", tracker.ActionFilter{Owner: "D/Supt Crime"}, "E")
		check("status", tracker.ActionFilter{Status: tracker.ActNotStarted}, "B", "D")
		check("organisation", tracker.ActionFilter{OrganisationID: colp.ID})

		c, err := s.Counts(ctx, today)
		if err != nil {
			t.Fatal(err)
		}
		if c.Recommendations != 3 || c.OverdueRecs != 3 || c.OpenActions != 4 || c.OverdueActions != 1 || c.DueSoonActions != 2 {
			t.Errorf("counts = %+v", c)
		}
		if len(c.ByOrganisation) != 2 || c.ByOrganisation[0].Organisation.ShortName != "CoLP" || c.ByOrganisation[1].OpenActions != 4 {
			t.Errorf("by organisation = %+v", c.ByOrganisation)
		}
		owners, _ := s.Owners(ctx)
		if strings.Join(owners, "|") != "D/Supt Crime|DAC Gray" {
			t.Errorf("owners = %v", owners)
		}
	})
}

func TestSQLiteSettings(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	ctx := context.Background()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000"} {
		got, err := s.Pragma(ctx, pragma)
		if err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
}

// TestPostgresPoolKeepsConnections: the pool keeps as many connections
// idle as it may open, so a burst of requests does not open new sessions.
func TestPostgresPoolKeepsConnections(t *testing.T) {
	t.Parallel()
	s := storetest.OpenMigrated(t, storetest.PostgresDSN(t))
	ctx := context.Background()
	// Migrating closed the connection it used (freshConnections).
	was := s.PoolStats()
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = s.Exec(ctx, "SELECT pg_sleep(0.05)")
		}()
	}
	wg.Wait()
	st := s.PoolStats()
	if st.MaxOpenConnections < 8 || st.Idle < 2 || st.MaxIdleClosed != was.MaxIdleClosed {
		t.Errorf("pool after a burst of 8: %+v; want a limit of at least 8 open, the burst's connections kept idle, none closed for being idle", st)
	}
}

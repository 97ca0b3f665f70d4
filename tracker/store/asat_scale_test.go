package store_test

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestReplyAsAtIsAHandfulOfIndexedReads: a reference's reply as at a past
// day (what its PDF reads) costs the same few statements however much the
// tracker holds, and reads no more of it: after 500 recommendations, 1,500
// actions and 5,000 updates are added since that day, it sends no more
// than a few dozen statements (a view for each table changed since, and
// the reads); on PostgreSQL they read no more rows of the tables that grow
// than before, but one for each table changed since (EXPLAIN ANALYZE,
// where no index is passed over for a scan); and on SQLite no plan of
// them scans one of those tables.
func TestReplyAsAtIsAHandfulOfIndexedReads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := example.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
		refs, _, err := s.ListReferences(ctx, tracker.AllRows)
		if err != nil {
			t.Fatal(err)
		}
		var ref int64
		for _, r := range refs {
			if r.Number == "13" {
				ref = r.ID
			}
		}
		// After the example's own dates, before every generated one.
		day := tracker.EndOfDay(time.Date(2023, time.June, 30, 0, 0, 0, 0, time.UTC))
		type cost struct {
			statements int
			rows       int      // of the growing tables, on PostgreSQL
			reads      []string // what read them, on PostgreSQL
			scans      []string // the plans that scan them, on SQLite
			sqls       []string // what the read sent
		}
		measure := func() cost {
			var c cost
			var sqls []string
			c.statements = s.Statements(func() {
				sqls = s.Traced(func() {
					err = s.ReadAsAt(ctx, day, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
						d, err := tx.ReferenceDetail(ctx, ref)
						if err == nil && len(d.Recommendations) != 3 {
							t.Errorf("reference 13 as at %s has %d recommendations, want 3", tracker.FormatDate(day), len(d.Recommendations))
						}
						return err
					})
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			c.sqls = sqls
			// The same statements again, in a read of their own (the
			// temporary tables of "as at" live as long as the read), each
			// explained.
			err = s.ReadAsAt(ctx, day, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				if s.Dialect() == store.Postgres {
					// At this size PostgreSQL might scan a table an index
					// serves; scans where none does are what this finds.
					if err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
						return err
					}
				}
				for _, sql := range sqls {
					if s.Dialect() == store.SQLite {
						p, err := tx.QueryPlan(ctx, sql)
						if err != nil {
							return err
						}
						if scan := sqliteScan.FindString(p); scan != "" {
							c.scans = append(c.scans, scan+" in "+sql)
						}
						continue
					}
					if valuesInsert.MatchString(sql) {
						continue // run again it would add a second row
					}
					p, err := tx.Lines(ctx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) "+sql)
					if err != nil {
						return fmt.Errorf("%s: %w", sql, err)
					}
					for _, m := range postgresRead.FindAllStringSubmatch(strings.Join(p, "\n"), -1) {
						rows, _ := strconv.Atoi(m[2])
						loops, _ := strconv.Atoi(m[3])
						if rows*loops > 0 {
							c.rows += rows * loops
							c.reads = append(c.reads, fmt.Sprintf("%d×%d of %s by %s", rows, loops, m[1], sql))
						}
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		before := measure()
		if _, err := example.Generate(ctx, s, example.Size{Recommendations: 500, Actions: 1500, Updates: 5000}); err != nil {
			t.Fatal(err)
		}
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		after := measure()
		when := tracker.FormatDate(day)
		// A view for each table with later changes, and the reads: fewer
		// than the tables, not more as the data grows.
		if after.statements > 45 || before.statements > 45 {
			t.Errorf("the reply as at %s: %d statements, %d before the data grew; want at most 45", when, after.statements, before.statements)
		}
		// Finding that a table has changed since reads one row of it: a few
		// more tables have, after the data grew.
		if after.rows > before.rows+20 {
			t.Errorf("the reply as at %s read %d rows of the growing tables, %d before they grew:\n%s\nbefore:\n%s", when, after.rows, before.rows,
				strings.Join(after.reads, "\n"), strings.Join(before.reads, "\n"))
		}
		for _, scan := range after.scans {
			t.Errorf("the reply as at %s reads a whole table: %s", when, scan)
		}

		// Then 300 actions that stood change: as at a moment before, the
		// reply reads their past rows no more than before, and none of
		// the audit trail (it used to rebuild each from its events).
		day = s.Now()
		items, _, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Size: 300}})
		if err != nil {
			t.Fatal(err)
		}
		red := tracker.RAGRed
		for _, it := range items {
			if err := s.PostUpdate(ctx, it.Action.ID, store.ProgressChange{Version: it.Action.Version, Date: tracker.Day(s.Now()), Text: "Slipped", RAG: &red}); err != nil {
				t.Fatal(err)
			}
		}
		changed := measure()
		if changed.statements > 45 {
			t.Errorf("the reply as at a moment before 300 changes: %d statements; want at most 45", changed.statements)
		}
		if changed.rows > after.rows+20 {
			t.Errorf("the reply as at a moment before 300 changes read %d rows of the growing tables, %d before:\n%s", changed.rows, after.rows,
				strings.Join(changed.reads, "\n"))
		}
		for _, sql := range changed.sqls {
			// Whether anything took effect since is read from the end of
			// the trail's index; the views' making names it.
			if strings.Contains(sql, "audit_events") && !strings.HasPrefix(strings.TrimSpace(sql), "CREATE") && !strings.Contains(sql, "(SELECT MAX(effective_at) FROM audit_events)") {
				t.Errorf("the reply as at a moment before 300 changes reads the audit trail: %s", sql)
			}
		}
	})
}

// growing are the tables that grow with the data.
const growing = `audit_events|audit_latest|recommendations|recommendation_addressees|responses|actions|progress_updates`

var (
	// sqliteScan finds a step of a SQLite plan that reads a growing table
	// whole.
	sqliteScan = regexp.MustCompile(`SCAN (?:main\.)?(?:` + growing + `)\b.*`)
	// postgresRead finds a step of a PostgreSQL plan that reads rows of a
	// growing table, with the rows it read and how many times.
	postgresRead = regexp.MustCompile(`(?m)Scan(?: Backward)?(?: using \w+)? on (?:public\.)?(` + growing + `)\b.*\(actual rows=(\d+) loops=(\d+)\)`)
	valuesInsert = regexp.MustCompile(`(?is)^\s*INSERT\b.*\bVALUES\b`)
)

// TestSQLiteAsAtReadsNoViewPerRow: as at a moment each versioned table is
// a view of two parts (its rows and its past rows), which SQLite reads
// inside a correlated subquery only by making the whole view again for
// each row of the outer query: the source report as at a past day once
// took minutes at 10,000 recommendations that way (each action's latest
// update). No plan of the long reports' reads, nor of a list filtered by
// an organisation, may do so.
func TestSQLiteAsAtReadsNoViewPerRow(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	ctx := context.Background()
	if _, err := example.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	source, err := example.Generate(ctx, s, example.Size{Recommendations: 60, Actions: 180, Updates: 600})
	if err != nil {
		t.Fatal(err)
	}
	mps, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service"})
	if err != nil {
		t.Fatal(err)
	}
	day := time.Date(2024, time.June, 30, 0, 0, 0, 0, time.UTC)
	at := tracker.EndOfDay(day)
	sqls := s.Traced(func() {
		err = s.ReadAsAt(ctx, at, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
			if _, _, err := tx.SourceReport(ctx, source, day); err != nil {
				return err
			}
			if _, err := tx.Outstanding(ctx, day); err != nil {
				return err
			}
			if _, _, err := tx.ListActions(ctx, tracker.ActionFilter{Page: tracker.AllRows, LatestUpdateOnly: true, Today: day}); err != nil {
				return err
			}
			_, _, err := tx.ListRecommendations(ctx, tracker.RecommendationFilter{OrganisationID: mps.ID, Status: tracker.RecOpen, Today: day, Page: tracker.Page{Size: 20}})
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(sqls) < 5 {
		t.Fatalf("only %d statements traced", len(sqls))
	}
	err = s.ReadAsAt(ctx, at, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
		for _, sql := range sqls {
			plan, err := tx.QueryPlan(ctx, sql)
			if err != nil {
				return fmt.Errorf("%s: %w", sql, err)
			}
			if m := viewPerRow.FindString(plan); m != "" {
				t.Errorf("as at a moment %q makes a view for each row (%s):\n%s", sql, strings.ReplaceAll(m, "\n", " "), plan)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// viewPerRow finds, in a SQLite plan, a correlated subquery that makes a
// versioned table's view.
var viewPerRow = regexp.MustCompile(`CORRELATED [A-Z ]+\d*\nCO-ROUTINE (?:` + growing + `|sources|replies|measures|reference_requests|reference_recommendations)\b`)

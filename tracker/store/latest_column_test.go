package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestMigration0028 gives each row its item's latest change, on SQLite,
// and takes it away again: the way down leaves the tables and the trigger as they were
// (a change recorded then keeps the tallies), and the way up copies every
// item's latest change onto its row, so that the action log as at a day
// long past reads as it did before, latest updates included.
func TestMigration0028(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenMigrated(t, b.Open(t))
			if _, err := example.Generate(ctx, s, example.Size{Recommendations: 20, Actions: 60, Updates: 600}); err != nil {
				t.Fatal(err)
			}
			asAt := time.Date(2024, 6, 30, 23, 0, 0, 0, time.UTC)
			log := func() string {
				t.Helper()
				var out strings.Builder
				err := s.ReadAsAt(ctx, asAt, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
					items, n, err := tx.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Size: 100}})
					fmt.Fprintf(&out, "%d actions\n", n)
					for _, it := range items {
						fmt.Fprintf(&out, "%d %s %s", it.Action.ID, it.Action.Status, it.Action.RAG)
						if len(it.Updates) > 0 {
							fmt.Fprintf(&out, " | %s %.20q", tracker.FormatDate(it.Updates[0].Date), it.Updates[0].Text)
						}
						out.WriteString("\n")
					}
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				return out.String()
			}
			before := log()
			if !strings.Contains(before, " | ") {
				t.Fatalf("as at 30 June 2024 no action has an update:\n%s", before)
			}
			// SQLite keeps each item's latest change on its rows; PostgreSQL
			// looks it up.
			sqlite := b.Name == store.SQLite
			if n, err := s.Count(ctx, `SELECT COUNT(*) FROM progress_updates WHERE last_effective_at IS NULL`); sqlite && (err != nil || n != 0) {
				t.Fatalf("%d updates without their latest change (%v)", n, err)
			} else if !sqlite && err == nil {
				t.Fatal("on PostgreSQL the updates have last_effective_at")
			}

			if err := s.RollbackTo(ctx, "0027_versions"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Count(ctx, `SELECT COUNT(*) FROM actions WHERE last_effective_at IS NULL`); err == nil {
				t.Error("after the way down actions still have last_effective_at")
			}
			if err := s.Exec(ctx, `INSERT INTO audit_events (at, effective_at, actor, channel, entity, entity_id, op, changes)
				VALUES (?, ?, 'Secretary', 'page', 'organisation', 1, 'change', '[]')`, storetest.Now(), storetest.Now()); err != nil {
				t.Fatalf("a change recorded after the way down: %v", err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
				t.Error(err)
			}
			if after := log(); after != before {
				t.Errorf("as at 30 June 2024 after the way down and up the action log reads\n%s\nwant\n%s", after, before)
			}
		})
	}
}

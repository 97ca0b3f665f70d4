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

// TestMigration0028 gives each row its item's latest change (migration
// 0028 on SQLite, 0029 on PostgreSQL), and takes it away again: the way
// down leaves the tables and the triggers as they were (a change recorded
// then keeps the tallies), and the way up copies every item's latest
// change onto its row, so that the action log as at a day long past reads
// as it did before, latest updates included.
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
			if n, err := s.Count(ctx, `SELECT COUNT(*) FROM progress_updates WHERE last_effective_at IS NULL`); err != nil || n != 0 {
				t.Fatalf("%d updates without their latest change (%v)", n, err)
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

// TestNewRowsCarryTheirLatestChange: a new row is written with the moment
// its creation takes effect, the moment its create event records, by the
// bulk methods and the one-at-a-time ones alike, before any trigger copies
// it: inside a big write, whose triggers PostgreSQL defers, the rows hold
// it already, so the load need not write them again.
func TestNewRowsCarryTheirLatestChange(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Loader", Channel: tracker.ChannelCommand})
		org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		if err != nil {
			t.Fatal(err)
		}
		issued := time.Date(2013, 1, 23, 0, 0, 0, 0, time.UTC)
		updated := time.Date(2013, 4, 2, 0, 0, 0, 0, time.UTC)
		err = s.Bulk(ctx, func(tx *store.Store) error {
			src, err := tx.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Victims’ Code", IssuedByID: org.ID, Date: &issued})
			if err != nil {
				return err
			}
			recs, err := tx.CreateRecommendations(ctx, []tracker.Recommendation{
				{SourceID: src.ID, Number: "1", Text: "Publish the code", Status: tracker.RecOpen, Assessment: tracker.AssessNone, Addressees: []tracker.Organisation{org}},
				{SourceID: src.ID, Number: "2", Text: "Fund £250,000", Status: tracker.RecOpen, Assessment: tracker.AssessNone, Addressees: []tracker.Organisation{org}},
			})
			if err != nil {
				return err
			}
			one, err := tx.CreateAction(ctx, tracker.Action{OrganisationID: org.ID, RecommendationID: &recs[0].ID, Description: "Print the leaflet", Status: tracker.ActNotStarted})
			if err != nil {
				return err
			}
			many, err := tx.CreateActions(ctx, []tracker.Action{
				{OrganisationID: org.ID, RecommendationID: &recs[1].ID, Description: "Phase Ⅱ", Status: tracker.ActInProgress},
			})
			if err != nil {
				return err
			}
			if _, err := tx.CreateUpdate(ctx, tracker.Update{ActionID: &one.ID, Date: updated, Author: "Chair", Text: "Printed"}); err != nil {
				return err
			}
			if _, err := tx.CreateUpdates(ctx, []tracker.Update{{ActionID: &many[0].ID, Date: updated, Author: "Chair", Text: "Begun"}}); err != nil {
				return err
			}
			for _, c := range []struct {
				entity, table string
				n             int64
			}{{"source", "sources", 1}, {"recommendation", "recommendations", 2}, {"action", "actions", 2}, {"update", "progress_updates", 2}} {
				n, err := tx.Count(ctx, `SELECT COUNT(*) FROM `+c.table+` t JOIN audit_events e ON e.entity = ? AND e.entity_id = t.id
					WHERE t.last_effective_at = COALESCE(e.effective_at, e.at)`, c.entity)
				if err != nil {
					return err
				}
				if n != c.n {
					t.Errorf("%d of %d new %s rows hold the moment their creation took effect", n, c.n, c.table)
				}
			}
			for table, want := range map[string]time.Time{"sources": issued, "recommendations": issued, "progress_updates": updated} {
				if n, err := tx.Count(ctx, `SELECT COUNT(*) FROM `+table+` WHERE last_effective_at <> ?`, want); err != nil || n != 0 {
					t.Errorf("%d %s rows do not take effect on %s (%v)", n, table, tracker.FormatDate(want), err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
			t.Error(err)
		}
	})
}

// TestAsAtConnectionsCompileNothing: PostgreSQL's connections, those for
// reads as at a day too, have just-in-time compilation off, which cost the
// outstanding report's list of actions as at a day long past half a second
// a read.
func TestAsAtConnectionsCompileNothing(t *testing.T) {
	t.Parallel()
	var s *store.Store
	for _, b := range storetest.Backends() {
		if b.Name == store.Postgres {
			s = storetest.OpenMigrated(t, b.Open(t))
		}
	}
	ctx := context.Background()
	if jit, err := s.Lines(ctx, `SELECT current_setting('jit')`); err != nil || len(jit) != 1 || jit[0] != "off" {
		t.Errorf("jit: %v (%v), want off", jit, err)
	}
	// A change after the moment, so that the read goes through the views.
	if _, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"}); err != nil {
		t.Fatal(err)
	}
	err := s.ReadAsAt(ctx, time.Date(2024, 6, 30, 23, 0, 0, 0, time.UTC), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
		jit, err := tx.Lines(ctx, `SELECT current_setting('jit')`)
		if err == nil && (len(jit) != 1 || jit[0] != "off") {
			t.Errorf("jit on an as-at connection: %v, want off", jit)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestScanReadsAsFind: the reads of rows by their ids scan each column
// straight into its field; every row of each versioned table of the
// example tracker, with a deleted action, empty dates and texts like
// "Victims’ Code", "£250,000" and "Ⅱ", reads as gorm's Find reads it, on
// both databases, from the tables and through the views of a read as at a
// day.
func TestScanReadsAsFind(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		s := storetest.OpenMigrated(t, b.Open(t))
		ctx := context.Background()
		if _, err := example.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
		org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Victims’ Commissioner", ShortName: "VC"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAction(ctx, tracker.Action{OrganisationID: org.ID, Description: "Fund £250,000 for phase Ⅱ", Status: tracker.ActNotStarted})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAction(ctx, a.ID, a.Version); err != nil {
			t.Fatal(err)
		}
		if err := s.ScanAsFind(ctx, true); err != nil {
			t.Error(err)
		}
		// Through the views of a read as at a day, past rows and all.
		for _, day := range []time.Time{time.Date(2013, 6, 30, 23, 0, 0, 0, time.UTC), time.Date(2022, 6, 30, 23, 0, 0, 0, time.UTC)} {
			err := s.ReadAsAt(ctx, day, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				return tx.ScanAsFind(ctx, false)
			})
			if err != nil {
				t.Errorf("as at %s: %v", tracker.FormatDate(day), err)
			}
		}
	}
}

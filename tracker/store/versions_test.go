package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestVersionsFollowEachChange: each kind of change keeps the items' past
// rows as the audit trail makes them (CheckVersions), and a read as at a
// moment between two changes shows the row each item had then: an
// action's rating before and after an update, gone while deleted and back
// when restored, and an addressee's own status before it changed.
func TestVersionsFollowEachChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := example.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
		check := func(after string) {
			t.Helper()
			if err := s.CheckVersions(ctx); err != nil {
				t.Fatalf("after %s: %v", after, err)
			}
		}
		check("loading the example")
		items, _, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Size: 1}})
		if err != nil || len(items) == 0 {
			t.Fatal(items, err)
		}
		act := items[0].Action
		first := act.RAG
		red := tracker.RAGRed
		if first == red {
			red = tracker.RAGGreen
		}
		// Changes dated today take effect from its start.
		before := tracker.Day(s.Now()).Add(-time.Microsecond)
		// A read before any row has a past one: the as-at connection's
		// views have one part, and must be made again once rows do.
		if err := s.ReadAsAt(ctx, before, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
			_, err := tx.Action(ctx, act.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.PostUpdate(ctx, act.ID, store.ProgressChange{Version: act.Version, Date: tracker.Day(s.Now()), Text: "Slipped – £250,000 short", RAG: &red}); err != nil {
			t.Fatal(err)
		}
		check("an update")
		updated := s.Now()
		cur, err := s.Action(ctx, act.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAction(ctx, act.ID, cur.Action.Version); err != nil {
			t.Fatal(err)
		}
		check("a deletion")
		deleted := s.Now()
		if err := s.RestoreAction(ctx, act.ID); err != nil {
			t.Fatal(err)
		}
		check("a restore")

		recs, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{Page: tracker.Page{Size: 1}})
		if err != nil || len(recs) == 0 {
			t.Fatal(recs, err)
		}
		rec, err := s.RecommendationDetail(ctx, recs[0].Recommendation.ID)
		if err != nil {
			t.Fatal(err)
		}
		org := rec.Recommendation.Addressees[0]
		was := rec.Recommendation.OwnStatus(org.ID)
		next := tracker.RecImplemented
		if was == next {
			next = tracker.RecInProgress
		}
		if err := s.SetAddresseeStatus(ctx, rec.Recommendation.ID, org.ID, tracker.AddresseeStatusChange{Status: next, Version: rec.Recommendation.Version}); err != nil {
			t.Fatal(err)
		}
		check("an addressee's status")

		rating := func(at time.Time) (string, bool) {
			t.Helper()
			var rag string
			found := true
			err := s.ReadAsAt(ctx, at, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				a, err := tx.Action(ctx, act.ID)
				if errors.Is(err, tracker.ErrNotFound) {
					found = false
					return nil
				}
				rag = a.Action.RAG
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return rag, found
		}
		if got, ok := rating(before); !ok || got != first {
			t.Errorf("as at before the update the action is rated %q (found %v), want %q", got, ok, first)
		}
		if got, ok := rating(updated); !ok || got != red {
			t.Errorf("as at after the update the action is rated %q (found %v), want %q", got, ok, red)
		}
		if _, ok := rating(deleted); ok {
			t.Error("as at while it was deleted the action is shown")
		}
		err = s.ReadAsAt(ctx, before, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
			d, err := tx.RecommendationDetail(ctx, rec.Recommendation.ID)
			if err == nil && d.Recommendation.OwnStatus(org.ID) != was {
				t.Errorf("as at before the change %s's status is %q, want %q", org.Name, d.Recommendation.OwnStatus(org.ID), was)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// TestMigration0027 fills the past rows of a tracker made before they were
// kept: as at a moment before a change recorded then, the row is as it was.
func TestMigration0027(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenRaw(t, b.Open(t))
			if err := s.MigrateTo(ctx, "0026_owner_name_tallies"); err != nil {
				t.Fatal(err)
			}
			made := time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)
			changed := time.Date(2025, 9, 1, 9, 0, 0, 0, time.UTC)
			for _, stmt := range []string{
				`INSERT INTO organisations (id, name, version, created_at, updated_at) VALUES (1, 'MOPAC', 1, ?, ?)`,
				`INSERT INTO actions (id, organisation_id, description, owner, status, rag, version, created_at, updated_at)
					VALUES (1, 1, 'Publish the Victims’ Code', 'Ⅱ Unit', 'in_progress', 'red', 2, ?, ?)`,
			} {
				execAt(t, s, stmt, made)
			}
			for _, e := range []struct {
				at      time.Time
				op, chg string
			}{
				{made, tracker.OpCreate, `[{"field":"description","old":null,"new":"Publish the Victims’ Code"},{"field":"status","old":null,"new":"not_started"},{"field":"rag","old":null,"new":"green"}]`},
				{changed, tracker.OpUpdate, `[{"field":"status","old":"not_started","new":"in_progress"},{"field":"rag","old":"green","new":"red"}]`},
			} {
				if err := s.Exec(ctx, `INSERT INTO audit_events (at, effective_at, actor, channel, entity, entity_id, op, changes) VALUES (?, ?, 'Secretary', 'page', 'action', 1, ?, ?)`,
					e.at, e.at, e.op, e.chg); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Count(ctx, `SELECT COUNT(*) FROM versions_actions`); err != nil || n != 1 {
				t.Fatalf("after the upgrade %d past rows of actions (%v), want 1", n, err)
			}
			if err := s.CheckVersions(ctx); err != nil {
				t.Error(err)
			}
			err := s.ReadAsAt(ctx, time.Date(2025, 6, 30, 23, 0, 0, 0, time.UTC), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				a, err := tx.Action(ctx, 1)
				if err == nil && (a.Action.Status != tracker.ActNotStarted || a.Action.RAG != tracker.RAGGreen || a.Action.Owner != "Ⅱ Unit") {
					t.Errorf("as at 30 June 2025 the action is %s, %s, owned by %q; want not started, green, owned by Ⅱ Unit", a.Action.Status, a.Action.RAG, a.Action.Owner)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

package store_test

import (
	"context"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestSourceReportReadsLatestUpdates: the source status report prints each
// action's latest update, so its read brings that one alone, the one the
// action log's first row shows, and not the action's whole history (for a
// generated source of 10,000 recommendations, 200,000 updates it never
// printed).
func TestSourceReportReadsLatestUpdates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Chair", Channel: tracker.ChannelCommand})
		id, err := example.Generate(ctx, s, example.Size{Recommendations: 20, Actions: 40, Updates: 200})
		if err != nil {
			t.Fatal(err)
		}
		all, _, err := s.ListActions(ctx, tracker.ActionFilter{SourceID: id, Page: tracker.AllRows})
		if err != nil {
			t.Fatal(err)
		}
		history := map[int64][]tracker.Update{}
		for _, it := range all {
			history[it.Action.ID] = it.Updates
		}
		_, recs, err := s.SourceReport(ctx, id, storetest.Today())
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range recs {
			for _, it := range r.Actions {
				n++
				h := history[it.Action.ID]
				if len(h) < 2 {
					t.Fatalf("action %d has %d updates; the test wants several", it.Action.ID, len(h))
				}
				if len(it.Updates) != 1 || it.Updates[0].ID != h[0].ID {
					t.Errorf("action %d: the report read %d updates, want its latest (%d) alone", it.Action.ID, len(it.Updates), h[0].ID)
				}
			}
		}
		if n != 40 {
			t.Errorf("the report has %d actions, want 40", n)
		}
	})
}

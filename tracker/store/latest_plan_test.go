package store_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestLatestUpdatesReadTheirIndex: each action's latest update (a row of
// the action log and of every report's action table) is read from the end
// of the action's stretch of updates_latest, on both databases: one look-up
// an action (not two), not a read of all its updates, or of all updates.
func TestLatestUpdatesReadTheirIndex(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := example.Generate(ctx, s, example.Size{Recommendations: 50, Actions: 200, Updates: 2000}); err != nil {
			t.Fatal(err)
		}
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		items, _, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Size: 100}})
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.Action.ID
		}
		plan, err := s.LatestUpdatesPlan(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Count(plan, "updates_latest") != 1 || readsAllUpdates.MatchString(plan) {
			t.Errorf("the latest updates are not read from the end of updates_latest:\n%s", plan)
		}
	})
}

// readsAllUpdates finds a step of a plan that reads the updates whole, or
// sorts an action's updates to find the latest.
var readsAllUpdates = regexp.MustCompile(`SCAN (?:p|progress_updates)\b|Seq Scan on progress_updates|TEMP B-TREE|Sort\b`)

package store_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// overVariableLimit is more rows than SQLite's limit of 32,766 variables in
// one statement, so a list that binds one id per row fails there.
const overVariableLimit = 33000

// TestListsBeyondTheVariableLimit lists, exports and counts more actions
// and recommendations than one statement may bind ids for, on both
// databases, and checks that every one comes back, in the list's order.
func TestListsBeyondTheVariableLimit(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		if err != nil {
			t.Fatal(err)
		}
		src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindInspection, Title: "Large inspection", IssuedByID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		storetest.BulkActions(t, s, src.ID, overVariableLimit)
		storetest.BulkRecommendations(t, s, src.ID, overVariableLimit)
		// A few actions with updates, to see that the export keeps the latest.
		first, _, err := s.ListActions(ctx, tracker.ActionFilter{Sort: "due", Page: tracker.Page{Size: 3}})
		if err != nil || len(first) != 3 {
			t.Fatalf("first actions: %v %d", err, len(first))
		}
		for _, it := range first {
			for day := 1; day <= 3; day++ {
				id := it.Action.ID
				if _, err := s.CreateUpdate(ctx, tracker.Update{ActionID: &id, Date: time.Date(2025, 1, day, 0, 0, 0, 0, time.UTC), Author: "Chair", Text: "Update " + string(rune('0'+day))}); err != nil {
					t.Fatal(err)
				}
			}
		}

		all, total, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Size: 2 * overVariableLimit}})
		if err != nil {
			t.Fatalf("list every action: %v", err)
		}
		if total != overVariableLimit || len(all) != overVariableLimit {
			t.Fatalf("listed %d of %d actions, want %d", len(all), total, overVariableLimit)
		}
		if len(all[0].Updates) != 3 {
			t.Errorf("the list gives %d updates of the first action, want all 3", len(all[0].Updates))
		}
		n := 0
		err = s.EachAction(ctx, tracker.ActionFilter{}, func(it tracker.ActionItem) error {
			if it.Action.ID != all[n].Action.ID {
				t.Fatalf("export row %d is action %d, the list has %d", n, it.Action.ID, all[n].Action.ID)
			}
			if n < 3 && (len(it.Updates) != 1 || it.Updates[0].Text != "Update 3") {
				t.Errorf("export row %d: updates %+v, want only the latest", n, it.Updates)
			}
			if it.Action.Organisation.ID != org.ID || it.SourceTitle != "Large inspection" {
				t.Fatalf("export row %d lacks its context: %+v", n, it)
			}
			n++
			return nil
		})
		if err != nil || n != overVariableLimit {
			t.Fatalf("exported %d actions (%v), want %d", n, err, overVariableLimit)
		}
		open, _, err := s.ListActions(ctx, tracker.ActionFilter{Open: true, Page: tracker.Page{Size: 1}})
		if _, total, _ := s.ListActions(ctx, tracker.ActionFilter{Open: true}); err != nil || len(open) != 1 || total != overVariableLimit/2 {
			t.Errorf("open actions: %d (%v), want %d", total, err, overVariableLimit/2)
		}

		n = 0
		err = s.EachRecommendation(ctx, tracker.RecommendationFilter{SourceID: src.ID}, func(it tracker.RecommendationItem) error {
			// In number order: B1 to B9, then B10 and on.
			if want := "B" + strconv.Itoa(n+1); it.Recommendation.Number != want || len(it.Recommendation.Addressees) != 1 || it.Source.IssuedBy.ID != org.ID {
				t.Fatalf("export row %d: %+v, want recommendation %s", n, it, want)
			}
			n++
			return nil
		})
		if err != nil || n != overVariableLimit {
			t.Fatalf("exported %d recommendations (%v), want %d", n, err, overVariableLimit)
		}

		d, err := s.SourceDetail(ctx, src.ID, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		if d.RecommendationCount != overVariableLimit || len(d.Addressees) != 1 {
			t.Errorf("source counts %d recommendations to %d addressees, want %d to 1", d.RecommendationCount, len(d.Addressees), overVariableLimit)
		}
		for _, c := range d.ByStatus {
			if c.N != overVariableLimit/4 {
				t.Errorf("%s: %d, want %d", c.Label, c.N, overVariableLimit/4)
			}
		}
	})
}

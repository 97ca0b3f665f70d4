package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestPagesInAnyOrder reads the pages of every sort of both lists forwards,
// backwards and after a change, and gets each time the rows the whole list
// has at that place: pages that start from where the one before ended are
// the pages counting rows would give.
func TestPagesInAnyOrder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Report", IssuedByID: mps.ID})
		if err != nil {
			t.Fatal(err)
		}
		statuses := []string{tracker.ActNotStarted, tracker.ActInProgress, tracker.ActCompleted}
		for i := 0; i < 23; i++ {
			a := tracker.Action{OrganisationID: mps.ID, SourceID: &src.ID, Description: fmt.Sprint("Action ", i), Owner: []string{"", "B", "A"}[i%3],
				Status: statuses[i%3], RAG: []string{"", "red", "green", "amber"}[i%4]}
			if i%5 != 0 {
				a.DueDate = tracker.DatePtr(2025, time.Month(1+i%4), 1+i%7)
			}
			if a.Status == tracker.ActCompleted {
				a.CompletedOn = tracker.DatePtr(2025, 1, 1)
			}
			if _, err := s.CreateAction(ctx, a); err != nil {
				t.Fatal(err)
			}
			r := tracker.Recommendation{SourceID: src.ID, Number: fmt.Sprint(i + 1), Text: "R", Addressees: []tracker.Organisation{mps},
				Status: []string{tracker.RecOpen, tracker.RecInProgress, tracker.RecImplemented, tracker.RecClosed}[i%4], Assessment: tracker.AssessNone}
			if i%3 != 0 {
				r.DeadlineDate = tracker.DatePtr(2025, time.Month(1+i%5), 1)
			}
			if _, err := s.CreateRecommendation(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		actionIDs := func(f tracker.ActionFilter) []int64 {
			items, _, err := s.ListActions(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]int64, len(items))
			for i, it := range items {
				ids[i] = it.Action.ID
			}
			return ids
		}
		recIDs := func(f tracker.RecommendationFilter) []int64 {
			items, _, err := s.ListRecommendations(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			ids := make([]int64, len(items))
			for i, it := range items {
				ids[i] = it.Recommendation.ID
			}
			return ids
		}
		same := func(what string, got, want []int64) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: %v, want %v", what, got, want)
			}
		}
		for _, sort := range []string{"due", "owner", "status", "rag", "changed"} {
			for _, change := range []bool{false, true} {
				page := func(n int) tracker.ActionFilter {
					return tracker.ActionFilter{Sort: sort, Page: tracker.Page{Number: n, Size: 5}}
				}
				all := actionIDs(tracker.ActionFilter{Sort: sort, Page: tracker.Page{Size: 100}})
				for _, n := range []int{1, 2, 3, 4, 5, 4, 3, 2} {
					same(fmt.Sprintf("actions by %s, page %d", sort, n), actionIDs(page(n)), all[(n-1)*5:min(n*5, len(all))])
				}
				// Each page afresh, as a link from elsewhere opens it: the
				// change puts what is known of the pages out of date.
				for _, n := range []int{5, 3, 1, 4, 2} {
					if _, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: fmt.Sprintf("Body %s %d %v", sort, n, change)}); err != nil {
						t.Fatal(err)
					}
					same(fmt.Sprintf("actions by %s, page %d afresh", sort, n), actionIDs(page(n)), all[(n-1)*5:min(n*5, len(all))])
				}
				if change {
					// A new action moves every page after its place.
					if _, err := s.CreateAction(ctx, tracker.Action{OrganisationID: mps.ID, Description: "New", Owner: "A", DueDate: tracker.DatePtr(2024, 1, 1), Status: tracker.ActNotStarted}); err != nil {
						t.Fatal(err)
					}
					all = actionIDs(tracker.ActionFilter{Sort: sort, Page: tracker.Page{Size: 100}})
					same(fmt.Sprintf("actions by %s after a change, page 3", sort), actionIDs(page(3)), all[10:15])
				}
			}
		}
		for _, sort := range []string{"number", "deadline", "status"} {
			for _, f := range []tracker.RecommendationFilter{{Sort: sort}, {Sort: sort, SourceID: src.ID}} {
				all := recIDs(tracker.RecommendationFilter{Sort: f.Sort, SourceID: f.SourceID, Page: tracker.Page{Size: 100}})
				for _, n := range []int{1, 2, 3, 4, 5, 4, 3, 2} {
					f.Page = tracker.Page{Number: n, Size: 5}
					same(fmt.Sprintf("recommendations by %s, page %d", sort, n), recIDs(f), all[(n-1)*5:min(n*5, len(all))])
				}
				for _, n := range []int{5, 3, 1, 4, 2} {
					if _, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: fmt.Sprintf("Body %s %d %d", sort, n, f.SourceID)}); err != nil {
						t.Fatal(err)
					}
					f.Page = tracker.Page{Number: n, Size: 5}
					same(fmt.Sprintf("recommendations by %s, page %d afresh", sort, n), recIDs(f), all[(n-1)*5:min(n*5, len(all))])
				}
			}
		}
	})
}

package store_test

import (
	"context"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestOwnerFilters: "Not assigned" keeps the actions with no owner, and
// "My actions" the ones whose owner is written as the person's name or
// email in any case; the list, its total and the count agree on both
// databases.
func TestOwnerFilters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Chair", Channel: tracker.ChannelPage})
		org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "City of London Police"})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []struct{ desc, owner, status string }{
			{"Unowned, open", "", tracker.ActInProgress},
			{"Unowned, done", "", tracker.ActCompleted},
			{"Mine by name", "D/Supt Crime", tracker.ActInProgress},
			{"Mine by name, other case", "d/supt CRIME ", tracker.ActNotStarted},
			{"Mine by email", "Chair@Example.org", tracker.ActInProgress},
			{"Someone else’s", "Victim Care Lead", tracker.ActInProgress},
		} {
			act := tracker.Action{OrganisationID: org.ID, Description: a.desc, Owner: a.owner, Status: a.status}
			if a.status == tracker.ActCompleted {
				act.CompletedOn = tracker.DatePtr(2026, 1, 1)
			}
			if _, err := s.CreateAction(ctx, act); err != nil {
				t.Fatal(err)
			}
		}
		today := storetest.Today()
		for _, tt := range []struct {
			name string
			f    tracker.ActionFilter
			want []string
		}{
			{"not assigned", tracker.ActionFilter{NoOwner: true}, []string{"Unowned, open", "Unowned, done"}},
			{"not assigned, open", tracker.ActionFilter{NoOwner: true, Open: true}, []string{"Unowned, open"}},
			{"mine", tracker.ActionFilter{OwnedBy: []string{"D/Supt Crime", "chair@example.org"}}, []string{"Mine by name", "Mine by name, other case", "Mine by email"}},
			{"mine, changed since", tracker.ActionFilter{OwnedBy: []string{"D/Supt Crime", "chair@example.org"}, ChangedSince: tracker.DatePtr(2000, 1, 1)}, []string{"Mine by name", "Mine by name, other case", "Mine by email"}},
			{"an account with no name", tracker.ActionFilter{OwnedBy: []string{"", "  "}}, nil},
		} {
			tt.f.Today, tt.f.Page = today, tracker.AllRows
			items, total, err := s.ListActions(ctx, tt.f)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			got := map[string]bool{}
			for _, it := range items {
				got[it.Action.Description] = true
			}
			if len(items) != len(tt.want) || int(total) != len(tt.want) {
				t.Errorf("%s: %d items, total %d; want %v", tt.name, len(items), total, tt.want)
			}
			for _, w := range tt.want {
				if !got[w] {
					t.Errorf("%s: lacks %q", tt.name, w)
				}
			}
			n, err := s.CountActions(ctx, tt.f)
			if err != nil || int(n) != len(tt.want) {
				t.Errorf("%s: CountActions = %d, %v; want %d", tt.name, n, err, len(tt.want))
			}
		}
	})
}

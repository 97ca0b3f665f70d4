package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestPersonFilterReadsOwnerIndexes: the action log filtered by a person
// (?person=, and the person's email digest) reads the person's actions
// from the owner indexes, counted and paged, on both databases, whether
// the person owns a few of 4,000 actions or none; it does not scan the
// log or walk it in order looking for them.
func TestPersonFilterReadsOwnerIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Chair", Channel: tracker.ChannelCommand})
		org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		if err != nil {
			t.Fatal(err)
		}
		var people []tracker.User
		for _, email := range []string{"jo.bloggs@example.org", "sam.none@example.org"} {
			u, err := s.CreateUser(ctx, tracker.User{Email: email, Name: email, Role: tracker.RoleViewer}, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			people = append(people, u)
		}
		jo, sam := people[0], people[1]
		actions := make([]tracker.Action, 4000)
		for i := range actions {
			a := tracker.Action{OrganisationID: org.ID, Description: fmt.Sprintf("Action %d", i), Owner: fmt.Sprintf("Owner %d", i%40),
				DueDate: tracker.DatePtr(2025, time.Month(1+i%12), 1+i%28), Status: []string{tracker.ActNotStarted, tracker.ActInProgress}[i%2]}
			switch {
			case i%400 == 3: // 10 linked by address
				a.OwnerEmail = jo.Email
			case i%400 == 7: // 10 linked to the account
				a.OwnerUserID = &jo.ID
			case i%40 == 9: // others' addresses
				a.OwnerEmail = fmt.Sprintf("owner.%d@example.org", i%37)
			}
			actions[i] = a
		}
		if err := s.Bulk(ctx, func(tx *store.Store) error { _, err := tx.CreateActions(ctx, actions); return err }); err != nil {
			t.Fatal(err)
		}
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		today := storetest.Today()
		for _, p := range []struct {
			user tracker.User
			want int64
		}{{jo, 20}, {sam, 0}} {
			f := tracker.ActionFilter{Person: p.user.ID, Today: today, Page: tracker.Page{Number: 1, Size: 25}}
			items, total, err := s.ListActions(ctx, f)
			if err != nil || total != p.want || int64(len(items)) != p.want {
				t.Fatalf("%s: %d actions, total %d, %v; want %d", p.user.Email, len(items), total, err, p.want)
			}
			for _, page := range []bool{false, true} {
				plan, err := s.ActionPlan(ctx, f, page)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(plan, "actions_owner_email") || !strings.Contains(plan, "actions_owner_user") ||
					strings.Contains(plan, "Seq Scan on actions") || strings.Contains(plan, "actions_list_") {
					t.Errorf("%s (page %v) does not read the owner indexes:\n%s", p.user.Email, page, plan)
				}
			}
		}
	})
}

// TestMyActionsCountReadsOwnerNameIndex: the count of a person's open
// actions in every page's header finds their tallies by the index on the
// owner's name as compared (migration 0026), not by lowering every row's.
func TestMyActionsCountReadsOwnerNameIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Chair", Channel: tracker.ChannelCommand})
		org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		if err != nil {
			t.Fatal(err)
		}
		actions := make([]tracker.Action, 2000)
		for i := range actions {
			actions[i] = tracker.Action{OrganisationID: org.ID, Description: fmt.Sprintf("Action %d", i), Owner: fmt.Sprintf("Owner %d", i%200),
				DueDate: tracker.DatePtr(2025, time.Month(1+i%12), 1+i%28), Status: []string{tracker.ActNotStarted, tracker.ActInProgress, tracker.ActCancelled}[i%3]}
		}
		if err := s.Bulk(ctx, func(tx *store.Store) error { _, err := tx.CreateActions(ctx, actions); return err }); err != nil {
			t.Fatal(err)
		}
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		f := tracker.ActionFilter{OwnedBy: []string{" OWNER 7", "owner.7@example.org"}, Open: true, Today: storetest.Today()}
		n, err := s.CountActions(ctx, f)
		if err != nil || n != 7 {
			t.Fatalf("Owner 7 has %d open actions (%v), want 7", n, err)
		}
		plan, err := s.ActionTallyPlan(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(plan, "action_tallies_owner_name") {
			t.Errorf("the count does not read the owner name index:\n%s", plan)
		}
	})
}

package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// personLog makes 4,000 actions of which jo.bloggs owns 25 (10 linked by
// address, 10 to the account, 5 by both) and sam.none none, with the
// database's statistics up to date.
func personLog(t *testing.T, s *store.Store) (ctx context.Context, jo, sam tracker.User) {
	t.Helper()
	ctx = tracker.WithActor(context.Background(), tracker.Actor{Name: "Chair", Channel: tracker.ChannelCommand})
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
	jo, sam = people[0], people[1]
	actions := make([]tracker.Action, 4000)
	for i := range actions {
		a := tracker.Action{OrganisationID: org.ID, Description: fmt.Sprintf("Action %d", i), Owner: fmt.Sprintf("Owner %d", i%40),
			DueDate: tracker.DatePtr(2025, time.Month(1+i%12), 1+i%28), Status: []string{tracker.ActNotStarted, tracker.ActInProgress, tracker.ActCompleted}[i%3]}
		if i%13 == 0 {
			a.DueDate = nil
		}
		if a.Status == tracker.ActCompleted {
			a.CompletedOn = tracker.DatePtr(2024, 12, 1)
		}
		switch {
		case i%400 == 3: // 10 linked by address
			a.OwnerEmail = jo.Email
		case i%400 == 7: // 10 linked to the account
			a.OwnerUserID = &jo.ID
		case i%800 == 11: // 5 linked by both
			a.OwnerEmail, a.OwnerUserID = jo.Email, &jo.ID
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
	return ctx, jo, sam
}

// TestPersonFilterReadsOwnerIndexes: the action log filtered by a person
// (?person=, and the person's email digest) reads the person's actions
// from the owner indexes, counted and paged, on both databases, whether
// the person owns a few of 4,000 actions or none; it does not scan the
// log or walk it in order looking for them.
func TestPersonFilterReadsOwnerIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx, jo, sam := personLog(t, s)
		today := storetest.Today()
		for _, p := range []struct {
			user tracker.User
			want int64
		}{{jo, 25}, {sam, 0}} {
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

// TestPersonPagesReadOnlyOwnerIndexes: a person's actions are counted from
// the two owner indexes alone, without visiting the table, on both
// databases, and SQLite reads a page of them by merging the two indexes
// in the log's order, without sorting all of the person's actions, so
// that the page costs the same whether the person owns 25 actions or
// 2,000. Every page, read on from the one before, back from the one
// after or cold, holds the person's actions in the order of the whole
// log, each once, linked by both ways or either.
func TestPersonPagesReadOnlyOwnerIndexes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx, jo, _ := personLog(t, s)
		if s.Dialect() == store.Postgres {
			// As autovacuum would by now: index-only scans need the
			// visibility map.
			if err := s.Exec(ctx, "VACUUM ANALYZE actions"); err != nil {
				t.Fatal(err)
			}
		}
		today := storetest.Today()
		for _, f := range []tracker.ActionFilter{
			{Person: jo.ID, Today: today, Page: tracker.Page{Number: 1, Size: 25}},
			{Person: jo.ID, Open: true, Today: today, Page: tracker.Page{Number: 1, Size: 25}},
		} {
			checkPersonPlans(ctx, t, s, f)
		}
		checkPersonPages(ctx, t, s, jo)
	})
}

// checkPersonPlans checks that the count and the first page of f read the
// owner indexes alone, and on SQLite merge them in order.
func checkPersonPlans(ctx context.Context, t *testing.T, s *store.Store, f tracker.ActionFilter) {
	t.Helper()
	count, err := s.ActionPlan(ctx, f, false)
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.ActionPlan(ctx, f, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.Dialect() == store.SQLite {
		if !strings.Contains(count, "COVERING INDEX actions_owner_email") || !strings.Contains(count, "COVERING INDEX actions_owner_user") {
			t.Errorf("the count (open %v) visits the table:\n%s", f.Open, count)
		}
		if !strings.Contains(page, "MERGE (UNION ALL)") || strings.Contains(page, "TEMP B-TREE") {
			t.Errorf("a page (open %v) sorts the person's actions:\n%s", f.Open, page)
		}
		return
	}
	for what, plan := range map[string]string{"the count": count, "a page": page} {
		if !strings.Contains(plan, "Index Only Scan using actions_owner_email") || !strings.Contains(plan, "Index Only Scan using actions_owner_user") ||
			strings.Contains(plan, "Heap Scan") || strings.Contains(plan, "Seq Scan") {
			t.Errorf("%s (open %v) visits the table:\n%s", what, f.Open, plan)
		}
	}
}

// checkPersonPages reads the person's actions seven a page, on from the
// page before, back from the page after and cold, and checks each page
// against the whole log in its order.
func checkPersonPages(ctx context.Context, t *testing.T, s *store.Store, person tracker.User) {
	t.Helper()
	today := storetest.Today()
	all, _, err := s.ListActions(ctx, tracker.ActionFilter{Today: today, Page: tracker.AllRows})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, it := range all {
		a := it.Action
		if a.OwnerEmail == person.Email || (a.OwnerUserID != nil && *a.OwnerUserID == person.ID) {
			want = append(want, a.Description)
		}
	}
	if len(want) != 25 {
		t.Fatalf("%s owns %d actions, want 25", person.Email, len(want))
	}
	check := func(how string, pages ...int) {
		t.Helper()
		for _, n := range pages {
			items, total, err := s.ListActions(ctx, tracker.ActionFilter{Person: person.ID, Today: today, Page: tracker.Page{Number: n, Size: 7}})
			if err != nil || total != 25 {
				t.Fatalf("page %d: total %d, %v", n, total, err)
			}
			got := make([]string, len(items))
			for i, it := range items {
				got[i] = it.Action.Description
			}
			if page := want[(n-1)*7 : min(n*7, len(want))]; !slices.Equal(got, page) {
				t.Errorf("page %d %s = %v, want %v", n, how, got, page)
			}
		}
	}
	outOfDate := func(name string) {
		t.Helper()
		// Any change puts the pages the cache knows out of date.
		if _, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: name}); err != nil {
			t.Fatal(err)
		}
	}
	check("read on from the page before", 1, 2, 3, 4)
	outOfDate("Body 1")
	check("read back from the page after (the last read cold, from the end)", 4, 3, 2, 1)
	outOfDate("Body 2")
	check("cold", 2)
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

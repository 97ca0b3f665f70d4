package store_test

import (
	"context"
	"errors"
	"sort"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestOwnersArePeople: an action's owner keeps its text and links to an
// account or an email address; the import links owners by email or name
// (a name two accounts share links no one); the log filters by the linked
// person, its total agreeing, on both databases.
func TestOwnersArePeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Chair", Channel: tracker.ChannelCommand})
		jo, err := s.CreateUser(ctx, tracker.User{Email: "jo.bloggs@example.org", Name: "Jo Bloggs", Role: tracker.RoleViewer}, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"sam.one@example.org", "sam.two@example.org"} {
			if _, err := s.CreateUser(ctx, tracker.User{Email: email, Name: "Sam Smith", Role: tracker.RoleViewer}, "a long enough password"); err != nil {
				t.Fatal(err)
			}
		}
		log := "Ref;Organisation;Action;Owner;Status\n" +
			"A1;MPS;Print the leaflet;Jo Bloggs;Ongoing\n" +
			"A2;MPS;Brief the call centre;D/Supt Crime <JO.BLOGGS@example.org>;Ongoing\n" +
			"A3;MPS;Count the leaflets;Victims’ Lead (victims.lead@example.org);Ongoing\n" +
			"A4;MPS;Ask Sam;Sam Smith;Ongoing\n" +
			"A5;MPS;Nobody;Detective Superintendent Crime;Ongoing\n"
		sum, err := s.Import(ctx, guessedBatch(t, importer.KindActions, log), store.ImportOptions{})
		if err != nil || sum.Inserted != 5 {
			t.Fatalf("import: %+v %v", sum, err)
		}
		items, _, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.AllRows, Today: storetest.Today()})
		if err != nil {
			t.Fatal(err)
		}
		byRef := map[string]tracker.Action{}
		for _, it := range items {
			byRef[it.Action.ExternalRef] = it.Action
		}
		for ref, want := range map[string]struct {
			user  int64
			email string
			owner string
		}{
			"A1": {jo.ID, "", "Jo Bloggs"},
			"A2": {jo.ID, "", "D/Supt Crime <JO.BLOGGS@example.org>"},
			"A3": {0, "victims.lead@example.org", "Victims’ Lead (victims.lead@example.org)"},
			"A4": {0, "", "Sam Smith"},
			"A5": {0, "", "Detective Superintendent Crime"},
		} {
			a := byRef[ref]
			var got int64
			if a.OwnerUserID != nil {
				got = *a.OwnerUserID
			}
			if got != want.user || a.OwnerEmail != want.email || a.Owner != want.owner {
				t.Errorf("%s: user %d email %q owner %q, want %+v", ref, got, a.OwnerEmail, a.Owner, want)
			}
		}

		// Linked through the command: by the account's email address.
		cmds := s.As(tracker.SystemUser())
		a5 := byRef["A5"]
		a5.OwnerEmail = "Jo.Bloggs@example.org"
		if _, err := cmds.UpdateActionDetails(ctx, a5); err != nil {
			t.Fatal(err)
		}
		bad := byRef["A4"]
		bad.OwnerEmail = "not an address"
		var invalid *tracker.ValidationError
		if _, err := cmds.UpdateActionDetails(ctx, bad); !errors.As(err, &invalid) || invalid.Fields["owner_email"] == "" {
			t.Fatalf("bad email: %v", err)
		}

		f := tracker.ActionFilter{Person: jo.ID, Page: tracker.AllRows, Today: storetest.Today()}
		mine, total, err := s.ListActions(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, it := range mine {
			refs = append(refs, it.Action.ExternalRef)
		}
		sort.Strings(refs)
		if len(refs) != 3 || refs[0] != "A1" || refs[1] != "A2" || refs[2] != "A5" || total != 3 {
			t.Fatalf("Jo's actions: %v (total %d)", refs, total)
		}
		if n, err := s.CountActions(ctx, f); err != nil || n != 3 {
			t.Fatalf("count: %d %v", n, err)
		}
	})
}

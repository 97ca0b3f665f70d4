package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// searchQueries are what people look for in the example.
var searchQueries = []string{
	"hotline", "CRIB hotline", "Victim Support", "victims’ code", "dashboard",
	"evaluat", // a prefix
	"Claire Waxman", "satisfaction survey", "supervisors training", "nothingmatcheshere",
	"\"(*)\" AND NEAR -", // operators are only words
	"Détective",          // accents are kept, not folded
}

func searchKeys(t *testing.T, s *store.Store, q string) []string {
	t.Helper()
	hits, err := s.Search(context.Background(), q, 500)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	keys := make([]string, len(hits))
	for i, h := range hits {
		keys[i] = fmt.Sprintf("%s:%s", h.Entity, h.Path)
	}
	sort.Strings(keys)
	return keys
}

// TestSearchSameOnBothDatabases loads the example into SQLite and
// PostgreSQL and checks that every query finds the same items on both.
func TestSearchSameOnBothDatabases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lite := storetest.SQLite(t)
	if _, err := example.Load(ctx, lite); err != nil {
		t.Fatal(err)
	}
	pg := storetest.OpenMigrated(t, storetest.PostgresDSN(t))
	if _, err := example.Load(ctx, pg); err != nil {
		t.Fatal(err)
	}
	for _, q := range searchQueries {
		a, b := searchKeys(t, lite, q), searchKeys(t, pg, q)
		if strings.Join(a, "\n") != strings.Join(b, "\n") {
			t.Errorf("%q: SQLite found\n  %v\nPostgreSQL found\n  %v", q, a, b)
		}
	}
	// Spot checks on what is found.
	for q, want := range map[string]string{
		"CRIB hotline":  "action:/actions/",
		"Claire Waxman": "response:/recommendations/",
		"dashboard":     "update:/actions/",
		"evaluat":       "action:/actions/",
	} {
		keys := searchKeys(t, lite, q)
		found := false
		for _, k := range keys {
			found = found || strings.HasPrefix(k, want)
		}
		if !found {
			t.Errorf("%q found %v, want a %s…", q, keys, want)
		}
	}
	for _, q := range []string{"nothingmatcheshere", "\"*\" -- ;", ""} {
		if keys := searchKeys(t, lite, q); len(keys) != 0 {
			t.Errorf("%q found %v", q, keys)
		}
	}
}

// TestSearchFollowsChanges: new updates are found at once, deleted actions
// are not, restored ones are again.
func TestSearchFollowsChanges(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "City of London Police"})
		a, err := s.CreateAction(ctx, tracker.Action{OrganisationID: org.ID, Description: "Review call handling", Status: tracker.ActInProgress})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.PostUpdate(ctx, a.ID, store.ProgressChange{Version: 1, Date: storetest.Today(), Text: "Quarterly dip-sampling by the Zeppelin team"}); err != nil {
			t.Fatal(err)
		}
		if n := len(searchKeys(t, s, "zeppelin")); n != 1 {
			t.Errorf("new update found %d times", n)
		}
		if err := s.DeleteAction(ctx, a.ID, 1); err != nil {
			t.Fatal(err)
		}
		if keys := searchKeys(t, s, "call handling"); len(keys) != 0 {
			t.Errorf("deleted action still found: %v", keys)
		}
		if err := s.RestoreAction(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if n := len(searchKeys(t, s, "call handling")); n != 1 {
			t.Errorf("restored action found %d times", n)
		}
	})
}

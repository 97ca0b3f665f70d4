package store_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestSourceScopeReadsFewRows: what a secretary may change on a source and
// its recommendations depends on whom everything in the source is
// addressed to; that is read from a few rows however many recommendations
// the source has, on both databases: with 2,000 recommendations, no
// statement of the checks a source's or a recommendation's page makes
// walks the source's recommendations (SQLite's plan) or handles more than
// a few rows at any step (PostgreSQL's, run). The answers follow the
// addressees and the source's own actions as they change.
func TestSourceScopeReadsFewRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newCommandWorld(t, s)
		ctx := w.ctx
		src := w.source("Generated inspection", w.mps)
		// Addressed to the first organisation made, London Assembly.
		storetest.BulkRecommendations(t, s, src.ID, 2000)
		if first, err := s.Count(ctx, "SELECT MIN(id) FROM organisations"); err != nil || first != w.la.ID {
			t.Fatalf("the bulk recommendations are addressed to organisation %d (%v), not London Assembly (%d)", first, err, w.la.ID)
		}
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		recs, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: src.ID, Page: tracker.Page{Number: 40, Size: 25}})
		if err != nil || len(recs) == 0 {
			t.Fatalf("no bulk recommendation: %v", err)
		}
		rec := recs[0].Recommendation
		sec := s.As(&tracker.User{ID: 5, Name: "Assembly Secretary", Role: tracker.RoleSecretary, Organisations: []int64{w.la.ID}})
		checks := func() (errs []error) {
			rights, err := sec.RecommendationRights(ctx, rec.ID)
			if err == nil {
				err = rights.Change
			}
			return []error{sec.MayChangeSource(ctx, src.ID), sec.MayAddRecommendation(ctx, src.ID), err,
				sec.MaySetAddresseeStatus(ctx, rec.ID, w.la.ID)}
		}
		expect := func(when string, mine bool) {
			t.Helper()
			for i, err := range checks() {
				// The last one, London Assembly's own status, is the
				// secretary's to set as its respondent, whoever else is
				// concerned.
				if (err == nil) != (mine || i == 3) {
					t.Errorf("%s: check %d = %v, want allowed %v", when, i, err, mine || i == 3)
				}
			}
		}

		var errs []error
		plans, err := s.Plans(ctx, func() { errs = checks() })
		if err != nil {
			t.Fatal(err)
		}
		for i, err := range errs {
			if err != nil {
				t.Errorf("a source addressed only to the secretary's organisation: check %d = %v", i, err)
			}
		}
		bySource := regexp.MustCompile(`(?m)^.*\brecommendations USING .*\(source_id=`)
		actual := regexp.MustCompile(`actual time=\S+ rows=(\d+) loops=(\d+)`)
		for _, p := range plans {
			if s.Dialect() == store.SQLite {
				if line := bySource.FindString(p); line != "" || strings.Contains(p, "SCAN recommendation") {
					t.Errorf("the checks walk the source's recommendations (%s):\n%s", line, p)
				}
				continue
			}
			for _, m := range actual.FindAllStringSubmatch(p, -1) {
				rows, _ := strconv.Atoi(m[1])
				loops, _ := strconv.Atoi(m[2])
				if rows*loops > 50 {
					t.Errorf("a step of the checks handles %d rows:\n%s", rows*loops, p)
					break
				}
			}
		}

		other := w.recommendation(src, "X1", w.colp)
		expect("with a recommendation addressed to City of London Police", false)
		other.Addressees = []tracker.Organisation{w.la}
		if _, err := s.As(w.admin).UpdateRecommendation(ctx, other); err != nil {
			t.Fatal(err)
		}
		expect("readdressed to London Assembly", true)
		if _, err := s.As(w.admin).CreateAction(ctx, tracker.Action{OrganisationID: w.colp.ID, SourceID: &src.ID, Description: "Review the inspection"}); err != nil {
			t.Fatal(err)
		}
		expect("with an action of City of London Police under the source", false)
	})
}

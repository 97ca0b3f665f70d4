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

// addresseeWorld is 3,000 recommendations addressed to the Metropolitan
// Police Service, a quarter at each status, a few of them to the City of
// London Police as well, and, with from set, as many more from another
// source addressed to the MPS alone.
func addresseeWorld(t *testing.T, s *store.Store) (mps, colp tracker.Organisation) {
	t.Helper()
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Chair", Channel: tracker.ChannelCommand})
	var err error
	if mps, err = s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"}); err != nil {
		t.Fatal(err)
	}
	if colp, err = s.EnsureOrganisation(ctx, tracker.Organisation{Name: "City of London Police"}); err != nil {
		t.Fatal(err)
	}
	src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Duty of Care", IssuedByID: mps.ID})
	if err != nil {
		t.Fatal(err)
	}
	statuses := []string{tracker.RecOpen, tracker.RecInProgress, tracker.RecImplemented, tracker.RecClosed}
	recs := make([]tracker.Recommendation, 3000)
	for i := range recs {
		r := tracker.Recommendation{SourceID: src.ID, Number: fmt.Sprint(i + 1), Text: "Publish.", Addressees: []tracker.Organisation{mps},
			Status: statuses[i%4], Assessment: tracker.AssessNone}
		if i%3 > 0 {
			r.DeadlineDate = tracker.DatePtr(2020+i%10, time.Month(1+i%12), 1+i%28)
		}
		if i%250 == 7 {
			r.Addressees = append(r.Addressees, colp)
		}
		recs[i] = r
	}
	if err := s.Bulk(ctx, func(tx *store.Store) error { _, err := tx.CreateRecommendations(ctx, recs); return err }); err != nil {
		t.Fatal(err)
	}
	if err := s.Analyze(ctx); err != nil {
		t.Fatal(err)
	}
	return mps, colp
}

// TestAddresseeListPlans: a list of an organisation's recommendations by
// its own status (?org=&status=, outstanding, overdue) counts them from
// the tallies, not from the rows, on both databases; and, on SQLite, reads
// a page of an organisation addressed by many of them in the list's order
// from the list's index, stopping after the page, and of one addressed by
// few from its addressee rows, whatever the sort.
func TestAddresseeListPlans(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mps, colp := addresseeWorld(t, s)
		today := storetest.Today()
		page := tracker.Page{Number: 1, Size: 25}
		for _, sort := range []string{"number", "deadline", "status"} {
			for _, f := range []tracker.RecommendationFilter{
				{Status: tracker.RecOpen}, {Status: tracker.RecImplemented}, {Outstanding: true}, {Overdue: true}, {},
			} {
				f.Sort, f.Today, f.Page = sort, today, page
				for _, org := range []tracker.Organisation{mps, colp} {
					f.OrganisationID = org.ID
					total, plan, err := s.RecommendationPlans(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if !strings.Contains(total, "addressee_tallies") || strings.Contains(total, "recommendation_addressees") ||
						strings.Contains(total, "recommendations") {
						t.Errorf("%s, %+v: the total is not read from the tallies:\n%s", org.Name, f, total)
					}
					if s.Dialect() != store.SQLite {
						continue
					}
					if org.ID == mps.ID && (!strings.Contains(plan, "SCAN recommendations USING COVERING INDEX recommendations_list_"+sort) ||
						strings.Contains(plan, "TEMP B-TREE") || !strings.Contains(plan, "(recommendation_id=? AND organisation_id=?)")) {
						t.Errorf("%s, %+v: the page is not read in the list's order:\n%s", org.Name, f, plan)
					}
					if org.ID == colp.ID && !strings.Contains(plan, "USING INDEX addressees_org") {
						t.Errorf("%s, %+v: the page is not read from the organisation's addressees:\n%s", org.Name, f, plan)
					}
				}
			}
		}
	})
}

// TestAddresseeScansKeepTheSameRows: both ways of finding an
// organisation's recommendations keep the same rows in the same order, for
// every filter by its own status and every sort, and the list's total
// (from the tallies) counts them.
func TestAddresseeScansKeepTheSameRows(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mps, colp := addresseeWorld(t, s)
		today := storetest.Today()
		for _, sort := range []string{"number", "deadline", "status"} {
			for _, f := range []tracker.RecommendationFilter{
				{Status: tracker.RecOpen}, {Status: tracker.RecClosed}, {Outstanding: true}, {Overdue: true}, {},
			} {
				f.Sort, f.Today, f.Page = sort, today, tracker.AllRows
				for _, org := range []tracker.Organisation{mps, colp} {
					f.OrganisationID = org.ID
					walked, driven, err := s.RecommendationIDsBoth(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if !slices.Equal(walked, driven) {
						t.Errorf("%s, %+v: walking the list keeps %d rows, reading the addressees %d, or not in the same order", org.Name, f, len(walked), len(driven))
					}
					items, total, err := s.ListRecommendations(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if int64(len(walked)) != total || len(items) != len(walked) {
						t.Errorf("%s, %+v: %d rows, %d listed, total %d", org.Name, f, len(walked), len(items), total)
					}
				}
			}
		}
	})
}

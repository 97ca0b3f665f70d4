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

// TestAddresseeTalliesCountOwnStatus: the tallies of addressed
// recommendations count each addressee's own status, so an organisation's
// list by its own status (status, outstanding, overdue), that list's total
// and the overview's counts per organisation, which link to it, agree with
// a recount of the recommendations one by one, after every kind of write:
// an addressee's status set, a deadline moved, addressees changed, a
// recommendation deleted, restored, moved to another source, closed as a
// whole or deleted outright, a load of many, an addressee removed.
func TestAddresseeTalliesCountOwnStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newCommandWorld(t, s)
		ctx, admin := w.ctx, s.As(w.admin)
		today := storetest.Today()
		src := w.source("Duty of Care", w.la)
		other := w.source("Stop and Search", w.la)
		create := func(number string, deadline *time.Time, to ...tracker.Organisation) tracker.Recommendation {
			t.Helper()
			r, err := admin.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: number, Text: "Publish.", Addressees: to, DeadlineDate: deadline})
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		past, future := tracker.Day(storetest.Day(-100)), tracker.Day(storetest.Day(100))
		r1 := create("1", &past, w.colp, w.mps)
		r2 := create("2", &future, w.mps)
		create("3", nil, w.colp)
		r4 := create("4", &past, w.la, w.colp)
		orgs := []tracker.Organisation{w.la, w.colp, w.mps}

		check := func(when string) {
			t.Helper()
			checkOwnStatusCounts(t, s, ctx, when, today, orgs)
		}
		check("created")

		setStatus := func(r tracker.Recommendation, o tracker.Organisation, status string) {
			t.Helper()
			d, err := s.RecommendationDetail(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := d.Recommendation.StatusOf(o.ID)
			if err := admin.SetAddresseeStatus(ctx, r.ID, o.ID, tracker.AddresseeStatusChange{Status: status, Version: st.Version}); err != nil {
				t.Fatal(err)
			}
		}
		// CoLP is done with 1; the MPS is not, so 1 is in progress overall.
		setStatus(r1, w.colp, tracker.RecImplemented)
		check("an addressee's status set")
		setStatus(r1, w.mps, tracker.RecInProgress)
		setStatus(r4, w.la, tracker.RecClosed)
		check("the others' statuses set")

		d, _ := s.RecommendationDetail(ctx, r2.ID)
		if err := s.MoveRecommendationDeadline(ctx, r2.ID, store.DeadlineMove{Version: d.Recommendation.Version, NewDate: tracker.Day(storetest.Day(-5)), Reason: "Agreed"}); err != nil {
			t.Fatal(err)
		}
		check("a deadline moved")

		d, _ = s.RecommendationDetail(ctx, r1.ID)
		changed := d.Recommendation
		changed.Addressees = append(changed.Addressees, w.la)
		if _, err := admin.UpdateRecommendation(ctx, changed); err != nil {
			t.Fatal(err)
		}
		check("an addressee added")

		if err := s.Exec(ctx, `UPDATE recommendations SET deleted_at = ? WHERE id = ?`, time.Now(), r1.ID); err != nil {
			t.Fatal(err)
		}
		check("deleted")
		if err := s.Exec(ctx, `UPDATE recommendations SET deleted_at = NULL WHERE id = ?`, r1.ID); err != nil {
			t.Fatal(err)
		}
		check("restored")

		d, _ = s.RecommendationDetail(ctx, r4.ID)
		if err := admin.ChangeRecommendation(ctx, r4.ID, store.RecommendationChange{Version: d.Recommendation.Version, Status: tracker.RecClosed,
			Assessment: tracker.AssessSatisfied, Reason: "closed by the committee"}); err != nil {
			t.Fatal(err)
		}
		check("closed as a whole")

		if err := s.Exec(ctx, `UPDATE recommendations SET source_id = ? WHERE id = ?`, other.ID, r2.ID); err != nil {
			t.Fatal(err)
		}
		check("moved to another source")

		if err := s.Exec(ctx, `DELETE FROM recommendations WHERE id = ?`, r1.ID); err != nil {
			t.Fatal(err)
		}
		check("deleted outright")

		many := make([]tracker.Recommendation, 40)
		for i := range many {
			many[i] = tracker.Recommendation{SourceID: other.ID, Number: fmt.Sprint(100 + i), Text: "Train.", Addressees: []tracker.Organisation{w.mps, w.colp},
				Statuses:     []tracker.AddresseeStatus{{Organisation: w.mps, Status: []string{tracker.RecOpen, tracker.RecImplemented}[i%2]}, {Organisation: w.colp, Status: tracker.RecClosed}},
				DeadlineDate: &past, Status: tracker.RecOpen, Assessment: tracker.AssessNone}
		}
		if err := s.Bulk(ctx, func(tx *store.Store) error { _, err := tx.CreateRecommendations(ctx, many); return err }); err != nil {
			t.Fatal(err)
		}
		check("many loaded at once")

		if err := s.Exec(ctx, `DELETE FROM recommendation_addressees WHERE recommendation_id = ? AND organisation_id = ?`, r4.ID, w.la.ID); err != nil {
			t.Fatal(err)
		}
		check("an addressee removed")
	})
}

// checkOwnStatusCounts checks, for each of orgs, that its list by each of
// its own statuses (and outstanding, and overdue), the list's total and
// the overview's counts for it agree with a recount of every
// recommendation's own status for it, and that the derived tables agree
// with the tables.
func checkOwnStatusCounts(t *testing.T, s *store.Store, ctx context.Context, when string, today time.Time, orgs []tracker.Organisation) {
	t.Helper()
	if err := s.CheckDerived(ctx); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	all, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{Today: today, Page: tracker.AllRows})
	if err != nil {
		t.Fatal(err)
	}
	counts, err := s.Counts(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range orgs {
		want := recountOwnStatus(all, o, today)
		for _, key := range []string{"", tracker.RecOpen, tracker.RecInProgress, tracker.RecImplemented, tracker.RecClosed, "outstanding", "overdue"} {
			f := tracker.RecommendationFilter{OrganisationID: o.ID, Today: today, Page: tracker.AllRows,
				Outstanding: key == "outstanding", Overdue: key == "overdue"}
			if key != "outstanding" && key != "overdue" {
				f.Status = key
			}
			items, total, err := s.ListRecommendations(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if total != want[key] || int64(len(items)) != want[key] {
				t.Errorf("%s: %s, %q: %d listed, total %d, want %d", when, o.Name, key, len(items), total, want[key])
			}
			// A page of one still says how many there are.
			f.Page = tracker.Page{Number: 1, Size: 1}
			if _, total, err := s.ListRecommendations(ctx, f); err != nil || total != want[key] {
				t.Errorf("%s: %s, %q: first page's total %d (%v), want %d", when, o.Name, key, total, err, want[key])
			}
		}
		var got tracker.OrganisationCounts
		for _, oc := range counts.ByOrganisation {
			if oc.Organisation.ID == o.ID {
				got = oc
			}
		}
		if int64(got.OutstandingRecs) != want["outstanding"] || int64(got.OverdueRecs) != want["overdue"] {
			t.Errorf("%s: the overview counts %d outstanding and %d past deadline for %s, its list %d and %d",
				when, got.OutstandingRecs, got.OverdueRecs, o.Name, want["outstanding"], want["overdue"])
		}
	}
}

// recountOwnStatus counts, one recommendation at a time, those addressed
// to o ("") by o's own status, and those outstanding and overdue for o.
func recountOwnStatus(all []tracker.RecommendationItem, o tracker.Organisation, today time.Time) map[string]int64 {
	want := map[string]int64{}
	for _, it := range all {
		r := it.Recommendation
		if _, ok := r.StatusOf(o.ID); !ok {
			continue
		}
		want[""]++
		want[r.OwnStatus(o.ID)]++
		if r.OutstandingFor(o.ID) {
			want["outstanding"]++
			if r.DeadlineDate != nil && r.DeadlineDate.Before(today) {
				want["overdue"]++
			}
		}
	}
	return want
}

// TestMigration0024 upgrades a database whose addressees of one
// recommendation differ in their own status: the tallies count each one's
// own status, a deleted recommendation's none; the way down counts the
// overall status again, and the way up again keeps the data.
func TestMigration0024(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenRaw(t, b.Open(t))
			if err := s.MigrateTo(ctx, "0022_request_optouts"); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
			for _, stmt := range []string{
				`INSERT INTO organisations (id, name, version, created_at, updated_at) VALUES (1, 'MOPAC', 1, ?, ?), (2, 'Metropolitan Police Service', 1, ?, ?)`,
				`INSERT INTO sources (id, kind, title, issued_by_id, version, created_at, updated_at) VALUES (1, 'committee_report', 'Duty of Care', 1, 1, ?, ?)`,
				`INSERT INTO recommendations (id, source_id, number, text, status, assessment, deadline_date, version, created_at, updated_at)
					VALUES (1, 1, '2', 'Victims’ Code', 'in_progress', 'not_assessed', '2025-06-30', 1, ?, ?)`,
				`INSERT INTO recommendations (id, source_id, number, text, status, assessment, version, created_at, updated_at, deleted_at)
					VALUES (2, 1, '3', 'Hotline', 'open', 'not_assessed', 1, ?, ?, ?)`,
			} {
				execAt(t, s, stmt, now)
			}
			if err := s.Exec(ctx, `INSERT INTO recommendation_addressees (recommendation_id, organisation_id, sort_order, status)
				VALUES (1, 1, 0, 'implemented'), (1, 2, 1, 'open'), (2, 2, 0, 'open')`); err != nil {
				t.Fatal(err)
			}
			tally := func(org int64, status string) int64 {
				t.Helper()
				n, err := s.Count(ctx, `SELECT COALESCE(SUM(n), 0) FROM addressee_tallies WHERE organisation_id = ? AND status = ?`, org, status)
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			if tally(1, "in_progress") != 1 || tally(2, "in_progress") != 1 {
				t.Fatal("before the upgrade the tallies should count the overall status")
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if tally(1, "implemented") != 1 || tally(2, "open") != 1 || tally(1, "in_progress")+tally(2, "in_progress") != 0 {
				t.Error("after the upgrade the tallies do not count each addressee's own status")
			}
			if err := s.CheckDerived(ctx); err != nil {
				t.Error(err)
			}
			// MOPAC's own status is done, the deadline past: not overdue for
			// MOPAC, overdue for the MPS.
			checkOverview(t, s, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), map[int64]int{1: 0, 2: 1})
			if err := s.RollbackTo(ctx, "0022_request_optouts"); err != nil {
				t.Fatal(err)
			}
			if tally(1, "in_progress") != 1 || tally(2, "in_progress") != 1 || tally(1, "implemented") != 0 {
				t.Error("after the way down the tallies do not count the overall status")
			}
			if err := s.Exec(ctx, `UPDATE recommendations SET status = 'closed' WHERE id = 1`); err != nil {
				t.Fatal(err)
			}
			if tally(1, "closed") != 1 || tally(2, "closed") != 1 {
				t.Error("after the way down the triggers do not follow the overall status")
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := s.CheckDerived(ctx); err != nil {
				t.Error(err)
			}
		})
	}
}

// execAt runs stmt with now for each of its arguments.
func execAt(t *testing.T, s *store.Store, stmt string, now time.Time) {
	t.Helper()
	args := make([]any, strings.Count(stmt, "?"))
	for i := range args {
		args[i] = now
	}
	if err := s.Exec(context.Background(), stmt, args...); err != nil {
		t.Fatal(err)
	}
}

// checkOverview checks that the overview counts, for each organisation,
// as many recommendations outstanding, and as many past their deadline on
// today, as want says (by organisation id).
func checkOverview(t *testing.T, s *store.Store, today time.Time, want map[int64]int) {
	t.Helper()
	counts, err := s.Counts(context.Background(), today)
	if err != nil {
		t.Fatal(err)
	}
	for _, oc := range counts.ByOrganisation {
		if n := want[oc.Organisation.ID]; oc.OutstandingRecs != n || oc.OverdueRecs != n {
			t.Errorf("%s: %d outstanding, %d past deadline; want %d", oc.Organisation.Name, oc.OutstandingRecs, oc.OverdueRecs, n)
		}
	}
}

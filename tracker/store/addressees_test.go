package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

func TestDerivedStatus(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want string
	}{
		{nil, tracker.RecClosed},
		{[]string{"open", "open"}, "open"},
		{[]string{"open", "implemented"}, "in_progress"},
		{[]string{"in_progress", "open"}, "in_progress"},
		{[]string{"implemented", "closed"}, "implemented"},
		{[]string{"closed", "closed"}, "closed"},
		{[]string{"closed", "open"}, "in_progress"},
	} {
		if got := tracker.DerivedStatus(c.in, tracker.RecClosed); got != c.want {
			t.Errorf("DerivedStatus(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// statusesOf reads each addressee's own status of a recommendation, by the
// organisation's name, with its date.
func statusesOf(t *testing.T, s *store.Store, ctx context.Context, id int64) (map[string]string, string) {
	t.Helper()
	d, err := s.RecommendationDetail(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, a := range d.Recommendation.Statuses {
		v := a.Status
		if a.StatusDate != nil {
			v += " " + a.StatusDate.Format("2006-01-02")
		}
		out[a.Organisation.Name] = v
	}
	return out, d.Recommendation.Status
}

// TestAddresseeStatus: a recommendation made to two forces is done by one
// and not by the other. Each keeps its own dated status; the overall one
// follows the written rule; two people changing one status at once do not
// overwrite each other; the editor of one force may set only its own;
// "open for MPS" lists by MPS's own status; and "as at" follows each
// status's date, also when it was typed in later.
func TestAddresseeStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newCommandWorld(t, s)
		ctx := w.ctx
		issued := tracker.Day(storetest.Day(-100))
		src, err := s.As(w.admin).CreateSource(ctx, tracker.Source{Title: "Duty of Care: Improving Support for Victims of Crime", Kind: tracker.KindCommitteeReport, IssuedByID: w.la.ID, Date: &issued})
		if err != nil {
			t.Fatal(err)
		}
		rec := w.recommendation(src, "2", w.colp, w.mps)
		got, overall := statusesOf(t, s, ctx, rec.ID)
		if got[w.colp.Name] != "open" || got[w.mps.Name] != "open" || overall != "open" {
			t.Fatalf("new: %v, overall %s", got, overall)
		}
		d1 := tracker.Day(storetest.Day(-40))
		admin := s.As(w.admin)
		if err := admin.SetAddresseeStatus(ctx, rec.ID, w.colp.ID, tracker.AddresseeStatusChange{Status: tracker.RecImplemented, On: &d1, Version: 1}); err != nil {
			t.Fatal(err)
		}
		got, overall = statusesOf(t, s, ctx, rec.ID)
		if got[w.colp.Name] != "implemented "+d1.Format("2006-01-02") || got[w.mps.Name] != "open" || overall != tracker.RecInProgress {
			t.Fatalf("after CoLP implemented: %v, overall %s", got, overall)
		}
		// The same version again is someone else's stale form.
		err = admin.SetAddresseeStatus(ctx, rec.ID, w.colp.ID, tracker.AddresseeStatusChange{Status: tracker.RecOpen, Version: 1})
		if !errors.Is(err, tracker.ErrConflict) {
			t.Errorf("stale version: %v, want a conflict", err)
		}
		// CoLP's editor may set CoLP's status, not MPS's.
		err = s.As(w.editor).SetAddresseeStatus(ctx, rec.ID, w.mps.ID, tracker.AddresseeStatusChange{Status: tracker.RecClosed, Version: 1})
		if !errors.Is(err, tracker.ErrForbidden) {
			t.Errorf("CoLP's editor set MPS's status: %v", err)
		}
		// Unknown words and an organisation not addressed are refused at their field.
		invalidAt(t, "a made-up status", admin.SetAddresseeStatus(ctx, rec.ID, w.mps.ID, tracker.AddresseeStatusChange{Status: "pending", Version: 1}), "status", "Choose a status")
		err = admin.SetAddresseeStatus(ctx, rec.ID, w.la.ID, tracker.AddresseeStatusChange{Status: tracker.RecOpen, Version: 1})
		if err == nil {
			t.Error("a status for an organisation the recommendation is not addressed to was stored")
		}

		// "Open for MPS" keeps it, "open for CoLP" does not; "implemented for CoLP" does.
		count := func(org int64, status string, outstanding bool) int64 {
			items, n, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{OrganisationID: org, Status: status, Outstanding: outstanding, Today: storetest.Today(), Page: tracker.AllRows})
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(items)) != n {
				t.Errorf("list of %d rows says %d in all", len(items), n)
			}
			return n
		}
		if count(w.mps.ID, "open", false) != 1 || count(w.colp.ID, "open", false) != 0 || count(w.colp.ID, "implemented", false) != 1 ||
			count(w.colp.ID, "", true) != 0 || count(w.mps.ID, "", true) != 1 || count(w.colp.ID, "", false) != 1 {
			t.Error("the filter by organisation does not read the organisation's own status")
		}

		// MPS done 10 days ago, typed in today: overall implemented.
		d2 := tracker.Day(storetest.Day(-10))
		if err := s.As(w.admin).SetAddresseeStatus(ctx, rec.ID, w.mps.ID, tracker.AddresseeStatusChange{Status: tracker.RecImplemented, On: &d2, Version: 1}); err != nil {
			t.Fatal(err)
		}
		if _, overall = statusesOf(t, s, ctx, rec.ID); overall != tracker.RecImplemented {
			t.Errorf("both implemented: overall %s", overall)
		}

		// As at: before either, between, and after.
		asAt := func(day time.Time) (map[string]string, string) {
			var got map[string]string
			var overall string
			err := s.ReadAsAt(ctx, tracker.EndOfDay(day), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				got, overall = statusesOf(t, tx, ctx, rec.ID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return got, overall
		}
		if got, overall := asAt(storetest.Day(-50)); overall != "open" || got[w.colp.Name] != "open" || got[w.mps.Name] != "open" {
			t.Errorf("as at 50 days ago: %v, overall %s", got, overall)
		}
		if got, overall := asAt(storetest.Day(-20)); overall != tracker.RecInProgress || got[w.colp.Name] != "implemented "+d1.Format("2006-01-02") || got[w.mps.Name] != "open" {
			t.Errorf("as at 20 days ago: %v, overall %s", got, overall)
		}
		if got, _ := asAt(storetest.Day(-5)); got[w.mps.Name] != "implemented "+d2.Format("2006-01-02") {
			t.Errorf("as at 5 days ago: %v", got)
		}

		// The overseer closes the recommendation as a whole: every addressee is closed.
		d, err := s.RecommendationDetail(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := admin.ChangeRecommendation(ctx, rec.ID, store.RecommendationChange{Version: d.Recommendation.Version, Status: tracker.RecClosed,
			Assessment: tracker.AssessSatisfied, Reason: "closed by the committee"}); err != nil {
			t.Fatal(err)
		}
		got, overall = statusesOf(t, s, ctx, rec.ID)
		if overall != tracker.RecClosed || got[w.colp.Name][:6] != "closed" || got[w.mps.Name][:6] != "closed" {
			t.Errorf("closed as a whole: %v, overall %s", got, overall)
		}
		// Adding an addressee keeps the others' own statuses.
		d, _ = s.RecommendationDetail(ctx, rec.ID)
		r := d.Recommendation
		r.Addressees = append(r.Addressees, w.la)
		if _, err := admin.UpdateRecommendation(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, overall = statusesOf(t, s, ctx, rec.ID)
		if len(got) != 3 || got[w.la.Name] != "closed" || got[w.mps.Name][:6] != "closed" || overall != tracker.RecClosed {
			t.Errorf("after adding an addressee: %v, overall %s", got, overall)
		}
		if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
			t.Error(err)
		}
	})
}

// TestMigration0013 upgrades a database with a recommendation made to two
// bodies: each addressee starts at the recommendation's status, with no
// date, and the way down and up again keeps the data.
func TestMigration0013(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenRaw(t, b.Open(t))
			if err := s.MigrateTo(ctx, "0012_changed_walk"); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
			for _, stmt := range []string{
				`INSERT INTO organisations (id, name, version, created_at, updated_at) VALUES (1, 'MOPAC', 1, ?, ?), (2, 'Metropolitan Police Service', 1, ?, ?)`,
				`INSERT INTO sources (id, kind, title, issued_by_id, version, created_at, updated_at) VALUES (1, 'committee_report', 'Duty of Care', 1, 1, ?, ?)`,
				`INSERT INTO recommendations (id, source_id, number, text, status, assessment, version, created_at, updated_at) VALUES (1, 1, '2', 'Victims’ Code', 'implemented', 'not_assessed', 1, ?, ?)`,
			} {
				n := 0
				for _, c := range stmt {
					if c == '?' {
						n++
					}
				}
				args := make([]any, n)
				for i := range args {
					args[i] = now
				}
				if err := s.Exec(ctx, stmt, args...); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.Exec(ctx, `INSERT INTO recommendation_addressees (recommendation_id, organisation_id, sort_order) VALUES (1, 1, 0), (1, 2, 1)`); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Count(ctx, `SELECT COUNT(*) FROM recommendation_addressees WHERE status = 'implemented' AND status_date IS NULL AND version = 1`); err != nil || n != 2 {
				t.Errorf("after the upgrade: %d addressees at the recommendation's status, %v", n, err)
			}
			got, overall := statusesOf(t, s, ctx, 1)
			if overall != "implemented" || got["MOPAC"] != "implemented" || got["Metropolitan Police Service"] != "implemented" {
				t.Errorf("read after the upgrade: %v, overall %s", got, overall)
			}
			if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
				t.Error(err)
			}
			if err := s.RollbackTo(ctx, "0012_changed_walk"); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Count(ctx, `SELECT COUNT(*) FROM recommendation_addressees`); err != nil || n != 2 {
				t.Errorf("after the way down: %d addressees, %v", n, err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestRestoreOlderBackupAddresseeStatus: a backup written before each
// addressee had its own status restores with each addressee at its
// recommendation's status, as the migration gives them.
func TestRestoreOlderBackupAddresseeStatus(t *testing.T) {
	s := storetest.SQLite(t)
	w := newCommandWorld(t, s)
	src := w.source("Duty of Care", w.la)
	rec := w.recommendation(src, "4", w.colp, w.mps)
	if err := s.As(w.admin).ChangeRecommendation(w.ctx, rec.ID, store.RecommendationChange{Version: rec.Version, Status: tracker.RecImplemented, Assessment: tracker.AssessNone}); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := s.ExportAll(w.ctx, &buf); err != nil {
		t.Fatal(err)
	}
	// Take the columns of migration 0013 out, as an older tracker wrote it.
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	links := doc["tables"].(map[string]any)["recommendation_addressees"].(map[string]any)
	var keep []int
	var cols []any
	for i, c := range links["columns"].([]any) {
		if name := c.(map[string]any)["name"]; name != "status" && name != "status_date" && name != "version" {
			keep, cols = append(keep, i), append(cols, c)
		}
	}
	var rows []any
	for _, r := range links["rows"].([]any) {
		var row []any
		for _, i := range keep {
			row = append(row, r.([]any)[i])
		}
		rows = append(rows, row)
	}
	links["columns"], links["rows"] = cols, rows
	old, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	fresh := storetest.SQLite(t)
	if _, err := fresh.ImportAll(context.Background(), bytes.NewReader(old)); err != nil {
		t.Fatal(err)
	}
	got, overall := statusesOf(t, fresh, context.Background(), rec.ID)
	if overall != tracker.RecImplemented || got[w.colp.Name] != "implemented" || got[w.mps.Name] != "implemented" {
		t.Errorf("restored from an older backup: %v, overall %s", got, overall)
	}
}

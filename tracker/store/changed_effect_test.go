package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestChangedSinceByEffect: "changed since" means the same on the lists,
// the overview and the reports' marks: a change counts from the day it
// took effect, not the day it was typed in. A recommendation of 2013 typed
// in today has not changed in the last three days; an action begun today
// has.
func TestChangedSinceByEffect(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		made := time.Date(2013, 1, 23, 0, 0, 0, 0, time.UTC)
		src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Duty of Care", IssuedByID: mps.ID, Date: &made})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "1", Text: "Publish the Victims’ Code.",
			Addressees: []tracker.Organisation{mps}, Status: tracker.RecOpen, Assessment: tracker.AssessNone})
		if err != nil {
			t.Fatal(err)
		}
		act, err := s.CreateAction(ctx, tracker.Action{OrganisationID: mps.ID, RecommendationID: &rec.ID, Description: "Print the leaflet", Status: tracker.ActNotStarted})
		if err != nil {
			t.Fatal(err)
		}
		// An older action whose only news is an update dated ten days ago.
		old, err := s.CreateAction(ctx, tracker.Action{OrganisationID: mps.ID, RecommendationID: &rec.ID, Description: "Brief the call centre", Status: tracker.ActNotStarted})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateUpdate(ctx, tracker.Update{ActionID: &old.ID, Date: storetest.Day(-10), Author: "Chair", Text: "Briefed – £250"}); err != nil {
			t.Fatal(err)
		}
		if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			since       time.Time
			rec         bool
			act, oldAct bool
		}{
			{storetest.Day(-3), false, true, true}, // the old action was itself typed in today
			{time.Date(2012, 12, 31, 0, 0, 0, 0, time.UTC), true, true, true},
			{storetest.Now(), false, false, false},
		} {
			since := c.since
			recs, n, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{ChangedSince: &since, Today: storetest.Today(), Page: tracker.AllRows})
			if err != nil {
				t.Fatal(err)
			}
			if got := len(recs) == 1 && n == 1; got != c.rec || (!c.rec && n != 0) {
				t.Errorf("recommendations changed since %s: %d listed, total %d; want changed=%v", since.Format(time.DateOnly), len(recs), n, c.rec)
			}
			acts, _, err := s.ListActions(ctx, tracker.ActionFilter{ChangedSince: &since, Today: storetest.Today(), Page: tracker.AllRows})
			if err != nil {
				t.Fatal(err)
			}
			listed := map[int64]bool{}
			for _, it := range acts {
				listed[it.Action.ID] = true
			}
			if listed[act.ID] != c.act || listed[old.ID] != c.oldAct {
				t.Errorf("actions changed since %s: %v, want %d:%v %d:%v", since.Format(time.DateOnly), listed, act.ID, c.act, old.ID, c.oldAct)
			}
			changed, _, err := s.ChangedSince(ctx, since, 50)
			if err != nil {
				t.Fatal(err)
			}
			overview := map[string]bool{}
			for _, it := range changed {
				overview[fmt.Sprintf("%s/%d", it.Hit.Entity, it.Hit.ID)] = true
			}
			if overview[fmt.Sprintf("%s/%d", store.EntityRecommendation, rec.ID)] != c.rec {
				t.Errorf("overview since %s: %v, want the recommendation %v", since.Format(time.DateOnly), overview, c.rec)
			}
			err = s.ReadAsAt(ctx, storetest.Now(), store.AsAtOptions{Since: &since}, func(_ *store.Store, v *tracker.View) error {
				if marked := v.Mark(store.EntityRecommendation, rec.ID) != ""; marked != c.rec {
					t.Errorf("report marks since %s: recommendation marked %q, want changed=%v", since.Format(time.DateOnly), v.Mark(store.EntityRecommendation, rec.ID), c.rec)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}

		// The update dated ten days ago is news since eleven days ago but
		// not since nine, though it was typed in today: the overview shows
		// it by its date.
		for _, c := range []struct {
			days int
			want bool
		}{{-11, true}, {-9, false}} {
			since := storetest.Day(c.days)
			changed, _, err := s.ChangedSince(ctx, since, 50)
			if err != nil {
				t.Fatal(err)
			}
			var update bool
			for _, it := range changed {
				if it.Hit.Entity == store.EntityUpdate {
					update = true
					if !it.At.Equal(storetest.Day(-10)) {
						t.Errorf("the update's change is shown at %s, want its date %s", it.At, storetest.Day(-10))
					}
				}
			}
			if update != c.want {
				t.Errorf("overview since %s lists the update: %v, want %v", since.Format(time.DateOnly), update, c.want)
			}
		}
	})
}

// TestTotalsAreTheLists: every filter's total, added up from the tallies,
// is the number of rows its whole list holds.
func TestTotalsAreTheLists(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		colp, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "City of London Police", ShortName: "CoLP"})
		var srcs []int64
		for _, title := range []string{"Duty of Care", "Victims’ Code Ⅱ"} {
			src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: title, IssuedByID: mps.ID})
			if err != nil {
				t.Fatal(err)
			}
			srcs = append(srcs, src.ID)
		}
		today := storetest.Today()
		statuses := []string{tracker.ActNotStarted, tracker.ActInProgress, tracker.ActCompleted}
		recStatuses := []string{tracker.RecOpen, tracker.RecInProgress, tracker.RecImplemented, tracker.RecClosed}
		for i := 0; i < 30; i++ {
			org := []tracker.Organisation{mps, colp}[i%2]
			src := srcs[i%len(srcs)]
			a := tracker.Action{OrganisationID: org.ID, SourceID: &src, Description: fmt.Sprint("Action ", i), Owner: []string{"", "DS Smith", "Ms Ó Briain"}[i%3],
				Status: statuses[i%3], RAG: []string{"", "red", "green", "amber"}[i%4]}
			if i%5 != 0 {
				a.DueDate = tracker.DatePtr(today.Year(), today.Month(), today.Day()+(i%9)*4-12)
			}
			if a.Status == tracker.ActCompleted {
				a.CompletedOn = tracker.DatePtr(2025, 1, 1)
			}
			if _, err := s.CreateAction(ctx, a); err != nil {
				t.Fatal(err)
			}
			r := tracker.Recommendation{SourceID: src, Number: fmt.Sprint(i + 1), Text: "R", Addressees: []tracker.Organisation{org},
				Status: recStatuses[i%4], Assessment: tracker.AssessNone}
			if i%3 != 0 {
				r.DeadlineDate = tracker.DatePtr(today.Year(), today.Month(), today.Day()+(i%7)*5-15)
			}
			if i%6 == 0 {
				r.Addressees = append(r.Addressees, []tracker.Organisation{colp, mps}[i%2])
			}
			if _, err := s.CreateRecommendation(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		actionFilters := []tracker.ActionFilter{{}, {OrganisationID: colp.ID}, {Owner: "DS Smith"}, {Status: tracker.ActInProgress}, {Open: true},
			{Overdue: true}, {DueWithinDays: 14}, {SourceID: srcs[1]}, {RAG: "none"}, {RAG: "red"},
			{OrganisationID: mps.ID, Open: true, RAG: "green"}, {Overdue: true, SourceID: srcs[0], Owner: "Ms Ó Briain"}}
		for _, f := range actionFilters {
			f.Today, f.Page = today, tracker.AllRows
			items, total, err := s.ListActions(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(items)) != total {
				t.Errorf("actions %+v: total %d, list of %d", f, total, len(items))
			}
		}
		recFilters := []tracker.RecommendationFilter{{}, {OrganisationID: colp.ID}, {SourceID: srcs[0]}, {Status: tracker.RecClosed}, {Outstanding: true},
			{Overdue: true}, {OrganisationID: mps.ID, Overdue: true}, {SourceID: srcs[1], Outstanding: true, OrganisationID: colp.ID}}
		for _, f := range recFilters {
			f.Today, f.Page = today, tracker.AllRows
			items, total, err := s.ListRecommendations(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(items)) != total {
				t.Errorf("recommendations %+v: total %d, list of %d", f, total, len(items))
			}
		}
	})
}

// TestMigration0010 upgrades a trail whose latest changes were kept by when
// they were typed in: afterwards they are kept by when they took effect,
// the kept tables agree with the trail, and new events keep them so; the
// way down restores the old keeping.
func TestMigration0010(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenRaw(t, b.Open(t))
			if err := s.MigrateTo(ctx, "0009_indexes"); err != nil {
				t.Fatal(err)
			}
			typed := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
			took := time.Date(2013, 3, 1, 0, 0, 0, 0, time.UTC)
			if err := s.Exec(ctx, `INSERT INTO audit_events (id, at, effective_at, actor, channel, entity, entity_id, op, changes)
				VALUES (1, ?, ?, 'system', 'command line', 'update', 7, 'create', '[]')`, typed, took); err != nil {
				t.Fatal(err)
			}
			since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			if n, err := s.Count(ctx, `SELECT COUNT(*) FROM audit_latest WHERE last_at = ?`, typed); err != nil || n != 1 {
				t.Fatalf("before the upgrade, kept by when typed in: %d rows, %v", n, err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
				t.Error(err)
			}
			if _, n, err := s.ChangedSince(ctx, since, 10); err != nil || n != 0 {
				t.Errorf("after the upgrade, a change of 2013 typed in on 10 March: %d changed since 1 March, %v", n, err)
			}
			if _, n, err := s.ChangedSince(ctx, time.Date(2013, 2, 1, 0, 0, 0, 0, time.UTC), 10); err != nil || n != 1 {
				t.Errorf("after the upgrade: %d changed since February 2013, want 1 (%v)", n, err)
			}
			// A new event keeps the tables, by its own date.
			if err := s.Exec(ctx, `INSERT INTO audit_events (id, at, effective_at, actor, channel, entity, entity_id, op, changes)
				VALUES (2, ?, ?, 'system', 'command line', 'update', 7, 'change', '[]')`, typed.Add(time.Hour), typed.Add(-24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
				t.Error(err)
			}
			if _, n, err := s.ChangedSince(ctx, since, 10); err != nil || n != 1 {
				t.Errorf("after a change dated 9 March: %d changed since 1 March, %v", n, err)
			}
			if err := s.RollbackTo(ctx, "0009_indexes"); err != nil {
				t.Fatal(err)
			}
			if n, err := s.Count(ctx, `SELECT COUNT(*) FROM audit_latest WHERE last_at = ?`, typed.Add(time.Hour)); err != nil || n != 1 {
				t.Errorf("after the way down, audit_latest keeps when typed in: %d rows, %v", n, err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestChangedSinceLatestInEffectFirst: the overview lists what changed
// latest by the dates changes took effect, each at its own date, however
// the changes were typed in: an update dated two days ago comes before one
// dated eight days ago that was typed in after it, and a log of old
// updates typed in last (an import) neither pushes them out nor shows.
func TestChangedSinceLatestInEffectFirst(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		since := storetest.Day(-14)
		newer, err := s.CreateAction(ctx, tracker.Action{OrganisationID: mps.ID, Description: "Print the leaflet", Status: tracker.ActNotStarted})
		if err != nil {
			t.Fatal(err)
		}
		older, err := s.CreateAction(ctx, tracker.Action{OrganisationID: mps.ID, Description: "Brief the call centre", Status: tracker.ActNotStarted})
		if err != nil {
			t.Fatal(err)
		}
		u2, err := s.CreateUpdate(ctx, tracker.Update{ActionID: &newer.ID, Date: storetest.Day(-2), Author: "Chair", Text: "Printed – £250"})
		if err != nil {
			t.Fatal(err)
		}
		u8, err := s.CreateUpdate(ctx, tracker.Update{ActionID: &older.ID, Date: storetest.Day(-8), Author: "Chair", Text: "Briefed"})
		if err != nil {
			t.Fatal(err)
		}
		// Typed in last, dated long before since.
		for i := 0; i < 30; i++ {
			if _, err := s.CreateUpdate(ctx, tracker.Update{ActionID: &older.ID, Date: time.Date(2013, 3, 1+i%28, 0, 0, 0, 0, time.UTC), Author: "Chair", Text: fmt.Sprint("From the old log ", i)}); err != nil {
				t.Fatal(err)
			}
		}
		changed, _, err := s.ChangedSince(ctx, since, 50)
		if err != nil {
			t.Fatal(err)
		}
		var updates []string
		for _, it := range changed {
			if it.Hit.Entity != store.EntityUpdate {
				continue
			}
			updates = append(updates, fmt.Sprint(it.Hit.ID))
			want := map[int64]time.Time{u2.ID: storetest.Day(-2), u8.ID: storetest.Day(-8)}[it.Hit.ID]
			if !it.At.Equal(want) {
				t.Errorf("update %d is shown changed at %s, want its date %s", it.Hit.ID, it.At, want)
			}
		}
		if want := fmt.Sprint([]string{fmt.Sprint(u2.ID), fmt.Sprint(u8.ID)}); fmt.Sprint(updates) != want {
			t.Errorf("updates changed since %s: %v, want %s (latest in effect first, none of the old log)", since.Format(time.DateOnly), updates, want)
		}
		// The two actions, made today, come first.
		if len(changed) < 2 || changed[0].Hit.Entity != store.EntityAction || changed[1].Hit.Entity != store.EntityAction {
			t.Errorf("changed since: %+v, want the two actions made today first", changed)
		}
	})
}

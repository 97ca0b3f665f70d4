package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestDerivedTablesKeepStep: the tallies and the latest changes that
// triggers keep agree with the tables after every kind of write: creates
// one at a time and in bulk, edits of the fields they count, deletes,
// restores and deletes outright.
func TestDerivedTablesKeepStep(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		check := func(when string) {
			t.Helper()
			if err := s.CheckDerived(ctx); err != nil {
				t.Fatalf("%s: %v", when, err)
			}
		}
		check("empty")
		mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		vs, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Victim Support"})
		src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Duty of Care", IssuedByID: mps.ID})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "1", Text: "Publish.", Addressees: []tracker.Organisation{mps, vs},
			DeadlineDate: tracker.DatePtr(2013, 4, 30), Status: tracker.RecOpen, Assessment: tracker.AssessNone})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateRecommendations(ctx, []tracker.Recommendation{
			{SourceID: src.ID, Number: "2", Text: "Train.", Addressees: []tracker.Organisation{vs}, Status: tracker.RecInProgress, Assessment: tracker.AssessNone},
			{SourceID: src.ID, Number: "3", Text: "Count.", Addressees: []tracker.Organisation{mps}, DeadlineDate: tracker.DatePtr(2013, 5, 1), Status: tracker.RecClosed, Assessment: tracker.AssessNone},
		}); err != nil {
			t.Fatal(err)
		}
		check("recommendations created")
		a, err := s.CreateAction(ctx, tracker.Action{OrganisationID: mps.ID, RecommendationID: &rec.ID, Description: "Hotline", Owner: "D/Supt",
			DueDate: tracker.DatePtr(2013, 5, 31), Status: tracker.ActInProgress, RAG: tracker.RAGAmber})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateActions(ctx, []tracker.Action{{OrganisationID: vs.ID, Description: "Leaflet", Status: tracker.ActNotStarted},
			{OrganisationID: mps.ID, SourceID: &src.ID, Description: "Survey", Owner: "D/Supt", DueDate: tracker.DatePtr(2013, 6, 1), Status: tracker.ActCompleted, CompletedOn: tracker.DatePtr(2013, 5, 20)}}); err != nil {
			t.Fatal(err)
		}
		check("actions created")

		// Edits of what the tallies count.
		if err := s.PostUpdate(ctx, a.ID, store.ProgressChange{Version: a.Version, Date: time.Date(2013, 5, 2, 0, 0, 0, 0, time.UTC), Text: "Done.", Status: tracker.ActCompleted}); err != nil {
			t.Fatal(err)
		}
		cur, _ := s.Action(ctx, a.ID)
		if err := s.MoveActionDue(ctx, a.ID, store.DeadlineMove{Version: cur.Action.Version, NewDate: time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC), Reason: "Supplier"}); err != nil {
			t.Fatal(err)
		}
		r, _ := s.RecommendationDetail(ctx, rec.ID)
		if err := s.MoveRecommendationDeadline(ctx, rec.ID, store.DeadlineMove{Version: r.Recommendation.Version, NewDate: time.Date(2013, 9, 30, 0, 0, 0, 0, time.UTC), Reason: "Later"}); err != nil {
			t.Fatal(err)
		}
		r, _ = s.RecommendationDetail(ctx, rec.ID)
		changed := r.Recommendation
		changed.Addressees = []tracker.Organisation{vs}
		if _, err := s.UpdateRecommendation(ctx, changed); err != nil {
			t.Fatal(err)
		}
		check("edited")

		cur, _ = s.Action(ctx, a.ID)
		if err := s.DeleteAction(ctx, a.ID, cur.Action.Version); err != nil {
			t.Fatal(err)
		}
		check("action deleted")
		if err := s.RestoreAction(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		check("action restored")
		if err := s.Exec(ctx, `DELETE FROM actions WHERE id = ?`, a.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Exec(ctx, `DELETE FROM recommendations WHERE id = ?`, rec.ID); err != nil {
			t.Fatal(err)
		}
		check("deleted outright")
		if err := s.BackdateAuditTrail(ctx, 72*time.Hour); err != nil {
			t.Fatal(err)
		}
		check("audit trail moved back")
		if _, err := s.CreateAction(ctx, tracker.Action{OrganisationID: vs.ID, Description: "Later", Status: tracker.ActNotStarted}); err != nil {
			t.Fatal(err)
		}
		check("a change after the move")
	})
}

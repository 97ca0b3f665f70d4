package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

func TestDeadlinesSlipVisibly(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "D/Supt Crime", Channel: tracker.ChannelPage})
		org, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service"})
		src, _ := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Duty of Care", IssuedByID: org.ID})
		rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "4", Text: "By April 2013.", Addressees: []tracker.Organisation{org},
			DeadlineText: "by April 2013", DeadlineDate: tracker.DatePtr(2013, time.April, 30), Status: tracker.RecOpen, Assessment: tracker.AssessNone})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAction(ctx, tracker.Action{OrganisationID: org.ID, RecommendationID: &rec.ID, Description: "CRIB hotline",
			DueText: "in the next two months", DueDate: tracker.DatePtr(2013, time.May, 31), Status: tracker.ActInProgress})
		if err != nil {
			t.Fatal(err)
		}
		// A move needs a reason and a different date.
		var invalid *tracker.ValidationError
		err = s.MoveActionDue(ctx, a.ID, store.DeadlineMove{Version: 1, NewDate: time.Date(2013, 5, 31, 0, 0, 0, 0, time.UTC)})
		if !errors.As(err, &invalid) || invalid.Fields["reason"] == "" || invalid.Fields["new_date"] == "" {
			t.Fatalf("move without reason to the same date: %v", err)
		}
		moves := []struct {
			date   time.Time
			reason string
		}{
			{time.Date(2013, 6, 30, 0, 0, 0, 0, time.UTC), "Hotline supplier delayed – “new contract”"},
			{time.Date(2013, 9, 30, 0, 0, 0, 0, time.UTC), "Security vetting of £-funded staff"},
		}
		for i, m := range moves {
			if err := s.MoveActionDue(ctx, a.ID, store.DeadlineMove{Version: 1 + i, NewDate: m.date, Reason: m.reason, On: time.Date(2013, 6, 1+i, 0, 0, 0, 0, time.UTC)}); err != nil {
				t.Fatal(err)
			}
		}
		// A stale form is refused.
		var conflict *store.ConflictError
		if err := s.MoveActionDue(ctx, a.ID, store.DeadlineMove{Version: 1, NewDate: time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), Reason: "late"}); !errors.As(err, &conflict) {
			t.Fatalf("stale move: %v", err)
		}
		it, err := s.Action(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(it.Revisions) != 2 || it.Slippage() != 122 || tracker.FormatDate(*it.Action.DueDate) != "30 September 2013" ||
			tracker.FormatDate(*it.Revisions[0].OldDate) != "31 May 2013" || it.Revisions[0].Reason != moves[0].reason || it.Revisions[1].Author != "D/Supt Crime" {
			t.Errorf("after two moves: %+v / %+v", it.Action, it.Revisions)
		}
		if err := s.MoveRecommendationDeadline(ctx, rec.ID, store.DeadlineMove{Version: rec.Version, NewDate: time.Date(2013, 6, 30, 0, 0, 0, 0, time.UTC), NewText: "by June 2013", Reason: "Agreed with the committee"}); err != nil {
			t.Fatal(err)
		}
		d, err := s.RecommendationDetail(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Recommendation.DeadlineText != "by June 2013" || len(d.Revisions) != 1 || d.Revisions[0].OldText != "by April 2013" {
			t.Errorf("recommendation deadline: %+v %+v", d.Recommendation, d.Revisions)
		}
		ev, _ := s.History(ctx, store.EntityAction, a.ID)
		if last := ev[len(ev)-1]; last.Op != tracker.OpUpdate || len(last.Changes) < 2 {
			t.Errorf("the move is not in the history: %+v", last)
		}
	})
}

package store_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestBulkCreatesWriteWhatSingleCreatesWrite: an item made by the bulk
// methods has the same row, the same create event (fields, the day it took
// effect, who, through what) and the same search document as one made by
// the one-at-a-time method.
func TestBulkCreatesWriteWhatSingleCreatesWrite(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Loader", Channel: tracker.ChannelCommand})
		org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		if err != nil {
			t.Fatal(err)
		}
		issued := time.Date(2013, 1, 23, 0, 0, 0, 0, time.UTC)
		src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Duty of Care", IssuedByID: org.ID, Date: &issued})
		if err != nil {
			t.Fatal(err)
		}
		rec := func(n string) tracker.Recommendation {
			return tracker.Recommendation{SourceID: src.ID, Number: n, Title: "Quarterly “dip sampling”", Text: "The MPS should – by April 2013 – invest £250,000.",
				Addressees: []tracker.Organisation{org}, DeadlineText: "by April 2013", DeadlineDate: tracker.DatePtr(2013, 4, 30),
				Themes: []string{"Victim care"}, Status: tracker.RecOpen, Assessment: tracker.AssessNone}
		}
		one, err := s.CreateRecommendation(ctx, rec("1"))
		if err != nil {
			t.Fatal(err)
		}
		many, err := s.CreateRecommendations(ctx, []tracker.Recommendation{rec("2"), rec("3"), rec("4")})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range many {
			d, err := s.RecommendationDetail(ctx, r.ID)
			if err != nil || d.Recommendation.Number != []string{"2", "3", "4"}[i] || len(d.Recommendation.Addressees) != 1 {
				t.Fatalf("bulk recommendation %d: %+v %v", i, d.Recommendation, err)
			}
		}
		same(t, s, store.EntityRecommendation, one.ID, many[0].ID, "number")

		resp := func(recID int64) tracker.Response {
			return tracker.Response{RecommendationID: recID, OrganisationID: org.ID, Position: tracker.PosAccepted, Text: "- Accepted.", Author: "DAC", Date: tracker.DatePtr(2013, 3, 1)}
		}
		r1, err := s.CreateResponse(ctx, resp(one.ID))
		if err != nil {
			t.Fatal(err)
		}
		rs, err := s.CreateResponses(ctx, []tracker.Response{resp(many[0].ID), resp(many[0].ID)})
		if err != nil {
			t.Fatal(err)
		}
		if rs[0].Revision != 1 || rs[1].Revision != 2 {
			t.Errorf("revisions %d, %d; want 1, 2", rs[0].Revision, rs[1].Revision)
		}
		same(t, s, store.EntityResponse, r1.ID, rs[0].ID, "recommendation_id")

		act := func(recID int64) tracker.Action {
			return tracker.Action{OrganisationID: org.ID, RecommendationID: &recID, Description: "Create a hotline", Owner: "D/Supt", OwnerUnit: "Crime",
				DueDate: tracker.DatePtr(2013, 5, 31), Status: tracker.ActInProgress, RAG: tracker.RAGAmber}
		}
		a1, err := s.CreateAction(ctx, act(one.ID))
		if err != nil {
			t.Fatal(err)
		}
		as, err := s.CreateActions(ctx, []tracker.Action{act(many[0].ID), act(many[1].ID)})
		if err != nil {
			t.Fatal(err)
		}
		if as[1].SourceID == nil || *as[1].SourceID != src.ID || *as[1].RecommendationID != many[1].ID {
			t.Errorf("bulk action: %+v", as[1])
		}
		same(t, s, store.EntityAction, a1.ID, as[0].ID, "recommendation_id")

		upd := func(actionID int64) tracker.Update {
			return tracker.Update{ActionID: &actionID, Date: time.Date(2013, 4, 2, 0, 0, 0, 0, time.UTC), Author: "Chair", Text: "Hotline live – “on time”."}
		}
		u1, err := s.CreateUpdate(ctx, upd(a1.ID))
		if err != nil {
			t.Fatal(err)
		}
		us, err := s.CreateUpdates(ctx, []tracker.Update{upd(as[0].ID)})
		if err != nil {
			t.Fatal(err)
		}
		same(t, s, store.EntityUpdate, u1.ID, us[0].ID, "action_id")

		hits, err := s.Search(ctx, "hotline live", 10)
		if err != nil || len(hits) != 2 {
			t.Errorf("search finds %d updates (%v), want both", len(hits), err)
		}
	})
}

// same checks that two items' create events agree but for the named
// fields, and that their search documents read alike.
func same(t *testing.T, s *store.Store, entity string, single, bulk int64, differ ...string) {
	t.Helper()
	ctx := context.Background()
	a, err := s.History(ctx, entity, single)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.History(ctx, entity, bulk)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 1 || len(b) != 1 {
		t.Fatalf("%s: %d and %d events, want one create each", entity, len(a), len(b))
	}
	ea, eb := a[0], b[0]
	// Undated items take effect when recorded; dated ones on their day.
	effective := func(e tracker.AuditEvent) time.Time {
		if e.EffectiveAt.Equal(e.At) {
			return time.Time{}
		}
		return e.EffectiveAt
	}
	if ea.Op != eb.Op || ea.Actor != eb.Actor || ea.Channel != eb.Channel || !effective(ea).Equal(effective(eb)) {
		t.Errorf("%s events differ: %+v and %+v", entity, ea, eb)
	}
	skip := map[string]bool{}
	for _, f := range differ {
		skip[f] = true
	}
	keep := func(cs []tracker.Change) []tracker.Change {
		var out []tracker.Change
		for _, c := range cs {
			if !skip[c.Field] {
				out = append(out, c)
			}
		}
		return out
	}
	if ca, cb := keep(ea.Changes), keep(eb.Changes); !reflect.DeepEqual(ca, cb) {
		t.Errorf("%s changes differ:\n single %+v\n bulk   %+v", entity, ca, cb)
	}
}

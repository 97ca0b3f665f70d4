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

// TestEntityEdits changes each kind of item's own fields, checks the
// change is stored and in the history, and that a stale version is refused
// without touching what is stored.
func TestEntityEdits(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Committee secretary", Channel: tracker.ChannelPage})
		mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		mopac, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Mayor’s Office for Policing and Crime"})

		// Organisations: rename, duplicate names refused, stale refused.
		if _, err := s.CreateOrganisation(ctx, tracker.Organisation{Name: "metropolitan police service"}); !isField(err, "name") {
			t.Fatalf("duplicate organisation: %v", err)
		}
		mps.ShortName = "Met"
		renamed, err := s.UpdateOrganisation(ctx, mps)
		if err != nil || renamed.ShortName != "Met" || renamed.Version != 2 {
			t.Fatalf("rename: %+v %v", renamed, err)
		}
		mps.ShortName = "MET"
		if _, err := s.UpdateOrganisation(ctx, mps); !errors.Is(err, tracker.ErrConflict) {
			t.Fatalf("stale rename: %v", err)
		}

		// Sources.
		src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Duty of Care", IssuedByID: mps.ID})
		if err != nil {
			t.Fatal(err)
		}
		src.Title, src.Summary, src.Keywords = "Victims’ Code – Duty of Care", "£250,000 and Ⅱ", []string{"victims", "policing"}
		src2, err := s.UpdateSource(ctx, src)
		if err != nil || src2.Title != src.Title || src2.Version != 2 || len(src2.Keywords) != 2 {
			t.Fatalf("update source: %+v %v", src2, err)
		}
		if _, err := s.UpdateSource(ctx, src); !errors.Is(err, tracker.ErrConflict) {
			t.Fatalf("stale source: %v", err)
		}

		// Recommendations: text and addressees.
		rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "4", Text: "First text.", Addressees: []tracker.Organisation{mps},
			Status: tracker.RecOpen, Assessment: tracker.AssessNone})
		if err != nil {
			t.Fatal(err)
		}
		rec.Text, rec.Addressees, rec.Themes = "The MPS and MOPAC should – by April 2013 – publish.", []tracker.Organisation{mopac, mps}, []string{"Victim care"}
		if _, err := s.UpdateRecommendation(ctx, rec); err != nil {
			t.Fatal(err)
		}
		d, err := s.RecommendationDetail(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Recommendation.Text != rec.Text || len(d.Recommendation.Addressees) != 2 || d.Recommendation.Addressees[0].ID != mopac.ID || d.Recommendation.Version != 2 {
			t.Errorf("after edit: %+v", d.Recommendation)
		}
		if _, err := s.UpdateRecommendation(ctx, rec); !errors.Is(err, tracker.ErrConflict) {
			t.Fatalf("stale recommendation: %v", err)
		}
		rec.Version, rec.Addressees = 2, nil
		if _, err := s.UpdateRecommendation(ctx, rec); !isField(err, "addressees") {
			t.Fatalf("no addressees: %v", err)
		}
		hist, _ := s.History(ctx, store.EntityRecommendation, rec.ID)
		if last := hist[len(hist)-1]; last.Op != tracker.OpUpdate || !hasChange(last, "addressees") || !hasChange(last, "text") {
			t.Errorf("history of the edit: %+v", last)
		}

		// Actions: description and owner.
		a, err := s.CreateAction(ctx, tracker.Action{OrganisationID: mps.ID, RecommendationID: &rec.ID, Description: "Hotline", Status: tracker.ActNotStarted})
		if err != nil {
			t.Fatal(err)
		}
		a.Description, a.Owner, a.OwnerUnit = "CRIB hotline for victims", "D/Supt Crime", "Territorial Policing"
		if _, err := s.UpdateActionDetails(ctx, a); err != nil {
			t.Fatal(err)
		}
		// It may move to another addressee of its recommendation, not elsewhere.
		moved := a
		moved.Version, moved.OrganisationID = 2, mopac.ID
		if _, err := s.UpdateActionDetails(ctx, moved); err != nil {
			t.Fatalf("moving to another addressee: %v", err)
		}
		other, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Victim Support"})
		moved.Version, moved.OrganisationID = 3, other.ID
		if _, err := s.UpdateActionDetails(ctx, moved); !isField(err, "organisation") {
			t.Fatalf("moving to a body the recommendation is not addressed to: %v", err)
		}
		a.Description = ""
		if _, err := s.UpdateActionDetails(ctx, a); !isField(err, "description") {
			t.Fatalf("empty description: %v", err)
		}
		a.Description = "Stale"
		var conflict *store.ConflictError
		if _, err := s.UpdateActionDetails(ctx, a); !errors.As(err, &conflict) || conflict.Current.Action.Owner != "D/Supt Crime" {
			t.Fatalf("stale action: %v", err)
		}

		// References and their linked recommendations.
		ref, err := s.CreateReference(ctx, tracker.Reference{Number: "13", Title: "Victim Satisfaction", RequestedByID: mopac.ID, RespondingOrgID: mps.ID, Status: tracker.RefAwaiting}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ref.Title = "Victim Satisfaction Action Plan"
		ref.Status = tracker.RefClosed
		if _, err := s.UpdateReference(ctx, ref, []int64{rec.ID}, ""); !isField(err, "reason") {
			t.Fatalf("closing without a reason: %v", err)
		}
		if _, err := s.UpdateReference(ctx, ref, []int64{rec.ID}, "Closed by the Sub-Committee – “answered”"); err != nil {
			t.Fatal(err)
		}
		rd, err := s.ReferenceDetail(ctx, ref.ID)
		if err != nil || rd.Reference.Title != ref.Title || len(rd.Recommendations) != 1 {
			t.Fatalf("reference after edit: %+v %v", rd.Reference, err)
		}
		if _, err := s.UpdateReference(ctx, ref, nil, "again"); !errors.Is(err, tracker.ErrConflict) {
			t.Fatalf("stale reference: %v", err)
		}
		rh, _ := s.History(ctx, store.EntityReference, ref.ID)
		if last := rh[len(rh)-1]; !hasChange(last, "reason") || !hasChange(last, "status") {
			t.Errorf("closing is not in the history with its reason: %+v", last)
		}

		// Measures and their values.
		target := 80.0
		m, err := s.CreateMeasure(ctx, tracker.Measure{OrganisationID: mps.ID, Name: "Victim satisfaction", Unit: "%", Direction: tracker.HigherIsBetter})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateMeasure(ctx, tracker.Measure{OrganisationID: mps.ID, Name: "Victim satisfaction", Direction: tracker.HigherIsBetter}); !isField(err, "name") {
			t.Fatalf("duplicate measure: %v", err)
		}
		m, _ = s.Measure(ctx, m.ID)
		m.Target = &target
		if m, err = s.UpdateMeasure(ctx, m); err != nil || m.Target == nil || *m.Target != 80 || m.Version != 2 {
			t.Fatalf("update measure: %+v %v", m, err)
		}
		v, err := s.AddMeasureValue(ctx, m.ID, m.Version, tracker.MeasureValue{Period: "2012/13", PeriodEnd: time.Date(2013, 3, 31, 0, 0, 0, 0, time.UTC), Value: 76})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddMeasureValue(ctx, m.ID, m.Version, tracker.MeasureValue{Period: "2013/14", PeriodEnd: time.Date(2014, 3, 31, 0, 0, 0, 0, time.UTC), Value: 79}); !errors.Is(err, tracker.ErrConflict) {
			t.Fatalf("stale value: %v", err)
		}
		if _, err := s.AddMeasureValue(ctx, m.ID, m.Version+1, tracker.MeasureValue{}); !isField(err, "period_end") {
			t.Fatalf("value without period: %v", err)
		}
		if err := s.RemoveMeasureValue(ctx, m.ID, m.Version+1, v.ID); err != nil {
			t.Fatal(err)
		}
		m, _ = s.Measure(ctx, m.ID)
		mh, _ := s.History(ctx, store.EntityMeasure, m.ID)
		if len(m.Values) != 0 || m.Version != 4 || len(mh) != 4 || !hasChange(mh[2], "values") {
			t.Errorf("measure after add and remove: %+v, history %+v", m, mh)
		}
	})
}

func isField(err error, field string) bool {
	var v *tracker.ValidationError
	return errors.As(err, &v) && v.Fields[field] != ""
}

func hasChange(e tracker.AuditEvent, field string) bool {
	for _, c := range e.Changes {
		if c.Field == field {
			return true
		}
	}
	return false
}

// TestStateKeepsLinksAsTheyWere: a report as at a past day shows the
// addressees and a reference's recommendations as they were that day,
// though they live in tables of their own.
func TestStateKeepsLinksAsTheyWere(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Secretary", Channel: tracker.ChannelPage})
		mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service"})
		vs, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Victim Support"})
		src, _ := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Duty of Care", IssuedByID: mps.ID})
		rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "4", Text: "Data quality.", Addressees: []tracker.Organisation{mps},
			Status: tracker.RecOpen, Assessment: tracker.AssessNone})
		if err != nil {
			t.Fatal(err)
		}
		ref, err := s.CreateReference(ctx, tracker.Reference{Title: "Victim data", RequestedByID: vs.ID, RespondingOrgID: mps.ID, Status: tracker.RefAwaiting}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.BackdateAuditTrail(ctx, 48*time.Hour); err != nil {
			t.Fatal(err)
		}
		rec.Addressees = []tracker.Organisation{mps, vs}
		if _, err := s.UpdateRecommendation(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if _, err := s.UpdateReference(ctx, ref, []int64{rec.ID}, ""); err != nil {
			t.Fatal(err)
		}
		links := func(at time.Time) (addressees []tracker.Organisation, recs []tracker.RecommendationDetail) {
			err := s.ReadAsAt(ctx, at, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				d, err := tx.RecommendationDetail(ctx, rec.ID)
				if err != nil {
					return err
				}
				r, err := tx.ReferenceDetail(ctx, ref.ID)
				addressees, recs = d.Recommendation.Addressees, r.Recommendations
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return
		}
		thenOrgs, thenRecs := links(storetest.Now().Add(-24 * time.Hour))
		nowOrgs, nowRecs := links(storetest.Now().Add(time.Hour))
		if len(thenOrgs) != 1 || thenOrgs[0].ID != mps.ID {
			t.Errorf("addressees yesterday: %+v", thenOrgs)
		}
		if len(nowOrgs) != 2 {
			t.Errorf("addressees now: %+v", nowOrgs)
		}
		if len(thenRecs) != 0 {
			t.Errorf("the reference's recommendations yesterday: %v", thenRecs)
		}
		if len(nowRecs) != 1 || nowRecs[0].Recommendation.ID != rec.ID {
			t.Errorf("the reference's recommendations now: %v", nowRecs)
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// commandWorld is a committee (the London Assembly's), two forces, and a
// person of each role, with City of London Police as the scope of the
// secretary and the editor.
type commandWorld struct {
	t                              *testing.T
	s                              *store.Store
	ctx                            context.Context
	la, colp, mps                  tracker.Organisation
	admin, secretary, editor, view *tracker.User
}

func newCommandWorld(t *testing.T, s *store.Store) *commandWorld {
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Committee Secretary", Channel: tracker.ChannelPage})
	w := &commandWorld{t: t, s: s, ctx: ctx}
	var err error
	for _, o := range []struct {
		to   *tracker.Organisation
		name string
	}{{&w.la, "London Assembly Police and Crime Committee"}, {&w.colp, "City of London Police"}, {&w.mps, "Metropolitan Police Service"}} {
		if *o.to, err = s.EnsureOrganisation(ctx, tracker.Organisation{Name: o.name}); err != nil {
			t.Fatal(err)
		}
	}
	w.admin = &tracker.User{ID: 1, Name: "Administrator", Role: tracker.RoleAdmin}
	w.secretary = &tracker.User{ID: 2, Name: "Committee Secretary", Role: tracker.RoleSecretary, Organisations: []int64{w.colp.ID}}
	w.editor = &tracker.User{ID: 3, Name: "D/Supt Crime", Role: tracker.RoleEditor, Organisations: []int64{w.colp.ID}}
	w.view = &tracker.User{ID: 4, Name: "Reader", Role: tracker.RoleViewer}
	return w
}

func (w *commandWorld) source(title string, issuer tracker.Organisation) tracker.Source {
	w.t.Helper()
	src, err := w.s.As(w.admin).CreateSource(w.ctx, tracker.Source{Title: title, Kind: tracker.KindCommitteeReport, IssuedByID: issuer.ID})
	if err != nil {
		w.t.Fatal(err)
	}
	return src
}

func (w *commandWorld) recommendation(src tracker.Source, number string, to ...tracker.Organisation) tracker.Recommendation {
	w.t.Helper()
	r, err := w.s.As(w.admin).CreateRecommendation(w.ctx, tracker.Recommendation{SourceID: src.ID, Number: number, Text: "Recommendation " + number + " – “as written”", Addressees: to})
	if err != nil {
		w.t.Fatal(err)
	}
	return r
}

// refusedWith checks err is a refusal (ErrForbidden) whose reason says want.
func refusedWith(t *testing.T, what string, err error, want string) {
	t.Helper()
	if !errors.Is(err, tracker.ErrForbidden) || !strings.Contains(tracker.ReasonOf(err), want) {
		t.Errorf("%s: %v, want a refusal saying %q", what, err, want)
	}
}

// invalidAt checks err is a validation error whose message at field says want.
func invalidAt(t *testing.T, what string, err error, field, want string) {
	t.Helper()
	var v *tracker.ValidationError
	if !errors.As(err, &v) || !strings.Contains(v.Fields[field], want) {
		t.Errorf("%s: %v, want %q at %s", what, err, want, field)
	}
}

// TestCommandCreateAction: creating an action is one command for pages,
// API and importer alike: a default status, a due date read from its
// wording, the organisation in the person's scope and an addressee of the
// recommendation, and the audit trail, on both databases.
func TestCommandCreateAction(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newCommandWorld(t, s)
		src := w.source("Victims’ Code review", w.la)
		joint := w.recommendation(src, "1", w.colp, w.mps)
		mpsOnly := w.recommendation(src, "2", w.mps)

		a, err := s.As(w.editor).CreateAction(w.ctx, tracker.Action{OrganisationID: w.colp.ID, RecommendationID: &joint.ID,
			Description: "Publish the £250,000 budget – “in full”", DueText: "within two months"})
		if err != nil {
			t.Fatal(err)
		}
		want, _ := tracker.ParseDeadline("within two months", storetest.Today())
		if a.Status != tracker.ActNotStarted || a.DueDate == nil || !a.DueDate.Equal(want) || a.SourceID == nil || *a.SourceID != src.ID {
			t.Errorf("created action = status %q, due %v (want %v), source %v", a.Status, a.DueDate, want, a.SourceID)
		}
		events, err := s.History(w.ctx, store.EntityAction, a.ID)
		if err != nil || len(events) != 1 || events[0].Op != tracker.OpCreate || events[0].Actor != "Committee Secretary" {
			t.Errorf("audit trail of the new action: %+v %v", events, err)
		}

		_, err = s.As(w.editor).CreateAction(w.ctx, tracker.Action{OrganisationID: w.mps.ID, RecommendationID: &joint.ID, Description: "Not theirs"})
		invalidAt(t, "an editor adding another body's action", err, "organisation", "Choose an organisation whose actions you may change")
		// The addressee rule holds for an administrator too.
		_, err = s.As(w.admin).CreateAction(w.ctx, tracker.Action{OrganisationID: w.colp.ID, RecommendationID: &mpsOnly.ID, Description: "Not addressed"})
		invalidAt(t, "an action for a body the recommendation does not address", err, "organisation", "Choose one of the recommendation's addressees")
		missing := int64(99999)
		_, err = s.As(w.admin).CreateAction(w.ctx, tracker.Action{OrganisationID: w.colp.ID, RecommendationID: &missing, Description: "Nowhere"})
		invalidAt(t, "an action under a missing recommendation", err, "recommendation", "There is no recommendation with this id")
		_, err = s.As(w.view).CreateAction(w.ctx, tracker.Action{OrganisationID: w.colp.ID, Description: "Viewer"})
		refusedWith(t, "a viewer adding an action", err, "does not allow")
		if n := count(t, s, "actions"); n != 1 {
			t.Errorf("refused actions were stored: %d actions", n)
		}
	})
}

// TestCommandActionScope: updates, due dates, details and deletes of an
// action go through the commands, each refused outside the person's
// organisations with the reason, each keeping the version check.
func TestCommandActionScope(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newCommandWorld(t, s)
		src := w.source("Duty of Care", w.la)
		joint := w.recommendation(src, "1", w.colp, w.mps)
		mine, err := s.As(w.admin).CreateAction(w.ctx, tracker.Action{OrganisationID: w.colp.ID, RecommendationID: &joint.ID, Description: "Train the call handlers"})
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := s.As(w.admin).CreateAction(w.ctx, tracker.Action{OrganisationID: w.mps.ID, RecommendationID: &joint.ID, Description: "Set up the hotline"})
		if err != nil {
			t.Fatal(err)
		}
		update := store.ProgressChange{Version: 1, Date: storetest.Day(-1), Text: "Progress – “noted”", Status: tracker.ActInProgress}
		refusedWith(t, "an editor updating another body's action", s.As(w.editor).PostUpdate(w.ctx, theirs.ID, update),
			"You can add and change only the actions of City of London Police.")
		if err := s.As(w.editor).PostUpdate(w.ctx, mine.ID, update); err != nil {
			t.Fatalf("an editor updating their own action: %v", err)
		}
		if err := s.As(w.editor).PostUpdate(w.ctx, mine.ID, update); !errors.Is(err, tracker.ErrConflict) {
			t.Errorf("a stale update: %v, want a conflict", err)
		}
		move := store.DeadlineMove{Version: 2, NewDate: storetest.Day(60), Reason: "Supplier delayed", On: storetest.Today()}
		refusedWith(t, "moving another body's due date", s.As(w.secretary).MoveActionDue(w.ctx, theirs.ID, move), "City of London Police")
		if err := s.As(w.secretary).MoveActionDue(w.ctx, mine.ID, move); err != nil {
			t.Fatalf("moving their own due date: %v", err)
		}
		cur, err := s.Action(w.ctx, mine.ID)
		if err != nil {
			t.Fatal(err)
		}
		cur.Action.OrganisationID = w.la.ID
		_, err = s.As(w.admin).UpdateActionDetails(w.ctx, cur.Action)
		invalidAt(t, "giving the action to a body the recommendation does not address", err, "organisation", "Choose one of the recommendation's addressees")
		cur.Action.OrganisationID = w.mps.ID
		_, err = s.As(w.secretary).UpdateActionDetails(w.ctx, cur.Action)
		invalidAt(t, "giving the action to a body outside the scope", err, "organisation", "Choose an organisation whose actions you may change")
		refusedWith(t, "an editor deleting", s.As(w.editor).DeleteAction(w.ctx, mine.ID, cur.Action.Version), "Only administrators and secretaries can delete actions.")
		if err := s.As(w.secretary).DeleteAction(w.ctx, mine.ID, cur.Action.Version); err != nil {
			t.Fatalf("a secretary deleting their own action: %v", err)
		}
		refusedWith(t, "a secretary restoring", s.As(w.secretary).RestoreAction(w.ctx, mine.ID), "Only administrators can restore")
		if err := s.As(w.admin).RestoreAction(w.ctx, mine.ID); err != nil {
			t.Fatal(err)
		}

		// Responses: of the person's organisations, and of an addressee.
		_, err = s.As(w.editor).ReviseResponse(w.ctx, tracker.Response{RecommendationID: joint.ID, OrganisationID: w.mps.ID, Position: tracker.PosAccepted, Text: "Accepted"}, 0)
		refusedWith(t, "a response for another body", err, "You can write responses only for City of London Police.")
		other := w.recommendation(src, "2", w.mps)
		_, err = s.As(w.admin).ReviseResponse(w.ctx, tracker.Response{RecommendationID: other.ID, OrganisationID: w.colp.ID, Position: tracker.PosAccepted, Text: "Accepted"}, 0)
		invalidAt(t, "a response from a body not addressed", err, "organisation", "Choose one of the recommendation's addressees")
		if _, err := s.As(w.editor).ReviseResponse(w.ctx, tracker.Response{RecommendationID: joint.ID, OrganisationID: w.colp.ID, Position: tracker.PosAccepted, Text: "Accepted – “in full”"}, 0); err != nil {
			t.Errorf("an editor's response for their body: %v", err)
		}
	})
}

// TestCommandSourceScope is the secretaries' scope rule (issue 13, item
// 6) at the commands: a CoLP secretary cannot change another body's
// source or add to it, cannot hand their source to another issuer, cannot
// address the MPS from a source they did not issue, and cannot put MPS
// recommendations into their reply; each allowed counterpart is allowed.
func TestCommandSourceScope(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newCommandWorld(t, s)
		sec := s.As(w.secretary)
		const theirsOnly = "You can change only sources issued by, or addressed only to, City of London Police."

		// Another body's source: issued by the committee, addressed to the MPS.
		mpsReport := w.source("MPS inspection", w.la)
		mpsRec := w.recommendation(mpsReport, "1", w.mps)
		mpsReport.Title += " – changed"
		_, err := sec.UpdateSource(w.ctx, mpsReport)
		refusedWith(t, "changing another body's source", err, theirsOnly)
		_, err = sec.CreateRecommendation(w.ctx, tracker.Recommendation{SourceID: mpsReport.ID, Number: "2", Text: "More", Addressees: []tracker.Organisation{w.colp}})
		refusedWith(t, "adding a recommendation to another body's source", err, "You can add or change recommendations only in sources issued by, or addressed only to, City of London Police.")
		refusedWith(t, "changing another body's recommendation's status", sec.ChangeRecommendation(w.ctx, mpsRec.ID,
			store.RecommendationChange{Version: 1, Status: tracker.RecOpen, Assessment: tracker.AssessNone, On: storetest.Today()}), "City of London Police")
		// A joint one is not theirs either.
		joint := w.source("Joint review", w.la)
		w.recommendation(joint, "1", w.colp, w.mps)
		_, err = sec.UpdateSource(w.ctx, joint)
		refusedWith(t, "changing a source addressed to another body too", err, theirsOnly)

		// Any secretary records a committee's report, and fills it for
		// their own body.
		report, err := sec.CreateSource(w.ctx, tracker.Source{Title: "Committee report – Ⅱ", Kind: tracker.KindCommitteeReport, IssuedByID: w.la.ID})
		if err != nil {
			t.Fatalf("recording a committee's report: %v", err)
		}
		own, err := sec.CreateRecommendation(w.ctx, tracker.Recommendation{SourceID: report.ID, Number: "1", Text: "Report back.", DeadlineText: "within six months",
			Addressees: []tracker.Organisation{w.colp}})
		if err != nil {
			t.Fatalf("adding their own body's recommendation: %v", err)
		}
		if own.Status != tracker.RecOpen || own.Assessment != tracker.AssessNone || own.DeadlineDate == nil {
			t.Errorf("the new recommendation's defaults: %+v", own)
		}
		// Adding the MPS as an addressee of their own recommendation.
		own.Addressees = []tracker.Organisation{w.colp, w.mps}
		_, err = sec.UpdateRecommendation(w.ctx, own)
		invalidAt(t, "adding the MPS as an addressee", err, "addressees", "Address it only to City of London Police")
		_, err = sec.CreateRecommendation(w.ctx, tracker.Recommendation{SourceID: report.ID, Number: "2", Text: "For the MPS.", Addressees: []tracker.Organisation{w.mps}})
		invalidAt(t, "addressing a new recommendation to the MPS", err, "addressees", "Address it only to City of London Police")
		// Still theirs: every recommendation is addressed only to CoLP.
		report.Title = "Committee report – Ⅱ (final)"
		if report, err = sec.UpdateSource(w.ctx, report); err != nil {
			t.Fatalf("changing their own source: %v", err)
		}

		// A source their body issued addresses anyone; handing it to another
		// issuer would take it out of their hands.
		ours, err := sec.CreateSource(w.ctx, tracker.Source{Title: "CoLP internal review", Kind: tracker.KindCommitteeReport, IssuedByID: w.colp.ID})
		if err != nil {
			t.Fatal(err)
		}
		toMPS, err := sec.CreateRecommendation(w.ctx, tracker.Recommendation{SourceID: ours.ID, Number: "1", Text: "Share the data.", Addressees: []tracker.Organisation{w.colp, w.mps}})
		if err != nil {
			t.Fatalf("a recommendation to the MPS in a source their body issued: %v", err)
		}
		ours.IssuedByID = w.la.ID
		_, err = sec.UpdateSource(w.ctx, ours)
		invalidAt(t, "changing the issuer to another body", err, "issued_by", "Choose City of London Police as the issuer")
		ours.IssuedByID, ours.Title = w.colp.ID, "CoLP internal review – “revised”"
		if _, err := sec.UpdateSource(w.ctx, ours); err != nil {
			t.Fatalf("changing their own source, issuer kept: %v", err)
		}
		stale := ours
		if _, err := sec.UpdateSource(w.ctx, stale); !errors.Is(err, tracker.ErrConflict) {
			t.Errorf("a stale source: %v, want a conflict", err)
		}

		// References and replies: raised with CoLP; covering only
		// recommendations addressed to CoLP.
		ref, err := sec.CreateReference(w.ctx, tracker.Reference{Title: "Victim satisfaction", RequestedByID: w.la.ID, RespondingOrgID: w.colp.ID, Status: tracker.RefAwaiting},
			[]int64{own.ID, toMPS.ID})
		if err != nil {
			t.Fatalf("a reference raised with their body: %v", err)
		}
		_, err = sec.CreateReference(w.ctx, tracker.Reference{Title: "For the MPS", RequestedByID: w.colp.ID, RespondingOrgID: w.mps.ID, Status: tracker.RefAwaiting}, nil)
		invalidAt(t, "a reference raised with the MPS", err, "responding_org", "Choose City of London Police as the organisation that answers")
		ref.Version = 1
		_, err = sec.UpdateReference(w.ctx, ref, []int64{own.ID, toMPS.ID, mpsRec.ID}, "")
		invalidAt(t, "adding an MPS recommendation to the reference", err, "recommendations", "You can include only recommendations addressed to City of London Police; Recommendation 1 is not")
		err = sec.SaveReferenceReport(w.ctx, ref.ID, 1, nil, []int64{own.ID, mpsRec.ID})
		invalidAt(t, "putting an MPS recommendation into their reply", err, "items", "You can include only recommendations addressed to City of London Police")
		if err := sec.SaveReferenceReport(w.ctx, ref.ID, 1, nil, []int64{own.ID, toMPS.ID}); err != nil {
			t.Errorf("their reply with their body's recommendations: %v", err)
		}
		refusedWith(t, "an editor preparing the reply", s.As(w.editor).SaveReferenceReport(w.ctx, ref.ID, 2, nil, nil), "Only administrators and secretaries can prepare formal replies.")

		// An administrator may do all of it.
		mpsReport.Version = 1
		if _, err := s.As(w.admin).UpdateSource(w.ctx, mpsReport); err != nil {
			t.Errorf("an administrator changing any source: %v", err)
		}
	})
}

// TestCommandOrganisationsAndMeasures: renaming organisations and keeping
// measures go through the commands too, with the reason for a refusal.
func TestCommandOrganisationsAndMeasures(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newCommandWorld(t, s)
		_, err := s.As(w.editor).CreateOrganisation(w.ctx, tracker.Organisation{Name: "British Transport Police"})
		refusedWith(t, "an editor adding an organisation", err, "Only administrators and secretaries can add organisations.")
		mps := w.mps
		mps.ShortName = "Met"
		_, err = s.As(w.secretary).UpdateOrganisation(w.ctx, mps)
		refusedWith(t, "a CoLP secretary renaming the MPS", err, "You can change only City of London Police.")
		colp := w.colp
		colp.ShortName = "CoLP"
		if _, err := s.As(w.secretary).UpdateOrganisation(w.ctx, colp); err != nil {
			t.Errorf("a secretary renaming their own body: %v", err)
		}

		_, err = s.As(w.secretary).CreateMeasure(w.ctx, tracker.Measure{Name: "MPS satisfaction", OrganisationID: w.mps.ID, Direction: tracker.HigherIsBetter})
		invalidAt(t, "a measure of another body", err, "organisation", "Choose an organisation you work for")
		m, err := s.As(w.secretary).CreateMeasure(w.ctx, tracker.Measure{Name: "Victim satisfaction – “overall”", OrganisationID: w.colp.ID, Direction: tracker.HigherIsBetter})
		if err != nil {
			t.Fatal(err)
		}
		m.OrganisationID = w.mps.ID
		_, err = s.As(w.secretary).UpdateMeasure(w.ctx, m)
		invalidAt(t, "handing a measure to another body", err, "organisation", "Choose an organisation you work for")
		if _, err := s.As(w.editor).AddMeasureValue(w.ctx, m.ID, 1, tracker.MeasureValue{Period: "2012/13", PeriodEnd: storetest.Day(-30), Value: 76}); err != nil {
			t.Errorf("an editor recording their body's measure: %v", err)
		}
		other, err := s.As(w.admin).CreateMeasure(w.ctx, tracker.Measure{Name: "MPS satisfaction", OrganisationID: w.mps.ID, Direction: tracker.HigherIsBetter})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.As(w.editor).AddMeasureValue(w.ctx, other.ID, 1, tracker.MeasureValue{Period: "2012/13", PeriodEnd: storetest.Day(-30), Value: 70})
		refusedWith(t, "an editor recording another body's measure", err, "You can record only the measures of City of London Police.")
	})
}

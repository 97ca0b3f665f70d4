package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestAsAtFollowsTheLogsOwnDates: the example is typed in today, but "as
// at" a day in 2013 shows the Duty of Care report as it stood then, by the
// documents' own dates; "as recorded" that day shows that the tracker knew
// nothing yet.
func TestAsAtFollowsTheLogsOwnDates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := example.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
		state := func(day time.Time) *tracker.State {
			st, err := s.State(ctx, tracker.EndOfDay(day), nil)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		sourceNamed := func(st *tracker.State, title string) (tracker.Source, bool) {
			for _, src := range st.Sources {
				if src.Title == title {
					return src, true
				}
			}
			return tracker.Source{}, false
		}
		countOf := func(st *tracker.State, sourceID int64) (recs, responses, actions, updates int) {
			ids := map[int64]bool{}
			for _, r := range st.Recommendations {
				if r.SourceID == sourceID {
					recs++
					ids[r.ID] = true
				}
			}
			for _, r := range st.Responses {
				if ids[r.RecommendationID] {
					responses++
				}
			}
			acts := map[int64]bool{}
			for _, a := range st.Actions {
				if a.SourceID != nil && *a.SourceID == sourceID {
					actions++
					acts[a.ID] = true
				}
			}
			for _, u := range st.Updates {
				if u.ActionID != nil && acts[*u.ActionID] {
					updates++
				}
			}
			return
		}

		// Before the report was published it was not there.
		if _, ok := sourceNamed(state(time.Date(2013, 1, 22, 0, 0, 0, 0, time.UTC)), example.DutyOfCareTitle); ok {
			t.Error("as at 22 January 2013 the Duty of Care report already existed")
		}
		// Published on 23 January 2013: its ten recommendations, no response
		// and no actions yet.
		jan := state(time.Date(2013, 1, 23, 0, 0, 0, 0, time.UTC))
		src, ok := sourceNamed(jan, example.DutyOfCareTitle)
		if !ok {
			t.Fatal("as at 23 January 2013 the Duty of Care report is missing")
		}
		if recs, responses, actions, _ := countOf(jan, src.ID); recs != 10 || responses != 0 || actions != 0 {
			t.Errorf("as at 23 January 2013: %d recommendations, %d responses, %d actions; want 10, 0, 0", recs, responses, actions)
		}
		// By 30 June 2013 the MPS had responded (March 2013) and the log had
		// its actions and their first updates; the board letter of 2022 is
		// not there yet.
		june := state(time.Date(2013, 6, 30, 0, 0, 0, 0, time.UTC))
		recs, responses, actions, updates := countOf(june, src.ID)
		if recs != 10 || responses != 4 || actions == 0 || updates == 0 {
			t.Errorf("as at 30 June 2013: %d recommendations, %d responses, %d actions, %d updates; want 10, 4 and some", recs, responses, actions, updates)
		}
		if _, ok := sourceNamed(june, example.BoardTitle); ok {
			t.Error("as at 30 June 2013 the Oversight Board letter of 2022 already existed")
		}
		for _, r := range june.References {
			if r.Title != "" && r.DateRaised != nil && r.DateRaised.Year() == 2022 {
				t.Errorf("as at 30 June 2013 the reference raised in 2022 is listed: %s", r.Title)
			}
		}
		// Everything as it stands now.
		today := state(storetest.Today())
		if _, ok := sourceNamed(today, example.BoardTitle); !ok {
			t.Error("today the Oversight Board letter is missing")
		}
		// As recorded: on 30 June 2013 the tracker held nothing.
		known, err := s.StateAsRecorded(ctx, tracker.EndOfDay(time.Date(2013, 6, 30, 0, 0, 0, 0, time.UTC)), nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(known.Sources) != 0 || len(known.Actions) != 0 {
			t.Errorf("as recorded on 30 June 2013 the tracker held %d sources and %d actions, want none", len(known.Sources), len(known.Actions))
		}
	})
}

// TestChangesTakeEffectOnTheirDay: a status change posted with an update
// dated last week counts from last week, though typed in today; a date in
// the future counts from the moment it was typed.
func TestChangesTakeEffectOnTheirDay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "D/Supt Crime", Channel: tracker.ChannelPage})
		org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "City of London Police"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := s.CreateAction(tracker.TakingEffect(ctx, storetest.Day(-30)), tracker.Action{OrganisationID: org.ID, Description: "Call handling", Status: tracker.ActNotStarted})
		if err != nil {
			t.Fatal(err)
		}
		red := tracker.RAGRed
		if err := s.PostUpdate(ctx, a.ID, store.ProgressChange{Version: 1, Date: storetest.Day(-7), Text: "Started – £0 spent", Status: tracker.ActInProgress, RAG: &red}); err != nil {
			t.Fatal(err)
		}
		green := tracker.RAGGreen
		if err := s.PostUpdate(ctx, a.ID, store.ProgressChange{Version: 2, Date: storetest.Day(5), Text: "Planned", RAG: &green}); err != nil {
			t.Fatal(err)
		}
		statusOn := func(day time.Time) (string, string, int) {
			st, err := s.State(ctx, tracker.EndOfDay(day), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Actions) == 0 {
				return "", "", len(st.Updates)
			}
			return st.Actions[0].Status, st.Actions[0].RAG, len(st.Updates)
		}
		for _, c := range []struct {
			day         int
			status, rag string
			updates     int
			what        string
		}{
			{-31, "", "", 0, "before the action was made"},
			{-30, tracker.ActNotStarted, "", 0, "the day it was made"},
			{-8, tracker.ActNotStarted, "", 0, "the day before the update's date"},
			{-7, tracker.ActInProgress, tracker.RAGRed, 1, "on the update's date"},
			{0, tracker.ActInProgress, tracker.RAGGreen, 2, "today, with the update dated in the future"},
		} {
			status, rag, updates := statusOn(storetest.Day(c.day))
			if status != c.status || rag != c.rag || updates != c.updates {
				t.Errorf("%s: %q/%q with %d updates, want %q/%q with %d", c.what, status, rag, updates, c.status, c.rag, c.updates)
			}
		}
		events, err := s.History(ctx, store.EntityAction, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(events) != 3 || !events[1].EffectiveAt.Equal(storetest.Day(-7)) || !events[1].At.After(storetest.Day(0)) {
			t.Errorf("the status change is recorded today and took effect a week ago: %+v", events)
		}
	})
}

// TestMigration0008 upgrades a database whose trail was written before
// changes had dates of their own: each event took effect when recorded.
func TestMigration0008(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenRaw(t, b.Open(t))
			if err := s.MigrateTo(ctx, "0007_import"); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2024, 2, 3, 4, 5, 6, 7000, time.UTC)
			if err := s.Exec(ctx, "INSERT INTO audit_events (id, at, actor, channel, entity, entity_id, op, changes) VALUES (1, ?, 'system', 'command line', 'source', 1, 'create', '[]')", at); err != nil {
				t.Fatal(err)
			}
			if err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			events, err := s.History(ctx, store.EntitySource, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) != 1 || !events[0].At.Equal(at) || !events[0].EffectiveAt.Equal(at) {
				t.Errorf("after the upgrade: %+v, want one event recorded and taking effect at %s", events, at)
			}
		})
	}
}

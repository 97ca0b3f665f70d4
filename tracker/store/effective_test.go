package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestAsAtFollowsTheLogsOwnDates: the example is typed in today, but "as
// at" a day in 2013 shows the Duty of Care report as it stood then, by the
// documents' own dates; "as recorded" that day shows that the tracker knew
// nothing yet.
func TestAsAtFollowsTheLogsOwnDates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if _, err := example.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
		type counts struct {
			found                             bool
			recs, responses, actions, updates int
			board, references2022             bool
		}
		read := func(day time.Time, recorded bool) counts {
			var c counts
			err := s.ReadAsAt(ctx, tracker.EndOfDay(day), store.AsAtOptions{Recorded: recorded}, func(tx *store.Store, _ *tracker.View) error {
				if _, err := tx.FindSourceByTitle(ctx, example.BoardTitle); err == nil {
					c.board = true
				}
				refs, _, err := tx.ListReferences(ctx, tracker.AllRows)
				if err != nil {
					return err
				}
				for _, r := range refs {
					if r.DateRaised != nil && r.DateRaised.Year() == 2022 {
						c.references2022 = true
					}
				}
				src, err := tx.FindSourceByTitle(ctx, example.DutyOfCareTitle)
				if errors.Is(err, tracker.ErrNotFound) {
					return nil
				} else if err != nil {
					return err
				}
				c.found = true
				d, recs, err := tx.SourceReport(ctx, src.ID, day)
				if err != nil {
					return err
				}
				c.recs = len(recs)
				c.actions = len(d.OtherActions)
				for _, r := range recs {
					c.responses += len(r.Responses)
					c.actions += len(r.Actions)
					for _, a := range r.Actions {
						c.updates += len(a.Updates)
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

		// Before the report was published it was not there.
		if c := read(day(2013, 1, 22), false); c.found {
			t.Errorf("as at 22 January 2013 the Duty of Care report already existed: %+v", c)
		}
		// Published on 23 January 2013: its ten recommendations, no response
		// and no actions yet.
		if c := read(day(2013, 1, 23), false); !c.found || c.recs != 10 || c.responses != 0 || c.actions != 0 {
			t.Errorf("as at 23 January 2013: %+v; want the report with 10 recommendations, no response, no action", c)
		}
		// By 30 June 2013 the MPS had responded (March 2013) and the log had
		// its actions and their first updates; the board letter of 2022 is
		// not there yet.
		if c := read(day(2013, 6, 30), false); c.recs != 10 || c.responses != 4 || c.actions == 0 || c.updates == 0 || c.board || c.references2022 {
			t.Errorf("as at 30 June 2013: %+v; want 10 recommendations, 4 responses, actions and updates, nothing of 2022", c)
		}
		// Everything as it stands now.
		if c := read(storetest.Today(), false); !c.board || !c.references2022 {
			t.Errorf("today: %+v; want the Oversight Board letter and its reference", c)
		}
		// As recorded: on 30 June 2013 the tracker held nothing.
		if c := read(day(2013, 6, 30), true); c.found || c.board {
			t.Errorf("as recorded on 30 June 2013: %+v; want nothing", c)
		}
	})
}

// TestChangesTakeEffectOnTheirDay: a status change posted with an update
// dated last week counts from last week, though typed in today; a date in
// the future counts from the moment it was typed.
func TestChangesTakeEffectOnTheirDay(t *testing.T) {
	t.Parallel()
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
		statusOn := func(day time.Time) (status, rag string, updates int) {
			err := s.ReadAsAt(ctx, tracker.EndOfDay(day), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				items, _, err := tx.ListActions(ctx, tracker.ActionFilter{Page: tracker.AllRows})
				if len(items) > 0 {
					status, rag, updates = items[0].Action.Status, items[0].Action.RAG, len(items[0].Updates)
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return
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
	t.Parallel()
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

// TestImportedLogKeepsItsDates: a rolling log imported today reads, as at
// last quarter, as it stood then by its own dates; a row dated in the
// future, or before its recommendation was made, is a warning.
func TestImportedLogKeepsItsDates(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		load := func(kind importer.Kind, csv string) *importer.Batch { return guessedBatch(t, kind, csv) }
		recs := "Report,No.,Recommendation,Addressed to,Date made\n" +
			"Duty of Care,1,Publish the Victims’ Code leaflet.,MPS,23/01/2013\n"
		if _, err := s.Import(ctx, load(importer.KindRecommendations, recs), store.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		future := storetest.Day(10).Format("02/01/2006")
		log := "Ref;Organisation;Action;Owner;Status;RAG;Latest update;Update date;Source;Rec no\n" +
			"A1;MPS;Print the leaflet;DS Smith;Ongoing;Amber;Printer booked – £250;01/03/2013;Duty of Care;1\n" +
			"A2;MPS;Brief the call centre;DS Smith;Ongoing;Red;Briefing planned;" + future + ";;\n" +
			"A3;MPS;Count the leaflets;DS Smith;Ongoing;Green;Counted;01/01/2013;Duty of Care;1\n"
		sum, err := s.Import(ctx, load(importer.KindActions, log), store.ImportOptions{})
		if err != nil || sum.Inserted != 3 {
			t.Fatalf("log import: %+v %v", sum, err)
		}
		warned := map[int]string{}
		for _, w := range sum.Warnings {
			warned[w.Row] = w.Message
		}
		if !strings.Contains(warned[3], "is in the future") || !strings.Contains(warned[4], "before recommendation 1 was made") || warned[2] != "" {
			t.Errorf("warnings: %+v", sum.Warnings)
		}
		actionsOn := func(day time.Time) map[string]string {
			out := map[string]string{}
			err := s.ReadAsAt(ctx, tracker.EndOfDay(day), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				items, _, err := tx.ListActions(ctx, tracker.ActionFilter{Page: tracker.AllRows})
				for _, it := range items {
					out[it.Action.ExternalRef] = it.Action.RAG
					if len(it.Updates) > 0 {
						out[it.Action.ExternalRef] += ": " + it.Updates[0].Text
					}
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		if got := actionsOn(time.Date(2012, 12, 31, 0, 0, 0, 0, time.UTC)); len(got) != 0 {
			t.Errorf("as at 31 December 2012, before the log's first date: %v", got)
		}
		// A3 counts from its own date, early as it is; A1 from 1 March.
		if got := actionsOn(time.Date(2013, 2, 28, 0, 0, 0, 0, time.UTC)); len(got) != 1 || got["A3"] != tracker.RAGGreen+": Counted" {
			t.Errorf("as at 28 February 2013: %v, want A3 alone", got)
		}
		if got := actionsOn(time.Date(2013, 3, 31, 0, 0, 0, 0, time.UTC)); len(got) != 2 || got["A1"] != tracker.RAGAmber+": Printer booked – £250" {
			t.Errorf("as at 31 March 2013: %v, want A1, amber, with its update, and A3", got)
		}
		if got := actionsOn(storetest.Today()); len(got) != 3 {
			t.Errorf("today: %v, want all three", got)
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestImportRecommendationHistory: a list of recommendations with one
// column per meeting ("Update March 2022", "Update June 2022"), and one
// with one row per update, give each addressee a progress action on its
// recommendation carrying the dated updates, through the action log's own
// import; "as at" before, between and after the dates shows the history;
// importing either file again adds nothing.
func TestImportRecommendationHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "import test", Channel: tracker.ChannelCommand})
		iso := storetest.ISO
		text := "The MPS and MOPAC should set up a hotline for “Victim Support” enquiries."
		perMeeting := "Source,Number,Recommendation,Addressee,Date made,Owner,Update March 2022,Update June 2022\r\n" +
			"Duty of Care,4," + text + ",Metropolitan Police Service,10/01/2022,Victim Care Lead,Draft written.,\"Hotline live:\r\na. north;\r\nb. south – £250,000.\"\r\n" +
			"Duty of Care,4," + text + ",MOPAC,10/01/2022,,,Funding agreed.\r\n" +
			"Duty of Care,5,Publish the leaflet.,MOPAC,10/01/2022,,,\r\n"
		// Rows out of date order; the owner changes with the latest row.
		perRow := "Source,Number,Recommendation,Addressee,Date made,Status,Owner,Update date,Latest update\r\n" +
			"Victims Code review,7,Brief the teams.,City of London Police," + iso(-200) + ",In progress,DS Crime," + iso(-90) + ",Plan agreed.\r\n" +
			"Victims Code review,7,Brief the teams.,City of London Police," + iso(-200) + ",In progress,DCI Standards," + iso(-10) + ",All teams briefed.\r\n" +
			"Victims Code review,7,Brief the teams.,City of London Police," + iso(-200) + ",In progress,DS Crime," + iso(-40) + ",Half the teams briefed.\r\n"

		b := guessedBatch(t, importer.KindRecommendations, perMeeting)
		if b.Mapping["Update March 2022"] != importer.FieldHistory || b.Mapping["Update June 2022"] != importer.FieldHistory ||
			b.Mapping["Owner"] != importer.FieldOwner || len(b.Errors) > 0 {
			t.Fatalf("mapping %v, errors %v", b.Mapping, b.Errors)
		}
		if b := guessedBatch(t, importer.KindRecommendations, perRow); b.Mapping["Update date"] != importer.FieldUpdateDate ||
			b.Mapping["Latest update"] != importer.FieldUpdate || len(b.Errors) > 0 || len(b.Recommendations) != 1 {
			t.Fatalf("mapping %v, errors %v", b.Mapping, b.Errors)
		}
		for _, c := range []struct {
			file             string
			recs, acts, upds int
		}{{perMeeting, 2, 2, 3}, {perRow, 1, 1, 3}} {
			sum, err := s.Import(ctx, guessedBatch(t, importer.KindRecommendations, c.file), store.ImportOptions{})
			if err != nil || sum.Inserted != c.recs || sum.ActionsCreated != c.acts || sum.UpdatesAdded != c.upds {
				t.Fatalf("import: %s %v %v", sum, err, sum.Errors)
			}
		}

		acts, _, err := s.ListActions(ctx, tracker.ActionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{}
		for _, it := range acts {
			ids[it.Action.Organisation.Name+": "+it.Action.Description] = it.Action.ID
			if it.Action.RecommendationID == nil || it.Action.SourceID == nil {
				t.Errorf("%q is not on its recommendation", it.Action.Description)
			}
		}
		mps := "Metropolitan Police Service: Progress on recommendation 4 of “Duty of Care”"
		mopac := "MOPAC: Progress on recommendation 4 of “Duty of Care”"
		colp := "City of London Police: Progress on recommendation 7 of “Victims Code review”"
		if len(ids) != 3 || ids[mps] == 0 || ids[mopac] == 0 || ids[colp] == 0 {
			t.Fatalf("actions: %v", ids)
		}
		state := func(tx *store.Store, key string) string {
			it, err := tx.Action(ctx, ids[key])
			if errors.Is(err, tracker.ErrNotFound) {
				return "none"
			}
			if err != nil {
				t.Fatal(err)
			}
			ups := []string{}
			for _, u := range it.Updates {
				ups = append(ups, u.Date.Format("2006-01-02")+" "+u.Text)
			}
			slices.Sort(ups)
			return it.Action.Owner + ": " + strings.Join(ups, " | ")
		}
		asAt := func(day time.Time, key string) string {
			var got string
			if err := s.ReadAsAt(ctx, tracker.EndOfDay(day), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				got = state(tx, key)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		live := "2022-06-01 Hotline live:\na. north;\nb. south – £250,000."
		for _, c := range []struct {
			day       time.Time
			key, want string
		}{
			{time.Date(2022, 2, 28, 0, 0, 0, 0, time.UTC), mps, "none"},
			{time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC), mps, "Victim Care Lead: 2022-03-01 Draft written."},
			{storetest.Day(0), mps, "Victim Care Lead: 2022-03-01 Draft written. | " + live},
			{time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC), mopac, "none"},
			{storetest.Day(0), mopac, ": 2022-06-01 Funding agreed."},
			{storetest.Day(-100), colp, "none"},
			{storetest.Day(-50), colp, "DS Crime: " + iso(-90) + " Plan agreed."},
			{storetest.Day(-20), colp, "DS Crime: " + iso(-90) + " Plan agreed. | " + iso(-40) + " Half the teams briefed."},
			{storetest.Day(0), colp, "DCI Standards: " + iso(-90) + " Plan agreed. | " + iso(-40) + " Half the teams briefed. | " + iso(-10) + " All teams briefed."},
		} {
			if got := asAt(c.day, c.key); got != c.want {
				t.Errorf("%s as at %s: %q\nwant %q", c.key, c.day.Format("2006-01-02"), got, c.want)
			}
		}

		events := count(t, s, "audit_events")
		for _, file := range []string{perMeeting, perRow} {
			sum, err := s.Import(ctx, guessedBatch(t, importer.KindRecommendations, file), store.ImportOptions{})
			if err != nil || sum.Inserted != 0 || sum.Updated != 0 || sum.ActionsCreated != 0 || sum.UpdatesAdded != 0 {
				t.Errorf("again: %s %v", sum, err)
			}
		}
		if n := count(t, s, "audit_events") - events; n != 0 {
			t.Errorf("importing again wrote %d audit events", n)
		}
	})
}

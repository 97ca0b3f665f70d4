package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// taicFile locates the TAIC export beside the repository (../shared/data
// from the module root). Without it the test skips, except in CI, where
// the data must be there.
func taicFile(t testing.TB) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "data", "taic", "cleaned_TAIC_recommendations_2024_11_19.csv")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the TAIC data is required when CI=true but %s cannot be read: %v", p, err)
		}
		t.Skipf("the TAIC data is not at %s (the shared data folder beside the repository); skipping the real-data import test", p)
	}
	return p
}

func readBatch(t testing.TB, path string, kind importer.Kind, m importer.Mapping, opts importer.Options) *importer.Batch {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tbl, err := importer.Read(f, importer.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := importer.Validate(kind, tbl, m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func count(t *testing.T, s *store.Store, table string) int64 {
	t.Helper()
	n, err := s.CountRows(context.Background(), table)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// taicMapping and taicOptions read the TAIC export.
var (
	taicMapping = importer.Mapping{
		"report_id": importer.FieldSource, "recommendation_id": importer.FieldNumber, "recipient": importer.FieldAddressee,
		"made": importer.FieldMade, "recommendation_text": importer.FieldText, "reply_text": importer.FieldResponse,
		"response_category": importer.FieldPosition,
	}
	taicOptions = importer.Options{IssuedBy: "Transport Accident Investigation Commission", SourceKind: tracker.KindInspection}
)

// BenchmarkImportTAIC times the import of the TAIC export (1,770 rows)
// into an empty tracker, on each database:
//
//	go test ./tracker/store/ -run '^$' -bench ImportTAIC -benchtime 3x
func BenchmarkImportTAIC(b *testing.B) {
	path := taicFile(b)
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "import benchmark", Channel: tracker.ChannelCommand})
	batch := readBatch(b, path, importer.KindRecommendations, taicMapping, taicOptions)
	for _, backend := range storetest.Backends() {
		b.Run(backend.Name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				s := storetest.OpenMigrated(b, backend.Migrated(b))
				b.StartTimer()
				if sum, err := s.Import(ctx, batch, store.ImportOptions{}); err != nil || sum.Inserted != 1769 {
					b.Fatalf("import: %v %+v", err, sum)
				}
			}
		})
	}
}

// TestImportTAIC imports 1,770 real safety recommendations with their
// replies, checks counts, repaired texts byte for byte, and that importing
// the same file again changes nothing.
func TestImportTAIC(t *testing.T) {
	t.Parallel()
	path := taicFile(t)
	mapping, opts := taicMapping, taicOptions
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "import test", Channel: tracker.ChannelCommand})
		b := readBatch(t, path, importer.KindRecommendations, mapping, opts)
		if b.Rows != 1770 || len(b.Recommendations) != 1769 || len(b.Errors) != 0 {
			t.Fatalf("batch: %d rows, %d recommendations, errors %v", b.Rows, len(b.Recommendations), b.Errors)
		}

		// A dry run reports what would happen and leaves nothing behind.
		dry, err := s.Import(ctx, b, store.ImportOptions{DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		if dry.Saved || dry.Inserted != 1769 || count(t, s, "recommendations") != 0 || count(t, s, "audit_events") != 0 {
			t.Fatalf("dry run: %+v, %d recommendations stored", dry, count(t, s, "recommendations"))
		}

		var last importer.Progress
		calls := 0
		start := time.Now()
		sum, err := s.Import(ctx, b, store.ImportOptions{Progress: func(p importer.Progress) { last = p; calls++ }})
		took := time.Since(start)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("TAIC import on %s: %v (%d rows)", s.Dialect(), took, sum.Rows)
		if !sum.Saved || sum.Rows != 1770 || sum.Inserted != 1769 || sum.Updated != 0 || sum.Unchanged != 0 || sum.Skipped != 0 ||
			sum.ResponsesWritten != 1770 || len(sum.OrganisationsCreated) != 259 || len(sum.SourcesCreated) != 550 {
			t.Errorf("summary: %s\n%+v", sum, sum)
		}
		if sum.Repairs[importer.RepairExcelEscape] != 73 || sum.Repairs[importer.RepairMojibake] != 570 || sum.Repairs[importer.RepairLineEnding] != 0 {
			t.Errorf("repairs = %v", sum.Repairs)
		}
		if last.Done != 1770 || last.Total != 1770 || calls < 10 {
			t.Errorf("progress: last %+v after %d calls", last, calls)
		}
		for table, want := range map[string]int64{
			"recommendations": 1769, "organisations": 259, "responses": 1770, "recommendation_addressees": 1770, "sources": 550,
		} {
			if got := count(t, s, table); got != want {
				t.Errorf("%s: %d rows, want %d", table, got, want)
			}
		}
		events := count(t, s, "audit_events")
		// IDs are not reused after the dry run on PostgreSQL, so look up by name.
		taic, err := s.FindOrganisationByName(ctx, "Transport Accident Investigation Commission")
		if err != nil {
			t.Fatal(err)
		}
		if hist, err := s.History(ctx, store.EntityOrganisation, taic.ID); err != nil || len(hist) != 1 ||
			hist[0].Channel != tracker.ChannelImport || hist[0].Actor != "import test" {
			t.Errorf("history of the issuing organisation: %+v %v", hist, err)
		}

		checkTAICTexts(t, s)
		if err := s.CheckDerived(ctx); err != nil {
			t.Error(err)
		}
		if hits, err := s.Search(ctx, "KiwiRail route knowledge", 100); err != nil || len(hits) == 0 {
			t.Errorf("search after the import: %d hits, %v", len(hits), err)
		}

		// The same file again: nothing new, nothing changed, no events.
		again, err := s.Import(ctx, readBatch(t, path, importer.KindRecommendations, mapping, opts), store.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if again.Inserted != 0 || again.Updated != 0 || again.Unchanged != 1769 || again.ResponsesWritten != 0 ||
			len(again.OrganisationsCreated) != 0 || len(again.SourcesCreated) != 0 {
			t.Errorf("second import: %+v", again)
		}
		if got := count(t, s, "audit_events"); got != events {
			t.Errorf("second import wrote %d audit events", got-events)
		}
		if got := count(t, s, "recommendations"); got != 1769 {
			t.Errorf("second import: %d recommendations", got)
		}
	})
}

func checkTAICTexts(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	detail := func(source, number string) tracker.RecommendationDetail {
		t.Helper()
		id, err := s.RecommendationIDFor(ctx, source, number)
		if err != nil {
			t.Fatalf("recommendation %s of %s: %v", number, source, err)
		}
		d, err := s.RecommendationDetail(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	response := func(d tracker.RecommendationDetail, org string) tracker.Response {
		t.Helper()
		for _, th := range d.Responses {
			if th.Current.Organisation.Name == org {
				return th.Current
			}
		}
		t.Fatalf("no response from %s to %s: %+v", org, d.Recommendation.Number, d.Responses)
		return tracker.Response{}
	}

	// A plain row.
	d := detail("TAIC_r_2023_104", "018/24")
	if want := "the Commission recommended that KiwiRail review the route knowledge training for locomotive engineers to ensure infrequent driving of the route and prolonged absences are identified so that locomotive engineers have the route knowledge to travel safely."; d.Recommendation.Text != want {
		t.Errorf("018/24 text = %q", d.Recommendation.Text)
	}
	if d.Source.Date == nil || tracker.FormatDate(*d.Source.Date) != "25 September 2024" || d.Source.Kind != tracker.KindInspection {
		t.Errorf("018/24 source = %+v", d.Source)
	}

	// Mojibake: â€˜crew membersâ€™ in the file.
	d = detail("TAIC_a_2018_009", "016/24")
	if want := "the Commission recommended that the Secretary for Transport and the Director of Civil Aviation resolve the ambiguity in the definition of ‘crew members’ in commercial transport operations and take steps to clarify the use of the term in associated rules and Advisory Circulars."; d.Recommendation.Text != want {
		t.Errorf("016/24 text = %q", d.Recommendation.Text)
	}

	// Mojibake of a macron (TaupÅ\x8d) in a multi-line cell.
	d = detail("TAIC_a_2015_001", "018/17")
	if want := "Skydive Taupo did not equip its parachute drop pilots with lifejackets and was not required to do so, because its flights from Taupō aerodrome, which used the Taupō aerodrome parachute landing area, remained within gliding distance of land at all times. This accident illustrated how that scenario downplayed the possibility of a pilot having to ditch an aeroplane, or bale out and drift to a water landing.\n\nTherefore the Commission is recommending that the Chief Executive of Skydive Taupo investigate options for equipping their parachute drop pilots with effective flotation devices."; d.Recommendation.Text != want {
		t.Errorf("018/17 text = %q", d.Recommendation.Text)
	}

	// A multi-line reply with bullets garbled as â€¢, spaces kept before the
	// line breaks.
	d = detail("TAIC_r_2004_113", "080/04")
	if got, want := response(d, "ONTRACK").Text, "•  We accept [the safety recommendation]. \n•  Given the extent of [the recommendation], this may take some time \nto resolve."; got != want {
		t.Errorf("080/04 reply = %q", got)
	}

	// The id that appears twice: one recommendation to two bodies, each
	// with its own reply (_x000D_ line breaks decoded) and position.
	d = detail("TAIC_r_2020_101", "012/21")
	var names []string
	for _, a := range d.Recommendation.Addressees {
		names = append(names, a.Name)
	}
	if strings.Join(names, "; ") != "NZTA; KiwiRail" || len(d.Responses) != 2 {
		t.Errorf("012/21 addressees %v, %d responses", names, len(d.Responses))
	}
	nzta := response(d, "NZTA")
	if want := "On 4 February 2022, Waka Kotahi replied:\nWaka Kotahi NZ Transport Agency has reviewed the findings and supports the recommendation to examine how the selection of level crossings for LCSIAs and upgrade can be more accurately prioritised from ALCAM risk scores and other existing data sources. \n\nIt should be noted that Waka Kotahi can only accept this recommendation for level crossings that are positioned on state highways. Crossings located on local roads will need to be discussed by KiwiRail and the responsible Road Controlling Authority."; nzta.Text != want || nzta.Position != tracker.PosAccepted {
		t.Errorf("012/21 NZTA reply = %q (%s)", nzta.Text, nzta.Position)
	}
	if kr := response(d, "KiwiRail"); !strings.HasPrefix(kr.Text, "On 2 February 2022, KiwiRail replied:\nKiwiRail accepts this recommendation.") || kr.Position != tracker.PosAccepted {
		t.Errorf("012/21 KiwiRail reply = %q (%s)", kr.Text, kr.Position)
	}

	// The longest reply survives whole.
	d = detail("TAIC_m_1999_212", "068/00")
	if got := response(d, "Shotover Jet").Text; len(got) != 11114 || !strings.HasPrefix(got, "Shotover Jet Limited (SJL) considers that the use of the word \"design\" is incorr") {
		t.Errorf("068/00 reply: %d bytes", len(got))
	}
}

// TestImportUpdatesAndErrors covers the other paths on a small file: an
// updated file updates in place (with history), bad rows stop everything
// unless skipped, and actions match by their log reference.
func TestImportUpdatesAndErrors(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		recCSV := "Report,No.,Recommendation,Addressed to,Deadline,Status,Response,Accepted?\n" +
			"Duty of Care,1,Publish the Victims’ Code leaflet.,MPS,by April 2013,Open,We agree.,Accepted\n" +
			"Duty of Care,2,\"Fund the £250,000 hotline;\nreport back.\",Mayor’s Office for Policing and Crime,2013-14,In progress,,\n"
		load := func(csv string) *importer.Batch {
			tbl, err := importer.Read(strings.NewReader(csv), importer.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			m := importer.GuessMapping(importer.KindRecommendations, tbl.Headers)
			b, err := importer.Validate(importer.KindRecommendations, tbl, m, importer.Options{IssuedBy: "London Assembly"})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		sum, err := s.Import(ctx, load(recCSV), store.ImportOptions{})
		if err != nil || sum.Inserted != 2 || sum.ResponsesWritten != 1 {
			t.Fatalf("first import: %+v %v", sum, err)
		}
		// MPS exists under its short name afterwards? No: it was created by
		// name. A later file calling it by another case still matches.
		updated := strings.Replace(recCSV, "Open,We agree.,Accepted", "Implemented,We agree and have done it.,accepted", 1)
		updated = strings.Replace(updated, ",MPS,", ",mps ,", 1)
		events := count(t, s, "audit_events")
		sum, err = s.Import(ctx, load(updated), store.ImportOptions{})
		if err != nil || sum.Inserted != 0 || sum.Updated != 1 || sum.Unchanged != 1 || sum.ResponsesWritten != 1 || len(sum.OrganisationsCreated) != 0 {
			t.Fatalf("updated import: %+v %v", sum, err)
		}
		if got := count(t, s, "audit_events") - events; got != 3 {
			t.Errorf("updated import wrote %d audit events, want 3 (status, its timeline entry, new response revision)", got)
		}
		id, _ := s.RecommendationIDFor(ctx, "Duty of Care", "1")
		d, err := s.RecommendationDetail(ctx, id)
		if err == nil && (len(d.Updates) != 1 || d.Updates[0].Text != "Status: Open → Implemented. Reason: imported from a spreadsheet.") {
			t.Errorf("the status change is not on the timeline: %+v", d.Updates)
		}
		if err != nil {
			t.Fatal(err)
		}
		if d.Recommendation.Status != tracker.RecImplemented || len(d.Responses) != 1 || d.Responses[0].Current.Revision != 2 ||
			d.Responses[0].Earlier[0].Text != "We agree." || tracker.FormatDate(*d.Recommendation.DeadlineDate) != "30 April 2013" {
			t.Errorf("after update: %+v", d)
		}
		id2, _ := s.RecommendationIDFor(ctx, "Duty of Care", "2")
		d2, _ := s.RecommendationDetail(ctx, id2)
		if d2.Recommendation.Text != "Fund the £250,000 hotline;\nreport back." || d2.Recommendation.DeadlineText != "2013-14" ||
			tracker.FormatDate(*d2.Recommendation.DeadlineDate) != "31 March 2014" {
			t.Errorf("recommendation 2: %+v", d2.Recommendation)
		}
		// The trail (in the order of the changes), the tallies and the search
		// index, written at the end of each import, follow the rows.
		if err := s.CheckDerived(ctx); err != nil {
			t.Error(err)
		}
		if hist, err := s.History(ctx, store.EntityRecommendation, id); err != nil || len(hist) != 2 ||
			hist[0].Op != tracker.OpCreate || hist[1].Op != tracker.OpUpdate || !hist[0].At.Before(hist[1].At) {
			t.Errorf("history of recommendation 1: %+v %v", hist, err)
		}
		if hits, err := s.Search(ctx, "hotline", 10); err != nil || len(hits) != 1 || hits[0].Entity != store.EntityRecommendation || hits[0].ID != id2 {
			t.Errorf("search for the new recommendation: %+v %v", hits, err)
		}
		if hits, err := s.Search(ctx, "done it", 10); err != nil || len(hits) != 1 || hits[0].Entity != store.EntityResponse || hits[0].Text != "We agree and have done it." {
			t.Errorf("search for the new revision of the response: %+v %v", hits, err)
		}

		// A bad row: all or nothing by default, the good rows when skipping.
		bad := recCSV + "Duty of Care,3,New one.,MPS,,Sort of,,\n"
		recs := count(t, s, "recommendations")
		sum, err = s.Import(ctx, load(bad), store.ImportOptions{})
		if !errors.Is(err, importer.ErrRowErrors) || sum.Saved || len(sum.Errors) != 1 || count(t, s, "recommendations") != recs {
			t.Fatalf("bad file: %+v %v", sum, err)
		}
		if got := sum.Errors[0].Error(); got != "row 5, column Status: “Sort of” is not a status the tracker knows; use one of: Open, In progress, Implemented, Closed" {
			t.Errorf("error = %q", got)
		}
		sum, err = s.Import(ctx, load(bad), store.ImportOptions{SkipBadRows: true})
		if err != nil || !sum.Saved || sum.Skipped != 1 {
			t.Fatalf("skipping: %+v %v", sum, err)
		}

		// Actions keyed by the log's reference, linked to a recommendation.
		logCSV := "Ref;Organisation;Action;Owner;Due date;Status;RAG;Latest update;Update date;Source;Rec no\n" +
			"A1;MPS;Print the leaflet;DS Smith;30/04/2013;Ongoing;Amber;Printer booked;01/03/2013;Duty of Care;1\n" +
			"A2;Victim Support;Train staff;;by 2014;Complete;G;;;;\n"
		loadLog := func(csv string) *importer.Batch {
			tbl, err := importer.Read(strings.NewReader(csv), importer.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := importer.Validate(importer.KindActions, tbl, importer.GuessMapping(importer.KindActions, tbl.Headers), importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		sum, err = s.Import(ctx, loadLog(logCSV), store.ImportOptions{})
		if err != nil || sum.Inserted != 2 || sum.UpdatesAdded != 1 || len(sum.OrganisationsCreated) != 1 {
			t.Fatalf("log import: %s %+v %v", sum, sum, err)
		}
		events = count(t, s, "audit_events")
		sum, err = s.Import(ctx, loadLog(logCSV), store.ImportOptions{})
		if err != nil || sum.Unchanged != 2 || count(t, s, "audit_events") != events {
			t.Fatalf("log again: %+v %v", sum, err)
		}
		moved := strings.Replace(logCSV, "Ongoing;Amber;Printer booked;01/03/2013", "Complete;Green;Printed;02/04/2013", 1)
		sum, err = s.Import(ctx, loadLog(moved), store.ImportOptions{})
		if err != nil || sum.Updated != 1 || sum.Unchanged != 1 || sum.UpdatesAdded != 1 || count(t, s, "actions") != 2 {
			t.Fatalf("log moved on: %+v %v", sum, err)
		}
		items, _, err := s.ListActions(ctx, tracker.ActionFilter{RecommendationID: id})
		if err != nil || len(items) != 1 {
			t.Fatalf("actions of recommendation 1: %v %v", items, err)
		}
		a := items[0].Action
		if a.Status != tracker.ActCompleted || a.RAG != tracker.RAGGreen || a.CompletedOn == nil || tracker.FormatDate(*a.CompletedOn) != "2 April 2013" ||
			tracker.FormatDate(*a.DueDate) != "30 April 2013" || a.Owner != "DS Smith" || len(items[0].Updates) != 2 {
			t.Errorf("action A1: %+v, %d updates", a, len(items[0].Updates))
		}
	})
}

// TestImportMappings saves, replaces, lists, reads and deletes a named
// mapping.
func TestImportMappings(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Jo Secretary", Channel: tracker.ChannelPage})
		m := importer.Mapping{"Ref": importer.FieldReference, "Action": importer.FieldDescription, "Organisation": importer.FieldOrganisation}
		if _, err := s.SaveImportMapping(ctx, importer.SavedMapping{Name: "Monthly log", Kind: importer.KindActions, Mapping: m}); err != nil {
			t.Fatal(err)
		}
		m["Due"] = importer.FieldDue
		saved, err := s.SaveImportMapping(ctx, importer.SavedMapping{Name: "Monthly log", Kind: importer.KindActions, Mapping: m,
			Options: importer.Options{Organisation: "MPS"}})
		if err != nil || saved.CreatedBy != "Jo Secretary" {
			t.Fatalf("save again: %+v %v", saved, err)
		}
		got, err := s.ImportMapping(ctx, "Monthly log")
		if err != nil || len(got.Mapping) != 4 || got.Mapping["Due"] != importer.FieldDue || got.Options.Organisation != "MPS" || got.Kind != importer.KindActions {
			t.Fatalf("get: %+v %v", got, err)
		}
		list, err := s.ImportMappings(ctx, importer.KindActions)
		if err != nil || len(list) != 1 {
			t.Fatalf("list: %+v %v", list, err)
		}
		if list, _ := s.ImportMappings(ctx, importer.KindRecommendations); len(list) != 0 {
			t.Errorf("recommendation mappings: %+v", list)
		}
		if _, err := s.ImportMapping(ctx, "nope"); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("missing mapping: %v", err)
		}
		var v *tracker.ValidationError
		if _, err := s.SaveImportMapping(ctx, importer.SavedMapping{Kind: importer.KindActions, Mapping: m}); !errors.As(err, &v) {
			t.Errorf("nameless mapping: %v", err)
		}
		if err := s.DeleteImportMapping(ctx, "Monthly log"); err != nil {
			t.Fatal(err)
		}
		// Shared by everyone who imports, so every change is in the trail.
		hist, err := s.History(ctx, store.EntityImportMapping, 1)
		if err != nil {
			t.Fatal(err)
		}
		var ops []string
		for _, e := range hist {
			if e.Actor != "Jo Secretary" {
				t.Errorf("mapping change by %q", e.Actor)
			}
			ops = append(ops, e.Op)
		}
		if strings.Join(ops, ",") != "create,update,delete" {
			t.Errorf("the mapping's history: %v", ops)
		}
	})
}

// TestMigration0007 upgrades a database from 0006 with an action and a
// recommendation in it: the new columns take their defaults and the data
// stays.
func TestMigration0007(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			s := storetest.OpenRaw(t, b.Open(t))
			if err := s.MigrateTo(ctx, "0006_search"); err != nil {
				t.Fatal(err)
			}
			now := storetest.Now().AddDate(0, -1, 0) // written a month before the upgrade
			for _, stmt := range []struct {
				sql  string
				args []any
			}{
				{"INSERT INTO organisations (id, name, created_at, updated_at) VALUES (1, 'Victim Support', ?, ?)", []any{now, now}},
				{"INSERT INTO sources (id, kind, title, issued_by_id, created_at, updated_at) VALUES (1, 'other', 'Log', 1, ?, ?)", []any{now, now}},
				{"INSERT INTO recommendations (id, source_id, number, text, status, assessment, created_at, updated_at) VALUES (1, 1, '1', 'Café £5', 'open', 'not_assessed', ?, ?)", []any{now, now}},
				{"INSERT INTO actions (id, organisation_id, description, status, created_at, updated_at) VALUES (1, 1, 'Hotline', 'in_progress', ?, ?)", []any{now, now}},
			} {
				if err := s.Exec(ctx, stmt.sql, stmt.args...); err != nil {
					t.Fatalf("%s: %v", stmt.sql, err)
				}
			}
			if err := s.MigrateTo(ctx, "0007_import"); err != nil {
				t.Fatal(err)
			}
			st, _ := s.Schema(ctx)
			if st.Current() != "0007_import" {
				t.Fatalf("schema at %s", st.Current())
			}
			if err := s.Exec(ctx, "UPDATE actions SET external_ref = 'A1' WHERE id = 1 AND external_ref = ''"); err != nil {
				t.Fatal(err)
			}
			if err := s.Exec(ctx, "UPDATE recommendations SET made_on = ? WHERE id = 1 AND made_on IS NULL AND text = 'Café £5'", time.Date(2013, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			if n := count(t, s, "import_mappings"); n != 0 {
				t.Errorf("import_mappings has %d rows", n)
			}
			item, err := s.Action(ctx, 1)
			if err != nil || item.Action.Description != "Hotline" {
				t.Errorf("action after upgrade: %+v %v", item, err)
			}
		})
	}
}

// guessedBatch reads csv with its mapping guessed from its headers, for
// sources issued by the London Assembly when it names none.
func guessedBatch(t *testing.T, kind importer.Kind, csv string) *importer.Batch {
	t.Helper()
	tbl, err := importer.Read(strings.NewReader(csv), importer.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := importer.Validate(kind, tbl, importer.GuessMapping(kind, tbl.Headers), importer.Options{IssuedBy: "London Assembly"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestImportScope: an import changes only what its person may change, and
// a log's references belong to its organisation, so body B's action "1"
// never takes over body A's.
func TestImportScope(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		load := func(kind importer.Kind, csv string) *importer.Batch { return guessedBatch(t, kind, csv) }
		logA := "Ref,Organisation,Action,Status\n1,City of London Police,Train the call handlers,In progress\n"
		logB := "Ref,Organisation,Action,Status\n1,Metropolitan Police Service,Set up the CRIB hotline,Not started\n"
		if sum, err := s.Import(ctx, load(importer.KindActions, logA), store.ImportOptions{}); err != nil || sum.Inserted != 1 {
			t.Fatalf("log A: %+v %v", sum, err)
		}
		if sum, err := s.Import(ctx, load(importer.KindActions, logB), store.ImportOptions{}); err != nil || sum.Inserted != 1 || sum.Updated != 0 {
			t.Fatalf("log B's action 1 is not a new action: %+v %v", sum, err)
		}
		colp, _ := s.FindOrganisationByName(ctx, "City of London Police")
		onlyCoLP := store.ImportOptions{User: &tracker.User{Name: "CoLP secretary", Role: tracker.RoleSecretary, Organisations: []int64{colp.ID}}}
		before := count(t, s, "audit_events")
		changedB := strings.Replace(logB, "Not started", "Completed", 1)
		sum, err := s.Import(ctx, load(importer.KindActions, changedB), onlyCoLP)
		if !errors.Is(err, importer.ErrRowErrors) || len(sum.Errors) != 1 || !strings.Contains(sum.Errors[0].Message, "You may not change the actions of Metropolitan Police Service") {
			t.Fatalf("an out-of-scope row: %+v %v", sum.Errors, err)
		}
		recs := "Report,No.,Recommendation,Addressed to\nDuty of Care,1,Publish the leaflet.,Metropolitan Police Service\n"
		if sum, err := s.Import(ctx, load(importer.KindRecommendations, recs), onlyCoLP); !errors.Is(err, importer.ErrRowErrors) || len(sum.Errors) != 1 {
			t.Fatalf("an out-of-scope recommendation: %+v %v", sum.Errors, err)
		}
		if got := count(t, s, "audit_events"); got != before {
			t.Errorf("refused imports wrote %d audit events", got-before)
		}
		if sum, err := s.Import(ctx, load(importer.KindActions, strings.Replace(logA, "In progress", "Completed", 1)), onlyCoLP); err != nil || sum.Updated != 1 {
			t.Fatalf("an in-scope change: %+v %v", sum, err)
		}
	})
}

// TestImportRemovesControlCharacters: a NUL or other control character in
// a cell is removed and counted among the repairs, and the row is stored
// on both databases (PostgreSQL refused a NUL with a 500).
func TestImportRemovesControlCharacters(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		csv := "Report,No.,Recommendation,Addressed to\n" +
			"Duty\x00 of Care,1,Publish the\x00 leaflet\x0b now.,MPS\x1f\n"
		tbl, err := importer.Read(strings.NewReader(csv), importer.ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if tbl.Repairs[importer.RepairControl] != 3 {
			t.Errorf("repairs = %v, want 3 cells with control characters removed", tbl.Repairs)
		}
		m := importer.GuessMapping(importer.KindRecommendations, tbl.Headers)
		b, err := importer.Validate(importer.KindRecommendations, tbl, m, importer.Options{IssuedBy: "London Assembly"})
		if err != nil {
			t.Fatal(err)
		}
		if sum, err := s.Import(ctx, b, store.ImportOptions{}); err != nil || sum.Inserted != 1 {
			t.Fatalf("import: %+v %v", sum, err)
		}
		id, err := s.RecommendationIDFor(ctx, "Duty of Care", "1")
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.RecommendationDetail(ctx, id)
		if err != nil || d.Recommendation.Text != "Publish the leaflet now." {
			t.Errorf("stored %q %v", d.Recommendation.Text, err)
		}
	})
}

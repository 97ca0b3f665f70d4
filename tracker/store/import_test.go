package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
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

func readTable(t testing.TB, path string) *importer.Table {
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
	return tbl
}

func validate(t testing.TB, tbl *importer.Table, kind importer.Kind, m importer.Mapping, opts importer.Options) *importer.Batch {
	t.Helper()
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
	tbl := readTable(b, path)
	// Row 53 words 012/21 with "(012/21)" at its end; corrected as
	// TestImportTAIC corrects it, the file imports whole.
	text := slices.Index(tbl.Headers, "recommendation_text")
	if i := slices.IndexFunc(tbl.Rows, func(r importer.Row) bool { return r.Number == 53 }); i >= 0 {
		tbl.Rows[i].Cells[text] = strings.TrimSuffix(tbl.Rows[i].Cell(text), " (012/21)")
	}
	batch := validate(b, tbl, importer.KindRecommendations, taicMapping, taicOptions)
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
		tbl := readTable(t, path)
		// The file words recommendation 012/21 one way on row 53 and with
		// "(012/21)" at its end on row 55: a row error naming both rows,
		// where it used to be a silent choice. Corrected as a person would
		// correct the file, the rows are one recommendation to two bodies.
		b := validate(t, tbl, importer.KindRecommendations, mapping, opts)
		if len(b.Errors) != 1 || b.Errors[0].Error() != "row 55, column recommendation_text: recommendation 012/21 of “TAIC_r_2020_101” is on row 53 and on row 55 with a different text; make the rows agree, or give them different numbers" {
			t.Fatalf("errors: %v", b.Errors)
		}
		text := slices.Index(tbl.Headers, "recommendation_text")
		row53 := slices.IndexFunc(tbl.Rows, func(r importer.Row) bool { return r.Number == 53 })
		if row53 < 0 || !strings.HasSuffix(tbl.Rows[row53].Cell(text), " (012/21)") {
			t.Fatalf("row 53: %+v", tbl.Rows[row53])
		}
		tbl.Rows[row53].Cells[text] = strings.TrimSuffix(tbl.Rows[row53].Cell(text), " (012/21)")
		b = validate(t, tbl, importer.KindRecommendations, mapping, opts)
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
		if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
			t.Error(err)
		}
		if hits, err := s.Search(ctx, "KiwiRail route knowledge", 100); err != nil || len(hits) == 0 {
			t.Errorf("search after the import: %d hits, %v", len(hits), err)
		}

		// The same file again: nothing new, nothing changed, no events.
		again, err := s.Import(ctx, validate(t, tbl, importer.KindRecommendations, mapping, opts), store.ImportOptions{})
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
			t.Errorf("updated import wrote %d audit events, want 3 (MPS's status, its timeline entry, new response revision)", got)
		}
		id, _ := s.RecommendationIDFor(ctx, "Duty of Care", "1")
		d, err := s.RecommendationDetail(ctx, id)
		if err == nil && (len(d.Updates) != 1 || d.Updates[0].Text != "Status for MPS: Open → Implemented.") {
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
		if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
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
		// Row 4 of the spreadsheet, line 5 of the text: a cell above holds
		// a line break.
		if got := sum.Errors[0].Error(); got != "row 4, column Status: “Sort of” is not a status the tracker knows; use one of: Open, In progress, Implemented, Closed, or choose the tracker’s word for “Sort of” with the column’s values" {
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

// TestImportCityAudit imports a city auditor's export as it is, on both
// databases: one row per recommendation per agency, its own words
// (translated where guessing will not do), numbers made from the audit
// number and each recommendation's place in its audit, a CR LF cell
// counted as repaired. Importing it again matches the same
// recommendations and changes nothing.
func TestImportCityAudit(t *testing.T) {
	path := filepath.Join("..", "importer", "testdata", "city-audit.csv")
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "import test", Channel: tracker.ChannelCommand})
		tbl := readTable(t, path)
		m, number := importer.Guess(importer.KindRecommendations, tbl)
		opts := importer.Options{IssuedBy: "City Auditor", Number: number,
			Values: map[importer.Field]map[string]string{importer.FieldStatus: {"Pending": tracker.RecInProgress}}}
		sum, err := s.Import(ctx, validate(t, tbl, importer.KindRecommendations, m, opts), store.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.Inserted != 5 || sum.ResponsesWritten != 6 || len(sum.SourcesCreated) != 2 || sum.Repairs[importer.RepairLineEnding] != 1 ||
			!strings.Contains(sum.String(), "Cells repaired: 1 Windows line breaks made plain.") {
			t.Errorf("summary: %s", sum)
		}
		id, err := s.RecommendationIDFor(ctx, "Oversight of Emergency Shelter Contracts", "2019-N-1-2")
		if err != nil {
			t.Fatal(err)
		}
		d, err := s.RecommendationDetail(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		positions := map[string]string{}
		for _, th := range d.Responses {
			positions[th.Current.Organisation.Name] = th.Current.Position
		}
		if d.Recommendation.Status != tracker.RecInProgress || d.Recommendation.Text != "DHS and HRA should reconcile the “client census” each month." ||
			len(d.Recommendation.Addressees) != 2 || positions["Department of Homeless Services"] != tracker.PosAccepted ||
			positions["Human Resources Administration"] != tracker.PosPartlyAccepted {
			t.Errorf("2019-N-1-2: %+v, positions %v", d.Recommendation, positions)
		}
		id, _ = s.RecommendationIDFor(ctx, "Oversight of Emergency Shelter Contracts", "2019-N-1-3")
		if d, err = s.RecommendationDetail(ctx, id); err != nil || d.Recommendation.Status != tracker.RecOpen ||
			d.Recommendation.Text != "DHS should:\na. publish its inspection schedule;\nb. train its inspectors;\nc. report the results to the Council’s committee." {
			t.Errorf("2019-N-1-3: %+v %v", d.Recommendation, err)
		}

		events := count(t, s, "audit_events")
		again, err := s.Import(ctx, validate(t, readTable(t, path), importer.KindRecommendations, m, opts), store.ImportOptions{})
		if err != nil || again.Inserted != 0 || again.Updated != 0 || again.Unchanged != 5 || again.ResponsesWritten != 0 {
			t.Errorf("again: %s %v", again, err)
		}
		if count(t, s, "recommendations") != 5 || count(t, s, "audit_events") != events {
			t.Errorf("again: %d recommendations, %d new events", count(t, s, "recommendations"), count(t, s, "audit_events")-events)
		}
	})
}

// TestImportAddresseeStatuses: an import row is one (recommendation,
// addressee) pair. Rows of one recommendation that differ in status keep
// each addressee's own, dated by the status date through the addressee
// status write, so "as at" follows it (a status dated before the
// recommendation was made counts from the day it was made, and keeps the
// file's date); the same file again changes nothing; one addressee given
// two statuses is a row error naming both rows.
func TestImportAddresseeStatuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "import test", Channel: tracker.ChannelCommand})
		iso := storetest.ISO
		file := "Source,Number,Text,Addressed to,Status,Status date,Date made\r\n" +
			"Review,1,Do the thing.,MPS,Implemented," + iso(-20) + "," + iso(-60) + "\r\n" +
			"Review,1,Do the thing.,MOPAC,Open," + iso(-30) + "," + iso(-60) + "\r\n" +
			"Review,2,Second.,MPS,In progress," + iso(-90) + "," + iso(-60) + "\r\n"
		b := guessedBatch(t, importer.KindRecommendations, file)
		if b.Mapping["Status date"] != importer.FieldStatusDate || len(b.Errors) > 0 {
			t.Fatalf("mapping %v, errors %v", b.Mapping, b.Errors)
		}
		sum, err := s.Import(ctx, b, store.ImportOptions{})
		if err != nil || sum.Inserted != 2 {
			t.Fatalf("import: %s %v %v", sum, err, sum.Errors)
		}
		id1, _ := s.RecommendationIDFor(ctx, "Review", "1")
		id2, _ := s.RecommendationIDFor(ctx, "Review", "2")
		check := func(when string, id int64, got map[string]string, overall string, want map[string]string, wantOverall string) {
			t.Helper()
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s: %s is %q, want %q (all %v)", when, k, got[k], v, got)
				}
			}
			if overall != wantOverall {
				t.Errorf("%s: overall %s, want %s", when, overall, wantOverall)
			}
		}
		got, overall := statusesOf(t, s, ctx, id1)
		check("now", id1, got, overall, map[string]string{"MPS": "implemented " + iso(-20), "MOPAC": "open " + iso(-30)}, tracker.RecInProgress)
		got, overall = statusesOf(t, s, ctx, id2)
		check("now", id2, got, overall, map[string]string{"MPS": "in_progress " + iso(-90)}, tracker.RecInProgress)
		asAt := func(day int, id int64) (map[string]string, string) {
			var got map[string]string
			var overall string
			if err := s.ReadAsAt(ctx, tracker.EndOfDay(storetest.Day(day)), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				got, overall = statusesOf(t, tx, ctx, id)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got, overall
		}
		got, overall = asAt(-40, id1)
		check("as at 40 days ago", id1, got, overall, map[string]string{"MPS": "open"}, tracker.RecOpen)
		got, overall = asAt(-10, id1)
		check("as at 10 days ago", id1, got, overall, map[string]string{"MPS": "implemented " + iso(-20)}, tracker.RecInProgress)
		got, overall = asAt(-60, id2)
		check("as at the day recommendation 2 was made", id2, got, overall, map[string]string{"MPS": "in_progress " + iso(-90)}, tracker.RecInProgress)
		d, err := s.RecommendationDetail(ctx, id1)
		if err != nil || len(d.Updates) != 1 || d.Updates[0].Text != "Status for MPS: Open → Implemented." || d.Updates[0].Date.Format("2006-01-02") != iso(-20) {
			t.Errorf("timeline: %+v %v", d.Updates, err)
		}

		events := count(t, s, "audit_events")
		again, err := s.Import(ctx, guessedBatch(t, importer.KindRecommendations, file), store.ImportOptions{})
		if err != nil || again.Unchanged != 2 || count(t, s, "audit_events") != events {
			t.Errorf("again: %s %v, %d new events", again, err, count(t, s, "audit_events")-events)
		}

		// MOPAC finishes; the MPS's status is left as it is.
		later := strings.Replace(file, "MOPAC,Open,"+iso(-30), "MOPAC,Closed,"+iso(-5), 1)
		sum, err = s.Import(ctx, guessedBatch(t, importer.KindRecommendations, later), store.ImportOptions{})
		if err != nil || sum.Updated != 1 || sum.Unchanged != 1 {
			t.Errorf("later: %s %v", sum, err)
		}
		got, overall = statusesOf(t, s, ctx, id1)
		check("later", id1, got, overall, map[string]string{"MPS": "implemented " + iso(-20), "MOPAC": "closed " + iso(-5)}, tracker.RecImplemented)

		// One addressee, two statuses: an error naming both rows.
		clash := file + "Review,1,Do the thing.,MPS,Open," + iso(-20) + "," + iso(-60) + "\r\n"
		b = guessedBatch(t, importer.KindRecommendations, clash)
		if len(b.Errors) != 1 || b.Errors[0].Row != 5 || b.Errors[0].Column != "Status" ||
			!strings.Contains(b.Errors[0].Message, "MPS’s status of recommendation 1 of “Review” is on row 2 and on row 5") {
			t.Errorf("clash: %v", b.Errors)
		}
	})
}

// TestImportHistory: a log with one row per update (rows out of date
// order) and a log with one column per meeting ("Update March 2022") both
// import as dated progress updates; "as at" a past day shows the action as
// the log then stood; importing either again adds nothing.
func TestImportHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "import test", Channel: tracker.ChannelCommand})
		iso := storetest.ISO
		perRow := "Ref,Organisation,Action,Status,Update date,Latest update\r\n" +
			"H1,City of London Police,Brief the teams,Not started," + iso(-90) + ",Plan agreed.\r\n" +
			"H1,City of London Police,Brief the teams,Completed," + iso(-10) + ",All teams briefed.\r\n" +
			"H1,City of London Police,Brief the teams,In progress," + iso(-40) + ",\"Half the teams briefed:\r\na. north;\r\nb. south.\"\r\n"
		perMeeting := "Ref,Organisation,Action,Update March 2022,Update 14/06/2022,Progress September 2022\r\n" +
			"M1,City of London Police,Review the “Victims’ Code” leaflet,Draft written.,Leaflet printed.,\r\n"
		b := guessedBatch(t, importer.KindActions, perMeeting)
		if b.Mapping["Update March 2022"] != importer.FieldHistory || b.Mapping["Update 14/06/2022"] != importer.FieldHistory ||
			b.Mapping["Progress September 2022"] != importer.FieldHistory || len(b.Errors) > 0 {
			t.Fatalf("mapping %v, errors %v", b.Mapping, b.Errors)
		}
		for _, file := range []string{perRow, perMeeting} {
			sum, err := s.Import(ctx, guessedBatch(t, importer.KindActions, file), store.ImportOptions{})
			if err != nil || sum.Inserted != 1 {
				t.Fatalf("import: %s %v %v", sum, err, sum.Errors)
			}
		}
		acts, _, err := s.ListActions(ctx, tracker.ActionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{}
		for _, it := range acts {
			ids[it.Action.ExternalRef] = it.Action.ID
		}
		state := func(tx *store.Store, ref string) string {
			it, err := tx.Action(ctx, ids[ref])
			if errors.Is(err, tracker.ErrNotFound) {
				return "none"
			}
			if err != nil {
				t.Fatal(err)
			}
			var ups []string
			for _, u := range it.Updates {
				ups = append(ups, u.Date.Format("2006-01-02")+" "+u.Text)
			}
			slices.Sort(ups)
			return it.Action.Status + ": " + strings.Join(ups, " | ")
		}
		asAt := func(day time.Time, ref string) string {
			var got string
			if err := s.ReadAsAt(ctx, tracker.EndOfDay(day), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error {
				got = state(tx, ref)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		half := iso(-40) + " Half the teams briefed:\na. north;\nb. south."
		for _, c := range []struct {
			day  time.Time
			ref  string
			want string
		}{
			{storetest.Day(-100), "H1", "none"},
			{storetest.Day(-50), "H1", "not_started: " + iso(-90) + " Plan agreed."},
			{storetest.Day(-20), "H1", "in_progress: " + iso(-90) + " Plan agreed. | " + half},
			{storetest.Day(0), "H1", "completed: " + iso(-90) + " Plan agreed. | " + half + " | " + iso(-10) + " All teams briefed."},
			{time.Date(2022, 2, 28, 0, 0, 0, 0, time.UTC), "M1", "none"},
			{time.Date(2022, 4, 1, 0, 0, 0, 0, time.UTC), "M1", "not_started: 2022-03-01 Draft written."},
			{storetest.Day(0), "M1", "not_started: 2022-03-01 Draft written. | 2022-06-14 Leaflet printed."},
		} {
			if got := asAt(c.day, c.ref); got != c.want {
				t.Errorf("%s as at %s: %q\nwant %q", c.ref, c.day.Format("2006-01-02"), got, c.want)
			}
		}

		events := count(t, s, "audit_events")
		for _, file := range []string{perRow, perMeeting} {
			sum, err := s.Import(ctx, guessedBatch(t, importer.KindActions, file), store.ImportOptions{})
			if err != nil || sum.Unchanged != 1 || sum.UpdatesAdded != 0 {
				t.Errorf("again: %s %v", sum, err)
			}
		}
		if n := count(t, s, "audit_events") - events; n != 0 {
			t.Errorf("importing again wrote %d audit events", n)
		}

		// Rows of one reference that describe it differently are an error.
		clash := perRow + "H1,City of London Police,Brief every team,Completed," + iso(-5) + ",Done.\r\n"
		if b := guessedBatch(t, importer.KindActions, clash); len(b.Errors) != 1 || b.Errors[0].Row != 5 ||
			!strings.Contains(b.Errors[0].Message, "the action “H1” is on row 2 and on row 5 with a different description") {
			t.Errorf("clash: %v", b.Errors)
		}
	})
}

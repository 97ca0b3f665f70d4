package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/importer/importertest"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// TestImportCommand imports a small action log in Windows-1252 with a
// semicolon separator: a dry run, the real import, a re-import that
// changes nothing, a saved mapping used by name, and a bad row reported as
// "row N, column X: reason".
func TestImportCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "tracker.db")
	file := filepath.Join(dir, "log.csv")
	// "Victims’ Code" and "£" in Windows-1252, as Excel saves them.
	log := "Ref;Organisation;Action;Owner;Due date;Status;RAG;Latest update\r\n" +
		"A1;MPS;Print the Victims\x92 Code leaflet;DS Smith;30/04/2013;Ongoing;Amber;\"Printer booked;\r\nproofs due\"\r\n" +
		"A2;Victim Support;Fund the \xA3250,000 hotline;;by 2014;Not started;;\r\n"
	if err := os.WriteFile(file, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"import", "--db", db, "--kind", "actions", "--dry-run", file}, &out, quiet); err != nil {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	for _, want := range []string{"CSV, Windows-1252, semicolon-separated, 2 rows", "Dry run: nothing was saved", "2 actions new"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run output lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := run(ctx, []string{"import", file, "--db", db, "--save-mapping", "Monthly log"}, &out, quiet); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "2 actions new") || !strings.Contains(out.String(), `Mapping saved as "Monthly log"`) {
		t.Errorf("import output:\n%s", out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"import", "--db", db, "--mapping", "Monthly log", file}, &out, quiet); err != nil {
		t.Fatalf("re-import: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "0 actions new, 0 updated, 2 unchanged") {
		t.Errorf("re-import output:\n%s", out.String())
	}

	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("Ref,Organisation,Action,RAG\nB1,MPS,Do it,Purple\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err := run(ctx, []string{"import", "--db", db, "--map", "Ref=reference", bad}, &out, quiet)
	if !errors.Is(err, importer.ErrRowErrors) || !strings.Contains(out.String(), "Error: row 2, column RAG: “Purple” is not a RAG rating the tracker knows; use one of: Red, Amber, Green") {
		t.Errorf("bad file: %v\n%s", err, out.String())
	}
	out.Reset()
	err = run(ctx, []string{"import", "--db", db, "--mapping", "Ref=reference", bad}, &out, quiet)
	if err == nil || !strings.Contains(out.String(), "Choose the column that holds organisation") {
		t.Errorf("incomplete mapping: %v\n%s", err, out.String())
	}
}

// TestImportFileWords imports a city auditor's export as it is: its own
// words translated with --values (the rest guessed), its numbers made with
// --number from the audit number and each recommendation's place in its
// audit, one recommendation to two agencies counted once; importing it
// again matches the same recommendations.
func TestImportFileWords(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "tracker.db")
	file := filepath.Join("..", "..", "tracker", "importer", "testdata", "city-audit.csv")
	args := []string{"import", "--db", db, "--issued-by", "City Auditor", "--number", "{Audit Number}-{row}",
		"--values", "status=Pending:In progress,Not Implemented:open", "--values", "position=Partially Agreed With:partly_accepted", file}
	var out bytes.Buffer
	if err := run(ctx, args, &out, quiet); err != nil {
		t.Fatalf("import: %v\n%s", err, out.String())
	}
	for _, want := range []string{"Agency Response                → Response position (position)", "Recommendation numbers: {Audit Number}-{row}",
		"Words of status:\n  Not Implemented                → Open\n  Pending                        → In progress",
		"6 rows read: 5 recommendations new", "6 management responses written", "Cells repaired: 1 Windows line breaks made plain"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	s, err := openStore(ctx, db, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	items, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{Page: tracker.Page{Number: 1}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		var names []string
		for _, o := range it.Recommendation.Addressees {
			names = append(names, o.Name)
		}
		got = append(got, it.Source.Title+" "+it.Recommendation.Number+" "+it.Recommendation.Status+" "+strings.Join(names, "; "))
	}
	sort.Strings(got)
	if want := []string{
		"Follow-up on Street Tree Maintenance 2020-F-7-1 open Department of Parks and Recreation",
		"Follow-up on Street Tree Maintenance 2020-F-7-2 implemented Department of Parks and Recreation",
		"Oversight of Emergency Shelter Contracts 2019-N-1-1 implemented Department of Homeless Services",
		"Oversight of Emergency Shelter Contracts 2019-N-1-2 in_progress Department of Homeless Services; Human Resources Administration",
		"Oversight of Emergency Shelter Contracts 2019-N-1-3 open Department of Homeless Services",
	}; strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("recommendations:\n%s", strings.Join(got, "\n"))
	}

	// Again: the same recommendations, nothing changed.
	out.Reset()
	if err := run(ctx, args, &out, quiet); err != nil || !strings.Contains(out.String(), "0 recommendations new, 0 updated, 5 unchanged") {
		t.Errorf("again: %v\n%s", err, out.String())
	}

	// Without the translation the words the tracker does not know are row
	// errors naming the word and the column; a word the tracker lacks in
	// --values is refused before anything is read.
	out.Reset()
	err = run(ctx, []string{"import", "--db", db, "--dry-run", "--values", "status=Pending:waiting", file}, &out, quiet)
	if err == nil || !strings.Contains(err.Error(), "“waiting” is not a status the tracker has") {
		t.Errorf("bad --values: %v", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.csv")
	data, _ := os.ReadFile(file)
	if err := os.WriteFile(bad, bytes.Replace(data, []byte("Not Implemented"), []byte("Deferred"), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"import", "--db", db, "--dry-run", "--issued-by", "City Auditor", bad}, &out, quiet)
	if !errors.Is(err, importer.ErrRowErrors) || !strings.Contains(out.String(), "Recommendation numbers: {audit_number}-{row}") ||
		!strings.Contains(out.String(), "Error: row 5, column Implementation Status: “Deferred” is not a status the tracker knows") {
		t.Errorf("unknown word: %v\n%s", err, out.String())
	}
}

// TestImportCityAuditExport imports a generated city auditor's export
// (one row per recommendation per agency, its own status and response
// words, curly quotes, \r\n sub-items a.–d., status dates before issue
// dates) on both databases, as it is with --values and --number, checks
// every row byte for byte through the API, and imports it again: nothing
// changes, and no audit event is added.
func TestImportCityAuditExport(t *testing.T) {
	ctx := context.Background()
	rows, data := importertest.CityAudit(6)
	file := filepath.Join(t.TempDir(), "city-audit-export.csv")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	recs := map[string]bool{}
	for _, r := range rows {
		recs[r.AuditTitle+" "+r.Number] = true
	}
	for _, db := range []struct{ name, dsn string }{
		{"sqlite", filepath.Join(t.TempDir(), "tracker.db")},
		{"postgres", storetest.PostgresDSN(t)},
	} {
		t.Run(db.name, func(t *testing.T) {
			args := append([]string{"import", "--db", db.dsn, "--issued-by", "City Auditor", "--number", importertest.CityAuditNumber}, importertest.ValuesFlags()...)
			args = append(args, file)
			var out bytes.Buffer
			if err := run(ctx, args, &out, quiet); err != nil {
				t.Fatalf("import: %v\n%s", err, out.String())
			}
			if want := fmt.Sprintf("%d rows read: %d recommendations new", len(rows), len(recs)); !strings.Contains(out.String(), want) {
				t.Errorf("output lacks %q:\n%s", want, out.String())
			}
			// The whole tracker, audit trail included, before and after a
			// second import of the same file.
			backup := func(name string) string {
				path := filepath.Join(t.TempDir(), name+".json")
				if err := run(ctx, []string{"export", "--all", path, "--db", db.dsn}, io.Discard, quiet); err != nil {
					t.Fatal(err)
				}
				return readBackup(t, path)
			}
			before := backup("before")
			if !strings.Contains(before, `"audit_events"`) {
				t.Fatal("the backup holds no audit events")
			}
			out.Reset()
			if err := run(ctx, args, &out, quiet); err != nil || !strings.Contains(out.String(), fmt.Sprintf("0 recommendations new, 0 updated, %d unchanged", len(recs))) {
				t.Errorf("again: %v\n%s", err, out.String())
			}
			if after := backup("after"); after != before {
				t.Errorf("the second import changed the tracker (%d bytes of backup, then %d)", len(before), len(after))
			}

			s, err := openStore(ctx, db.dsn, false)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			u, err := s.CreateUser(ctx, tracker.User{Email: "reader@example.org", Name: "Reader", Role: tracker.RoleViewer}, "a long enough password")
			if err != nil {
				t.Fatal(err)
			}
			token, _, err := s.CreateToken(ctx, u.ID, "check")
			if err != nil {
				t.Fatal(err)
			}
			srv, err := web.New(web.Options{Store: s, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			ts := httptest.NewServer(srv.Handler())
			defer ts.Close()
			if n := importertest.CheckCityAuditAPI(t, ts.URL, token, rows); n != len(rows) {
				t.Errorf("%d rows checked, want %d", n, len(rows))
			}
			// The check sees a status date that differs from the file's.
			wrong := append([]importertest.CityAuditRow(nil), rows...)
			wrong[4].StatusDate = "2001-01-01"
			c := &errorCount{TB: t}
			importertest.CheckCityAuditAPI(c, ts.URL, token, wrong)
			if c.n != 1 {
				t.Errorf("a wrong status date made %d errors, want 1", c.n)
			}
		})
	}
}

// errorCount counts the errors a check reports instead of failing.
type errorCount struct {
	testing.TB
	n int
}

func (c *errorCount) Errorf(string, ...any) { c.n++ }

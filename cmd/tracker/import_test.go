package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker/importer"
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
	if !errors.Is(err, importer.ErrRowErrors) || !strings.Contains(out.String(), "Error: row 2, column RAG: “Purple” is not a RAG rating; use Red, Amber or Green") {
		t.Errorf("bad file: %v\n%s", err, out.String())
	}
	out.Reset()
	err = run(ctx, []string{"import", "--db", db, "--mapping", "Ref=reference", bad}, &out, quiet)
	if err == nil || !strings.Contains(out.String(), "Choose the column that holds organisation") {
		t.Errorf("incomplete mapping: %v\n%s", err, out.String())
	}
}

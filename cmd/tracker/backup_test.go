package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

var exportedAtField = regexp.MustCompile(`"exported_at":"[^"]*"`)

func readBackup(t *testing.T, path string) string {
	t.Helper()
	in, err := openBackup(path)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	b, err := io.ReadAll(in)
	if err != nil {
		t.Fatal(err)
	}
	return exportedAtField.ReplaceAllString(string(b), `"exported_at":""`)
}

// TestBackupCommands runs "export --all" and "import --all" through the
// command line: SQLite to a compressed file, into PostgreSQL, out again,
// into SQLite through "tracker import --all", and out again.
func TestBackupCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	lite := filepath.Join(dir, "tracker.db")
	var out bytes.Buffer
	if err := run(ctx, []string{"seed", "--example", "--db", lite}, &out, quiet); err != nil {
		t.Fatal(err)
	}
	gz := filepath.Join(dir, "backup.json.gz")
	out.Reset()
	if err := run(ctx, []string{"export", "--all", gz, "--db", lite}, &out, quiet); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Wrote a backup of the whole tracker to "+gz) {
		t.Errorf("export said %q", out.String())
	}
	f, err := os.Open(gz)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gzip.NewReader(f); err != nil {
		t.Errorf("%s is not gzip: %v", gz, err)
	}
	f.Close()

	pg := storetest.PostgresDSN(t)
	out.Reset()
	if err := run(ctx, []string{"import", "--all", gz, "--db", pg}, &out, quiet); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Restored "+gz) || !strings.Contains(out.String(), "search index was rebuilt") {
		t.Errorf("import said %q", out.String())
	}
	err = run(ctx, []string{"import", "--all", gz, "--db", pg}, io.Discard, quiet)
	if err == nil || !strings.Contains(err.Error(), "already holds data") || !strings.Contains(err.Error(), "new, empty database") {
		t.Errorf("a second import into the same database: %v", err)
	}
	fromPG := filepath.Join(dir, "from-pg.json")
	if err := run(ctx, []string{"export", "--db", pg, "--all", fromPG}, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	lite2 := filepath.Join(dir, "restored.db")
	if err := run(ctx, []string{"import", "--all", "--db", lite2, fromPG}, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	fromLite := filepath.Join(dir, "from-sqlite.json")
	if err := run(ctx, []string{"export", "--all", "--db", lite2, fromLite}, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	if a, b := readBackup(t, fromPG), readBackup(t, fromLite); a != b {
		t.Errorf("the backups of PostgreSQL and of the SQLite restored from it differ")
	}
	if entries, _ := os.ReadDir(dir); len(entries) == 0 {
		t.Fatal("no files")
	} else {
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".partial") {
				t.Errorf("a temporary file was left: %s", e.Name())
			}
		}
	}
}

func TestBackupCommandProblems(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"export"}, `"tracker export --all FILE"`},
		{[]string{"export", "out.json"}, `"tracker export --all FILE"`},
		{[]string{"export", "--all"}, `"tracker export --all FILE"`},
		{[]string{"export", "--all", "a.json", "b.json"}, "give one file, not 2"},
		{[]string{"export", "--all", filepath.Join(dir, "out.json"), "--db", filepath.Join(dir, "missing.db")}, "there is no SQLite database at"},
		{[]string{"import", filepath.Join(dir, "x.csv")}, `"tracker import --all FILE"`},
		{[]string{"import", "--all", filepath.Join(dir, "missing.json"), "--db", filepath.Join(dir, "t.db")}, "cannot read the backup"},
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args, io.Discard, quiet)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want it to mention %q", tt.args, err, tt.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); err == nil {
		t.Error("export created the missing database")
	}
	notBackup := filepath.Join(dir, "list.csv")
	if err := os.WriteFile(notBackup, []byte("number,text\n1,Do it\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := run(context.Background(), []string{"import", "--all", notBackup, "--db", filepath.Join(dir, "t.db")}, io.Discard, quiet)
	if err == nil || !strings.Contains(err.Error(), "list.csv: this is not a tracker backup") {
		t.Errorf("importing a CSV file as a backup: %v", err)
	}
}

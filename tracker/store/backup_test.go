package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestBackupCoversEveryTable fails when a migration adds a table that the
// backup neither holds nor leaves out on purpose, or when the backup list
// names a table the schema no longer has.
func TestBackupCoversEveryTable(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		tables, err := s.ListTables(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		have := map[string]bool{}
		for _, name := range tables {
			have[name] = true
		}
		listed := map[string]bool{}
		for _, name := range store.BackupTables {
			if listed[name] {
				t.Errorf("%s is listed twice in backupTables", name)
			}
			listed[name] = true
			if !have[name] {
				t.Errorf("backupTables lists %s, which the migrated schema does not have", name)
			}
			if store.NotBackedUp[name] != "" {
				t.Errorf("%s is both backed up and left out", name)
			}
		}
		for _, name := range tables {
			if !listed[name] && store.NotBackedUp[name] == "" {
				t.Errorf("table %s is neither in backupTables (backup.go) nor in notBackedUp: add it to one, parents before children", name)
			}
		}
	})
}

// history makes changes beyond the example data: an update, a deadline
// move, a soft delete, an account with an organisation scope, an API token,
// a session (which a backup leaves out) and values that are easy to spoil.
// It returns the token in plain text.
func history(t *testing.T, s *store.Store) string {
	t.Helper()
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "D/Supt Crime", Channel: tracker.ChannelPage})
	acts, _, err := s.ListActions(ctx, tracker.ActionFilter{})
	if err != nil || len(acts) < 3 {
		t.Fatalf("actions: %v (%d)", err, len(acts))
	}
	a, b, c := acts[0].Action, acts[1].Action, acts[2].Action
	if err := s.PostUpdate(ctx, a.ID, store.ProgressChange{Version: a.Version, Date: time.Date(2013, 7, 1, 0, 0, 0, 0, time.UTC),
		Text: "Pilot in two boroughs – “going well”, £12,000 spent", Status: tracker.ActInProgress}); err != nil {
		t.Fatal(err)
	}
	if err := s.MoveActionDue(ctx, b.ID, store.DeadlineMove{Version: b.Version, NewDate: time.Date(2014, 9, 30, 0, 0, 0, 0, time.UTC),
		NewText: "by September 2014", Reason: "Supplier delayed", On: time.Date(2013, 8, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAction(ctx, c.ID, c.Version); err != nil {
		t.Fatal(err)
	}
	orgs, err := s.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	u, err := s.CreateUser(ctx, tracker.User{Email: "chair@example.org", Name: "Zoë O’Brien", Role: tracker.RoleEditor,
		Organisations: []int64{orgs[0].ID, orgs[1].ID}}, "a long enough passphrase")
	if err != nil {
		t.Fatal(err)
	}
	plain, _, err := s.CreateToken(ctx, u.ID, "spreadsheet sync")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateSession(ctx, u, "test", "127.0.0.1"); err != nil {
		t.Fatal(err)
	}
	tenth, fifth := 0.1, 0.2
	// Values that a careless format would change: a float with no short
	// decimal form, a tiny one, text with emoji and combining marks, and
	// an empty string next to a NULL.
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{"UPDATE measure_values SET value = ? WHERE id = 1", []any{tenth + fifth}},
		{"UPDATE measure_values SET value = ? WHERE id = 2", []any{1e-300}},
		{"UPDATE organisations SET short_name = ? WHERE id = ?", []any{"🙂 Ünïcode – e\u0301 \\ \" <&>", orgs[2].ID}},
		{"UPDATE organisations SET short_name = '' WHERE id = ?", []any{orgs[3].ID}},
		// The columns and table of 0007_import.
		{"UPDATE actions SET external_ref = ? WHERE id = ?", []any{"LOG-0042", a.ID}},
		{"UPDATE recommendations SET made_on = ? WHERE id = 1", []any{time.Date(2013, 1, 23, 0, 0, 0, 0, time.UTC)}},
		{"INSERT INTO import_mappings (name, kind, mapping, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
			[]any{"Rolling action log", "actions", `{"Owner":"owner","Due":"due_date"}`, "chair@example.org", time.Date(2024, 5, 17, 9, 30, 0, 123456000, time.UTC), time.Date(2024, 5, 17, 9, 30, 0, 123456000, time.UTC)}},
	} {
		if err := s.Exec(ctx, stmt.sql, stmt.args...); err != nil {
			t.Fatal(err)
		}
	}
	return plain
}

func exportAll(t testing.TB, s *store.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.ExportAll(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var exportedAt = regexp.MustCompile(`"exported_at":"[^"]*"`)

// canonical drops the one field that differs between exports of the same data.
func canonical(dump []byte) string {
	return exportedAt.ReplaceAllString(string(dump), `"exported_at":""`)
}

// subMicroDiffs compares two dumps value by value. It fails on any
// difference except timestamps that agree to the microsecond, which it
// counts: PostgreSQL keeps microseconds, SQLite every digit it is given.
func subMicroDiffs(t *testing.T, a, b []byte) int {
	t.Helper()
	decode := func(d []byte) map[string]any {
		dec := json.NewDecoder(bytes.NewReader(d))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatal(err)
		}
		delete(m, "exported_at")
		return m
	}
	n := 0
	var walk func(path string, x, y any)
	walk = func(path string, x, y any) {
		switch xv := x.(type) {
		case map[string]any:
			yv, ok := y.(map[string]any)
			if !ok || len(xv) != len(yv) {
				t.Errorf("%s: %v / %v", path, x, y)
				return
			}
			for k := range xv {
				walk(path+"."+k, xv[k], yv[k])
			}
		case []any:
			yv, ok := y.([]any)
			if !ok || len(xv) != len(yv) {
				t.Errorf("%s: %d / %v items", path, len(xv), y)
				return
			}
			for i := range xv {
				walk(fmt.Sprintf("%s[%d]", path, i), xv[i], yv[i])
			}
		default:
			if x == y {
				return
			}
			xs, _ := x.(string)
			ys, _ := y.(string)
			tx, e1 := time.Parse(time.RFC3339Nano, xs)
			ty, e2 := time.Parse(time.RFC3339Nano, ys)
			if e1 == nil && e2 == nil && tx.Truncate(time.Microsecond).Equal(ty.Truncate(time.Microsecond)) {
				n++
				return
			}
			t.Errorf("%s: %#v / %#v", path, x, y)
		}
	}
	walk("", decode(a), decode(b))
	return n
}

// reads are what people see through the store, to compare across restores.
func reads(t *testing.T, s *store.Store, token string) string {
	t.Helper()
	ctx := context.Background()
	today := time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)
	var out strings.Builder
	recs, total, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{Today: today, Page: tracker.Page{Number: 1, Size: 10}})
	if err != nil {
		t.Fatal(err)
	}
	j, _ := json.Marshal(recs)
	fmt.Fprintf(&out, "recommendations %d: %s\n", total, j)
	acts, _, err := s.ListActions(ctx, tracker.ActionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acts[:3] {
		ev, err := s.ActionHistory(ctx, a.Action.ID)
		if err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(ev)
		fmt.Fprintf(&out, "action %d history: %s\n", a.Action.ID, j)
		it, err := s.Action(ctx, a.Action.ID)
		if err != nil {
			t.Fatal(err)
		}
		j, _ = json.Marshal(it)
		fmt.Fprintf(&out, "action %d: %s\n", a.Action.ID, j)
	}
	for _, q := range append(searchQueries, "going well", "Supplier delayed") {
		fmt.Fprintf(&out, "search %q: %v\n", q, searchKeys(t, s, q))
	}
	u, err := s.TokenUser(ctx, token)
	if err != nil {
		t.Fatalf("the API token does not work: %v", err)
	}
	if _, err := s.Authenticate(ctx, "chair@example.org", "a long enough passphrase"); err != nil {
		t.Fatalf("the password does not work: %v", err)
	}
	fmt.Fprintf(&out, "token user: %s %s %v\n", u.Email, u.Name, u.Organisations)
	return out.String()
}

// TestBackupRoundTrip backs up the example with some history from SQLite,
// restores it into PostgreSQL, backs that up, restores it into SQLite and
// backs that up: the three backups hold the same rows, and the stores show
// the same pages, histories and search hits.
func TestBackupRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lite := storetest.SQLite(t)
	if _, err := example.Load(ctx, lite); err != nil {
		t.Fatal(err)
	}
	token := history(t, lite)
	first := exportAll(t, lite)
	want := reads(t, lite, token)
	if !strings.Contains(want, "going well") || !strings.Contains(want, "Supplier delayed") {
		t.Fatalf("the history is not visible before the backup:\n%s", want)
	}

	// SQLite to SQLite keeps every digit.
	again := storetest.SQLite(t)
	if _, err := again.ImportAll(ctx, bytes.NewReader(first)); err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(again.CheckDerived(ctx), again.CheckVersions(ctx)); err != nil {
		t.Errorf("after the restore: %v", err)
	}
	if got := exportAll(t, again); canonical(got) != canonical(first) {
		t.Errorf("SQLite → SQLite changed the backup")
	}

	pg := storetest.OpenMigrated(t, storetest.PostgresDSN(t))
	sum, err := pg.ImportAll(ctx, bytes.NewReader(first))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Count("sessions") != 0 || sum.Count("users") != 1 || sum.Count("api_tokens") != 1 || sum.Count("user_organisations") != 2 ||
		sum.Count("deadline_revisions") != 1 || sum.Count("audit_events") == 0 || sum.Count("import_mappings") != 1 {
		t.Errorf("restored %+v", sum.Tables)
	}
	if err := errors.Join(pg.CheckDerived(ctx), pg.CheckVersions(ctx)); err != nil {
		t.Errorf("after the restore into PostgreSQL: %v", err)
	}
	second := exportAll(t, pg)
	pgReads := reads(t, pg, token)
	diffLines(t, "PostgreSQL after the restore", toMicro(pgReads), toMicro(want))

	lite2 := storetest.SQLite(t)
	if _, err := lite2.ImportAll(ctx, bytes.NewReader(second)); err != nil {
		t.Fatal(err)
	}
	third := exportAll(t, lite2)
	diffLines(t, "SQLite after the second restore", reads(t, lite2, token), pgReads)

	if canonical(second) != canonical(third) {
		t.Errorf("the PostgreSQL and SQLite backups differ")
		subMicroDiffs(t, second, third)
	}
	// gorm stamps created_at with nanoseconds on SQLite; PostgreSQL keeps
	// microseconds, so those digits, and nothing else, may go.
	n := subMicroDiffs(t, first, second)
	if n != sum.TruncatedTimes {
		t.Errorf("%d timestamps differ below the microsecond, the restore reported %d", n, sum.TruncatedTimes)
	}
	t.Logf("%d timestamps lost digits below the microsecond in PostgreSQL", n)

	// New rows after a restore get fresh ids on both databases.
	for name, s := range map[string]*store.Store{"postgres": pg, "sqlite": lite2} {
		orgs, _ := s.Organisations(ctx)
		var max int64
		for _, o := range orgs {
			max = max64(max, o.ID)
		}
		o, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "A new body after the restore"})
		if err != nil || o.ID != max+1 {
			t.Errorf("%s: new organisation got id %d (%v), want %d", name, o.ID, err, max+1)
		}
	}

	// The backup reads as documented.
	var doc struct {
		Format        string `json:"format"`
		FormatVersion int    `json:"format_version"`
		Schema        string `json:"schema"`
		Tables        map[string]struct {
			Columns []struct{ Name, Type string }
			Rows    [][]any
		}
	}
	if err := json.Unmarshal(first, &doc); err != nil {
		t.Fatal(err)
	}
	ids := store.MigrationIDs()
	if doc.Format != store.BackupFormat || doc.FormatVersion != 1 || doc.Schema != ids[len(ids)-1] || doc.Tables["sessions"].Rows != nil || doc.Tables["search_documents"].Rows != nil {
		t.Errorf("header %q %d %q", doc.Format, doc.FormatVersion, doc.Schema)
	}
	for _, frag := range []string{`,0.30000000000000004,`, `,1e-300,`, "\"🙂 Ünïcode – e\u0301 \\\\ \\\" <&>\"", `"2014-09-30"`, `"Supplier delayed"`, `,null,`, `,"",`, `"LOG-0042"`, `"Rolling action log"`, `"2013-01-23"`} {
		if !strings.Contains(string(first), frag) {
			t.Errorf("the backup does not hold %s", frag)
		}
	}
}

var rfc3339 = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z`)

// toMicro cuts times in text to the microsecond PostgreSQL keeps.
func toMicro(s string) string {
	return rfc3339.ReplaceAllStringFunc(s, func(m string) string {
		tm, err := time.Parse(time.RFC3339Nano, m)
		if err != nil {
			return m
		}
		return tm.Truncate(time.Microsecond).Format(time.RFC3339Nano)
	})
}

// diffLines reports the lines of got that differ from want, shortened.
func diffLines(t *testing.T, what, got, want string) {
	t.Helper()
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	if len(g) != len(w) {
		t.Errorf("%s: %d lines, want %d", what, len(g), len(w))
		return
	}
	for i := range g {
		if g[i] != w[i] {
			j := 0
			for j < len(g[i]) && j < len(w[i]) && g[i][j] == w[i][j] {
				j++
			}
			from := max(0, j-80)
			t.Errorf("%s, line %d differs at byte %d:\n got …%.200s\nwant …%.200s", what, i+1, j, g[i][from:], w[i][from:])
		}
	}
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func exampleBackup(t *testing.T) []byte {
	t.Helper()
	src := storetest.SQLite(t)
	if _, err := example.Load(context.Background(), src); err != nil {
		t.Fatal(err)
	}
	return exportAll(t, src)
}

// TestImportRefusesNonEmpty: a database that holds anything, even a single
// account, is refused and left as it was.
func TestImportRefusesNonEmpty(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dump := exampleBackup(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		if _, err := s.CreateUser(ctx, tracker.User{Email: "admin@example.org", Role: tracker.RoleAdmin}, "a long enough passphrase"); err != nil {
			t.Fatal(err)
		}
		_, err := s.ImportAll(ctx, bytes.NewReader(dump))
		if !errors.Is(err, store.ErrNotEmpty) || !strings.Contains(err.Error(), "1 users") {
			t.Errorf("into a database with an account: %v", err)
		}
		if n, _ := s.CountUsers(ctx); n != 1 {
			t.Errorf("%d users after the refused restore", n)
		}
	})
}

// TestImportRefusesBadBackups: a backup from a newer schema or format,
// something that is not a backup, an unknown table and a broken value are
// all refused, and nothing is written.
func TestImportRefusesBadBackups(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dump := exampleBackup(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		for name, tc := range map[string]struct {
			in   string
			want error
		}{
			"newer schema":  {strings.Replace(string(dump), `"schema":"`, `"schema":"9999_later`, 1), store.ErrSchemaNewer},
			"newer format":  {strings.Replace(string(dump), `"format_version":1`, `"format_version":2`, 1), store.ErrSchemaNewer},
			"other format":  {strings.Replace(string(dump), store.BackupFormat, "something-else", 1), store.ErrNotBackup},
			"not JSON":      {"id,name\n1,MPS\n", store.ErrNotBackup},
			"unknown table": {strings.Replace(string(dump), `"tables":{`, `"tables":{"mystery":{"columns":[],"rows":[]},`, 1), nil},
			"broken row":    {strings.Replace(string(dump), `"rows":[`+"\n[1,", `"rows":[`+"\n[\"one\",", 1), nil},
		} {
			_, err := s.ImportAll(ctx, strings.NewReader(tc.in))
			if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) {
				t.Errorf("%s: %v, want %v", name, err, tc.want)
			}
			orgs, _ := s.Organisations(ctx)
			if len(orgs) != 0 {
				t.Fatalf("%s: %d organisations were written", name, len(orgs))
			}
		}
		// After all of that the database is still empty and takes the backup.
		if _, err := s.ImportAll(ctx, bytes.NewReader(dump)); err != nil {
			t.Fatal(err)
		}
	})
}

// TestExportRefusesUnknownTable: a table the backup does not know about
// stops the export rather than being silently left out.
func TestExportRefusesUnknownTable(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	if err := s.Exec(context.Background(), "CREATE TABLE mystery (id INTEGER PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	_, err := s.ExportAll(context.Background(), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "mystery") {
		t.Errorf("export with an unknown table: %v", err)
	}
}

// TestExportOlderSchema: a database not yet upgraded can be backed up, and
// the backup restores into the current schema.
func TestExportOlderSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	old := storetest.OpenRaw(t, storetest.SQLiteDSN(t))
	if err := old.MigrateTo(ctx, "0002_outcomes_measures"); err != nil {
		t.Fatal(err)
	}
	if err := old.Exec(ctx, `INSERT INTO organisations (name, short_name, created_at, updated_at) VALUES ('Victim Support', '', '2013-01-01 10:00:00+00:00', '2013-01-01 10:00:00+00:00')`); err != nil {
		t.Fatal(err)
	}
	dump := exportAll(t, old)
	if !strings.Contains(string(dump), `"schema":"0002_outcomes_measures"`) || strings.Contains(string(dump), `"users"`) {
		t.Fatalf("old backup: %.300s", dump)
	}
	s := storetest.SQLite(t)
	if _, err := s.ImportAll(ctx, bytes.NewReader(dump)); err != nil {
		t.Fatal(err)
	}
	orgs, err := s.Organisations(ctx)
	if err != nil || len(orgs) != 1 || orgs[0].Name != "Victim Support" {
		t.Errorf("restored %v %v", orgs, err)
	}
}

// BenchmarkBackup times export and import of the example data and of the
// benchmark-size generated data (1,000 recommendations, 3,000 actions,
// 10,000 updates, as "tracker generate" makes by default):
//
//	go test ./tracker/store/ -run '^$' -bench Backup -benchtime 3x
func BenchmarkBackup(b *testing.B) {
	ctx := context.Background()
	for _, data := range []struct {
		name string
		load func(s *store.Store) error
	}{
		{"example", func(s *store.Store) error { _, err := example.Load(ctx, s); return err }},
		{"generated", func(s *store.Store) error {
			_, err := example.Generate(ctx, s, example.Size{Recommendations: 1000, Actions: 3000, Updates: 10000})
			return err
		}},
	} {
		src := storetest.SQLite(b)
		if err := data.load(src); err != nil {
			b.Fatal(err)
		}
		dump := exportAll(b, src)
		b.Logf("%s: backup of %d bytes", data.name, len(dump))
		for _, backend := range storetest.Backends() {
			b.Run(data.name+"/import/"+backend.Name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					s := storetest.OpenMigrated(b, backend.Open(b))
					b.StartTimer()
					if _, err := s.ImportAll(ctx, bytes.NewReader(dump)); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(int64(len(dump)))
			})
			b.Run(data.name+"/export/"+backend.Name, func(b *testing.B) {
				s := storetest.OpenMigrated(b, backend.Open(b))
				if _, err := s.ImportAll(ctx, bytes.NewReader(dump)); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := s.ExportAll(ctx, io.Discard); err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(int64(len(dump)))
			})
		}
	}
}

// TestRestoreRemovesNULForPostgres: SQLite keeps a NUL in text and
// PostgreSQL cannot; a restore into PostgreSQL removes it and says how many.
func TestRestoreRemovesNULForPostgres(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	lite := storetest.SQLite(t)
	if _, err := example.Load(ctx, lite); err != nil {
		t.Fatal(err)
	}
	dump := bytes.Replace(exportAll(t, lite), []byte(`"Victim Support"`), []byte(`"Victim\u0000 Sup\u0000port"`), 1)
	if !bytes.Contains(dump, []byte(`\u0000`)) {
		t.Fatal("the example has no organisation called Victim Support")
	}
	again := storetest.SQLite(t)
	if sum, err := again.ImportAll(ctx, bytes.NewReader(dump)); err != nil || sum.StrippedNULs != 0 {
		t.Fatalf("SQLite restore: %+v %v", sum.StrippedNULs, err)
	}
	pg := storetest.OpenMigrated(t, storetest.PostgresDSN(t))
	sum, err := pg.ImportAll(ctx, bytes.NewReader(dump))
	if err != nil {
		t.Fatal(err)
	}
	if sum.StrippedNULs != 2 {
		t.Errorf("StrippedNULs = %d, want 2", sum.StrippedNULs)
	}
	if _, err := pg.FindOrganisationByName(ctx, "Victim Support"); err != nil {
		t.Errorf("the organisation is not there without its NULs: %v", err)
	}
}

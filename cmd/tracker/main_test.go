package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// TestMain gives every command the tests' clock, the one the stores that
// storetest opens stamp their trail with.
func TestMain(m *testing.M) {
	if os.Getenv(runMainVariable) == "1" {
		// Run as the tracker itself, so a test can see its exit status.
		main()
		os.Exit(0)
	}
	clock = storetest.Clock
	os.Exit(storetest.Main(m))
}

// runMainVariable makes the test binary run main() with its arguments.
const runMainVariable = "TRACKER_TEST_RUN_MAIN"

// runTracker runs the tracker as a separate process with args and returns
// its exit status, standard output and standard error.
func runTracker(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), runMainVariable+"=1", "DATABASE_URL=", "TRACKER_DB=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("run the tracker: %v", err)
	}
	return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// TestHelpListsCommands: "tracker --help" and "-h" list the sub-commands,
// as "tracker help" does, and exit 0.
func TestHelpListsCommands(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--help", "-h", "help"} {
		code, out, errOut := runTracker(t, arg)
		if code != 0 {
			t.Errorf("tracker %s exited %d: %s", arg, code, errOut)
		}
		for _, want := range []string{"tracker demo", "tracker seed --example", "tracker report reference|source|outstanding|actions", "tracker export --all", "tracker import"} {
			if !strings.Contains(out, want) {
				t.Errorf("tracker %s does not list %q:\n%s", arg, want, out)
			}
		}
		if strings.Contains(out+errOut, "Usage of tracker serve") {
			t.Errorf("tracker %s printed serve's flags instead of the commands", arg)
		}
	}
}

// TestMissingDatabase: a report or an export pointed at a SQLite file that
// is not there says so, exits 1 and leaves no empty database behind.
func TestMissingDatabase(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "mistyped.db")
	for _, args := range [][]string{
		{"report", "outstanding", "--db", db, "-o", filepath.Join(dir, "board.pdf")},
		{"report", "actions", "--db", db, "-o", filepath.Join(dir, "log.pdf")},
		{"report", "source", "--source", "Duty of Care", "--db", db, "-o", filepath.Join(dir, "status.pdf")},
		{"report", "reference", "--ref", "13", "--db", db, "-o", filepath.Join(dir, "reply.pdf")},
		{"export", "--all", filepath.Join(dir, "backup.json"), "--db", db},
	} {
		code, out, errOut := runTracker(t, args...)
		if code != 1 {
			t.Errorf("%v exited %d, want 1 (stdout %q)", args, code, out)
		}
		if want := "there is no SQLite database at " + db + ", and none was created"; !strings.Contains(errOut, want) {
			t.Errorf("%v said %q, want %q", args, errOut, want)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			t.Errorf("%v left %s behind", args, e.Name())
		}
	}
}

// TestReportOnEmptySelection: on a tracker holding nothing, the reports
// that pick a source or reference say there is none to pick and how to
// load the example; the outstanding report and the action log are written
// and say they hold no items.
func TestReportOnEmptySelection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "empty.db")
	if err := run(ctx, []string{"migrate", "--db", db}, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "source", "--db", db, "--source", "Duty of Care", "-o", filepath.Join(dir, "status.pdf")}, `no source title contains "Duty of Care": the tracker holds no sources`},
		{[]string{"report", "reference", "--db", db, "--ref", "13", "-o", filepath.Join(dir, "reply.pdf")}, `no reference numbered "13": the tracker holds no references`},
	} {
		err := run(ctx, tc.args, io.Discard, quiet)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "tracker seed --example --db") {
			t.Errorf("%v: %v, want %q and how to load the example", tc.args, err, tc.want)
		}
		if _, err := os.Stat(tc.args[len(tc.args)-1]); err == nil {
			t.Errorf("%v wrote a PDF", tc.args)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "outstanding", "--db", db, "-o", filepath.Join(dir, "board.pdf")}, "The report holds no items: nothing was outstanding as at"},
		{[]string{"report", "actions", "--db", db, "-o", filepath.Join(dir, "log.pdf")}, "The report holds no items: the tracker had no actions as at"},
	} {
		var out bytes.Buffer
		if err := run(ctx, tc.args, &out, quiet); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v said %q, want %q", tc.args, out.String(), tc.want)
		}
	}
	// With the example loaded the same reports list items and say nothing
	// of the sort.
	if err := run(ctx, []string{"seed", "--example", "--db", db}, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(ctx, []string{"report", "outstanding", "--db", db, "-o", filepath.Join(dir, "board.pdf")}, &out, quiet); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "no items") {
		t.Errorf("the example's outstanding report said %q", out.String())
	}
}

func TestSeedTwice(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			var out bytes.Buffer
			if err := run(context.Background(), []string{"seed", "--example", "--db", db}, &out, quiet); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "Loaded 3 source(s)") || !strings.Contains(out.String(), "13 recommendations") {
				t.Errorf("first seed said %q", out.String())
			}
			out.Reset()
			if err := run(context.Background(), []string{"seed", "--example", "--db", db}, &out, quiet); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "already loaded; nothing was added") {
				t.Errorf("second seed said %q", out.String())
			}
		})
	}
}

func TestConfigProblems(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--addr", "nonsense"}, `--addr "nonsense" is not host:port`},
		{[]string{"serve", "--addr", "127.0.0.1:99999"}, "must be a number from 0 to 65535"},
		{[]string{"serve", "--db", " "}, "--db is empty"},
		{[]string{"serve", "--db", "/no/such/folder/tracker.db", "--addr", "127.0.0.1:0"}, `the folder "/no/such/folder" for the SQLite database does not exist`},
		{[]string{"seed"}, "tracker seed --example"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args, io.Discard, quiet)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want it to mention %q", tt.args, err, tt.want)
		}
	}
}

// TestServeRefusesNewerSchema: a database from a later version is refused
// at start-up with advice, and an outdated one with --migrate=false too.
func TestServeRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "t.db")
	s := storetest.OpenMigrated(t, db)
	if err := s.Exec(context.Background(), "INSERT INTO schema_migrations (id) VALUES ('9999_later')"); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	err := run(context.Background(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, io.Discard, quiet)
	if err == nil || !strings.Contains(err.Error(), "newer version of the tracker") {
		t.Errorf("serve on a newer schema: %v", err)
	}

	old := filepath.Join(t.TempDir(), "old.db")
	s = storetest.OpenRaw(t, old)
	if err := s.MigrateTo(context.Background(), store.MigrationIDs()[0]); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	err = run(context.Background(), []string{"serve", "--db", old, "--addr", "127.0.0.1:0", "--migrate=false"}, io.Discard, quiet)
	if err == nil || !strings.Contains(err.Error(), "tracker migrate") {
		t.Errorf("serve --migrate=false on an old schema: %v", err)
	}
}

// TestServeAndShutDown starts the server, checks /healthz and stops it the
// way SIGINT does, by cancelling its context.
func TestServeAndShutDown(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out syncBuffer
	db := filepath.Join(t.TempDir(), "demo.db")
	go func() {
		done <- run(ctx, []string{"demo", "--addr", addr, "--db", db}, &out, quiet)
	}()
	// Once it says it is running it listens; loading the example first can
	// take a while on a busy machine.
	for deadline := time.Now().Add(2 * time.Minute); !strings.Contains(out.String(), "Tracker running at") && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	res, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("server never answered: %v\n%s", err, out.String())
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("healthz = %d", res.StatusCode)
	}
	if !strings.Contains(out.String(), "Tracker running at http://"+addr+"/") || !strings.Contains(out.String(), "Login:") {
		t.Errorf("demo printed %q", out.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
	// A demo given --db says so and keeps its data.
	if want := "Database: " + db + " (kept after the demo stops"; !strings.Contains(out.String(), want) {
		t.Errorf("demo printed %q, want %q", out.String(), want)
	}
	s := storetest.OpenMigrated(t, db)
	if n, err := s.CountUsers(context.Background()); err != nil || n != 2 {
		t.Errorf("after the demo stopped its database holds %d accounts (%v), want the 2 it made", n, err)
	}
}

// TestDemoSaysItsDataIsThrownAway: without --db the demo prints where its
// temporary database is, that it is deleted on exit and how to keep the
// data, and the port and how to change it; on exit the file is gone.
func TestDemoSaysItsDataIsThrownAway(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	t.Setenv("TRACKER_DB", "")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	var out syncBuffer
	go func() { done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0"}, &out, quiet) }()
	where := regexp.MustCompile(`Tracker running at http://127\.0\.0\.1:(\d+)/[\s\S]*Database: (\S+)\n\s+a temporary SQLite file, DELETED when the demo stops[\s\S]*To keep your data, give a file: tracker demo --db demo\.db\nPort:     (\d+) \(--addr HOST:PORT chooses another address`)
	var m []string
	for deadline := time.Now().Add(2 * time.Minute); m == nil && time.Now().Before(deadline); {
		m = where.FindStringSubmatch(out.String())
		time.Sleep(50 * time.Millisecond)
	}
	if m == nil {
		cancel()
		<-done
		t.Fatalf("the demo did not say where its data is and which port it uses:\n%s", out.String())
	}
	if m[1] != m[3] {
		t.Errorf("the demo listens on port %s but says %s", m[1], m[3])
	}
	if _, err := os.Stat(m[2]); err != nil {
		t.Errorf("the database the demo names is not there: %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m[2]); !os.IsNotExist(err) {
		t.Errorf("the temporary database is still there after the demo stopped: %v", err)
	}
	if !strings.Contains(out.String(), `The demo's temporary database was deleted; run "tracker demo --db demo.db" to keep what you enter.`) {
		t.Errorf("on exit the demo said %q", out.String())
	}
}

func TestUserAddAndToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "t.db")
	if err := run(ctx, []string{"seed", "--example", "--db", db}, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	// A password piped in is used as it is.
	pw := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pw, []byte("a piped-in password – “Ⅱ”\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(pw)
	defer f.Close()
	var out bytes.Buffer
	if err := userCmd(ctx, []string{"add", "--db", db, "--email", "Chair@Example.org", "--role", "editor", "--org", "CoLP", "--name", "D/Supt Crime"}, f, &out); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "Password") {
		t.Errorf("a piped-in password was printed: %q", out.String())
	}
	// Without one, a password is generated and printed once.
	out.Reset()
	if err := userCmd(ctx, []string{"add", "--db", db, "--email", "admin@example.org", "--role", "admin"}, nil, &out); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Password \(shown once\): (\S{20})`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no generated password in %q", out.String())
	}
	s := storetest.OpenMigrated(t, db)
	if u, err := s.Authenticate(ctx, "chair@example.org", "a piped-in password – “Ⅱ”"); err != nil || u.Role != "editor" || len(u.Organisations) != 1 {
		t.Errorf("piped password account: %+v %v", u, err)
	}
	if _, err := s.Authenticate(ctx, "admin@example.org", m[1]); err != nil {
		t.Errorf("generated password does not work: %v", err)
	}
	// Mistakes are explained.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "--db", db, "--email", "x@example.org", "--role", "editor", "--org", "Nowhere Constabulary"}, `no organisation called "Nowhere Constabulary"; the tracker has`},
		{[]string{"add", "--db", db, "--email", "x@example.org", "--role", "editor", "--org", "Police"}, "is ambiguous"},
		{[]string{"add", "--db", db, "--email", "not an email", "--role", "viewer"}, "Enter an email address in the correct format"},
		{[]string{"add", "--db", db, "--email", "y@example.org", "--role", "chief"}, "Choose a role"},
		{[]string{"add", "--db", db, "--email", "admin@example.org", "--role", "viewer"}, "There is already an account for admin@example.org"},
	} {
		err := userCmd(ctx, tc.args, nil, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
	out.Reset()
	if err := run(ctx, []string{"token", "create", "--db", db, "--user", "chair@example.org"}, &out, quiet); err != nil {
		t.Fatal(err)
	}
	if u, err := s.TokenUser(ctx, strings.TrimSpace(out.String())); err != nil || u.Email != "chair@example.org" {
		t.Errorf("printed token does not work: %v", err)
	}
	if err := run(ctx, []string{"token", "create", "--db", db, "--user", "ghost@example.org"}, io.Discard, quiet); err == nil || !strings.Contains(err.Error(), "no account") {
		t.Errorf("token for a missing account: %v", err)
	}
}

func TestReportCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	if err := run(ctx, []string{"seed", "--example", "--db", db}, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "reference", "--db", db, "--ref", "13", "-o", filepath.Join(dir, "ref.pdf")}, "ref.pdf: 2 pages"},
		{[]string{"report", "source", "--db", db, "--source", "duty of care", "--as-at", storetest.ISO(0), "-o", filepath.Join(dir, "src.pdf")}, "src.pdf:"},
		{[]string{"report", "outstanding", "--db", db, "-o", filepath.Join(dir, "out.pdf")}, "out.pdf:"},
		{[]string{"report", "actions", "--db", db, "--source", "Oversight", "--mark-since", storetest.ISO(-30), "-o", filepath.Join(dir, "log.pdf")}, "log.pdf:"},
		// --since is the older name of --mark-since, kept for scripts.
		{[]string{"report", "actions", "--db", db, "--source", "Oversight", "--since", storetest.ISO(-30), "-o", filepath.Join(dir, "log2.pdf")}, "log2.pdf:"},
	} {
		var out bytes.Buffer
		if err := run(ctx, tc.args, &out, quiet); err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if !strings.Contains(out.String(), tc.want) {
			t.Errorf("%v said %q", tc.args, out.String())
		}
		f := tc.args[len(tc.args)-1]
		if b, err := os.ReadFile(f); err != nil || !bytes.HasPrefix(b, []byte("%PDF-")) {
			t.Errorf("%s is not a PDF: %v", f, err)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"report", "source", "--db", db, "--source", "o", "-o", "x.pdf"}, `matches 3 sources: "Duty of Care`},
		{[]string{"report", "source", "--db", db, "--source", "nothing like it", "-o", "x.pdf"}, "no source title contains"},
		{[]string{"report", "reference", "--db", db, "--ref", "99", "-o", "x.pdf"}, `no reference numbered "99"; the references are "13 – Victim Satisfaction Action Plan"`},
		{[]string{"report", "outstanding", "--db", db}, "-o FILE.pdf"},
		{[]string{"report", "minutes", "--db", db, "-o", "x.pdf"}, `unknown report "minutes"`},
		{[]string{"report", "outstanding", "--db", db, "--as-at", "31/02/2026", "-o", "x.pdf"}, "--as-at: “31/02/2026” is not a date: February 2026 has 28 days"},
	} {
		err := run(ctx, tc.args, io.Discard, quiet)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestGenerateCommand(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "g.db")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"generate", "--db", db, "--recommendations", "20", "--actions", "40", "--updates", "100"}, &out, quiet); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "20 recommendations, 40 actions, 100 updates") {
		t.Errorf("generate said %q", out.String())
	}
	s := storetest.OpenMigrated(t, db)
	c, err := s.Counts(context.Background(), storetest.Now())
	if err != nil || c.Recommendations != 20 {
		t.Errorf("counts after generate: %+v %v", c, err)
	}
}

// Command tracker runs the recommendations and action-log tracker.
//
//	tracker [serve]          serve the web app
//	tracker demo             serve a tracker loaded with the example data
//	tracker seed --example   load the example data and exit
//	tracker migrate          bring the database schema up to date and exit
//	tracker export --all F   write a backup of the whole tracker to F
//	tracker import --all F   restore a backup into a new, empty database
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/civic-tracker/tracker/tracker/jobs"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web"
)

const usage = `tracker: the recommendations and action-log tracker

Usage:
  tracker [serve] [--db DB] [--addr HOST:PORT] [--migrate=true|false]
  tracker demo    [--db DB] [--addr HOST:PORT]
  tracker seed --example [--db DB]
  tracker migrate [--db DB]
  tracker user add --email EMAIL --role admin|secretary|editor|viewer [--name NAME] [--org NAME]...
  tracker user reset-password --email EMAIL   new password piped in, or made up and printed once;
                                          ends the person's sessions and revokes their API tokens
  tracker token create --user EMAIL [--name NAME]
  tracker report reference|source|outstanding|actions [--ref NUMBER] [--source TEXT]
                 [--as-at YYYY-MM-DD] [--since YYYY-MM-DD] [--as-recorded] -o FILE.pdf
  tracker report schedule --meeting ID -o FILE.pdf   a meeting's schedule of outstanding references
  tracker meeting list [--body NAME]
  tracker meeting add --body NAME --date DATE --papers DATE [--notes TEXT]
  tracker meeting set --meeting ID [--date DATE] [--papers DATE] [--status planned|papers_issued|held] [--notes TEXT]
  tracker meeting request-updates --meeting ID [--dry-run]
                                          ask each owner of an open action on the schedule for updates, one line per email
  tracker meeting remind --meeting ID [--dry-run]
                                          remind those asked who have not updated since, one line per email
  tracker reminders send [--dry-run] [--db DB]
                                          send the digests due now, one line per email
  tracker generate [--db DB] [--recommendations N] [--actions N] [--updates N]
  tracker export --all FILE [--db DB]     back up the whole tracker (FILE.gz is compressed)
  tracker import --all FILE [--db DB]     restore a backup into a new, empty database
  tracker import [--kind recommendations|actions] [--mapping NAME|FILE.json|COLUMN=FIELD,...]
                 [--map COLUMN=FIELD]... [--dry-run] [--skip-bad-rows] [--source TITLE]
                 [--issued-by BODY] [--org NAME] [--sheet NAME] [--save-mapping NAME] [--db DB] FILE
                                          import a CSV or XLSX list of recommendations or action log

DB is a postgres:// URL or a SQLite file path (default tracker.db; env DATABASE_URL).
"tracker demo" without --db uses a new temporary SQLite file.
Run "tracker COMMAND -h" for a command's flags.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(ctx, os.Args[1:], os.Stdout, log); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "tracker:", err)
		os.Exit(1)
	}
}

// clock is every command's "now". It is chosen here, at the root where
// everything is wired, and handed to the store and the pages; the tests set
// their own.
var clock tracker.Clock = tracker.SystemClock

// run dispatches a sub-command; it returns when the command is done or ctx
// is cancelled (SIGINT, SIGTERM).
func run(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	cmd := "serve"
	if len(args) > 0 && isHelp(args[0]) {
		// "tracker --help" asks about the tracker, not about serve's flags.
		fmt.Fprint(out, usage)
		return nil
	}
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serveCmd(ctx, args, out, log)
	case "demo":
		return demoCmd(ctx, args, out, log)
	case "seed":
		return seedCmd(ctx, args, out)
	case "migrate":
		return migrateCmd(ctx, args, out)
	case "user":
		return userCmd(ctx, args, os.Stdin, out)
	case "token":
		return tokenCmd(ctx, args, out)
	case "report":
		return reportCmd(ctx, args, out)
	case "meeting":
		return meetingCmd(ctx, args, out)
	case "generate":
		return generateCmd(ctx, args, out)
	case "export":
		return exportCmd(ctx, args, out)
	case "import":
		return importCmd(ctx, args, out)
	case "reminders":
		return remindersCmd(ctx, args, out)
	default:
		return fmt.Errorf("unknown command %q\n\n%s", cmd, usage)
	}
}

// isHelp reports whether arg asks for the list of sub-commands.
func isHelp(arg string) bool {
	switch arg {
	case "help", "-h", "-help", "--help":
		return true
	}
	return false
}

func newFlags(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("tracker "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// openMigrated checks the configuration of a command that needs no address,
// then opens its database with the schema brought up to date.
func (c config) openMigrated(ctx context.Context) (*store.Store, error) {
	if err := c.validate(false); err != nil {
		return nil, err
	}
	return openStore(ctx, c.DB, true)
}

// openStore opens the database and, when migrate is set, brings its schema
// up to date; otherwise an outdated or newer schema is refused.
func openStore(ctx context.Context, dsn string, migrate bool) (*store.Store, error) {
	s, err := store.Open(ctx, dsn, store.WithClock(clock), store.WithPublicURL(os.Getenv("TRACKER_PUBLIC_URL")))
	if err != nil {
		return nil, err
	}
	if migrate {
		err = s.Migrate(ctx)
		if err == nil {
			// The job queue's own tables (River) follow the tracker's.
			err = jobs.Migrate(ctx, s, dsn)
		}
	} else {
		err = s.CheckCurrent(ctx)
	}
	if err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

func serveCmd(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var c config
	fs := newFlags("serve", out)
	if err := serveFlags(fs, &c); err != nil {
		return err
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := c.validate(true); err != nil {
		return err
	}
	s, err := openStore(ctx, c.DB, c.Migrate)
	if err != nil {
		return err
	}
	defer s.Close()
	return serve(ctx, s, c, out, log, nil)
}

func demoCmd(ctx context.Context, args []string, out io.Writer, log *slog.Logger) error {
	var c config
	fs := newFlags("demo", out)
	if err := serveFlags(fs, &c); err != nil {
		return err
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	dbGiven := false
	fs.Visit(func(f *flag.Flag) { dbGiven = dbGiven || f.Name == "db" })
	temporary := !dbGiven && os.Getenv("DATABASE_URL") == "" && os.Getenv("TRACKER_DB") == ""
	if temporary {
		dir, err := os.MkdirTemp("", "tracker-demo-")
		if err != nil {
			return fmt.Errorf("make a folder for the demo database: %w", err)
		}
		defer os.RemoveAll(dir)
		c.DB = filepath.Join(dir, "tracker.db")
	}
	if err := c.validate(true); err != nil {
		return err
	}
	s, err := openStore(ctx, c.DB, true)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := example.Load(ctx, s)
	if err != nil {
		return fmt.Errorf("load the example data: %w", err)
	}
	fmt.Fprintln(out, rep.String())
	login, err := demoAccounts(ctx, s)
	if err != nil {
		return fmt.Errorf("create the demo accounts: %w", err)
	}
	where := func(addr net.Addr) string { return login + "\n" + demoWhere(c, addr, s.Dialect(), temporary) }
	if err := serve(ctx, s, c, out, log, where); err != nil {
		return err
	}
	if temporary {
		fmt.Fprintln(out, "The demo's temporary database was deleted; run \"tracker demo --db demo.db\" to keep what you enter.")
	}
	return nil
}

// demoWhere says where the demo keeps its data and listens, whether the data
// outlives it, and the flags that change both.
func demoWhere(c config, addr net.Addr, dialect string, temporary bool) string {
	where := "Database: " + c.DB
	switch {
	case temporary:
		where += "\n          a temporary SQLite file, DELETED when the demo stops (Ctrl+C) with everything entered in it." +
			"\n          To keep your data, give a file: tracker demo --db demo.db"
	case dialect == store.Postgres:
		where = "Database: PostgreSQL (from --db or DATABASE_URL); the data is kept after the demo stops."
	default:
		where += " (kept after the demo stops; --db FILE chooses another)"
	}
	port := addr.String()
	if _, p, err := net.SplitHostPort(port); err == nil {
		port = p
	}
	return where + "\nPort:     " + port + " (--addr HOST:PORT chooses another address, e.g. --addr 127.0.0.1:8081)"
}

func seedCmd(ctx context.Context, args []string, out io.Writer) error {
	var c config
	var withExample bool
	fs := newFlags("seed", out)
	dbFlag(fs, &c)
	fs.BoolVar(&withExample, "example", false, "load the example content of the seed documents")
	if err := parse(fs, args); err != nil {
		return err
	}
	if !withExample {
		return errors.New("say what to load: tracker seed --example")
	}
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	rep, err := example.Load(ctx, s)
	if err != nil {
		return fmt.Errorf("load the example data: %w", err)
	}
	fmt.Fprintln(out, rep.String())
	return nil
}

func migrateCmd(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := newFlags("migrate", out)
	dbFlag(fs, &c)
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.Schema(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Schema up to date at %s (%d steps).\n", st.Current(), len(st.Applied))
	return nil
}

// serve listens on addr, prints the URL (and what extra says, given the
// address listened on) and serves until ctx is cancelled, then lets
// requests in flight finish.
func serve(ctx context.Context, s *store.Store, c config, out io.Writer, log *slog.Logger, extra func(net.Addr) string) error {
	addr := c.Addr
	srv, err := web.New(web.Options{Store: s, Logger: log, Now: clock, SecureCookies: c.SecureCookies, TrustProxy: c.TrustProxy})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is another tracker running? choose another port with --addr): %w", addr, err)
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	q, err := startQueue(ctx, s, c.DB, 0)
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopQueue(q)
	fmt.Fprintf(out, "Tracker running at http://%s/ (%s database). Press Ctrl+C to stop.\n", ln.Addr(), s.Dialect())
	if extra != nil {
		fmt.Fprintln(out, extra(ln.Addr()))
	}
	errc := make(chan error, 1)
	go func() { errc <- httpSrv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

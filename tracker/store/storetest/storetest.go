// Package storetest opens a fresh, migrated database for each test: a
// temporary SQLite file always, and a new PostgreSQL database when a server
// is reachable. PostgreSQL tests skip with a message when it is not, unless
// CI=true, where they are required.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver for database/sql
	"golang.org/x/crypto/bcrypt"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

// Password hashes in tests are made at bcrypt's lowest cost: the cost is
// not what any test tests, and at the default each hash takes a tenth of a
// second of processor time.
func init() { store.BcryptCost = bcrypt.MinCost }

// DaysAheadVariable names the environment variable that moves the test
// clock that many days past today (CI runs the suite a second time about
// 400 days ahead), so a test that passes only this month fails now.
const DaysAheadVariable = "TRACKER_TEST_DAYS_AHEAD"

// Clock is the tests' clock: it starts at 10:00 UTC on the day the test
// binary started, moved by TRACKER_TEST_DAYS_AHEAD days, and moves on one
// microsecond each time it is read, so changes keep their order but a test
// never straddles midnight. Stores opened here use it; a test that needs
// "today" asks it, never writes a date.
var Clock = ticking(testNow())

func ticking(start time.Time) tracker.Clock {
	var n atomic.Int64
	return func() time.Time { return start.Add(time.Duration(n.Add(1)) * time.Microsecond) }
}

// Now is the test clock's time.
func Now() time.Time { return Clock.Now() }

// Today is the test clock's day.
func Today() time.Time { return Clock.Today() }

// Day is the test clock's day moved by n days (negative: earlier).
func Day(n int) time.Time { return Today().AddDate(0, 0, n) }

// ISO is the test clock's day moved by n days, as YYYY-MM-DD.
func ISO(n int) string { return Day(n).Format("2006-01-02") }

func testNow() time.Time {
	t := tracker.Day(time.Now()).Add(10 * time.Hour)
	if v := os.Getenv(DaysAheadVariable); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			panic(DaysAheadVariable + " must be a whole number of days, not " + strconv.Quote(v))
		}
		t = t.AddDate(0, 0, n)
	}
	return t
}

// DefaultPostgresURL is the server tests use when TRACKER_TEST_POSTGRES is
// not set: a local server with trust authentication.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Backend names a database a test runs against.
type Backend struct {
	Name string
	// Open returns the data source name of a fresh, empty database that is
	// removed when the test ends.
	Open func(t testing.TB) string
	// Migrated returns the data source name of a fresh database with every
	// migration applied, removed when the test ends. It is a copy of one
	// database migrated once per test binary, which is much cheaper than
	// migrating each test's own.
	Migrated func(t testing.TB) string
}

// Backends lists SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{
		{Name: store.SQLite, Open: SQLiteDSN, Migrated: SQLiteMigratedDSN},
		{Name: store.Postgres, Open: PostgresDSN, Migrated: PostgresMigratedDSN},
	}
}

// Each runs fn once per backend as a subtest, with a fresh migrated store,
// and returns when both have finished. The two subtests run at the same
// time (PostgreSQL mostly waits on its server while SQLite works), so fn
// must not change anything it shares with the other backend's run: give
// each its own data, or guard what is shared.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	var wg sync.WaitGroup
	for _, b := range Backends() {
		wg.Add(1)
		// t.Run may be called from several goroutines at once; each call
		// returns when its subtest is done.
		go func() {
			defer wg.Done()
			t.Run(b.Name, func(t *testing.T) {
				fn(t, OpenMigrated(t, b.Migrated(t)))
			})
		}()
	}
	wg.Wait()
}

// EachInTurn runs fn once per backend as a subtest, as Each does, but one
// after the other: for tests that drive one browser tab, which two runs
// at once would fight over (and a tab in the background is not drawn, so
// waiting for what it shows can wait for ever).
func EachInTurn(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, OpenMigrated(t, b.Migrated(t)))
		})
	}
}

// OpenMigrated opens dsn, runs every migration and closes the store when
// the test ends. A SQLite path with no file yet starts as a copy of the
// test binary's migrated template, so there is nothing left to migrate.
func OpenMigrated(t testing.TB, dsn string) *store.Store {
	t.Helper()
	if !store.IsPostgresURL(dsn) {
		if _, err := os.Stat(dsn); os.IsNotExist(err) {
			copySQLiteTemplate(t, dsn)
		}
	}
	s := OpenRaw(t, dsn)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// OpenRaw opens dsn without migrating and closes the store when the test ends.
func OpenRaw(t testing.TB, dsn string) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), dsn, store.WithClock(Clock))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// SQLite returns a fresh migrated SQLite store.
func SQLite(t testing.TB) *store.Store { return OpenMigrated(t, SQLiteMigratedDSN(t)) }

// SQLiteDSN returns the path of a new SQLite file in the test's temp folder.
func SQLiteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "tracker.db")
}

// SQLiteMigratedDSN returns the path of a new SQLite file in the test's
// temp folder holding a migrated, empty tracker.
func SQLiteMigratedDSN(t testing.TB) string {
	t.Helper()
	dsn := SQLiteDSN(t)
	copySQLiteTemplate(t, dsn)
	return dsn
}

// The SQLite template: a database migrated once per test binary, kept in
// memory and written out for each test that wants a migrated one.
var sqliteTemplate struct {
	once  sync.Once
	bytes []byte
	err   error
}

func copySQLiteTemplate(t testing.TB, path string) {
	t.Helper()
	tpl := &sqliteTemplate
	tpl.once.Do(func() { tpl.bytes, tpl.err = migratedSQLite() })
	if tpl.err != nil {
		t.Fatalf("migrate the template database: %v", tpl.err)
	}
	if err := os.WriteFile(path, tpl.bytes, 0o600); err != nil {
		t.Fatalf("copy the template database: %v", err)
	}
}

// migratedSQLite migrates a new SQLite file, folds its write-ahead log
// into it, and returns its bytes.
func migratedSQLite() ([]byte, error) {
	dir, err := os.MkdirTemp("", "tracker-template-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	ctx := context.Background()
	s, err := store.Open(ctx, path, store.WithClock(Clock))
	if err != nil {
		return nil, err
	}
	err = s.Migrate(ctx)
	if err == nil {
		err = s.Exec(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// PostgresDSN creates a new, empty database on the test server and
// returns its URL; the database is dropped after the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	name := newDatabase(t)
	dropAfter(t, name)
	return databaseURL(t, name)
}

// newDatabase creates a new, empty database on the test server, named for
// this binary's session, and returns its name.
func newDatabase(t testing.TB) string {
	t.Helper()
	db := adminDB(t)
	name := pgSession.newName()
	if _, err := db.Exec("CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0"); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	return name
}

// PostgresSharedDSN creates a new, empty database on the test server for
// data that outlives the test or benchmark that made it (benchmarks keep
// theirs for the next) and returns its URL; Finish drops it when the
// binary's tests are done, and a later binary drops it if this one dies
// first. Unlike a test's, its commits wait for the disk, as a server's do:
// benchmarks of writes measure what a deployment pays.
func PostgresSharedDSN(t testing.TB) string {
	t.Helper()
	name := newDatabase(t)
	shared.mu.Lock()
	shared.names = append(shared.names, name)
	shared.mu.Unlock()
	return serverURL(t, name).String()
}

// shared are the databases PostgresSharedDSN made, for Finish to drop.
var shared struct {
	mu    sync.Mutex
	names []string
}

// PostgresMigratedDSN returns the URL of a new database on the test server
// holding a migrated, empty tracker, copied from a template database
// migrated once per test binary; it is dropped after the test ends.
//
// Copying the template takes about a second of the server's time, and
// dropping a database as long again (PostgreSQL waits for a checkpoint),
// so neither is done while a test waits: the copies are made a few ahead
// in the background, and dropped in the background after their test.
func PostgresMigratedDSN(t testing.TB) string {
	t.Helper()
	tpl := postgresTemplate(t)
	r := pgPool.take(tpl)
	if r.err != nil {
		t.Fatalf("create test database: %v", r.err)
	}
	dropAfter(t, r.name)
	return databaseURL(t, r.name)
}

// postgresTemplate returns the name of the test binary's template
// database, making it on first use.
func postgresTemplate(t testing.TB) string {
	t.Helper()
	db := adminDB(t) // skips the test when there is no server
	pgTemplate.mu.Lock()
	defer pgTemplate.mu.Unlock()
	if pgTemplate.name == "" {
		if err := makePostgresTemplate(t, db); err != nil {
			t.Fatalf("make the PostgreSQL template database: %v", err)
		}
	}
	return pgTemplate.name
}

func adminURL() string {
	if admin := os.Getenv("TRACKER_TEST_POSTGRES"); admin != "" {
		return admin
	}
	return DefaultPostgresURL
}

// The test binary's one connection pool to the test server's maintenance
// database, opened on first use, and the error that stopped it.
var pgAdmin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// adminDB returns the connection pool to the test server, or skips the
// test (fails it when CI=true) when there is none.
func adminDB(t testing.TB) *sql.DB {
	t.Helper()
	pgAdmin.once.Do(func() {
		db, err := sql.Open("pgx", adminURL())
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			err = db.PingContext(ctx)
			cancel()
		}
		if err != nil {
			if db != nil {
				_ = db.Close()
			}
			pgAdmin.err = err
			return
		}
		pgAdmin.db = db
		pgSession.start(db)
	})
	if pgAdmin.err != nil {
		admin := adminURL()
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required when CI=true but %s is unreachable: %v", redact(admin), pgAdmin.err)
		}
		t.Skipf("PostgreSQL not reachable at %s (set TRACKER_TEST_POSTGRES to a server URL to run this test): %v", redact(admin), pgAdmin.err)
	}
	if pgSession.err != nil {
		t.Fatalf("hold the test binary's lock on the PostgreSQL server: %v", pgSession.err)
	}
	return pgAdmin.db
}

// serverURL is the URL of the test server's database name.
func serverURL(t testing.TB, name string) *url.URL {
	t.Helper()
	u, err := url.Parse(adminURL())
	if err != nil {
		t.Fatalf("parse %s: %v", redact(adminURL()), err)
	}
	u.Path = "/" + name
	return u
}

func databaseURL(t testing.TB, name string) string {
	t.Helper()
	u := serverURL(t, name)
	// A test's commits need not wait for the disk: nothing a test reads
	// depends on it, and each write transaction would otherwise wait for
	// a flush of the server's log.
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	return u.String()
}

func randomName(prefix string) string {
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	return prefix + hex.EncodeToString(buf)
}

// The databases of one test binary are named after its session id: the
// template tracker_template_ID and the tests' tracker_test_ID_N. Nothing
// can drop them when a binary is killed, or ends while a drop is still
// under way, so the binary holds an advisory lock named after its template
// on a connection of its own for as long as it runs, and each binary drops
// the databases of sessions whose lock nobody holds when it starts.
type session struct {
	id   string
	hold *sql.Conn
	err  error
	n    atomic.Int64
}

var pgSession session

const (
	pgTemplatePrefix = "tracker_template_"
	pgTestPrefix     = "tracker_test_"
)

// lockKey is the advisory lock a session with this id holds.
func lockKey(id string) string { return pgTemplatePrefix + id }

// start takes the session's lock, then drops what ended sessions left.
func (ss *session) start(db *sql.DB) {
	ctx := context.Background()
	ss.id = randomName("")
	ss.hold, ss.err = db.Conn(ctx)
	if ss.err != nil {
		return
	}
	// Taken before any database of the session exists, so no other
	// binary can take them for orphans while they are being made.
	if _, ss.err = ss.hold.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext($1))", lockKey(ss.id)); ss.err != nil {
		_ = ss.hold.Close()
		return
	}
	dropOrphans(ctx, db)
}

// newName names a new test database of the session.
func (ss *session) newName() string {
	return fmt.Sprintf("%s%s_%d", pgTestPrefix, ss.id, ss.n.Add(1))
}

// sessionOf returns the session id in a database's name, or "" for a name
// that is not a test database's.
func sessionOf(name string) string {
	if id, ok := strings.CutPrefix(name, pgTemplatePrefix); ok {
		return id
	}
	if rest, ok := strings.CutPrefix(name, pgTestPrefix); ok {
		if id, _, ok := strings.Cut(rest, "_"); ok {
			return id
		}
	}
	return ""
}

// dropOrphans drops the databases of test binaries that have ended.
func dropOrphans(ctx context.Context, db *sql.DB) {
	rows, err := db.QueryContext(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'tracker\_template\_%' OR datname LIKE 'tracker\_test\_%'`)
	if err != nil {
		return
	}
	bySession := map[string][]string{}
	for rows.Next() {
		var n string
		if rows.Scan(&n) == nil {
			if id := sessionOf(n); id != "" {
				bySession[id] = append(bySession[id], n)
			}
		}
	}
	_ = rows.Close()
	for id, names := range bySession {
		conn, err := db.Conn(ctx)
		if err != nil {
			return
		}
		var free bool
		if conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock(hashtext($1))", lockKey(id)).Scan(&free) == nil && free {
			for _, n := range names {
				_, _ = conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n+" WITH (FORCE)")
			}
			_, _ = conn.ExecContext(ctx, "SELECT pg_advisory_unlock(hashtext($1))", lockKey(id))
		}
		_ = conn.Close()
	}
}

// The PostgreSQL template: a database migrated once per test binary and
// copied for each test that wants a migrated one.
var pgTemplate struct {
	mu   sync.Mutex
	name string
}

func makePostgresTemplate(t testing.TB, db *sql.DB) error {
	ctx := context.Background()
	name := pgTemplatePrefix + pgSession.id
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name+" ENCODING 'UTF8' TEMPLATE template0"); err != nil {
		return err
	}
	s, err := store.Open(ctx, databaseURL(t, name), store.WithClock(Clock))
	if err == nil {
		err = s.Migrate(ctx)
		if cerr := s.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		_, _ = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	pgTemplate.name = name
	return nil
}

// poolAhead is how many copies of the template are made before tests ask
// for them: enough to hide the copying from tests that run one after
// another, few enough that a binary with one PostgreSQL test wastes little.
const poolAhead = 2

// pgPool hands out copies of the template, made in the background.
var pgPool pool

type made struct {
	name string
	err  error
}

type pool struct {
	once  sync.Once
	ready chan made
	stop  chan struct{}
	done  chan struct{}
}

// take returns a new copy of the template tpl, starting the copier on
// first use.
func (p *pool) take(tpl string) made {
	p.once.Do(func() {
		// The copier blocks with one copy in the channel and one in hand.
		p.ready = make(chan made, poolAhead-1)
		p.stop, p.done = make(chan struct{}), make(chan struct{})
		go p.fill(tpl)
	})
	r, ok := <-p.ready
	if !ok {
		return made{err: fmt.Errorf("the test databases were closed")}
	}
	return r
}

func (p *pool) fill(tpl string) {
	defer close(p.done)
	defer close(p.ready)
	for {
		select {
		case <-p.stop:
			return
		default:
		}
		r := made{name: pgSession.newName()}
		if _, r.err = pgAdmin.db.Exec("CREATE DATABASE " + r.name + " ENCODING 'UTF8' TEMPLATE " + tpl); r.err != nil {
			r.name = ""
		}
		select {
		case p.ready <- r:
		case <-p.stop:
			if r.name != "" {
				drops.add(r.name)
			}
			return
		}
	}
}

// close stops the copier and drops the copies no test took.
func (p *pool) close() {
	if p.stop == nil {
		return
	}
	close(p.stop)
	<-p.done
	for r := range p.ready {
		if r.name != "" {
			drops.add(r.name)
		}
	}
}

// drops drops test databases in the background, a few at a time (the
// checkpoints that concurrent drops wait for are shared).
var drops dropper

const droppers = 3

type dropper struct {
	once sync.Once
	todo chan string
	wg   sync.WaitGroup
}

func (d *dropper) add(name string) {
	d.once.Do(func() {
		d.todo = make(chan string, 1024)
		for range droppers {
			go func() {
				for n := range d.todo {
					_, _ = pgAdmin.db.Exec("DROP DATABASE IF EXISTS " + n + " WITH (FORCE)")
					d.wg.Done()
				}
			}()
		}
	})
	d.wg.Add(1)
	d.todo <- name
}

// dropAfter drops the database once the test and its cleanups (which
// close its stores: they are registered later, so they run first) are
// done.
func dropAfter(t testing.TB, name string) {
	t.Cleanup(func() { drops.add(name) })
}

// Main runs a package's tests, then drops the test databases still there
// and the template, and returns the exit code for os.Exit. A package whose
// TestMain does not call it leaves them for the next test binary to drop.
func Main(m *testing.M) int {
	code := m.Run()
	Finish()
	return code
}

// Finish drops the test binary's databases: the copies no test took, the
// ones their tests left, the shared ones, and the template. Call it after m.Run.
func Finish() {
	if pgAdmin.db == nil {
		return
	}
	pgPool.close()
	shared.mu.Lock()
	for _, name := range shared.names {
		drops.add(name)
	}
	shared.names = nil
	shared.mu.Unlock()
	drops.wg.Wait()
	if pgTemplate.name != "" {
		_, _ = pgAdmin.db.Exec("DROP DATABASE IF EXISTS " + pgTemplate.name + " WITH (FORCE)")
	}
	if pgSession.hold != nil {
		_ = pgSession.hold.Close()
	}
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the PostgreSQL URL"
	}
	return u.Redacted()
}

// RequirePostgres reports, for messages, whether PostgreSQL tests are required.
func RequirePostgres() bool { return os.Getenv("CI") == "true" }

// BulkActions adds n actions of the first organisation to the source in
// one statement, without audit events, for tests of lists longer than a
// database's limits: every other one open, owners "Bulk owner 0" to
// "Bulk owner 6", descriptions "Bulk action 1" to "Bulk action n".
func BulkActions(t testing.TB, s *store.Store, sourceID int64, n int) {
	t.Helper()
	ctx := context.Background()
	err := s.Bulk(ctx, func(tx *store.Store) error {
		return tx.Exec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO actions (organisation_id, source_id, description, owner, status, version, created_at, updated_at)
		SELECT (SELECT MIN(id) FROM organisations), (SELECT id FROM sources WHERE id = ?), 'Bulk action ' || i, 'Bulk owner ' || (i % 7),
			CASE WHEN i % 2 = 0 THEN 'not_started' ELSE 'completed' END, 1, (SELECT MIN(created_at) FROM organisations), (SELECT MIN(created_at) FROM organisations)
		FROM n`, n, sourceID)
	})
	if err != nil {
		t.Fatalf("bulk actions: %v", err)
	}
}

// BulkRecommendations adds n recommendations to the source in one
// statement, each addressed to the first organisation, without audit
// events: numbered "B1" to "Bn", their statuses open, in progress,
// implemented and closed in turn.
func BulkRecommendations(t testing.TB, s *store.Store, sourceID int64, n int) {
	t.Helper()
	ctx := context.Background()
	err := s.Bulk(ctx, func(tx *store.Store) error {
		err := tx.Exec(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
		INSERT INTO recommendations (source_id, number, text, status, assessment, version, created_at, updated_at)
		SELECT (SELECT id FROM sources WHERE id = ?), 'B' || i, 'Bulk recommendation ' || i,
			CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'implemented' ELSE 'closed' END,
			'not_assessed', 1, (SELECT MIN(created_at) FROM organisations), (SELECT MIN(created_at) FROM organisations)
		FROM n`, n, sourceID)
		if err != nil {
			return err
		}
		return tx.Exec(ctx, `INSERT INTO recommendation_addressees (recommendation_id, organisation_id, sort_order)
			SELECT id, (SELECT MIN(id) FROM organisations), 0 FROM recommendations WHERE source_id = ? AND number LIKE 'B%'`, sourceID)
	})
	if err != nil {
		t.Fatalf("bulk recommendations: %v", err)
	}
}

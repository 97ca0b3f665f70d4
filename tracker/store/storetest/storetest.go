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
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver for database/sql

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

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
}

// Backends lists SQLite and PostgreSQL.
func Backends() []Backend {
	return []Backend{{Name: store.SQLite, Open: SQLiteDSN}, {Name: store.Postgres, Open: PostgresDSN}}
}

// Each runs fn once per backend as a subtest, with a fresh migrated store.
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			fn(t, OpenMigrated(t, b.Open(t)))
		})
	}
}

// OpenMigrated opens dsn, runs every migration and closes the store when
// the test ends.
func OpenMigrated(t testing.TB, dsn string) *store.Store {
	t.Helper()
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
func SQLite(t testing.TB) *store.Store { return OpenMigrated(t, SQLiteDSN(t)) }

// SQLiteDSN returns the path of a new SQLite file in the test's temp folder.
func SQLiteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "tracker.db")
}

// PostgresDSN creates a new database on the test server and returns its
// URL; the database is dropped when the test ends.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	admin := os.Getenv("TRACKER_TEST_POSTGRES")
	if admin == "" {
		admin = DefaultPostgresURL
	}
	db, err := sql.Open("pgx", admin)
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = db.PingContext(ctx)
		cancel()
	}
	if err != nil {
		if db != nil {
			_ = db.Close()
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL is required when CI=true but %s is unreachable: %v", redact(admin), err)
		}
		t.Skipf("PostgreSQL not reachable at %s (set TRACKER_TEST_POSTGRES to a server URL to run this test): %v", redact(admin), err)
	}
	buf := make([]byte, 6)
	_, _ = rand.Read(buf)
	name := "tracker_test_" + hex.EncodeToString(buf)
	if _, err := db.Exec("CREATE DATABASE " + name + " ENCODING 'UTF8' TEMPLATE template0"); err != nil {
		_ = db.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		_ = db.Close()
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", redact(admin), err)
	}
	u.Path = "/" + name
	return u.String()
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

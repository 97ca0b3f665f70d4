// Package store keeps the tracker's data in PostgreSQL or SQLite through
// gorm. It owns the schema (versioned migrations) and returns domain types
// from package tracker, never its own rows.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/civic-tracker/tracker/tracker"
)

// Dialects the store speaks.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is the tracker's storage. A Store made by Tx shares its caller's
// transaction.
type Store struct {
	db      *gorm.DB
	dialect string
	clock   tracker.Clock
	pages   *pageCache
	// mail is how emails reach the queue and how their links begin.
	mail *mailHooks
	// later, in a transaction that defers its audit events and search
	// documents (see deferWrites), holds them until it flushes them.
	later *deferredWrites
	// live is the progress of the imports this process runs (see
	// SetImportProgress).
	live *liveImports
	// versions, in a transaction, are the items whose versions are
	// rewritten when it has done its writes (flushVersions).
	versions *pendingVersions
	// columns are the columns of the versioned tables, read once.
	columns *columnCache
	// asat is the connections of as-at reads, nil when there are none.
	asat *asatPool
	// parts, in a read as at a moment, are the tables whose view has two
	// parts, the rows that stood and the rows rebuilt or kept as they were
	// (ReadAsAt).
	parts map[string]bool
}

// columnCache holds the columns of tables by name.
type columnCache struct {
	mu     sync.Mutex
	of     map[string][]string
	schema string // on PostgreSQL, the schema of the tables
}

// Option changes how Open sets up a store.
type Option func(*Store)

// WithClock makes clock the store's "now": audit stamps, created and
// updated times, the day of an import or a deadline move. The default is
// the system clock.
func WithClock(clock tracker.Clock) Option { return func(s *Store) { s.clock = clock } }

// IsPostgresURL reports whether dsn names a PostgreSQL database rather than
// a SQLite file.
func IsPostgresURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// withoutJIT is the PostgreSQL URL dsn with just-in-time compilation
// turned off for its connections (a setting each connection starts with),
// unless the URL sets it. PostgreSQL compiles a query whose estimated cost
// is high; a read as at a day reads through views whose test of each row
// (shadowing.standing) the planner costs as if its fallback look-up ran
// for every row, so the outstanding report's list of actions, a 30 ms
// sort, spent half a second compiling. Nothing the tracker asks runs long
// enough to gain from it.
func withoutJIT(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn // the driver says what is wrong with it
	}
	q := u.Query()
	if !q.Has("jit") {
		q.Set("jit", "off")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Open connects to the database named by dsn: a postgres:// URL, or else the
// path of a SQLite file, created when missing. SQLite is opened with WAL, a
// busy timeout and foreign keys on. Open does not migrate.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	s := &Store{clock: tracker.SystemClock, pages: newPageCache(), mail: &mailHooks{publicURL: DefaultPublicURL}, live: &liveImports{}, columns: &columnCache{}}
	for _, o := range opts {
		o(s)
	}
	cfg := &gorm.Config{
		Logger: logger.Default.LogMode(logger.Silent),
		// Microseconds, the precision both databases keep, so a backup moved
		// between them compares equal.
		NowFunc:        s.Now,
		TranslateError: true,
		// A Tx inside a Tx joins it: the outer one decides, and a failure
		// anywhere rolls everything back. Savepoints would cost a round trip
		// per write for no gain.
		DisableNestedTransaction: true,
	}
	var (
		dial    gorm.Dialector
		dialect string
	)
	// As-at reads get their own connections (asatPool); on SQLite their
	// transactions begin without taking the write lock.
	asatDial := func(dsn string) gorm.Dialector { return postgres.Open(withoutJIT(dsn)) }
	if IsPostgresURL(dsn) {
		dial, dialect = postgres.Open(withoutJIT(dsn)), Postgres
	} else {
		if dsn == "" {
			return nil, errors.New("no database given: pass --db with a SQLite file path or a postgres:// URL")
		}
		if dir := filepath.Dir(dsn); dir != "." {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return nil, fmt.Errorf("the folder %q for the SQLite database does not exist", dir)
			}
		}
		// A new database file is made readable by its owner alone, as
		// backups are; SQLite gives its -wal and -shm files the same mode.
		if !strings.Contains(dsn, "?") && dsn != ":memory:" {
			if f, err := os.OpenFile(dsn, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
				_ = f.Close()
			}
		}
		dial, dialect = sqlite.Open(sqliteDSN(dsn, "immediate")), SQLite
		asatDial = func(dsn string) gorm.Dialector { return sqlite.Open(sqliteDSN(dsn, "deferred")) }
	}
	db, err := gorm.Open(dial, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	s.db, s.dialect = db, dialect
	pooled := func(db *gorm.DB) {
		if sqlDB, err := db.DB(); err == nil {
			// Every connection is kept while the server is busy: opening one
			// costs a PostgreSQL backend (or a SQLite schema read) each time,
			// and database/sql keeps only two idle ones unless told.
			n := poolSize()
			sqlDB.SetMaxOpenConns(n)
			sqlDB.SetMaxIdleConns(n)
			sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		}
	}
	pooled(db)
	s.asat = asAtPoolFor(dsn, cfg, asatDial, pooled)
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// poolSize is how many connections a store opens at most: four for each
// processor the server may use, at least eight. Requests wait for one
// beyond that rather than swamp the database; PostgreSQL's default of 100
// connections leaves room for several servers and the tools.
func poolSize() int {
	return max(8, 4*runtime.GOMAXPROCS(0))
}

// sqliteDSN is the driver's name of a SQLite file, with the pragmas every
// connection gets; txlock is how its transactions begin (immediate: with
// the write lock, so two writers never deadlock on upgrading).
// Connections read the file through a memory map (mmap_size, up to 2 GB,
// SQLite's own limit): a page is read from the system's cache of the file,
// shared by every connection, instead of copied into each connection's
// 2 MB cache one system call at a time. Reading 50,000 actions for the
// outstanding report went from 4.0 to 2.5 s. Writes go through the WAL as
// before.
func sqliteDSN(path, txlock string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	} else {
		// The path is part of a URI: a "#" or "%" in a folder name would
		// cut it short or change it.
		path = strings.NewReplacer("%", "%25", "#", "%23").Replace(path)
	}
	return "file:" + path + sep + "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_pragma=mmap_size(2147418112)&_txlock=" + txlock
}

// Now is the store's clock, to the microsecond both databases keep.
func (s *Store) Now() time.Time { return s.clock.Now() }

// Dialect is SQLite or Postgres.
func (s *Store) Dialect() string { return s.dialect }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return fmt.Errorf("database handle: %w", err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	return nil
}

// PoolStats reports the connection pool's settings and use.
func (s *Store) PoolStats() sql.DBStats {
	sqlDB, err := s.db.DB()
	if err != nil {
		return sql.DBStats{}
	}
	return sqlDB.Stats()
}

// Close releases the connections.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	return errors.Join(s.asat.close(), sqlDB.Close())
}

// Tx runs fn in one transaction: all of its writes land or none do.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	return s.db.WithContext(ctx).Transaction(func(db *gorm.DB) error {
		tx := &Store{db: db, dialect: s.dialect, clock: s.clock, pages: s.pages, mail: s.mail, later: s.later, live: s.live,
			versions: s.versions, columns: s.columns, asat: s.asat}
		outermost := tx.versions == nil
		if outermost {
			tx.versions = &pendingVersions{}
		}
		if err := fn(tx); err != nil {
			return err
		}
		if outermost {
			// The items' versions follow their trails before the changes
			// are seen.
			return tx.flushVersions(ctx)
		}
		return nil
	})
}

func (s *Store) q(ctx context.Context) *gorm.DB { return s.db.WithContext(ctx) }

// notFound maps gorm's missing-row error to tracker.ErrNotFound.
func notFound(err error, what string) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return fmt.Errorf("%s: %w", what, tracker.ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// Exec runs a statement as it is; tests and maintenance commands use it.
func (s *Store) Exec(ctx context.Context, sql string, args ...any) error {
	return s.q(ctx).Exec(sql, args...).Error
}

// Pragma reads a SQLite setting; it is an error on PostgreSQL.
func (s *Store) Pragma(ctx context.Context, name string) (string, error) {
	if s.dialect != SQLite {
		return "", errors.New("PRAGMA is a SQLite statement")
	}
	var v string
	err := s.q(ctx).Raw("PRAGMA " + name).Row().Scan(&v)
	return v, err
}

package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// asatPool is the connections that read "as at" a moment by the dates
// changes took effect. Each keeps, for as long as it is open, the views that
// stand in front of the tables and show them as at the moment its
// asat_moment holds (asAtViews), made the first time it serves a read. A
// read then costs its own queries and the moment: making the views for
// each read cost more than a short report's reads (on PostgreSQL ten
// milliseconds of catalogue work, and every plan made again). The views
// never stand in front of the tables for any other read, as they would on
// the store's own connections. On SQLite the pool's transactions take no
// write lock: they only read, and write to their own temporary tables.
type asatPool struct {
	mu   sync.Mutex
	open func() (*gorm.DB, error)
	db   *gorm.DB
}

// get opens the pool the first time it is asked for.
func (p *asatPool) get() (*gorm.DB, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db == nil {
		db, err := p.open()
		if err != nil {
			return nil, fmt.Errorf("open the connections for as-at reads: %w", err)
		}
		p.db = db
	}
	return p.db, nil
}

// close closes the pool's connections, and their views with them; a read
// after it opens new ones. A migration closes it first: the views hold
// the columns the tables had.
func (p *asatPool) close() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.db == nil {
		return nil
	}
	sqlDB, err := p.db.DB()
	p.db = nil
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// readAsAtPooled runs fn on a connection of the as-at pool, in a
// transaction it rolls back, with the moment at in asat_moment.
func (s *Store) readAsAtPooled(ctx context.Context, at time.Time, fn func(tx *Store) error) error {
	db, err := s.asat.get()
	if err != nil {
		return err
	}
	err = db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		c := s.on(conn)
		parts, err := c.asAtViews(ctx)
		if err != nil {
			return err
		}
		return conn.Transaction(func(txdb *gorm.DB) error {
			tx := s.on(txdb)
			tx.parts = parts
			if err := tx.q(ctx).Exec(`INSERT INTO asat_moment (at) VALUES (?)`, at).Error; err != nil {
				return fmt.Errorf("as at: %w", err)
			}
			if err := fn(tx); err != nil {
				return err
			}
			return errReadDone
		})
	})
	if errors.Is(err, errReadDone) {
		return nil
	}
	return err
}

// on is the store on a connection or transaction of its as-at pool. Its
// writes, which an as-at read never makes, would be rolled back.
func (s *Store) on(db *gorm.DB) *Store {
	return &Store{db: db, dialect: s.dialect, clock: s.clock, pages: s.pages, mail: s.mail, live: s.live,
		versions: &pendingVersions{}, columns: s.columns}
}

// asAtViews makes, on this connection, the table that holds the moment
// (asat_moment) and the views of every versioned table, table of links and
// derived table as at that moment, unless it has them, and returns the
// tables whose views have two parts. A view has its past rows as a second
// part only once the table has any (versionShape); when a table gains its
// first, the connection's views are made again. They are made in one
// transaction: a connection has all of them or none.
func (s *Store) asAtViews(ctx context.Context) (map[string]bool, error) {
	want, err := s.versionShape(ctx)
	if err != nil {
		return nil, err
	}
	have := `SELECT COUNT(*) FROM sqlite_temp_master WHERE name = 'asat_shape'`
	if s.dialect == Postgres {
		have = `SELECT COUNT(*) FROM pg_class WHERE relname = 'asat_shape' AND relnamespace = pg_my_temp_schema()`
	}
	var n int
	if err := s.q(ctx).Raw(have).Row().Scan(&n); err != nil {
		return nil, fmt.Errorf("as at: %w", err)
	}
	if n > 0 {
		var shape string
		if err := s.q(ctx).Raw(`SELECT shape FROM asat_shape`).Row().Scan(&shape); err != nil {
			return nil, fmt.Errorf("as at: %w", err)
		}
		if shape == want {
			return shapeTables(want), nil
		}
	}
	err = s.db.WithContext(ctx).Transaction(func(txdb *gorm.DB) error {
		tx := s.on(txdb)
		if n > 0 {
			if err := tx.dropTemporary(ctx); err != nil {
				return err
			}
		}
		sh, err := tx.shadowing(ctx, "effective_at", time.Time{}, false)
		if err != nil {
			return err
		}
		if err := sh.moment(false); err != nil {
			return err
		}
		// Whatever the moment, any table may have changed since.
		sh.later = map[string]bool{}
		for _, v := range versioned {
			sh.later[v.entity] = true
		}
		sh.shape = shapeTables(want)
		if err := sh.build(); err != nil {
			return err
		}
		if err := tx.q(ctx).Exec(`CREATE TEMP TABLE asat_shape (shape TEXT NOT NULL)`).Error; err != nil {
			return fmt.Errorf("as at: %w", err)
		}
		return tx.q(ctx).Exec(`INSERT INTO asat_shape (shape) VALUES (?)`, want).Error
	})
	if err != nil {
		return nil, err
	}
	return shapeTables(want), nil
}

// dropTemporary drops the connection's temporary views and tables.
func (s *Store) dropTemporary(ctx context.Context) error {
	if s.dialect == Postgres {
		return s.q(ctx).Exec(`DISCARD TEMP`).Error
	}
	var objects []struct{ Type, Name string }
	if err := s.q(ctx).Raw(`SELECT type, name FROM sqlite_temp_master WHERE type IN ('view', 'table') ORDER BY type DESC`).
		Scan(&objects).Error; err != nil {
		return fmt.Errorf("as at: %w", err)
	}
	for _, o := range objects {
		if err := s.q(ctx).Exec(`DROP ` + strings.ToUpper(o.Type) + ` IF EXISTS temp."` + o.Name + `"`).Error; err != nil {
			return fmt.Errorf("as at: drop %s: %w", o.Name, err)
		}
	}
	return nil
}

// versionShape says which of the versioned tables (versionedTables) have
// any past rows: a 1 or a 0 for each, in order. A table gains its first
// past row when one of its rows is first changed, and rarely loses them.
func (s *Store) versionShape(ctx context.Context) (string, error) {
	var parts []string
	for _, t := range versionedTables() {
		parts = append(parts, `CASE WHEN EXISTS (SELECT 1 FROM `+versionsOf(t)+`) THEN '1' ELSE '0' END`)
	}
	var shape string
	if err := s.q(ctx).Raw(`SELECT ` + strings.Join(parts, " || ")).Row().Scan(&shape); err != nil {
		return "", fmt.Errorf("as at: which tables have past rows: %w", err)
	}
	return shape, nil
}

// shapeTables are the tables a versionShape says have past rows.
func shapeTables(shape string) map[string]bool {
	out := map[string]bool{}
	for i, t := range versionedTables() {
		if i < len(shape) && shape[i] == '1' {
			out[t] = true
		}
	}
	return out
}

// asAtPoolFor makes the as-at pool of a store opened on dsn, or nil where
// a second pool would not reach the same database (SQLite in memory).
func asAtPoolFor(dsn string, cfg *gorm.Config, dial func(dsn string) gorm.Dialector, pooled func(db *gorm.DB)) *asatPool {
	if dsn == ":memory:" {
		return nil
	}
	return &asatPool{open: func() (*gorm.DB, error) {
		db, err := gorm.Open(dial(dsn), cfg)
		if err != nil {
			return nil, err
		}
		pooled(db)
		return db, nil
	}}
}

package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// RollbackTo undoes the migrations applied after id, newest first; tests
// use it to check that each step's down undoes its up.
func (s *Store) RollbackTo(ctx context.Context, id string) error {
	if err := s.asat.close(); err != nil {
		return err
	}
	if err := s.asAtSessionsGone(ctx); err != nil {
		return err
	}
	s.columns.reset()
	err := s.migrator(ctx).RollbackTo(id)
	s.freshConnections()
	if err != nil {
		return fmt.Errorf("roll back to %s: %w", id, err)
	}
	return nil
}

// asAtSessionsGone waits until the PostgreSQL sessions of the closed as-at
// pool have ended: their views depend on the tables' columns until the
// server drops them with the session, a moment after the client hangs up,
// and a step whose way down drops a column (0029) fails while they stand.
func (s *Store) asAtSessionsGone(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	for range 200 {
		var n int64
		if err := s.q(ctx).Raw(`SELECT COUNT(*) FROM pg_class WHERE relname = 'asat_shape'`).Row().Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("the as-at sessions did not end within 10 seconds")
}

// Count runs a query of one number, for tests that look at a table.
func (s *Store) Count(ctx context.Context, query string, args ...any) (n int64, err error) {
	err = s.q(ctx).Raw(query, args...).Row().Scan(&n)
	return n, err
}

// ActionPlan returns the database's plan for the action log's query of f,
// one line a step: its count as ListActions counts the actions themselves
// (actionCount), or with page its first page in f's order.
func (s *Store) ActionPlan(ctx context.Context, f tracker.ActionFilter, page bool) (string, error) {
	var dry *gorm.DB
	if page {
		q := s.actionQuery(ctx, f)
		if q.Error != nil {
			return "", q.Error
		}
		o := s.actionOrder(f.Sort)
		dry = q.Session(&gorm.Session{DryRun: true}).Select("actions.id, " + o.columns()).Order(o.orderBy(false)).Limit(25).Find(&[]map[string]any{})
	} else {
		q := s.actionCount(ctx, f)
		if q.Error != nil {
			return "", q.Error
		}
		var n int64
		dry = q.Session(&gorm.Session{DryRun: true}).Scan(&n)
	}
	return s.explainDry(ctx, dry)
}

// ActionTallyPlan explains how f's actions are counted from the tallies
// (actionTotal without a person, a recommendation, a reference or a
// change filter).
func (s *Store) ActionTallyPlan(ctx context.Context, f tracker.ActionFilter) (string, error) {
	var n int64
	dry := actionConds(s.q(ctx).Table("action_tallies"), f).Session(&gorm.Session{DryRun: true}).
		Select("COALESCE(CAST(SUM(n) AS BIGINT), 0)").Scan(&n)
	return s.explainDry(ctx, dry)
}

// explainDry explains the statement a dry run built.
func (s *Store) explainDry(ctx context.Context, dry *gorm.DB) (string, error) {
	return s.explainSQL(ctx, dry.Statement.SQL.String(), dry.Statement.Vars, false)
}

// explainSQL returns the database's plan of a statement, one line a step;
// with analyze, PostgreSQL runs it and gives each step's actual rows.
func (s *Store) explainSQL(ctx context.Context, sql string, vars []any, analyze bool) (string, error) {
	explain := "EXPLAIN "
	switch {
	case s.dialect == SQLite:
		explain = "EXPLAIN QUERY PLAN "
	case analyze:
		explain = "EXPLAIN (ANALYZE) "
	}
	rows, err := s.q(ctx).Raw(explain+sql, vars...).Rows()
	if err != nil {
		return "", fmt.Errorf("%s: %w", sql, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// Plans runs fn and returns, for each query it sent (not the writes, which
// PostgreSQL would run again), the statement and the database's plan of it
// below: on PostgreSQL run again, with each step's actual rows.
func (s *Store) Plans(ctx context.Context, fn func()) ([]string, error) {
	type sent struct {
		sql  string
		vars []any
	}
	var (
		mu   sync.Mutex
		seen []sent
	)
	name := fmt.Sprintf("test:plans:%p", &seen)
	keep := func(db *gorm.DB) {
		if db.Error != nil || db.DryRun {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, sent{db.Statement.SQL.String(), append([]any(nil), db.Statement.Vars...)})
	}
	_ = s.db.Callback().Query().After("gorm:query").Register(name, keep)
	_ = s.db.Callback().Row().After("gorm:row").Register(name, keep)
	fn()
	_ = s.db.Callback().Query().Remove(name)
	_ = s.db.Callback().Row().Remove(name)
	out := make([]string, len(seen))
	for i, st := range seen {
		plan, err := s.explainSQL(ctx, st.sql, st.vars, true)
		if err != nil {
			return nil, err
		}
		out[i] = st.sql + "\n" + plan
	}
	return out, nil
}

// Statements counts the statements fn sends to the database.
func (s *Store) Statements(fn func()) int {
	var n atomic.Int64
	s.watch(fmt.Sprintf("test:count:%p", &n), func(*gorm.DB) { n.Add(1) }, fn)
	return int(n.Load())
}

// Traced runs fn and returns the statements it sent that read, each with
// its arguments written in (gorm's rendering, for EXPLAIN).
func (s *Store) Traced(fn func()) []string {
	var mu sync.Mutex
	var out []string
	s.watch(fmt.Sprintf("test:trace:%p", &out), func(db *gorm.DB) {
		sql := db.Dialector.Explain(db.Statement.SQL.String(), db.Statement.Vars...)
		if head := strings.ToUpper(strings.Fields(strings.TrimSpace(sql) + " x")[0]); head == "SELECT" || head == "INSERT" || head == "WITH" {
			mu.Lock()
			out = append(out, sql)
			mu.Unlock()
		}
	}, fn)
	return out
}

// watch runs fn with see called after each statement sent on the store's
// connections and those of its as-at reads.
func (s *Store) watch(name string, see func(*gorm.DB), fn func()) {
	pools := []*gorm.DB{s.db}
	if s.asat != nil {
		if db, err := s.asat.get(); err == nil {
			pools = append(pools, db)
		}
	}
	for _, db := range pools {
		_ = db.Callback().Query().After("gorm:query").Register(name, see)
		_ = db.Callback().Row().After("gorm:row").Register(name, see)
		_ = db.Callback().Raw().After("gorm:raw").Register(name, see)
	}
	defer func() {
		for _, db := range pools {
			_ = db.Callback().Query().Remove(name)
			_ = db.Callback().Row().Remove(name)
			_ = db.Callback().Raw().Remove(name)
		}
	}()
	fn()
}

// QueryPlan returns the database's plan of a statement, one step a line.
func (s *Store) QueryPlan(ctx context.Context, sql string) (string, error) {
	if s.dialect == Postgres {
		lines, err := s.Lines(ctx, "EXPLAIN "+sql)
		return strings.Join(lines, "\n"), err
	}
	rows, err := s.q(ctx).Raw("EXPLAIN QUERY PLAN " + sql).Rows()
	if err != nil {
		return "", fmt.Errorf("%s: %w", sql, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		lines = append(lines, detail)
	}
	return strings.Join(lines, "\n"), rows.Err()
}

// Lines runs a query of one text column and returns its rows.
func (s *Store) Lines(ctx context.Context, query string, args ...any) ([]string, error) {
	var out []string
	err := s.q(ctx).Raw(query, args...).Scan(&out).Error
	return out, err
}

// LatestUpdatesPlan returns the database's plan of the read of the latest
// update of each of the actions ids.
func (s *Store) LatestUpdatesPlan(ctx context.Context, ids []int64) (string, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	sql := s.db.ToSQL(func(tx *gorm.DB) *gorm.DB {
		return tx.Raw(s.latestUpdatesSQL(len(ids)), args...).Scan(&[]updateRow{})
	})
	return s.QueryPlan(ctx, sql)
}

// ScanAsFind reads every row of each versioned table, deleted ones too,
// through findIn's own scan and through gorm's Find, and says where they
// differ, or where a table has no rows when each should have some.
func (s *Store) ScanAsFind(ctx context.Context, someEach bool) error {
	return errors.Join(
		scanAsFind[sourceRow](s, ctx, someEach), scanAsFind[recommendationRow](s, ctx, someEach), scanAsFind[responseRow](s, ctx, someEach),
		scanAsFind[actionRow](s, ctx, someEach), scanAsFind[updateRow](s, ctx, someEach), scanAsFind[referenceRow](s, ctx, someEach),
		scanAsFind[replyRow](s, ctx, someEach), scanAsFind[measureRow](s, ctx, someEach),
		shownAsFull(s, ctx, recommendationRow.domain), shownAsFull(s, ctx, actionRow.domain), shownAsFull(s, ctx, updateRow.domain))
}

// shownAsFull says where the rows of T that shown reads become anything
// other than their whole rows do.
func shownAsFull[T any, D any](s *Store, ctx context.Context, domain func(T) D) error {
	var full, part []T
	if err := s.q(ctx).Order("id").Find(&full).Error; err != nil {
		return err
	}
	ids := make([]int64, len(full))
	for i := range full {
		ids[i] = reflect.ValueOf(full[i]).FieldByName("ID").Int()
	}
	if err := findIn(func() *gorm.DB { return shown[T](s, ctx).Order("id") }, "id IN ?", ids, &part); err != nil {
		return err
	}
	if len(part) != len(full) {
		return fmt.Errorf("%T: shown read %d rows of %d", part, len(part), len(full))
	}
	for i := range full {
		if a, b := domain(part[i]), domain(full[i]); !reflect.DeepEqual(a, b) {
			return fmt.Errorf("%T: shown\n%+v\nwhole\n%+v", part, a, b)
		}
	}
	return nil
}

func scanAsFind[T any](s *Store, ctx context.Context, some bool) error {
	q := func() *gorm.DB { return s.q(ctx).Unscoped().Order("id") }
	var ids []int64
	if err := q().Model(new(T)).Pluck("id", &ids).Error; err != nil {
		return err
	}
	var scanned, found []T
	if ok, err := scanRows(q().Where("id IN ?", ids), &scanned); !ok || err != nil {
		return fmt.Errorf("%T: scanned %v, %v", scanned, ok, err)
	}
	if err := q().Where("id IN ?", ids).Find(&found).Error; err != nil {
		return err
	}
	if (some && len(ids) == 0) || (len(ids) > 0 && !reflect.DeepEqual(scanned, found)) {
		return fmt.Errorf("%T: %d ids; scanned\n%+v\nfound\n%+v", scanned, len(ids), scanned, found)
	}
	return nil
}

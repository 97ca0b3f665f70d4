package store

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// RollbackTo undoes the migrations applied after id, newest first; tests
// use it to check that each step's down undoes its up.
func (s *Store) RollbackTo(ctx context.Context, id string) error {
	if err := s.migrator(ctx).RollbackTo(id); err != nil {
		return fmt.Errorf("roll back to %s: %w", id, err)
	}
	return nil
}

// Count runs a query of one number, for tests that look at a table.
func (s *Store) Count(ctx context.Context, query string, args ...any) (n int64, err error) {
	err = s.q(ctx).Raw(query, args...).Row().Scan(&n)
	return n, err
}

// ActionPlan returns the database's plan for the action log's query of f,
// one line a step: its count, or with page its first page in f's order.
func (s *Store) ActionPlan(ctx context.Context, f tracker.ActionFilter, page bool) (string, error) {
	q := s.actionQuery(ctx, f)
	if q.Error != nil {
		return "", q.Error
	}
	dry := q.Session(&gorm.Session{DryRun: true})
	if page {
		o := s.actionOrder(f.Sort)
		dry = dry.Select("actions.id, " + o.columns()).Order(o.orderBy(false)).Limit(25).Find(&[]map[string]any{})
	} else {
		var n int64
		dry = dry.Count(&n)
	}
	explain := "EXPLAIN "
	if s.dialect == SQLite {
		explain = "EXPLAIN QUERY PLAN "
	}
	sql := dry.Statement.SQL.String()
	rows, err := s.q(ctx).Raw(explain+sql, dry.Statement.Vars...).Rows()
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

// Statements counts the statements fn sends to the database.
func (s *Store) Statements(fn func()) int {
	var n atomic.Int64
	name := fmt.Sprintf("test:count:%p", &n)
	count := func(*gorm.DB) { n.Add(1) }
	_ = s.db.Callback().Query().After("gorm:query").Register(name, count)
	_ = s.db.Callback().Row().After("gorm:row").Register(name, count)
	_ = s.db.Callback().Raw().After("gorm:raw").Register(name, count)
	defer func() {
		_ = s.db.Callback().Query().Remove(name)
		_ = s.db.Callback().Row().Remove(name)
		_ = s.db.Callback().Raw().Remove(name)
	}()
	fn()
	return int(n.Load())
}

// Traced runs fn and returns the statements it sent that read, each with
// its arguments written in (gorm's rendering, for EXPLAIN).
func (s *Store) Traced(fn func()) []string {
	var mu sync.Mutex
	var out []string
	name := fmt.Sprintf("test:trace:%p", &out)
	keep := func(db *gorm.DB) {
		sql := db.Dialector.Explain(db.Statement.SQL.String(), db.Statement.Vars...)
		if head := strings.ToUpper(strings.Fields(strings.TrimSpace(sql) + " x")[0]); head == "SELECT" || head == "INSERT" || head == "WITH" {
			mu.Lock()
			out = append(out, sql)
			mu.Unlock()
		}
	}
	_ = s.db.Callback().Query().After("gorm:query").Register(name, keep)
	_ = s.db.Callback().Row().After("gorm:row").Register(name, keep)
	_ = s.db.Callback().Raw().After("gorm:raw").Register(name, keep)
	defer func() {
		_ = s.db.Callback().Query().Remove(name)
		_ = s.db.Callback().Row().Remove(name)
		_ = s.db.Callback().Raw().Remove(name)
	}()
	fn()
	return out
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

// LatestUpdatesPlan returns the database's plan of the read of the ids of
// the latest update of each of the actions ids.
func (s *Store) LatestUpdatesPlan(ctx context.Context, ids []int64) (string, error) {
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	sql := s.db.ToSQL(func(tx *gorm.DB) *gorm.DB { return tx.Raw(latestUpdateIDs(len(ids)), args...).Scan(&[]int64{}) })
	return s.QueryPlan(ctx, sql)
}

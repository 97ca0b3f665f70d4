package store

import "context"

// RollbackTo undoes the migrations after id, for tests of a migration's
// way down.
func (s *Store) RollbackTo(ctx context.Context, id string) error {
	return s.migrator(ctx).RollbackTo(id)
}

// Count runs a query of one number, for tests that look at a table.
func (s *Store) Count(ctx context.Context, query string, args ...any) (n int64, err error) {
	err = s.q(ctx).Raw(query, args...).Row().Scan(&n)
	return n, err
}

package store

import (
	"context"
	"fmt"
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

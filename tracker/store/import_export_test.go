package store

import "context"

// CountRows counts the rows of a table, deleted ones included, for tests.
func (s *Store) CountRows(ctx context.Context, table string) (int64, error) {
	var n int64
	err := s.q(ctx).Table(table).Count(&n).Error
	return n, err
}

// RecommendationIDFor returns the id of recommendation number in the source
// titled title, for tests.
func (s *Store) RecommendationIDFor(ctx context.Context, title, number string) (int64, error) {
	var id int64
	err := s.q(ctx).Raw(`SELECT r.id FROM recommendations r JOIN sources s ON s.id = r.source_id WHERE s.title = ? AND r.number = ?`, title, number).Row().Scan(&id)
	return id, err
}

package store

import "context"

// BackupTables and NotBackedUp let the external tests check that every
// table is either backed up or left out on purpose.
var (
	BackupTables = backupTables
	NotBackedUp  = notBackedUp
)

// ListTables returns the database's own tables, for tests.
func (s *Store) ListTables(ctx context.Context) ([]string, error) { return s.listTables(ctx) }

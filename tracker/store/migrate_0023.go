package store

// migration0023 makes the owner indexes of migration 0020 hold what the
// action log filtered by a person reads, so that its cost does not grow
// with the person's actions:
//
//   - each holds only the actions that are not deleted, in the log's
//     order (the key of actions_list_due after the link), with the
//     columns the log's filters read, as the list indexes of 0009 do. The
//     log reads a person's actions as two queries, one for each link
//     (store.personBranches): SQLite merges the two indexes in order and
//     stops after a page, where an OR of the two read and sorted every
//     action of the person; each database counts them from the indexes
//     alone, without visiting the table.
//   - actions_source_direct holds the actions recorded directly under a
//     source, for whose the source is (store.sourceScope) and its page:
//     they were found among every action without a recommendation.
var migration0023 = migration{
	id: "0023_person_order",
	up: []string{
		`DROP INDEX actions_owner_email`,
		`DROP INDEX actions_owner_user`,
		`CREATE INDEX actions_source_direct ON actions (source_id, organisation_id) WHERE recommendation_id IS NULL AND deleted_at IS NULL`,
	},
	upSQLite: []string{
		`CREATE INDEX actions_owner_email ON actions (owner_email, (CASE WHEN status IN ('not_started', 'in_progress') THEN '0' ELSE '1' END
			|| CASE WHEN due_date IS NULL THEN '1' ELSE '0' END || COALESCE(due_date, '') || printf('%020d', id)),
			id, owner_user_id, organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date, deleted_at)
			WHERE owner_email <> '' AND deleted_at IS NULL`,
		`CREATE INDEX actions_owner_user ON actions (owner_user_id, (CASE WHEN status IN ('not_started', 'in_progress') THEN '0' ELSE '1' END
			|| CASE WHEN due_date IS NULL THEN '1' ELSE '0' END || COALESCE(due_date, '') || printf('%020d', id)),
			id, organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date, deleted_at)
			WHERE owner_user_id IS NOT NULL AND deleted_at IS NULL`,
	},
	upPostgres: []string{
		`CREATE INDEX actions_owner_email ON actions (owner_email,
			(CASE WHEN status IN ('not_started', 'in_progress') THEN 0 ELSE 1 END), (CASE WHEN due_date IS NULL THEN 1 ELSE 0 END),
			(COALESCE(due_date, DATE '0001-01-01')), id)
			INCLUDE (owner_user_id, organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date)
			WHERE owner_email <> '' AND deleted_at IS NULL`,
		`CREATE INDEX actions_owner_user ON actions (owner_user_id,
			(CASE WHEN status IN ('not_started', 'in_progress') THEN 0 ELSE 1 END), (CASE WHEN due_date IS NULL THEN 1 ELSE 0 END),
			(COALESCE(due_date, DATE '0001-01-01')), id)
			INCLUDE (organisation_id, source_id, recommendation_id, reference_id, owner, status, rag, due_date)
			WHERE owner_user_id IS NOT NULL AND deleted_at IS NULL`,
	},
	down: []string{
		`DROP INDEX actions_source_direct`,
		`DROP INDEX actions_owner_user`,
		`DROP INDEX actions_owner_email`,
		`CREATE INDEX actions_owner_email ON actions (owner_email) WHERE owner_email <> ''`,
		`CREATE INDEX actions_owner_user ON actions (owner_user_id) WHERE owner_user_id IS NOT NULL`,
	},
}

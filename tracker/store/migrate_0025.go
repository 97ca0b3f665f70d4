package store

// migration0025 lets "as at" find the items that stood at a moment and
// were changed after it without reading every event since: two partial
// indexes hold the changes other than creations, by when they took effect
// and by when they were recorded. For a day long past almost every later
// event is an item being made (the updates of every week since), which
// the as-at views leave out row by row instead (asat.go); the changes to
// rebuild are few, and these indexes as small. A reference's replies, the
// last read of a reference's reply with no index, get one too; and each
// action's updates one in date order, so that its latest update (a row of
// the action log, of its PDF, of a report's action table) is read from the
// end of it, not found among all of them.
var migration0025 = migration{
	id: "0025_audit_changes",
	up: []string{
		`CREATE INDEX audit_changes_effective ON audit_events (effective_at) WHERE op <> 'create'`,
		`CREATE INDEX audit_changes_at ON audit_events (at) WHERE op <> 'create'`,
		`CREATE INDEX replies_reference ON replies (reference_id)`,
		`CREATE INDEX updates_latest ON progress_updates (action_id, dated, id)`,
	},
	down: []string{
		`DROP INDEX updates_latest`,
		`DROP INDEX replies_reference`,
		`DROP INDEX audit_changes_at`,
		`DROP INDEX audit_changes_effective`,
	},
}

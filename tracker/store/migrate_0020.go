package store

// migration0020 lets the action log filtered by a person (?person=, and
// each person's email digest) read that person's actions from two indexes
// instead of scanning every action: one on the owner's address, and the
// one on the owner's account (migration 0015) made partial. Both hold only
// the linked rows. Most owners are linked to no one, and an index that
// counts those makes SQLite's statistics say that a person owns half the
// log, so it scanned all 50,000 generated actions for each count.
var migration0020 = migration{
	id: "0020_owner_indexes",
	up: []string{
		`CREATE INDEX actions_owner_email ON actions (owner_email) WHERE owner_email <> ''`,
		`DROP INDEX actions_owner_user`,
		`CREATE INDEX actions_owner_user ON actions (owner_user_id) WHERE owner_user_id IS NOT NULL`,
	},
	down: []string{
		`DROP INDEX actions_owner_user`,
		`CREATE INDEX actions_owner_user ON actions (owner_user_id)`,
		`DROP INDEX actions_owner_email`,
	},
}

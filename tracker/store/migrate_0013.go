package store

// migration0013 gives each addressee of a recommendation its own
// implementation status, the day it took it, and a version of its own, so
// a recommendation made to three bodies can be done by one and not by the
// others. Each addressee starts at its recommendation's current status,
// with no date, so nothing shown changes; the recommendation's own status
// is from then on derived from its addressees' (tracker.DerivedStatus).
var migration0013 = migration{
	id: "0013_addressee_status",
	up: []string{
		`ALTER TABLE recommendation_addressees ADD COLUMN status TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE recommendation_addressees ADD COLUMN status_date DATE`,
		`ALTER TABLE recommendation_addressees ADD COLUMN version INTEGER NOT NULL DEFAULT 1`,
		`UPDATE recommendation_addressees SET status = (SELECT r.status FROM recommendations r WHERE r.id = recommendation_addressees.recommendation_id)`,
		`CREATE INDEX addressees_org_status ON recommendation_addressees (organisation_id, status)`,
	},
	down: []string{
		`DROP INDEX addressees_org_status`,
		`ALTER TABLE recommendation_addressees DROP COLUMN version`,
		`ALTER TABLE recommendation_addressees DROP COLUMN status_date`,
		`ALTER TABLE recommendation_addressees DROP COLUMN status`,
	},
}

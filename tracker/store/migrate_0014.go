package store

// migration0014 adds the meeting cycle: meetings of a body with their
// papers deadline, status and the schedule frozen when the papers were
// issued; the decisions taken at them on each reference; and the date by
// which a reference is to be completed, which a meeting may move.
var migration0014 = migration{
	id: "0014_meetings",
	up: []string{
		`ALTER TABLE reference_requests ADD COLUMN due_on DATE`,
		`CREATE TABLE meetings (
			id {{pk}},
			body_id BIGINT NOT NULL REFERENCES organisations(id),
			held_on DATE NOT NULL,
			papers_due DATE NOT NULL,
			status TEXT NOT NULL,
			notes TEXT NOT NULL DEFAULT '',
			issued_at {{ts}},
			issued_schedule TEXT,
			version INTEGER NOT NULL DEFAULT 1,
			created_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL
		)`,
		`CREATE INDEX meetings_body ON meetings (body_id, held_on)`,
		`CREATE INDEX meetings_held ON meetings (held_on)`,
		`CREATE TABLE meeting_decisions (
			id {{pk}},
			meeting_id BIGINT REFERENCES meetings(id),
			reference_id BIGINT NOT NULL REFERENCES reference_requests(id),
			outcome TEXT NOT NULL,
			new_date DATE,
			reason TEXT NOT NULL DEFAULT '',
			author TEXT NOT NULL DEFAULT '',
			decided_on DATE NOT NULL,
			created_at {{ts}} NOT NULL
		)`,
		`CREATE INDEX meeting_decisions_meeting ON meeting_decisions (meeting_id)`,
		`CREATE INDEX meeting_decisions_reference ON meeting_decisions (reference_id)`,
	},
	down: []string{
		`DROP TABLE meeting_decisions`,
		`DROP TABLE meetings`,
		`ALTER TABLE reference_requests DROP COLUMN due_on`,
	},
}

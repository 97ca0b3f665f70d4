package store

// migration0017 keeps the update requests of the meeting cycle: each email
// asking an owner for updates before a meeting's papers deadline (kind
// request) or reminding one who has not posted them (kind reminder), with
// the round it was sent in, the person it went to and the actions it
// listed, so a meeting's page can tell who has updated since. The owner
// is named by a key ("user-ID" or "email-ADDRESS"): one row per owner and
// round, never one per action. email_id points into the log of emails,
// which backups leave out, so it has no foreign key.
var migration0017 = migration{
	id: "0017_update_requests",
	up: []string{
		`CREATE TABLE update_requests (
			id {{pk}},
			meeting_id BIGINT NOT NULL REFERENCES meetings(id) ON DELETE CASCADE,
			kind TEXT NOT NULL,
			round_no INTEGER NOT NULL,
			owner_key TEXT NOT NULL,
			owner_user_id BIGINT,
			owner_email TEXT NOT NULL,
			owner_name TEXT NOT NULL DEFAULT '',
			email_id BIGINT,
			sent_by TEXT NOT NULL DEFAULT '',
			sent_at {{ts}} NOT NULL,
			UNIQUE (meeting_id, kind, round_no, owner_key)
		)`,
		`CREATE TABLE update_request_actions (
			request_id BIGINT NOT NULL REFERENCES update_requests(id) ON DELETE CASCADE,
			action_id BIGINT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
			PRIMARY KEY (request_id, action_id)
		)`,
		`CREATE INDEX update_request_actions_action ON update_request_actions (action_id)`,
	},
	down: []string{
		`DROP TABLE update_request_actions`,
		`DROP TABLE update_requests`,
	},
}

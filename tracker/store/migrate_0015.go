package store

// migration0015 makes owners people and lets the tracker send email:
//
//   - an action's owner, still free text, can also name an account
//     (owner_user_id) or an email address (owner_email), so that requests
//     and reminders reach someone. Accounts are disabled, never deleted,
//     so the link needs no foreign key (and SQLite can drop the column
//     again on the way down);
//   - mail_prefs holds each person's digest (off, daily or weekly, with
//     how many days ahead it looks) and the token of their one-click
//     unsubscribe link, which works without signing in;
//   - follows lists who follows which recommendation;
//   - emails is the log of every email: to whom, what, when, and whether
//     it was delivered. A row is written in the same transaction as the
//     change that causes it, and its job in the queue with it; dedupe_key
//     is unique, so a digest for one person and period is queued once even
//     when several servers look for due digests at the same moment.
var migration0015 = migration{
	id: "0015_mail",
	up: []string{
		`ALTER TABLE actions ADD COLUMN owner_user_id BIGINT`,
		`ALTER TABLE actions ADD COLUMN owner_email TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX actions_owner_user ON actions (owner_user_id)`,
		`CREATE TABLE mail_prefs (
			user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
			digest TEXT NOT NULL DEFAULT 'off',
			digest_days INTEGER NOT NULL DEFAULT 14,
			unsubscribe_token TEXT NOT NULL UNIQUE,
			updated_at {{ts}} NOT NULL
		)`,
		`CREATE TABLE follows (
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			recommendation_id BIGINT NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
			created_at {{ts}} NOT NULL,
			PRIMARY KEY (user_id, recommendation_id)
		)`,
		`CREATE INDEX follows_recommendation ON follows (recommendation_id)`,
		`CREATE TABLE emails (
			id {{pk}},
			kind TEXT NOT NULL,
			user_id BIGINT,
			to_address TEXT NOT NULL,
			subject TEXT NOT NULL,
			body_text TEXT NOT NULL,
			body_html TEXT NOT NULL,
			unsubscribe_url TEXT NOT NULL DEFAULT '',
			dedupe_key TEXT UNIQUE,
			status TEXT NOT NULL,
			attempts INTEGER NOT NULL DEFAULT 0,
			last_error TEXT NOT NULL DEFAULT '',
			enqueued BOOLEAN NOT NULL DEFAULT FALSE,
			created_at {{ts}} NOT NULL,
			sent_at {{ts}}
		)`,
		`CREATE INDEX emails_created ON emails (created_at, id)`,
		`CREATE INDEX emails_pending ON emails (status, enqueued)`,
	},
	down: []string{
		`DROP TABLE emails`,
		`DROP TABLE follows`,
		`DROP TABLE mail_prefs`,
		`DROP INDEX actions_owner_user`,
		`ALTER TABLE actions DROP COLUMN owner_email`,
		`ALTER TABLE actions DROP COLUMN owner_user_id`,
	},
}

package store

// migration0011 keeps failed sign-ins in the database instead of in each
// instance's memory, so that several instances serving one database count
// the same failures: one row per failure per account (the email as typed,
// normalised) and per client address. Rows older than the throttle's
// window are deleted as new failures arrive.
var migration0011 = migration{
	id: "0011_signin_failures",
	up: []string{
		`CREATE TABLE signin_failures (
			id {{pk}},
			kind TEXT NOT NULL,
			subject TEXT NOT NULL,
			at {{ts}} NOT NULL
		)`,
		`CREATE INDEX signin_failures_subject ON signin_failures (kind, subject, at)`,
		`CREATE INDEX signin_failures_at ON signin_failures (at)`,
	},
	down: []string{`DROP TABLE signin_failures`},
}

package store

// migration0022 lets anyone asked for updates before a meeting stop those
// emails with one click, as every other email can be stopped. An owner
// may be known only by an address, with no account and so no mail_prefs,
// so the opt-out is kept by address: request_optouts holds, for each
// address a request was sent to, the token of its link and whether it has
// been used. An owner who has stopped them is listed on the meeting page
// among those who cannot be reached, with the reason.
var migration0022 = migration{
	id: "0022_request_optouts",
	up: []string{
		`CREATE TABLE request_optouts (
			email TEXT PRIMARY KEY,
			token TEXT NOT NULL UNIQUE,
			stopped BOOLEAN NOT NULL DEFAULT FALSE,
			updated_at {{ts}} NOT NULL
		)`,
	},
	down: []string{
		`DROP TABLE request_optouts`,
	},
}

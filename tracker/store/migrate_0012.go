package store

// migration0012 lets "changed since" list the latest changes first by the
// dates they took effect without reading every item changed since: an
// index on each item's latest effective date, then its latest event, is
// walked from the end and stops at the page's last item. Ordering by the
// event recorded last instead meant walking past every item recorded later
// but dated earlier: an imported log, or the 250,000 dated updates of a
// generated tracker.
var migration0012 = migration{
	id:   "0012_changed_walk",
	up:   []string{`CREATE INDEX audit_latest_recent ON audit_latest (last_effective_at, last_id)`},
	down: []string{`DROP INDEX audit_latest_recent`},
}

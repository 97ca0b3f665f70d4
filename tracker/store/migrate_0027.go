package store

import "context"

// migration0027 keeps the items' past states as rows (versions.go), so
// that "as at" a moment reads the row each item had then instead of
// rebuilding every item changed since from its audit events. The tables
// are made with the columns of the tables they stand in for, and filled
// from the trail.
var migration0027 = migration{
	id: "0027_versions",
	then: func(ctx context.Context, s *Store) error {
		return s.createVersionTables(ctx)
	},
	down: []string{
		`DROP TABLE versions_sources`,
		`DROP TABLE versions_recommendations`,
		`DROP TABLE versions_responses`,
		`DROP TABLE versions_actions`,
		`DROP TABLE versions_progress_updates`,
		`DROP TABLE versions_reference_requests`,
		`DROP TABLE versions_replies`,
		`DROP TABLE versions_measures`,
		`DROP TABLE versions_recommendation_addressees`,
		`DROP TABLE versions_reference_recommendations`,
	},
}

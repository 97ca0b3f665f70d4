package store

import (
	"context"
	"strings"
)

// migration0028 gives each row of a versioned table, on SQLite, the
// moment its item's latest change took effect (last_effective_at, as
// audit_latest holds it), kept by the trigger that keeps audit_latest.
// "As at" a moment leaves out the rows of items changed after it
// (shadowing.standing): with the moment on the row, that is a test of a
// column of the row being read instead of a look-up of the item in
// audit_latest, which, as at a day long past, cost each row read twice its
// own reading (the latest progress update of each action, walking past the
// updates made since). The tables of past rows get the column too, empty,
// so that a version stands in for a row column for column.
//
// PostgreSQL's rows get the column in migration 0029, once new rows were
// written with it (KeptLatest): it writes a new copy of a row for each
// change to it, so copying the moments onto every new row at the end of a
// big load made the load a third dearer.
var migration0028 = migration{
	id: "0028_rows_latest_change",
	upSQLite: append(latestColumnSQL(`ALTER TABLE %s ADD COLUMN last_effective_at {{ts}}`),
		`DROP TRIGGER audit_latest_ai`, auditLatestRowsSQLite()),
	downSQLite: append([]string{`DROP TRIGGER audit_latest_ai`, auditLatestSQLite0010()},
		latestColumnSQL(`ALTER TABLE %s DROP COLUMN last_effective_at`)...),
	then: func(ctx context.Context, s *Store) error {
		if s.dialect != SQLite {
			return nil // PostgreSQL's rows get theirs in migration 0029
		}
		return s.refreshLatestColumns(ctx)
	},
}

// latestColumnTables are the tables given the column, by the entity their
// changes are recorded under, as they were at this step.
var latestColumnTables = [][2]string{
	{"source", "sources"}, {"recommendation", "recommendations"}, {"response", "responses"}, {"action", "actions"},
	{"update", "progress_updates"}, {"reference", "reference_requests"}, {"reply", "replies"}, {"measure", "measures"},
}

// latestColumnSQL is stmt for each table given the column and its table
// of past rows.
func latestColumnSQL(stmt string) []string {
	var out []string
	for _, t := range latestColumnTables {
		out = append(out, strings.ReplaceAll(stmt, "%s", t[1]), strings.ReplaceAll(stmt, "%s", "versions_"+t[1]))
	}
	return out
}

// auditLatestSQLite0010 is the trigger that keeps audit_latest on SQLite
// as migration 0010 made it.
func auditLatestSQLite0010() string {
	return migration0010.upSQLite[len(migration0010.upSQLite)-1]
}

// auditLatestRowsSQLite is that trigger, which then copies the item's
// latest change onto its row.
func auditLatestRowsSQLite() string {
	body := strings.TrimSuffix(strings.TrimSpace(auditLatestSQLite0010()), "END")
	for _, t := range latestColumnTables {
		body += `
			UPDATE ` + t[1] + ` SET last_effective_at = (SELECT last_effective_at FROM audit_latest
				WHERE entity = NEW.entity AND entity_id = NEW.entity_id)
			WHERE NEW.entity = '` + t[0] + `' AND id = NEW.entity_id;`
	}
	return body + `
		END`
}

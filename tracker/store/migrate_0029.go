package store

import (
	"context"
	"strings"
)

// migration0029 gives the rows of PostgreSQL the copy of their item's
// latest change that SQLite's got in migration 0028 (KeptLatest), so that
// "as at" a day long past tests the row read instead of looking its item
// up in audit_latest: as at 30 June 2024, at 10,000 recommendations, that
// look-up was half the server's work for the outstanding report.
//
// A new row is written with the moment its creation takes effect
// (Store.stamp), and a trigger on audit_latest copies each later change
// onto the row, unless a big write defers the derived tables
// (tracker.defer_derived); rebuildDerived then copies what differs. So a
// big load writes each new row once, as before: PostgreSQL writes a new
// copy of a row for every change to it.
var migration0029 = migration{
	id: "0029_rows_latest_change_postgres",
	upPostgres: append(latestColumnSQL(`ALTER TABLE %s ADD COLUMN last_effective_at {{ts}}`),
		auditLatestRowsPostgres(),
		`CREATE TRIGGER audit_latest_rows AFTER INSERT OR UPDATE OF last_effective_at ON audit_latest
			FOR EACH ROW EXECUTE FUNCTION audit_latest_rows()`),
	downPostgres: append([]string{`DROP TRIGGER audit_latest_rows ON audit_latest`, `DROP FUNCTION audit_latest_rows()`},
		latestColumnSQL(`ALTER TABLE %s DROP COLUMN last_effective_at`)...),
	then: func(ctx context.Context, s *Store) error {
		if s.dialect != Postgres {
			return nil
		}
		return s.refreshLatestColumns(ctx)
	},
}

// auditLatestRowsPostgres is the function that copies an item's latest
// change from audit_latest onto its row, when it differs.
func auditLatestRowsPostgres() string {
	var body strings.Builder
	for i, t := range latestColumnTables {
		if i == 0 {
			body.WriteString(`
			IF`)
		} else {
			body.WriteString(`
			ELSIF`)
		}
		body.WriteString(` NEW.entity = '` + t[0] + `' THEN
				UPDATE ` + t[1] + ` SET last_effective_at = NEW.last_effective_at
				WHERE id = NEW.entity_id AND last_effective_at IS DISTINCT FROM NEW.last_effective_at;`)
	}
	return `CREATE FUNCTION audit_latest_rows() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF current_setting('tracker.defer_derived', true) = 'on' THEN
				RETURN NULL;
			END IF;` + body.String() + `
			END IF;
			RETURN NULL;
		END $$`
}

package store

import (
	"context"
	"fmt"
	"strings"
)

// tally is a table of counts that triggers keep: how many rows of the
// tables it is derived from (from, where alive) there are with each
// combination of the values keys makes of a row, one key a column. In
// from, {{table}} stands for each table read, so that the same rule counts
// the tables, the rows of the items an as-at read rebuilds and the rows
// they replace (shadowing.derived). The rows of an item of entity, whose id
// is id, are the ones its changes move.
type tally struct {
	table       string
	columns     []string
	keys        []string
	from, alive string
	entity, id  string
}

// tallies are the tables of counts; {{far}} is the stand-in date.
// addressee_tallies count each addressee's own status (migration 0024).
var tallies = []tally{
	{"action_tallies", []string{"organisation_id", "source_id", "owner", "status", "rag", "due_date"},
		[]string{"organisation_id", "COALESCE(source_id, 0)", "owner", "status", "rag",
			"CASE WHEN status IN ('not_started', 'in_progress') AND due_date IS NOT NULL THEN due_date ELSE {{far}} END"},
		`{{actions}}`, `deleted_at IS NULL`, EntityAction, `id`},
	{"recommendation_tallies", []string{"source_id", "status", "deadline_date"},
		[]string{"source_id", "status",
			"CASE WHEN status IN ('open', 'in_progress') AND deadline_date IS NOT NULL THEN deadline_date ELSE {{far}} END"},
		`{{recommendations}}`, `deleted_at IS NULL`, EntityRecommendation, `id`},
	{"addressee_tallies", []string{"organisation_id", "source_id", "status", "deadline_date"},
		[]string{"a.organisation_id", "r.source_id", "a.status",
			"CASE WHEN a.status IN ('open', 'in_progress') AND r.deadline_date IS NOT NULL THEN r.deadline_date ELSE {{far}} END"},
		`{{recommendation_addressees}} a JOIN {{recommendations}} r ON r.id = a.recommendation_id`, `r.deleted_at IS NULL`,
		EntityRecommendation, `a.recommendation_id`},
}

// rows is the tally's keys, each named as its column, and n as given for
// each row of its tables that it counts, with each table named by name,
// ungrouped.
func (t tally) rows(name func(table string) string, n string) string {
	from := t.from
	for _, table := range tallyTables {
		from = strings.ReplaceAll(from, "{{"+table+"}}", name(table))
	}
	keys := make([]string, len(t.keys))
	for i, k := range t.keys {
		keys[i] = k + ` AS ` + t.columns[i]
	}
	return `SELECT ` + strings.Join(keys, ", ") + `, ` + n + ` AS n FROM ` + from + ` WHERE ` + t.alive
}

// tables are the tables the tally counts, as its from names them.
func (t tally) tables() []string {
	var out []string
	for _, table := range tallyTables {
		if strings.Contains(t.from, "{{"+table+"}}") {
			out = append(out, table)
		}
	}
	return out
}

// tallyTables are the tables the tallies count.
var tallyTables = []string{"actions", "recommendations", "recommendation_addressees"}

// counted is the query that makes the tally's rows from its tables.
func (t tally) counted() string {
	group := make([]string, len(t.keys))
	for i := range group {
		group[i] = fmt.Sprint(i + 1)
	}
	return t.rows(func(table string) string { return table }, "COUNT(*)") + ` GROUP BY ` + strings.Join(group, ", ")
}

// derivedChecks pairs each table kept by triggers with the query that
// makes its rows from the tables it is derived from; {{far}} is the
// stand-in date and {{day}} the day the latest change took effect.
var derivedChecks = append(tallyChecks(), []derivedCheck{
	{"audit_latest", "entity, entity_id, last_id, last_effective_at, last_day",
		`SELECT entity, entity_id, last_id, last_effective_at, last_day FROM audit_latest`,
		`SELECT entity, entity_id, MAX(id), MAX(COALESCE(effective_at, at)), {{day}} FROM audit_events GROUP BY entity, entity_id`},
	{"change_days", "entity, day, n",
		`SELECT entity, day, n FROM change_days WHERE n <> 0`,
		`SELECT entity, day, COUNT(*) FROM (SELECT entity, entity_id, {{day}} AS day FROM audit_events GROUP BY entity, entity_id) latest GROUP BY entity, day`},
}...)

// derivedCheck is a derived table (its name and columns), its rows that
// count (kept) and the query that makes them (want).
type derivedCheck struct{ table, columns, kept, want string }

func tallyChecks() []derivedCheck {
	out := make([]derivedCheck, len(tallies))
	for i, t := range tallies {
		columns := strings.Join(t.columns, ", ") + ", n"
		out[i] = derivedCheck{t.table, columns, `SELECT ` + columns + ` FROM ` + t.table + ` WHERE n <> 0`, t.counted()}
	}
	return out
}

func (s *Store) derivedSQL(want string) string {
	far, day := `'9999-12-31 00:00:00+00:00'`, `CAST(julianday(MAX(COALESCE(effective_at, at))) - 2440587.5 AS INTEGER)`
	if s.dialect == Postgres {
		far, day = `DATE '9999-12-31'`, `FLOOR(EXTRACT(EPOCH FROM MAX(COALESCE(effective_at, at))) / 86400)::BIGINT`
	}
	return strings.NewReplacer("{{far}}", far, "{{day}}", day).Replace(want)
}

// deferDerived makes the triggers of this PostgreSQL transaction leave the
// derived tables alone until rebuildDerived, for writers of many rows:
// PostgreSQL keeps every version of a row a transaction updates until it
// ends, so a tally updated once per row of a big load costs the square of
// its rows. The derived tables are locked against other writers until the
// transaction ends, so none of their changes is lost in the rebuild.
// SQLite updates in place and needs none of this.
func (s *Store) deferDerived(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	for _, stmt := range []string{
		`LOCK TABLE action_tallies, recommendation_tallies, addressee_tallies, audit_latest, change_days IN EXCLUSIVE MODE`,
		`SELECT set_config('tracker.defer_derived', 'on', true)`,
	} {
		if err := s.q(ctx).Exec(stmt).Error; err != nil {
			return fmt.Errorf("defer the tallies: %w", err)
		}
	}
	return nil
}

// rebuildDerived fills the derived tables again from the tables they come
// from and lets the triggers keep them again; it ends deferDerived, and
// mends them after a writer that changed the audit trail in place.
func (s *Store) rebuildDerived(ctx context.Context) error {
	// The triggers leave the rows alone while audit_latest is made again
	// (refreshLatestColumns then copies what changed, a statement a
	// table), and no other writer changes what is being made.
	if err := s.deferDerived(ctx); err != nil {
		return err
	}
	for _, c := range derivedChecks {
		for _, stmt := range []string{`DELETE FROM ` + c.table, `INSERT INTO ` + c.table + ` (` + c.columns + `) ` + s.derivedSQL(c.want)} {
			if err := s.q(ctx).Exec(stmt).Error; err != nil {
				return fmt.Errorf("rebuild %s: %w", c.table, err)
			}
		}
	}
	if err := s.refreshLatestColumns(ctx); err != nil {
		return err
	}
	if s.dialect == Postgres {
		if err := s.q(ctx).Exec(`SELECT set_config('tracker.defer_derived', 'off', true)`).Error; err != nil {
			return fmt.Errorf("keep the tallies again: %w", err)
		}
	}
	return nil
}

// CheckDerived compares the tables that triggers keep (tallies of actions
// and recommendations, each item's latest change and its copy on the
// item's rows) with what the tables they come from say now, and
// returns an error naming any that differ.
// Nothing in the app needs it; tests and a worried administrator do.
func (s *Store) CheckDerived(ctx context.Context) error {
	checks := make([]derivedCheck, 0, len(derivedChecks)+len(versioned))
	for _, c := range derivedChecks {
		checks = append(checks, derivedCheck{table: c.table, kept: c.kept, want: s.derivedSQL(c.want)})
	}
	for _, v := range versioned {
		checks = append(checks, derivedCheck{table: v.table + ".last_effective_at",
			kept: `SELECT id, last_effective_at FROM ` + v.table, want: latestOfRows(v.entity, v.table)})
	}
	var bad []string
	for _, c := range checks {
		var n int64
		q := `SELECT COUNT(*) FROM ((` + c.kept + ` EXCEPT ` + c.want + `) UNION ALL (` + c.want + ` EXCEPT ` + c.kept + `)) diff`
		if s.dialect == SQLite {
			// SQLite takes no brackets around the arms of a compound SELECT.
			q = `SELECT (SELECT COUNT(*) FROM (` + c.kept + ` EXCEPT ` + c.want + `)) + (SELECT COUNT(*) FROM (` + c.want + ` EXCEPT ` + c.kept + `))`
		}
		if err := s.q(ctx).Raw(q).Row().Scan(&n); err != nil {
			return fmt.Errorf("check %s: %w", c.table, err)
		}
		if n > 0 {
			bad = append(bad, fmt.Sprintf("%s (%d rows differ)", c.table, n))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("derived tables out of step: %s", strings.Join(bad, ", "))
	}
	return nil
}

// latestOfRows is the query of each row of table (of entity) with the
// moment its item's latest change took effect, from audit_latest: what
// its column last_effective_at holds (KeptLatest).
func latestOfRows(entity, table string) string {
	return `SELECT t.id, l.last_effective_at FROM ` + table + ` t
		LEFT JOIN audit_latest l ON l.entity = '` + entity + `' AND l.entity_id = t.id`
}

// refreshLatestColumns copies each item's latest change from audit_latest
// onto its row, where the row does not hold it already: after the derived
// tables are rebuilt, and when the column is made.
func (s *Store) refreshLatestColumns(ctx context.Context) error {
	for _, v := range versioned {
		for _, stmt := range []string{
			`UPDATE ` + v.table + ` SET last_effective_at = l.last_effective_at FROM audit_latest l
				WHERE l.entity = '` + v.entity + `' AND l.entity_id = ` + v.table + `.id
				AND ` + v.table + `.last_effective_at IS DISTINCT FROM l.last_effective_at`,
			`UPDATE ` + v.table + ` SET last_effective_at = NULL WHERE last_effective_at IS NOT NULL
				AND NOT EXISTS (SELECT 1 FROM audit_latest l WHERE l.entity = '` + v.entity + `' AND l.entity_id = ` + v.table + `.id)`,
		} {
			if err := s.q(ctx).Exec(stmt).Error; err != nil {
				return fmt.Errorf("copy the latest changes onto %s: %w", v.table, err)
			}
		}
	}
	return nil
}

package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/civic-tracker/tracker/tracker"
)

// AsAtOptions say how to read the tracker as at a moment.
type AsAtOptions struct {
	// Since marks what was new or changed after this moment.
	Since *time.Time
	// Recorded reads by when changes were typed in rather than when they
	// took effect: what the tracker knew at the moment, for an auditor.
	Recorded bool
}

// versioned are the tables "as at" rebuilds from the audit trail, with the
// entity their events are recorded under. Organisations are shown by their
// current names; outcomes go with their reply.
var versioned = []struct {
	entity, table string
	rows          func() any // a pointer to an empty slice of the table's rows
}{
	{EntitySource, "sources", func() any { return &[]sourceRow{} }},
	{EntityRecommendation, "recommendations", func() any { return &[]recommendationRow{} }},
	{EntityResponse, "responses", func() any { return &[]responseRow{} }},
	{EntityAction, "actions", func() any { return &[]actionRow{} }},
	{EntityUpdate, "progress_updates", func() any { return &[]updateRow{} }},
	{EntityReference, "reference_requests", func() any { return &[]referenceRow{} }},
	{EntityReply, "replies", func() any { return &[]replyRow{} }},
	{EntityMeasure, "measures", func() any { return &[]measureRow{} }},
}

// errReadDone ends an as-at read's transaction by rolling it back, so
// nothing it built outlives the read.
var errReadDone = errors.New("as-at read done")

// ReadAsAt runs fn on the tracker as it stood at the moment at. fn reads
// through tx with the same queries the pages use; each table it reads is,
// for that transaction only, the table as it was at the moment: rows
// changed later are replaced by their state at the moment, rebuilt from
// their own audit events, rows made later are left out and rows deleted
// since come back. The tables triggers keep follow (shadowing.derived), so a
// total or a count read through tx counts the rows as they were. Only the
// items changed after the moment are rebuilt, so as at today costs nothing
// extra and the whole trail is never read.
//
// "As at" follows the log's own dates: each change counts from the day it
// took effect (an update's date, a response's, the day a status changed),
// whenever it was typed in; opts.Recorded reads by when it was typed in.
// view carries the moment and, with opts.Since, what changed since then.
//
// fn must only read: the transaction is rolled back when it returns. Called
// inside a write transaction (a command freezing a meeting's schedule), it
// reads within a savepoint of that transaction and rolls back to it, so the
// write sees its own changes and none of the as-at tables outlive the read.
// As-at reads do not nest.
func (s *Store) ReadAsAt(ctx context.Context, at time.Time, opts AsAtOptions, fn func(tx *Store, view *tracker.View) error) error {
	at = at.UTC()
	view := &tracker.View{AsAt: at, Since: opts.Since}
	column := "effective_at"
	if opts.Recorded {
		column = "at"
	}
	if opts.Since != nil {
		marks, err := s.marks(ctx, column, *opts.Since, at)
		if err != nil {
			return err
		}
		view.Marks = marks
	}
	// The last change, read from the end of the index on either database.
	var later int
	if err := s.q(ctx).Raw(`SELECT CASE WHEN (SELECT MAX(`+column+`) FROM audit_events) > ? THEN 1 ELSE 0 END`, at).Row().Scan(&later); err != nil {
		return fmt.Errorf("check the audit trail: %w", err)
	}
	if later == 0 {
		// Nothing took effect after the moment: the tables as they are.
		return fn(s, view)
	}
	if s.inTx() {
		return s.readAsAtInTx(ctx, column, at, opts.Recorded, func(tx *Store) error { return fn(tx, view) })
	}
	if !opts.Recorded && s.asat != nil {
		return s.readAsAtPooled(ctx, at, func(tx *Store) error { return fn(tx, view) })
	}
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.shadow(ctx, column, at, opts.Recorded); err != nil {
			return err
		}
		if err := fn(tx, view); err != nil {
			return err
		}
		return errReadDone
	})
	if errors.Is(err, errReadDone) {
		return nil
	}
	return err
}

// asatSavepoint names the savepoint of an as-at read inside a transaction.
const asatSavepoint = "asat_read"

// inTx reports whether the store is a transaction's (got from Tx).
func (s *Store) inTx() bool {
	c, ok := s.db.Statement.ConnPool.(gorm.TxCommitter)
	return ok && c != nil
}

// readAsAtInTx runs an as-at read inside the store's own transaction: the
// shadow tables are made after a savepoint and undone by rolling back to
// it, whatever fn returns. A Tx inside a Tx joins it (no savepoint of its
// own), so without this the shadows would stay for the rest of the write
// and, on PostgreSQL, for the rest of the connection's session.
func (s *Store) readAsAtInTx(ctx context.Context, column string, at time.Time, recorded bool, fn func(tx *Store) error) (err error) {
	// The versions of what this transaction changed, before they are read.
	if err := s.flushVersions(ctx); err != nil {
		return err
	}
	if err := s.q(ctx).SavePoint(asatSavepoint).Error; err != nil {
		return fmt.Errorf("as at: savepoint: %w", err)
	}
	defer func() {
		undo := s.q(ctx).RollbackTo(asatSavepoint).Error
		if undo == nil {
			undo = s.q(ctx).Exec("RELEASE SAVEPOINT " + asatSavepoint).Error
		}
		if undo != nil && err == nil {
			err = fmt.Errorf("as at: undo the as-at tables: %w", undo)
		}
	}()
	if err := s.shadow(ctx, column, at, recorded); err != nil {
		return err
	}
	defer func() { s.parts = nil }()
	return fn(s)
}

// shadow puts, in front of each versioned table, a temporary view of the
// same name holding the table as it stood at the moment. Temporary objects
// come first in name lookup on both databases and vanish with the
// transaction.
//
// Its cost does not grow with the tracker: a row the reads meet that has
// a change after the moment is left out by the moment its item's latest
// change took effect, which on SQLite the row holds (migration 0028) and
// on PostgreSQL is one indexed look-up (audit_latest); read by when
// changes were recorded, by one look-up of its events. Only the items
// that stood at the moment and were changed after it (a change other than
// their creation, found by an index of those changes) are rebuilt. Items made after the moment, which
// for a day long past are most of the trail, are never read, but by a
// total or a count (a tally's view, derived), which takes their rows out
// of today's tally: that grows with the items changed or made since.
func (s *Store) shadow(ctx context.Context, column string, at time.Time, recorded bool) error {
	sh, err := s.shadowing(ctx, column, at, recorded)
	if err != nil {
		return err
	}
	if err := sh.moment(true); err != nil {
		return err
	}
	if sh.later, err = s.laterEntities(ctx, sh.base, at, recorded); err != nil {
		return err
	}
	if !recorded {
		shape, err := s.versionShape(ctx)
		if err != nil {
			return err
		}
		sh.shape = shapeTables(shape)
	}
	if err := sh.build(); err != nil {
		return err
	}
	s.parts = sh.kept
	return nil
}

// shadowing starts the making of the views of an as-at read.
func (s *Store) shadowing(ctx context.Context, column string, at time.Time, recorded bool) (*shadowing, error) {
	sh := &shadowing{s: s, ctx: ctx, base: "main", column: column, at: at, recorded: recorded,
		changed: map[string]bool{}, kept: map[string]bool{}}
	if s.dialect == Postgres {
		var err error
		if sh.base, err = s.schema(ctx); err != nil {
			return nil, err
		}
	}
	return sh, nil
}

// build makes the views of the tables changed after the moment (later),
// reading the moment from asat_moment.
func (sh *shadowing) build() (err error) {
	recorded := sh.recorded
	if err := sh.changedSince(); err != nil {
		return err
	}
	if !recorded {
		// Nothing below reads what it makes: one round trip for it all.
		sh.queue = []string{}
		defer func() {
			if err == nil {
				err = sh.flush()
			}
		}()
	}
	for _, v := range versioned {
		if err := sh.table(v.entity, v.table, v.rows); err != nil {
			return err
		}
	}
	// Links kept in tables of their own: a recommendation's addressees and
	// a reference's recommendations, as its events say they were.
	for _, l := range versionLinks {
		if err := sh.links(l.entity, l.table, l.parent, l.child, l.field); err != nil {
			return err
		}
	}
	// A measure's value counts from the end of its period, or from when it
	// was recorded if that came first; a deadline's move from its day.
	values, revised := `period_end <= (SELECT at FROM asat_moment) OR created_at <= (SELECT at FROM asat_moment)`, `revised_on <= (SELECT at FROM asat_moment)`
	if recorded {
		values, revised = `created_at <= (SELECT at FROM asat_moment)`, `created_at <= (SELECT at FROM asat_moment)`
	}
	if err := sh.exec(`CREATE TEMP VIEW measure_values AS SELECT * FROM ` + sh.base + `.measure_values WHERE ` + values); err != nil {
		return err
	}
	if err := sh.exec(`CREATE TEMP VIEW deadline_revisions AS SELECT * FROM ` + sh.base + `.deadline_revisions WHERE ` + revised); err != nil {
		return err
	}
	return sh.derived()
}

// shadowing is one as-at read's making of its views.
type shadowing struct {
	s        *Store
	ctx      context.Context
	base     string // the schema of the tables
	column   string // of audit_events: effective_at, or at as recorded
	at       time.Time
	recorded bool
	// changed are the entities with items to rebuild, later those with any
	// change after the moment; kept the tables with rebuilt rows
	// (asat_<table>).
	changed, later, kept map[string]bool
	// queue, when not nil, holds the statements that make the views until
	// flush sends them.
	queue []string
	// shape are the tables with past rows (versionShape).
	shape map[string]bool
}

func (sh *shadowing) exec(sql string, args ...any) error {
	if sh.queue != nil && len(args) == 0 {
		sh.queue = append(sh.queue, sh.s.expand(sql))
		return nil
	}
	if err := sh.s.q(sh.ctx).Exec(sh.s.expand(sql), args...).Error; err != nil {
		return fmt.Errorf("as at: %.60s…: %w", sql, err)
	}
	return nil
}

// flush sends the statements queued, in one go.
func (sh *shadowing) flush() error {
	if len(sh.queue) == 0 {
		return nil
	}
	sql := strings.Join(sh.queue, ";\n")
	sh.queue = nil
	if err := sh.s.q(sh.ctx).Exec(sql).Error; err != nil {
		return fmt.Errorf("as at: make the views: %w", err)
	}
	return nil
}

// moment makes the table that holds the moment the views show
// (asat_moment) and, with keep, puts the read's moment in it.
func (sh *shadowing) moment(keep bool) error {
	if err := sh.exec(`CREATE TEMP TABLE asat_moment (at {{ts}} NOT NULL)`); err != nil {
		return err
	}
	if !keep {
		return nil
	}
	return sh.exec(`INSERT INTO asat_moment (at) VALUES (?)`, sh.at)
}

// changedSince keeps the items that stood at the moment and were changed
// after it (asat_changed) and, read by when changes were recorded, notes
// which entities have such items.
func (sh *shadowing) changedSince() error {
	// The condition is the one of the partial indexes audit_changes_*. An
	// item changed twice is listed twice: asking for it to be listed once
	// makes SQLite walk every event in item order instead. An item made
	// after the moment is not listed: there is nothing of it to rebuild.
	// Its creation is looked up by the item (COALESCE keeps PostgreSQL off
	// the index of times, where for a moment newer than its statistics it
	// looked for each item among every creation since).
	changed := `SELECT e.entity AS entity, e.entity_id AS entity_id FROM ` + sh.base + `.audit_events e
		WHERE e.` + sh.column + ` > (SELECT at FROM asat_moment) AND e.op <> '` + tracker.OpCreate + `'
		AND NOT EXISTS (SELECT 1 FROM ` + sh.base + `.audit_events c WHERE c.entity = e.entity AND c.entity_id = e.entity_id
			AND c.op = '` + tracker.OpCreate + `' AND COALESCE(c.` + sh.column + `, c.at) > (SELECT at FROM asat_moment))`
	if !sh.recorded {
		// The items' versions hold their rows as they stood: what changed
		// since is read only by a reader of each item's latest change.
		return sh.exec(`CREATE TEMP VIEW asat_changed AS ` + changed)
	}
	if err := sh.exec(`CREATE TEMP TABLE asat_changed (entity TEXT NOT NULL, entity_id BIGINT NOT NULL)`); err != nil {
		return err
	}
	if err := sh.exec(`INSERT INTO asat_changed (entity, entity_id) ` + changed); err != nil {
		return err
	}
	if err := sh.exec(`CREATE INDEX asat_changed_item ON asat_changed (entity, entity_id)`); err != nil {
		return err
	}
	var entities []string
	if err := sh.s.q(sh.ctx).Raw(`SELECT DISTINCT entity FROM asat_changed`).Scan(&entities).Error; err != nil {
		return fmt.Errorf("as at: the items changed since: %w", err)
	}
	for _, e := range entities {
		sh.changed[e] = true
	}
	return nil
}

// versions puts the versions of table standing at the moment in
// asat_<table>, the rows of the items that stood then and changed since.
//
// A table none of whose rows was ever superseded (shape) is its rows that
// stood, a view of one part: SQLite reads a view of two parts inside a
// correlated subquery only by making all of it for each row, so the reads
// that would (Store.parts) read it another way then.
func (sh *shadowing) versions(table, entity, idOf string) error {
	if !sh.shape[table] {
		return sh.view(table, entity, idOf, false)
	}
	cols, err := sh.s.versionColumns(sh.ctx, table)
	if err != nil {
		return err
	}
	sh.kept[table] = true
	if err := sh.exec(`CREATE TEMP VIEW asat_` + table + ` AS ` + standingVersions(sh.base, table, cols)); err != nil {
		return err
	}
	return sh.view(table, entity, idOf, true)
}

// standing is true of a row of entity, its id given by the expression
// idOf, that has no change after the moment: as it is, it stood then.
func (sh *shadowing) standing(entity, idOf string) string {
	if sh.recorded {
		return `NOT EXISTS (SELECT 1 FROM ` + sh.base + `.audit_events e WHERE e.entity = '` + entity + `' AND e.entity_id = ` + idOf +
			` AND e.at > (SELECT at FROM asat_moment))`
	}
	latest := `NOT EXISTS (SELECT 1 FROM ` + sh.base + `.audit_latest l WHERE l.entity = '` + entity + `' AND l.entity_id = ` + idOf +
		` AND l.last_effective_at > (SELECT at FROM asat_moment))`
	if idOf != "t.id" {
		return latest // a link's row has no moment of its own
	}
	// The row's own copy of its item's latest change (KeptLatest);
	// without one, the item is looked up.
	return `CASE WHEN t.last_effective_at IS NULL THEN ` + latest + ` ELSE t.last_effective_at <= (SELECT at FROM asat_moment) END`
}

// view puts the view of table in front of it: its rows of items standing
// since the moment (by the item id idOf names), and, when kept, the rows
// rebuilt in asat_<table>.
func (sh *shadowing) view(table, entity, idOf string, rebuilt bool) error {
	sql := `CREATE TEMP VIEW ` + table + ` AS SELECT * FROM ` + sh.base + `.` + table + ` t WHERE ` + sh.standing(entity, idOf)
	if rebuilt {
		sql += ` UNION ALL SELECT * FROM asat_` + table
	}
	return sh.exec(sql)
}

// table shadows a versioned table changed since the moment: its items
// that stood then and changed since are rebuilt into asat_<table>.
func (sh *shadowing) table(entity, table string, empty func() any) error {
	if !sh.later[entity] {
		return nil // nothing of it changed after the moment: the table as it is
	}
	if !sh.recorded {
		return sh.versions(table, entity, "t.id")
	}
	kept := false
	if sh.changed[entity] {
		rows, err := sh.s.rebuiltRows(sh.ctx, entity, empty(), sh.at, sh.recorded)
		if err != nil {
			return err
		}
		if kept = reflect.ValueOf(rows).Elem().Len() > 0; kept {
			if err := sh.s.tempCopyOf(sh.ctx, sh.base, table); err != nil {
				return err
			}
			if err := sh.s.keepRows(sh.ctx, "asat_"+table, rows, nil); err != nil {
				return fmt.Errorf("as at: keep %s: %w", table, err)
			}
			sh.kept[table] = true
		}
	}
	return sh.view(table, entity, "t.id", kept)
}

// links shadows a table of links from items of entity (by the column
// parent) as their events say they were.
func (sh *shadowing) links(entity, table, parent, child, field string) error {
	if !sh.later[entity] {
		return nil
	}
	if !sh.recorded {
		return sh.versions(table, entity, "t."+parent)
	}
	kept := false
	if sh.changed[entity] {
		out, err := sh.s.rebuildLinks(sh.ctx, entity, table, parent, child, field, sh.at, sh.recorded)
		if err != nil {
			return err
		}
		if kept = len(out) > 0; kept {
			if err := sh.s.tempCopyOf(sh.ctx, sh.base, table); err != nil {
				return err
			}
			if err := sh.s.q(sh.ctx).Table("asat_"+table).CreateInBatches(out, 500).Error; err != nil {
				return fmt.Errorf("as at: keep %s: %w", table, err)
			}
			sh.kept[table] = true
		}
	}
	return sh.view(table, entity, "t."+parent, kept)
}

// derived puts, in front of each table that triggers keep, a temporary
// view of the same name holding what it held at the moment, so that the
// totals and counts read from them count the tables' views as they stand
// (not today's rows), by the queries that read them now.
//
// A tally at the moment is the tally now, less the rows now of the items
// its view of the table leaves out (those with a change after the moment:
// changed since, or made since), plus the rows rebuilt for it (kept in
// asat_<table>), both counted by the tally's own rule (tally.rows), each
// row counted as -1 or 1 and left for its reader to add up (every reader
// of a tally adds up its n). The items left out are found as the view
// finds them, by the index of the items' latest changes, each once: what
// it costs grows with the items changed or made since, not with the
// tables, and a reader's conditions reach each part and its indexes,
// which a grouped view would hide from SQLite. A tally whose items have
// no change since is left as it is, as its table is.
//
// Each item's latest change at the moment is, for the items rebuilt, the
// latest of their changes up to it; the items made since have none; the
// others keep theirs. The number of items whose latest change fell on
// each day follows from it.
//
// The table itself comes last in each view: SQLite takes the declared
// types of a compound's columns, by which the driver reads times back as
// times, from its last part.
func (sh *shadowing) derived() error {
	now := func(table string) string { return sh.base + "." + table }
	then := func(table string) string { return "asat_" + table }
	for _, t := range tallies {
		if !sh.later[t.entity] {
			continue
		}
		sql := t.rows(now, "-1") + ` AND ` + t.id + ` IN (` + sh.laterItems(t.entity) + `)`
		if sh.keptAll(t.tables()) {
			sql += ` UNION ALL ` + t.rows(then, "1")
		}
		sql += ` UNION ALL SELECT ` + strings.Join(t.columns, ", ") + `, n FROM ` + now(t.table)
		if err := sh.exec(sh.s.derivedSQL(`CREATE TEMP VIEW ` + t.table + ` AS ` + sql)); err != nil {
			return err
		}
	}
	// An event counts up to the moment as asat_changed reads it: one
	// with no date of effect never counts as later. An item changed twice
	// is listed twice in asat_changed, so it is read once.
	if err := sh.exec(sh.s.derivedSQL(`CREATE TEMP VIEW asat_audit_latest AS
		SELECT entity, entity_id, MAX(id) AS last_id, MAX(COALESCE(effective_at, at)) AS last_effective_at, {{day}} AS last_day
		FROM (SELECT e.* FROM (SELECT DISTINCT entity, entity_id FROM asat_changed) c JOIN ` + now("audit_events") + ` e
			ON e.entity = c.entity AND e.entity_id = c.entity_id
			WHERE e.` + sh.column + ` <= (SELECT at FROM asat_moment) OR e.` + sh.column + ` IS NULL) e
		GROUP BY entity, entity_id`)); err != nil {
		return err
	}
	stood := `l.last_effective_at <= (SELECT at FROM asat_moment)`
	if sh.recorded {
		stood = `NOT EXISTS (SELECT 1 FROM ` + now("audit_events") + ` e WHERE e.entity = l.entity AND e.entity_id = l.entity_id AND e.at > (SELECT at FROM asat_moment))`
	}
	if err := sh.exec(`CREATE TEMP VIEW audit_latest AS SELECT entity, entity_id, last_id, last_effective_at, last_day FROM asat_audit_latest
		UNION ALL SELECT entity, entity_id, last_id, last_effective_at, last_day FROM ` + now("audit_latest") + ` l WHERE ` + stood); err != nil {
		return err
	}
	later := `SELECT l.entity AS entity, l.last_day AS day, -1 AS n FROM ` + now("audit_latest") + ` l WHERE l.last_effective_at > (SELECT at FROM asat_moment)`
	if sh.recorded {
		later = `SELECT l.entity AS entity, l.last_day AS day, -1 AS n
			FROM (SELECT DISTINCT entity, entity_id FROM ` + now("audit_events") + ` WHERE at > (SELECT at FROM asat_moment)) c
			JOIN ` + now("audit_latest") + ` l ON l.entity = c.entity AND l.entity_id = c.entity_id`
	}
	return sh.exec(`CREATE TEMP VIEW change_days AS ` + later + `
		UNION ALL SELECT entity, last_day, 1 FROM asat_audit_latest
		UNION ALL SELECT entity, day, n FROM ` + now("change_days"))
}

// laterItems is a query of the ids of the items of entity with a change
// after the moment (those standing does not keep), each once or, read by
// when changes were recorded, once for each change.
func (sh *shadowing) laterItems(entity string) string {
	if sh.recorded {
		return `SELECT e.entity_id FROM ` + sh.base + `.audit_events e WHERE e.entity = '` + entity + `' AND e.at > (SELECT at FROM asat_moment)`
	}
	return `SELECT l.entity_id FROM ` + sh.base + `.audit_latest l WHERE l.entity = '` + entity + `' AND l.last_effective_at > (SELECT at FROM asat_moment)`
}

// keptAll says whether every one of the tables has rebuilt rows.
func (sh *shadowing) keptAll(tables []string) bool {
	for _, t := range tables {
		if !sh.kept[t] {
			return false
		}
	}
	return len(tables) > 0
}

// keepRows inserts rows, a pointer to a slice of one table's rows, into
// the temporary table named, a hundred to a statement: what an as-at read
// rebuilt. gorm's own batch insert cost more than the rebuilding.
//
// spans, when given, are each row's valid_from and valid_to: the rows are
// versions (versions_<table>).
func (s *Store) keepRows(ctx context.Context, table string, rows any, spans [][2]time.Time) error {
	list := reflect.ValueOf(rows).Elem()
	if list.Len() == 0 {
		return nil
	}
	sch, err := schema.Parse(list.Index(0).Addr().Interface(), &schemaCache, s.db.NamingStrategy)
	if err != nil {
		return err
	}
	var cols []string
	var fields []*schema.Field
	for _, f := range sch.Fields {
		// A row rebuilt or past has no latest change of its own (KeptLatest).
		if f.DBName != "" && f.Creatable && f.DBName != "last_effective_at" {
			cols = append(cols, `"`+f.DBName+`"`)
			fields = append(fields, f)
		}
	}
	if spans != nil {
		cols = append(cols, "valid_from", "valid_to")
	}
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	const perStatement = 100
	for start := 0; start < list.Len(); start += perStatement {
		end := min(start+perStatement, list.Len())
		args := make([]any, 0, (end-start)*len(cols))
		for i := start; i < end; i++ {
			row := list.Index(i)
			for _, f := range fields {
				args = append(args, row.FieldByIndex(f.StructField.Index).Interface())
			}
			if spans != nil {
				args = append(args, spans[i][0], spans[i][1])
			}
		}
		sql := `INSERT INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES ` + strings.TrimSuffix(strings.Repeat(one+", ", end-start), ", ")
		if err := s.q(ctx).Exec(sql, args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// laterEntities says which of the versioned entities have a change after
// the moment, each found in the index of the items' latest changes; read
// by when changes were recorded, which that index does not keep, every
// one is taken to have. The index is the table's in the schema base, not
// the view of it an as-at read puts in front of it.
func (s *Store) laterEntities(ctx context.Context, base string, at time.Time, recorded bool) (map[string]bool, error) {
	out := map[string]bool{}
	var parts []string
	var args []any
	for _, v := range versioned {
		out[v.entity] = recorded
		parts = append(parts, `SELECT '`+v.entity+`' AS entity WHERE EXISTS (SELECT 1 FROM `+base+`.audit_latest WHERE entity = '`+v.entity+`' AND last_effective_at > ?)`)
		args = append(args, at)
	}
	if recorded {
		return out, nil
	}
	var found []string
	if err := s.q(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&found).Error; err != nil {
		return nil, fmt.Errorf("as at: what changed since: %w", err)
	}
	for _, e := range found {
		out[e] = true
	}
	return out, nil
}

// tempCopyOf makes an empty temporary table asat_<table> with the columns
// of table, in its order.
func (s *Store) tempCopyOf(ctx context.Context, base, table string) error {
	return s.copyColumns(ctx, base, table, "asat_"+table, true)
}

// copyColumns makes an empty table named name with the columns of table
// (in the schema base, or the current one), in its order: temporary, or
// not. On SQLite the columns keep their declared types, by which the driver
// reads times back as times; constraints are left out.
func (s *Store) copyColumns(ctx context.Context, base, table, name string, temp bool) error {
	kind, from := "TABLE ", table
	if temp {
		kind = "TEMP TABLE "
	}
	if base != "" {
		from = base + "." + table
	}
	ddl := `CREATE ` + kind + name + ` AS SELECT * FROM ` + from + ` WHERE 1 = 0`
	if s.dialect == SQLite {
		var cols []struct {
			Name string
			Type string
		}
		if err := s.q(ctx).Raw(`SELECT name, type FROM pragma_table_info(?)`, table).Scan(&cols).Error; err != nil {
			return fmt.Errorf("columns of %s: %w", table, err)
		}
		defs := make([]string, len(cols))
		for i, c := range cols {
			defs[i] = `"` + c.Name + `" ` + c.Type
		}
		ddl = `CREATE ` + kind + name + ` (` + strings.Join(defs, ", ") + `)`
	}
	if err := s.q(ctx).Exec(ddl).Error; err != nil {
		return fmt.Errorf("copy of %s: %w", table, err)
	}
	return nil
}

// changedEvents loads the audit events of the items of entity changed
// after the moment (asat_changed), by item, in the order they were
// recorded.
func (s *Store) changedEvents(ctx context.Context, entity string, recorded bool) (map[int64][]tracker.AuditEvent, error) {
	var rows []auditRow
	err := s.q(ctx).Where("entity = ? AND entity_id IN (SELECT entity_id FROM asat_changed WHERE entity = ?)", entity, entity).
		Order("id").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load the history of %s: %w", entity, err)
	}
	out := map[int64][]tracker.AuditEvent{}
	for _, r := range rows {
		e := r.domain()
		if recorded {
			e.EffectiveAt = e.At
		}
		out[r.EntityID] = append(out[r.EntityID], e)
	}
	return out, nil
}

// rebuiltRows returns, in dest, the rows of entity that existed at the
// moment and changed after it, as they stood then; those deleted then, or
// made after it, are left out.
func (s *Store) rebuiltRows(ctx context.Context, entity string, dest any, at time.Time, recorded bool) (any, error) {
	if err := s.q(ctx).Unscoped().Where("id IN (SELECT entity_id FROM asat_changed WHERE entity = ?)", entity).
		Order("id").Find(dest).Error; err != nil {
		return nil, fmt.Errorf("load changed %s: %w", entity, err)
	}
	rows := reflect.ValueOf(dest).Elem()
	if rows.Len() == 0 {
		return dest, nil
	}
	events, err := s.changedEvents(ctx, entity, recorded)
	if err != nil {
		return nil, err
	}
	kept := reflect.MakeSlice(rows.Type(), 0, rows.Len())
	for i := 0; i < rows.Len(); i++ {
		row := rows.Index(i)
		snap := tracker.Rebuild(events[row.FieldByName("ID").Int()], at)
		if !snap.Exists || snap.Deleted {
			continue
		}
		if err := s.applySnapshot(row.Addr().Interface(), snap.Fields); err != nil {
			return nil, fmt.Errorf("rebuild %s %d: %w", entity, row.FieldByName("ID").Int(), err)
		}
		if del := row.FieldByName("DeletedAt"); del.IsValid() {
			del.Set(reflect.ValueOf(gorm.DeletedAt{}))
		}
		kept = reflect.Append(kept, row)
	}
	out := reflect.New(kept.Type())
	out.Elem().Set(kept)
	return out.Interface(), nil
}

// rebuildLinks returns the links of each item of entity changed after the
// moment, as its history says they were; an item whose history does not
// name them keeps the links it has now.
func (s *Store) rebuildLinks(ctx context.Context, entity, table, parent, child, field string, at time.Time, recorded bool) ([]map[string]any, error) {
	events, err := s.changedEvents(ctx, entity, recorded)
	if err != nil || len(events) == 0 {
		return nil, err
	}
	var current []map[string]any
	if err := s.q(ctx).Table(table).Where(parent+" IN (SELECT entity_id FROM asat_changed WHERE entity = ?)", entity).
		Order(parent + ", sort_order").Find(&current).Error; err != nil {
		return nil, fmt.Errorf("load %s: %w", table, err)
	}
	now, nowRow := linksNow(current, parent, child)
	var out []map[string]any
	for id, evs := range events {
		out = append(out, linksAsAt(table, parent, child, field, id, tracker.Rebuild(evs, at), evs, now, nowRow)...)
	}
	return out, nil
}

// addresseeAsAt sets an addressee link's own status and its date as its
// recommendation's history says they stood (snap): the fields recorded for
// the addressee; before the first of them was recorded, the value that
// change replaced; for an addressee whose history never names them
// (recorded before the tracker kept a status per addressee), the
// recommendation's own status then, which every addressee shared.
func addresseeAsAt(link map[string]any, snap tracker.Snapshot, evs []tracker.AuditEvent, current map[string]any, orgID int64) {
	status, date := statusField(orgID), statusDateField(orgID)
	link["version"] = 1
	if current != nil {
		link["version"] = current["version"]
	}
	first := func(field string) (any, bool) {
		if v, ok := snap.Fields[field]; ok {
			return v, true
		}
		for _, e := range evs {
			for _, c := range e.Changes {
				if c.Field == field && c.Old != nil {
					return c.Old, true
				}
			}
		}
		return nil, false
	}
	if v, ok := first(status); ok {
		link["status"] = v
	} else if v, ok := snap.Fields["status"].(string); ok {
		link["status"] = v
	} else if current != nil {
		link["status"] = current["status"]
	}
	link["status_date"] = nil
	if v, ok := first(date); ok {
		if d, err := tracker.ParseISODate(fmt.Sprint(v)); err == nil && v != nil {
			link["status_date"] = d
		}
	}
}

// linksOf reads a list of ids from a rebuilt item's field; ok is false when
// the item did not exist or its history does not say.
func linksOf(snap tracker.Snapshot, field string) ([]int64, bool) {
	if !snap.Exists {
		return nil, true
	}
	v, present := snap.Fields[field]
	if !present {
		return nil, false
	}
	raw, _ := v.([]any)
	ids := make([]int64, 0, len(raw))
	for _, v := range raw {
		f, ok := v.(float64)
		if !ok {
			return nil, false
		}
		ids = append(ids, int64(f))
	}
	return ids, true
}

func toInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int:
		return int64(n)
	case float64:
		return int64(n)
	}
	return 0
}

// marks says which items were made ("new") or changed ("changed") after
// since and up to at, by the given time column; a progress update marks its
// action changed too.
func (s *Store) marks(ctx context.Context, column string, since, at time.Time) (map[string]map[int64]string, error) {
	var rows []struct {
		Entity   string
		EntityID int64
		Op       string
		ActionID *int64
	}
	err := s.q(ctx).Table("audit_events AS e").
		Select("e.entity, e.entity_id, e.op, u.action_id").
		Joins("LEFT JOIN progress_updates u ON e.entity = ? AND u.id = e.entity_id", EntityUpdate).
		Where("e."+column+" > ? AND e."+column+" <= ?", since, at).Order("e.id").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("find changes since %s: %w", tracker.FormatDate(since), err)
	}
	out := map[string]map[int64]string{}
	set := func(entity string, id int64, mark string) {
		if out[entity] == nil {
			out[entity] = map[int64]string{}
		}
		if out[entity][id] != tracker.MarkNew {
			out[entity][id] = mark
		}
	}
	for _, r := range rows {
		if r.Op == tracker.OpCreate {
			set(r.Entity, r.EntityID, tracker.MarkNew)
		} else {
			set(r.Entity, r.EntityID, tracker.MarkChanged)
		}
		if r.ActionID != nil {
			set(EntityAction, *r.ActionID, tracker.MarkChanged)
		}
	}
	return out, nil
}

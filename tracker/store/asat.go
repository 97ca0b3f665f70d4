package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"gorm.io/gorm"

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
// since come back. The tables triggers keep follow (shadowDerived), so a
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
	var later []int
	if err := s.q(ctx).Model(&auditRow{}).Select("1").Where(column+" > ?", at).Limit(1).Scan(&later).Error; err != nil {
		return fmt.Errorf("check the audit trail: %w", err)
	}
	if len(later) == 0 {
		// Nothing took effect after the moment: the tables as they are.
		return fn(s, view)
	}
	if s.inTx() {
		return s.readAsAtInTx(ctx, column, at, opts.Recorded, func(tx *Store) error { return fn(tx, view) })
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
	return fn(s)
}

// shadow puts, in front of each versioned table, a temporary view of the
// same name holding the table as it stood at the moment. Temporary objects
// come first in name lookup on both databases and vanish with the
// transaction.
func (s *Store) shadow(ctx context.Context, column string, at time.Time, recorded bool) error {
	base := "main"
	if s.dialect == Postgres {
		if err := s.q(ctx).Raw("SELECT current_schema()").Row().Scan(&base); err != nil {
			return fmt.Errorf("find the schema: %w", err)
		}
	}
	exec := func(sql string, args ...any) error {
		if err := s.q(ctx).Exec(s.expand(sql), args...).Error; err != nil {
			return fmt.Errorf("as at: %.60s…: %w", sql, err)
		}
		return nil
	}
	// The moment, and every item with a change after it.
	if err := exec(`CREATE TEMP TABLE asat_moment (at {{ts}} NOT NULL)`); err != nil {
		return err
	}
	if err := exec(`INSERT INTO asat_moment (at) VALUES (?)`, at); err != nil {
		return err
	}
	// born_later marks items made after the moment: they are simply left
	// out, with nothing to rebuild.
	if err := exec(`CREATE TEMP TABLE asat_changed (entity TEXT NOT NULL, entity_id BIGINT NOT NULL, born_later INTEGER NOT NULL)`); err != nil {
		return err
	}
	if err := exec(`INSERT INTO asat_changed (entity, entity_id, born_later)
		SELECT entity, entity_id, MAX(CASE WHEN op = '`+tracker.OpCreate+`' THEN 1 ELSE 0 END) FROM audit_events
		WHERE `+column+` > ? GROUP BY entity, entity_id`, at); err != nil {
		return err
	}
	if err := exec(`CREATE INDEX asat_changed_item ON asat_changed (entity, entity_id)`); err != nil {
		return err
	}
	for _, v := range versioned {
		rows, err := s.rebuiltRows(ctx, v.entity, v.rows(), at, recorded)
		if err != nil {
			return err
		}
		if err := s.tempCopyOf(ctx, base, v.table); err != nil {
			return err
		}
		if reflect.ValueOf(rows).Elem().Len() > 0 {
			if err := s.q(ctx).Table("asat_"+v.table).CreateInBatches(rows, 200).Error; err != nil {
				return fmt.Errorf("as at: keep %s: %w", v.table, err)
			}
		}
		if err := exec(`CREATE TEMP VIEW ` + v.table + ` AS SELECT * FROM ` + base + `.` + v.table +
			` WHERE id NOT IN (SELECT entity_id FROM asat_changed WHERE entity = '` + v.entity + `')
			UNION ALL SELECT * FROM asat_` + v.table); err != nil {
			return err
		}
	}
	// Links kept in tables of their own: a recommendation's addressees and
	// a reference's recommendations, as its events say they were.
	links := []struct {
		entity, table, parent, field string
	}{
		{EntityRecommendation, "recommendation_addressees", "recommendation_id", "addressees"},
		{EntityReference, "reference_recommendations", "reference_id", "recommendations"},
	}
	for _, l := range links {
		if err := s.tempCopyOf(ctx, base, l.table); err != nil {
			return err
		}
		if err := s.rebuildLinks(ctx, l.entity, l.table, l.parent, l.field, at, recorded); err != nil {
			return err
		}
		if err := exec(`CREATE TEMP VIEW ` + l.table + ` AS SELECT * FROM ` + base + `.` + l.table +
			` WHERE ` + l.parent + ` NOT IN (SELECT entity_id FROM asat_changed WHERE entity = '` + l.entity + `')
			UNION ALL SELECT * FROM asat_` + l.table); err != nil {
			return err
		}
	}
	// A measure's value counts from the end of its period, or from when it
	// was recorded if that came first; a deadline's move from its day.
	values, revised := `period_end <= (SELECT at FROM asat_moment) OR created_at <= (SELECT at FROM asat_moment)`, `revised_on <= (SELECT at FROM asat_moment)`
	if recorded {
		values, revised = `created_at <= (SELECT at FROM asat_moment)`, `created_at <= (SELECT at FROM asat_moment)`
	}
	if err := exec(`CREATE TEMP VIEW measure_values AS SELECT * FROM ` + base + `.measure_values WHERE ` + values); err != nil {
		return err
	}
	if err := exec(`CREATE TEMP VIEW deadline_revisions AS SELECT * FROM ` + base + `.deadline_revisions WHERE ` + revised); err != nil {
		return err
	}
	return s.shadowDerived(exec, base, column)
}

// shadowDerived puts, in front of each table that triggers keep, a
// temporary view of the same name holding what it held at the moment, so
// that the totals and counts read from them count the tables as they
// stood, by the queries that read them now.
//
// A tally at the moment is the tally now, less the rows of the items
// changed since as they are now, plus those rows as they were (the
// tally's own rule, tally.rows, applied to both), each row counted as -1
// or 1 and left for its reader to add up (every reader of a tally adds
// up its n): what it costs grows with the items changed since, not with
// the tables, and a reader's conditions reach each part and its indexes,
// which a grouped view would hide from SQLite.
//
// Each item's latest change at the moment is the latest of its changes up
// to it, read for the items changed since alone; the number of items
// whose latest change fell on each day follows from it.
//
// The table itself comes last in each view: SQLite takes the declared
// types of a compound's columns, by which the driver reads times back as
// times, from its last part.
func (s *Store) shadowDerived(exec func(sql string, args ...any) error, base, column string) error {
	now := func(table string) string { return base + "." + table }
	then := func(table string) string { return "asat_" + table }
	for _, t := range tallies {
		if err := exec(s.derivedSQL(`CREATE TEMP VIEW ` + t.table + ` AS ` +
			t.rows(now, "-1") + ` AND ` + t.id + ` IN (SELECT entity_id FROM asat_changed WHERE entity = '` + t.entity + `')` +
			` UNION ALL ` + t.rows(then, "1") +
			` UNION ALL SELECT ` + strings.Join(t.columns, ", ") + `, n FROM ` + now(t.table))); err != nil {
			return err
		}
	}
	// An event counts up to the moment as asat_changed reads it: one
	// with no date of effect never counts as later.
	if err := exec(s.derivedSQL(`CREATE TEMP VIEW asat_audit_latest AS
		SELECT entity, entity_id, MAX(id) AS last_id, MAX(COALESCE(effective_at, at)) AS last_effective_at, {{day}} AS last_day
		FROM (SELECT e.* FROM asat_changed c JOIN ` + now("audit_events") + ` e ON e.entity = c.entity AND e.entity_id = c.entity_id
			WHERE c.born_later = 0 AND (e.` + column + ` <= (SELECT at FROM asat_moment) OR e.` + column + ` IS NULL)) e
		GROUP BY entity, entity_id`)); err != nil {
		return err
	}
	if err := exec(`CREATE TEMP VIEW audit_latest AS SELECT entity, entity_id, last_id, last_effective_at, last_day FROM asat_audit_latest
		UNION ALL SELECT entity, entity_id, last_id, last_effective_at, last_day FROM ` + now("audit_latest") + ` l
		WHERE NOT EXISTS (SELECT 1 FROM asat_changed c WHERE c.entity = l.entity AND c.entity_id = l.entity_id)`); err != nil {
		return err
	}
	return exec(`CREATE TEMP VIEW change_days AS SELECT l.entity AS entity, l.last_day AS day, -1 AS n FROM asat_changed c JOIN ` + now("audit_latest") + ` l ON l.entity = c.entity AND l.entity_id = c.entity_id
		UNION ALL SELECT entity, last_day, 1 FROM asat_audit_latest
		UNION ALL SELECT entity, day, n FROM ` + now("change_days"))
}

// tempCopyOf makes an empty temporary table asat_<table> with the columns
// of table, in its order. On SQLite the columns keep their declared types,
// by which the driver reads times back as times; constraints are left out.
func (s *Store) tempCopyOf(ctx context.Context, base, table string) error {
	ddl := `CREATE TEMP TABLE asat_` + table + ` AS SELECT * FROM ` + base + `.` + table + ` WHERE 1 = 0`
	if s.dialect == SQLite {
		var cols []struct {
			Name string
			Type string
		}
		if err := s.q(ctx).Raw(`SELECT name, type FROM pragma_table_info(?)`, table).Scan(&cols).Error; err != nil {
			return fmt.Errorf("as at: columns of %s: %w", table, err)
		}
		defs := make([]string, len(cols))
		for i, c := range cols {
			defs[i] = `"` + c.Name + `" ` + c.Type
		}
		ddl = `CREATE TEMP TABLE asat_` + table + ` (` + strings.Join(defs, ", ") + `)`
	}
	if err := s.q(ctx).Exec(ddl).Error; err != nil {
		return fmt.Errorf("as at: copy of %s: %w", table, err)
	}
	return nil
}

// changedEvents loads the audit events of the items of entity that existed
// at the moment and changed after it, by item, in the order they were
// recorded.
func (s *Store) changedEvents(ctx context.Context, entity string, recorded bool) (map[int64][]tracker.AuditEvent, error) {
	var rows []auditRow
	err := s.q(ctx).Where("entity = ? AND entity_id IN (SELECT entity_id FROM asat_changed WHERE entity = ? AND born_later = 0)", entity, entity).
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
// moment and changed after it, as they stood then; those deleted then are
// left out.
func (s *Store) rebuiltRows(ctx context.Context, entity string, dest any, at time.Time, recorded bool) (any, error) {
	if err := s.q(ctx).Unscoped().Where("id IN (SELECT entity_id FROM asat_changed WHERE entity = ? AND born_later = 0)", entity).
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

// rebuildLinks writes into asat_<table> the links of each item of entity
// changed after the moment, as its history says they were; an item whose
// history does not name them keeps the links it has now.
func (s *Store) rebuildLinks(ctx context.Context, entity, table, parent, field string, at time.Time, recorded bool) error {
	events, err := s.changedEvents(ctx, entity, recorded)
	if err != nil || len(events) == 0 {
		return err
	}
	var current []map[string]any
	if err := s.q(ctx).Table(table).Where(parent+" IN (SELECT entity_id FROM asat_changed WHERE entity = ? AND born_later = 0)", entity).
		Order(parent + ", sort_order").Find(&current).Error; err != nil {
		return fmt.Errorf("load %s: %w", table, err)
	}
	child := map[string]string{"recommendation_addressees": "organisation_id", "reference_recommendations": "recommendation_id"}[table]
	now := map[int64][]int64{}
	nowRow := map[[2]int64]map[string]any{}
	for _, l := range current {
		p, c := toInt64(l[parent]), toInt64(l[child])
		now[p] = append(now[p], c)
		nowRow[[2]int64{p, c}] = l
	}
	var out []map[string]any
	for id, evs := range events {
		snap := tracker.Rebuild(evs, at)
		ids, ok := linksOf(snap, field)
		if !ok {
			ids = now[id]
		}
		for i, c := range ids {
			link := map[string]any{parent: id, child: c, "sort_order": i}
			if table == "recommendation_addressees" {
				addresseeAsAt(link, snap, evs, nowRow[[2]int64{id, c}], c)
			}
			out = append(out, link)
		}
	}
	if len(out) == 0 {
		return nil
	}
	if err := s.q(ctx).Table("asat_"+table).CreateInBatches(out, 500).Error; err != nil {
		return fmt.Errorf("as at: keep %s: %w", table, err)
	}
	return nil
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

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

// The past states of the items, kept as rows: versions_<table> holds, for
// each row of a versioned table (and each link of a table of links) that a
// change superseded, the row as it stood, from the moment it took effect
// (valid_from) until the next change took effect (valid_to). An item's
// current row, and an item never changed since it was made, have none.
//
// "As at" a moment by the dates changes took effect reads them instead of
// rebuilding each item changed since from its audit events (ReadAsAt): the
// item's row valid at the moment is one indexed read, so a report about a
// few items costs a few reads however much has changed since. They are
// rewritten from the audit trail, by the same rule that rebuilds an item
// (tracker.Versions, tracker.Rebuild), whenever an item's trail gains a
// change other than its creation, at the end of the transaction that made
// it. Read by when changes were recorded, the auditor's view, "as at"
// still rebuilds from the trail.

// versionLinks are the tables of links kept with their parent's versions:
// the links a version had, as its events say (shadowing.links).
var versionLinks = []struct {
	entity, table, parent, child, field string
}{
	{EntityRecommendation, "recommendation_addressees", "recommendation_id", "organisation_id", "addressees"},
	{EntityReference, "reference_recommendations", "reference_id", "recommendation_id", "recommendations"},
}

// versionsOf names the table of a table's past rows.
func versionsOf(table string) string { return "versions_" + table }

// versionedTable is the table of an entity whose items have versions.
func versionedTable(entity string) (table string, rows func() any, ok bool) {
	for _, v := range versioned {
		if v.entity == entity {
			return v.table, v.rows, true
		}
	}
	return "", nil, false
}

// pendingVersions are the items a transaction changed, whose versions are
// rewritten when it has done its writes (flushVersions).
type pendingVersions struct {
	items map[string]map[int64]bool
}

func (p *pendingVersions) add(entity string, id int64) {
	if p.items == nil {
		p.items = map[string]map[int64]bool{}
	}
	if p.items[entity] == nil {
		p.items[entity] = map[int64]bool{}
	}
	p.items[entity][id] = true
}

// changedItem notes that an item's trail gained a change: its versions
// are rewritten at the end of the transaction, or at once outside one.
func (s *Store) changedItem(ctx context.Context, entity string, id int64, op string) error {
	if op == tracker.OpCreate {
		return nil // a new item's only state is its row
	}
	if _, _, ok := versionedTable(entity); !ok {
		return nil
	}
	if s.versions != nil {
		s.versions.add(entity, id)
		return nil
	}
	return s.reversion(ctx, entity, []int64{id})
}

// flushVersions rewrites the versions of the items changed so far in the
// transaction.
func (s *Store) flushVersions(ctx context.Context) error {
	if s.versions == nil || len(s.versions.items) == 0 {
		return nil
	}
	items := s.versions.items
	s.versions.items = nil
	for _, v := range versioned {
		ids := make([]int64, 0, len(items[v.entity]))
		for id := range items[v.entity] {
			ids = append(ids, id)
		}
		if err := s.reversion(ctx, v.entity, ids); err != nil {
			return err
		}
	}
	return nil
}

// reversionAll rewrites the versions of every item with a change other
// than its creation: after a restore, and when the versions are first made.
func (s *Store) reversionAll(ctx context.Context) error {
	for _, v := range versioned {
		var ids []int64
		if err := s.q(ctx).Raw(`SELECT DISTINCT entity_id FROM audit_events WHERE entity = ? AND op <> ? ORDER BY entity_id`,
			v.entity, tracker.OpCreate).Scan(&ids).Error; err != nil {
			return fmt.Errorf("find the changed %s items: %w", v.entity, err)
		}
		if err := s.reversion(ctx, v.entity, ids); err != nil {
			return err
		}
	}
	return nil
}

// reversion rewrites the versions of the items of entity named, and of
// their links: each state their events say they went through before the
// latest, as Rebuild gives it, laid over the item's row as it is now (for
// the columns the trail does not keep). A state in which the item did not
// exist, or was deleted, has no row.
func (s *Store) reversion(ctx context.Context, entity string, ids []int64) error {
	table, empty, ok := versionedTable(entity)
	if !ok || len(ids) == 0 {
		return nil
	}
	for start := 0; start < len(ids); start += inChunk {
		chunk := ids[start:min(start+inChunk, len(ids))]
		if err := s.q(ctx).Exec(`DELETE FROM `+versionsOf(table)+` WHERE id IN ?`, chunk).Error; err != nil {
			return fmt.Errorf("forget the versions of %s: %w", table, err)
		}
		var rows []auditRow
		if err := s.q(ctx).Where("entity = ? AND entity_id IN ?", entity, chunk).Order("id").Find(&rows).Error; err != nil {
			return fmt.Errorf("load the history of %s: %w", entity, err)
		}
		events := map[int64][]tracker.AuditEvent{}
		for _, r := range rows {
			events[r.EntityID] = append(events[r.EntityID], r.domain())
		}
		current := empty()
		if err := s.q(ctx).Unscoped().Where("id IN ?", chunk).Order("id").Find(current).Error; err != nil {
			return fmt.Errorf("load %s: %w", table, err)
		}
		past, spans, found, err := s.pastRows(entity, current, events)
		if err != nil {
			return err
		}
		if err := s.keepRows(ctx, versionsOf(table), past, spans); err != nil {
			return fmt.Errorf("keep the versions of %s: %w", table, err)
		}
		for _, l := range versionLinks {
			if l.entity == entity {
				if err := s.reversionLinks(ctx, l.table, l.parent, l.child, l.field, chunk, found, events); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// pastRows are the rows of the past states of the items in current (a
// pointer to a slice of a table's rows) that existed and were not
// deleted, each with its span, and the ids of the items found.
func (s *Store) pastRows(entity string, current any, events map[int64][]tracker.AuditEvent) (past any, spans [][2]time.Time, found []int64, err error) {
	list := reflect.ValueOf(current).Elem()
	out := reflect.New(list.Type())
	found = make([]int64, 0, list.Len())
	for i := 0; i < list.Len(); i++ {
		id := list.Index(i).FieldByName("ID").Int()
		found = append(found, id)
		for _, v := range tracker.Versions(events[id]) {
			if !v.Exists || v.Deleted {
				continue
			}
			row := reflect.New(list.Type().Elem()).Elem()
			row.Set(list.Index(i))
			if err := s.applySnapshot(row.Addr().Interface(), v.Fields); err != nil {
				return nil, nil, nil, fmt.Errorf("version of %s %d: %w", entity, id, err)
			}
			if del := row.FieldByName("DeletedAt"); del.IsValid() {
				del.Set(reflect.ValueOf(gorm.DeletedAt{}))
			}
			out.Elem().Set(reflect.Append(out.Elem(), row))
			spans = append(spans, [2]time.Time{v.From, v.To})
		}
	}
	return out.Interface(), spans, found, nil
}

// reversionLinks rewrites the versions of the links of the items named
// (chunk, by the column parent) from their events: for each past state of
// those that have a row (found), the links its events say it had, or,
// where they do not say, the links it has now.
func (s *Store) reversionLinks(ctx context.Context, table, parent, child, field string, chunk, found []int64, events map[int64][]tracker.AuditEvent) error {
	if err := s.q(ctx).Exec(`DELETE FROM `+versionsOf(table)+` WHERE `+parent+` IN ?`, chunk).Error; err != nil {
		return fmt.Errorf("forget the versions of %s: %w", table, err)
	}
	var current []map[string]any
	if err := s.q(ctx).Table(table).Where(parent+" IN ?", chunk).Order(parent + ", sort_order").Find(&current).Error; err != nil {
		return fmt.Errorf("load %s: %w", table, err)
	}
	now, nowRow := linksNow(current, parent, child)
	var out []map[string]any
	for _, id := range found {
		evs := events[id]
		for _, v := range tracker.Versions(evs) {
			for _, link := range linksAsAt(table, parent, child, field, id, v.Snapshot, evs, now, nowRow) {
				link["valid_from"], link["valid_to"] = v.From, v.To
				out = append(out, link)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	if err := s.q(ctx).Table(versionsOf(table)).CreateInBatches(out, 500).Error; err != nil {
		return fmt.Errorf("keep the versions of %s: %w", table, err)
	}
	return nil
}

// linksNow indexes the links as they are now (rows of a table of links)
// by their parent, in order, and by parent and child.
func linksNow(current []map[string]any, parent, child string) (map[int64][]int64, map[[2]int64]map[string]any) {
	now := map[int64][]int64{}
	nowRow := map[[2]int64]map[string]any{}
	for _, l := range current {
		p, c := toInt64(l[parent]), toInt64(l[child])
		now[p] = append(now[p], c)
		nowRow[[2]int64{p, c}] = l
	}
	return now, nowRow
}

// linksAsAt are the links of item id (of the column parent) in the state
// snap its events evs give it, as rows of table: those its history names,
// or, where it does not name them, those it has now. An addressee's own
// status and its date are as the history says they stood (addresseeAsAt).
func linksAsAt(table, parent, child, field string, id int64, snap tracker.Snapshot, evs []tracker.AuditEvent,
	now map[int64][]int64, nowRow map[[2]int64]map[string]any) []map[string]any {
	ids, ok := linksOf(snap, field)
	if !ok {
		ids = now[id]
	}
	out := make([]map[string]any, 0, len(ids))
	for i, c := range ids {
		link := map[string]any{parent: id, child: c, "sort_order": i}
		if table == "recommendation_addressees" {
			addresseeAsAt(link, snap, evs, nowRow[[2]int64{id, c}], c)
		}
		out = append(out, link)
	}
	return out
}

// versionColumns are the columns of each versioned table (and table of
// links) in their order, read once per store: a version table holds the
// same ones, and the as-at views name them so that the versions stand in
// for the table's rows.
func (s *Store) versionColumns(ctx context.Context, table string) ([]string, error) {
	s.columns.mu.Lock()
	defer s.columns.mu.Unlock()
	if cols, ok := s.columns.of[table]; ok {
		return cols, nil
	}
	var cols []string
	var err error
	if s.dialect == SQLite {
		err = s.q(ctx).Raw(`SELECT name FROM pragma_table_info(?) ORDER BY cid`, table).Scan(&cols).Error
	} else {
		err = s.q(ctx).Raw(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?
			ORDER BY ordinal_position`, table).Scan(&cols).Error
	}
	if err != nil || len(cols) == 0 {
		return nil, fmt.Errorf("the columns of %s: %v", table, err)
	}
	for i, c := range cols {
		cols[i] = `"` + c + `"`
	}
	if s.columns.of == nil {
		s.columns.of = map[string][]string{}
	}
	s.columns.of[table] = cols
	return cols, nil
}

// reset forgets the columns read, after a migration.
func (c *columnCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.of = nil
}

// schema is the PostgreSQL schema the store's tables are in, read once.
func (s *Store) schema(ctx context.Context) (string, error) {
	s.columns.mu.Lock()
	defer s.columns.mu.Unlock()
	if s.columns.schema == "" {
		if err := s.q(ctx).Raw("SELECT current_schema()").Row().Scan(&s.columns.schema); err != nil {
			return "", fmt.Errorf("find the schema: %w", err)
		}
	}
	return s.columns.schema, nil
}

// createVersionTables makes versions_<table> for each versioned table and
// table of links: the table's columns, without their constraints, and the
// span of each version, indexed by item and by where a reader looks an
// item up.
func (s *Store) createVersionTables(ctx context.Context) error {
	tables := map[string][]string{}
	for _, v := range versioned {
		tables[v.table] = []string{"id"}
	}
	tables["actions"] = append(tables["actions"], "recommendation_id", "reference_id", "source_id", "organisation_id")
	tables["recommendations"] = append(tables["recommendations"], "source_id")
	tables["responses"] = append(tables["responses"], "recommendation_id")
	tables["progress_updates"] = append(tables["progress_updates"], "action_id")
	tables["replies"] = append(tables["replies"], "reference_id")
	for _, l := range versionLinks {
		tables[l.table] = []string{l.parent, l.child}
	}
	for table, keys := range tables {
		if err := s.copyColumns(ctx, "", table, versionsOf(table), false); err != nil {
			return err
		}
		for _, stmt := range []string{
			`ALTER TABLE ` + versionsOf(table) + ` ADD COLUMN valid_from {{ts}} NOT NULL`,
			`ALTER TABLE ` + versionsOf(table) + ` ADD COLUMN valid_to {{ts}} NOT NULL`,
		} {
			if err := s.q(ctx).Exec(s.expand(stmt)).Error; err != nil {
				return fmt.Errorf("make %s: %w", versionsOf(table), err)
			}
		}
		for i, key := range keys {
			// The first key finds an item's versions; each, with the end of
			// the span, the versions standing at a moment.
			stmt := `CREATE INDEX ` + versionsOf(table) + `_` + key + ` ON ` + versionsOf(table) + ` (` + key + `, valid_to, valid_from)`
			if i == 0 {
				stmt = `CREATE INDEX ` + versionsOf(table) + `_item ON ` + versionsOf(table) + ` (` + key + `, valid_from)`
			}
			if err := s.q(ctx).Exec(stmt).Error; err != nil {
				return fmt.Errorf("index %s: %w", versionsOf(table), err)
			}
		}
		if err := s.q(ctx).Exec(`CREATE INDEX ` + versionsOf(table) + `_span ON ` + versionsOf(table) + ` (valid_to, valid_from)`).Error; err != nil {
			return fmt.Errorf("index %s: %w", versionsOf(table), err)
		}
	}
	return s.reversionAll(ctx)
}

// versionedTables lists the tables whose rows have versions.
func versionedTables() []string {
	var out []string
	for _, v := range versioned {
		out = append(out, v.table)
	}
	for _, l := range versionLinks {
		out = append(out, l.table)
	}
	return out
}

// errCheckDone ends checkVersions' transaction by rolling it back.
var errCheckDone = errors.New("versions checked")

// CheckVersions compares the items' past rows (versions_<table>) with
// what the audit trail makes of them now, in a transaction it rolls back,
// and returns an error naming the tables that differ. A row's updated_at
// is left out: a write that changes no field the trail keeps touches it
// without a change to follow. A row changed in place by SQL, outside the
// tracker, leaves no trail to follow either. Nothing in the app needs it;
// tests and a worried administrator do.
func (s *Store) CheckVersions(ctx context.Context) error {
	var bad []string
	err := s.Tx(ctx, func(tx *Store) error {
		for _, table := range versionedTables() {
			if err := tx.q(ctx).Exec(`CREATE TEMP TABLE kept_` + table + ` AS SELECT * FROM ` + versionsOf(table)).Error; err != nil {
				return fmt.Errorf("check %s: %w", versionsOf(table), err)
			}
		}
		if err := tx.reversionAll(ctx); err != nil {
			return err
		}
		for _, table := range versionedTables() {
			cols, err := tx.versionColumns(ctx, table)
			if err != nil {
				return err
			}
			var compared []string
			for _, c := range cols {
				if c != `"updated_at"` {
					compared = append(compared, c)
				}
			}
			list := strings.Join(append(compared, "valid_from", "valid_to"), ", ")
			kept, want := `SELECT `+list+` FROM kept_`+table+` v WHERE `+itemKept("", table), `SELECT `+list+` FROM `+versionsOf(table)
			var n int64
			if err := tx.q(ctx).Raw(`SELECT (SELECT COUNT(*) FROM (` + kept + ` EXCEPT ` + want + `) a) + (SELECT COUNT(*) FROM (` + want + ` EXCEPT ` + kept + `) b)`).
				Row().Scan(&n); err != nil {
				return fmt.Errorf("check %s: %w", versionsOf(table), err)
			}
			if n > 0 {
				bad = append(bad, fmt.Sprintf("%s (%d rows differ)", versionsOf(table), n))
			}
		}
		return errCheckDone
	})
	if errors.Is(err, errCheckDone) {
		err = nil
	}
	if err == nil && len(bad) > 0 {
		err = fmt.Errorf("versions out of step with the audit trail: %s", strings.Join(bad, ", "))
	}
	return err
}

// standingVersions is the query of a table's versions standing at the
// as-at moment, with the table's own columns: those of items that still
// have a row (one deleted outright, which the tracker never does, is gone
// from the past too, as it is from its rebuilding).
func standingVersions(base, table string, cols []string) string {
	return `SELECT ` + strings.Join(cols, ", ") + ` FROM ` + base + `.` + versionsOf(table) + ` v
		WHERE v.valid_to > (SELECT at FROM asat_moment) AND v.valid_from <= (SELECT at FROM asat_moment)
		AND ` + itemKept(base+".", table)
}

// itemKept is true of a version (v) of a row of table whose item still has
// a row; prefix names the schema of the items' table.
func itemKept(prefix, table string) string {
	item, key := table, "id"
	for _, l := range versionLinks {
		if l.table == table {
			item, _, _ = versionedTable(l.entity)
			key = l.parent
		}
	}
	return `EXISTS (SELECT 1 FROM ` + prefix + item + ` i WHERE i.id = v.` + key + `)`
}

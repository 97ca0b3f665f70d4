package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// A list is read a page at a time from an index on exactly its ORDER BY
// (migration 0009): first the keys and ids of one page, from the index
// alone, then the rows of those ids. A page either skips Offset rows of
// the index or, given a cursor, starts right after (or ends right before)
// the row the cursor names, which costs the same on page one and on page
// one thousand. Every key is NOT NULL: a nullable date sorts as a flag
// (where NULL goes, as each database puts it) and the date or a stand-in.

// keyKind says how a sort key's value is written into a cursor and read
// back as a query argument.
type keyKind int

const (
	keyInt keyKind = iota
	keyText
	keyDate
	keyTime
)

type sortKey struct {
	expr string
	kind keyKind
}

// listOrder is one sort of a list: its keys, the last one unique, all
// ascending or all descending.
type listOrder struct {
	keys []sortKey
	desc bool
}

func (o listOrder) orderBy(reverse bool) string {
	dir := " ASC"
	if o.desc != reverse {
		dir = " DESC"
	}
	parts := make([]string, len(o.keys))
	for i, k := range o.keys {
		parts[i] = k.expr + dir
	}
	return strings.Join(parts, ", ")
}

func (o listOrder) columns() string {
	parts := make([]string, len(o.keys))
	for i, k := range o.keys {
		parts[i] = k.expr
	}
	return strings.Join(parts, ", ")
}

// On PostgreSQL a sort is a row of keys, compared as a row against a
// cursor, which its index answers with one seek. SQLite does not seek an
// index by a row of expressions, so there each sort is one text key that
// orders as the row would: fixed-width parts (digits, dates as stored, ids
// as twenty digits) and free text ended by char(1), which sorts before any
// character. Both put NULL dates where the earlier ORDER BYs did on each
// database. The indexes of migration 0009 are on exactly these
// expressions, which must not change without a migration.

// postgresNoDate stands in for a NULL date, which sorts by its flag first.
const postgresNoDate = `DATE '0001-01-01'`

// dateKeys sort a nullable date as PostgreSQL does, NULL last.
func dateKeys(column string) []sortKey {
	flag := fmt.Sprintf("CASE WHEN %s IS NULL THEN 1 ELSE 0 END", column)
	return []sortKey{{flag, keyInt}, {fmt.Sprintf("COALESCE(%s, %s)", column, postgresNoDate), keyDate}}
}

func keys(parts ...any) []sortKey {
	var out []sortKey
	for _, p := range parts {
		switch k := p.(type) {
		case sortKey:
			out = append(out, k)
		case []sortKey:
			out = append(out, k...)
		}
	}
	return out
}

// textKey is SQLite's one key of a sort.
func textKey(expr string, desc bool) listOrder {
	return listOrder{keys: []sortKey{{"(" + expr + ")", keyText}}, desc: desc}
}

const (
	sqliteID       = `printf('%020d', id)`
	sqliteDue      = `CASE WHEN due_date IS NULL THEN '0' ELSE '1' END || COALESCE(due_date, '') || ` + sqliteID
	sqliteRecOrder = `printf('%020d', source_id) || printf('%010d', LENGTH(number)) || number`
)

// actionOrders are the sorts of the action log, as the earlier ORDER BYs
// sorted it on each database: "due" puts undated actions last on both,
// the others put them where the database puts NULL (first on SQLite, last
// on PostgreSQL).
func actionOrders(dialect string) map[string]listOrder {
	if dialect == SQLite {
		return map[string]listOrder{
			"due":     textKey(`CASE WHEN status IN ('not_started', 'in_progress') THEN '0' ELSE '1' END || CASE WHEN due_date IS NULL THEN '1' ELSE '0' END || COALESCE(due_date, '') || `+sqliteID, false),
			"owner":   textKey(`CASE WHEN owner = '' THEN '1' ELSE '0' END || owner || char(1) || `+sqliteDue, false),
			"status":  textKey(`CASE status WHEN 'not_started' THEN '0' WHEN 'in_progress' THEN '1' WHEN 'completed' THEN '2' ELSE '3' END || `+sqliteDue, false),
			"rag":     textKey(`CASE rag WHEN 'red' THEN '0' WHEN 'amber' THEN '1' WHEN 'green' THEN '2' ELSE '3' END || `+sqliteDue, false),
			"changed": textKey(`updated_at || `+sqliteID, true),
		}
	}
	id := sortKey{"id", keyInt}
	return map[string]listOrder{
		"due":     {keys: keys(sortKey{"CASE WHEN status IN ('not_started', 'in_progress') THEN 0 ELSE 1 END", keyInt}, dateKeys("due_date"), id)},
		"owner":   {keys: keys(sortKey{"CASE WHEN owner = '' THEN 1 ELSE 0 END", keyInt}, sortKey{"owner", keyText}, dateKeys("due_date"), id)},
		"status":  {keys: keys(sortKey{"CASE status WHEN 'not_started' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'completed' THEN 2 ELSE 3 END", keyInt}, dateKeys("due_date"), id)},
		"rag":     {keys: keys(sortKey{"CASE rag WHEN 'red' THEN 0 WHEN 'amber' THEN 1 WHEN 'green' THEN 2 ELSE 3 END", keyInt}, dateKeys("due_date"), id)},
		"changed": {keys: keys(sortKey{"updated_at", keyTime}, id), desc: true},
	}
}

// recommendationOrders are the sorts of recommendations. Numbers are text
// ("2a", "018/24"); ordering by length first keeps 2 before 10. A number
// is unique within its source, so source and number end every key.
func recommendationOrders(dialect string) map[string]listOrder {
	if dialect == SQLite {
		return map[string]listOrder{
			"number":   textKey(sqliteRecOrder, false),
			"deadline": textKey(`CASE WHEN deadline_date IS NULL THEN '1' ELSE '0' END || COALESCE(deadline_date, '') || `+sqliteRecOrder, false),
			"status":   textKey(`CASE status WHEN 'open' THEN '0' WHEN 'in_progress' THEN '1' WHEN 'implemented' THEN '2' ELSE '3' END || `+sqliteRecOrder, false),
		}
	}
	number := keys(sortKey{"source_id", keyInt}, sortKey{"LENGTH(number)", keyInt}, sortKey{"number", keyText})
	return map[string]listOrder{
		"number":   {keys: number},
		"deadline": {keys: keys(dateKeys("deadline_date"), number)},
		"status":   {keys: keys(sortKey{"CASE status WHEN 'open' THEN 0 WHEN 'in_progress' THEN 1 WHEN 'implemented' THEN 2 ELSE 3 END", keyInt}, number)},
	}
}

func (s *Store) actionOrder(sort string) listOrder {
	orders := actionOrders(s.dialect)
	if o, ok := orders[sort]; ok {
		return o
	}
	return orders["due"]
}

func (s *Store) recommendationOrder(sort string) listOrder {
	orders := recommendationOrders(s.dialect)
	if o, ok := orders[sort]; ok {
		return o
	}
	return orders["number"]
}

// cursor is the keys of one row of a list, as a page link carries them.
type cursor []any

func encodeCursor(vals []any, o listOrder) string {
	out := make([]any, len(vals))
	for i, v := range vals {
		switch o.keys[i].kind {
		case keyDate:
			if t, ok := asTime(v); ok {
				v = t.Format("2006-01-02")
			}
		case keyTime:
			if t, ok := asTime(v); ok {
				v = t.UTC().Format(time.RFC3339Nano)
			}
		case keyText:
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
		}
		out[i] = v
	}
	b, _ := json.Marshal(out)
	return base64.RawURLEncoding.EncodeToString(b)
}

// asTime reads a date or time as the driver gives it: a time.Time, or on
// SQLite the text it stores.
func asTime(v any) (time.Time, bool) {
	switch t := v.(type) {
	case time.Time:
		return t, true
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", "2006-01-02T15:04:05.999999999-07:00", "2006-01-02"} {
			if p, err := time.Parse(layout, t); err == nil {
				return p, true
			}
		}
	case []byte:
		return asTime(string(t))
	}
	return time.Time{}, false
}

var errBadCursor = errors.New("the page link is not one this list made")

func decodeCursor(s string, o listOrder) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, errBadCursor
	}
	var raw []any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || len(raw) != len(o.keys) {
		return nil, errBadCursor
	}
	out := make(cursor, len(raw))
	for i, v := range raw {
		switch o.keys[i].kind {
		case keyInt:
			n, ok := v.(json.Number)
			if !ok {
				return nil, errBadCursor
			}
			x, err := n.Int64()
			if err != nil {
				return nil, errBadCursor
			}
			out[i] = x
		case keyText:
			x, ok := v.(string)
			if !ok {
				return nil, errBadCursor
			}
			out[i] = x
		case keyDate, keyTime:
			x, ok := v.(string)
			if !ok {
				return nil, errBadCursor
			}
			layout := time.RFC3339Nano
			if o.keys[i].kind == keyDate {
				layout = "2006-01-02"
			}
			t, err := time.Parse(layout, x)
			if err != nil {
				return nil, errBadCursor
			}
			out[i] = t.UTC()
		}
	}
	return out, nil
}

// pageKeys reads the ids of one page of q in order o. The page starts
// after the row whose keys after holds, or ends before the one before
// holds, or else skips p.Offset() rows: from the end of the list, read
// backwards, when the page is nearer the end of the total rows. It returns
// the keys of the page's first and last rows as cursors.
func (s *Store) pageKeys(q *gorm.DB, o listOrder, p tracker.Page, total int64, table, after, before string) ([]int64, pageEnds, error) {
	var c cursor
	reverse := false
	switch {
	case after != "":
		c, _ = decodeCursor(after, o)
	case before != "":
		c, _ = decodeCursor(before, o)
		reverse = c != nil
	}
	offset, limit := int64(p.Offset()), int64(p.Limit())
	fromEnd := c == nil && offset > 0 && offset < total && total-offset < offset
	if fromEnd {
		// The last page and those near it cost as little as the first.
		reverse, limit, offset = true, min(limit, total-offset), max(total-offset-limit, 0)
	}
	q = q.Select(table + ".id, " + o.columns()).Order(o.orderBy(reverse)).Limit(int(limit))
	if fromEnd {
		q = q.Offset(int(offset))
	} else if c != nil {
		// After the cursor in the list's direction; before it, reading
		// backwards.
		op := ">"
		if o.desc != reverse {
			op = "<"
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(c)), ", ")
		q = q.Where("("+o.columns()+") "+op+" ("+marks+")", c...)
	} else {
		q = q.Offset(p.Offset())
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, pageEnds{}, err
	}
	defer rows.Close()
	var ids []int64
	var cursors []string
	for rows.Next() {
		var id int64
		vals := make([]any, len(o.keys))
		dest := []any{&id}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, pageEnds{}, err
		}
		ids = append(ids, id)
		cursors = append(cursors, encodeCursor(vals, o))
	}
	if err := rows.Err(); err != nil {
		return nil, pageEnds{}, err
	}
	if reverse {
		for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
			ids[i], ids[j] = ids[j], ids[i]
			cursors[i], cursors[j] = cursors[j], cursors[i]
		}
	}
	var ends pageEnds
	if len(ids) > 0 {
		ends.first, ends.last = cursors[0], cursors[len(cursors)-1]
	}
	return ids, ends, nil
}

// cachedPage reads the ids of page p of a list, starting from where the
// page cache says the page before ended (or the page after began) when it
// knows, and tells the cache where this page begins and ends. list names
// the list with its filter and sort.
func (s *Store) cachedPage(ctx context.Context, q *gorm.DB, o listOrder, p tracker.Page, total int64, table, list string) ([]int64, error) {
	n := max(p.Number, 1)
	key := func(page int) pageKey { return pageKey{list: fmt.Sprintf("%s|%d", list, p.Limit()), page: page} }
	version, settled, err := s.DataVersion(ctx)
	if err != nil {
		return nil, err
	}
	var after, before string
	// An entry put under a settled version holds while the version does;
	// a transaction's own reads use none.
	if n > 1 && !s.inTx() {
		if e, ok := s.pages.get(key(n-1), version); ok && e.last != "" {
			after = e.last
		} else if e, ok := s.pages.get(key(n+1), version); ok && e.first != "" {
			before = e.first
		}
	}
	ids, ends, err := s.pageKeys(q, o, p, total, table, after, before)
	if err != nil {
		return nil, err
	}
	if len(ids) > 0 && settled {
		ends.version = version
		s.pages.put(key(n), ends)
	}
	return ids, nil
}

// inOrder loads the rows of ids and returns them in the order of ids.
func inOrder[T any](s *Store, ctx context.Context, ids []int64, id func(*T) int64) ([]T, error) {
	var rows []T
	if err := findIn(func() *gorm.DB { return shown[T](s, ctx) }, "id IN ?", ids, &rows); err != nil {
		return nil, err
	}
	pos := make(map[int64]int, len(ids))
	for i, x := range ids {
		pos[x] = i
	}
	out := make([]T, len(ids))
	found := make([]bool, len(ids))
	for i := range rows {
		if k, ok := pos[id(&rows[i])]; ok {
			out[k], found[k] = rows[i], true
		}
	}
	// A row deleted between the two reads is left out.
	kept := out[:0]
	for i := range out {
		if found[i] {
			kept = append(kept, out[i])
		}
	}
	return kept, nil
}

// ListActions returns a page of the action log: overdue and soonest due
// first, undated last.
func (s *Store) ListActions(ctx context.Context, f tracker.ActionFilter) ([]tracker.ActionItem, int64, error) {
	total, err := s.actionTotal(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("count actions: %w", err)
	}
	list := f
	list.Page, list.LatestUpdateOnly = tracker.Page{}, false
	ids, err := s.cachedPage(ctx, s.actionQuery(ctx, f), s.actionOrder(f.Sort), f.Page, total, "actions", fmt.Sprintf("actions|%s|%+v", s.actionOrder(f.Sort).columns(), filterKey(list)))
	if err != nil {
		return nil, 0, fmt.Errorf("list actions: %w", err)
	}
	rows, err := inOrder(s, ctx, ids, func(r *actionRow) int64 { return r.ID })
	if err != nil {
		return nil, 0, fmt.Errorf("list actions: %w", err)
	}
	items, err := s.actionItems(ctx, rows, f.LatestUpdateOnly)
	return items, total, err
}

// ListRecommendations returns a page of recommendations in source order,
// each with its addressees and source.
func (s *Store) ListRecommendations(ctx context.Context, f tracker.RecommendationFilter) ([]tracker.RecommendationItem, int64, error) {
	total, err := s.recommendationTotal(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("count recommendations: %w", err)
	}
	list := f
	list.Page = tracker.Page{}
	o := s.recommendationOrder(f.Sort)
	q, err := s.recommendationPageQuery(ctx, f, total)
	if err != nil {
		return nil, 0, fmt.Errorf("list recommendations: %w", err)
	}
	ids, err := s.cachedPage(ctx, q, o, f.Page, total, "recommendations", fmt.Sprintf("recommendations|%s|%+v", o.columns(), filterKey(list)))
	if err != nil {
		return nil, 0, fmt.Errorf("list recommendations: %w", err)
	}
	rows, err := inOrder(s, ctx, ids, func(r *recommendationRow) int64 { return r.ID })
	if err != nil {
		return nil, 0, fmt.Errorf("list recommendations: %w", err)
	}
	items, err := s.recommendationItems(ctx, rows, false)
	return items, total, err
}

// filterKey writes a filter out with its times in UTC, for a cache key.
func filterKey(f any) string {
	switch x := f.(type) {
	case tracker.ActionFilter:
		x.Today = tracker.Day(x.Today)
		if x.ChangedSince != nil {
			return fmt.Sprintf("%+v|%s", withoutSince(x), x.ChangedSince.UTC().Format(time.RFC3339Nano))
		}
		return fmt.Sprintf("%+v", x)
	case tracker.RecommendationFilter:
		x.Today = tracker.Day(x.Today)
		if x.ChangedSince != nil {
			since := x.ChangedSince.UTC().Format(time.RFC3339Nano)
			x.ChangedSince = nil
			return fmt.Sprintf("%+v|%s", x, since)
		}
		return fmt.Sprintf("%+v", x)
	}
	return fmt.Sprintf("%+v", f)
}

func withoutSince(f tracker.ActionFilter) tracker.ActionFilter {
	f.ChangedSince = nil
	return f
}

// actionTotal counts the actions f keeps. Filters the tallies know add up
// tally rows, by the same conditions as the list (actionConds); a
// recommendation, a reference, a person or "changed since" count the
// actions themselves (actionCount), which those filters keep few of.
func (s *Store) actionTotal(ctx context.Context, f tracker.ActionFilter) (int64, error) {
	var n int64
	if f.RecommendationID != 0 || f.ReferenceID != 0 || f.Person != 0 || f.ChangedSince != nil {
		err := s.actionCount(ctx, f).Scan(&n).Error
		return n, err
	}
	q := actionConds(s.q(ctx).Table("action_tallies"), f)
	err := q.Select("COALESCE(CAST(SUM(n) AS BIGINT), 0)").Row().Scan(&n)
	return n, err
}

// recommendationTotal counts the recommendations f keeps, from the
// tallies by the same conditions as the list (recommendationConds), unless
// it filters by theme or by change. For an organisation the tallies are
// addressee_tallies, which count by each addressee's own status (migration
// 0024), as recommendationQuery filters an organisation's list.
func (s *Store) recommendationTotal(ctx context.Context, f tracker.RecommendationFilter) (int64, error) {
	var n int64
	err := s.recommendationCount(ctx, f).Row().Scan(&n)
	return n, err
}

// recommendationCount is the query recommendationTotal reads its one
// number from.
func (s *Store) recommendationCount(ctx context.Context, f tracker.RecommendationFilter) *gorm.DB {
	if f.Theme != "" || f.ChangedSince != nil {
		return s.recommendationQuery(ctx, f).Select("COUNT(*)")
	}
	return s.recommendationTally(ctx, f).Select(sumOfN)
}

// sumOfN adds up the tally rows a query keeps.
const sumOfN = "COALESCE(CAST(SUM(n) AS BIGINT), 0)"

// recommendationTally is the tally rows that add up to the recommendations
// f keeps, but for a theme and "changed since", which no tally knows.
func (s *Store) recommendationTally(ctx context.Context, f tracker.RecommendationFilter) *gorm.DB {
	q := s.q(ctx).Table("recommendation_tallies")
	if f.OrganisationID != 0 {
		q = s.q(ctx).Table("addressee_tallies").Where("organisation_id = ?", f.OrganisationID)
	}
	return recommendationConds(q, f)
}

// recommendationPageQuery is the query a page of the list is read from,
// given the list's total. An organisation's list on SQLite walks the
// list's index in order when that reads fewer rows than reading all the
// organisation's rows and sorting them (addresseeScan), which SQLite's
// planner cannot tell, as it knows no organisation's share of the
// addressees; PostgreSQL's planner makes the same choice itself from its
// statistics.
func (s *Store) recommendationPageQuery(ctx context.Context, f tracker.RecommendationFilter, total int64) (*gorm.DB, error) {
	scan, err := s.recommendationScan(ctx, f, total)
	if err != nil {
		return nil, err
	}
	return s.recommendationsBy(ctx, f, scan), nil
}

// recommendationScan is how recommendationPageQuery finds the page's
// recommendations.
func (s *Store) recommendationScan(ctx context.Context, f tracker.RecommendationFilter, total int64) (addresseeScan, error) {
	if f.OrganisationID == 0 || s.dialect != SQLite || total == 0 {
		return byAddressees, nil
	}
	// The walk reads the whole index of the sort, but in number order
	// only the source's stretch of it (recommendationsBy).
	var walked tracker.RecommendationFilter
	if f.SourceID != 0 && s.recommendationOrder(f.Sort).columns() == s.recommendationOrder("number").columns() {
		walked.SourceID = f.SourceID
	}
	var all int64
	if err := s.recommendationTally(ctx, walked).Select(sumOfN).Row().Scan(&all); err != nil {
		return byAddressees, err
	}
	return chooseScan(f.Page, total, all), nil
}

// chooseScan chooses how to find a page of total rows among all rows in
// the list's order: walking the order reads about all/total entries for
// each row up to the page's end (from the nearer end, as pageKeys reads);
// reading the rows kept reads total rows and sorts them, each costing
// about as much as four steps of the walk (measured on SQLite).
func chooseScan(p tracker.Page, total, all int64) addresseeScan {
	if total <= 0 {
		return byAddressees
	}
	offset, limit := int64(p.Offset()), int64(p.Limit())
	if limit < 0 {
		limit = total
	}
	upTo := offset + limit
	if fromEnd := total - offset; offset > 0 && fromEnd < offset {
		upTo = max(fromEnd, 0)
	}
	return addresseeScan(upTo*all < 4*total*total)
}

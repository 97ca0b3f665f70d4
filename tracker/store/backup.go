package store

// Whole-tracker backup and restore.
//
// A backup is one UTF-8 JSON document (gzip-compressed when the command
// line asks for it), written by ExportAll and read by ImportAll:
//
//	{"format": "civic-tracker-backup", "format_version": 1,
//	 "schema": "0006_search",                 // the newest schema step the database had
//	 "exported_at": "2025-03-01T09:30:00.123456Z",
//	 "tables": {
//	   "organisations": {
//	     "columns": [{"name": "id", "type": "integer"}, {"name": "name", "type": "text"}, ...],
//	     "rows": [[1, "Metropolitan Police Service", ...], ...]},
//	   ...}}
//
// Tables appear in backupTables order (parents before children), rows in
// primary-key order, columns in the table's own order, one row per line, so
// two backups of the same data are byte for byte the same apart from
// exported_at. Each column has one of these types, and its values are:
//
//	integer    a JSON integer (64-bit)
//	real       a JSON number that parses back to the same float64
//	text       a JSON string, exactly as stored (UTF-8)
//	boolean    true or false
//	date       "YYYY-MM-DD"
//	timestamp  RFC 3339 in UTC with every fractional digit the database
//	           holds, e.g. "2025-03-01T09:30:00.123456789Z"
//	bytes      a base64 (standard alphabet, padded) string
//
// and NULL is JSON null in every type, so NULL and "" stay apart.
// PostgreSQL keeps microseconds: finer digits from a SQLite backup are cut
// on restore there, and BackupSummary.TruncatedTimes says how many.
//
// Left out: sessions (a restore must not carry live sign-ins; everyone
// signs in again), failed sign-ins (forgotten within minutes anyway), the
// schema_migrations bookkeeping (carried as "schema"),
// and derived data, the search index, which ImportAll rebuilds.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// BackupFormat names the document ExportAll writes.
const BackupFormat = "civic-tracker-backup"

// BackupFormatVersion is the version of the backup layout ExportAll writes;
// ImportAll reads this version and older ones.
const BackupFormatVersion = 1

// backupTables lists every table a backup holds, each after the tables its
// foreign keys point at, so a restore can insert them in this order. A new
// migration that adds a table must add it here or to notBackedUp; a test
// fails until it does, and ExportAll refuses to write a partial backup.
var backupTables = []string{
	"organisations",
	"sources",
	"recommendations",
	"recommendation_addressees",
	"reference_requests",
	"reference_recommendations",
	"replies",
	"responses",
	"actions",
	"progress_updates",
	"outcomes",
	"measures",
	"measure_values",
	"users",
	"user_organisations",
	"api_tokens",
	"audit_events",
	"deadline_revisions",
	"import_mappings", // saved column mappings for spreadsheet import
	"mail_prefs",      // each person's digest and unsubscribe token
	"follows",         // who follows which recommendation
	"meetings",
	"meeting_decisions",
	"update_requests",        // who was asked for updates before a meeting, and reminded
	"update_request_actions", // the actions each request listed
	"request_optouts",        // who has stopped update requests, by address
}

// versionsNotBackedUp is why the tables of past rows are left out.
const versionsNotBackedUp = "derived: the items' past rows are made again from the audit events after a restore"

// notBackedUp lists the tables a backup leaves out on purpose, with why.
var notBackedUp = map[string]string{
	"schema_migrations":                  "bookkeeping: the backup carries the newest step as its schema, and the restore migrates",
	"sessions":                           "live sign-ins: a restored tracker asks everyone to sign in again",
	"signin_failures":                    "short-lived counts of failed sign-ins, forgotten after the throttle's window",
	"search_documents":                   "derived: the search index is rebuilt from the tables after a restore",
	"search_fts":                         "derived: SQLite full-text index",
	"search_fts_data":                    "derived: SQLite full-text index",
	"search_fts_idx":                     "derived: SQLite full-text index",
	"search_fts_docsize":                 "derived: SQLite full-text index",
	"search_fts_config":                  "derived: SQLite full-text index",
	"action_tallies":                     "derived: kept by triggers from the actions a restore writes",
	"recommendation_tallies":             "derived: kept by triggers from the recommendations a restore writes",
	"addressee_tallies":                  "derived: kept by triggers from the addressees a restore writes",
	"audit_latest":                       "derived: kept by a trigger from the audit events a restore writes",
	"change_days":                        "derived: kept by a trigger from the audit events a restore writes",
	"versions_sources":                   versionsNotBackedUp,
	"versions_recommendations":           versionsNotBackedUp,
	"versions_responses":                 versionsNotBackedUp,
	"versions_actions":                   versionsNotBackedUp,
	"versions_progress_updates":          versionsNotBackedUp,
	"versions_reference_requests":        versionsNotBackedUp,
	"versions_replies":                   versionsNotBackedUp,
	"versions_measures":                  versionsNotBackedUp,
	"versions_recommendation_addressees": versionsNotBackedUp,
	"versions_reference_recommendations": versionsNotBackedUp,
	"emails":                             "the log of emails sent: a restored tracker sends nothing again",
	"import_jobs":                        "spreadsheet imports queued or done in the browser: work in flight is not restored",
	"river_job":                          "the job queue (River): work in flight is not restored",
	"river_leader":                       "the job queue (River): which server leads, elected again",
	"river_migration":                    "the job queue (River): its own schema steps, run again by tracker migrate",
	"river_queue":                        "the job queue (River): queue settings, made again",
	"river_client":                       "the job queue (River): live servers",
	"river_client_queue":                 "the job queue (River): live servers",
	"river_notification":                 "the job queue (River): SQLite's notices between servers",
}

// derivedColumn says whether a column of table is left out of a backup:
// a row's copy of its item's latest change (migration 0028), made again
// from the audit events after a restore (rebuildDerived).
func derivedColumn(table, column string) bool {
	if column != "last_effective_at" {
		return false
	}
	for _, v := range versioned {
		if v.table == table {
			return true
		}
	}
	return false
}

// Column types in a backup.
const (
	colInteger   = "integer"
	colReal      = "real"
	colText      = "text"
	colBoolean   = "boolean"
	colDate      = "date"
	colTimestamp = "timestamp"
	colBytes     = "bytes"
)

// ErrNotEmpty is returned by ImportAll when the database already holds data.
var ErrNotEmpty = errors.New("the database already holds data")

// ErrNotBackup is returned by ImportAll when the input is not a tracker backup.
var ErrNotBackup = errors.New("this is not a tracker backup")

// TableCount is how many rows of one table a backup holds.
type TableCount struct {
	Table string
	Rows  int64
}

// BackupSummary describes a backup written or restored.
type BackupSummary struct {
	// Schema is the newest schema step of the backed-up database.
	Schema string
	// Tables lists each table in the backup with its row count, in order.
	Tables []TableCount
	// TruncatedTimes counts timestamps whose digits below the microsecond
	// were dropped because PostgreSQL keeps microseconds only.
	TruncatedTimes int
	// StrippedNULs counts the U+0000 characters removed from text because
	// PostgreSQL cannot store them (SQLite can, so a backup may hold some).
	StrippedNULs int
}

// Rows is the total number of rows across all tables.
func (b BackupSummary) Rows() int64 {
	var n int64
	for _, t := range b.Tables {
		n += t.Rows
	}
	return n
}

// Count returns the number of rows of one table, 0 when it is absent.
func (b BackupSummary) Count(table string) int64 {
	for _, t := range b.Tables {
		if t.Table == table {
			return t.Rows
		}
	}
	return 0
}

type backupColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type tableInfo struct {
	columns []backupColumn
	pk      []string
}

// listTables returns the names of the database's own tables.
func (s *Store) listTables(ctx context.Context) ([]string, error) {
	var names []string
	var err error
	if s.dialect == Postgres {
		err = s.q(ctx).Raw(`SELECT table_name FROM information_schema.tables
			WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`).Scan(&names).Error
	} else {
		err = s.q(ctx).Raw(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`).Scan(&names).Error
	}
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	return names, nil
}

// uncoveredTables returns the tables of the database that the backup
// neither holds nor leaves out on purpose.
func uncoveredTables(tables []string) []string {
	known := map[string]bool{}
	for _, t := range backupTables {
		known[t] = true
	}
	var out []string
	for _, t := range tables {
		if !known[t] && notBackedUp[t] == "" {
			out = append(out, t)
		}
	}
	return out
}

// columnType maps a declared SQLite type or a PostgreSQL data_type to a
// backup column type.
func columnType(declared string) (string, bool) {
	d := strings.ToLower(strings.TrimSpace(declared))
	switch {
	case strings.Contains(d, "int"):
		return colInteger, true
	case strings.Contains(d, "bool"):
		return colBoolean, true
	case strings.HasPrefix(d, "timestamp") || d == "datetime":
		return colTimestamp, true
	case d == "date":
		return colDate, true
	case strings.Contains(d, "char") || strings.Contains(d, "text") || strings.Contains(d, "clob"):
		return colText, true
	case strings.Contains(d, "double") || strings.Contains(d, "real") || strings.Contains(d, "float"):
		return colReal, true
	case d == "blob" || d == "bytea":
		return colBytes, true
	}
	return "", false
}

// tableInfo reads a table's columns, in order, and its primary key.
func (s *Store) tableInfo(ctx context.Context, table string) (tableInfo, error) {
	type col struct {
		Name string
		Type string
		PK   int
	}
	var cols []col
	var err error
	if s.dialect == Postgres {
		err = s.q(ctx).Raw(`SELECT c.column_name AS name, c.data_type AS type,
				COALESCE((SELECT k.ordinal_position FROM information_schema.table_constraints t
					JOIN information_schema.key_column_usage k ON k.constraint_name = t.constraint_name
						AND k.table_schema = t.table_schema AND k.table_name = t.table_name
					WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = c.table_schema
						AND t.table_name = c.table_name AND k.column_name = c.column_name), 0) AS pk
			FROM information_schema.columns c
			WHERE c.table_schema = current_schema() AND c.table_name = ? ORDER BY c.ordinal_position`, table).Scan(&cols).Error
	} else {
		err = s.q(ctx).Raw(`SELECT name, type, pk FROM pragma_table_info(?) ORDER BY cid`, table).Scan(&cols).Error
	}
	if err != nil {
		return tableInfo{}, fmt.Errorf("read the columns of %s: %w", table, err)
	}
	var info tableInfo
	pk := map[int]string{}
	for _, c := range cols {
		typ, ok := columnType(c.Type)
		if !ok {
			return tableInfo{}, fmt.Errorf("column %s.%s has type %s, which a backup cannot hold yet", table, c.Name, c.Type)
		}
		info.columns = append(info.columns, backupColumn{Name: c.Name, Type: typ})
		if c.PK > 0 {
			pk[c.PK] = c.Name
		}
	}
	for i := 1; i <= len(pk); i++ {
		info.pk = append(info.pk, pk[i])
	}
	return info, nil
}

func quoteIdent(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// ExportAll writes the whole tracker to w as one backup document (see the
// top of this file), read in one transaction so it is consistent. It works
// on a database whose schema is older than this version too, and refuses
// one that has a table the backup does not know how to hold.
func (s *Store) ExportAll(ctx context.Context, w io.Writer) (BackupSummary, error) {
	var sum BackupSummary
	if err := s.CheckNotNewer(ctx); err != nil {
		return sum, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	err := s.Tx(ctx, func(tx *Store) error {
		st, err := tx.Schema(ctx)
		if err != nil {
			return err
		}
		sum.Schema = st.Current()
		tables, err := tx.listTables(ctx)
		if err != nil {
			return err
		}
		if extra := uncoveredTables(tables); len(extra) > 0 {
			return fmt.Errorf("the database has table(s) %s that this version of the tracker does not know how to back up; no backup was written", strings.Join(extra, ", "))
		}
		have := map[string]bool{}
		for _, t := range tables {
			have[t] = true
		}
		// The header's keys in a fixed order, then "tables".
		fmt.Fprintf(bw, "{\"format\":%q,\"format_version\":%d,\"schema\":%s,\"exported_at\":%s,\n\"tables\":{",
			BackupFormat, BackupFormatVersion, mustJSON(sum.Schema), mustJSON(s.Now().Format(time.RFC3339Nano)))
		first := true
		for _, table := range backupTables {
			if !have[table] {
				continue // an older schema, before this table existed
			}
			if !first {
				bw.WriteString(",")
			}
			first = false
			n, err := tx.exportTable(ctx, bw, table)
			if err != nil {
				return err
			}
			sum.Tables = append(sum.Tables, TableCount{Table: table, Rows: n})
		}
		_, err = bw.WriteString("\n}}\n")
		return err
	})
	if err != nil {
		return sum, fmt.Errorf("export: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return sum, fmt.Errorf("export: write: %w", err)
	}
	return sum, nil
}

func mustJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func (s *Store) exportTable(ctx context.Context, w *bufio.Writer, table string) (int64, error) {
	info, err := s.tableInfo(ctx, table)
	if err != nil {
		return 0, err
	}
	info.columns = slices.DeleteFunc(info.columns, func(c backupColumn) bool { return derivedColumn(table, c.Name) })
	names := make([]string, len(info.columns))
	for i, c := range info.columns {
		names[i] = quoteIdent(c.Name)
	}
	order := info.pk
	if len(order) == 0 {
		for _, c := range info.columns {
			order = append(order, c.Name)
		}
	}
	orderBy := make([]string, len(order))
	for i, c := range order {
		orderBy[i] = quoteIdent(c)
		if s.dialect == Postgres && colTypeOf(info, c) == colText {
			orderBy[i] += ` COLLATE "C"` // byte order, as SQLite sorts
		}
	}
	fmt.Fprintf(w, "\n%s:{\"columns\":%s,\"rows\":[", mustJSON(table), mustJSON(info.columns))
	rows, err := s.q(ctx).Raw(fmt.Sprintf("SELECT %s FROM %s ORDER BY %s", strings.Join(names, ", "), quoteIdent(table), strings.Join(orderBy, ", "))).Rows()
	if err != nil {
		return 0, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	vals := make([]any, len(info.columns))
	ptrs := make([]any, len(info.columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	out := make([]any, len(info.columns))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	var n int64
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return n, fmt.Errorf("read %s: %w", table, err)
		}
		for i, c := range info.columns {
			v, err := exportValue(c.Type, vals[i])
			if err != nil {
				return n, fmt.Errorf("%s row %d, column %s: %w", table, n+1, c.Name, err)
			}
			out[i] = v
		}
		buf.Reset()
		if err := enc.Encode(out); err != nil {
			return n, fmt.Errorf("%s row %d: %w", table, n+1, err)
		}
		if n > 0 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
		w.Write(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("read %s: %w", table, err)
	}
	_, err = w.WriteString("]}")
	return n, err
}

func colTypeOf(info tableInfo, name string) string {
	for _, c := range info.columns {
		if c.Name == name {
			return c.Type
		}
	}
	return ""
}

// exportValue turns a value as the driver returns it into its JSON form.
func exportValue(typ string, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch typ {
	case colInteger:
		if n, ok := exportInteger(v); ok {
			return n, nil
		}
	case colReal:
		return exportReal(v)
	case colText:
		return exportText(v)
	case colBoolean:
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
	case colDate:
		t, err := timeOf(v)
		if err != nil {
			return nil, err
		}
		// The calendar day as the store reads it (see utcDay).
		return t.Format("2006-01-02"), nil
	case colTimestamp:
		t, err := timeOf(v)
		if err != nil {
			return nil, err
		}
		return t.UTC().Format(time.RFC3339Nano), nil
	case colBytes:
		switch x := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(x), nil
		case string:
			return base64.StdEncoding.EncodeToString([]byte(x)), nil
		}
	}
	return nil, fmt.Errorf("unexpected %T in a %s column", v, typ)
}

func exportInteger(v any) (int64, bool) {
	switch x := v.(type) {
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case int16:
		return int64(x), true
	case int:
		return int64(x), true
	}
	return 0, false
}

func exportReal(v any) (any, error) {
	var f float64
	switch x := v.(type) {
	case float64:
		f = x
	case float32:
		f = float64(x)
	case int64: // SQLite keeps a whole REAL as an integer in some paths
		f = float64(x)
	default:
		return nil, fmt.Errorf("expected a number, found %T", v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("the number %v cannot be written to a backup", f)
	}
	return f, nil
}

func exportText(v any) (any, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return nil, fmt.Errorf("expected text, found %T", v)
	}
	if !utf8.ValidString(s) {
		return nil, errors.New("the text is not valid UTF-8")
	}
	return s, nil
}

// storedTimeLayouts are the text forms SQLite may hold a time in.
var storedTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999-07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02",
}

func timeOf(v any) (time.Time, error) {
	switch x := v.(type) {
	case time.Time:
		return x, nil
	case string:
		for _, layout := range storedTimeLayouts {
			if t, err := time.Parse(layout, x); err == nil {
				return t, nil
			}
		}
		return time.Time{}, fmt.Errorf("%q is not a time", x)
	case []byte:
		return timeOf(string(x))
	}
	return time.Time{}, fmt.Errorf("expected a time, found %T", v)
}

type backupDoc struct {
	Format        string                     `json:"format"`
	FormatVersion int                        `json:"format_version"`
	Schema        string                     `json:"schema"`
	ExportedAt    string                     `json:"exported_at"`
	Tables        map[string]backupTableData `json:"tables"`
}

type backupTableData struct {
	Columns []backupColumn `json:"columns"`
	Rows    [][]any        `json:"rows"`
}

// ImportAll restores a backup written by ExportAll into this database,
// which must be migrated and empty: a database that holds any data, or a
// backup from a newer schema, is refused. Everything is restored in one
// transaction with its ids kept; PostgreSQL id sequences are moved past
// the restored ids, and the search index is rebuilt. A backup from an
// older schema restores too: columns added since take their defaults.
func (s *Store) ImportAll(ctx context.Context, r io.Reader) (BackupSummary, error) {
	var sum BackupSummary
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var doc backupDoc
	if err := dec.Decode(&doc); err != nil {
		return sum, fmt.Errorf("%w: it cannot be read as a JSON backup document (%v)", ErrNotBackup, err)
	}
	if doc.Format != BackupFormat {
		return sum, fmt.Errorf("%w: it does not say \"format\": %q", ErrNotBackup, BackupFormat)
	}
	if doc.FormatVersion < 1 || doc.FormatVersion > BackupFormatVersion {
		return sum, fmt.Errorf("%w: the backup is in format version %d and this version of the tracker reads up to %d; upgrade the tracker to restore it",
			ErrSchemaNewer, doc.FormatVersion, BackupFormatVersion)
	}
	known := false
	for _, id := range MigrationIDs() {
		known = known || id == doc.Schema
	}
	if !known && doc.Schema != "" {
		return sum, fmt.Errorf("%w: the backup has schema step %s, and this version only knows up to %s; upgrade the tracker before restoring it",
			ErrSchemaNewer, doc.Schema, migrations[len(migrations)-1].id)
	}
	sum.Schema = doc.Schema
	listed := map[string]bool{}
	for _, t := range backupTables {
		listed[t] = true
	}
	var unknown []string
	for t := range doc.Tables {
		if !listed[t] {
			unknown = append(unknown, t)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return sum, fmt.Errorf("the backup holds table(s) %s that this version of the tracker does not restore; nothing was restored", strings.Join(unknown, ", "))
	}
	if err := s.CheckCurrent(ctx); err != nil {
		return sum, err
	}
	err := s.Tx(ctx, func(tx *Store) error {
		if err := tx.checkEmpty(ctx); err != nil {
			return err
		}
		if err := tx.deferDerived(ctx); err != nil {
			return err
		}
		for _, table := range backupTables {
			data, ok := doc.Tables[table]
			if !ok {
				continue
			}
			n, fixes, err := tx.importTable(ctx, table, data)
			if err != nil {
				return err
			}
			sum.Tables = append(sum.Tables, TableCount{Table: table, Rows: n})
			sum.TruncatedTimes += fixes.times
			sum.StrippedNULs += fixes.nuls
		}
		// A backup from before each addressee had its own status
		// (migration 0013): each takes its recommendation's, as the
		// migration gave them.
		if err := tx.q(ctx).Exec(`UPDATE recommendation_addressees SET status = (SELECT r.status FROM recommendations r
			WHERE r.id = recommendation_addressees.recommendation_id) WHERE status = ''`).Error; err != nil {
			return fmt.Errorf("restore the addressees' statuses: %w", err)
		}
		return tx.afterRestore(ctx)
	})
	if err != nil {
		return BackupSummary{}, fmt.Errorf("restore: %w", err)
	}
	if err := s.Analyze(ctx); err != nil {
		return sum, fmt.Errorf("restored, but %w", err)
	}
	return sum, nil
}

// afterRestore makes again what a backup leaves out, from the rows it
// restored: on PostgreSQL the id sequences and the derived tables (whose
// triggers a restore defers), the items' past rows and the search index.
func (s *Store) afterRestore(ctx context.Context) error {
	if s.dialect == Postgres {
		if err := s.resetSequences(ctx); err != nil {
			return err
		}
		if err := s.rebuildDerived(ctx); err != nil {
			return err
		}
	}
	if err := s.reversionAll(ctx); err != nil {
		return err
	}
	return s.RebuildSearchIndex(ctx)
}

// checkEmpty refuses a database that holds any row a restore would write,
// or any session.
func (s *Store) checkEmpty(ctx context.Context) error {
	tables, err := s.listTables(ctx)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, t := range tables {
		have[t] = true
	}
	var found []string
	for _, t := range append(append([]string{}, backupTables...), "sessions") {
		if !have[t] {
			continue
		}
		var n int64
		if err := s.q(ctx).Raw("SELECT COUNT(*) FROM " + quoteIdent(t)).Scan(&n).Error; err != nil {
			return fmt.Errorf("count %s: %w", t, err)
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%d %s", n, strings.ReplaceAll(t, "_", " ")))
		}
	}
	if len(found) > 0 {
		return fmt.Errorf("%w (%s); restore into a new, empty database so nothing is mixed or overwritten", ErrNotEmpty, strings.Join(found, ", "))
	}
	return nil
}

// importBatch bounds the values in one INSERT, well under both databases'
// limits on statement parameters.
const importBatch = 2000

// restoreFixes counts the values a restore had to change to store them.
type restoreFixes struct {
	times int // timestamps cut to the microsecond
	nuls  int // U+0000 characters removed from text
}

func (s *Store) importTable(ctx context.Context, table string, data backupTableData) (int64, restoreFixes, error) {
	info, err := s.tableInfo(ctx, table)
	if err != nil {
		return 0, restoreFixes{}, err
	}
	if len(info.columns) == 0 {
		return 0, restoreFixes{}, fmt.Errorf("this database has no table %s; is it migrated?", table)
	}
	dbType := map[string]string{}
	for _, c := range info.columns {
		dbType[c.Name] = c.Type
	}
	names := make([]string, len(data.Columns))
	seen := map[string]bool{}
	for i, c := range data.Columns {
		typ, ok := dbType[c.Name]
		switch {
		case !ok:
			return 0, restoreFixes{}, fmt.Errorf("the backup has column %s.%s, which this database does not have", table, c.Name)
		case typ != c.Type:
			return 0, restoreFixes{}, fmt.Errorf("the backup has column %s.%s as %s, but this database keeps it as %s", table, c.Name, c.Type, typ)
		case seen[c.Name]:
			return 0, restoreFixes{}, fmt.Errorf("the backup names column %s.%s twice", table, c.Name)
		}
		seen[c.Name] = true
		names[i] = quoteIdent(c.Name)
	}
	if len(data.Columns) == 0 {
		if len(data.Rows) > 0 {
			return 0, restoreFixes{}, fmt.Errorf("the backup has rows for %s but no columns", table)
		}
		return 0, restoreFixes{}, nil
	}
	per := importBatch / len(data.Columns)
	if per < 1 {
		per = 1
	}
	pool := s.db.Statement.ConnPool
	var fixes restoreFixes
	for start := 0; start < len(data.Rows); start += per {
		end := min(start+per, len(data.Rows))
		var sql strings.Builder
		fmt.Fprintf(&sql, "INSERT INTO %s (%s) VALUES ", quoteIdent(table), strings.Join(names, ", "))
		args := make([]any, 0, (end-start)*len(names))
		for ri, row := range data.Rows[start:end] {
			if len(row) != len(data.Columns) {
				return 0, restoreFixes{}, fmt.Errorf("%s row %d has %d values for %d columns", table, start+ri+1, len(row), len(data.Columns))
			}
			if ri > 0 {
				sql.WriteString(", ")
			}
			sql.WriteByte('(')
			for ci, c := range data.Columns {
				v, fixed, err := s.importValue(c.Type, row[ci])
				if err != nil {
					return 0, restoreFixes{}, fmt.Errorf("%s row %d, column %s: %w", table, start+ri+1, c.Name, err)
				}
				fixes.times += fixed.times
				fixes.nuls += fixed.nuls
				args = append(args, v)
				if ci > 0 {
					sql.WriteString(", ")
				}
				if s.dialect == Postgres {
					sql.WriteString("$" + strconv.Itoa(len(args)))
				} else {
					sql.WriteByte('?')
				}
			}
			sql.WriteByte(')')
		}
		if _, err := pool.ExecContext(ctx, sql.String(), args...); err != nil {
			return 0, restoreFixes{}, fmt.Errorf("restore %s (rows %d to %d): %w", table, start+1, end, err)
		}
	}
	return int64(len(data.Rows)), fixes, nil
}

// importValue turns a JSON value of a backup into a driver argument; it
// reports what it had to change for PostgreSQL: a timestamp's digits below
// the microsecond, or U+0000 characters in text.
func (s *Store) importValue(typ string, v any) (any, restoreFixes, error) {
	if v == nil {
		return nil, restoreFixes{}, nil
	}
	switch typ {
	case colInteger:
		if n, ok := v.(json.Number); ok {
			i, err := strconv.ParseInt(string(n), 10, 64)
			if err != nil {
				return nil, restoreFixes{}, fmt.Errorf("%s is not a whole number", n)
			}
			return i, restoreFixes{}, nil
		}
	case colReal:
		if n, ok := v.(json.Number); ok {
			f, err := strconv.ParseFloat(string(n), 64)
			if err != nil {
				return nil, restoreFixes{}, fmt.Errorf("%s is not a number", n)
			}
			return f, restoreFixes{}, nil
		}
	case colText:
		if x, ok := v.(string); ok {
			if s.dialect == Postgres && strings.ContainsRune(x, 0) {
				n := strings.Count(x, "\x00")
				return strings.ReplaceAll(x, "\x00", ""), restoreFixes{nuls: n}, nil
			}
			return x, restoreFixes{}, nil
		}
	case colBoolean:
		if x, ok := v.(bool); ok {
			return x, restoreFixes{}, nil
		}
	case colDate:
		if x, ok := v.(string); ok {
			t, err := time.Parse("2006-01-02", x)
			if err != nil {
				return nil, restoreFixes{}, fmt.Errorf("%q is not a date (YYYY-MM-DD)", x)
			}
			return t, restoreFixes{}, nil
		}
	case colTimestamp:
		if x, ok := v.(string); ok {
			t, err := time.Parse(time.RFC3339Nano, x)
			if err != nil {
				return nil, restoreFixes{}, fmt.Errorf("%q is not an RFC 3339 time", x)
			}
			t = t.UTC()
			if s.dialect == Postgres {
				if c := t.Truncate(time.Microsecond); !c.Equal(t) {
					return c, restoreFixes{times: 1}, nil
				}
			}
			return t, restoreFixes{}, nil
		}
	case colBytes:
		if x, ok := v.(string); ok {
			b, err := base64.StdEncoding.DecodeString(x)
			if err != nil {
				return nil, restoreFixes{}, errors.New("the value is not base64")
			}
			return b, restoreFixes{}, nil
		}
	default:
		return nil, restoreFixes{}, fmt.Errorf("unknown column type %q", typ)
	}
	return nil, restoreFixes{}, fmt.Errorf("unexpected %T for a %s column", v, typ)
}

// resetSequences moves each PostgreSQL id sequence past the largest id, so
// rows created after a restore get fresh ids.
func (s *Store) resetSequences(ctx context.Context) error {
	for _, t := range backupTables {
		info, err := s.tableInfo(ctx, t)
		if err != nil {
			return err
		}
		if colTypeOf(info, "id") != colInteger {
			continue
		}
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence(?, 'id'), COALESCE(MAX(id), 0) + 1, false) FROM %s`, quoteIdent(t))
		if err := s.q(ctx).Exec(q, t).Error; err != nil {
			return fmt.Errorf("reset the id sequence of %s: %w", t, err)
		}
	}
	return nil
}

// RebuildSearchIndex empties the search index and fills it again from the
// tables, as a restore needs.
func (s *Store) RebuildSearchIndex(ctx context.Context) error {
	if err := s.q(ctx).Exec(`DELETE FROM search_documents`).Error; err != nil {
		return fmt.Errorf("empty the search index: %w", err)
	}
	return reindexAll(s.q(ctx), s.dialect)
}

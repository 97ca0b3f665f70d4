package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// ErrSchemaNewer is returned when the database was written by a newer
// version of the tracker than this one.
var ErrSchemaNewer = errors.New("the database was written by a newer version of the tracker")

// ErrSchemaOutdated is returned when migrations are pending and the caller
// asked not to run them.
var ErrSchemaOutdated = errors.New("the database schema is older than this tracker")

// migration is one frozen step of the schema. Its SQL never changes once it
// has been released; a later change is a new migration.
type migration struct {
	id   string
	up   []string
	down []string
	// Statements for one database only, run after up (and before down).
	upSQLite, upPostgres     []string
	downSQLite, downPostgres []string
	// then, when set, runs after up, in the same transaction, through a
	// store on it: for steps that make rows from the tables in Go.
	then func(ctx context.Context, s *Store) error
}

// migrations lists every schema step in order. The SQL is written once for
// both databases; {{pk}} and {{ts}} are the only words that differ.
var migrations = []migration{
	{
		id: "0001_core",
		up: []string{
			`CREATE TABLE organisations (
				id {{pk}},
				name TEXT NOT NULL UNIQUE,
				short_name TEXT NOT NULL DEFAULT '',
				version INTEGER NOT NULL DEFAULT 1,
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL
			)`,
			`CREATE TABLE sources (
				id {{pk}},
				kind TEXT NOT NULL,
				title TEXT NOT NULL,
				issued_by_id BIGINT NOT NULL REFERENCES organisations(id),
				issued_on DATE,
				date_text TEXT NOT NULL DEFAULT '',
				reference TEXT NOT NULL DEFAULT '',
				url TEXT NOT NULL DEFAULT '',
				publisher TEXT NOT NULL DEFAULT '',
				pages INTEGER NOT NULL DEFAULT 0,
				summary TEXT NOT NULL DEFAULT '',
				keywords TEXT NOT NULL DEFAULT '',
				version INTEGER NOT NULL DEFAULT 1,
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL
			)`,
			`CREATE TABLE recommendations (
				id {{pk}},
				source_id BIGINT NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
				number TEXT NOT NULL,
				title TEXT NOT NULL DEFAULT '',
				text TEXT NOT NULL,
				deadline_text TEXT NOT NULL DEFAULT '',
				deadline_date DATE,
				themes TEXT NOT NULL DEFAULT '',
				status TEXT NOT NULL,
				assessment TEXT NOT NULL,
				assessment_note TEXT NOT NULL DEFAULT '',
				version INTEGER NOT NULL DEFAULT 1,
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL,
				UNIQUE (source_id, number)
			)`,
			`CREATE TABLE recommendation_addressees (
				recommendation_id BIGINT NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
				organisation_id BIGINT NOT NULL REFERENCES organisations(id),
				sort_order INTEGER NOT NULL DEFAULT 0,
				PRIMARY KEY (recommendation_id, organisation_id)
			)`,
			`CREATE TABLE reference_requests (
				id {{pk}},
				number TEXT NOT NULL DEFAULT '',
				title TEXT NOT NULL,
				requested_by_id BIGINT NOT NULL REFERENCES organisations(id),
				responding_org_id BIGINT NOT NULL REFERENCES organisations(id),
				raised_on DATE,
				request_text TEXT NOT NULL DEFAULT '',
				status TEXT NOT NULL,
				source_id BIGINT REFERENCES sources(id) ON DELETE SET NULL,
				version INTEGER NOT NULL DEFAULT 1,
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL
			)`,
			`CREATE TABLE reference_recommendations (
				reference_id BIGINT NOT NULL REFERENCES reference_requests(id) ON DELETE CASCADE,
				recommendation_id BIGINT NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
				sort_order INTEGER NOT NULL DEFAULT 0,
				PRIMARY KEY (reference_id, recommendation_id)
			)`,
			`CREATE TABLE replies (
				id {{pk}},
				from_org_id BIGINT NOT NULL REFERENCES organisations(id),
				to_text TEXT NOT NULL DEFAULT '',
				author TEXT NOT NULL DEFAULT '',
				dated DATE,
				date_text TEXT NOT NULL DEFAULT '',
				title TEXT NOT NULL,
				body TEXT NOT NULL DEFAULT '',
				source_id BIGINT REFERENCES sources(id) ON DELETE SET NULL,
				reference_id BIGINT REFERENCES reference_requests(id) ON DELETE SET NULL,
				version INTEGER NOT NULL DEFAULT 1,
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL
			)`,
			`CREATE TABLE responses (
				id {{pk}},
				recommendation_id BIGINT NOT NULL REFERENCES recommendations(id) ON DELETE CASCADE,
				organisation_id BIGINT NOT NULL REFERENCES organisations(id),
				revision INTEGER NOT NULL,
				position TEXT NOT NULL,
				text TEXT NOT NULL DEFAULT '',
				author TEXT NOT NULL DEFAULT '',
				dated DATE,
				date_text TEXT NOT NULL DEFAULT '',
				reply_id BIGINT REFERENCES replies(id) ON DELETE SET NULL,
				created_at {{ts}} NOT NULL,
				UNIQUE (recommendation_id, organisation_id, revision)
			)`,
			`CREATE TABLE actions (
				id {{pk}},
				organisation_id BIGINT NOT NULL REFERENCES organisations(id),
				source_id BIGINT REFERENCES sources(id) ON DELETE CASCADE,
				recommendation_id BIGINT REFERENCES recommendations(id) ON DELETE CASCADE,
				reference_id BIGINT REFERENCES reference_requests(id) ON DELETE CASCADE,
				description TEXT NOT NULL,
				owner TEXT NOT NULL DEFAULT '',
				owner_unit TEXT NOT NULL DEFAULT '',
				due_text TEXT NOT NULL DEFAULT '',
				due_date DATE,
				status TEXT NOT NULL,
				rag TEXT NOT NULL DEFAULT '',
				completed_on DATE,
				version INTEGER NOT NULL DEFAULT 1,
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL
			)`,
			`CREATE TABLE progress_updates (
				id {{pk}},
				action_id BIGINT REFERENCES actions(id) ON DELETE CASCADE,
				recommendation_id BIGINT REFERENCES recommendations(id) ON DELETE CASCADE,
				dated DATE NOT NULL,
				author TEXT NOT NULL DEFAULT '',
				text TEXT NOT NULL,
				created_at {{ts}} NOT NULL,
				CHECK (action_id IS NOT NULL OR recommendation_id IS NOT NULL)
			)`,
			`CREATE INDEX recommendations_source ON recommendations (source_id)`,
			`CREATE INDEX addressees_org ON recommendation_addressees (organisation_id)`,
			`CREATE INDEX responses_rec ON responses (recommendation_id)`,
			`CREATE INDEX actions_org ON actions (organisation_id)`,
			`CREATE INDEX actions_rec ON actions (recommendation_id)`,
			`CREATE INDEX actions_ref ON actions (reference_id)`,
			`CREATE INDEX actions_due ON actions (due_date)`,
			`CREATE INDEX updates_action ON progress_updates (action_id)`,
			`CREATE INDEX updates_rec ON progress_updates (recommendation_id)`,
		},
		down: []string{
			`DROP TABLE progress_updates`, `DROP TABLE actions`, `DROP TABLE responses`,
			`DROP TABLE replies`, `DROP TABLE reference_recommendations`, `DROP TABLE reference_requests`,
			`DROP TABLE recommendation_addressees`, `DROP TABLE recommendations`, `DROP TABLE sources`,
			`DROP TABLE organisations`,
		},
	},
	{
		id: "0002_outcomes_measures",
		up: []string{
			`CREATE TABLE outcomes (
				id {{pk}},
				reply_id BIGINT NOT NULL REFERENCES replies(id) ON DELETE CASCADE,
				number INTEGER NOT NULL,
				text TEXT NOT NULL,
				UNIQUE (reply_id, number)
			)`,
			`CREATE TABLE measures (
				id {{pk}},
				organisation_id BIGINT NOT NULL REFERENCES organisations(id),
				source_id BIGINT REFERENCES sources(id) ON DELETE SET NULL,
				outcome_id BIGINT REFERENCES outcomes(id) ON DELETE SET NULL,
				name TEXT NOT NULL,
				unit TEXT NOT NULL DEFAULT '',
				direction TEXT NOT NULL,
				target DOUBLE PRECISION,
				target_text TEXT NOT NULL DEFAULT '',
				target_date DATE,
				description TEXT NOT NULL DEFAULT '',
				version INTEGER NOT NULL DEFAULT 1,
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL,
				UNIQUE (organisation_id, name)
			)`,
			`CREATE TABLE measure_values (
				id {{pk}},
				measure_id BIGINT NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
				period TEXT NOT NULL,
				period_end DATE NOT NULL,
				value DOUBLE PRECISION NOT NULL,
				note TEXT NOT NULL DEFAULT '',
				created_at {{ts}} NOT NULL,
				UNIQUE (measure_id, period_end)
			)`,
		},
		down: []string{`DROP TABLE measure_values`, `DROP TABLE measures`, `DROP TABLE outcomes`},
	},
	{
		id: "0003_accounts_audit",
		up: []string{
			`CREATE TABLE users (
				id {{pk}},
				email TEXT NOT NULL UNIQUE,
				name TEXT NOT NULL DEFAULT '',
				role TEXT NOT NULL,
				password_hash TEXT NOT NULL,
				disabled_at {{ts}},
				version INTEGER NOT NULL DEFAULT 1,
				created_at {{ts}} NOT NULL,
				updated_at {{ts}} NOT NULL
			)`,
			`CREATE TABLE user_organisations (
				user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				organisation_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
				PRIMARY KEY (user_id, organisation_id)
			)`,
			`CREATE TABLE sessions (
				id TEXT PRIMARY KEY,
				user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				csrf_token TEXT NOT NULL,
				created_at {{ts}} NOT NULL,
				last_seen_at {{ts}} NOT NULL,
				expires_at {{ts}} NOT NULL,
				revoked_at {{ts}},
				user_agent TEXT NOT NULL DEFAULT '',
				address TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX sessions_user ON sessions (user_id)`,
			`CREATE TABLE api_tokens (
				id {{pk}},
				user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
				name TEXT NOT NULL,
				token_hash TEXT NOT NULL UNIQUE,
				created_at {{ts}} NOT NULL,
				last_used_at {{ts}},
				revoked_at {{ts}}
			)`,
			`CREATE TABLE audit_events (
				id {{pk}},
				at {{ts}} NOT NULL,
				actor_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
				actor TEXT NOT NULL,
				channel TEXT NOT NULL,
				entity TEXT NOT NULL,
				entity_id BIGINT NOT NULL,
				op TEXT NOT NULL,
				changes TEXT NOT NULL
			)`,
			`CREATE INDEX audit_entity ON audit_events (entity, entity_id, at)`,
			`CREATE INDEX audit_at ON audit_events (at)`,
			`ALTER TABLE sources ADD COLUMN deleted_at {{ts}}`,
			`ALTER TABLE recommendations ADD COLUMN deleted_at {{ts}}`,
			`ALTER TABLE reference_requests ADD COLUMN deleted_at {{ts}}`,
			`ALTER TABLE actions ADD COLUMN deleted_at {{ts}}`,
			`ALTER TABLE progress_updates ADD COLUMN deleted_at {{ts}}`,
			`ALTER TABLE measures ADD COLUMN deleted_at {{ts}}`,
		},
		down: []string{
			`ALTER TABLE measures DROP COLUMN deleted_at`, `ALTER TABLE progress_updates DROP COLUMN deleted_at`,
			`ALTER TABLE actions DROP COLUMN deleted_at`, `ALTER TABLE reference_requests DROP COLUMN deleted_at`,
			`ALTER TABLE recommendations DROP COLUMN deleted_at`, `ALTER TABLE sources DROP COLUMN deleted_at`,
			`DROP TABLE audit_events`, `DROP TABLE api_tokens`, `DROP TABLE sessions`,
			`DROP TABLE user_organisations`, `DROP TABLE users`,
		},
	},
	{
		// What the secretary chose for the reference's formal reply: the
		// introduction, and which recommendations it covers.
		id: "0004_reference_report",
		up: []string{
			`ALTER TABLE reference_requests ADD COLUMN report_intro TEXT`,
			`ALTER TABLE reference_requests ADD COLUMN report_items TEXT`,
		},
		down: []string{
			`ALTER TABLE reference_requests DROP COLUMN report_items`,
			`ALTER TABLE reference_requests DROP COLUMN report_intro`,
		},
	},
	{
		// Every move of a deadline, with its reason, so slippage is visible.
		id: "0005_deadline_revisions",
		up: []string{
			`CREATE TABLE deadline_revisions (
				id {{pk}},
				entity TEXT NOT NULL,
				entity_id BIGINT NOT NULL,
				old_text TEXT NOT NULL DEFAULT '',
				old_date DATE,
				new_text TEXT NOT NULL DEFAULT '',
				new_date DATE,
				reason TEXT NOT NULL,
				author TEXT NOT NULL DEFAULT '',
				revised_on DATE NOT NULL,
				created_at {{ts}} NOT NULL
			)`,
			`CREATE INDEX deadline_revisions_entity ON deadline_revisions (entity, entity_id)`,
		},
		down: []string{`DROP TABLE deadline_revisions`},
	},
	{
		// Full-text search: one row per searchable item, kept current by the
		// store as it records each change; FTS5 on SQLite, a GIN index over
		// the "simple" configuration on PostgreSQL. Neither stems nor folds
		// accents, so both find the same items for the same words.
		id: "0006_search",
		up: []string{
			`CREATE TABLE search_documents (
				entity TEXT NOT NULL,
				entity_id BIGINT NOT NULL,
				title TEXT NOT NULL DEFAULT '',
				body TEXT NOT NULL DEFAULT '',
				PRIMARY KEY (entity, entity_id)
			)`,
		},
		upSQLite: []string{
			`CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents', tokenize='unicode61 remove_diacritics 0')`,
			`CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
				INSERT INTO search_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
			END`,
			`CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
				INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
			END`,
			`CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN
				INSERT INTO search_fts(search_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
				INSERT INTO search_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body);
			END`,
		},
		upPostgres: []string{
			`CREATE INDEX search_documents_fts ON search_documents USING GIN (to_tsvector('simple', title || ' ' || body))`,
		},
		downSQLite: []string{`DROP TRIGGER search_documents_au`, `DROP TRIGGER search_documents_ad`, `DROP TRIGGER search_documents_ai`, `DROP TABLE search_fts`},
		down:       []string{`DROP TABLE search_documents`},
	},
	{
		// Spreadsheet import: the log's own reference for an action, so a
		// re-import updates it instead of adding it again; the date a
		// recommendation was made, which lists of recommendations give per
		// row; and column mappings saved by name.
		id: "0007_import",
		up: []string{
			`ALTER TABLE actions ADD COLUMN external_ref TEXT NOT NULL DEFAULT ''`,
			`CREATE INDEX actions_external_ref ON actions (external_ref)`,
			`ALTER TABLE recommendations ADD COLUMN made_on DATE`,
			`CREATE TABLE import_mappings (
				id {{pk}},
				name TEXT NOT NULL UNIQUE,
				kind TEXT NOT NULL,
				mapping TEXT NOT NULL,
				options TEXT NOT NULL DEFAULT '{}',
				created_by TEXT NOT NULL DEFAULT '',
				created_at {{ts}} NOT NULL,
				updated_by TEXT NOT NULL DEFAULT '',
				updated_at {{ts}} NOT NULL
			)`,
		},
		down: []string{
			`DROP TABLE import_mappings`,
			`ALTER TABLE recommendations DROP COLUMN made_on`,
			`DROP INDEX actions_external_ref`,
			`ALTER TABLE actions DROP COLUMN external_ref`,
		},
	},
	{
		// The log's own dates: each change records when it took effect (an
		// update's date, a response's, the day a status changed) beside when
		// it was typed in. "As at" reads the first; events recorded before
		// this step took effect when they were recorded.
		id: "0008_effective_dates",
		up: []string{
			`ALTER TABLE audit_events ADD COLUMN effective_at {{ts}}`,
			`UPDATE audit_events SET effective_at = at`,
			`CREATE INDEX audit_effective ON audit_events (effective_at)`,
		},
		down: []string{
			`DROP INDEX audit_effective`,
			`ALTER TABLE audit_events DROP COLUMN effective_at`,
		},
	},
	migration0009,
	migration0010,
	migration0011,
	migration0012,
	migration0013,
	migration0014,
	migration0015,
	migration0017,
	migration0020,
	migration0021,
	migration0022,
	migration0023,
	migration0024,
	migration0025,
	migration0026,
	migration0027,
	migration0028,
	migration0029,
}

// MigrationIDs lists the ids of every migration this version knows, oldest first.
func MigrationIDs() []string {
	ids := make([]string, len(migrations))
	for i, m := range migrations {
		ids[i] = m.id
	}
	return ids
}

func (s *Store) expand(stmt string) string {
	pk, ts := "INTEGER PRIMARY KEY AUTOINCREMENT", "DATETIME"
	if s.dialect == Postgres {
		pk, ts = "BIGSERIAL PRIMARY KEY", "TIMESTAMP WITH TIME ZONE"
	}
	return strings.NewReplacer("{{pk}}", pk, "{{ts}}", ts).Replace(stmt)
}

func (s *Store) exec(stmts []string) gormigrate.MigrateFunc {
	return func(tx *gorm.DB) error {
		for _, stmt := range stmts {
			if err := tx.Exec(s.expand(stmt)).Error; err != nil {
				return fmt.Errorf("%.60s…: %w", strings.TrimSpace(stmt), err)
			}
		}
		return nil
	}
}

func (s *Store) migrator(ctx context.Context) *gormigrate.Gormigrate {
	ms := make([]*gormigrate.Migration, len(migrations))
	for i, m := range migrations {
		up, down := m.up, m.down
		if s.dialect == Postgres {
			up, down = append(append([]string{}, up...), m.upPostgres...), append(append([]string{}, m.downPostgres...), down...)
		} else {
			up, down = append(append([]string{}, up...), m.upSQLite...), append(append([]string{}, m.downSQLite...), down...)
		}
		m := m
		ms[i] = &gormigrate.Migration{ID: m.id, Migrate: func(tx *gorm.DB) error {
			if err := s.exec(up)(tx); err != nil {
				return err
			}
			// The search index is filled from the tables when it is made,
			// and on SQLite again when its documents are renumbered.
			if m.id == "0006_search" || (m.id == migration0009.id && s.dialect == SQLite) {
				return reindexAll(tx, s.dialect)
			}
			if m.then != nil {
				return m.then(ctx, &Store{db: tx, dialect: s.dialect, clock: s.clock, columns: &columnCache{}})
			}
			return nil
		}, Rollback: gormigrate.RollbackFunc(s.exec(down))}
	}
	opts := *gormigrate.DefaultOptions
	opts.TableName = "schema_migrations"
	opts.UseTransaction = true
	opts.ValidateUnknownMigrations = true
	return gormigrate.New(s.db.WithContext(ctx), &opts, ms)
}

// SchemaState says which migrations a database has: applied ones this
// version knows, pending ones it has not run yet, and unknown ones written
// by a newer version.
type SchemaState struct {
	Applied []string
	Pending []string
	Unknown []string
}

// Current is the id of the newest applied migration, "" for an empty database.
func (st SchemaState) Current() string {
	if len(st.Applied) == 0 {
		return ""
	}
	return st.Applied[len(st.Applied)-1]
}

// Schema reads which migrations the database has.
func (s *Store) Schema(ctx context.Context) (SchemaState, error) {
	var st SchemaState
	var done []string
	if s.db.Migrator().HasTable("schema_migrations") {
		if err := s.q(ctx).Table("schema_migrations").Order("id").Pluck("id", &done).Error; err != nil {
			return st, fmt.Errorf("read schema version: %w", err)
		}
	}
	have := map[string]bool{}
	for _, id := range done {
		have[id] = true
	}
	known := map[string]bool{}
	for _, id := range MigrationIDs() {
		known[id] = true
		if have[id] {
			st.Applied = append(st.Applied, id)
		} else {
			st.Pending = append(st.Pending, id)
		}
	}
	for _, id := range done {
		if !known[id] {
			st.Unknown = append(st.Unknown, id)
		}
	}
	sort.Strings(st.Unknown)
	return st, nil
}

// Migrate brings the schema up to date, each migration in its own
// transaction. A database written by a newer version is refused.
func (s *Store) Migrate(ctx context.Context) error {
	return s.MigrateTo(ctx, migrations[len(migrations)-1].id)
}

// MigrateTo applies the migrations up to and including id; tests use it to
// build a database as an older version left it.
func (s *Store) MigrateTo(ctx context.Context, id string) error {
	if err := s.CheckNotNewer(ctx); err != nil {
		return err
	}
	// The as-at connections' views hold the columns the tables have now.
	if err := s.asat.close(); err != nil {
		return fmt.Errorf("close the connections for as-at reads: %w", err)
	}
	s.columns.reset()
	err := s.migrator(ctx).MigrateTo(id)
	s.freshConnections()
	if err != nil {
		return fmt.Errorf("migrate to %s: %w", id, err)
	}
	return nil
}

// freshConnections closes the store's idle connections after its schema
// changed. A PostgreSQL connection keeps the statements it prepared, and
// one that read a table with SELECT * before a column was added or dropped
// fails ("cached plan must not change result type") when it runs it again.
func (s *Store) freshConnections() {
	if s.dialect != Postgres {
		return
	}
	if sqlDB, err := s.db.DB(); err == nil {
		sqlDB.SetMaxIdleConns(0)
		sqlDB.SetMaxIdleConns(poolSize())
	}
}

// CheckNotNewer refuses a database written by a newer version.
func (s *Store) CheckNotNewer(ctx context.Context) error {
	st, err := s.Schema(ctx)
	if err != nil {
		return err
	}
	if len(st.Unknown) > 0 {
		return fmt.Errorf("%w: it has schema step %s, and this version only knows up to %s; upgrade the tracker before using this database",
			ErrSchemaNewer, strings.Join(st.Unknown, ", "), migrations[len(migrations)-1].id)
	}
	return nil
}

// CheckCurrent returns ErrSchemaOutdated when migrations are pending and
// ErrSchemaNewer when the database is ahead of this version.
func (s *Store) CheckCurrent(ctx context.Context) error {
	if err := s.CheckNotNewer(ctx); err != nil {
		return err
	}
	st, err := s.Schema(ctx)
	if err != nil {
		return err
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("%w: %d schema step(s) pending (%s); run \"tracker migrate\" or start without --migrate=false",
			ErrSchemaOutdated, len(st.Pending), strings.Join(st.Pending, ", "))
	}
	return nil
}

package store

// migration0021 keeps the spreadsheet imports run by the job queue: each
// confirmed import of the browser's wizard, with the file as read (the
// importer's table, gob-encoded), the mapping and defaults chosen, and how
// far it has got, so that a restart runs it again and any server sharing
// the database shows its progress and summary. upload_key is the wizard's
// upload id: at most one import of an upload is queued or running at once.
var migration0021 = migration{
	id:           "0021_import_jobs",
	upSQLite:     []string{importJobsTable("BLOB"), importJobsUpload, importJobsOneRunning},
	upPostgres:   []string{importJobsTable("BYTEA"), importJobsUpload, importJobsOneRunning},
	downSQLite:   []string{`DROP TABLE import_jobs`},
	downPostgres: []string{`DROP TABLE import_jobs`},
}

func importJobsTable(blob string) string {
	return `CREATE TABLE import_jobs (
			id {{pk}},
			upload_key TEXT NOT NULL,
			user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
			kind TEXT NOT NULL,
			file_name TEXT NOT NULL DEFAULT '',
			table_data ` + blob + ` NOT NULL,
			choices TEXT NOT NULL,
			dry_run BOOLEAN NOT NULL DEFAULT FALSE,
			skip_bad_rows BOOLEAN NOT NULL DEFAULT FALSE,
			status TEXT NOT NULL,
			enqueued BOOLEAN NOT NULL DEFAULT FALSE,
			attempts INTEGER NOT NULL DEFAULT 0,
			done_rows INTEGER NOT NULL DEFAULT 0,
			total_rows INTEGER NOT NULL DEFAULT 0,
			result TEXT NOT NULL DEFAULT '',
			error TEXT NOT NULL DEFAULT '',
			created_at {{ts}} NOT NULL,
			updated_at {{ts}} NOT NULL,
			started_at {{ts}},
			finished_at {{ts}}
		)`
}

const (
	importJobsUpload     = `CREATE INDEX import_jobs_upload ON import_jobs (upload_key, id)`
	importJobsOneRunning = `CREATE UNIQUE INDEX import_jobs_one_running ON import_jobs (upload_key) WHERE status IN ('queued', 'running')`
)

package store

import (
	"bytes"
	"context"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
)

// The states of a queued import.
const (
	ImportQueued  = "queued"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// ImportJob is a spreadsheet import confirmed in the browser and run by the
// job queue: what to import, and how far it has got.
type ImportJob struct {
	ID int64
	// UploadKey is the wizard's upload id; the progress page is found by it.
	UploadKey string
	UserID    int64
	Kind      importer.Kind
	FileName  string
	// Table is the file as read at upload; only ImportJob fills it.
	Table       *importer.Table
	Mapping     importer.Mapping
	Options     importer.Options
	SaveAs      string
	DryRun      bool
	SkipBadRows bool
	Status      string
	// Attempts counts the runs begun: more than one means the tracker
	// stopped during an earlier run, and the import began again.
	Attempts    int
	Done, Total int
	// Result is set once the import is done; Error once it has failed.
	Result     *ImportResult
	Error      string
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// Finished reports whether the import is done or failed.
func (j ImportJob) Finished() bool { return j.Status == ImportDone || j.Status == ImportFailed }

// ImportResult is what RunImport did: the summary, whether row errors
// refused the whole file, and what became of the mapping to save.
type ImportResult struct {
	Summary       importer.Summary `json:"summary"`
	Refused       bool             `json:"refused"`
	MappingSaved  string           `json:"mapping_saved,omitempty"`
	MappingFailed string           `json:"mapping_failed,omitempty"`
	// MappingErr is the service's failure behind MappingFailed, to log.
	MappingErr error `json:"-"`
}

// RunImport imports (or dry-runs) b as Import does and, when the import was
// saved, keeps the mapping save names (if any) under its name. Row errors
// that refuse the file are a result (Refused), not an error. The browser's
// small imports and the job queue's big ones both run imports this way.
func (s *Store) RunImport(ctx context.Context, b *importer.Batch, opts ImportOptions, save *importer.SavedMapping) (ImportResult, error) {
	sum, err := s.Import(ctx, b, opts)
	res := ImportResult{Summary: sum, Refused: errors.Is(err, importer.ErrRowErrors)}
	if err != nil && !res.Refused {
		return res, err
	}
	if !sum.Saved || sum.DryRun || save == nil || save.Name == "" {
		return res, nil
	}
	_, err = s.SaveImportMapping(ctx, *save)
	var invalid *tracker.ValidationError
	switch {
	case err == nil:
		res.MappingSaved = save.Name
	case errors.As(err, &invalid):
		msgs := make([]string, 0, len(invalid.Fields))
		for _, m := range invalid.Fields {
			msgs = append(msgs, m)
		}
		sort.Strings(msgs)
		res.MappingFailed = strings.Join(msgs, ". ")
	default:
		res.MappingFailed, res.MappingErr = "The mapping could not be saved because of a problem with the service", err
	}
	return res, nil
}

// SetImportEnqueuer makes e put each queued import's job in the queue.
// Without one, imports wait, marked not enqueued, until a queue starts
// (EnqueueWaiting).
func (s *Store) SetImportEnqueuer(e Enqueuer) { s.mail.enqueueImport = e }

type importJobRow struct {
	ID          int64
	UploadKey   string
	UserID      int64
	Kind        string
	FileName    string
	TableData   []byte
	Choices     string
	DryRun      bool
	SkipBadRows bool
	Status      string
	Enqueued    bool
	Attempts    int
	DoneRows    int
	TotalRows   int
	Result      string
	Error       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	StartedAt   *time.Time
	FinishedAt  *time.Time
}

func (importJobRow) TableName() string { return "import_jobs" }

// importChoices is the JSON of the choices column.
type importChoices struct {
	Mapping importer.Mapping `json:"mapping"`
	Options importer.Options `json:"options"`
	SaveAs  string           `json:"save_as,omitempty"`
}

func (r importJobRow) domain() (ImportJob, error) {
	j := ImportJob{ID: r.ID, UploadKey: r.UploadKey, UserID: r.UserID, Kind: importer.Kind(r.Kind), FileName: r.FileName,
		DryRun: r.DryRun, SkipBadRows: r.SkipBadRows, Status: r.Status, Attempts: r.Attempts, Done: r.DoneRows,
		Total: r.TotalRows, Error: r.Error, CreatedAt: r.CreatedAt, StartedAt: r.StartedAt, FinishedAt: r.FinishedAt}
	var ch importChoices
	if err := json.Unmarshal([]byte(r.Choices), &ch); err != nil {
		return j, fmt.Errorf("import %d: read its choices: %w", r.ID, err)
	}
	j.Mapping, j.Options, j.SaveAs = ch.Mapping, ch.Options, ch.SaveAs
	if r.Result != "" {
		j.Result = &ImportResult{}
		if err := json.Unmarshal([]byte(r.Result), j.Result); err != nil {
			return j, fmt.Errorf("import %d: read its result: %w", r.ID, err)
		}
	}
	if len(r.TableData) > 0 {
		j.Table = &importer.Table{}
		if err := gob.NewDecoder(bytes.NewReader(r.TableData)).Decode(j.Table); err != nil {
			return j, fmt.Errorf("import %d: read its file: %w", r.ID, err)
		}
	}
	return j, nil
}

// QueueImport stores an import of the person's and puts its job in the
// queue, in one transaction. While an import of the same upload is queued
// or running (a form sent twice), it stores nothing and returns that one.
func (c Commands) QueueImport(ctx context.Context, j ImportJob) (ImportJob, error) {
	if !c.user.CanCreate() {
		return j, tracker.ErrForbidden
	}
	if j.Table == nil || j.UploadKey == "" {
		return j, errors.New("queue import: no file")
	}
	var table bytes.Buffer
	if err := gob.NewEncoder(&table).Encode(j.Table); err != nil {
		return j, fmt.Errorf("queue import: keep the file: %w", err)
	}
	choices, err := json.Marshal(importChoices{Mapping: j.Mapping, Options: j.Options, SaveAs: j.SaveAs})
	if err != nil {
		return j, fmt.Errorf("queue import: %w", err)
	}
	// Read first: on SQLite a running import holds the only write lock, so
	// the form sent twice must find the first without writing.
	if cur, err := c.s.LatestImportJob(ctx, j.UploadKey, c.user.ID); err == nil && !cur.Finished() {
		return cur, nil
	}
	now := c.s.Now()
	row := importJobRow{UploadKey: j.UploadKey, UserID: c.user.ID, Kind: string(j.Kind), FileName: j.FileName,
		TableData: table.Bytes(), Choices: string(choices), DryRun: j.DryRun, SkipBadRows: j.SkipBadRows,
		Status: ImportQueued, TotalRows: len(j.Table.Rows), CreatedAt: now, UpdatedAt: now}
	err = c.tx(ctx, func(tx *Store) error {
		var running []importJobRow
		if err := tx.q(ctx).Omit("table_data").Where("upload_key = ? AND status IN ?", j.UploadKey, []string{ImportQueued, ImportRunning}).
			Limit(1).Find(&running).Error; err != nil {
			return fmt.Errorf("queue import: %w", err)
		}
		if len(running) > 0 {
			row = running[0]
			return nil
		}
		row.Enqueued = tx.mail.enqueueImport != nil
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("queue import: %w", err)
		}
		if row.Enqueued {
			return tx.mail.enqueueImport(ctx, tx.sqlTx(), row.ID)
		}
		return nil
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		// The other sending of the form won the race.
		return c.s.LatestImportJob(ctx, j.UploadKey, c.user.ID)
	}
	if err != nil {
		return j, err
	}
	row.TableData = nil
	return row.domain()
}

// ImportJob reads one queued import, with its file.
func (s *Store) ImportJob(ctx context.Context, id int64) (ImportJob, error) {
	var row importJobRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return ImportJob{}, notFound(err, "import")
	}
	return s.withLive(row.domain())
}

// LatestImportJob reads the newest import of an upload of the person's,
// with its file once it has finished (its summary page offers to run it
// again); tracker.ErrNotFound when there is none.
func (s *Store) LatestImportJob(ctx context.Context, uploadKey string, userID int64) (ImportJob, error) {
	var rows []importJobRow
	if err := s.q(ctx).Omit("table_data").Where("upload_key = ? AND user_id = ?", uploadKey, userID).
		Order("id DESC").Limit(1).Find(&rows).Error; err != nil {
		return ImportJob{}, fmt.Errorf("read import: %w", err)
	}
	if len(rows) == 0 {
		return ImportJob{}, fmt.Errorf("import: %w", tracker.ErrNotFound)
	}
	if rows[0].Status == ImportDone || rows[0].Status == ImportFailed {
		return s.ImportJob(ctx, rows[0].ID)
	}
	return s.withLive(rows[0].domain())
}

func (s *Store) withLive(j ImportJob, err error) (ImportJob, error) {
	if err == nil && j.Status == ImportRunning {
		if p, ok := s.live.get(j.ID); ok {
			j.Done, j.Total = p.Done, p.Total
		}
	}
	return j, err
}

// StartImportJob marks an import running, one more run begun, with no rows
// done.
func (s *Store) StartImportJob(ctx context.Context, id int64) error {
	now := s.Now()
	return s.q(ctx).Model(&importJobRow{}).Where("id = ?", id).Updates(map[string]any{
		"status": ImportRunning, "attempts": gorm.Expr("attempts + 1"), "done_rows": 0, "started_at": now, "updated_at": now, "error": ""}).Error
}

// SetImportProgress records how far a running import has got. On
// PostgreSQL it is written to the import's row, outside the import's own
// transaction, so every server sharing the database shows it. SQLite has
// one writer at a time and the import's transaction is it: the progress
// stays in this process (the only one serving a SQLite file), and the row
// gets its counts when the import ends.
func (s *Store) SetImportProgress(ctx context.Context, id int64, p importer.Progress) error {
	s.live.set(id, p)
	if s.dialect != Postgres {
		return nil
	}
	return s.q(ctx).Model(&importJobRow{}).Where("id = ? AND status = ?", id, ImportRunning).
		Updates(map[string]any{"done_rows": p.Done, "total_rows": p.Total, "updated_at": s.Now()}).Error
}

// FinishImportJob records an import's result.
func (s *Store) FinishImportJob(ctx context.Context, id int64, res ImportResult) error {
	data, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("finish import: %w", err)
	}
	now := s.Now()
	defer s.live.forget(id)
	done := map[string]any{"status": ImportDone, "result": string(data), "error": "", "finished_at": now, "updated_at": now}
	if p, ok := s.live.get(id); ok {
		done["done_rows"], done["total_rows"] = p.Done, p.Total
	}
	return s.q(ctx).Model(&importJobRow{}).Where("id = ?", id).Updates(done).Error
}

// FailImportJob records that an import failed for good, with why.
func (s *Store) FailImportJob(ctx context.Context, id int64, why string) error {
	now := s.Now()
	defer s.live.forget(id)
	return s.q(ctx).Model(&importJobRow{}).Where("id = ?", id).
		Updates(map[string]any{"status": ImportFailed, "error": why, "finished_at": now, "updated_at": now}).Error
}

// RecordImportAttemptFailed notes why an attempt failed, leaving the import
// queued for the next.
func (s *Store) RecordImportAttemptFailed(ctx context.Context, id int64, why string) error {
	s.live.forget(id)
	return s.q(ctx).Model(&importJobRow{}).Where("id = ? AND status = ?", id, ImportRunning).
		Updates(map[string]any{"status": ImportQueued, "error": why, "updated_at": s.Now()}).Error
}

// EnqueueWaitingImports puts in the queue the imports stored while no
// queue ran.
func (s *Store) EnqueueWaitingImports(ctx context.Context) (int, error) {
	if s.mail.enqueueImport == nil {
		return 0, nil
	}
	var ids []int64
	if err := s.q(ctx).Model(&importJobRow{}).Where("status = ? AND enqueued = ?", ImportQueued, false).Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("imports waiting: %w", err)
	}
	for _, id := range ids {
		err := s.Tx(ctx, func(tx *Store) error {
			res := tx.q(ctx).Model(&importJobRow{}).Where("id = ? AND enqueued = ?", id, false).Update("enqueued", true)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			return tx.mail.enqueueImport(ctx, tx.sqlTx(), id)
		})
		if err != nil {
			return 0, fmt.Errorf("enqueue import %d: %w", id, err)
		}
	}
	return len(ids), nil
}

// liveImports is the progress of the imports this process runs.
type liveImports struct{ m sync.Map }

func (l *liveImports) set(id int64, p importer.Progress) { l.m.Store(id, p) }
func (l *liveImports) forget(id int64)                   { l.m.Delete(id) }
func (l *liveImports) get(id int64) (importer.Progress, bool) {
	v, ok := l.m.Load(id)
	if !ok {
		return importer.Progress{}, false
	}
	return v.(importer.Progress), true
}

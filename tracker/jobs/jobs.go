// Package jobs runs the tracker's background work from a queue kept in its
// own database, River (github.com/riverqueue/river): on PostgreSQL through
// pgx, on SQLite through database/sql. A job survives a restart, is
// retried with backoff, and is worked once however many servers share the
// database: sending each email, and looking for due digests (a periodic
// job that only the elected leader among the servers inserts; the emails
// table's unique digest key makes a digest once per person and period
// even so).
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/mail"
	"github.com/civic-tracker/tracker/tracker/store"
)

// SendEmail is the job that delivers one email of the log.
type SendEmail struct {
	EmailID int64 `json:"email_id"`
}

// Kind names the job in the queue.
func (SendEmail) Kind() string { return "send_email" }

// QueueDigests is the periodic job that queues the digests due now.
type QueueDigests struct{}

// Kind names the job in the queue.
func (QueueDigests) Kind() string { return "queue_digests" }

// ImportFile is the job that runs one spreadsheet import queued in the
// browser (store.ImportJob).
type ImportFile struct {
	ImportID int64 `json:"import_id"`
}

// Kind names the job in the queue.
func (ImportFile) Kind() string { return "import_file" }

// importAttempts is how many times an import is begun before it fails for
// good: a run cut short by a restart counts as one.
const importAttempts = 5

// Options says how a Queue works.
type Options struct {
	// Sender delivers the emails; nil leaves them queued, each attempt
	// failing with "no SMTP server is configured".
	Sender *mail.Sender
	// Work makes this process work jobs; without it, it only inserts them
	// (a command-line tool whose emails a server sends).
	Work bool
	// DigestEvery is how often the leader looks for due digests (default
	// five minutes); 0 with Work keeps the default, negative never looks.
	DigestEvery time.Duration
	// RetryDelay is the wait before attempt n+1 of a failed email; nil is
	// River's backoff (n⁴ seconds, with jitter).
	RetryDelay func(attempt int) time.Duration
	// MaxAttempts is how many times an email is tried before it is failed
	// (default 25: about three weeks of backoff).
	MaxAttempts int
	Logger      *slog.Logger
	// ImportProgress, when set, is called in the import's goroutine after
	// each progress of a queued import is recorded (for logs, and for
	// tests that stop an import half-way).
	ImportProgress func(ctx context.Context, importID int64, p importer.Progress)
}

// Queue is the tracker's job queue on its database.
type Queue struct {
	s        *store.Store
	start    func(context.Context) error
	stop     func(context.Context) error
	cancel   func(context.Context) error
	insertTx func(context.Context, *sql.Tx, river.JobArgs, *river.InsertOpts) error
	close    func()
}

// Migrate brings River's own tables up to date; tracker migrate and a
// server's start-up run it after the store's migrations.
func Migrate(ctx context.Context, s *store.Store, dsn string) error {
	if s.Dialect() == store.Postgres {
		pool, err := pgxpool.New(ctx, dsn)
		if err != nil {
			return fmt.Errorf("job queue: %w", err)
		}
		defer pool.Close()
		m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
		if err != nil {
			return fmt.Errorf("job queue migrations: %w", err)
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return wrapMigrate(err)
	}
	db, err := s.SQLDB()
	if err != nil {
		return err
	}
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return wrapMigrate(err)
}

func wrapMigrate(err error) error {
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}

// Open makes the queue for s (whose database dsn names) and makes s put
// each email it stores in the queue. Start begins working jobs.
func Open(ctx context.Context, s *store.Store, dsn string, o Options) (*Queue, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 25
	}
	workers := river.NewWorkers()
	river.AddWorker(workers, &sendWorker{s: s, o: o})
	river.AddWorker(workers, &digestWorker{s: s})
	river.AddWorker(workers, &importWorker{s: s, log: o.Logger, observe: o.ImportProgress})
	cfg := &river.Config{Workers: workers, Logger: o.Logger, MaxAttempts: o.MaxAttempts, FetchPollInterval: time.Second}
	if o.Work {
		cfg.Queues = map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}}
		every := o.DigestEvery
		if every == 0 {
			every = 5 * time.Minute
		}
		if every > 0 {
			cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(every),
				func() (river.JobArgs, *river.InsertOpts) { return QueueDigests{}, nil }, &river.PeriodicJobOpts{RunOnStart: true})}
		}
	}
	q := &Queue{s: s}
	if s.Dialect() == store.Postgres {
		if err := q.openPostgres(ctx, dsn, cfg, workers, o.Work); err != nil {
			return nil, err
		}
	} else if err := q.openSQLite(cfg, o.Work); err != nil {
		return nil, err
	}
	s.SetEnqueuer(func(ctx context.Context, tx *sql.Tx, id int64) error {
		return q.insertTx(ctx, tx, SendEmail{EmailID: id}, nil)
	})
	s.SetImportEnqueuer(func(ctx context.Context, tx *sql.Tx, id int64) error {
		return q.insertTx(ctx, tx, ImportFile{ImportID: id}, &river.InsertOpts{MaxAttempts: importAttempts})
	})
	return q, nil
}

func (q *Queue) openPostgres(ctx context.Context, dsn string, cfg *river.Config, workers *river.Workers, work bool) error {
	// Emails are inserted inside the store's transactions, which are
	// database/sql ones; the worker runs on its own pgx pool.
	inserter, err := river.NewClient(riverdatabasesql.New(nil), &river.Config{Workers: workers, MaxAttempts: cfg.MaxAttempts, Logger: cfg.Logger})
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	q.insertTx = func(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
		_, err := inserter.InsertTx(ctx, tx, args, opts)
		return err
	}
	q.start, q.stop, q.cancel, q.close = noop, noop, noop, func() {}
	if !work {
		return nil
	}
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	client, err := river.NewClient(riverpgxv5.New(pool), cfg)
	if err != nil {
		pool.Close()
		return fmt.Errorf("job queue: %w", err)
	}
	q.start, q.stop, q.cancel, q.close = client.Start, client.Stop, client.StopAndCancel, pool.Close
	return nil
}

func (q *Queue) openSQLite(cfg *river.Config, work bool) error {
	db, err := q.s.SQLDB()
	if err != nil {
		return err
	}
	// SQLite has no LISTEN/NOTIFY: the workers poll.
	cfg.PollOnly = true
	if !work {
		cfg.Queues, cfg.PeriodicJobs = nil, nil
	}
	client, err := river.NewClient(riversqlite.New(db), cfg)
	if err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	q.insertTx = func(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) error {
		_, err := client.InsertTx(ctx, tx, args, opts)
		return err
	}
	q.start, q.stop, q.cancel, q.close = noop, noop, noop, func() {}
	if work {
		q.start, q.stop, q.cancel = client.Start, client.Stop, client.StopAndCancel
	}
	return nil
}

func noop(context.Context) error { return nil }

// Start puts in the queue any email stored while no queue ran, then works
// jobs until Stop.
func (q *Queue) Start(ctx context.Context) error {
	if _, err := q.s.EnqueueWaiting(ctx); err != nil {
		return err
	}
	if _, err := q.s.EnqueueWaitingImports(ctx); err != nil {
		return err
	}
	if err := q.start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	return nil
}

// Stop finishes the jobs under way and releases the queue's connections.
// Jobs still running when ctx ends (a long import) are cancelled: their
// work is rolled back and they run again, from the start, when a queue
// next works them.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.stop(ctx)
	if ctx.Err() != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = q.cancel(cctx)
		cancel()
	}
	q.close()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

type sendWorker struct {
	river.WorkerDefaults[SendEmail]
	s *store.Store
	o Options
}

// Work delivers one email; a failure is kept in the email log and
// returned, so the queue tries again later, until its last attempt fails
// the email.
func (w *sendWorker) Work(ctx context.Context, job *river.Job[SendEmail]) error {
	e, err := w.s.Email(ctx, job.Args.EmailID)
	if errors.Is(err, tracker.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if e.Status != tracker.EmailQueued {
		return nil
	}
	if sendErr := w.o.Sender.Send(ctx, e); sendErr != nil {
		final := job.Attempt >= job.MaxAttempts
		if err := w.s.RecordEmailFailure(ctx, e.ID, sendErr.Error(), final); err != nil {
			return err
		}
		return sendErr
	}
	return w.s.RecordEmailSent(ctx, e.ID)
}

// NextRetry is the wait the options set, or River's backoff.
func (w *sendWorker) NextRetry(job *river.Job[SendEmail]) time.Time {
	if w.o.RetryDelay == nil {
		return time.Time{}
	}
	return time.Now().Add(w.o.RetryDelay(job.Attempt))
}

type digestWorker struct {
	river.WorkerDefaults[QueueDigests]
	s *store.Store
}

// Work queues the digests due now by the store's clock.
func (w *digestWorker) Work(ctx context.Context, _ *river.Job[QueueDigests]) error {
	due, err := w.s.DueDigests(ctx, w.s.Now())
	if err != nil {
		return err
	}
	_, err = w.s.QueueDigests(ctx, due)
	return err
}

type importWorker struct {
	river.WorkerDefaults[ImportFile]
	s       *store.Store
	log     *slog.Logger
	observe func(context.Context, int64, importer.Progress)
}

// Timeout lets a big import run for longer than River's default minute.
func (w *importWorker) Timeout(*river.Job[ImportFile]) time.Duration { return 30 * time.Minute }

// Work runs one queued import as its person: the file is validated with
// the mapping chosen, then imported in one transaction (store.RunImport),
// the row of the import showing how far it has got. Run again after a
// restart, it begins again: the transaction of the cut-short run saved
// nothing, and an import matches the items already there.
func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportFile]) error {
	id := job.Args.ImportID
	ij, err := w.s.ImportJob(ctx, id)
	if errors.Is(err, tracker.ErrNotFound) {
		return river.JobCancel(err)
	}
	if err != nil {
		return err
	}
	if ij.Finished() {
		return nil
	}
	u, err := w.s.User(ctx, ij.UserID)
	if err != nil {
		return w.fail(ctx, id, fmt.Errorf("the account that started the import: %w", err))
	}
	batch, err := importer.Validate(ij.Kind, ij.Table, ij.Mapping, ij.Options)
	if err != nil {
		return w.fail(ctx, id, err)
	}
	if err := w.s.StartImportJob(ctx, id); err != nil {
		return err
	}
	actor := tracker.Actor{UserID: &u.ID, Name: u.Label(), Channel: tracker.ChannelImport}
	opts := store.ImportOptions{DryRun: ij.DryRun, SkipBadRows: ij.SkipBadRows, User: &u, Progress: w.progress(ctx, id)}
	var save *importer.SavedMapping
	if ij.SaveAs != "" {
		save = &importer.SavedMapping{Name: ij.SaveAs, Kind: ij.Kind, Mapping: ij.Mapping, Options: ij.Options}
	}
	res, err := w.s.RunImport(tracker.WithActor(ctx, actor), batch, opts, save)
	if err != nil {
		if job.Attempt >= job.MaxAttempts {
			return w.fail(ctx, id, err)
		}
		// The next attempt runs it again; a cancelled context (the queue
		// stopping) leaves the row as it was for the page to say so.
		_ = w.s.RecordImportAttemptFailed(context.WithoutCancel(ctx), id, err.Error())
		return err
	}
	if res.MappingErr != nil {
		w.log.Error("save import mapping", "import", id, "error", res.MappingErr)
	}
	return w.s.FinishImportJob(context.WithoutCancel(ctx), id, res)
}

// progress writes the import's progress at most a few times a second.
func (w *importWorker) progress(ctx context.Context, id int64) func(importer.Progress) {
	var last time.Time
	return func(p importer.Progress) {
		if p.Done < p.Total && time.Since(last) < 250*time.Millisecond {
			return
		}
		last = time.Now()
		if err := w.s.SetImportProgress(ctx, id, p); err != nil {
			w.log.Warn("import progress", "import", id, "error", err)
		}
		if w.observe != nil {
			w.observe(ctx, id, p)
		}
	}
}

// fail records that the import cannot run, and stops its job.
func (w *importWorker) fail(ctx context.Context, id int64, why error) error {
	if err := w.s.FailImportJob(context.WithoutCancel(ctx), id, why.Error()); err != nil {
		return err
	}
	return river.JobCancel(why)
}

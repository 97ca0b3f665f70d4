package jobs_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/jobs"
	"github.com/civic-tracker/tracker/tracker/store"
)

// importer of the tests: an administrator, who may import anything.
func importingAdmin(t *testing.T, s *store.Store) tracker.User {
	t.Helper()
	u, err := s.CreateUser(context.Background(), tracker.User{Email: "admin@example.org", Name: "Ada Admin", Role: tracker.RoleAdmin}, "a long enough password")
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// bigLog is an action log of n rows, as the browser's wizard keeps it.
func bigLog(t *testing.T, key string, n int) store.ImportJob {
	t.Helper()
	var b strings.Builder
	b.WriteString("Ref,Organisation,Action,Owner\r\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "Q-%d,City of London Police,Queued action %d – “Ⅱ” £250,Ops Lead\r\n", i, i)
	}
	tbl, err := importer.ReadContext(context.Background(), strings.NewReader(b.String()), importer.ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, number := importer.Guess(importer.KindActions, tbl)
	return store.ImportJob{UploadKey: key, Kind: importer.KindActions, FileName: "big log.csv", Table: tbl, Mapping: m,
		Options: importer.Options{Number: number}}
}

// waitImport reads the upload's newest import through s until it is
// finished.
func waitImport(t *testing.T, s *store.Store, key string, userID int64) store.ImportJob {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		j, err := s.LatestImportJob(context.Background(), key, userID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Finished() {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import is still %s (%d of %d) after 90 seconds", j.Status, j.Done, j.Total)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestImportJobSeenFromAnotherServer: an import queued through one server's
// store and queue is worked there, while a second store on the same
// database (another server; on SQLite the same file) reads its row: queued
// or running, then done with the summary. On PostgreSQL the second store
// also sees the rows done while the import runs; on SQLite, whose one
// writer is the import's transaction, the server running it does. The
// same upload sent twice while it runs is one import.
func TestImportJobSeenFromAnotherServer(t *testing.T) {
	each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s1, s2 := open(t, dsn, monday), open(t, dsn, monday)
		admin := importingAdmin(t, s1)
		paused, resume := make(chan importer.Progress, 1), make(chan struct{})
		pauseOnce := false
		startQueue(t, s1, dsn, jobs.Options{ImportProgress: func(ctx context.Context, _ int64, p importer.Progress) {
			if pauseOnce || p.Done == p.Total {
				return
			}
			pauseOnce = true
			paused <- p
			select {
			case <-resume:
			case <-ctx.Done():
			}
		}})
		const key = "0123456789abcdef0123456789abcdef"
		j, err := s1.As(&admin).QueueImport(ctx, bigLog(t, key, 400))
		if err != nil {
			t.Fatal(err)
		}
		if j.Status != store.ImportQueued || j.Total != 400 {
			t.Errorf("queued import: %s, %d rows", j.Status, j.Total)
		}
		// Half-way: the import is running, its row says so on both.
		select {
		case p := <-paused:
			if p.Done == 0 || p.Done >= 400 {
				t.Errorf("paused at %d of %d", p.Done, p.Total)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("the queue did not run the import")
		}
		again, err := s2.As(&admin).QueueImport(ctx, bigLog(t, key, 400))
		if err != nil || again.ID != j.ID {
			t.Errorf("the same upload sent again while it runs: import %d (want %d), %v", again.ID, j.ID, err)
		}
		mid, err := s2.LatestImportJob(ctx, key, admin.ID)
		if err != nil || mid.Status != store.ImportRunning || mid.Attempts != 1 {
			t.Fatalf("the other server reads %+v, %v", mid.Status, err)
		}
		own, _ := s1.LatestImportJob(ctx, key, admin.ID)
		if own.Done == 0 || own.Total != 400 {
			t.Errorf("the server running the import shows %d of %d rows done", own.Done, own.Total)
		}
		if s1.Dialect() == store.Postgres && (mid.Done == 0 || mid.Total != 400) {
			t.Errorf("on PostgreSQL the other server shows %d of %d rows done", mid.Done, mid.Total)
		}
		if _, err := s2.LatestImportJob(ctx, key, admin.ID+1); err == nil {
			t.Error("another person reads the import")
		}
		close(resume)
		done := waitImport(t, s2, key, admin.ID)
		if done.Status != store.ImportDone || done.Result == nil {
			t.Fatalf("import ended %s: %s", done.Status, done.Error)
		}
		sum := done.Result.Summary
		if !sum.Saved || sum.Inserted != 400 || done.Done != 400 || done.Total != 400 || done.Table == nil || len(done.Table.Rows) != 400 {
			t.Errorf("summary read on the other server: saved %v, inserted %d, %d of %d rows", sum.Saved, sum.Inserted, done.Done, done.Total)
		}
		if n, err := s2.CountActions(ctx, tracker.ActionFilter{}); err != nil || n != 400 {
			t.Errorf("%d actions, %v", n, err)
		}
		h, err := s2.History(ctx, "action", 1)
		if err != nil || len(h) == 0 || h[0].Actor != "Ada Admin" || h[0].Channel != tracker.ChannelImport {
			t.Errorf("the imported action's history: %+v %v", h, err)
		}
	})
}

// TestImportJobResumesAfterRestart: a server stopped half-way through an
// import (its queue's jobs cancelled) saves none of it; the next server
// to run a queue on the database runs it again, from the start, and the
// actions are there once each.
func TestImportJobResumesAfterRestart(t *testing.T) {
	each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		s1 := open(t, dsn, monday)
		admin := importingAdmin(t, s1)
		paused := make(chan struct{}, 1)
		q1, err := jobs.Open(ctx, s1, dsn, jobs.Options{Work: true, DigestEvery: -1,
			ImportProgress: func(ctx context.Context, _ int64, p importer.Progress) {
				if p.Done < p.Total {
					select {
					case paused <- struct{}{}:
					default:
					}
					<-ctx.Done() // the server stops here, half-way
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		if err := q1.Start(ctx); err != nil {
			t.Fatal(err)
		}
		const key = "fedcba9876543210fedcba9876543210"
		if _, err := s1.As(&admin).QueueImport(ctx, bigLog(t, key, 300)); err != nil {
			t.Fatal(err)
		}
		select {
		case <-paused:
		case <-time.After(60 * time.Second):
			t.Fatal("the queue did not run the import")
		}
		// The server stops: it waits a moment for jobs to finish, then
		// cancels them.
		stop, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		_ = q1.Stop(stop)
		cancel()
		s2 := open(t, dsn, monday)
		cut, err := s2.LatestImportJob(ctx, key, admin.ID)
		if err != nil || cut.Status != store.ImportQueued || cut.Attempts != 1 || cut.Finished() {
			t.Fatalf("after the stop the import is %s after %d attempts, %v", cut.Status, cut.Attempts, err)
		}
		if n, err := s2.CountActions(ctx, tracker.ActionFilter{}); err != nil || n != 0 {
			t.Fatalf("the cut-short import left %d actions, %v", n, err)
		}
		// Another server (a new queue, on a store of its own) starts.
		startQueue(t, s2, dsn, jobs.Options{})
		done := waitImport(t, s2, key, admin.ID)
		if done.Status != store.ImportDone || done.Attempts != 2 || done.Result == nil || done.Result.Summary.Inserted != 300 {
			t.Fatalf("import ended %s after %d attempts: %+v %s", done.Status, done.Attempts, done.Result, done.Error)
		}
		if n, err := s2.CountActions(ctx, tracker.ActionFilter{}); err != nil || n != 300 {
			t.Errorf("%d actions after the import ran again, %v", n, err)
		}
	})
}

package web_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// The page benchmarks serve the pages a reader opens most, straight
// through the handler (no network), against a generated tracker on each
// database. Each reports the median time of a request (median-ms) beside
// Go's mean.
//
//	go test -run XXX -bench Pages ./tracker/web/
//	TRACKER_BENCH_SIZE=1k  go test -run XXX -bench Pages -benchtime 50x ./tracker/web/
//	TRACKER_BENCH_SIZE=10k go test -run XXX -bench Pages -benchtime 50x -timeout 30m ./tracker/web/
//
// TRACKER_BENCH_SIZE picks the data: small (the default: 200
// recommendations, 600 actions, 2,000 updates, quick enough for CI), 1k
// (1,000/3,000/10,000), 10k (10,000/50,000/250,000) or R/A/U. The data is
// generated once per run and database; TRACKER_BENCH_SQLITE (a file) and
// TRACKER_BENCH_POSTGRES (a URL) name databases to keep it in between runs:
// one without a generated source gets one, one with it is used as it is.

type benchSize struct {
	name string
	size example.Size
}

func benchSizeOf(b *testing.B) benchSize {
	v := os.Getenv("TRACKER_BENCH_SIZE")
	switch v {
	case "", "small":
		return benchSize{"small", example.Size{Recommendations: 200, Actions: 600, Updates: 2000}}
	case "1k":
		return benchSize{v, example.Size{Recommendations: 1000, Actions: 3000, Updates: 10000}}
	case "10k":
		return benchSize{v, example.Size{Recommendations: 10000, Actions: 50000, Updates: 250000}}
	}
	var s example.Size
	if _, err := fmt.Sscanf(v, "%d/%d/%d", &s.Recommendations, &s.Actions, &s.Updates); err != nil {
		b.Fatalf("TRACKER_BENCH_SIZE=%q: want small, 1k, 10k or recommendations/actions/updates", v)
	}
	return benchSize{v, s}
}

// benchData is a generated tracker being served.
type benchData struct {
	handler http.Handler
	// uncached serves the same with no page cache (Options.NoPageCache).
	uncached http.Handler
	cookie   *http.Cookie
	source   int64
	rec      int64
	action   int64
	pages    int   // of the action log
	recPages int   // of the source's recommendations
	org      int64 // the generated recommendations' addressee
	person   int64 // an account linked by address to one in 25 generated actions
	nobody   int64 // an account that owns none
	s        *store.Store
}

var (
	benchMu    sync.Mutex
	benchCache = map[string]*benchData{}
)

// benchOpen opens (or makes and fills) the database of a backend once per
// run of the benchmarks.
func benchOpen(b *testing.B, backend string) *benchData {
	b.Helper()
	size := benchSizeOf(b)
	benchMu.Lock()
	defer benchMu.Unlock()
	key := backend + "/" + size.name
	if d, ok := benchCache[key]; ok {
		return d
	}
	ctx := context.Background()
	var dsn string
	switch backend {
	case store.SQLite:
		dsn = os.Getenv("TRACKER_BENCH_SQLITE")
		if dsn == "" {
			dir, err := os.MkdirTemp("", "tracker-bench-")
			if err != nil {
				b.Fatal(err)
			}
			dsn = filepath.Join(dir, "bench.db")
			benchCleanups = append(benchCleanups, func() { _ = os.RemoveAll(dir) })
		}
	case store.Postgres:
		dsn = os.Getenv("TRACKER_BENCH_POSTGRES")
		if dsn == "" {
			// A database that lives as long as the benchmark binary.
			dsn = benchPostgres(b)
		}
	}
	s, err := store.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	d := &benchData{s: s}
	src, _, err := s.ListSources(ctx, tracker.Page{Size: 1000}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	for _, it := range src {
		if strings.HasPrefix(it.Source.Title, "Generated inspection") && it.Recommendations == size.size.Recommendations {
			d.source = it.Source.ID
		}
	}
	if d.source == 0 {
		start := time.Now()
		if d.source, err = example.Generate(ctx, s, size.size); err != nil {
			b.Fatal(err)
		}
		b.Logf("%s: generated %+v in %s", backend, size.size, time.Since(start).Round(time.Millisecond))
	}
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	if backend == store.Postgres {
		// As autovacuum would by now: index-only scans need the
		// visibility map.
		if err := s.Exec(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	u, err := s.CreateUser(ctx, tracker.User{Email: fmt.Sprintf("bench-%d@example.org", time.Now().UnixNano()), Name: "Board Member", Role: tracker.RoleViewer}, password)
	if err != nil {
		b.Fatal(err)
	}
	sess, err := s.CreateSession(ctx, u, "bench", "127.0.0.1")
	if err != nil {
		b.Fatal(err)
	}
	d.cookie = &http.Cookie{Name: "tracker_session", Value: sess.Token}
	srv, err := web.New(web.Options{Store: s, Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	d.handler = srv.Handler()
	plain, err := web.New(web.Options{Store: s, Now: time.Now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), NoPageCache: true})
	if err != nil {
		b.Fatal(err)
	}
	d.uncached = plain.Handler()
	recs, total, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: d.source, Page: tracker.Page{Number: 1, Size: 1}})
	if err != nil || len(recs) == 0 {
		b.Fatalf("no generated recommendations: %v", err)
	}
	d.recPages = int((total + 24) / 25)
	mid, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: d.source, Page: tracker.Page{Number: int(total / 2), Size: 1}})
	if err != nil || len(mid) == 0 {
		b.Fatalf("no middle recommendation: %v", err)
	}
	d.rec = mid[0].Recommendation.ID
	d.org = mid[0].Recommendation.Addressees[0].ID
	d.nobody = u.ID
	owner, err := s.UserByEmail(ctx, "owner.3@example.org")
	if errors.Is(err, tracker.ErrNotFound) {
		owner, err = s.CreateUser(ctx, tracker.User{Email: "owner.3@example.org", Name: "Owner 3", Role: tracker.RoleViewer}, password)
	}
	if err != nil {
		b.Fatal(err)
	}
	d.person = owner.ID
	acts, atotal, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Number: 1, Size: 1}})
	if err != nil || len(acts) == 0 {
		b.Fatalf("no generated actions: %v", err)
	}
	d.pages = int((atotal + 24) / 25)
	midAct, _, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Number: int(atotal / 2), Size: 1}})
	if err != nil || len(midAct) == 0 {
		b.Fatalf("no middle action: %v", err)
	}
	d.action = midAct[0].Action.ID
	benchCache[key] = d
	return d
}

// benchCleanups remove what the benchmarks made; TestMain runs them when
// every benchmark is done, since they share the data.
var benchCleanups []func()

// benchPostgres makes a database on the test server, dropped when the
// benchmark binary exits; it skips the benchmark when there is none.
func benchPostgres(b *testing.B) string { return storetest.PostgresSharedDSN(b) }

// BenchmarkPages serves each page on each database and reports its median.
func BenchmarkPages(b *testing.B) {
	for _, backend := range []string{store.SQLite, store.Postgres} {
		b.Run(backend, func(b *testing.B) {
			d := benchOpen(b, backend)
			last := strconv.Itoa(d.pages)
			pages := []struct {
				name, path string
				// before is opened once first, as a reader paging there would.
				before string
				// cold makes every request find the page caches out of date.
				cold bool
				// uncached serves with no page cache (Options.NoPageCache).
				uncached bool
			}{
				{name: "overview", path: "/"},
				{name: "actions", path: "/actions"},
				{name: "actions-filtered-sorted", path: "/actions?owner=Owner+3&sort=rag"},
				{name: "actions-last-page-next", path: "/actions?page=" + last, before: "/actions?page=" + strconv.Itoa(d.pages-1)},
				{name: "actions-last-page-cold", path: "/actions?page=" + last, cold: true},
				{name: "actions-page-1000-cold", path: "/actions?page=" + strconv.Itoa(min(1000, d.pages)), cold: true},
				{name: "recommendations", path: "/recommendations"},
				{name: "recommendations-filtered-sorted", path: "/recommendations?status=open&sort=deadline"},
				{name: "recommendations-addressee-status", path: fmt.Sprintf("/recommendations?org=%d&status=open", d.org)},
				{name: "recommendations-addressee-outstanding", path: fmt.Sprintf("/recommendations?org=%d&outstanding=true", d.org)},
				{name: "actions-person", path: fmt.Sprintf("/actions?person=%d", d.person)},
				{name: "actions-person-none", path: fmt.Sprintf("/actions?person=%d", d.nobody)},
				{name: "recommendation", path: fmt.Sprintf("/recommendations/%d", d.rec)},
				{name: "action", path: fmt.Sprintf("/actions/%d", d.action)},
				{name: "source", path: fmt.Sprintf("/sources/%d", d.source)},
				{name: "source-last-page-cold", path: fmt.Sprintf("/sources/%d?page=%d", d.source, d.recPages), cold: true},
				{name: "search", path: "/search?q=victim"},
				{name: "search-two-words", path: "/search?q=hotline+evaluated"},
			}
			// Each page again with no page cache: what a page costs
			// the first time it is asked after a change.
			for _, p := range pages[:len(pages):len(pages)] {
				if !p.cold {
					p.name, p.uncached = p.name+"-uncached", true
					pages = append(pages, p)
				}
			}
			for _, p := range pages {
				h := d.handler
				if p.uncached {
					h = d.uncached
				}
				b.Run(p.name, func(b *testing.B) {
					if p.before != "" {
						benchServe(b, d, h, p.before)
					}
					times := make([]time.Duration, 0, b.N)
					cpu0 := storetest.ProcessCPU()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if p.cold {
							b.StopTimer()
							benchTouch(b, d)
							b.StartTimer()
						}
						start := time.Now()
						benchServe(b, d, h, p.path)
						times = append(times, time.Since(start))
					}
					b.StopTimer()
					cpu := storetest.ProcessCPU() - cpu0
					sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
					b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
					if !p.cold {
						// The CPU the whole process spent per request (the
						// database's too on SQLite): on a busy machine, what
						// a request costs when the wall clock says little.
						b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
					}
				})
			}
		})
	}
}

// benchTouch writes one audit event, which puts every cached page out of
// date, as any change to the tracker does.
func benchTouch(b *testing.B, d *benchData) {
	if _, err := d.s.EnsureOrganisation(context.Background(), tracker.Organisation{Name: fmt.Sprintf("Bench body %d", time.Now().UnixNano())}); err != nil {
		b.Fatal(err)
	}
}

func benchServe(b *testing.B, d *benchData, h http.Handler, path string) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.AddCookie(d.cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d", path, rec.Code)
	}
}

// BenchmarkExport downloads the whole action log and the recommendations
// as CSV and reports the most memory the Go heap held while it did: flat in
// the number of rows when the download streams.
func BenchmarkExport(b *testing.B) {
	for _, backend := range []string{store.SQLite, store.Postgres} {
		for _, path := range []string{"/actions.csv", "/recommendations.csv"} {
			b.Run(backend+path, func(b *testing.B) {
				d := benchOpen(b, backend)
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					req := httptest.NewRequest(http.MethodGet, path, nil)
					req.AddCookie(d.cookie)
					w := &countingWriter{header: http.Header{}}
					peak := watchHeap()
					d.handler.ServeHTTP(w, req)
					if w.code != http.StatusOK {
						b.Fatalf("GET %s: %d", path, w.code)
					}
					b.ReportMetric(float64(peak())/1e6, "MB-peak-heap")
					b.ReportMetric(float64(w.n)/1e6, "MB-sent")
				}
			})
		}
	}
}

// watchHeap samples the live heap every few milliseconds until the
// returned function is called, which gives the largest sample above the
// heap as it was at the start.
func watchHeap() func() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	base, peak := m.HeapAlloc, m.HeapAlloc
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				var m runtime.MemStats
				runtime.ReadMemStats(&m)
				peak = max(peak, m.HeapAlloc)
			}
		}
	}()
	return func() uint64 {
		close(done)
		<-stopped
		return peak - base
	}
}

// countingWriter is a response that keeps only its size.
type countingWriter struct {
	header http.Header
	code   int
	n      int64
}

func (w *countingWriter) Header() http.Header { return w.header }
func (w *countingWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *countingWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.n += int64(len(p))
	return len(p), nil
}

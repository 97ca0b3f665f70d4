package report_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/report"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// The report benchmarks render each of the four PDFs end to end, as the
// download does: read through the store's queries (the pages' own) inside
// ReadAsAt, then set as PDF. Each runs on each database, as at today and as
// at two past days, beside its floor:
//
//	go test -run XXX -bench Reports ./tracker/report/
//	TRACKER_BENCH_SIZE=10k TRACKER_BENCH_SQLITE=/path/to/copy.db \
//	  TRACKER_BENCH_POSTGRES='postgres://…' \
//	  go test -run XXX -bench 'Reports/' -benchtime 1x -count 3 -timeout 3h ./tracker/report/
//
// The names are Reports/DATABASE/REPORT/WHEN/WHAT:
//   - REPORT: reply (the reference reply of reference 13 of the example
//     data: two pages, whatever the size), source (the generated source's
//     status report), outstanding, actions (the whole action log);
//   - WHEN: today; earlier, the day before 300 generated actions were given
//     a red-rated update, which the report undoes from their audit events;
//     2024, 30 June 2024, halfway through the generated updates' dates: the
//     generated items all exist (made on 15 January 2024), and half of
//     the updates;
//   - WHAT: report (end to end), read (its queries alone), floor (the
//     same text on the same number of pages set straight with gofpdf,
//     with gofpdf's own compression) and
//     floor-same-compression (the floor written the way the reports are,
//     uncompressed and then compressed by their step).
//
// TRACKER_BENCH_SIZE is 1k (the default: 1,000 recommendations, 3,000
// actions, 10,000 updates), 10k (10,000/50,000/250,000) or R/A/U.
// TRACKER_BENCH_SQLITE (a file) and TRACKER_BENCH_POSTGRES (a URL) name
// databases holding the example data and a generated source of that size
// (tracker seed --example, tracker generate); the benchmark adds the 300
// updates once. Without them, SQLite gets a temporary database filled here,
// and PostgreSQL a temporary database on the test server, or is skipped.
//
// cpu-ms/op is the CPU a report cost: this process's and, on PostgreSQL,
// that of the server's backends serving this database (read from /proc,
// so when the server runs on this machine; db-cpu-ms/op says how much of
// it). The machine is shared, so CPU, not wall time, is what to compare.
// TRACKER_BENCH_PDF_DIR, when set, names a folder that keeps each report
// the floors were read from, to compare the bytes made by two versions.

// benchSizes are the sizes TRACKER_BENCH_SIZE names.
var benchSizes = map[string]example.Size{
	"1k":  {Recommendations: 1000, Actions: 3000, Updates: 10000},
	"10k": {Recommendations: 10000, Actions: 50000, Updates: 250000},
}

func benchSize(b *testing.B) example.Size {
	v := os.Getenv("TRACKER_BENCH_SIZE")
	if v == "" {
		v = "1k"
	}
	if s, ok := benchSizes[v]; ok {
		return s
	}
	var s example.Size
	if _, err := fmt.Sscanf(v, "%d/%d/%d", &s.Recommendations, &s.Actions, &s.Updates); err != nil {
		b.Fatalf("TRACKER_BENCH_SIZE=%q: want 1k, 10k or recommendations/actions/updates", v)
	}
	return s
}

// slipped is the text of the updates that the "earlier" reports undo.
const slipped = "Slipped – £250,000 short"

// benchAhead is how far the benchmark's clock runs ahead of the real one
// once the data is there: the 300 updates are dated on its day, after the
// day the data was made, so that as at the day before, every generated
// action exists and those updates do not.
const benchAhead = 2 * 24 * time.Hour

// benchDB is a filled database and what the reports are about.
type benchDB struct {
	s         *store.Store
	reference int64 // the example's reference 13
	source    int64 // the generated source
	today     time.Time
	earlier   time.Time // the day before the 300 updates
	// dbCPU is the CPU the server's backends have used for this database,
	// or nil when it cannot be read.
	dbCPU func() time.Duration
	floor map[string]floorText // by report and day
}

// floorText is a report's text as pdftotext reads it back: a paragraph a
// page, the words joined by single spaces; and the faces of the report's
// font it embeds, besides the regular one.
type floorText struct {
	pages     []string
	faces     []string
	landscape bool
}

// embeddedFace finds the faces of the reports' font in a PDF.
var embeddedFace = regexp.MustCompile(`/BaseFont /utf8body(BI|B|I)?\b`)

var (
	benchMu      sync.Mutex
	benchDBs     = map[string]*benchDB{}
	benchCleanup []func()
	// benchOffset moves the stores' clock; see benchAhead.
	benchOffset atomic.Int64
	benchClock  = tracker.Clock(func() time.Time { return time.Now().Add(time.Duration(benchOffset.Load())) })
)

// benchOpen opens, and fills when it must, the database of a backend, once
// per run.
func benchOpen(b *testing.B, backend string) *benchDB {
	b.Helper()
	benchMu.Lock()
	defer benchMu.Unlock()
	if d, ok := benchDBs[backend]; ok {
		return d
	}
	ctx := context.Background()
	size := benchSize(b)
	dsn := ""
	switch backend {
	case store.SQLite:
		if dsn = os.Getenv("TRACKER_BENCH_SQLITE"); dsn == "" {
			dir, err := os.MkdirTemp("", "tracker-bench-")
			if err != nil {
				b.Fatal(err)
			}
			benchCleanup = append(benchCleanup, func() { _ = os.RemoveAll(dir) })
			dsn = filepath.Join(dir, "bench.db")
		}
	case store.Postgres:
		if dsn = os.Getenv("TRACKER_BENCH_POSTGRES"); dsn == "" {
			dsn = benchPostgres(b)
		}
	}
	benchOffset.Store(0)
	s, err := store.Open(ctx, dsn, store.WithClock(benchClock))
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	d := &benchDB{s: s, floor: map[string]floorText{}}
	if d.reference, err = exampleReference(ctx, s); err != nil {
		b.Fatal(err)
	}
	if d.source, err = generatedSource(ctx, s, size); err != nil {
		b.Fatal(err)
	}
	// The planner's statistics, for indexes a migration has just made too.
	if err := s.Analyze(ctx); err != nil {
		b.Fatal(err)
	}
	benchOffset.Store(int64(benchAhead))
	d.today = s.Now()
	if d.earlier, err = slip(ctx, s, 300); err != nil {
		b.Fatal(err)
	}
	if backend == store.Postgres {
		// As autovacuum would by now: index-only scans need the
		// visibility map, and the planner the statistics.
		if err := s.Exec(ctx, "VACUUM ANALYZE"); err != nil {
			b.Fatal(err)
		}
		d.dbCPU = backendCPU(b, dsn)
	}
	benchDBs[backend] = d
	return d
}

// exampleReference is the id of reference 13 of the example data, loaded
// first when the database has no references.
func exampleReference(ctx context.Context, s *store.Store) (int64, error) {
	refs, _, err := s.ListReferences(ctx, tracker.AllRows)
	if err == nil && len(refs) == 0 {
		if _, err = example.Load(ctx, s); err == nil {
			refs, _, err = s.ListReferences(ctx, tracker.AllRows)
		}
	}
	if err != nil {
		return 0, err
	}
	for _, r := range refs {
		if r.Number == "13" {
			return r.ID, nil
		}
	}
	return 0, errors.New("the database has no reference 13: load the example data (tracker seed --example)")
}

// generatedSource is the id of the generated source of the size, generated
// first when the database has none.
func generatedSource(ctx context.Context, s *store.Store, size example.Size) (int64, error) {
	sources, _, err := s.ListSources(ctx, tracker.Page{Size: 1000}, time.Now())
	if err != nil {
		return 0, err
	}
	for _, it := range sources {
		if strings.HasPrefix(it.Source.Title, "Generated inspection") && it.Recommendations == size.Recommendations {
			return it.Source.ID, nil
		}
	}
	return example.Generate(ctx, s, size)
}

// slip gives n actions a red-rated update dated today, unless a run before
// did, and returns the day before the first of them.
func slip(ctx context.Context, s *store.Store, n int) (time.Time, error) {
	items, _, err := s.ListActions(ctx, tracker.ActionFilter{Sort: "changed", Page: tracker.Page{Size: n}, LatestUpdateOnly: true})
	if err != nil {
		return time.Time{}, err
	}
	first := time.Time{}
	for _, it := range items {
		if u := it.Latest(); u != nil && u.Text == slipped && (first.IsZero() || u.Date.Before(first)) {
			first = u.Date
		}
	}
	if first.IsZero() {
		first = s.Now()
		items, _, err = s.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Size: n}})
		if err != nil {
			return time.Time{}, err
		}
		red := tracker.RAGRed
		for _, it := range items {
			if err := s.PostUpdate(ctx, it.Action.ID, store.ProgressChange{Version: it.Action.Version, Date: first, Text: slipped, RAG: &red}); err != nil {
				return time.Time{}, err
			}
		}
	}
	return tracker.Day(first).AddDate(0, 0, -1), nil
}

// benchPostgres makes a database on the test server, dropped when the
// benchmarks end; it skips the benchmark when there is no server.
func benchPostgres(b *testing.B) string { return storetest.PostgresSharedDSN(b) }

// backendCPU returns a reader of the CPU the server's backends have spent
// on the database: the user and system time of each in /proc, so it reads
// nothing when the server runs elsewhere.
func backendCPU(b *testing.B, dsn string) func() time.Duration {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	benchCleanup = append(benchCleanup, func() { _ = db.Close() })
	tick := 10 * time.Millisecond // USER_HZ is 100 on Linux
	return func() time.Duration {
		// Only the backends that serve queries: an autovacuum worker on the
		// same database is not the report's work.
		rows, err := db.Query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
			AND backend_type IN ('client backend', 'parallel worker')`)
		if err != nil {
			return 0
		}
		defer rows.Close()
		var total time.Duration
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) != nil {
				continue
			}
			raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
			if err != nil {
				continue
			}
			// The fields after the command's closing parenthesis; utime and
			// stime are the 14th and 15th of the line.
			f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
			if len(f) < 13 {
				continue
			}
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			total += time.Duration(u+s) * tick
		}
		return total
	}
}

// benchKinds are the reports, by the name a benchmark gives them.
var benchKinds = []string{"reply", "source", "outstanding", "actions"}

func (d *benchDB) request(kind string) report.Request {
	switch kind {
	case "reply":
		return report.Request{Kind: report.KindReference, ReferenceID: d.reference}
	case "source":
		return report.Request{Kind: report.KindSource, SourceID: d.source}
	case "outstanding":
		return report.Request{Kind: report.KindOutstanding}
	}
	return report.Request{Kind: report.KindActions, Scope: "All actions"}
}

// day is the as-at day a benchmark names.
func (d *benchDB) day(when string) time.Time {
	switch when {
	case "earlier":
		return d.earlier
	case "2024":
		return time.Date(2024, time.June, 30, 0, 0, 0, 0, time.UTC)
	}
	return tracker.Day(d.today)
}

// render makes the report as the download does: read as at the end of the
// day inside ReadAsAt, set as PDF after it.
func (d *benchDB) render(b *testing.B, req report.Request) (*bytes.Buffer, report.Result) {
	ctx := context.Background()
	var contents *report.Contents
	err := d.s.ReadAsAt(ctx, report.Moment(req.AsAt), store.AsAtOptions{}, func(tx *store.Store, view *tracker.View) (err error) {
		contents, err = report.Read(ctx, tx, view, req)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	res, err := contents.Write(&buf, fonts(b))
	if err != nil {
		b.Fatal(err)
	}
	return &buf, res
}

var benchFonts struct {
	once  sync.Once
	fonts *report.Fonts
	err   error
}

func fonts(b *testing.B) *report.Fonts {
	benchFonts.once.Do(func() { benchFonts.fonts, benchFonts.err = report.LoadFonts("") })
	if benchFonts.err != nil {
		b.Fatal(benchFonts.err)
	}
	return benchFonts.fonts
}

// BenchmarkReports renders each report end to end and its floors, on each
// database, as at each day.
func BenchmarkReports(b *testing.B) {
	for _, backend := range []string{store.SQLite, store.Postgres} {
		b.Run(backend, func(b *testing.B) {
			d := benchOpen(b, backend)
			for _, kind := range benchKinds {
				b.Run(kind, func(b *testing.B) {
					for _, when := range []string{"today", "earlier", "2024"} {
						b.Run(when, func(b *testing.B) {
							req := d.request(kind)
							req.AsAt = d.day(when)
							b.Run("report", func(b *testing.B) { d.benchReport(b, req) })
							b.Run("read", func(b *testing.B) { d.benchRead(b, req) })
							b.Run("floor", func(b *testing.B) { d.benchFloor(b, kind+"/"+when, req, false) })
							b.Run("floor-same-compression", func(b *testing.B) { d.benchFloor(b, kind+"/"+when, req, true) })
						})
					}
				})
			}
		})
	}
}

// measure runs fn b.N times and reports its CPU per run, the server's
// included, and the largest Go heap seen.
func (d *benchDB) measure(b *testing.B, fn func()) {
	runtime.GC()
	var db0 time.Duration
	if d.dbCPU != nil {
		db0 = d.dbCPU()
	}
	cpu0 := storetest.ProcessCPU()
	b.ReportAllocs()
	b.ResetTimer()
	peak := peakHeap(func() {
		for i := 0; i < b.N; i++ {
			fn()
		}
	})
	b.StopTimer()
	cpu := storetest.ProcessCPU() - cpu0
	if d.dbCPU != nil {
		db := d.dbCPU() - db0
		cpu += db
		b.ReportMetric(float64(db.Microseconds())/1000/float64(b.N), "db-cpu-ms/op")
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(peak)/1e6, "MB-peak-heap")
}

// benchRead measures the report's read alone: its queries inside
// ReadAsAt, what the floor does not do.
func (d *benchDB) benchRead(b *testing.B, req report.Request) {
	ctx := context.Background()
	d.measure(b, func() {
		err := d.s.ReadAsAt(ctx, report.Moment(req.AsAt), store.AsAtOptions{}, func(tx *store.Store, view *tracker.View) error {
			_, err := report.Read(ctx, tx, view, req)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	})
}

func (d *benchDB) benchReport(b *testing.B, req report.Request) {
	var pages, size int
	d.measure(b, func() {
		buf, res := d.render(b, req)
		pages, size = res.Pages, buf.Len()
	})
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(float64(size)/1e6, "MB-pdf")
}

// floorOf reads the report's text back with pdftotext, once per run.
func (d *benchDB) floorOf(b *testing.B, key string, req report.Request) floorText {
	if f, ok := d.floor[key]; ok {
		return f
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		b.Skip("pdftotext (poppler-utils) is needed to read the report's text back")
	}
	rendered, _ := d.render(b, req)
	if dir := os.Getenv("TRACKER_BENCH_PDF_DIR"); dir != "" {
		name := filepath.Join(dir, d.s.Dialect()+"-"+strings.ReplaceAll(key, "/", "-")+".pdf")
		if err := os.WriteFile(name, rendered.Bytes(), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	cmd := exec.Command(pdftotext, "-enc", "UTF-8", "-", "-")
	// A reader of its own: pdftotext reading the buffer itself would empty
	// it before the faces are looked for below.
	cmd.Stdin = bytes.NewReader(rendered.Bytes())
	out, err := cmd.Output()
	if err != nil {
		b.Fatal(err)
	}
	f := floorText{landscape: req.Kind == report.KindActions}
	for _, m := range embeddedFace.FindAllSubmatch(rendered.Bytes(), -1) {
		if face := string(m[1]); face != "" && !slices.Contains(f.faces, face) {
			f.faces = append(f.faces, face)
		}
	}
	sort.Strings(f.faces)
	f.pages = strings.Split(strings.TrimRight(string(out), "\f"), "\f")
	for i, t := range f.pages {
		f.pages[i] = strings.Join(strings.Fields(t), " ")
	}
	// The days are what they say: the 300 updates are in the action log
	// as at today and not as at the day before.
	if req.Kind == report.KindActions {
		has := strings.Contains(strings.Join(f.pages, " "), slipped)
		if today := req.AsAt.Equal(tracker.Day(d.today)); has != today {
			b.Fatalf("the action log as at %s: %q shown %v", tracker.FormatDate(req.AsAt), slipped, has)
		}
	}
	d.floor[key] = f
	return f
}

// benchFloor writes the report's text straight with gofpdf: each page's
// words as one paragraph on a page of their own, in the report's font, with
// no database and no layout of ours. A document set in more than one face
// needs each of them: the floor embeds the faces the report does, setting
// the first page's first words in each (gofpdf reads and embeds the whole
// font file for each face, which is most of the cost of a short report).
// ours writes it uncompressed and compresses it with the reports' own step
// instead of gofpdf's.
func (d *benchDB) benchFloor(b *testing.B, key string, req report.Request, ours bool) {
	f := d.floorOf(b, key, req)
	faces := fonts(b)
	orientation, width := "P", 174.0
	if f.landscape {
		orientation, width = "L", 261.0
	}
	var pages, size int
	d.measure(b, func() {
		pdf := gofpdf.New(orientation, "mm", "A4", "")
		pdf.SetCompression(!ours)
		pdf.AddUTF8FontFromBytes("body", "", faces.Regular)
		pdf.SetFont("body", "", 9)
		for i, t := range f.pages {
			pdf.AddPage()
			if i == 0 {
				for _, face := range f.faces {
					pdf.AddUTF8FontFromBytes("body", face, fontFile(faces, face))
					pdf.SetFont("body", face, 9)
					pdf.MultiCell(width, 4.4, firstWords(t), "", "L", false)
				}
				pdf.SetFont("body", "", 9)
			}
			pdf.MultiCell(width, 4.4, t, "", "L", false)
		}
		var buf bytes.Buffer
		if err := pdf.Output(&buf); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
		if ours {
			packed, _, err := report.CompressStreams(buf.Bytes())
			if err != nil {
				b.Fatal(err)
			}
			size = len(packed)
		}
		pages = pdf.PageNo()
	})
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(float64(size)/1e6, "MB-pdf")
}

// fontFile is the file of a face of the reports' font.
func fontFile(f *report.Fonts, face string) []byte {
	switch face {
	case "B":
		return f.Bold
	case "I":
		return f.Italic
	}
	return f.BoldItalic
}

// firstWords is the start of a page's text, a heading's worth.
func firstWords(text string) string {
	words := strings.Fields(text)
	return strings.Join(words[:min(len(words), 8)], " ")
}

// peakHeap samples the heap while fn runs and returns the largest size seen.
func peakHeap(fn func()) uint64 {
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak {
				peak = m.HeapAlloc
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	fn()
	close(done)
	wg.Wait()
	return peak
}

// BenchmarkSourceReportQueries measures the database half of the source
// status report: the source's queries as at today, on SQLite.
func BenchmarkSourceReportQueries(b *testing.B) {
	d := benchOpen(b, store.SQLite)
	ctx := context.Background()
	d.measure(b, func() {
		if _, _, err := d.s.SourceReport(ctx, d.source, tracker.Day(d.today)); err != nil {
			b.Fatal(err)
		}
	})
}

// BenchmarkSourceReportQueriesAsAtEarlier is the database half of the
// source status report as at the earlier day, on SQLite: the as-at tables
// made (the 300 actions changed since rebuilt) and the source's queries
// read through them, its counts with them.
func BenchmarkSourceReportQueriesAsAtEarlier(b *testing.B) {
	d := benchOpen(b, store.SQLite)
	d.benchAsAt(b, func(ctx context.Context, tx *store.Store) error {
		_, _, err := tx.SourceReport(ctx, d.source, d.earlier)
		return err
	})
}

// BenchmarkAsAtEarlier is what any read as at the earlier day costs before
// it reads anything, on SQLite: the as-at tables made and dropped.
func BenchmarkAsAtEarlier(b *testing.B) {
	d := benchOpen(b, store.SQLite)
	d.benchAsAt(b, func(context.Context, *store.Store) error { return nil })
}

func (d *benchDB) benchAsAt(b *testing.B, read func(ctx context.Context, tx *store.Store) error) {
	ctx := context.Background()
	d.measure(b, func() {
		if err := d.s.ReadAsAt(ctx, report.Moment(d.earlier), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error { return read(ctx, tx) }); err != nil {
			b.Fatal(err)
		}
	})
}

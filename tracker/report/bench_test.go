package report_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jung-kurt/gofpdf"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/report"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

var bench struct {
	once   sync.Once
	store  *store.Store
	source int64
	fonts  *report.Fonts
	// before is a moment after the data was made and before 300 of its
	// actions were given a new update, for reports as at a past moment.
	before time.Time
	err    error
}

// benchData builds, once per run, a SQLite tracker with a generated source
// of 1,000 recommendations, 3,000 actions and 10,000 progress updates.
func benchData(b *testing.B) (*store.Store, int64, *report.Fonts) {
	b.Helper()
	bench.once.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "tracker-bench-")
		if err != nil {
			bench.err = err
			return
		}
		s, err := store.Open(ctx, filepath.Join(dir, "bench.db"), store.WithClock(storetest.Clock))
		if err == nil {
			err = s.Migrate(ctx)
		}
		if err != nil {
			bench.err = err
			return
		}
		bench.store = s
		bench.source, bench.err = example.Generate(ctx, s, example.Size{Recommendations: 1000, Actions: 3000, Updates: 10000})
		if bench.err == nil {
			bench.fonts, bench.err = report.LoadFonts("")
		}
		if bench.err == nil {
			bench.before = s.Now()
			bench.err = changeSome(ctx, s, 300)
		}
	})
	if bench.err != nil {
		b.Fatal(bench.err)
	}
	return bench.store, bench.source, bench.fonts
}

// changeSome posts a red-rated update on n actions, each a change after
// bench.before that an as-at report must undo. The updates are dated
// tomorrow: a change dated today takes effect from the start of the day,
// before bench.before, and one dated in the future from the moment it is
// typed in.
func changeSome(ctx context.Context, s *store.Store, n int) error {
	items, _, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Size: n}})
	if err != nil {
		return err
	}
	red := tracker.RAGRed
	tomorrow := s.Now().AddDate(0, 0, 1)
	for _, it := range items {
		if err := s.PostUpdate(ctx, it.Action.ID, store.ProgressChange{Version: it.Action.Version, Date: tomorrow, Text: "Slipped – £250,000 short", RAG: &red}); err != nil {
			return err
		}
	}
	return nil
}

// render writes a report as at the moment, through the store's queries.
func render(b *testing.B, s *store.Store, fonts *report.Fonts, moment time.Time, req report.Request) (*bytes.Buffer, report.Result) {
	ctx := context.Background()
	var buf bytes.Buffer
	var res report.Result
	err := s.ReadAsAt(ctx, moment, store.AsAtOptions{}, func(tx *store.Store, view *tracker.View) error {
		var err error
		res, err = report.Render(ctx, &buf, fonts, tx, view, req)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return &buf, res
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

// BenchmarkSourceStatus renders the source status report end to end: the
// source read through the store's queries as at today, the report
// assembled and set as PDF.
func BenchmarkSourceStatus(b *testing.B) {
	benchSource(b, report.Moment(storetest.Today()))
}

// BenchmarkSourceStatusAsAtEarlier renders the same report as at a moment
// before 300 of its actions changed: those actions and their updates are
// rebuilt from their own audit events.
func BenchmarkSourceStatusAsAtEarlier(b *testing.B) {
	_, _, _ = benchData(b)
	benchSource(b, bench.before)
}

func benchSource(b *testing.B, moment time.Time) {
	s, id, fonts := benchData(b)
	asAt := storetest.Today()
	var pages int
	var size int
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	peak := peakHeap(func() {
		for i := 0; i < b.N; i++ {
			buf, res := render(b, s, fonts, moment, report.Request{Kind: report.KindSource, SourceID: id, AsAt: asAt})
			pages, size = res.Pages, buf.Len()
		}
	})
	// The CPU the whole process spent per report, the database's with
	// it: steadier than the wall clock on a busy machine.
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(float64(size)/1e6, "MB-pdf")
	b.ReportMetric(float64(peak)/1e6, "MB-peak-heap")
}

// BenchmarkSourceStatusFloor writes the same text straight with gofpdf:
// the end-to-end report is rendered once, its text read back with
// pdftotext, and each page's text set with one MultiCell, with no database
// and no layout of our own (each page's words as one paragraph, a page
// each). It is the floor the report is measured against.
func BenchmarkSourceStatusFloor(b *testing.B) { benchFloor(b, false) }

// BenchmarkSourceStatusFloorSameCompression is the floor written the way
// the reports are: uncompressed by gofpdf, then compressed by the
// reports' own step. Against it, the end-to-end report's extra time is our
// database and layout alone.
func BenchmarkSourceStatusFloorSameCompression(b *testing.B) { benchFloor(b, true) }

func benchFloor(b *testing.B, ours bool) {
	_, id, _ := benchData(b)
	benchFloorOf(b, report.Request{Kind: report.KindSource, SourceID: id}, ours)
}

// BenchmarkOutstanding and BenchmarkActionLog render the other two reports
// that grow with the data, each beside its own floor (the same text set
// straight with gofpdf, as BenchmarkSourceStatusFloor does).
func BenchmarkOutstanding(b *testing.B) { benchKind(b, report.Request{Kind: report.KindOutstanding}) }

// BenchmarkOutstandingFloor is the outstanding report's floor.
func BenchmarkOutstandingFloor(b *testing.B) {
	benchFloorOf(b, report.Request{Kind: report.KindOutstanding}, false)
}

// BenchmarkActionLog renders the whole action log (3,000 actions).
func BenchmarkActionLog(b *testing.B) {
	benchKind(b, report.Request{Kind: report.KindActions, Scope: "All actions"})
}

// BenchmarkActionLogFloor is the action log's floor, on landscape pages
// as the log is.
func BenchmarkActionLogFloor(b *testing.B) {
	benchFloorOf(b, report.Request{Kind: report.KindActions, Scope: "All actions"}, false)
}

func benchKind(b *testing.B, req report.Request) {
	s, _, fonts := benchData(b)
	req.AsAt = storetest.Today()
	var pages, size int
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		buf, res := render(b, s, fonts, report.Moment(req.AsAt), req)
		pages, size = res.Pages, buf.Len()
	}
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(float64(size)/1e6, "MB-pdf")
}

func benchFloorOf(b *testing.B, req report.Request, ours bool) {
	s, _, fonts := benchData(b)
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		b.Skip("pdftotext (poppler-utils) is needed to read the report's text back")
	}
	asAt := storetest.Today()
	req.AsAt = asAt
	orientation, width := "P", 174.0
	if req.Kind == report.KindActions {
		orientation, width = "L", 261.0
	}
	rendered, _ := render(b, s, fonts, report.Moment(asAt), req)
	cmd := exec.Command(pdftotext, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = rendered
	out, err := cmd.Output()
	if err != nil {
		b.Fatal(err)
	}
	// One paragraph per page of the report: the same words on the same
	// number of pages, set with none of our layout.
	pagesText := strings.Split(strings.TrimRight(string(out), "\f"), "\f")
	for i, t := range pagesText {
		pagesText[i] = strings.Join(strings.Fields(t), " ")
	}
	var pages, size int
	b.ReportAllocs()
	b.ResetTimer()
	peak := peakHeap(func() {
		for i := 0; i < b.N; i++ {
			pdf := gofpdf.New(orientation, "mm", "A4", "")
			pdf.SetCompression(!ours)
			pdf.AddUTF8FontFromBytes("body", "", fonts.Regular)
			pdf.SetFont("body", "", 9)
			for _, t := range pagesText {
				pdf.AddPage()
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
		}
	})
	b.ReportMetric(float64(pages), "pages")
	b.ReportMetric(float64(size)/1e6, "MB-pdf")
	b.ReportMetric(float64(peak)/1e6, "MB-peak-heap")
}

// BenchmarkSourceReportQueries measures the database half of the
// end-to-end report: the source's queries as at today.
func BenchmarkSourceReportQueries(b *testing.B) {
	s, id, _ := benchData(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := s.SourceReport(ctx, id, storetest.Today()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSourceReportQueriesAsAtEarlier is the database half of
// BenchmarkSourceStatusAsAtEarlier: the as-at tables made (the 300 actions
// changed since rebuilt) and the source's queries read through them, the
// counts with them.
func BenchmarkSourceReportQueriesAsAtEarlier(b *testing.B) {
	s, id, _ := benchData(b)
	benchAsAt(b, s, func(ctx context.Context, tx *store.Store) error {
		_, _, err := tx.SourceReport(ctx, id, storetest.Today())
		return err
	})
}

// BenchmarkAsAtEarlier is what any read as at that moment costs before it
// reads anything: the as-at tables made and dropped.
func BenchmarkAsAtEarlier(b *testing.B) {
	s, _, _ := benchData(b)
	benchAsAt(b, s, func(context.Context, *store.Store) error { return nil })
}

func benchAsAt(b *testing.B, s *store.Store, read func(ctx context.Context, tx *store.Store) error) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	for i := 0; i < b.N; i++ {
		if err := s.ReadAsAt(ctx, bench.before, store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) error { return read(ctx, tx) }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// Package web serves the tracker's pages and its health check with gin.
// Handlers read through the store and hand templates page view models,
// never storage rows.
package web

import (
	"context"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/api"
	"github.com/civic-tracker/tracker/tracker/report"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/views"
)

// Reader is what the app needs from storage. It is made of the API's
// Store (the reads and the commands the pages share with the API) and of
// smaller interfaces, each declared beside the handlers that use it. Writes
// are not on it: they go through the commands (As).
type Reader interface {
	api.Store
	pageReads
	overviewReads
	accountStore
	importStore
	healthStore
	mailStore
	pageCacheStore
}

// pageReads are the reads of the lists, items, exports, reports and
// search pages beyond those the API shares.
type pageReads interface {
	ListSources(ctx context.Context, page tracker.Page, today time.Time) ([]tracker.SourceSummary, int64, error)
	ListReferences(ctx context.Context, page tracker.Page) ([]tracker.Reference, int64, error)
	ListMeasures(ctx context.Context, page tracker.Page) ([]tracker.Measure, int64, error)
	EachAction(ctx context.Context, f tracker.ActionFilter, fn func(tracker.ActionItem) error) error
	EachRecommendation(ctx context.Context, f tracker.RecommendationFilter, fn func(tracker.RecommendationItem) error) error
	CountActions(ctx context.Context, f tracker.ActionFilter) (int64, error)
	Owners(ctx context.Context) ([]string, error)
	DeletedActions(ctx context.Context) ([]store.DeletedAction, error)
	History(ctx context.Context, entity string, id int64) ([]tracker.AuditEvent, error)
	ActionHistory(ctx context.Context, id int64) ([]tracker.AuditEvent, error)
	ReadAsAt(ctx context.Context, at time.Time, opts store.AsAtOptions, fn func(tx *store.Store, view *tracker.View) error) error
	Search(ctx context.Context, q string, limit int) ([]tracker.SearchHit, error)
}

// Options configure the web server.
type Options struct {
	Store  Reader
	Logger *slog.Logger
	// Now is the clock; overdue and "due soon" count from its day. The
	// default is the store's clock when it has one, else the system clock.
	Now func() time.Time
	// PageSize is the number of rows on a list page (default 25).
	PageSize int
	// SecureCookies marks cookies Secure on every response; otherwise they
	// are Secure when the request came over TLS (or, with TrustProxy, when
	// a TLS-terminating proxy says so in X-Forwarded-Proto).
	SecureCookies bool
	// TrustProxy believes X-Forwarded-Proto and X-Forwarded-For.
	TrustProxy bool
	// Throttle limits failed sign-ins; the default allows 5 per account and
	// 20 per address in 15 minutes.
	Throttle *Throttle
	// Fonts set the PDF reports; the default is report.LoadFonts("").
	Fonts *report.Fonts
	// NoPageCache draws every list page afresh (see pageCache), to
	// measure what a page costs when nothing is kept.
	NoPageCache bool
	// LongPDFs is how many long PDFs are set at once (see longPDFItems);
	// others wait their turn. The default is one per processor.
	LongPDFs int
}

// Server holds the parsed templates and what the handlers need.
type Server struct {
	store    Reader
	log      *slog.Logger
	now      func() time.Time
	pageSize int
	pages    map[string]*template.Template
	secure   bool
	proxy    bool
	throttle *Throttle
	engine   *gin.Engine
	api      *api.Server
	fonts    *report.Fonts
	cache    *pageCache
	long     longPDFs
}

// New parses every page template (failing at start-up, not on first use)
// and returns a server.
func New(opts Options) (*Server, error) {
	if opts.Store == nil {
		return nil, fmt.Errorf("web: no store")
	}
	s := &Server{store: opts.Store, log: opts.Logger, now: opts.Now, pageSize: opts.PageSize,
		secure: opts.SecureCookies, proxy: opts.TrustProxy, throttle: opts.Throttle}
	if s.throttle == nil {
		s.throttle = NewThrottle(5, 20, 15*time.Minute)
	}
	s.fonts = opts.Fonts
	s.long = newLongPDFs(opts.LongPDFs)
	if !opts.NoPageCache {
		s.cache = newPageCache()
	}
	if s.fonts == nil {
		f, err := report.LoadFonts("")
		if err != nil {
			return nil, err
		}
		s.fonts = f
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		// Without a clock of its own the server keeps the store's, so the
		// pages and the audit trail agree on the day.
		s.now = tracker.SystemClock
		if c, ok := opts.Store.(interface{ Now() time.Time }); ok {
			s.now = c.Now
		}
	}
	if s.pageSize <= 0 {
		s.pageSize = 25
	}
	pages, err := parsePages(views.FS)
	if err != nil {
		return nil, err
	}
	s.pages = pages
	if s.api, err = api.New(opts.Store, s.log, s.now); err != nil {
		return nil, err
	}
	gin.SetMode(gin.ReleaseMode)
	s.engine = gin.New()
	s.engine.RedirectTrailingSlash = true
	s.engine.HandleMethodNotAllowed = false
	s.routes(s.engine)
	return s, nil
}

// parsePages builds one template set per page: the layout, every partial
// and the page itself.
func parsePages(fsys fs.FS) (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range allPages {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(fsys, "layout.html", "partials/*.html", "pages/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// Handler returns the whole app as an http.Handler.
// A HEAD request is answered as the GET of the same address would be;
// net/http leaves out the body.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodHead {
			r = r.Clone(r.Context())
			r.Method = http.MethodGet
		}
		s.engine.ServeHTTP(w, r)
	})
}

// Route is one method and path the server answers.
type Route struct{ Method, Path string }

// Routes lists every route, for the tests that hold the API document to
// the real routes.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.engine.Routes() {
		out = append(out, Route{Method: r.Method, Path: r.Path})
	}
	return out
}

func (s *Server) today() time.Time { return tracker.Day(s.now()) }

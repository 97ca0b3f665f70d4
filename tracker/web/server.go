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
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/report"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/views"
)

// Reader is what the pages need from storage.
type Reader interface {
	Ping(ctx context.Context) error
	Dialect() string
	Schema(ctx context.Context) (store.SchemaState, error)
	Counts(ctx context.Context, today time.Time) (tracker.Counts, error)
	Organisations(ctx context.Context) ([]tracker.Organisation, error)
	ListSources(ctx context.Context, page tracker.Page, today time.Time) ([]tracker.SourceSummary, int64, error)
	SourceDetail(ctx context.Context, id int64, today time.Time) (tracker.SourceDetail, error)
	ListRecommendations(ctx context.Context, f tracker.RecommendationFilter) ([]tracker.RecommendationItem, int64, error)
	RecommendationDetail(ctx context.Context, id int64) (tracker.RecommendationDetail, error)
	ListReferences(ctx context.Context, page tracker.Page) ([]tracker.Reference, int64, error)
	ReferenceDetail(ctx context.Context, id int64) (tracker.ReferenceDetail, error)
	ReferenceDecisions(ctx context.Context, refID int64) ([]tracker.Decision, error)
	Meeting(ctx context.Context, id int64) (tracker.Meeting, error)
	ListMeetings(ctx context.Context, f store.MeetingFilter) ([]tracker.Meeting, int64, error)
	Schedule(ctx context.Context, id int64) (tracker.Schedule, error)
	ListActions(ctx context.Context, f tracker.ActionFilter) ([]tracker.ActionItem, int64, error)
	EachAction(ctx context.Context, f tracker.ActionFilter, fn func(tracker.ActionItem) error) error
	EachRecommendation(ctx context.Context, f tracker.RecommendationFilter, fn func(tracker.RecommendationItem) error) error
	Owners(ctx context.Context) ([]string, error)
	CountActions(ctx context.Context, f tracker.ActionFilter) (int64, error)
	ListMeasures(ctx context.Context, page tracker.Page) ([]tracker.Measure, int64, error)

	Action(ctx context.Context, id int64) (tracker.ActionItem, error)
	// As returns the commands of a person: every write of sources,
	// recommendations, responses, references, replies and actions goes
	// through them.
	As(u *tracker.User) store.Commands
	DeletedActions(ctx context.Context) ([]store.DeletedAction, error)
	History(ctx context.Context, entity string, id int64) ([]tracker.AuditEvent, error)
	ActionHistory(ctx context.Context, id int64) ([]tracker.AuditEvent, error)

	CountUsers(ctx context.Context) (int64, error)
	ListUsers(ctx context.Context) ([]tracker.User, error)
	Authenticate(ctx context.Context, email, password string) (tracker.User, error)
	ChangePassword(ctx context.Context, userID int64, current, next, keepSession string) error
	RevokeTokens(ctx context.Context, userID int64) (int64, error)
	CreateSession(ctx context.Context, u tracker.User, userAgent, address string) (store.Session, error)
	SessionByToken(ctx context.Context, token string) (store.Session, error)
	RevokeSession(ctx context.Context, token string) error
	CreateToken(ctx context.Context, userID int64, name string) (string, tracker.APIToken, error)
	TokenUser(ctx context.Context, plain string) (tracker.User, error)
	Tokens(ctx context.Context, userID int64) ([]tracker.APIToken, error)
	RevokeToken(ctx context.Context, userID, tokenID int64) error
	ResetPassword(ctx context.Context, userID int64, password string) (store.PasswordReset, error)
	LiveCredentials(ctx context.Context, userID int64) (store.PasswordReset, error)
	User(ctx context.Context, id int64) (tracker.User, error)
	signInFailures

	ReadAsAt(ctx context.Context, at time.Time, opts store.AsAtOptions, fn func(tx *store.Store, view *tracker.View) error) error
	Search(ctx context.Context, q string, limit int) ([]tracker.SearchHit, error)
	OwnerCounts(ctx context.Context, today time.Time, soonDays int) ([]tracker.OwnerCounts, error)
	SourceStatusCounts(ctx context.Context) ([]tracker.SourceStatusCounts, error)
	ChangedSince(ctx context.Context, since time.Time, limit int) ([]tracker.ChangedItem, int, error)

	Organisation(ctx context.Context, id int64) (tracker.Organisation, error)
	Source(ctx context.Context, id int64) (tracker.Source, error)
	Measure(ctx context.Context, id int64) (tracker.Measure, error)
	FilterSources(ctx context.Context, f store.SourceFilter) ([]tracker.Source, int64, error)
	FilterReferences(ctx context.Context, f store.ReferenceFilter) ([]tracker.Reference, map[int64][]int64, int64, error)
	FilterMeasures(ctx context.Context, f store.MeasureFilter) ([]tracker.Measure, int64, error)

	Import(ctx context.Context, b *importer.Batch, opts store.ImportOptions) (importer.Summary, error)
	SaveImportMapping(ctx context.Context, sm importer.SavedMapping) (importer.SavedMapping, error)
	ImportMapping(ctx context.Context, name string) (importer.SavedMapping, error)
	ImportMappings(ctx context.Context, kind importer.Kind) ([]importer.SavedMapping, error)
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
	fonts    *report.Fonts
	// imports are the imports running in the background, by upload id.
	imports sync.Map
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

// OpenAPI returns the API document.
func OpenAPI() map[string]any { return openAPIDoc() }

func (s *Server) today() time.Time { return tracker.Day(s.now()) }

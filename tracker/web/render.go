package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Layout is what every page's frame needs.
type Layout struct {
	Title       string
	Section     string // the navigation item to mark as current
	Breadcrumbs []Crumb
	Today       time.Time
	RequestID   string
	User        *tracker.User
	CSRF        string
	// ErrorSummary lists a form's errors at the top of the page, in field order.
	ErrorSummary []FieldError
	// Refresh reloads the page after this many seconds (a progress page).
	Refresh int
	// Saved confirms the save that led here (see Server.saved).
	Saved string
	// MyActions counts the signed-in person's open actions, for the header.
	MyActions int64
	// Content is the page's body, drawn by its "content" template.
	Content template.HTML
}

// FieldError is one entry of the error summary: the message and the id of
// the field it concerns.
type FieldError struct {
	Field   string
	Message string
}

// errorList orders a form's field messages for the error summary; fields
// not named in order come last.
func errorList(errs map[string]string, order []string) []FieldError {
	var out []FieldError
	seen := map[string]bool{}
	for _, f := range order {
		if m, ok := errs[f]; ok {
			out = append(out, FieldError{Field: f, Message: m})
			seen[f] = true
		}
	}
	for f, m := range errs {
		if !seen[f] {
			out = append(out, FieldError{Field: f, Message: m})
		}
	}
	return out
}

// Crumb is one link of the breadcrumb trail.
type Crumb struct {
	Label string
	URL   string
}

// pageData is any page view model: each embeds Layout.
type pageData interface{ layout() *Layout }

func (l *Layout) layout() *Layout { return l }

// render executes a page into a buffer first, so a template error becomes
// a clean 500 instead of half a page. The page's body (its "content"
// template) is drawn first and then its frame (layout.html); a list page's
// body is kept in the page cache when cached asked for it.
func (s *Server) render(c *gin.Context, status int, page string, data pageData) {
	l := data.layout()
	t, ok := s.pages[page]
	if !ok {
		s.fail(c, fmt.Errorf("no page template %q", page))
		return
	}
	s.frameFields(c, status, l)
	var body bytes.Buffer
	if err := t.ExecuteTemplate(&body, "content", data); err != nil {
		s.renderFailed(c, page, err)
		return
	}
	l.Content = template.HTML(body.String()) //nolint:gosec // the page's own template wrote it, escaped
	if slot, ok := slotOf(c); ok && slot.settled && slot.key != "" && status == http.StatusOK &&
		len(l.ErrorSummary) == 0 && l.Refresh == 0 && (l.CSRF == "" || !bytes.Contains(body.Bytes(), []byte(l.CSRF))) {
		s.cache.keep(slot.key, slot.version, cachedBody{page: page, title: l.Title, section: l.Section,
			breadcrumbs: l.Breadcrumbs, content: l.Content})
	}
	s.writeFrame(c, status, page, t, l)
}

// renderFrame draws a kept body in its frame for this request.
func (s *Server) renderFrame(c *gin.Context, page string, l *Layout) {
	t, ok := s.pages[page]
	if !ok {
		s.fail(c, fmt.Errorf("no page template %q", page))
		return
	}
	s.frameFields(c, http.StatusOK, l)
	s.writeFrame(c, http.StatusOK, page, t, l)
}

// frameFields fills in what the frame shows of this request: the day, the
// person, their form token, their open actions and a "saved" notice.
func (s *Server) frameFields(c *gin.Context, status int, l *Layout) {
	l.Today, l.RequestID, l.User, l.CSRF = s.today(), request.ID(c), request.User(c), csrfOf(c)
	if status < http.StatusBadRequest && l.Saved == "" {
		l.Saved = s.savedMessage(c)
	}
	if l.User != nil {
		n, err := s.myActionCount(c, l.User, l.Today)
		if err != nil {
			s.log.Warn("count my actions", "request_id", l.RequestID, "error", err)
		}
		l.MyActions = n
	}
}

func (s *Server) writeFrame(c *gin.Context, status int, page string, t *template.Template, l *Layout) {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", l); err != nil {
		s.renderFailed(c, page, err)
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

func (s *Server) renderFailed(c *gin.Context, page string, err error) {
	if page == pageError {
		c.String(http.StatusInternalServerError, "Sorry, something went wrong. Reference: %s", request.ID(c))
		return
	}
	s.fail(c, fmt.Errorf("render %s: %w", page, err))
}

type messagePage struct {
	Layout
	Message string
}

// fail is the one place errors become responses: not found is a 404 page,
// forbidden a 403 page, anything else a 500 page and one log line with the
// request id.
func (s *Server) fail(c *gin.Context, err error) {
	if errors.Is(err, tracker.ErrNotFound) {
		s.notFound(c)
		return
	}
	if errors.Is(err, tracker.ErrForbidden) {
		s.refuse(c, tracker.ReasonOf(err))
		return
	}
	s.log.Error("request failed", "request_id", request.ID(c), "method", c.Request.Method, "path", c.Request.URL.Path, "error", err)
	s.render(c, http.StatusInternalServerError, pageError, &messagePage{Layout: Layout{Title: "Sorry, there is a problem with the service"}})
}

func (s *Server) notFound(c *gin.Context) {
	s.render(c, http.StatusNotFound, pageNotFound, &messagePage{Layout: Layout{Title: "Page not found"}})
}

// securityHeaders sets the headers every answer carries; HSTS goes with
// TLS, served here or (secure cookies) by a proxy in front.
func securityHeaders(secure bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		if secure || c.Request.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		c.Next()
	}
}

func (s *Server) recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler { //nolint:errorlint // the sentinel is panicked as it is
					panic(r) // cut the response short; net/http closes the connection
				}
				s.fail(c, fmt.Errorf("panic: %v", r))
				c.Abort()
			}
		}()
		c.Next()
	}
}

// Pager is the pagination of a list.
type Pager struct {
	Page, Pages  int
	Total        int64
	From, To     int64
	Prev, Next   string
	Items        []PagerItem
	PluralNoun   string
	SingularNoun string
}

// PagerItem is one numbered page link; Gap marks an ellipsis.
type PagerItem struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

// pageOf reads ?page= from the request.
func (s *Server) pageOf(c *gin.Context) tracker.Page {
	n, err := strconv.Atoi(c.Query("page"))
	if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(c.Query("page"), "-") {
		n = request.MaxPage
	} else if err != nil || n < 1 {
		n = 1
	}
	// Far past the end shows an empty page, never an overflowed offset.
	n = min(n, request.MaxPage)
	return tracker.Page{Number: n, Size: s.pageSize}
}

// newPager builds the pagination links, keeping every other query parameter.
func newPager(u *url.URL, p tracker.Page, total int64, singular, plural string) Pager {
	pages := int((total + int64(p.Limit()) - 1) / int64(p.Limit()))
	if pages < 1 {
		pages = 1
	}
	pg := Pager{Page: p.Number, Pages: pages, Total: total, SingularNoun: singular, PluralNoun: plural}
	if pg.Page < 1 {
		pg.Page = 1
	}
	if total > 0 {
		pg.From = int64(p.Offset()) + 1
		pg.To = min(int64(p.Offset()+p.Limit()), total)
	}
	link := func(n int) string {
		q := u.Query()
		if n <= 1 {
			q.Del("page")
		} else {
			q.Set("page", strconv.Itoa(n))
		}
		if enc := q.Encode(); enc != "" {
			return u.Path + "?" + enc
		}
		return u.Path
	}
	if pg.Page > 1 {
		pg.Prev = link(pg.Page - 1)
	}
	if pg.Page < pages {
		pg.Next = link(pg.Page + 1)
	}
	for n := 1; n <= pages; n++ {
		if n == 1 || n == pages || (n >= pg.Page-2 && n <= pg.Page+2) {
			pg.Items = append(pg.Items, PagerItem{Number: n, URL: link(n), Current: n == pg.Page})
		} else if len(pg.Items) > 0 && !pg.Items[len(pg.Items)-1].Gap {
			pg.Items = append(pg.Items, PagerItem{Gap: true})
		}
	}
	return pg
}

package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

const (
	sessionCookie   = "tracker_session"
	loginCSRFCookie = "tracker_login_csrf"
	ctxSession      = "session"
	ctxCSRF         = "csrf"
	csrfField       = "csrf_token"
	csrfHeader      = "X-CSRF-Token"
)

// accountStore holds the people, their sessions, API tokens and
// passwords, and the sign-in failures the throttle counts.
type accountStore interface {
	CountUsers(ctx context.Context) (int64, error)
	ListUsers(ctx context.Context) ([]tracker.User, error)
	User(ctx context.Context, id int64) (tracker.User, error)
	Authenticate(ctx context.Context, email, password string) (tracker.User, error)
	ChangePassword(ctx context.Context, userID int64, current, next, keepSession string) error
	ResetPassword(ctx context.Context, userID int64, password string) (store.PasswordReset, error)
	LiveCredentials(ctx context.Context, userID int64) (store.PasswordReset, error)
	CreateSession(ctx context.Context, u tracker.User, userAgent, address string) (store.Session, error)
	SessionByToken(ctx context.Context, token string) (store.Session, error)
	RevokeSession(ctx context.Context, token string) error
	CreateToken(ctx context.Context, userID int64, name string) (string, tracker.APIToken, error)
	Tokens(ctx context.Context, userID int64) ([]tracker.APIToken, error)
	RevokeToken(ctx context.Context, userID, tokenID int64) error
	RevokeTokens(ctx context.Context, userID int64) (int64, error)
	signInFailures
}

func csrfOf(c *gin.Context) string { return c.GetString(ctxCSRF) }

func sessionTokenOf(c *gin.Context) string { return c.GetString(ctxSession) }

// clientAddress is the remote address or, behind a trusted proxy, the
// address that proxy saw (the last X-Forwarded-For entry).
func (s *Server) clientAddress(c *gin.Context) string {
	if s.proxy {
		// The rightmost address is the one the trusted proxy saw and
		// added; those to its left were sent by the client and may be
		// anything. Several X-Forwarded-For lines read as one list.
		hops := strings.Split(strings.Join(c.Request.Header.Values("X-Forwarded-For"), ","), ",")
		if last := strings.TrimSpace(hops[len(hops)-1]); net.ParseIP(last) != nil {
			return last
		}
	}
	host, _, err := net.SplitHostPort(c.Request.RemoteAddr)
	if err != nil {
		return c.Request.RemoteAddr
	}
	return host
}

func (s *Server) overTLS(c *gin.Context) bool {
	return s.secure || c.Request.TLS != nil || (s.proxy && strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https"))
}

func (s *Server) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.overTLS(c), SameSite: http.SameSiteLaxMode,
	})
}

// authenticate reads the session cookie and, when it names a live session,
// puts the person and the session's CSRF token in the context.
func (s *Server) authenticate() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, err := c.Cookie(sessionCookie)
		if err == nil && token != "" {
			sess, err := s.store.SessionByToken(c.Request.Context(), token)
			switch {
			case err == nil:
				u := sess.User
				request.SetUser(c, &u)
				c.Set(ctxSession, token)
				c.Set(ctxCSRF, sess.CSRF)
				c.Request = c.Request.WithContext(tracker.WithActor(c.Request.Context(),
					tracker.Actor{UserID: &u.ID, Name: u.Label(), Channel: tracker.ChannelPage}))
			case errors.Is(err, tracker.ErrNotFound):
				s.setCookie(c, sessionCookie, "", -1)
			default:
				s.fail(c, err)
				c.Abort()
				return
			}
		}
		c.Next()
	}
}

// requireUser sends people who are not signed in to the sign-in page, and
// everyone to the set-up page while the tracker has no accounts.
func (s *Server) requireUser() gin.HandlerFunc {
	return func(c *gin.Context) {
		if request.User(c).CanView() {
			// Signed-in pages, exports and PDFs stay out of shared and
			// browser caches.
			c.Header("Cache-Control", "no-store")
			c.Next()
			return
		}
		n, err := s.store.CountUsers(c.Request.Context())
		if err != nil {
			s.fail(c, err)
			c.Abort()
			return
		}
		if n == 0 {
			s.render(c, http.StatusServiceUnavailable, pageSetup, &messagePage{Layout: Layout{Title: "Create the first administrator"}})
			c.Abort()
			return
		}
		if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
			s.forbidden(c)
			c.Abort()
			return
		}
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
	}
}

// verifyCSRF refuses a state-changing request whose form field or header
// does not carry the session's token.
// maxBody is the largest request body a form may send: an upload of the
// largest spreadsheet the import reads, and its form around it.
const maxBody = importer.MaxFileSize + 1<<20

// maxFormBody is the largest form that is not an upload: room for every
// field at its longest (tracker.MaxTextLength characters) many times over.
const maxFormBody = 4 << 20

// tooLarge answers 413, naming the limit the request went over.
func (s *Server) tooLarge(c *gin.Context, upload bool) {
	if upload {
		s.render(c, http.StatusRequestEntityTooLarge, pageForbidden, &messagePage{Layout: Layout{Title: "The file is too large"},
			Message: fmt.Sprintf("The tracker takes files of up to %d MB. Split the spreadsheet, or remove columns it does not need, and try again.", importer.MaxFileSize>>20)})
	} else {
		s.render(c, http.StatusRequestEntityTooLarge, pageForbidden, &messagePage{Layout: Layout{Title: "The form is too large"},
			Message: fmt.Sprintf("The tracker takes forms of up to %d MB, and texts of up to %s characters each. Shorten the text and try again.", maxFormBody>>20, formatNumber(float64(tracker.MaxTextLength)))})
	}
	c.Abort()
}

func (s *Server) verifyCSRF() gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			c.Next()
			return
		}
		// The largest body is a spreadsheet upload; any other form is
		// text and far smaller. Anything bigger is refused before it is
		// read, rather than spooled to disk, and a body sent in chunks
		// with no length is cut at the limit and refused the same way.
		limit, multipart := int64(maxFormBody), strings.HasPrefix(c.ContentType(), "multipart/")
		if multipart {
			limit = maxBody
		}
		if c.Request.ContentLength > limit {
			s.tooLarge(c, multipart)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		var err error
		if multipart {
			err = c.Request.ParseMultipartForm(s.engine.MaxMultipartMemory)
		} else {
			err = c.Request.ParseForm()
		}
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) || (err != nil && strings.Contains(err.Error(), "request body too large")) {
			s.tooLarge(c, multipart)
			return
		}
		want := csrfOf(c)
		got := c.GetHeader(csrfHeader)
		if got == "" {
			got = c.PostForm(csrfField)
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			s.log.Warn("CSRF check failed", "request_id", request.ID(c), "path", c.Request.URL.Path)
			s.render(c, http.StatusForbidden, pageForbidden, &messagePage{Layout: Layout{Title: "Your form has expired"},
				Message: "The form you sent was out of date or did not come from this tracker. Go back, reload the page and try again."})
			c.Abort()
			return
		}
		c.Next()
	}
}

func (s *Server) forbidden(c *gin.Context) { s.refuse(c, "") }

// refuse answers 403 with the reason a command gave, when there is one.
func (s *Server) refuse(c *gin.Context, reason string) {
	if reason == "" {
		reason = "Your account does not allow this."
	}
	s.render(c, http.StatusForbidden, pageForbidden, &messagePage{Layout: Layout{Title: "You cannot do that"},
		Message: reason + " Ask an administrator if you need it."})
}

type loginPage struct {
	Layout
	Email     string
	Next      string
	Errors    map[string]string
	Form      string // the login form's CSRF token
	SignedOut bool
}

// safeNext keeps a redirect after sign-in on this site: only a path on this
// host passes. Browsers drop tabs and newlines and read a backslash as a
// slash, so "/\t/evil.example/" or "/\\evil.example" would leave the site;
// any control character, backslash, scheme or host sends the person home.
func safeNext(next string) string {
	if next == "" || len(next) > 2048 || strings.HasPrefix(next, "//") {
		return "/"
	}
	for _, r := range next {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

func (s *Server) loginForm(c *gin.Context) {
	if request.User(c) != nil {
		c.Redirect(http.StatusSeeOther, safeNext(c.Query("next")))
		return
	}
	s.showLogin(c, http.StatusOK, "", c.Query("next"), nil)
}

func (s *Server) showLogin(c *gin.Context, status int, email, next string, errs map[string]string) {
	token := store.RandomToken(24)
	s.setCookie(c, loginCSRFCookie, token, 3600)
	s.render(c, status, pageLogin, &loginPage{Layout: Layout{Title: "Sign in", ErrorSummary: errorList(errs, loginFieldOrder)},
		Email: email, Next: safeNext(next), Errors: errs, Form: token, SignedOut: c.Query("signed_out") != ""})
}

type loginForm struct {
	Email    string `form:"email"`
	Password string `form:"password"`
	Next     string `form:"next"`
	CSRF     string `form:"csrf_token"`
}

func (s *Server) login(c *gin.Context) {
	var f loginForm
	_ = request.BindForm(c, &f) // every field is text: nothing can fail to bind
	cookie, _ := c.Cookie(loginCSRFCookie)
	if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(f.CSRF)) != 1 {
		s.showLogin(c, http.StatusForbidden, f.Email, f.Next, map[string]string{"form": "The sign-in form had expired. Try again."})
		return
	}
	email := tracker.NormaliseEmail(f.Email)
	errs := map[string]string{}
	if email == "" {
		errs["email"] = "Enter your email address"
	}
	if f.Password == "" {
		errs["password"] = "Enter your password"
	}
	if len(errs) > 0 {
		s.showLogin(c, http.StatusUnprocessableEntity, f.Email, f.Next, errs)
		return
	}
	addr := s.clientAddress(c)
	tooMany := func(wait time.Duration) {
		s.showLogin(c, http.StatusTooManyRequests, f.Email, f.Next, map[string]string{
			"form": fmt.Sprintf("Too many failed attempts to sign in. Wait %d minutes and try again.", int(math.Ceil(wait.Minutes())))})
	}
	ctx := c.Request.Context()
	if blocked, wait, err := s.accountBlocked(ctx, email); err != nil {
		s.fail(c, err)
		return
	} else if blocked {
		tooMany(wait)
		return
	}
	u, err := s.store.Authenticate(ctx, email, f.Password)
	if errors.Is(err, tracker.ErrBadCredentials) {
		// The address limit refuses wrong passwords only: the right one
		// still signs in, so one person's mistakes behind a shared
		// address lock nobody else out.
		if blocked, wait, err := s.addressBlocked(ctx, addr); err != nil {
			s.fail(c, err)
			return
		} else if blocked {
			tooMany(wait)
			return
		}
		if err := s.signInFailed(ctx, email, addr); err != nil {
			s.fail(c, err)
			return
		}
		s.showLogin(c, http.StatusUnauthorized, f.Email, f.Next, map[string]string{"form": "The email address or password is wrong."})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.signInSucceeded(ctx, email); err != nil {
		s.fail(c, err)
		return
	}
	sess, err := s.store.CreateSession(c.Request.Context(), u, c.Request.UserAgent(), addr)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.setCookie(c, loginCSRFCookie, "", -1)
	s.setCookie(c, sessionCookie, sess.Token, int(store.SessionLifetime/time.Second))
	c.Redirect(http.StatusSeeOther, safeNext(f.Next))
}

func (s *Server) logout(c *gin.Context) {
	if token := sessionTokenOf(c); token != "" {
		if err := s.store.RevokeSession(c.Request.Context(), token); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.setCookie(c, sessionCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/login?signed_out=1")
}

var loginFieldOrder = []string{"form", "email", "password"}

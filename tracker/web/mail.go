package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// mailStore is what the email pages read: a person's preferences, whether
// they follow a recommendation, the log of emails, and the one-click
// unsubscribe link. Unsubscribe is the one write outside the commands: it
// has no signed-in person, and the link's token is the proof.
type mailStore interface {
	MailPrefs(ctx context.Context, userID int64) (tracker.MailPrefs, error)
	Following(ctx context.Context, userID, recID int64) (bool, error)
	Emails(ctx context.Context, p tracker.Page) ([]tracker.Email, int64, error)
	UnsubscribeWhat(ctx context.Context, token, list string) (string, error)
	Unsubscribe(ctx context.Context, token, list string) (string, error)
}

// The account page's email preferences.

// mailPrefsForm is the email preferences form as posted; the number of
// days stays text so that it shows again as typed.
type mailPrefsForm struct {
	Digest     string `form:"digest"`
	DigestDays string `form:"digest_days"`
}

var mailFieldOrder = []string{"digest", "digest_days"}

// accountMailPrefs saves what email the signed-in person wants.
func (s *Server) accountMailPrefs(c *gin.Context) {
	var f mailPrefsForm
	errs := request.BindForm(c, &f)
	p := tracker.MailPrefs{Digest: f.Digest}
	days, err := strconv.Atoi(strings.TrimSpace(f.DigestDays))
	if err != nil {
		errs["digest_days"] = "Enter a number of days from 1 to 90, like 14"
	}
	p.DigestDays = days
	if len(errs) == 0 {
		err = s.cmds(c).SetMailPrefs(c.Request.Context(), request.User(c).ID, p)
	}
	var invalid *tracker.ValidationError
	switch {
	case len(errs) > 0:
	case errors.As(err, &invalid):
		errs = invalid.Fields
	case err != nil:
		s.fail(c, err)
		return
	default:
		s.saved(c, "/account#email", savedMailPrefs)
		return
	}
	s.showAccount(c, http.StatusUnprocessableEntity, accountForms{Mail: &f, MailErrors: errs})
}

// Following a recommendation.

type followForm struct {
	Follow bool `form:"follow"`
}

// recommendationFollow starts or stops the signed-in person following a
// recommendation: a follower gets an email when its status, assessment or
// deadline changes.
func (s *Server) recommendationFollow(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	var f followForm
	if bad := request.BindForm(c, &f); len(bad) > 0 {
		s.showRecommendation(c, http.StatusUnprocessableEntity, id, recForms{FollowError: "Choose Follow or Stop following again"})
		return
	}
	if err := s.cmds(c).Follow(c.Request.Context(), id, f.Follow); err != nil {
		s.fail(c, err)
		return
	}
	what := savedUnfollow
	if f.Follow {
		what = savedFollow
	}
	s.saved(c, "/recommendations/"+strconv.FormatInt(id, 10)+"#follow", what)
}

// Unsubscribing by the link in an email, without signing in.

// unsubscribePage asks before it stops a list of emails (a link scanner
// that fetches every link must not unsubscribe anyone), then says it did.
type unsubscribePage struct {
	Layout
	What    string
	Action  string
	Done    string
	Unknown bool
}

func unsubscribePath(c *gin.Context) string {
	return "/unsubscribe/" + c.Param("token") + "/" + c.Param("list")
}

// unsubscribeForm is where the link in an email leads: what it stops,
// and a button to stop it.
func (s *Server) unsubscribeForm(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	what, err := s.store.UnsubscribeWhat(c.Request.Context(), c.Param("token"), c.Param("list"))
	if errors.Is(err, tracker.ErrNotFound) {
		s.unknownUnsubscribe(c)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageUnsubscribe, &unsubscribePage{Layout: Layout{Title: "Stop these emails?"},
		What: what, Action: unsubscribePath(c)})
}

// unsubscribe stops the list. It needs neither a session nor a CSRF
// token, so that a mail program's one-click unsubscribe (RFC 8058: a POST
// whose body is List-Unsubscribe=One-Click) works; the token in the
// address is the proof, and the body is not read.
func (s *Server) unsubscribe(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	done, err := s.store.Unsubscribe(c.Request.Context(), c.Param("token"), c.Param("list"))
	if errors.Is(err, tracker.ErrNotFound) {
		s.unknownUnsubscribe(c)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageUnsubscribe, &unsubscribePage{Layout: Layout{Title: "You have unsubscribed"}, Done: done})
}

func (s *Server) unknownUnsubscribe(c *gin.Context) {
	s.render(c, http.StatusNotFound, pageUnsubscribe, &unsubscribePage{Layout: Layout{Title: "This unsubscribe link does not work"}, Unknown: true})
}

// The administrators' log of emails.

// emailLogRow is one email as the log shows it, its times in UK time.
type emailLogRow struct {
	To, Subject, Kind, Status, LastError string
	Attempts                             int
	Created                              time.Time
	Sent                                 *time.Time
}

type emailsPage struct {
	Layout
	Emails []emailLogRow
	Pager  Pager
}

// emailLog lists every email the tracker sent or is sending, newest
// first: to whom, what, when, and whether it was delivered.
func (s *Server) emailLog(c *gin.Context) {
	if !request.User(c).CanManageAccounts() {
		s.forbidden(c)
		return
	}
	page := s.pageOf(c)
	emails, total, err := s.store.Emails(c.Request.Context(), page)
	if err != nil {
		s.fail(c, err)
		return
	}
	rows := make([]emailLogRow, len(emails))
	for i, e := range emails {
		rows[i] = emailLogRow{To: e.To, Subject: e.Subject, Kind: e.Kind, Status: e.Status, LastError: e.LastError,
			Attempts: e.Attempts, Created: e.CreatedAt.In(tracker.London)}
		if e.SentAt != nil {
			sent := e.SentAt.In(tracker.London)
			rows[i].Sent = &sent
		}
	}
	s.render(c, http.StatusOK, pageEmails, &emailsPage{Layout: Layout{Title: "Email log", Section: "admin"},
		Emails: rows, Pager: newPager(c.Request.URL, page, total, "email", "emails")})
}

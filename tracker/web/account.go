package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type accountPage struct {
	Layout
	Organisations []tracker.Organisation
	Errors        map[string]string
	// Mail is the email preferences form, as stored or as posted, with
	// its errors.
	Mail          mailPrefsForm
	MailErrors    map[string]string
	DigestChoices []tracker.Option
}

// accountForms carries a form posted to the account page back to it.
type accountForms struct {
	PasswordErrors map[string]string
	Mail           *mailPrefsForm
	MailErrors     map[string]string
}

var passwordFieldOrder = []string{"current", "new", "confirm"}

func (s *Server) accountShow(c *gin.Context) {
	s.showAccount(c, http.StatusOK, accountForms{})
}

func (s *Server) showAccount(c *gin.Context, status int, forms accountForms) {
	u := request.User(c)
	all, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	var mine []tracker.Organisation
	for _, o := range all {
		for _, id := range u.Organisations {
			if o.ID == id {
				mine = append(mine, o)
			}
		}
	}
	p := &accountPage{Layout: Layout{Title: "Your account", Section: "account", ErrorSummary: errorList(forms.PasswordErrors, passwordFieldOrder)},
		Organisations: mine, Errors: forms.PasswordErrors, DigestChoices: tracker.DigestChoices}
	if forms.Mail != nil {
		p.Mail, p.MailErrors = *forms.Mail, forms.MailErrors
		p.ErrorSummary = errorList(forms.MailErrors, mailFieldOrder)
	} else {
		prefs, err := s.store.MailPrefs(c.Request.Context(), u.ID)
		if err != nil {
			s.fail(c, err)
			return
		}
		p.Mail = mailPrefsForm{Digest: prefs.Digest, DigestDays: strconv.Itoa(prefs.DigestDays)}
	}
	s.render(c, status, pageAccount, p)
}

func (s *Server) accountPassword(c *gin.Context) {
	current, next, confirm := c.PostForm("current"), c.PostForm("new"), c.PostForm("confirm")
	errs := map[string]string{}
	if current == "" {
		errs["current"] = "Enter your current password"
	}
	if next == "" {
		errs["new"] = "Enter a new password"
	} else if next != confirm {
		errs["confirm"] = "The two new passwords are different"
	}
	if len(errs) > 0 {
		s.showAccount(c, http.StatusUnprocessableEntity, accountForms{PasswordErrors: errs})
		return
	}
	err := s.store.ChangePassword(c.Request.Context(), request.User(c).ID, current, next, sessionTokenOf(c))
	var invalid *tracker.ValidationError
	if errors.As(err, &invalid) {
		s.showAccount(c, http.StatusUnprocessableEntity, accountForms{PasswordErrors: invalid.Fields})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	// Whoever knew the old password may have made a token with it.
	if c.PostForm("revoke_tokens") != "" {
		if _, err := s.store.RevokeTokens(c.Request.Context(), request.User(c).ID); err != nil {
			s.fail(c, err)
			return
		}
	}
	s.saved(c, "/account", savedPassword)
}

type tokensPage struct {
	Layout
	Tokens   []tracker.APIToken
	NewToken string
	Name     string
	Errors   map[string]string
}

func (s *Server) tokenList(c *gin.Context) { s.showTokens(c, http.StatusOK, "", "", nil) }

func (s *Server) showTokens(c *gin.Context, status int, newToken, name string, errs map[string]string) {
	toks, err := s.store.Tokens(c.Request.Context(), request.User(c).ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, status, pageTokens, &tokensPage{Layout: Layout{Title: "API tokens", Section: "account", ErrorSummary: errorList(errs, []string{"name"})},
		Tokens: toks, NewToken: newToken, Name: name, Errors: errs})
}

func (s *Server) tokenCreate(c *gin.Context) {
	u := request.User(c)
	if !u.CanManageOwnTokens() {
		s.forbidden(c)
		return
	}
	name := c.PostForm("name")
	plain, _, err := s.store.CreateToken(c.Request.Context(), u.ID, name)
	var invalid *tracker.ValidationError
	if errors.As(err, &invalid) {
		s.showTokens(c, http.StatusUnprocessableEntity, "", name, invalid.Fields)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	// Shown once, on this response only; it is never stored in plain text.
	c.Header("Cache-Control", "no-store")
	s.showTokens(c, http.StatusCreated, plain, "", nil)
}

func (s *Server) tokenRevoke(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.store.RevokeToken(c.Request.Context(), request.User(c).ID, id); err != nil {
		s.fail(c, err)
		return
	}
	s.saved(c, "/account/tokens", savedTokenRevoked)
}

type usersPage struct {
	Layout
	Users []tracker.User
	Orgs  map[int64]tracker.Organisation
}

func (s *Server) userList(c *gin.Context) {
	if !request.User(c).CanManageAccounts() {
		s.forbidden(c)
		return
	}
	ctx := c.Request.Context()
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	byID := map[int64]tracker.Organisation{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	s.render(c, http.StatusOK, pageUsers, &usersPage{Layout: Layout{Title: "Accounts", Section: "admin"}, Users: users, Orgs: byID})
}

// userPasswordPage is an administrator's reset of someone's password:
// before, what a reset will end; after, what it ended and, when the
// tracker made the password up, the password, shown this once.
type userPasswordPage struct {
	Layout
	Person    tracker.User
	Own       bool
	Live      store.PasswordReset
	Done      *store.PasswordReset
	Generated string
	Errors    map[string]string
}

var resetFieldOrder = []string{"form", "new", "confirm"}

func (s *Server) userPasswordForm(c *gin.Context) { s.showUserPassword(c, http.StatusOK, nil, nil, "") }

func (s *Server) showUserPassword(c *gin.Context, status int, errs map[string]string, done *store.PasswordReset, generated string) {
	if !request.User(c).CanManageAccounts() {
		s.forbidden(c)
		return
	}
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	person, err := s.store.User(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	live, err := s.store.LiveCredentials(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, status, pageUserPassword, &userPasswordPage{
		Layout: Layout{Title: "Reset the password of " + person.Label(), Section: "admin",
			Breadcrumbs: []Crumb{{"Accounts", "/admin/users"}}, ErrorSummary: errorList(errs, resetFieldOrder)},
		Person: person, Own: person.ID == request.User(c).ID, Live: live, Done: done, Generated: generated, Errors: errs})
}

// userPasswordReset sets a new password for someone else's account, typed
// by the administrator or, when both fields are left empty, made up by the
// tracker and shown once. Every token of the account is revoked and every
// session ended: whoever knew the old password may have used it.
func (s *Server) userPasswordReset(c *gin.Context) {
	if !request.User(c).CanManageAccounts() {
		s.forbidden(c)
		return
	}
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if id == request.User(c).ID {
		s.showUserPassword(c, http.StatusUnprocessableEntity, map[string]string{
			"form": "This is your own account: change your password on Your account, which asks for your current one."}, nil, "")
		return
	}
	next, confirm, generated := c.PostForm("new"), c.PostForm("confirm"), ""
	if next == "" && confirm == "" {
		next = store.GeneratedPassword()
		generated = next
	} else if next != confirm {
		s.showUserPassword(c, http.StatusUnprocessableEntity, map[string]string{"confirm": "The two new passwords are different"}, nil, "")
		return
	}
	done, err := s.store.ResetPassword(c.Request.Context(), id, next)
	var invalid *tracker.ValidationError
	if errors.As(err, &invalid) {
		s.showUserPassword(c, http.StatusUnprocessableEntity, map[string]string{"new": invalid.Fields["password"]}, nil, "")
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	// A made-up password is on this response only.
	c.Header("Cache-Control", "no-store")
	s.showUserPassword(c, http.StatusOK, nil, &done, generated)
}

type deletedPage struct {
	Layout
	Actions []store.DeletedAction
}

func (s *Server) deletedList(c *gin.Context) {
	if !request.User(c).CanRestore() {
		s.forbidden(c)
		return
	}
	items, err := s.store.DeletedActions(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageDeleted, &deletedPage{Layout: Layout{Title: "Deleted items", Section: "admin"}, Actions: items})
}

func (s *Server) actionRestore(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.cmds(c).RestoreAction(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return
	}
	s.saved(c, "/actions/"+strconv.FormatInt(id, 10), savedActionRestored)
}

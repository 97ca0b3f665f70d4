package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// An action's own fields: what it is and who owns it.

func actionDetailsForm(a tracker.ActionItem, orgs []tracker.Organisation, accounts []tracker.Option) editForm {
	path := "/actions/" + request.IDString(a.Action.ID)
	return editForm{
		page: editPage{Layout: Layout{Title: "Change the action", Section: "actions", Breadcrumbs: []Crumb{{"Action log", "/actions"}, {truncate(60, a.Action.Description), path}}},
			Heading: "Change the action", Post: path + "/edit", Submit: "Save action", Cancel: path, Versioned: true, Version: a.Action.Version,
			Intro: "Its status and RAG rating change with a progress update, and its due date moves with a reason, on the action's page."},
		fields: []formField{
			{Name: "description", Label: "What is to be done", Kind: kindTextarea, Rows: 4},
			{Name: "organisation", Label: "Organisation", Kind: kindSelect, Options: orgOptions(orgs)},
			{Name: "owner", Label: "Owner", Kind: kindText, Optional: true, Hint: "The person or post responsible, like “D/Supt Crime”, as it is shown."},
			{Name: "owner_user_id", Label: "Owner’s account", Kind: kindSelect, Optional: true, Options: accounts,
				Hint: "The owner’s reminders and requests for updates go to this account, and the action is theirs in the log’s Person filter."},
			{Name: "owner_email", Label: "Owner’s email address", Kind: kindText, Optional: true,
				Hint: "For an owner with no account, like name@example.org: reminders go to this address."},
			{Name: "owner_unit", Label: "Unit", Kind: kindText, Optional: true},
		},
	}
}

func actionDetailsValues(a tracker.Action) url.Values {
	return url.Values{"description": {a.Description}, "organisation": {request.IDString(a.OrganisationID)}, "owner": {a.Owner},
		"owner_user_id": {idPtrString(a.OwnerUserID)}, "owner_email": {a.OwnerEmail},
		"owner_unit": {a.OwnerUnit}, "version": {strconv.Itoa(a.Version)}}
}

// accountOptions are the accounts an action's owner may be linked to:
// those not disabled, and the one it is linked to now.
func (s *Server) accountOptions(c *gin.Context, current *int64) ([]tracker.Option, error) {
	users, err := s.store.ListUsers(c.Request.Context())
	if err != nil {
		return nil, err
	}
	var out []tracker.Option
	for _, u := range users {
		if u.Disabled && (current == nil || *current != u.ID) {
			continue
		}
		label := u.Email
		if u.Name != "" {
			label = u.Name + " (" + u.Email + ")"
		}
		out = append(out, tracker.Option{Value: request.IDString(u.ID), Label: label})
	}
	return out, nil
}

// actionOrgsFor are the organisations the person may give an action to.
func (s *Server) actionOrgsFor(c *gin.Context, current int64) ([]tracker.Organisation, error) {
	all, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		return nil, err
	}
	u := request.User(c)
	var out []tracker.Organisation
	for _, o := range all {
		if o.ID == current || u.CanEditAction(o.ID) {
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *Server) actionEdit(c *gin.Context) {
	it, ok := s.actionFor(c, store.Commands.MayChangeAction)
	if !ok {
		return
	}
	orgs, err := s.actionOrgsFor(c, it.Action.OrganisationID)
	if err != nil {
		s.fail(c, err)
		return
	}
	accounts, err := s.accountOptions(c, it.Action.OwnerUserID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.showEdit(c, http.StatusOK, actionDetailsForm(it, orgs, accounts), actionDetailsValues(it.Action), nil, nil)
}

func (s *Server) actionUpdateDetails(c *gin.Context) {
	it, ok := s.actionFor(c, store.Commands.MayChangeAction)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	orgs, err := s.actionOrgsFor(c, it.Action.OrganisationID)
	if err != nil {
		s.fail(c, err)
		return
	}
	accounts, err := s.accountOptions(c, it.Action.OwnerUserID)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := actionDetailsForm(it, orgs, accounts)
	vals := f.values(c)
	a := it.Action
	errs := map[string]string{}
	a.Description, a.Owner, a.OwnerUnit, a.OrganisationID, a.Version = vals.Get("description"), vals.Get("owner"), vals.Get("owner_unit"), formID(vals, "organisation", errs), formVersion(c, errs)
	a.OwnerUserID, a.OwnerEmail = formIDPtr(vals, "owner_user_id", errs), strings.TrimSpace(vals.Get("owner_email"))
	f.page.Version = a.Version
	err = request.WithDomainErrors(errs, func() error { return nil })
	if err == nil {
		_, err = s.cmds(c).UpdateActionDetails(ctx, a)
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		cur, err := s.store.Action(ctx, a.ID)
		return actionDetailsValues(cur.Action), err
	}) {
		s.saved(c, "/actions/"+request.IDString(a.ID), savedAction)
	}
}

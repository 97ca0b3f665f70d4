package web

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type organisationListPage struct {
	Layout
	Organisations []organisationRow
	CanCreate     bool
}

type organisationRow struct {
	tracker.Organisation
	CanEdit bool
}

func (s *Server) organisationList(c *gin.Context) {
	orgs, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	u := request.User(c)
	p := &organisationListPage{Layout: Layout{Title: "Organisations", Section: "organisations"}, CanCreate: u.CanCreate()}
	for _, o := range orgs {
		p.Organisations = append(p.Organisations, organisationRow{o, u.CanEditOrganisation(o.ID)})
	}
	s.render(c, http.StatusOK, pageOrganisations, p)
}

func organisationForm(heading, post string, versioned bool) editForm {
	return editForm{
		page: editPage{Layout: Layout{Title: heading, Section: "organisations", Breadcrumbs: []Crumb{{"Organisations", "/organisations"}}},
			Heading: heading, Post: post, Submit: "Save organisation", Cancel: "/organisations", Versioned: versioned},
		fields: []formField{
			{Name: "name", Label: "Name", Kind: kindText, Hint: "In full, as it signs its documents, like “Metropolitan Police Service”."},
			{Name: "short_name", Label: "Short name", Kind: kindText, Optional: true, Hint: "Used in lists and tables, like “MPS”."},
		},
	}
}

func organisationValues(o tracker.Organisation) url.Values {
	return url.Values{"name": {o.Name}, "short_name": {o.ShortName}, "version": {request.IDString(int64(o.Version))}}
}

func (s *Server) organisationNew(c *gin.Context) {
	if err := s.cmds(c).MayCreate("organisations"); err != nil {
		s.fail(c, err)
		return
	}
	s.showEdit(c, http.StatusOK, organisationForm("Add an organisation", "/organisations/new", false), url.Values{}, nil, nil)
}

func (s *Server) organisationCreate(c *gin.Context) {
	if err := s.cmds(c).MayCreate("organisations"); err != nil {
		s.fail(c, err)
		return
	}
	f := organisationForm("Add an organisation", "/organisations/new", false)
	vals := f.values(c)
	_, err := s.cmds(c).CreateOrganisation(c.Request.Context(), tracker.Organisation{Name: vals.Get("name"), ShortName: vals.Get("short_name")})
	if s.saveOutcome(c, f, vals, err, nil) {
		s.saved(c, "/organisations", savedOrgAdded)
	}
}

// organisationFor loads the organisation of the URL and checks the person
// may edit it; false means a response has been sent.
func (s *Server) organisationFor(c *gin.Context) (tracker.Organisation, editForm, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.Organisation{}, editForm{}, false
	}
	o, err := s.store.Organisation(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return o, editForm{}, false
	}
	if err := s.cmds(c).MayChangeOrganisation(c.Request.Context(), o.ID); err != nil {
		s.fail(c, err)
		return o, editForm{}, false
	}
	f := organisationForm("Change "+o.Name, "/organisations/"+request.IDString(o.ID)+"/edit", true)
	f.page.Version = o.Version
	return o, f, true
}

func (s *Server) organisationEdit(c *gin.Context) {
	o, f, ok := s.organisationFor(c)
	if ok {
		s.showEdit(c, http.StatusOK, f, organisationValues(o), nil, nil)
	}
}

func (s *Server) organisationUpdate(c *gin.Context) {
	o, f, ok := s.organisationFor(c)
	if !ok {
		return
	}
	vals := f.values(c)
	errs := map[string]string{}
	f.page.Version = formVersion(c, errs)
	err := request.WithDomainErrors(errs, func() error { return nil })
	if err == nil {
		_, err = s.cmds(c).UpdateOrganisation(c.Request.Context(), tracker.Organisation{ID: o.ID, Name: vals.Get("name"), ShortName: vals.Get("short_name"), Version: f.page.Version})
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		cur, err := s.store.Organisation(c.Request.Context(), o.ID)
		return organisationValues(cur), err
	}) {
		s.saved(c, "/organisations", savedOrganisation)
	}
}

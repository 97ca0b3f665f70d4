package web

import (
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Measures: the definition, and values added and removed on the
// measure's own page.

func measureForm(heading, post, cancel string, orgs []tracker.Organisation) editForm {
	return editForm{
		page: editPage{Layout: Layout{Title: heading, Section: "measures", Breadcrumbs: []Crumb{{"Measures", "/measures"}}},
			Heading: heading, Post: post, Submit: "Save measure", Cancel: cancel},
		fields: []formField{
			{Name: "name", Label: "Name", Kind: kindText, Hint: "Like “Victim satisfaction”."},
			{Name: "organisation", Label: "Organisation", Kind: kindSelect, Options: orgOptions(orgs)},
			{Name: "unit", Label: "Unit", Kind: kindText, Optional: true, Hint: "Like “%”, “calls” or “£”."},
			{Name: "direction", Label: "Better when", Kind: kindSelect, Options: tracker.Directions},
			{Name: "target", Label: "Target value", Kind: kindNumber, Optional: true},
			{Name: "target_text", Label: "Target in words", Kind: kindText, Optional: true, Hint: "Like “close the gap with the national average”."},
			{Name: "target_date", Label: "Target date", Kind: kindDate, Optional: true},
			{Name: "description", Label: "About the measure", Kind: kindTextarea, Optional: true, Rows: 4},
		},
	}
}

func measureValues(m tracker.Measure) url.Values {
	target := ""
	if m.Target != nil {
		target = strconv.FormatFloat(*m.Target, 'f', -1, 64)
	}
	return url.Values{"name": {m.Name}, "organisation": {request.IDString(m.OrganisationID)}, "unit": {m.Unit}, "direction": {m.Direction},
		"target": {target}, "target_text": {m.TargetText}, "target_date": {dayString(m.TargetDate)}, "description": {m.Description},
		"version": {strconv.Itoa(m.Version)}}
}

// formNumber reads an optional number, with a comma or a space between
// thousands as people type them.
func formNumber(vals url.Values, field, label string, errs map[string]string) *float64 {
	v := strings.NewReplacer(",", "", " ", "", "£", "", "%", "").Replace(strings.TrimSpace(vals.Get(field)))
	if v == "" {
		return nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		errs[field] = "Enter " + label + " as a number, like 76 or 4.7"
		return nil
	}
	return &n
}

func measureFromValues(vals url.Values) (tracker.Measure, map[string]string) {
	errs := map[string]string{}
	m := tracker.Measure{Name: strings.TrimSpace(vals.Get("name")), OrganisationID: formID(vals, "organisation", errs), Unit: strings.TrimSpace(vals.Get("unit")),
		Direction: vals.Get("direction"), Target: formNumber(vals, "target", "the target", errs), TargetText: strings.TrimSpace(vals.Get("target_text")),
		TargetDate: formDate(vals, "target_date", "the target date", errs), Description: vals.Get("description")}
	return m, errs
}

func (s *Server) measureNew(c *gin.Context)    { s.measureCreateOrShow(c, false) }
func (s *Server) measureCreate(c *gin.Context) { s.measureCreateOrShow(c, true) }

func (s *Server) measureCreateOrShow(c *gin.Context, save bool) {
	if err := s.cmds(c).MayCreate("measures"); err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	f := measureForm("Add a measure", "/measures/new", "/measures", orgs)
	if !save {
		s.showEdit(c, http.StatusOK, f, url.Values{"direction": {tracker.HigherIsBetter}}, nil, nil)
		return
	}
	vals := f.values(c)
	m, errs := measureFromValues(vals)
	err = request.WithDomainErrors(errs, m.Validate)
	if err == nil {
		m, err = s.cmds(c).CreateMeasure(c.Request.Context(), m)
	}
	if s.saveOutcome(c, f, vals, err, nil) {
		s.saved(c, "/measures/"+request.IDString(m.ID), savedMeasureAdded)
	}
}

func (s *Server) measureFor(c *gin.Context) (tracker.Measure, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.Measure{}, false
	}
	m, err := s.store.Measure(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return m, false
	}
	return m, true
}

func (s *Server) measureEditForm(c *gin.Context, m tracker.Measure) (editForm, bool) {
	orgs, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return editForm{}, false
	}
	path := "/measures/" + request.IDString(m.ID)
	f := measureForm("Change the measure", path+"/edit", path, orgs)
	f.page.Caption, f.page.Versioned, f.page.Version = m.Name, true, m.Version
	f.page.Breadcrumbs = append(f.page.Breadcrumbs, Crumb{m.Name, path})
	return f, true
}

func (s *Server) measureEdit(c *gin.Context) {
	m, ok := s.measureFor(c)
	if !ok {
		return
	}
	if err := s.cmds(c).MayChangeMeasure(c.Request.Context(), m.ID); err != nil {
		s.fail(c, err)
		return
	}
	if f, ok := s.measureEditForm(c, m); ok {
		s.showEdit(c, http.StatusOK, f, measureValues(m), nil, nil)
	}
}

func (s *Server) measureUpdate(c *gin.Context) {
	cur, ok := s.measureFor(c)
	if !ok {
		return
	}
	if err := s.cmds(c).MayChangeMeasure(c.Request.Context(), cur.ID); err != nil {
		s.fail(c, err)
		return
	}
	f, ok := s.measureEditForm(c, cur)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vals := f.values(c)
	m, errs := measureFromValues(vals)
	m.ID, m.Version, m.SourceID, m.OutcomeID = cur.ID, formVersion(c, errs), cur.SourceID, cur.OutcomeID
	f.page.Version = m.Version
	err := request.WithDomainErrors(errs, m.Validate)
	if err == nil {
		_, err = s.cmds(c).UpdateMeasure(ctx, m)
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		now, err := s.store.Measure(ctx, m.ID)
		return measureValues(now), err
	}) {
		s.saved(c, "/measures/"+request.IDString(m.ID), savedMeasure)
	}
}

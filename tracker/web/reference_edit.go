package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// References: the request, who asked, who answers, and the
// recommendations it covers.

func referenceForm(heading, post, cancel string, orgs []tracker.Organisation, sources []tracker.SourceSummary, recs []tracker.RecommendationItem) editForm {
	srcOpts := make([]tracker.Option, len(sources))
	for i, src := range sources {
		srcOpts[i] = tracker.Option{Value: request.IDString(src.Source.ID), Label: src.Source.Title}
	}
	// The recommendations fold under their sources: a register of a
	// thousand stays usable, and the chosen ones' sources open.
	recOpts := make([]tracker.Option, len(recs))
	var groups []optionGroup
	at := map[int64]int{}
	for i, r := range recs {
		o := tracker.Option{Value: request.IDString(r.Recommendation.ID), Label: "Recommendation " + r.Recommendation.Number + ": " + truncate(90, plain(r.Recommendation.Text))}
		recOpts[i] = tracker.Option{Value: o.Value, Label: r.Source.Title + ", " + o.Label}
		g, ok := at[r.Source.ID]
		if !ok {
			g = len(groups)
			at[r.Source.ID] = g
			groups = append(groups, optionGroup{Label: r.Source.Title})
		}
		groups[g].Options = append(groups[g].Options, o)
	}
	return editForm{
		page: editPage{Layout: Layout{Title: heading, Section: "references", Breadcrumbs: []Crumb{{"References", "/references"}}},
			Heading: heading, Post: post, Submit: "Save reference", Cancel: cancel},
		fields: []formField{
			{Name: "number", Label: "Reference number", Kind: kindText, Optional: true, Hint: "As the committee numbers it, like “13”."},
			{Name: "title", Label: "Title", Kind: kindText, Hint: "Like “Victim Satisfaction Action Plan”."},
			{Name: "requested_by", Label: "Asked by", Kind: kindSelect, Options: orgOptions(orgs)},
			{Name: "responding_org", Label: "To be answered by", Kind: kindSelect, Options: orgOptions(orgs)},
			{Name: "raised", Label: "Date raised", Kind: kindDate, Optional: true},
			{Name: "due", Label: "To be completed by", Kind: kindDate, Optional: true, Hint: "As the body last agreed; a meeting may set a new date, with a reason."},
			{Name: "status", Label: "Status", Kind: kindSelect, Options: tracker.ReferenceStatuses, Hint: "A reference stays outstanding until the committee closes it, even after the body has responded."},
			{Name: "reason", Label: "Reason for closing or reopening", Kind: kindText, Optional: true, Hint: "Needed when the status changes to or from closed; the history keeps it."},
			{Name: "source", Label: "Raised by the source", Kind: kindSelect, Optional: true, Options: srcOpts},
			{Name: "request_text", Label: "What was asked", Kind: kindTextarea, Optional: true},
			{Name: "recommendations", Label: "Recommendations it covers", Kind: kindCheckboxes, Options: recOpts, Groups: groups,
				Hint: "Open a source to choose among its recommendations."},
		},
	}
}

func referenceValues(r tracker.Reference, recIDs []int64) url.Values {
	v := url.Values{"number": {r.Number}, "title": {r.Title}, "requested_by": {request.IDString(r.RequestedByID)}, "responding_org": {request.IDString(r.RespondingOrgID)},
		"raised": {dayString(r.DateRaised)}, "due": {dayString(r.DueDate)}, "status": {r.Status}, "source": {idPtrString(r.SourceID)}, "request_text": {r.RequestText},
		"version": {strconv.Itoa(r.Version)}}
	for _, id := range recIDs {
		v.Add("recommendations", request.IDString(id))
	}
	return v
}

func referenceFromValues(vals url.Values) (tracker.Reference, []int64, map[string]string) {
	errs := map[string]string{}
	r := tracker.Reference{Number: strings.TrimSpace(vals.Get("number")), Title: strings.TrimSpace(vals.Get("title")),
		RequestedByID: formID(vals, "requested_by", errs), RespondingOrgID: formID(vals, "responding_org", errs),
		DateRaised: formDate(vals, "raised", "the date raised", errs), DueDate: formDate(vals, "due", "the date to be completed by", errs),
		Status: vals.Get("status"), SourceID: formIDPtr(vals, "source", errs),
		RequestText: vals.Get("request_text")}
	return r, formIDs(vals, "recommendations", errs), errs
}

func (s *Server) referenceFormFor(c *gin.Context, heading, post, cancel string) (editForm, bool) {
	ctx := c.Request.Context()
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.fail(c, err)
		return editForm{}, false
	}
	sources, _, err := s.store.ListSources(ctx, tracker.AllRows, s.today())
	if err != nil {
		s.fail(c, err)
		return editForm{}, false
	}
	recs, _, err := s.store.ListRecommendations(ctx, tracker.RecommendationFilter{Page: tracker.AllRows, Today: s.today()})
	if err != nil {
		s.fail(c, err)
		return editForm{}, false
	}
	return referenceForm(heading, post, cancel, orgs, sources, recs), true
}

func (s *Server) referenceNew(c *gin.Context)    { s.referenceCreateOrShow(c, false) }
func (s *Server) referenceCreate(c *gin.Context) { s.referenceCreateOrShow(c, true) }

func (s *Server) referenceCreateOrShow(c *gin.Context, save bool) {
	if err := s.cmds(c).MayCreateReferences(); err != nil {
		s.fail(c, err)
		return
	}
	f, ok := s.referenceFormFor(c, "Add a reference", "/references/new", "/references")
	if !ok {
		return
	}
	if !save {
		s.showEdit(c, http.StatusOK, f, url.Values{"status": {tracker.RefAwaiting}}, nil, nil)
		return
	}
	vals := f.values(c)
	r, recs, errs := referenceFromValues(vals)
	err := request.WithDomainErrors(errs, r.Validate)
	if err == nil {
		r, err = s.cmds(c).CreateReference(c.Request.Context(), r, recs)
	}
	if s.saveOutcome(c, f, vals, err, nil) {
		s.saved(c, "/references/"+request.IDString(r.ID), savedReferenceAdded)
	}
}

// referenceFor loads the reference of the URL and checks the person may
// change it.
func (s *Server) referenceFor(c *gin.Context) (tracker.ReferenceDetail, editForm, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.ReferenceDetail{}, editForm{}, false
	}
	d, err := s.store.ReferenceDetail(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return d, editForm{}, false
	}
	if err := s.cmds(c).MayChangeReference(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return d, editForm{}, false
	}
	path := "/references/" + request.IDString(id)
	f, ok := s.referenceFormFor(c, "Change the reference", path+"/edit", path)
	f.page.Caption, f.page.Versioned, f.page.Version = d.Reference.Heading(), true, d.Reference.Version
	f.page.Breadcrumbs = append(f.page.Breadcrumbs, Crumb{d.Reference.Heading(), path})
	return d, f, ok
}

func (s *Server) referenceEdit(c *gin.Context) {
	if d, f, ok := s.referenceFor(c); ok {
		s.showEdit(c, http.StatusOK, f, referenceValues(d.Reference, d.RecommendationIDs()), nil, nil)
	}
}

func (s *Server) referenceUpdate(c *gin.Context) {
	d, f, ok := s.referenceFor(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vals := f.values(c)
	r, recs, errs := referenceFromValues(vals)
	r.ID, r.Version = d.Reference.ID, formVersion(c, errs)
	f.page.Version = r.Version
	err := request.WithDomainErrors(errs, r.Validate)
	if err == nil {
		_, err = s.cmds(c).UpdateReference(ctx, r, recs, vals.Get("reason"))
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		cur, err := s.store.ReferenceDetail(ctx, r.ID)
		return referenceValues(cur.Reference, cur.RecommendationIDs()), err
	}) {
		s.saved(c, "/references/"+request.IDString(r.ID), savedReference)
	}
}

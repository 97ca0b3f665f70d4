package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// recommendationForm is the form of a recommendation's own fields. A new
// one also takes its deadline; later the deadline moves with a reason on
// the recommendation's page.
func recommendationForm(heading, post, cancel string, orgs []tracker.Organisation, isNew bool) editForm {
	fields := []formField{
		{Name: "number", Label: "Number", Kind: kindText, Hint: "As the source numbers it, like “4”, “2a” or “018/24”."},
		{Name: "title", Label: "Short title", Kind: kindText, Optional: true},
		{Name: "text", Label: "Text of the recommendation", Kind: kindTextarea, Rows: 8, Hint: "Markdown works: a blank line between paragraphs, “- ” for bullets."},
		{Name: "addressees", Label: "Addressed to", Kind: kindCheckboxes, Options: orgOptions(orgs), Hint: "Choose every body the recommendation is addressed to."},
		{Name: "themes", Label: "Themes", Kind: kindTextarea, Optional: true, Rows: 3, Hint: "One a line, like “Victim care”."},
	}
	if isNew {
		fields = append(fields,
			formField{Name: "deadline_text", Label: "Deadline as written", Kind: kindText, Optional: true, Hint: "Like “by April 2013” or “over the next six months”; the date is worked out from it when the date below is empty."},
			formField{Name: "deadline_date", Label: "Deadline date", Kind: kindDate, Optional: true})
	}
	return editForm{
		page: editPage{Layout: Layout{Title: heading, Section: "recommendations"},
			Heading: heading, Post: post, Submit: "Save recommendation", Cancel: cancel},
		fields: fields,
	}
}

func recommendationValues(r tracker.Recommendation) url.Values {
	v := url.Values{"number": {r.Number}, "title": {r.Title}, "text": {r.Text}, "themes": {tracker.JoinList(r.Themes)},
		"version": {strconv.Itoa(r.Version)}}
	for _, o := range r.Addressees {
		v.Add("addressees", request.IDString(o.ID))
	}
	return v
}

// recommendationFromValues reads the posted form into a recommendation;
// an addressee the list does not offer is an error at the field.
func recommendationFromValues(vals url.Values, orgs []tracker.Organisation, errs map[string]string) tracker.Recommendation {
	r := tracker.Recommendation{Number: strings.TrimSpace(vals.Get("number")), Title: strings.TrimSpace(vals.Get("title")),
		Text: vals.Get("text"), Themes: tracker.SplitList(vals.Get("themes"))}
	for _, id := range formIDs(vals, "addressees", errs) {
		i := slices.IndexFunc(orgs, func(o tracker.Organisation) bool { return o.ID == id })
		if i < 0 {
			errs["addressees"] = badChoice
			continue
		}
		r.Addressees = append(r.Addressees, orgs[i])
	}
	return r
}

func (s *Server) recommendationNew(c *gin.Context)    { s.recommendationCreateOrShow(c, false) }
func (s *Server) recommendationCreate(c *gin.Context) { s.recommendationCreateOrShow(c, true) }

func (s *Server) recommendationCreateOrShow(c *gin.Context, save bool) {
	d, ok := s.sourceFor(c, store.Commands.MayAddRecommendation)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	path := "/sources/" + request.IDString(d.Source.ID)
	f := recommendationForm("Add a recommendation", path+"/recommendations/new", path, orgs, true)
	f.page.Caption = d.Source.Title
	f.page.Breadcrumbs = []Crumb{{"Sources", "/sources"}, {d.Source.Title, path}}
	if !save {
		s.showEdit(c, http.StatusOK, f, url.Values{}, nil, nil)
		return
	}
	vals := f.values(c)
	errs := map[string]string{}
	r := recommendationFromValues(vals, orgs, errs)
	r.SourceID = d.Source.ID
	r.DeadlineText = strings.TrimSpace(vals.Get("deadline_text"))
	r.DeadlineDate = formDate(vals, "deadline_date", "the deadline", errs)
	r.SettleNew(d.Source.Date, s.now())
	err = request.WithDomainErrors(errs, r.Validate)
	if err == nil {
		r, err = s.cmds(c).CreateRecommendation(ctx, r)
	}
	if s.saveOutcome(c, f, vals, err, nil) {
		s.saved(c, "/recommendations/"+request.IDString(r.ID), savedRecAdded)
	}
}

// recommendationEditForm loads the recommendation and checks the person
// may change it.
func (s *Server) recommendationEditForm(c *gin.Context) (tracker.RecommendationDetail, editForm, []tracker.Organisation, bool) {
	d, ok := s.recommendationFor(c)
	if !ok {
		return d, editForm{}, nil, false
	}
	if err := s.cmds(c).MayChangeRecommendation(c.Request.Context(), d.Recommendation.ID); err != nil {
		s.fail(c, err)
		return d, editForm{}, nil, false
	}
	orgs, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return d, editForm{}, nil, false
	}
	path := "/recommendations/" + request.IDString(d.Recommendation.ID)
	f := recommendationForm("Change Recommendation "+d.Recommendation.Number, path+"/edit", path, orgs, false)
	f.page.Caption, f.page.Versioned, f.page.Version = d.Source.Title, true, d.Recommendation.Version
	f.page.Intro = "Its status, assessment and deadline change on the recommendation's page, where each change keeps a reason."
	f.page.Breadcrumbs = []Crumb{{"Recommendations", "/recommendations"}, {"Recommendation " + d.Recommendation.Number, path}}
	return d, f, orgs, true
}

func (s *Server) recommendationEdit(c *gin.Context) {
	if d, f, _, ok := s.recommendationEditForm(c); ok {
		s.showEdit(c, http.StatusOK, f, recommendationValues(d.Recommendation), nil, nil)
	}
}

func (s *Server) recommendationUpdate(c *gin.Context) {
	d, f, orgs, ok := s.recommendationEditForm(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vals := f.values(c)
	errs := map[string]string{}
	r := recommendationFromValues(vals, orgs, errs)
	r.ID, r.Version = d.Recommendation.ID, formVersion(c, errs)
	f.page.Version = r.Version
	err := request.WithDomainErrors(errs, func() error { return nil })
	if err == nil {
		_, err = s.cmds(c).UpdateRecommendation(ctx, r)
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		cur, err := s.store.RecommendationDetail(ctx, r.ID)
		return recommendationValues(cur.Recommendation), err
	}) {
		s.saved(c, "/recommendations/"+request.IDString(r.ID), savedRecommendation)
	}
}

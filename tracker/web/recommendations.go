package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

type recommendationListPage struct {
	Layout
	Items         []tracker.RecommendationItem
	Pager         Pager
	Organisations []tracker.Organisation
	Sources       []tracker.SourceSummary
	Statuses      []tracker.Option
	Filter        recommendationQuery
	Filtered      bool
}

// recommendationQuery is the list's filter as it appears in the URL, so a
// filtered view can be bookmarked and shared.
type recommendationQuery struct {
	Source  int64  `form:"source"`
	Org     int64  `form:"org"`
	Status  string `form:"status"`
	Overdue bool   `form:"overdue"`
	Open    bool   `form:"outstanding"`
}

func (s *Server) recommendationList(c *gin.Context) {
	var q recommendationQuery
	_ = c.ShouldBindQuery(&q) // a malformed value filters nothing rather than failing
	if !validOption(tracker.RecommendationStatuses, q.Status) {
		q.Status = ""
	}
	ctx := c.Request.Context()
	page := s.pageOf(c)
	items, total, err := s.store.ListRecommendations(ctx, tracker.RecommendationFilter{
		SourceID: q.Source, OrganisationID: q.Org, Status: q.Status, Overdue: q.Overdue, Outstanding: q.Open,
		Today: s.today(), Page: page,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	sources, _, err := s.store.ListSources(ctx, tracker.Page{Size: 1000}, s.today())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageRecommendations, &recommendationListPage{
		Layout: Layout{Title: "Recommendations", Section: "recommendations"},
		Items:  items, Pager: newPager(c.Request.URL, page, total, "recommendation", "recommendations"),
		Organisations: orgs, Sources: sources, Statuses: tracker.RecommendationStatuses, Filter: q,
		Filtered: q != recommendationQuery{},
	})
}

func validOption(options []tracker.Option, v string) bool {
	for _, o := range options {
		if o.Value == v {
			return true
		}
	}
	return false
}

type recommendationPage struct {
	Layout
	tracker.RecommendationDetail
	Overdue bool
	// Unanswered lists addressees with no response recorded.
	Unanswered []tracker.Organisation
	History    []HistoryRow
	CanEdit    bool
	Move       moveForm
	MoveErrors map[string]string
}

func (s *Server) recommendationShow(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.showRecommendation(c, http.StatusOK, id, moveForm{}, nil)
}

func addresseeIDs(r tracker.Recommendation) []int64 {
	ids := make([]int64, len(r.Addressees))
	for i, o := range r.Addressees {
		ids[i] = o.ID
	}
	return ids
}

func (s *Server) recommendationMoveDeadline(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	d, err := s.store.RecommendationDetail(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !CurrentUser(c).CanEditRecommendation(addresseeIDs(d.Recommendation)) {
		s.forbidden(c)
		return
	}
	var f moveForm
	_ = c.ShouldBind(&f)
	m, errs := checkMove(f, s.today())
	if len(errs) == 0 {
		err = s.store.MoveRecommendationDeadline(ctx, id, m)
		var invalid *tracker.ValidationError
		switch {
		case errors.Is(err, tracker.ErrConflict):
			f.Version = d.Recommendation.Version
			s.showRecommendation(c, http.StatusConflict, id, f, map[string]string{
				"new_date": "Someone else changed this recommendation after you opened it. Check its deadline, then move it again."})
			return
		case errors.As(err, &invalid):
			errs = invalid.Fields
		case err != nil:
			s.fail(c, err)
			return
		default:
			c.Redirect(http.StatusSeeOther, "/recommendations/"+strconv.FormatInt(id, 10)+"#deadline")
			return
		}
	}
	s.showRecommendation(c, http.StatusUnprocessableEntity, id, f, errs)
}

func (s *Server) showRecommendation(c *gin.Context, status int, id int64, move moveForm, moveErrs map[string]string) {
	d, err := s.store.RecommendationDetail(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if move.Version == 0 || status == http.StatusConflict {
		move.Version = d.Recommendation.Version
	}
	p := &recommendationPage{
		CanEdit: CurrentUser(c).CanEditRecommendation(addresseeIDs(d.Recommendation)), Move: move, MoveErrors: moveErrs,
		Layout: Layout{
			Title: "Recommendation " + d.Recommendation.Number, Section: "recommendations",
			Breadcrumbs: []Crumb{{"Sources", "/sources"}, {d.Source.Title, "/sources/" + strconv.FormatInt(d.Source.ID, 10)}},
		},
		RecommendationDetail: d,
		Overdue:              d.Recommendation.Overdue(s.today()),
	}
	events, err := s.store.History(c.Request.Context(), store.EntityRecommendation, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.History = historyRows(events)
	answered := map[int64]bool{}
	for _, t := range d.Responses {
		answered[t.Current.OrganisationID] = true
	}
	for _, o := range d.Recommendation.Addressees {
		if !answered[o.ID] {
			p.Unanswered = append(p.Unanswered, o)
		}
	}
	p.ErrorSummary = errorList(moveErrs, moveFieldOrder)
	s.render(c, status, pageRecommendation, p)
}

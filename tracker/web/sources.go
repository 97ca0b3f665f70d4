package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type sourceListPage struct {
	Layout
	Sources []tracker.SourceSummary
	Pager   Pager
}

func (s *Server) sourceList(c *gin.Context) {
	page := s.pageOf(c)
	items, total, err := s.store.ListSources(c.Request.Context(), page, s.today())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageSources, &sourceListPage{
		Layout:  Layout{Title: "Sources", Section: "sources"},
		Sources: items, Pager: newPager(c.Request.URL, page, total, "source", "sources"),
	})
}

type sourcePage struct {
	Layout
	tracker.SourceDetail
	// Pager pages the source's recommendations; ByStatus, Overdue and
	// RecommendationCount count all of them.
	Pager   Pager
	History []HistoryRow
	CanEdit bool
}

func (s *Server) sourceShow(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	d, err := s.store.SourceDetail(ctx, id, s.today())
	if err != nil {
		s.fail(c, err)
		return
	}
	page := s.pageOf(c)
	recs, total, err := s.store.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: id, Today: s.today(), Page: page})
	if err != nil {
		s.fail(c, err)
		return
	}
	d.Recommendations = recs
	p := &sourcePage{
		Layout:       Layout{Title: d.Source.Title, Section: "sources", Breadcrumbs: []Crumb{{"Sources", "/sources"}}},
		SourceDetail: d, CanEdit: s.cmds(c).MayChangeSource(ctx, id) == nil,
		Pager: newPager(c.Request.URL, page, total, "recommendation", "recommendations"),
	}
	events, err := s.store.History(ctx, store.EntitySource, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.History = s.historyRows(c, events)
	s.render(c, http.StatusOK, pageSource, p)
}

package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
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
	ByStatus []tracker.Count
	Overdue  int
	History  []HistoryRow
	CanEdit  bool
}

func (s *Server) sourceShow(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.store.SourceDetail(c.Request.Context(), id, s.today())
	if err != nil {
		s.fail(c, err)
		return
	}
	p := &sourcePage{
		Layout:       Layout{Title: d.Source.Title, Section: "sources", Breadcrumbs: []Crumb{{"Sources", "/sources"}}},
		SourceDetail: d, CanEdit: mayEditSource(CurrentUser(c), d),
	}
	events, err := s.store.History(c.Request.Context(), store.EntitySource, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.History = s.historyRows(c, events)
	n := map[string]int{}
	for _, r := range d.Recommendations {
		n[r.Recommendation.Status]++
		if r.Recommendation.Overdue(s.today()) {
			p.Overdue++
		}
	}
	for _, o := range tracker.RecommendationStatuses {
		p.ByStatus = append(p.ByStatus, tracker.Count{Key: o.Value, Label: o.Label, N: n[o.Value]})
	}
	s.render(c, http.StatusOK, pageSource, p)
}

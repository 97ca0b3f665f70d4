package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
)

type measureListPage struct {
	Layout
	Measures []tracker.Measure
	Pager    Pager
}

func (s *Server) measureList(c *gin.Context) {
	page := s.pageOf(c)
	ms, total, err := s.store.ListMeasures(c.Request.Context(), page)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageMeasures, &measureListPage{
		Layout:   Layout{Title: "Measures", Section: "measures"},
		Measures: ms, Pager: newPager(c.Request.URL, page, total, "measure", "measures"),
	})
}

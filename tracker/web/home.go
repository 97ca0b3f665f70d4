package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
)

type homePage struct {
	Layout
	Counts tracker.Counts
}

func (s *Server) home(c *gin.Context) {
	counts, err := s.store.Counts(c.Request.Context(), s.today())
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageHome, &homePage{Layout: Layout{Title: "Overview", Section: "home"}, Counts: counts})
}

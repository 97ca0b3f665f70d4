package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/static"
)

// Page template names, one file each under views/pages.
const (
	pageHome            = "home"
	pageSources         = "sources"
	pageSource          = "source"
	pageRecommendations = "recommendations"
	pageRecommendation  = "recommendation"
	pageReferences      = "references"
	pageReference       = "reference"
	pageActions         = "actions"
	pageMeasures        = "measures"
	pageNotFound        = "not_found"
	pageError           = "error"
)

var allPages = []string{
	pageHome, pageSources, pageSource, pageRecommendations, pageRecommendation, pageReferences,
	pageReference, pageActions, pageMeasures, pageNotFound, pageError,
}

// routes lists every route of the app in one place.
func (s *Server) routes(r *gin.Engine) {
	r.Use(requestID(), s.recovery(), securityHeaders())

	r.GET("/healthz", s.health)
	r.StaticFS("/static", http.FS(static.FS))

	r.GET("/", s.home)
	r.GET("/sources", s.sourceList)
	r.GET("/sources/:id", s.sourceShow)
	r.GET("/recommendations", s.recommendationList)
	r.GET("/recommendations/:id", s.recommendationShow)
	r.GET("/references", s.referenceList)
	r.GET("/references/:id", s.referenceShow)
	r.GET("/actions", s.actionList)
	r.GET("/measures", s.measureList)

	r.NoRoute(func(c *gin.Context) { s.notFound(c) })
}

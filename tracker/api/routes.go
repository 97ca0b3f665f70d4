package api

import "github.com/gin-gonic/gin"

// Routes adds every route of the API to r: the API document, open to
// everyone, and the rest behind a bearer token (no cookies, so no CSRF
// token).
func (s *Server) Routes(r gin.IRouter) {
	r.GET(Prefix+"/openapi.json", s.openAPI)

	api := r.Group(Prefix, s.bearer(), apiCheckPage())
	api.GET("/recommendations", s.apiRecommendations)
	api.GET("/recommendations/:id", s.apiRecommendation)
	api.POST("/recommendations", s.apiCreateRecommendation)
	api.PATCH("/recommendations/:id", s.apiUpdateRecommendation)
	api.DELETE("/recommendations/:id", apiNoDelete(noDeleteRecommendation))
	api.GET("/recommendations/:id/responses", s.apiResponses)
	api.POST("/recommendations/:id/responses", s.apiCreateResponse)
	api.POST("/recommendations/:id/status", s.apiRecommendationStatus)
	api.POST("/recommendations/:id/deadline", s.apiRecommendationDeadline)
	api.POST("/recommendations/:id/addressees/:org/status", s.apiAddresseeStatus)

	api.GET("/actions", s.apiActions)
	api.GET("/actions/:id", s.apiAction)
	api.POST("/actions", s.apiCreateAction)
	api.PATCH("/actions/:id", s.apiUpdateAction)
	api.DELETE("/actions/:id", s.apiDeleteAction)
	api.GET("/actions/:id/updates", s.apiUpdates)
	api.POST("/actions/:id/updates", s.apiPostUpdate)
	api.POST("/actions/:id/due", s.apiActionDue)

	api.GET("/organisations", s.apiOrganisations)
	api.POST("/organisations", s.apiCreateOrganisation)
	api.GET("/organisations/:id", s.apiOrganisation)
	api.PATCH("/organisations/:id", s.apiUpdateOrganisation)

	api.GET("/sources", s.apiSources)
	api.POST("/sources", s.apiCreateSource)
	api.GET("/sources/:id", s.apiSource)
	api.PATCH("/sources/:id", s.apiUpdateSource)
	api.DELETE("/sources/:id", apiNoDelete(noDeleteSource))

	api.GET("/references", s.apiReferences)
	api.POST("/references", s.apiCreateReference)
	api.GET("/references/:id", s.apiReference)
	api.PATCH("/references/:id", s.apiUpdateReference)
	api.DELETE("/references/:id", apiNoDelete(noDeleteReference))

	api.POST("/references/:id/close", s.apiCloseReference)

	api.GET("/meetings", s.apiMeetings)
	api.POST("/meetings", s.apiCreateMeeting)
	api.GET("/meetings/:id", s.apiMeeting)
	api.PATCH("/meetings/:id", s.apiUpdateMeeting)
	api.GET("/meetings/:id/schedule", s.apiSchedule)
	api.POST("/meetings/:id/decisions", s.apiRecordDecision)
	api.GET("/meetings/:id/update-requests", s.apiUpdateRequests)
	api.POST("/meetings/:id/update-requests", s.apiRequestUpdates)
	api.POST("/meetings/:id/reminders", s.apiRemindOwners)

	api.GET("/measures", s.apiMeasures)
	api.POST("/measures", s.apiCreateMeasure)
	api.GET("/measures/:id", s.apiMeasure)
	api.PATCH("/measures/:id", s.apiUpdateMeasure)
	api.DELETE("/measures/:id", apiNoDelete(noDeleteMeasure))
	api.POST("/measures/:id/values", s.apiAddMeasureValue)
	api.DELETE("/measures/:id/values/:value", s.apiRemoveMeasureValue)
}

// Error answers a request that fails before any handler with the API's
// JSON error: the message, and the field it concerns when there is one.
func Error(c *gin.Context, status int, msg string, fields map[string]string) {
	c.AbortWithStatusJSON(status, apiError{Error: msg, Fields: fields})
}

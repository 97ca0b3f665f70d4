package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/static"
	"github.com/civic-tracker/tracker/tracker/web/request"
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
	pageForbidden       = "forbidden"
	pageSetup           = "setup"
	pageLogin           = "login"
	pageAction          = "action"
	pageAccount         = "account"
	pageTokens          = "tokens"
	pageUsers           = "users"
	pageDeleted         = "deleted"
	pageReplyForm       = "reply_form"
	pageSearch          = "search"
	pageEdit            = "edit"
	pageOrganisations   = "organisations"
	pageMeasure         = "measure"
	pageImport          = "import"
	pageImportMapping   = "import_mapping"
	pageImportPreview   = "import_preview"
	pageImportSummary   = "import_summary"
	pageImportProgress  = "import_progress"
	pageUserPassword    = "user_password"
	pageMeetings        = "meetings"
	pageMeeting         = "meeting"
	pageUnsubscribe     = "unsubscribe"
	pageEmails          = "emails"
)

var allPages = []string{
	pageHome, pageSources, pageSource, pageRecommendations, pageRecommendation, pageReferences,
	pageReference, pageActions, pageMeasures, pageNotFound, pageError, pageForbidden, pageSetup, pageLogin,
	pageAction, pageAccount, pageTokens, pageUsers, pageDeleted, pageReplyForm, pageSearch,
	pageEdit, pageOrganisations, pageMeasure,
	pageImport, pageImportMapping, pageImportPreview, pageImportSummary,
	pageImportProgress, pageUserPassword, pageMeetings, pageMeeting,
	pageImportProgress, pageUserPassword, pageUnsubscribe, pageEmails,
}

// routes lists every route of the app in one place.
func (s *Server) routes(r *gin.Engine) {
	r.Use(request.Tag(), s.recovery(), securityHeaders(s.secure), s.refuseControlInQuery())

	// Open to everyone.
	r.GET("/healthz", s.health)
	r.StaticFS("/static", http.FS(static.FS))
	s.api.Routes(r)
	// The link in every email: no session, and no CSRF token on the POST,
	// so that a mail program's one-click unsubscribe (RFC 8058) works.
	r.GET("/unsubscribe/:token/:list", s.unsubscribeForm)
	r.POST("/unsubscribe/:token/:list", s.unsubscribe)

	// Pages: a session cookie, and a CSRF token on every unsafe request.
	web := r.Group("/", s.authenticate())
	web.GET("/login", s.loginForm)
	web.POST("/login", s.refuseControlInForm(), s.login)

	in := web.Group("/", s.requireUser(), s.verifyCSRF(), s.refuseControlInForm())
	in.POST("/logout", s.logout)
	in.GET("/", s.cached(anyone), s.home)
	in.GET("/sources", s.cached(byRole), s.sourceList)
	in.GET("/sources/:id", s.sourceShow)
	in.GET("/recommendations", s.cached(anyone), s.recommendationList)
	in.GET("/recommendations/:id", s.recommendationShow)
	in.GET("/references", s.cached(byRole), s.referenceList)
	in.GET("/references/:id", s.referenceShow)
	in.GET("/actions", s.cached(byNames), s.actionList)
	in.GET("/actions.csv", s.actionExport)
	in.GET("/actions.xlsx", s.actionExport)
	in.GET("/recommendations.csv", s.recommendationExport)
	in.GET("/recommendations.xlsx", s.recommendationExport)
	in.GET("/sources.csv", s.sourceExport)
	in.GET("/sources.xlsx", s.sourceExport)
	in.GET("/references.csv", s.referenceExport)
	in.GET("/references.xlsx", s.referenceExport)
	in.GET("/measures.csv", s.measureExport)
	in.GET("/measures.xlsx", s.measureExport)
	in.GET("/actions/:id", s.actionShow)
	in.POST("/actions/:id/updates", s.actionPostUpdate)
	in.POST("/actions/:id/delete", s.actionDelete)
	in.POST("/actions/:id/due", s.actionMoveDue)
	in.POST("/recommendations/:id/deadline", s.recommendationMoveDeadline)
	in.POST("/recommendations/:id/actions", s.recommendationAddAction)
	in.POST("/recommendations/:id/responses", s.recommendationRespond)
	in.POST("/recommendations/:id/status", s.recommendationChangeStatus)
	in.POST("/recommendations/:id/addressees/:org/status", s.recommendationAddresseeStatus)
	in.POST("/recommendations/:id/follow", s.recommendationFollow)
	in.GET("/measures", s.measureList)
	in.GET("/measures/new", s.measureNew)
	in.POST("/measures/new", s.measureCreate)
	in.GET("/measures/:id", s.measureShow)
	in.GET("/measures/:id/edit", s.measureEdit)
	in.POST("/measures/:id/edit", s.measureUpdate)
	in.POST("/measures/:id/values", s.measureAddValue)
	in.POST("/measures/:id/values/:value/delete", s.measureRemoveValue)
	in.GET("/organisations", s.organisationList)
	in.GET("/organisations/new", s.organisationNew)
	in.POST("/organisations/new", s.organisationCreate)
	in.GET("/organisations/:id/edit", s.organisationEdit)
	in.POST("/organisations/:id/edit", s.organisationUpdate)
	in.GET("/sources/new", s.sourceNew)
	in.POST("/sources/new", s.sourceCreate)
	in.GET("/sources/:id/edit", s.sourceEdit)
	in.POST("/sources/:id/edit", s.sourceUpdate)
	in.GET("/sources/:id/recommendations/new", s.recommendationNew)
	in.POST("/sources/:id/recommendations/new", s.recommendationCreate)
	in.GET("/recommendations/:id/edit", s.recommendationEdit)
	in.POST("/recommendations/:id/edit", s.recommendationUpdate)
	in.GET("/actions/:id/edit", s.actionEdit)
	in.POST("/actions/:id/edit", s.actionUpdateDetails)
	in.GET("/references/new", s.referenceNew)
	in.POST("/references/new", s.referenceCreate)
	in.GET("/references/:id/edit", s.referenceEdit)
	in.POST("/references/:id/edit", s.referenceUpdate)
	in.GET("/meetings", s.meetingList)
	in.GET("/meetings/new", s.meetingNew)
	in.POST("/meetings/new", s.meetingCreate)
	in.GET("/meetings/:id", s.meetingShow)
	in.GET("/meetings/:id/edit", s.meetingEdit)
	in.POST("/meetings/:id/edit", s.meetingUpdate)
	in.GET("/meetings/:id/schedule.pdf", s.meetingSchedulePDF)
	in.GET("/meetings/:id/decisions/:ref", s.decisionShow)
	in.POST("/meetings/:id/decisions/:ref", s.decisionRecord)
	in.POST("/meetings/:id/update-requests", s.meetingRequestUpdates)
	in.POST("/meetings/:id/reminders", s.meetingRemind)
	in.GET("/references/:id/close", s.referenceCloseForm)
	in.POST("/references/:id/close", s.referenceClose)
	in.GET("/search", s.search)
	in.GET("/sources/:id/report.pdf", s.sourcePDF)
	in.GET("/references/:id/report.pdf", s.referencePDF)
	in.GET("/references/:id/reply", s.replyForm)
	in.POST("/references/:id/reply", s.replySave)
	in.GET("/reports/outstanding.pdf", s.outstandingPDF)
	in.GET("/reports/actions.pdf", s.actionsPDF)
	in.GET("/account", s.accountShow)
	in.POST("/account/password", s.accountPassword)
	in.POST("/account/email", s.accountMailPrefs)
	in.GET("/account/tokens", s.tokenList)
	in.POST("/account/tokens", s.tokenCreate)
	in.POST("/account/tokens/:id/revoke", s.tokenRevoke)
	in.GET("/admin/users", s.userList)
	in.GET("/admin/users/:id/password", s.userPasswordForm)
	in.POST("/admin/users/:id/password", s.userPasswordReset)
	in.GET("/admin/deleted", s.deletedList)
	in.GET("/admin/emails", s.emailLog)
	in.POST("/admin/deleted/actions/:id/restore", s.actionRestore)
	in.GET("/import", s.importForm)
	in.GET("/import/sample.csv", s.importSample)
	in.POST("/import", s.importUploadFile)
	in.POST("/import/:id/preview", s.importPreview)
	in.POST("/import/:id/run", s.importRun)
	in.GET("/import/:id/progress", s.importProgress)

	r.NoRoute(s.authenticate(), func(c *gin.Context) { s.notFound(c) })
}

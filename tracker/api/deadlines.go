package api

import (
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

// Changes that keep a reason, through the API: a recommendation's status
// and assessment, and the moves of deadlines and due dates. And renaming
// an organisation.

// moveRequest moves a deadline or a due date, with the reason.
type moveRequest struct {
	Version int    `json:"version"`
	NewDate string `json:"new_date"`
	NewText string `json:"new_text"`
	Reason  string `json:"reason"`
}

func (s *Server) readMove(c *gin.Context, what string) (store.DeadlineMove, bool) {
	var req moveRequest
	if !apiBind(c, &req) {
		return store.DeadlineMove{}, false
	}
	errs := map[string]string{}
	apiNeedVersion(req.Version, what, errs)
	m := store.DeadlineMove{Version: req.Version, NewText: strings.TrimSpace(req.NewText), Reason: req.Reason, On: s.today()}
	if d := apiDate(req.NewDate, "new_date", errs); d != nil {
		m.NewDate = *d
	}
	if len(errs) > 0 {
		apiInvalid(c, errs)
		return m, false
	}
	return m, true
}

// changeDocs describes these operations for the OpenAPI document.
func changeDocs() (schemas obj, paths map[string]obj) {
	schemas = obj{
		"OrganisationPatch": patchOf(obj{"name": tStr, "short_name": tStr}, "organisation"),
		"StatusChange": patchOf(obj{"status": strEnum(tracker.RecommendationStatuses), "assessment": strEnum(tracker.Assessments),
			"assessment_note": tStr, "reason": obj{"type": "string", "description": "Needed when closing or reopening; it goes on the recommendation's timeline"},
			"date": tDate}, "recommendation"),
		"AddresseeStatusChange": object([]string{"version", "status"}, obj{"version": obj{"type": "integer", "minimum": 1, "description": "The addressee's status_version as read; a different current one is a 409"},
			"status": strEnum(tracker.RecommendationStatuses), "status_date": tDate}),
		"DeadlineMove": object([]string{"version", "new_date", "reason"}, obj{"version": obj{"type": "integer", "minimum": 1},
			"new_date": tDate, "new_text": obj{"type": "string", "description": "The new deadline as written, if it is worded"},
			"reason": obj{"type": "string", "description": "Why the date moves; kept beside the old and new dates"}}),
	}
	move := func(what, schema string) obj {
		return obj{"summary": "Move the " + what + " with a reason; the old date and wording stay visible as a revision",
			"parameters": []obj{idParamDoc(what)}, "requestBody": reqBody("DeadlineMove"),
			"responses": merge(okResp("As it now stands", schema), writeErrors("401", "403", "404", "422"), conflict(schema))}
	}
	paths = map[string]obj{
		"/organisations/{id}": {"patch": obj{"summary": "Rename an organisation (administrators, and its secretaries)",
			"parameters": []obj{idParamDoc("organisation")}, "requestBody": reqBody("OrganisationPatch"),
			"responses": merge(okResp("The organisation as saved", "OrganisationItem"), writeErrors("401", "403", "404", "422"), conflict("OrganisationItem"))}},
		"/recommendations/{id}/status": {"post": obj{"summary": "Change a recommendation's status and the overseer's assessment; closing or reopening needs a reason",
			"parameters": []obj{idParamDoc("recommendation")}, "requestBody": reqBody("StatusChange"),
			"responses": merge(okResp("The recommendation as saved", "Recommendation"), writeErrors("401", "403", "404", "422"), conflict("Recommendation"))}},
		"/recommendations/{id}/deadline": {"post": move("recommendation", "Recommendation")},
		"/recommendations/{id}/addressees/{org}/status": {"post": obj{"summary": "Set one addressee's own status, dated; the recommendation's overall status follows",
			"parameters":  []obj{idParamDoc("recommendation"), {"name": "org", "in": "path", "required": true, "schema": obj{"type": "integer"}, "description": "The addressee's organisation id"}},
			"requestBody": reqBody("AddresseeStatusChange"),
			"responses":   merge(okResp("The recommendation as saved", "Recommendation"), writeErrors("401", "403", "404", "422"), conflict("Recommendation"))}},
		"/actions/{id}/due": {"post": move("action", "Action")},
	}
	return schemas, paths
}

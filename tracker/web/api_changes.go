package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

// Changes that keep a reason, through the API: a recommendation's status
// and assessment, and the moves of deadlines and due dates. And renaming
// an organisation.

// organisationPatch renames an organisation; absent fields stay.
type organisationPatch struct {
	Version   int     `json:"version"`
	Name      *string `json:"name"`
	ShortName *string `json:"short_name"`
}

func (s *Server) apiUpdateOrganisation(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	ctx := c.Request.Context()
	o, err := s.store.Organisation(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if err := s.cmds(c).MayChangeOrganisation(ctx, o.ID); err != nil {
		s.apiFail(c, err)
		return
	}
	var req organisationPatch
	if !apiBind(c, &req) {
		return
	}
	errs := map[string]string{}
	apiNeedVersion(req.Version, "organisation", errs)
	if len(errs) > 0 {
		apiInvalid(c, errs)
		return
	}
	if req.Name != nil {
		o.Name = *req.Name
	}
	if req.ShortName != nil {
		o.ShortName = *req.ShortName
	}
	o.Version = req.Version
	_, err = s.cmds(c).UpdateOrganisation(ctx, o)
	current := func() (any, error) {
		cur, err := s.store.Organisation(ctx, id)
		return organisationDTOOf(cur), err
	}
	s.apiAnswerSaved(c, err, "organisation", current)
}

// statusRequest changes a recommendation's status and assessment.
type statusRequest struct {
	Version        int     `json:"version"`
	Status         *string `json:"status"`
	Assessment     *string `json:"assessment"`
	AssessmentNote *string `json:"assessment_note"`
	Reason         string  `json:"reason"`
	Date           string  `json:"date"`
}

func (s *Server) apiRecommendationStatus(c *gin.Context) {
	d, ok := s.apiRecommendationFor(c)
	if !ok {
		return
	}
	var req statusRequest
	if !apiBind(c, &req) {
		return
	}
	errs := map[string]string{}
	apiNeedVersion(req.Version, "recommendation", errs)
	ch := store.RecommendationChange{Version: req.Version, Status: d.Recommendation.Status, Assessment: d.Recommendation.Assessment,
		AssessmentNote: d.Recommendation.AssessmentNote, Reason: req.Reason, On: s.today()}
	if req.Status != nil {
		ch.Status = *req.Status
	}
	if req.Assessment != nil {
		ch.Assessment = *req.Assessment
	}
	if req.AssessmentNote != nil {
		ch.AssessmentNote = *req.AssessmentNote
	}
	if on := apiDate(req.Date, "date", errs); on != nil {
		ch.On = *on
	}
	if len(errs) > 0 {
		apiInvalid(c, errs)
		return
	}
	s.apiRecommendationSaved(c, d.Recommendation.ID, s.cmds(c).ChangeRecommendation(c.Request.Context(), d.Recommendation.ID, ch))
}

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

func (s *Server) apiRecommendationDeadline(c *gin.Context) {
	d, ok := s.apiRecommendationFor(c)
	if !ok {
		return
	}
	m, ok := s.readMove(c, "recommendation")
	if !ok {
		return
	}
	s.apiRecommendationSaved(c, d.Recommendation.ID, s.cmds(c).MoveRecommendationDeadline(c.Request.Context(), d.Recommendation.ID, m))
}

func (s *Server) apiActionDue(c *gin.Context) {
	it, ok := s.apiActionFor(c, store.Commands.MayChangeAction)
	if !ok {
		return
	}
	id, ctx := it.Action.ID, c.Request.Context()
	m, ok := s.readMove(c, "action")
	if !ok {
		return
	}
	if err := s.cmds(c).MoveActionDue(ctx, id, m); err != nil {
		s.apiFail(c, err) // a stale version is a *store.ConflictError with the action
		return
	}
	cur, err := s.store.Action(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, actionDTOOf(cur))
}

// apiRecommendationFor loads the recommendation of the URL and checks the
// token's account may change it; false means a response has been sent.
func (s *Server) apiRecommendationFor(c *gin.Context) (tracker.RecommendationDetail, bool) {
	id, err := idParam(c)
	if err != nil {
		s.apiFail(c, err)
		return tracker.RecommendationDetail{}, false
	}
	d, err := s.store.RecommendationDetail(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return d, false
	}
	if err := s.cmds(c).MayChangeRecommendation(c.Request.Context(), id); err != nil {
		s.apiFail(c, err)
		return d, false
	}
	return d, true
}

// apiRecommendationSaved answers a change to a recommendation: the
// recommendation as it now stands, or the error.
func (s *Server) apiRecommendationSaved(c *gin.Context, id int64, err error) {
	ctx := c.Request.Context()
	current := func() (any, error) {
		cur, err := s.store.RecommendationDetail(ctx, id)
		return recommendationDTOOf(cur.Recommendation, cur.Source), err
	}
	s.apiAnswerSaved(c, err, "recommendation", current)
}

// changeDocs describes these operations for the OpenAPI document.
func changeDocs() (schemas obj, paths map[string]obj) {
	schemas = obj{
		"OrganisationPatch": patchOf(obj{"name": tStr, "short_name": tStr}, "organisation"),
		"StatusChange": patchOf(obj{"status": strEnum(tracker.RecommendationStatuses), "assessment": strEnum(tracker.Assessments),
			"assessment_note": tStr, "reason": obj{"type": "string", "description": "Needed when closing or reopening; it goes on the recommendation's timeline"},
			"date": tDate}, "recommendation"),
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
		"/actions/{id}/due":              {"post": move("action", "Action")},
	}
	return schemas, paths
}

// apiActionFor loads the action of the URL and checks the token's account
// may do what may says; false means a response has been sent.
func (s *Server) apiActionFor(c *gin.Context, may func(store.Commands, context.Context, int64) error) (tracker.ActionItem, bool) {
	id, err := idParam(c)
	if err != nil {
		s.apiFail(c, err)
		return tracker.ActionItem{}, false
	}
	it, err := s.store.Action(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return it, false
	}
	if err := may(s.cmds(c), c.Request.Context(), id); err != nil {
		s.apiFail(c, err)
		return it, false
	}
	return it, true
}

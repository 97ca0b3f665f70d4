package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

// Actions through the API: create, change their details, delete (softly),
// and list their progress updates.

// newActionRequest is a new action on the log.
type newActionRequest struct {
	OrganisationID   int64  `json:"organisation_id"`
	SourceID         *int64 `json:"source_id"`
	RecommendationID *int64 `json:"recommendation_id"`
	ReferenceID      *int64 `json:"reference_id"`
	Description      string `json:"description"`
	Owner            string `json:"owner"`
	OwnerUnit        string `json:"owner_unit"`
	DueText          string `json:"due_text"`
	DueDate          string `json:"due_date"`
	Status           string `json:"status"`
	RAG              string `json:"rag"`
	CompletedOn      string `json:"completed_on"`
}

// actionPatchRequest changes what an action is and who owns it. Status
// and RAG change with a progress update, the due date with a reason; the
// request names them so that a client sending them is told where to go.
type actionPatchRequest struct {
	Version        int     `json:"version"`
	OrganisationID *int64  `json:"organisation_id"`
	Description    *string `json:"description"`
	Owner          *string `json:"owner"`
	OwnerUnit      *string `json:"owner_unit"`
	Status         *string `json:"status"`
	RAG            *string `json:"rag"`
	DueDate        *string `json:"due_date"`
	DueText        *string `json:"due_text"`
}

// anyActionOrg reports whether the person may act for any organisation,
// so that a viewer is refused before the body is read.
func (s *Server) anyActionOrg(c *gin.Context) (bool, error) {
	orgs, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		return false, err
	}
	for _, o := range orgs {
		if CurrentUser(c).CanEditAction(o.ID) {
			return true, nil
		}
	}
	return false, nil
}

func (s *Server) apiCreateAction(c *gin.Context) {
	ok, err := s.anyActionOrg(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if !ok {
		s.apiFail(c, tracker.ErrForbidden)
		return
	}
	var req newActionRequest
	if !apiBind(c, &req) {
		return
	}
	ctx := c.Request.Context()
	errs := map[string]string{}
	a := tracker.Action{OrganisationID: req.OrganisationID, SourceID: nonZero(req.SourceID), RecommendationID: nonZero(req.RecommendationID),
		ReferenceID: nonZero(req.ReferenceID), Description: strings.TrimSpace(req.Description), Owner: strings.TrimSpace(req.Owner),
		OwnerUnit: strings.TrimSpace(req.OwnerUnit), DueText: strings.TrimSpace(req.DueText), Status: req.Status, RAG: req.RAG}
	if a.Status == "" {
		a.Status = tracker.ActNotStarted
	}
	a.DueDate = apiDate(req.DueDate, "due_date", errs)
	if a.DueDate == nil && a.DueText != "" && errs["due_date"] == "" {
		// Wording alone ("within two months") is read as from today, as on the page.
		if d, ok := tracker.ParseDeadline(a.DueText, s.today()); ok {
			a.DueDate = &d
		}
	}
	a.CompletedOn = apiDate(req.CompletedOn, "completed_on", errs)
	if a.OrganisationID != 0 && !CurrentUser(c).CanEditAction(a.OrganisationID) {
		errs["organisation_id"] = "Choose an organisation whose actions you may change"
	} else if err := s.checkOrg(c, a.OrganisationID, "organisation_id", errs); err != nil {
		s.apiFail(c, err)
		return
	}
	if a.RecommendationID != nil {
		d, err := s.store.RecommendationDetail(ctx, *a.RecommendationID)
		switch {
		case isNotFound(err):
			errs["recommendation_id"] = "There is no recommendation with this id"
		case err != nil:
			s.apiFail(c, err)
			return
		default:
			addressed := false
			for _, o := range d.Recommendation.Addressees {
				addressed = addressed || o.ID == a.OrganisationID
			}
			if !addressed && a.OrganisationID != 0 {
				errs["organisation_id"] = "Choose one of the recommendation's addressees"
			}
			if a.SourceID != nil && *a.SourceID != d.Recommendation.SourceID {
				errs["source_id"] = "The recommendation belongs to another source; leave source_id out"
			}
		}
	}
	if a.SourceID != nil {
		if _, err := s.store.Source(ctx, *a.SourceID); isNotFound(err) {
			errs["source_id"] = "There is no source with this id"
		} else if err != nil {
			s.apiFail(c, err)
			return
		}
	}
	if a.ReferenceID != nil {
		if _, err := s.store.ReferenceDetail(ctx, *a.ReferenceID); isNotFound(err) {
			errs["reference_id"] = "There is no reference with this id"
		} else if err != nil {
			s.apiFail(c, err)
			return
		}
	}
	if err := withDomainErrors(errs, a.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	created, err := s.store.CreateAction(ctx, a)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	it, err := s.store.Action(ctx, created.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	apiCreated(c, "/actions/"+idString(created.ID), actionDTOOf(it))
}

func nonZero(id *int64) *int64 {
	if id == nil || *id == 0 {
		return nil
	}
	return id
}

func (s *Server) apiUpdateAction(c *gin.Context) {
	it, ok := s.apiActionFor(c, (*tracker.User).CanEditAction)
	if !ok {
		return
	}
	id, ctx := it.Action.ID, c.Request.Context()
	var req actionPatchRequest
	if !apiBind(c, &req) {
		return
	}
	errs := map[string]string{}
	apiNeedVersion(req.Version, "action", errs)
	a := it.Action
	a.Version = req.Version
	if req.OrganisationID != nil {
		a.OrganisationID = *req.OrganisationID
	}
	if req.Description != nil {
		a.Description = *req.Description
	}
	setText(&a.Owner, req.Owner)
	setText(&a.OwnerUnit, req.OwnerUnit)
	if req.Status != nil {
		errs["status"] = "The status changes with a progress update: POST /actions/" + idString(id) + "/updates"
	}
	if req.RAG != nil {
		errs["rag"] = "The RAG rating changes with a progress update: POST /actions/" + idString(id) + "/updates"
	}
	if req.DueDate != nil || req.DueText != nil {
		errs["due_date"] = "The due date moves with a reason (POST /api/v1/actions/{id}/due), so that slippage stays visible"
	}
	if a.OrganisationID != it.Action.OrganisationID {
		if !CurrentUser(c).CanEditAction(a.OrganisationID) {
			errs["organisation_id"] = "Choose an organisation whose actions you may change"
		} else if err := s.checkOrg(c, a.OrganisationID, "organisation_id", errs); err != nil {
			s.apiFail(c, err)
			return
		}
	}
	if err := withDomainErrors(errs, func() error { return nil }); err != nil {
		s.apiFail(c, err)
		return
	}
	_, err := s.store.UpdateActionDetails(ctx, a)
	if !s.apiSaved(c, err, "action", nil) {
		return
	}
	it, err = s.store.Action(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, actionDTOOf(it))
}

// apiDeleteAction soft-deletes an action: it leaves the log and the
// reports, the trail keeps it, and an administrator can restore it.
func (s *Server) apiDeleteAction(c *gin.Context) {
	it, ok := s.apiActionFor(c, (*tracker.User).CanDeleteAction)
	if !ok {
		return
	}
	id, ctx := it.Action.ID, c.Request.Context()
	version := versionQuery(c)
	if version < 1 {
		apiInvalid(c, map[string]string{"version": "Send the version of the action you read, as ?version="})
		return
	}
	err := s.store.DeleteAction(ctx, id, version)
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		apiConflict(c, "action", actionDTOOf(conflict.Current))
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) apiUpdates(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	it, err := s.store.Action(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	page := apiPage(c)
	out := listDTO[updateDTO]{Items: []updateDTO{}, Total: int64(len(it.Updates)), Page: page.Number, PerPage: page.Size}
	for _, u := range pageOfSlice(it.Updates, page) {
		out.Items = append(out.Items, updateDTO{ID: u.ID, Date: u.Date.Format("2006-01-02"), Author: u.Author, Text: u.Text})
	}
	c.JSON(http.StatusOK, out)
}

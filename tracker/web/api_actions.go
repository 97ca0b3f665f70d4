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

func (s *Server) apiCreateAction(c *gin.Context) {
	if err := s.cmds(c).MayCreateActions(); err != nil {
		s.apiFail(c, err)
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
	a.DueDate = apiDate(req.DueDate, "due_date", errs)
	a.CompletedOn = apiDate(req.CompletedOn, "completed_on", errs)
	if err := s.checkOrg(c, a.OrganisationID, "organisation_id", errs); err != nil {
		s.apiFail(c, err)
		return
	}
	// The command settles and checks these again; here they let every
	// message show at once.
	a.SettleNew(s.today())
	if err := withDomainErrors(errs, a.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	created, err := s.cmds(c).CreateAction(ctx, a)
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
	it, ok := s.apiActionFor(c, store.Commands.MayChangeAction)
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
		if err := s.checkOrg(c, a.OrganisationID, "organisation_id", errs); err != nil {
			s.apiFail(c, err)
			return
		}
	}
	if err := withDomainErrors(errs, func() error { return nil }); err != nil {
		s.apiFail(c, err)
		return
	}
	_, err := s.cmds(c).UpdateActionDetails(ctx, a)
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
	it, ok := s.apiActionFor(c, store.Commands.MayDeleteAction)
	if !ok {
		return
	}
	id, ctx := it.Action.ID, c.Request.Context()
	version := versionQuery(c)
	if version < 1 {
		apiInvalid(c, map[string]string{"version": "Send the version of the action you read, as ?version="})
		return
	}
	err := s.cmds(c).DeleteAction(ctx, id, version)
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

package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
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
	OwnerUserID      *int64 `json:"owner_user_id"`
	OwnerEmail       string `json:"owner_email"`
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
	Version        int             `json:"version"`
	OrganisationID *int64          `json:"organisation_id"`
	Description    *string         `json:"description"`
	Owner          *string         `json:"owner"`
	OwnerUnit      *string         `json:"owner_unit"`
	OwnerUserID    nullable[int64] `json:"owner_user_id"`
	OwnerEmail     *string         `json:"owner_email"`
	Status         *string         `json:"status"`
	RAG            *string         `json:"rag"`
	DueDate        *string         `json:"due_date"`
	DueText        *string         `json:"due_text"`
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
		OwnerUnit: strings.TrimSpace(req.OwnerUnit), OwnerUserID: nonZero(req.OwnerUserID), OwnerEmail: strings.TrimSpace(req.OwnerEmail),
		DueText: strings.TrimSpace(req.DueText), Status: req.Status, RAG: req.RAG}
	a.DueDate = apiDate(req.DueDate, "due_date", errs)
	a.CompletedOn = apiDate(req.CompletedOn, "completed_on", errs)
	if err := s.checkOrg(c, a.OrganisationID, "organisation_id", errs); err != nil {
		s.apiFail(c, err)
		return
	}
	// The command settles and checks these again; here they let every
	// message show at once.
	a.SettleNew(s.today())
	if err := request.WithDomainErrors(errs, a.Validate); err != nil {
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
	apiCreated(c, "/actions/"+request.IDString(created.ID), actionDTOOf(it))
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
	setText(&a.OwnerEmail, req.OwnerEmail)
	req.OwnerUserID.apply(&a.OwnerUserID)
	if req.Status != nil {
		errs["status"] = "The status changes with a progress update: POST /actions/" + request.IDString(id) + "/updates"
	}
	if req.RAG != nil {
		errs["rag"] = "The RAG rating changes with a progress update: POST /actions/" + request.IDString(id) + "/updates"
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
	if err := request.WithDomainErrors(errs, func() error { return nil }); err != nil {
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
	id, err := request.IDParam(c)
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

type updateDTO struct {
	ID     int64  `json:"id"`
	Date   string `json:"date"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

type actionDTO struct {
	ID               int64       `json:"id"`
	Organisation     orgDTO      `json:"organisation"`
	SourceID         *int64      `json:"source_id"`
	RecommendationID *int64      `json:"recommendation_id"`
	ReferenceID      *int64      `json:"reference_id"`
	Description      string      `json:"description"`
	Owner            string      `json:"owner"`
	OwnerUnit        string      `json:"owner_unit"`
	OwnerUserID      *int64      `json:"owner_user_id"`
	OwnerEmail       string      `json:"owner_email"`
	DueText          string      `json:"due_text"`
	DueDate          *string     `json:"due_date"`
	Status           string      `json:"status"`
	RAG              string      `json:"rag"`
	CompletedOn      *string     `json:"completed_on"`
	Version          int         `json:"version"`
	Updates          []updateDTO `json:"updates"`
}

func actionDTOOf(it tracker.ActionItem) actionDTO {
	a := it.Action
	d := actionDTO{ID: a.ID, Organisation: orgDTOOf(a.Organisation), SourceID: a.SourceID, RecommendationID: a.RecommendationID,
		ReferenceID: a.ReferenceID, Description: a.Description, Owner: a.Owner, OwnerUnit: a.OwnerUnit, OwnerUserID: a.OwnerUserID, OwnerEmail: a.OwnerEmail, DueText: a.DueText,
		DueDate: dateString(a.DueDate), Status: a.Status, RAG: a.RAG, CompletedOn: dateString(a.CompletedOn), Version: a.Version,
		Updates: []updateDTO{}}
	for _, u := range it.Updates {
		d.Updates = append(d.Updates, updateDTO{ID: u.ID, Date: u.Date.Format("2006-01-02"), Author: u.Author, Text: u.Text})
	}
	return d
}

func (s *Server) apiActions(c *gin.Context) {
	var q request.ActionQuery
	if !apiBindQuery(c, &q) {
		return
	}
	links, ok := apiQueryIDs(c, "recommendation", "reference")
	if !ok {
		return
	}
	rag, ok := apiQueryOption(c, "rag", append([]tracker.Option{{Value: "none"}}, tracker.RAGs[1:]...))
	if !ok {
		return
	}
	page := apiPage(c)
	owner, none := request.OwnerFilter(q.Owner)
	items, total, err := s.store.ListActions(c.Request.Context(), tracker.ActionFilter{
		OrganisationID: q.Org, Owner: owner, NoOwner: none, Person: q.Person, Status: q.Status, Overdue: q.Overdue, Open: q.Open, DueWithinDays: q.DueWithin,
		SourceID: q.Source, RecommendationID: links["recommendation"], ReferenceID: links["reference"], RAG: rag, ChangedSince: apiChangedSince(c),
		Today: s.today(), Page: page})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := listDTO[actionDTO]{Items: []actionDTO{}, Total: total, Page: page.Number, PerPage: page.Size}
	for _, it := range items {
		out.Items = append(out.Items, actionDTOOf(it))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiAction(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	it, err := s.store.Action(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, actionDTOOf(it))
}

type updateRequest struct {
	Version int     `json:"version"`
	Date    string  `json:"date"`
	Text    string  `json:"text"`
	Status  string  `json:"status"`
	RAG     *string `json:"rag"`
}

// apiPostUpdate adds a progress update, optionally changing status and RAG,
// with the same permissions and the same version check as the page.
func (s *Server) apiPostUpdate(c *gin.Context) {
	it, ok := s.apiActionFor(c, store.Commands.MayChangeAction)
	if !ok {
		return
	}
	id, ctx := it.Action.ID, c.Request.Context()
	var req updateRequest
	if !apiBind(c, &req) {
		return
	}
	f := request.UpdateForm{Version: req.Version, Date: req.Date, Text: req.Text, Status: req.Status, RAG: request.KeepRAG}
	if req.RAG != nil {
		f.RAG = *req.RAG
	}
	ch, errs := request.CheckUpdate(f, s.today())
	if req.Version == 0 {
		errs["version"] = "Send the version of the action you read"
	}
	if len(errs) > 0 {
		c.JSON(http.StatusUnprocessableEntity, apiError{Error: "Some fields are not valid.", Fields: errs})
		return
	}
	if err := s.cmds(c).PostUpdate(ctx, id, ch); err != nil {
		s.apiFail(c, err)
		return
	}
	it, err := s.store.Action(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusCreated, actionDTOOf(it))
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

// apiActionFor loads the action of the URL and checks the token's account
// may do what may says; false means a response has been sent.
func (s *Server) apiActionFor(c *gin.Context, may func(store.Commands, context.Context, int64) error) (tracker.ActionItem, bool) {
	id, err := request.IDParam(c)
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

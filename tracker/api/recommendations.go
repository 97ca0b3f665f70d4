package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Recommendations and their management responses through the API.

// recommendationRequest is a new recommendation, or the fields of one to
// change; a field left out keeps its value. Status, assessment and the
// deadline of an existing recommendation change through their own steps,
// which keep a reason.
type recommendationRequest struct {
	Version      int       `json:"version"`
	SourceID     *int64    `json:"source_id"`
	Number       *string   `json:"number"`
	Title        *string   `json:"title"`
	Text         *string   `json:"text"`
	AddresseeIDs *[]int64  `json:"addressee_ids"`
	Themes       *[]string `json:"themes"`
	DeadlineText *string   `json:"deadline_text"`
	DeadlineDate *string   `json:"deadline_date"`
}

// apply writes the request's own fields over r, resolving addressees.
func (req recommendationRequest) apply(r *tracker.Recommendation, orgs []tracker.Organisation) map[string]string {
	errs := map[string]string{}
	setText(&r.Number, req.Number)
	setText(&r.Title, req.Title)
	if req.Text != nil {
		r.Text = *req.Text
	}
	if req.Themes != nil {
		r.Themes = nil
		for _, t := range *req.Themes {
			if t = strings.TrimSpace(t); t != "" {
				r.Themes = append(r.Themes, t)
			}
		}
	}
	if req.AddresseeIDs != nil {
		r.Addressees = nil
		if hasDuplicate(*req.AddresseeIDs) {
			errs["addressee_ids"] = "Name each addressee once"
		}
		for _, id := range *req.AddresseeIDs {
			found := false
			for _, o := range orgs {
				if o.ID == id {
					r.Addressees, found = append(r.Addressees, o), true
				}
			}
			if !found {
				errs["addressee_ids"] = "There is no organisation with the id " + request.IDString(id) + "; GET /organisations lists them"
			}
		}
	}
	return errs
}

func (s *Server) apiCreateRecommendation(c *gin.Context) {
	// Only administrators and secretaries may add to a source; refuse
	// anyone else before reading the body.
	if err := s.cmds(c).MayCreateSource(); err != nil {
		s.apiFail(c, err)
		return
	}
	var req recommendationRequest
	if !apiBind(c, &req) {
		return
	}
	ctx := c.Request.Context()
	if req.SourceID == nil || *req.SourceID == 0 {
		apiInvalid(c, map[string]string{"source_id": "Choose the source that makes the recommendation"})
		return
	}
	d, err := s.store.SourceDetail(ctx, *req.SourceID, s.today())
	if isNotFound(err) {
		apiInvalid(c, map[string]string{"source_id": "There is no source with this id; GET /sources lists them"})
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if err := s.cmds(c).MayAddRecommendation(ctx, d.Source.ID); err != nil {
		s.apiFail(c, err)
		return
	}
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	r := tracker.Recommendation{SourceID: d.Source.ID}
	errs := req.apply(&r, orgs)
	if req.DeadlineText != nil {
		r.DeadlineText = strings.TrimSpace(*req.DeadlineText)
	}
	if req.DeadlineDate != nil {
		r.DeadlineDate = apiDate(*req.DeadlineDate, "deadline_date", errs)
	}
	r.SettleNew(d.Source.Date, s.now())
	if err := request.WithDomainErrors(errs, r.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	created, err := s.cmds(c).CreateRecommendation(ctx, r)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	cur, err := s.store.RecommendationDetail(ctx, created.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	apiCreated(c, "/recommendations/"+request.IDString(created.ID), recommendationDTOOf(cur.Recommendation, cur.Source))
}

func (s *Server) apiUpdateRecommendation(c *gin.Context) {
	d, ok := s.apiRecommendationFor(c)
	if !ok {
		return
	}
	id, ctx := d.Recommendation.ID, c.Request.Context()
	var req recommendationRequest
	if !apiBind(c, &req) {
		return
	}
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	r := d.Recommendation
	errs := req.apply(&r, orgs)
	apiNeedVersion(req.Version, "recommendation", errs)
	if req.SourceID != nil && *req.SourceID != r.SourceID {
		errs["source_id"] = "A recommendation stays with the source that made it"
	}
	if req.DeadlineText != nil || req.DeadlineDate != nil {
		errs["deadline_date"] = "The deadline moves with a reason (POST /api/v1/recommendations/{id}/deadline), so that slippage stays visible"
	}
	r.Version = req.Version
	if err := request.WithDomainErrors(errs, r.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	_, err = s.cmds(c).UpdateRecommendation(ctx, r)
	s.apiRecommendationSaved(c, id, err)
}

type responseDTO struct {
	ID               int64   `json:"id"`
	RecommendationID int64   `json:"recommendation_id"`
	OrganisationID   int64   `json:"organisation_id"`
	Organisation     orgDTO  `json:"organisation"`
	Revision         int     `json:"revision"`
	Position         string  `json:"position"`
	Text             string  `json:"text"`
	Author           string  `json:"author"`
	Date             *string `json:"date"`
	DateText         string  `json:"date_text"`
}

func responseDTOOf(r tracker.Response) responseDTO {
	return responseDTO{ID: r.ID, RecommendationID: r.RecommendationID, OrganisationID: r.OrganisationID, Organisation: orgDTOOf(r.Organisation),
		Revision: r.Revision, Position: r.Position, Text: r.Text, Author: r.Author, Date: dateString(r.Date), DateText: r.DateText}
}

// responseThreadDTO is one addressee's response: the current revision and
// the earlier ones, newest first.
type responseThreadDTO struct {
	OrganisationID int64         `json:"organisation_id"`
	Organisation   orgDTO        `json:"organisation"`
	Current        responseDTO   `json:"current"`
	Earlier        []responseDTO `json:"earlier"`
}

func responseThreadDTOOf(t tracker.ResponseThread) responseThreadDTO {
	d := responseThreadDTO{OrganisationID: t.Current.OrganisationID, Organisation: orgDTOOf(t.Current.Organisation),
		Current: responseDTOOf(t.Current), Earlier: []responseDTO{}}
	for _, r := range t.Earlier {
		d.Earlier = append(d.Earlier, responseDTOOf(r))
	}
	return d
}

func (s *Server) apiResponses(c *gin.Context) {
	d, ok := s.apiRecommendationRead(c)
	if !ok {
		return
	}
	page := apiPage(c)
	out := listDTO[responseThreadDTO]{Items: []responseThreadDTO{}, Total: int64(len(d.Responses)), Page: page.Number, PerPage: page.Size}
	for _, t := range pageOfSlice(d.Responses, page) {
		out.Items = append(out.Items, responseThreadDTOOf(t))
	}
	c.JSON(http.StatusOK, out)
}

// responseRequest is a new revision of an addressee's response. Revision
// is the current revision the client read (0 when there was none); a
// different current revision is a 409.
type responseRequest struct {
	Revision       int    `json:"revision"`
	OrganisationID int64  `json:"organisation_id"`
	Position       string `json:"position"`
	Text           string `json:"text"`
	Author         string `json:"author"`
	Date           string `json:"date"`
	DateText       string `json:"date_text"`
}

func (s *Server) apiCreateResponse(c *gin.Context) {
	d, ok := s.apiRecommendationRead(c)
	if !ok {
		return
	}
	id, ctx := d.Recommendation.ID, c.Request.Context()
	allowed := request.User(c).ActionOrganisations(d.Recommendation)
	if len(allowed) == 0 {
		s.apiFail(c, tracker.ErrForbidden)
		return
	}
	var req responseRequest
	if !apiBind(c, &req) {
		return
	}
	errs := map[string]string{}
	r := tracker.Response{RecommendationID: id, OrganisationID: req.OrganisationID, Position: req.Position,
		Text: strings.TrimSpace(req.Text), Author: strings.TrimSpace(req.Author), DateText: strings.TrimSpace(req.DateText)}
	mine := false
	for _, o := range allowed {
		mine = mine || o.ID == req.OrganisationID
	}
	if !mine {
		errs["organisation_id"] = "Choose an addressee of the recommendation whose responses you may write"
	}
	if r.Text == "" {
		errs["text"] = "Enter the response, for example the steps being taken"
	}
	if !request.ValidOption(tracker.Positions, req.Position) {
		errs["position"] = "Choose whether the recommendation is accepted: " + strings.Join(enum(tracker.Positions), ", ")
	}
	if strings.TrimSpace(req.Date) == "" {
		errs["date"] = "Enter the date of the response"
	} else {
		r.Date = apiDate(req.Date, "date", errs)
	}
	if req.Revision < 0 {
		errs["revision"] = "Send the revision of the response you read, or 0 when there was none"
	}
	if err := request.WithDomainErrors(errs, r.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	created, err := s.cmds(c).ReviseResponse(ctx, r, req.Revision)
	if errors.Is(err, tracker.ErrConflict) {
		fresh, ferr := s.store.RecommendationDetail(ctx, id)
		if ferr != nil {
			s.apiFail(c, ferr)
			return
		}
		for _, t := range fresh.Responses {
			if t.Current.OrganisationID == r.OrganisationID {
				apiConflict(c, "response", responseThreadDTOOf(t))
				return
			}
		}
		apiConflict(c, "response", nil)
		return
	}
	if err != nil {
		s.apiFail(c, err)
		return
	}
	fresh, err := s.store.RecommendationDetail(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	for _, t := range fresh.Responses {
		if t.Current.ID == created.ID {
			apiCreated(c, "/recommendations/"+request.IDString(id)+"/responses", responseDTOOf(t.Current))
			return
		}
	}
	apiCreated(c, "/recommendations/"+request.IDString(id)+"/responses", responseDTOOf(created))
}

type recommendationDTO struct {
	ID           int64          `json:"id"`
	SourceID     int64          `json:"source_id"`
	SourceTitle  string         `json:"source_title"`
	Number       string         `json:"number"`
	Title        string         `json:"title"`
	Text         string         `json:"text"`
	Addressees   []addresseeDTO `json:"addressees"`
	DeadlineText string         `json:"deadline_text"`
	DeadlineDate *string        `json:"deadline_date"`
	Themes       []string       `json:"themes"`
	Status       string         `json:"status"`
	Assessment   string         `json:"assessment"`
	// AssessmentNote is the overseer's note on the assessment.
	AssessmentNote string `json:"assessment_note"`
	Version        int    `json:"version"`
}

func recommendationDTOOf(r tracker.Recommendation, src tracker.Source) recommendationDTO {
	d := recommendationDTO{ID: r.ID, SourceID: r.SourceID, SourceTitle: src.Title, Number: r.Number, Title: r.Title, Text: r.Text,
		DeadlineText: r.DeadlineText, DeadlineDate: dateString(r.DeadlineDate), Themes: r.Themes, Status: r.Status,
		Assessment: r.Assessment, AssessmentNote: r.AssessmentNote, Version: r.Version, Addressees: []addresseeDTO{}}
	if d.Themes == nil {
		d.Themes = []string{}
	}
	for _, o := range r.Addressees {
		a := addresseeDTO{orgDTO: orgDTOOf(o), Status: r.OwnStatus(o.ID)}
		if st, ok := r.StatusOf(o.ID); ok {
			a.StatusDate, a.StatusVersion = dateString(st.StatusDate), st.Version
		}
		d.Addressees = append(d.Addressees, a)
	}
	return d
}

// addresseeDTO is an addressee of a recommendation with its own status:
// the status, the day it took effect and the version to send back when
// changing it.
type addresseeDTO struct {
	orgDTO
	Status        string  `json:"status"`
	StatusDate    *string `json:"status_date"`
	StatusVersion int     `json:"status_version"`
}

// addresseeStatusRequest changes one addressee's own status.
type addresseeStatusRequest struct {
	Version    int    `json:"version"`
	Status     string `json:"status"`
	StatusDate string `json:"status_date"`
}

// apiAddresseeStatus sets one addressee's own status of a recommendation,
// dated; the recommendation's overall status follows by the written rule
// (tracker.DerivedStatus). The same command as the page's form.
func (s *Server) apiAddresseeStatus(c *gin.Context) {
	d, ok := s.apiRecommendationRead(c)
	if !ok {
		return
	}
	id, ctx := d.Recommendation.ID, c.Request.Context()
	org, err := request.AddresseeParam(c, d.Recommendation)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if err := s.cmds(c).MaySetAddresseeStatus(ctx, id, org); err != nil {
		s.apiFail(c, err)
		return
	}
	var req addresseeStatusRequest
	if !apiBind(c, &req) {
		return
	}
	errs := map[string]string{}
	apiNeedVersion(req.Version, "addressee's status (status_version)", errs)
	ch := tracker.AddresseeStatusChange{Status: req.Status, Version: req.Version, On: apiDate(req.StatusDate, "status_date", errs)}
	if len(errs) > 0 {
		apiInvalid(c, errs)
		return
	}
	s.apiRecommendationSaved(c, id, s.cmds(c).SetAddresseeStatus(ctx, id, org, ch))
}

func (s *Server) apiRecommendations(c *gin.Context) {
	var q request.RecommendationQuery
	if !apiBindQuery(c, &q) {
		return
	}
	page := apiPage(c)
	items, total, err := s.store.ListRecommendations(c.Request.Context(), tracker.RecommendationFilter{
		SourceID: q.Source, OrganisationID: q.Org, Status: q.Status, Overdue: q.Overdue, Outstanding: q.Open, ChangedSince: apiChangedSince(c),
		Today: s.today(), Page: page})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := listDTO[recommendationDTO]{Items: []recommendationDTO{}, Total: total, Page: page.Number, PerPage: page.Size}
	for _, it := range items {
		out.Items = append(out.Items, recommendationDTOOf(it.Recommendation, it.Source))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiRecommendation(c *gin.Context) {
	d, ok := s.apiRecommendationRead(c)
	if !ok {
		return
	}
	c.JSON(http.StatusOK, recommendationDTOOf(d.Recommendation, d.Source))
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

// apiRecommendationFor loads the recommendation of the URL and checks the
// token's account may change it; false means a response has been sent.
func (s *Server) apiRecommendationFor(c *gin.Context) (tracker.RecommendationDetail, bool) {
	d, ok := s.apiRecommendationRead(c)
	if !ok {
		return d, false
	}
	if err := s.cmds(c).MayChangeRecommendation(c.Request.Context(), d.Recommendation.ID); err != nil {
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

// apiRecommendationRead reads the recommendation the path names; false
// means the answer (404) has been sent.
func (s *Server) apiRecommendationRead(c *gin.Context) (tracker.RecommendationDetail, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return tracker.RecommendationDetail{}, false
	}
	d, err := s.store.RecommendationDetail(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return d, false
	}
	return d, true
}

package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
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
				errs["addressee_ids"] = "There is no organisation with the id " + idString(id) + "; GET /organisations lists them"
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
	if err := withDomainErrors(errs, r.Validate); err != nil {
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
	apiCreated(c, "/recommendations/"+idString(created.ID), recommendationDTOOf(cur.Recommendation, cur.Source))
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
	if err := withDomainErrors(errs, r.Validate); err != nil {
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
	id, err := idParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	d, err := s.store.RecommendationDetail(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
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
	id, err := idParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	ctx := c.Request.Context()
	d, err := s.store.RecommendationDetail(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	allowed := s.actionOrgs(c, d.Recommendation)
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
	if !validOption(tracker.Positions, req.Position) {
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
	if err := withDomainErrors(errs, r.Validate); err != nil {
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
			apiCreated(c, "/recommendations/"+idString(id)+"/responses", responseDTOOf(t.Current))
			return
		}
	}
	apiCreated(c, "/recommendations/"+idString(id)+"/responses", responseDTOOf(created))
}

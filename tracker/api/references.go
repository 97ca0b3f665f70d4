package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// References through the API.

type referenceDTO struct {
	ID                int64   `json:"id"`
	Number            string  `json:"number"`
	Title             string  `json:"title"`
	Heading           string  `json:"heading"`
	RequestedByID     int64   `json:"requested_by_id"`
	RequestedBy       orgDTO  `json:"requested_by"`
	RespondingOrgID   int64   `json:"responding_org_id"`
	RespondingOrg     orgDTO  `json:"responding_org"`
	DateRaised        *string `json:"date_raised"`
	DueDate           *string `json:"due_date"`
	RequestText       string  `json:"request_text"`
	Status            string  `json:"status"`
	SourceID          *int64  `json:"source_id"`
	RecommendationIDs []int64 `json:"recommendation_ids"`
	Version           int     `json:"version"`
}

func referenceDTOOf(r tracker.Reference, recIDs []int64) referenceDTO {
	d := referenceDTO{ID: r.ID, Number: r.Number, Title: r.Title, Heading: r.Heading(), RequestedByID: r.RequestedByID,
		RequestedBy: orgDTOOf(r.RequestedBy), RespondingOrgID: r.RespondingOrgID, RespondingOrg: orgDTOOf(r.RespondingOrg),
		DateRaised: dateString(r.DateRaised), DueDate: dateString(r.DueDate), RequestText: r.RequestText, Status: r.Status, SourceID: r.SourceID,
		RecommendationIDs: recIDs, Version: r.Version}
	if d.RecommendationIDs == nil {
		d.RecommendationIDs = []int64{}
	}
	return d
}

// referenceRequest is a new reference, or the fields of one to change; a
// field left out keeps its value. Reason is needed when the status changes
// to or from closed.
type referenceRequest struct {
	Version           int      `json:"version"`
	Number            *string  `json:"number"`
	Title             *string  `json:"title"`
	RequestedByID     *int64   `json:"requested_by_id"`
	RespondingOrgID   *int64   `json:"responding_org_id"`
	DateRaised        *string  `json:"date_raised"`
	DueDate           *string  `json:"due_date"`
	RequestText       *string  `json:"request_text"`
	Status            *string  `json:"status"`
	SourceID          *int64   `json:"source_id"`
	RecommendationIDs *[]int64 `json:"recommendation_ids"`
	Reason            string   `json:"reason"`
}

func (req referenceRequest) apply(r *tracker.Reference, recIDs *[]int64) map[string]string {
	errs := map[string]string{}
	setText(&r.Number, req.Number)
	setText(&r.Title, req.Title)
	if req.RequestedByID != nil {
		r.RequestedByID = *req.RequestedByID
	}
	if req.RespondingOrgID != nil {
		r.RespondingOrgID = *req.RespondingOrgID
	}
	if req.DateRaised != nil {
		r.DateRaised = apiDate(*req.DateRaised, "date_raised", errs)
	}
	if req.DueDate != nil {
		r.DueDate = apiDate(*req.DueDate, "due_date", errs)
	}
	if req.RequestText != nil {
		r.RequestText = *req.RequestText
	}
	if req.Status != nil {
		r.Status = *req.Status
	}
	if req.SourceID != nil {
		r.SourceID = nonZero(req.SourceID)
	}
	if req.RecommendationIDs != nil {
		*recIDs = *req.RecommendationIDs
	}
	return errs
}

// checkReferenceLinks reports ids of organisations, sources and
// recommendations that do not exist, at their fields.
func (s *Server) checkReferenceLinks(c *gin.Context, r tracker.Reference, recIDs []int64, errs map[string]string) error {
	ctx := c.Request.Context()
	for field, id := range map[string]int64{"requested_by_id": r.RequestedByID, "responding_org_id": r.RespondingOrgID} {
		if id == 0 {
			continue
		}
		if _, err := s.store.Organisation(ctx, id); isNotFound(err) {
			errs[field] = "There is no organisation with this id; GET /organisations lists them"
		} else if err != nil {
			return err
		}
	}
	if r.SourceID != nil {
		if _, err := s.store.Source(ctx, *r.SourceID); isNotFound(err) {
			errs["source_id"] = "There is no source with this id"
		} else if err != nil {
			return err
		}
	}
	if hasDuplicate(recIDs) {
		errs["recommendation_ids"] = "Name each recommendation once"
	}
	for _, id := range recIDs {
		if _, err := s.store.RecommendationDetail(ctx, id); isNotFound(err) {
			errs["recommendation_ids"] = "There is no recommendation with the id " + request.IDString(id)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// apiReferenceFilter reads the references list's filter; false means a
// 422 has been sent.
func apiReferenceFilter(c *gin.Context) (store.ReferenceFilter, bool) {
	q, ok := apiQueryIDs(c, "requested_by", "responding_org", "source")
	if !ok {
		return store.ReferenceFilter{}, false
	}
	status, ok := apiQueryOption(c, "status", tracker.ReferenceStatuses)
	if !ok {
		return store.ReferenceFilter{}, false
	}
	return store.ReferenceFilter{Status: status, RequestedByID: q["requested_by"], RespondingOrgID: q["responding_org"],
		SourceID: q["source"], Page: apiPage(c)}, true
}

func (s *Server) apiReferences(c *gin.Context) {
	f, ok := apiReferenceFilter(c)
	if !ok {
		return
	}
	refs, links, total, err := s.store.FilterReferences(c.Request.Context(), f)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := listDTO[referenceDTO]{Items: []referenceDTO{}, Total: total, Page: f.Page.Number, PerPage: f.Page.Size}
	for _, r := range refs {
		out.Items = append(out.Items, referenceDTOOf(r, links[r.ID]))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) referenceDTOByID(c *gin.Context, id int64) (referenceDTO, error) {
	d, err := s.store.ReferenceDetail(c.Request.Context(), id)
	if err != nil {
		return referenceDTO{}, err
	}
	return referenceDTOOf(d.Reference, d.RecommendationIDs()), nil
}

func (s *Server) apiReference(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	d, err := s.referenceDTOByID(c, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, d)
}

func (s *Server) apiCreateReference(c *gin.Context) {
	if err := s.cmds(c).MayCreateReferences(); err != nil {
		s.apiFail(c, err)
		return
	}
	var req referenceRequest
	if !apiBind(c, &req) {
		return
	}
	r := tracker.Reference{Status: tracker.RefAwaiting}
	var recIDs []int64
	errs := req.apply(&r, &recIDs)
	if err := s.checkReferenceLinks(c, r, recIDs, errs); err != nil {
		s.apiFail(c, err)
		return
	}
	if err := request.WithDomainErrors(errs, r.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	created, err := s.cmds(c).CreateReference(c.Request.Context(), r, recIDs)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	d, err := s.referenceDTOByID(c, created.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	apiCreated(c, "/references/"+request.IDString(created.ID), d)
}

func (s *Server) apiUpdateReference(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	ctx := c.Request.Context()
	d, err := s.store.ReferenceDetail(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if err := s.cmds(c).MayChangeReference(ctx, id); err != nil {
		s.apiFail(c, err)
		return
	}
	var req referenceRequest
	if !apiBind(c, &req) {
		return
	}
	r := d.Reference
	recIDs := d.RecommendationIDs()
	errs := req.apply(&r, &recIDs)
	apiNeedVersion(req.Version, "reference", errs)
	r.Version = req.Version
	if err := s.checkReferenceLinks(c, r, recIDs, errs); err != nil {
		s.apiFail(c, err)
		return
	}
	err = request.WithDomainErrors(errs, r.Validate)
	if err == nil {
		_, err = s.cmds(c).UpdateReference(ctx, r, recIDs, strings.TrimSpace(req.Reason))
	}
	current := func() (any, error) { return s.referenceDTOByID(c, id) }
	s.apiAnswerSaved(c, err, "reference", current)
}

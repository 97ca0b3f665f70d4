package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Measures and their values through the API.

type measureValueDTO struct {
	ID        int64   `json:"id"`
	Period    string  `json:"period"`
	PeriodEnd string  `json:"period_end"`
	Value     float64 `json:"value"`
	Note      string  `json:"note"`
}

type measureDTO struct {
	ID             int64             `json:"id"`
	OrganisationID int64             `json:"organisation_id"`
	Organisation   orgDTO            `json:"organisation"`
	SourceID       *int64            `json:"source_id"`
	Name           string            `json:"name"`
	Unit           string            `json:"unit"`
	Direction      string            `json:"direction"`
	Target         *float64          `json:"target"`
	TargetText     string            `json:"target_text"`
	TargetDate     *string           `json:"target_date"`
	Description    string            `json:"description"`
	Values         []measureValueDTO `json:"values"`
	Version        int               `json:"version"`
}

func measureDTOOf(m tracker.Measure) measureDTO {
	d := measureDTO{ID: m.ID, OrganisationID: m.OrganisationID, Organisation: orgDTOOf(m.Organisation), SourceID: m.SourceID,
		Name: m.Name, Unit: m.Unit, Direction: m.Direction, Target: m.Target, TargetText: m.TargetText,
		TargetDate: dateString(m.TargetDate), Description: m.Description, Values: []measureValueDTO{}, Version: m.Version}
	for _, v := range m.Values {
		d.Values = append(d.Values, measureValueDTO{ID: v.ID, Period: v.Period, PeriodEnd: v.PeriodEnd.Format("2006-01-02"), Value: v.Value, Note: v.Note})
	}
	return d
}

// measureRequest is a new measure, or the fields of one to change; a field
// left out keeps its value. Values are added and removed on their own.
type measureRequest struct {
	Version        int               `json:"version"`
	OrganisationID *int64            `json:"organisation_id"`
	SourceID       *int64            `json:"source_id"`
	Name           *string           `json:"name"`
	Unit           *string           `json:"unit"`
	Direction      *string           `json:"direction"`
	Target         nullable[float64] `json:"target"`
	TargetText     *string           `json:"target_text"`
	TargetDate     *string           `json:"target_date"`
	Description    *string           `json:"description"`
}

func (req measureRequest) apply(m *tracker.Measure) map[string]string {
	errs := map[string]string{}
	if req.OrganisationID != nil {
		m.OrganisationID = *req.OrganisationID
	}
	if req.SourceID != nil {
		m.SourceID = nonZero(req.SourceID)
	}
	setText(&m.Name, req.Name)
	setText(&m.Unit, req.Unit)
	setText(&m.Direction, req.Direction)
	req.Target.apply(&m.Target)
	setText(&m.TargetText, req.TargetText)
	if req.TargetDate != nil {
		m.TargetDate = apiDate(*req.TargetDate, "target_date", errs)
	}
	if req.Description != nil {
		m.Description = *req.Description
	}
	return errs
}

// checkMeasureLinks reports an organisation or source that does not
// exist, and a name the organisation already uses for another measure, at
// their fields.
func (s *Server) checkMeasureLinks(c *gin.Context, m tracker.Measure, errs map[string]string) error {
	ctx := c.Request.Context()
	if m.OrganisationID != 0 && m.Name != "" {
		same, _, err := s.store.FilterMeasures(ctx, store.MeasureFilter{OrganisationID: m.OrganisationID, Page: tracker.AllRows})
		if err != nil {
			return err
		}
		for _, o := range same {
			if o.ID != m.ID && strings.EqualFold(o.Name, m.Name) {
				errs["name"] = "This organisation already has a measure called " + o.Name
			}
		}
	}
	if m.OrganisationID != 0 {
		if _, err := s.store.Organisation(ctx, m.OrganisationID); isNotFound(err) {
			errs["organisation_id"] = "There is no organisation with this id; GET /organisations lists them"
		} else if err != nil {
			return err
		}
	}
	if m.SourceID != nil {
		if _, err := s.store.Source(ctx, *m.SourceID); isNotFound(err) {
			errs["source_id"] = "There is no source with this id"
		} else if err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) apiMeasures(c *gin.Context) {
	q, ok := apiQueryIDs(c, "org", "source")
	if !ok {
		return
	}
	f := store.MeasureFilter{OrganisationID: q["org"], SourceID: q["source"], Page: apiPage(c)}
	items, total, err := s.store.FilterMeasures(c.Request.Context(), f)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := listDTO[measureDTO]{Items: []measureDTO{}, Total: total, Page: f.Page.Number, PerPage: f.Page.Size}
	for _, m := range items {
		out.Items = append(out.Items, measureDTOOf(m))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiMeasure(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	m, err := s.store.Measure(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, measureDTOOf(m))
}

func (s *Server) apiCreateMeasure(c *gin.Context) {
	if err := s.cmds(c).MayCreate("measures"); err != nil {
		s.apiFail(c, err)
		return
	}
	var req measureRequest
	if !apiBind(c, &req) {
		return
	}
	m := tracker.Measure{Direction: tracker.HigherIsBetter}
	errs := req.apply(&m)
	if err := s.checkMeasureLinks(c, m, errs); err != nil {
		s.apiFail(c, err)
		return
	}
	if err := request.WithDomainErrors(errs, m.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	created, err := s.cmds(c).CreateMeasure(c.Request.Context(), m)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	cur, err := s.store.Measure(c.Request.Context(), created.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	apiCreated(c, "/measures/"+request.IDString(created.ID), measureDTOOf(cur))
}

// measureOf loads the measure of the path and checks the person may do
// this to it; false means a response has been sent.
func (s *Server) apiMeasureFor(c *gin.Context, may func(store.Commands, context.Context, int64) error) (tracker.Measure, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return tracker.Measure{}, false
	}
	m, err := s.store.Measure(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return m, false
	}
	if err := may(s.cmds(c), c.Request.Context(), id); err != nil {
		s.apiFail(c, err)
		return m, false
	}
	return m, true
}

func (s *Server) measureCurrent(c *gin.Context, id int64) func() (any, error) {
	return func() (any, error) {
		m, err := s.store.Measure(c.Request.Context(), id)
		return measureDTOOf(m), err
	}
}

func (s *Server) apiUpdateMeasure(c *gin.Context) {
	cur, ok := s.apiMeasureFor(c, store.Commands.MayChangeMeasure)
	if !ok {
		return
	}
	var req measureRequest
	if !apiBind(c, &req) {
		return
	}
	m := cur
	m.Values = nil
	errs := req.apply(&m)
	apiNeedVersion(req.Version, "measure", errs)
	m.Version = req.Version
	if err := s.checkMeasureLinks(c, m, errs); err != nil {
		s.apiFail(c, err)
		return
	}
	err := request.WithDomainErrors(errs, m.Validate)
	if err == nil {
		_, err = s.cmds(c).UpdateMeasure(c.Request.Context(), m)
	}
	current := s.measureCurrent(c, cur.ID)
	s.apiAnswerSaved(c, err, "measure", current)
}

// measureValueRequest is a measure's value for one period, with the
// measure's version as read.
type measureValueRequest struct {
	Version   int      `json:"version"`
	Period    string   `json:"period"`
	PeriodEnd string   `json:"period_end"`
	Value     *float64 `json:"value"`
	Note      string   `json:"note"`
}

func (s *Server) apiAddMeasureValue(c *gin.Context) {
	m, ok := s.apiMeasureFor(c, store.Commands.MayRecordMeasureValue)
	if !ok {
		return
	}
	var req measureValueRequest
	if !apiBind(c, &req) {
		return
	}
	errs := map[string]string{}
	apiNeedVersion(req.Version, "measure", errs)
	v := tracker.MeasureValue{Period: strings.TrimSpace(req.Period), Note: req.Note}
	if req.Value == nil {
		errs["value"] = "Enter the value, like 76"
	} else {
		v.Value = *req.Value
	}
	if strings.TrimSpace(req.PeriodEnd) == "" {
		errs["period_end"] = "Enter the date the period ends"
	} else if d := apiDate(req.PeriodEnd, "period_end", errs); d != nil {
		v.PeriodEnd = *d
	}
	if strings.TrimSpace(req.Period) == "" {
		errs["period"] = "Enter the period the value is for, like “2012/13” or “Q1 2013”"
	}
	if len(errs) > 0 {
		apiInvalid(c, errs)
		return
	}
	_, err := s.cmds(c).AddMeasureValue(c.Request.Context(), m.ID, req.Version, v)
	current := s.measureCurrent(c, m.ID)
	if !s.apiSaved(c, err, "measure", current) {
		return
	}
	now, err := current()
	if err != nil {
		s.apiFail(c, err)
		return
	}
	apiCreated(c, "/measures/"+request.IDString(m.ID), now)
}

func (s *Server) apiRemoveMeasureValue(c *gin.Context) {
	m, ok := s.apiMeasureFor(c, store.Commands.MayRecordMeasureValue)
	if !ok {
		return
	}
	valueID, err := strconv.ParseInt(c.Param("value"), 10, 64)
	if err != nil {
		s.apiFail(c, tracker.ErrNotFound)
		return
	}
	version := versionQuery(c)
	if version < 1 {
		apiInvalid(c, map[string]string{"version": "Send the version of the measure you read, as ?version="})
		return
	}
	err = s.cmds(c).RemoveMeasureValue(c.Request.Context(), m.ID, version, valueID)
	current := s.measureCurrent(c, m.ID)
	s.apiAnswerSaved(c, err, "measure", current)
}

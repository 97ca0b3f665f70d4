package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type measureListPage struct {
	Layout
	Measures []tracker.Measure
	Pager    Pager
}

func (s *Server) measureList(c *gin.Context) {
	page := s.pageOf(c)
	ms, total, err := s.store.ListMeasures(c.Request.Context(), page)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageMeasures, &measureListPage{
		Layout:   Layout{Title: "Measures", Section: "measures"},
		Measures: ms, Pager: newPager(c.Request.URL, page, total, "measure", "measures"),
	})
}

type measurePage struct {
	Layout
	Measure   tracker.Measure
	CanEdit   bool
	CanRecord bool
	Value     valueForm
	Errors    map[string]string
	Conflict  bool
	History   []HistoryRow
}

// valueForm is a measure's value as posted.
type valueForm struct {
	Version   int    `form:"version"`
	Period    string `form:"period"`
	PeriodEnd string `form:"period_end"`
	Value     string `form:"value"`
	Note      string `form:"note"`
}

var valueFieldOrder = []string{"period", "period_end", "value", "note"}

func (s *Server) measureShow(c *gin.Context) {
	m, ok := s.measureFor(c)
	if ok {
		s.showMeasure(c, http.StatusOK, m, valueForm{Version: m.Version}, nil, false)
	}
}

func (s *Server) showMeasure(c *gin.Context, status int, m tracker.Measure, f valueForm, errs map[string]string, conflict bool) {
	u := request.User(c)
	p := &measurePage{
		Layout:  Layout{Title: m.Name, Section: "measures", Breadcrumbs: []Crumb{{"Measures", "/measures"}}},
		Measure: m, CanEdit: u.CanEditMeasure(m.OrganisationID), CanRecord: u.CanRecordMeasureValue(m.OrganisationID),
		Value: f, Errors: errs, Conflict: conflict,
	}
	p.Value.Version = m.Version
	p.ErrorSummary = errorList(errs, valueFieldOrder)
	events, err := s.store.History(c.Request.Context(), store.EntityMeasure, m.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.History = s.historyRows(c, events)
	s.render(c, status, pageMeasure, p)
}

func (s *Server) measureAddValue(c *gin.Context) {
	m, ok := s.measureFor(c)
	if !ok {
		return
	}
	if err := s.cmds(c).MayRecordMeasureValue(c.Request.Context(), m.ID); err != nil {
		s.fail(c, err)
		return
	}
	var f valueForm
	errs := request.BindForm(c, &f)
	vals := url.Values{"value": {f.Value}, "period_end": {f.PeriodEnd}}
	v := tracker.MeasureValue{Period: strings.TrimSpace(f.Period), Note: f.Note}
	if n := formNumber(vals, "value", "the value", errs); n != nil {
		v.Value = *n
	} else if errs["value"] == "" {
		errs["value"] = "Enter the value, like 76"
	}
	if d := formDate(vals, "period_end", "the date the period ends", errs); d != nil {
		v.PeriodEnd = *d
	}
	var err error
	if len(errs) > 0 {
		err = &tracker.ValidationError{Fields: errs}
	} else {
		_, err = s.cmds(c).AddMeasureValue(c.Request.Context(), m.ID, f.Version, v)
	}
	s.afterValueChange(c, m, f, err, savedMeasureValue)
}

func (s *Server) measureRemoveValue(c *gin.Context) {
	m, ok := s.measureFor(c)
	if !ok {
		return
	}
	if err := s.cmds(c).MayRecordMeasureValue(c.Request.Context(), m.ID); err != nil {
		s.fail(c, err)
		return
	}
	valueID, err := strconv.ParseInt(c.Param("value"), 10, 64)
	if err != nil {
		s.notFound(c)
		return
	}
	errs := map[string]string{}
	version := formVersion(c, errs)
	if err = request.WithDomainErrors(errs, func() error { return nil }); err == nil {
		err = s.cmds(c).RemoveMeasureValue(c.Request.Context(), m.ID, version, valueID)
	}
	s.afterValueChange(c, m, valueForm{}, err, savedValueRemoved)
}

func (s *Server) afterValueChange(c *gin.Context, m tracker.Measure, f valueForm, err error, what string) {
	var invalid *tracker.ValidationError
	switch {
	case err == nil:
		s.saved(c, "/measures/"+request.IDString(m.ID), what)
	case errors.As(err, &invalid):
		s.showMeasure(c, http.StatusUnprocessableEntity, m, f, invalid.Fields, false)
	case errors.Is(err, tracker.ErrConflict):
		s.showMeasure(c, http.StatusConflict, m, f, nil, true)
	default:
		s.fail(c, err)
	}
}

package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Organisations and sources through the API.

type sourceDTO struct {
	ID         int64    `json:"id"`
	Kind       string   `json:"kind"`
	Title      string   `json:"title"`
	IssuedByID int64    `json:"issued_by_id"`
	IssuedBy   orgDTO   `json:"issued_by"`
	Date       *string  `json:"date"`
	DateText   string   `json:"date_text"`
	Reference  string   `json:"reference"`
	URL        string   `json:"url"`
	Publisher  string   `json:"publisher"`
	Pages      int      `json:"pages"`
	Summary    string   `json:"summary"`
	Keywords   []string `json:"keywords"`
	Version    int      `json:"version"`
}

func sourceDTOOf(src tracker.Source) sourceDTO {
	d := sourceDTO{ID: src.ID, Kind: src.Kind, Title: src.Title, IssuedByID: src.IssuedByID, IssuedBy: orgDTOOf(src.IssuedBy),
		Date: dateString(src.Date), DateText: src.DateText, Reference: src.Reference, URL: src.URL, Publisher: src.Publisher,
		Pages: src.Pages, Summary: src.Summary, Keywords: src.Keywords, Version: src.Version}
	if d.Keywords == nil {
		d.Keywords = []string{}
	}
	return d
}

// sourceRequest is a new source, or the fields of one to change; a field
// left out keeps its value.
type sourceRequest struct {
	Version    int       `json:"version"`
	Kind       *string   `json:"kind"`
	Title      *string   `json:"title"`
	IssuedByID *int64    `json:"issued_by_id"`
	Date       *string   `json:"date"`
	DateText   *string   `json:"date_text"`
	Reference  *string   `json:"reference"`
	URL        *string   `json:"url"`
	Publisher  *string   `json:"publisher"`
	Pages      *int      `json:"pages"`
	Summary    *string   `json:"summary"`
	Keywords   *[]string `json:"keywords"`
}

// apply writes the request's fields over src and checks their syntax.
func (r sourceRequest) apply(src *tracker.Source) map[string]string {
	errs := map[string]string{}
	setText(&src.Kind, r.Kind)
	setText(&src.Title, r.Title)
	if r.IssuedByID != nil {
		src.IssuedByID = *r.IssuedByID
	}
	if r.Date != nil {
		src.Date = apiDate(*r.Date, "date", errs)
	}
	setText(&src.DateText, r.DateText)
	setText(&src.Reference, r.Reference)
	setText(&src.URL, r.URL)
	setText(&src.Publisher, r.Publisher)
	if r.Pages != nil {
		src.Pages = *r.Pages
	}
	if r.Summary != nil {
		src.Summary = *r.Summary
	}
	if r.Keywords != nil {
		src.Keywords = nil
		for _, k := range *r.Keywords {
			if k = strings.TrimSpace(k); k != "" {
				src.Keywords = append(src.Keywords, k)
			}
		}
	}
	if src.URL != "" {
		if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs["url"] = "Enter a web address starting with https://"
		}
	}
	return errs
}

// setText sets a trimmed text field when the request has it.
func setText(dst *string, v *string) {
	if v != nil {
		*dst = strings.TrimSpace(*v)
	}
}

// apiSourceFilter reads the sources list's filter; false means a 422 has
// been sent.
func apiSourceFilter(c *gin.Context) (store.SourceFilter, bool) {
	q, ok := apiQueryIDs(c, "issued_by")
	if !ok {
		return store.SourceFilter{}, false
	}
	kind, ok := apiQueryOption(c, "kind", tracker.SourceKinds)
	if !ok {
		return store.SourceFilter{}, false
	}
	return store.SourceFilter{IssuedByID: q["issued_by"], Kind: kind, Title: strings.TrimSpace(c.Query("title")), Page: apiPage(c)}, true
}

func (s *Server) apiSources(c *gin.Context) {
	f, ok := apiSourceFilter(c)
	if !ok {
		return
	}
	items, total, err := s.store.FilterSources(c.Request.Context(), f)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := listDTO[sourceDTO]{Items: []sourceDTO{}, Total: total, Page: f.Page.Number, PerPage: f.Page.Size}
	for _, src := range items {
		out.Items = append(out.Items, sourceDTOOf(src))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiSource(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	src, err := s.store.Source(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, sourceDTOOf(src))
}

func (s *Server) apiCreateSource(c *gin.Context) {
	if err := s.cmds(c).MayCreateSource(); err != nil {
		s.apiFail(c, err)
		return
	}
	var req sourceRequest
	if !apiBind(c, &req) {
		return
	}
	ctx := c.Request.Context()
	var src tracker.Source
	errs := req.apply(&src)
	if err := request.WithDomainErrors(errs, src.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	if _, err := s.store.Organisation(ctx, src.IssuedByID); err != nil {
		s.apiFail(c, unknownOrg("issued_by", err))
		return
	}
	created, err := s.cmds(c).CreateSource(ctx, src)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	cur, err := s.store.Source(ctx, created.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	apiCreated(c, "/sources/"+request.IDString(cur.ID), sourceDTOOf(cur))
}

// unknownOrg turns a missing organisation into a message at its field.
func unknownOrg(field string, err error) error {
	if isNotFound(err) {
		return &tracker.ValidationError{Fields: map[string]string{field: "There is no organisation with this id; GET /organisations lists them"}}
	}
	return err
}

func (s *Server) apiUpdateSource(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	ctx := c.Request.Context()
	d, err := s.store.SourceDetail(ctx, id, s.today())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if err := s.cmds(c).MayChangeSource(ctx, id); err != nil {
		s.apiFail(c, err)
		return
	}
	var req sourceRequest
	if !apiBind(c, &req) {
		return
	}
	src := d.Source
	errs := req.apply(&src)
	apiNeedVersion(req.Version, "source", errs)
	src.Version = req.Version
	if err := request.WithDomainErrors(errs, src.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	if src.IssuedByID != d.Source.IssuedByID {
		if _, err := s.store.Organisation(ctx, src.IssuedByID); err != nil {
			s.apiFail(c, unknownOrg("issued_by", err))
			return
		}
	}
	_, err = s.cmds(c).UpdateSource(ctx, src)
	current := func() (any, error) {
		cur, err := s.store.Source(ctx, id)
		return sourceDTOOf(cur), err
	}
	s.apiAnswerSaved(c, err, "source", current)
}

// versionQuery reads ?version= for a delete; 0 when missing.
func versionQuery(c *gin.Context) int {
	v, _ := strconv.Atoi(c.Query("version"))
	return v
}

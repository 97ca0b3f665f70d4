package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

const apiPrefix = "/api/v1"

// bearer authenticates API requests with "Authorization: Bearer <token>".
func (s *Server) bearer() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="tracker"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, apiError{Error: "Send an API token as Authorization: Bearer <token>. Create one on your account page or with tracker token create."})
			return
		}
		u, err := s.store.TokenUser(c.Request.Context(), strings.TrimSpace(token))
		if errors.Is(err, tracker.ErrNotFound) {
			c.Header("WWW-Authenticate", `Bearer realm="tracker", error="invalid_token"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, apiError{Error: "The API token is unknown or has been revoked."})
			return
		}
		if err != nil {
			s.apiFail(c, err)
			c.Abort()
			return
		}
		c.Set(ctxUser, &u)
		c.Header("Cache-Control", "no-store")
		c.Request = c.Request.WithContext(tracker.WithActor(c.Request.Context(), tracker.Actor{UserID: &u.ID, Name: u.Label(), Channel: tracker.ChannelAPI}))
		c.Next()
	}
}

type apiError struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

// apiFail maps errors to JSON the way fail maps them to pages.
func (s *Server) apiFail(c *gin.Context, err error) {
	var invalid *tracker.ValidationError
	var conflict *store.ConflictError
	switch {
	case errors.Is(err, tracker.ErrNotFound):
		c.JSON(http.StatusNotFound, apiError{Error: "Not found."})
	case errors.Is(err, tracker.ErrForbidden):
		reason := tracker.ReasonOf(err)
		if reason == "" {
			reason = "Your account does not allow this."
		}
		c.JSON(http.StatusForbidden, apiError{Error: reason})
	case errors.As(err, &conflict):
		c.JSON(http.StatusConflict, gin.H{"error": "The action changed after you read it; read it again and resend.", "current": actionDTOOf(conflict.Current)})
	case errors.As(err, &invalid):
		apiInvalid(c, invalid.Fields)
	case errors.Is(err, tracker.ErrConflict):
		c.JSON(http.StatusConflict, apiError{Error: "The item changed after you read it; read it again and resend with its current version."})
	default:
		s.log.Error("API request failed", "request_id", requestIDOf(c), "path", c.Request.URL.Path, "error", err)
		c.JSON(http.StatusInternalServerError, apiError{Error: "Something went wrong. Reference: " + requestIDOf(c)})
	}
}

// The API's JSON shapes: explicit, snake_case, dates as YYYY-MM-DD.

type orgDTO struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	ShortName string `json:"short_name,omitempty"`
}

type recommendationDTO struct {
	ID           int64    `json:"id"`
	SourceID     int64    `json:"source_id"`
	SourceTitle  string   `json:"source_title"`
	Number       string   `json:"number"`
	Title        string   `json:"title"`
	Text         string   `json:"text"`
	Addressees   []orgDTO `json:"addressees"`
	DeadlineText string   `json:"deadline_text"`
	DeadlineDate *string  `json:"deadline_date"`
	Themes       []string `json:"themes"`
	Status       string   `json:"status"`
	Assessment   string   `json:"assessment"`
	// AssessmentNote is the overseer's note on the assessment.
	AssessmentNote string `json:"assessment_note"`
	Version        int    `json:"version"`
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
	DueText          string      `json:"due_text"`
	DueDate          *string     `json:"due_date"`
	Status           string      `json:"status"`
	RAG              string      `json:"rag"`
	CompletedOn      *string     `json:"completed_on"`
	Version          int         `json:"version"`
	Updates          []updateDTO `json:"updates"`
}

type listDTO[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format("2006-01-02")
	return &s
}

func orgDTOOf(o tracker.Organisation) orgDTO {
	return orgDTO{ID: o.ID, Name: o.Name, ShortName: o.ShortName}
}

func recommendationDTOOf(r tracker.Recommendation, src tracker.Source) recommendationDTO {
	d := recommendationDTO{ID: r.ID, SourceID: r.SourceID, SourceTitle: src.Title, Number: r.Number, Title: r.Title, Text: r.Text,
		DeadlineText: r.DeadlineText, DeadlineDate: dateString(r.DeadlineDate), Themes: r.Themes, Status: r.Status,
		Assessment: r.Assessment, AssessmentNote: r.AssessmentNote, Version: r.Version, Addressees: []orgDTO{}}
	if d.Themes == nil {
		d.Themes = []string{}
	}
	for _, o := range r.Addressees {
		d.Addressees = append(d.Addressees, orgDTOOf(o))
	}
	return d
}

func actionDTOOf(it tracker.ActionItem) actionDTO {
	a := it.Action
	d := actionDTO{ID: a.ID, Organisation: orgDTOOf(a.Organisation), SourceID: a.SourceID, RecommendationID: a.RecommendationID,
		ReferenceID: a.ReferenceID, Description: a.Description, Owner: a.Owner, OwnerUnit: a.OwnerUnit, DueText: a.DueText,
		DueDate: dateString(a.DueDate), Status: a.Status, RAG: a.RAG, CompletedOn: dateString(a.CompletedOn), Version: a.Version,
		Updates: []updateDTO{}}
	for _, u := range it.Updates {
		d.Updates = append(d.Updates, updateDTO{ID: u.ID, Date: u.Date.Format("2006-01-02"), Author: u.Author, Text: u.Text})
	}
	return d
}

// maxPageNumber is the highest page number a list takes: far past the end
// of any list, and small enough that its offset cannot overflow.
const maxPageNumber = 1_000_000

// apiCheckPage answers 422 when ?page= is not a page number, so that no
// list wraps to page 1 or overflows; apiPage can then trust it.
func apiCheckPage() gin.HandlerFunc {
	return func(c *gin.Context) {
		if v, ok := c.GetQuery("page"); ok && v != "" {
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > maxPageNumber {
				msg := fmt.Sprintf("Send page as a whole number from 1 to %d, not %q", maxPageNumber, v)
				c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiError{Error: msg + ".", Fields: map[string]string{"page": msg}})
				return
			}
		}
		c.Next()
	}
}

// apiPage reads page and per_page (at most 200).
func apiPage(c *gin.Context) tracker.Page {
	n, _ := strconv.Atoi(c.Query("page"))
	size, _ := strconv.Atoi(c.Query("per_page"))
	if n < 1 {
		n = 1
	}
	if size < 1 || size > 200 {
		size = 50
	}
	return tracker.Page{Number: n, Size: size}
}

func (s *Server) apiRecommendations(c *gin.Context) {
	var q recommendationQuery
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
	c.JSON(http.StatusOK, recommendationDTOOf(d.Recommendation, d.Source))
}

func (s *Server) apiActions(c *gin.Context) {
	var q actionQuery
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
	owner, none := ownerFilter(q.Owner)
	items, total, err := s.store.ListActions(c.Request.Context(), tracker.ActionFilter{
		OrganisationID: q.Org, Owner: owner, NoOwner: none, Status: q.Status, Overdue: q.Overdue, Open: q.Open, DueWithinDays: q.DueWithin,
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
	f := updateForm{Version: req.Version, Date: req.Date, Text: req.Text, Status: req.Status, RAG: keepRAG}
	if req.RAG != nil {
		f.RAG = *req.RAG
	}
	ch, errs := s.checkUpdate(f)
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

package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

type actionPage struct {
	Layout
	Item      tracker.ActionItem
	History   []HistoryRow
	CanEdit   bool
	CanDelete bool
	Form      updateForm
	Errors    map[string]string
	// Conflict is the action as it stands now, when someone else changed
	// it after the form was opened; the person's own input is kept in Form.
	Conflict *tracker.ActionItem
	Statuses []tracker.Option
	RAGs     []tracker.Option
}

// updateForm is the progress update form as posted.
type updateForm struct {
	Version int    `form:"version"`
	Date    string `form:"date"`
	Text    string `form:"text"`
	Status  string `form:"status"`
	RAG     string `form:"rag"`
}

const keepRAG = "keep"

var updateFieldOrder = []string{"date", "text", "status", "rag"}

func (s *Server) actionShow(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	item, err := s.store.Action(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	form := updateForm{Version: item.Action.Version, Date: s.today().Format("2006-01-02"), RAG: keepRAG}
	s.showAction(c, http.StatusOK, item, form, nil, nil)
}

func (s *Server) showAction(c *gin.Context, status int, item tracker.ActionItem, form updateForm, errs map[string]string, conflict *tracker.ActionItem) {
	events, err := s.store.ActionHistory(c.Request.Context(), item.Action.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	u := CurrentUser(c)
	a := item.Action
	crumbs := []Crumb{{"Action log", "/actions"}}
	if a.RecommendationID != nil {
		crumbs = append(crumbs, Crumb{"Recommendation " + item.RecommendationNumber, "/recommendations/" + strconv.FormatInt(*a.RecommendationID, 10)})
	} else if a.ReferenceID != nil {
		crumbs = append(crumbs, Crumb{item.ReferenceHeading, "/references/" + strconv.FormatInt(*a.ReferenceID, 10)})
	}
	s.render(c, status, pageAction, &actionPage{
		Layout: Layout{Title: "Action: " + truncate(80, a.Description), Section: "actions", Breadcrumbs: crumbs,
			ErrorSummary: errorList(errs, updateFieldOrder)},
		Item: item, History: historyRows(events), CanEdit: u.CanEditAction(a.OrganisationID), CanDelete: u.CanDeleteAction(a.OrganisationID),
		Form: form, Errors: errs, Conflict: conflict, Statuses: tracker.ActionStatuses, RAGs: tracker.RAGs,
	})
}

// parseFormDate reads a date from a date input (2006-01-02) or as people
// type it (17/05/2022, 17 May 2022).
func parseFormDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02", "2/1/2006", "2 January 2006", "2 Jan 2006"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// checkUpdate checks the form's syntax and turns it into a change.
func (s *Server) checkUpdate(f updateForm) (store.ProgressChange, map[string]string) {
	errs := map[string]string{}
	ch := store.ProgressChange{Version: f.Version, Text: strings.TrimSpace(f.Text), Status: f.Status}
	d, ok := parseFormDate(f.Date)
	switch {
	case strings.TrimSpace(f.Date) == "":
		errs["date"] = "Enter the date of the update"
	case !ok:
		errs["date"] = "Enter the date as a real date, for example 17/05/2022"
	case d.After(s.today()):
		errs["date"] = "The date of the update cannot be in the future"
	}
	ch.Date = d
	if ch.Text == "" {
		errs["text"] = "Enter what has happened since the last update"
	}
	if f.Status != "" && !validOption(tracker.ActionStatuses, f.Status) {
		errs["status"] = "Choose a status from the list"
	}
	switch {
	case f.RAG == keepRAG:
	case validOption(tracker.RAGs, f.RAG):
		rag := f.RAG
		ch.RAG = &rag
	default:
		errs["rag"] = "Choose a RAG rating from the list"
	}
	return ch, errs
}

func (s *Server) actionPostUpdate(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	item, err := s.store.Action(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !CurrentUser(c).CanEditAction(item.Action.OrganisationID) {
		s.forbidden(c)
		return
	}
	var f updateForm
	_ = c.ShouldBind(&f)
	ch, errs := s.checkUpdate(f)
	if len(errs) > 0 {
		s.showAction(c, http.StatusUnprocessableEntity, item, f, errs, nil)
		return
	}
	err = s.store.PostUpdate(ctx, id, ch)
	var conflict *store.ConflictError
	var invalid *tracker.ValidationError
	switch {
	case errors.As(err, &conflict):
		cur := conflict.Current
		f.Version = cur.Action.Version
		s.showAction(c, http.StatusConflict, cur, f, map[string]string{
			"text": "Someone else changed this action after you opened it. Check their change below, then send your update again."}, &cur)
	case errors.As(err, &invalid):
		s.showAction(c, http.StatusUnprocessableEntity, item, f, invalid.Fields, nil)
	case err != nil:
		s.fail(c, err)
	default:
		c.Redirect(http.StatusSeeOther, "/actions/"+strconv.FormatInt(id, 10)+"#updates")
	}
}

func (s *Server) actionDelete(c *gin.Context) {
	id, err := idParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	item, err := s.store.Action(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if !CurrentUser(c).CanDeleteAction(item.Action.OrganisationID) {
		s.forbidden(c)
		return
	}
	version, _ := strconv.Atoi(c.PostForm("version"))
	err = s.store.DeleteAction(ctx, id, version)
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		cur := conflict.Current
		s.showAction(c, http.StatusConflict, cur, updateForm{Version: cur.Action.Version, Date: s.today().Format("2006-01-02"), RAG: keepRAG},
			map[string]string{"delete": "Someone else changed this action after you opened it. Check their change before deleting it."}, &cur)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/actions?deleted="+strconv.FormatInt(id, 10))
}

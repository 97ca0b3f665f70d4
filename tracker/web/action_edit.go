package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type actionPage struct {
	Layout
	Item      tracker.ActionItem
	History   []HistoryRow
	CanEdit   bool
	CanDelete bool
	Form      request.UpdateForm
	Errors    map[string]string
	// Conflict is the action as it stands now, when someone else changed
	// it after the form was opened; the person's own input is kept in Form.
	Conflict *tracker.ActionItem
	Statuses []tracker.Option
	RAGs     []tracker.Option
	// Move is the "move the due date" form as posted, with its errors.
	Move       moveForm
	MoveErrors map[string]string
	// OwnerAccount names the account the owner is linked to, if any.
	OwnerAccount string
}

// moveForm is the form that moves a deadline.
type moveForm struct {
	Version int    `form:"version"`
	Date    string `form:"new_date"`
	Text    string `form:"new_text"`
	Reason  string `form:"reason"`
}

var moveFieldOrder = []string{"new_date", "new_text", "reason"}

// checkMove reads the form's date; the store checks the rules.
func checkMove(f moveForm, today time.Time) (store.DeadlineMove, map[string]string) {
	m := store.DeadlineMove{Version: f.Version, NewText: f.Text, Reason: f.Reason, On: today}
	errs := map[string]string{}
	if strings.TrimSpace(f.Date) == "" {
		errs["new_date"] = "Enter the new due date"
	} else if d, ok := request.ParseFormDate(f.Date); !ok {
		errs["new_date"] = "Enter the new due date as a real date, for example 30/06/2013"
	} else {
		m.NewDate = d
	}
	if strings.TrimSpace(f.Reason) == "" {
		errs["reason"] = "Say why the date is moving, for example “hotline supplier delayed”"
	}
	return m, errs
}

func (s *Server) actionMoveDue(c *gin.Context) {
	item, ok := s.actionFor(c, store.Commands.MayChangeAction)
	if !ok {
		return
	}
	id, ctx := item.Action.ID, c.Request.Context()
	var f moveForm
	bad := request.BindForm(c, &f)
	form := request.UpdateForm{Version: item.Action.Version, Date: s.today().Format("2006-01-02"), RAG: request.KeepRAG}
	m, errs := checkMove(f, s.today())
	errs = request.MergeErrors(errs, bad)
	if len(errs) == 0 {
		err := s.cmds(c).MoveActionDue(ctx, id, m)
		var conflict *store.ConflictError
		var invalid *tracker.ValidationError
		switch {
		case errors.As(err, &conflict):
			cur := conflict.Current
			f.Version = cur.Action.Version
			s.showActionMove(c, http.StatusConflict, cur, form, f, map[string]string{
				"new_date": "Someone else changed this action after you opened it. Check the due date above, then move it again."}, &cur)
			return
		case errors.As(err, &invalid):
			errs = invalid.Fields
		case err != nil:
			s.fail(c, err)
			return
		default:
			s.saved(c, "/actions/"+strconv.FormatInt(id, 10)+"#due", savedDue)
			return
		}
	}
	s.showActionMove(c, http.StatusUnprocessableEntity, item, form, f, errs, nil)
}

func (s *Server) showActionMove(c *gin.Context, status int, item tracker.ActionItem, form request.UpdateForm, move moveForm, errs map[string]string, conflict *tracker.ActionItem) {
	s.showActionWith(c, status, item, form, nil, conflict, &move, errs)
}

var updateFieldOrder = []string{"date", "text", "status", "rag"}

func (s *Server) actionShow(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	item, err := s.store.Action(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	form := request.UpdateForm{Version: item.Action.Version, Date: s.today().Format("2006-01-02"), RAG: request.KeepRAG}
	s.showAction(c, http.StatusOK, item, form, nil, nil)
}

func (s *Server) showAction(c *gin.Context, status int, item tracker.ActionItem, form request.UpdateForm, errs map[string]string, conflict *tracker.ActionItem) {
	s.showActionWith(c, status, item, form, errs, conflict, nil, nil)
}

// showActionWith renders the action page with the update form and, when
// move is set, the "move the due date" form as posted with its errors.
func (s *Server) showActionWith(c *gin.Context, status int, item tracker.ActionItem, form request.UpdateForm, errs map[string]string, conflict *tracker.ActionItem, move *moveForm, moveErrs map[string]string) {
	events, err := s.store.ActionHistory(c.Request.Context(), item.Action.ID)
	if err != nil {
		s.fail(c, err)
		return
	}
	u := request.User(c)
	a := item.Action
	crumbs := []Crumb{{"Action log", "/actions"}}
	if a.RecommendationID != nil {
		crumbs = append(crumbs, Crumb{"Recommendation " + item.RecommendationNumber, "/recommendations/" + strconv.FormatInt(*a.RecommendationID, 10)})
	} else if a.ReferenceID != nil {
		crumbs = append(crumbs, Crumb{item.ReferenceHeading, "/references/" + strconv.FormatInt(*a.ReferenceID, 10)})
	}
	p := &actionPage{
		Layout: Layout{Title: "Action: " + truncate(80, a.Description), Section: "actions", Breadcrumbs: crumbs,
			ErrorSummary: errorList(errs, updateFieldOrder)},
		Item: item, History: s.historyRows(c, events, item.Revisions...), CanEdit: u.CanEditAction(a.OrganisationID), CanDelete: u.CanDeleteAction(a.OrganisationID),
		Form: form, Errors: errs, Conflict: conflict, Statuses: tracker.ActionStatuses, RAGs: tracker.RAGs,
		Move: moveForm{Version: a.Version},
	}
	if a.OwnerUserID != nil {
		owner, err := s.store.User(c.Request.Context(), *a.OwnerUserID)
		switch {
		case errors.Is(err, tracker.ErrNotFound):
			p.OwnerAccount = "An account that no longer exists"
		case err != nil:
			s.fail(c, err)
			return
		case owner.Name != "":
			p.OwnerAccount = owner.Name + " (" + owner.Email + ")"
		default:
			p.OwnerAccount = owner.Email
		}
	}
	if move != nil {
		p.Move, p.MoveErrors = *move, moveErrs
		p.ErrorSummary = errorList(moveErrs, moveFieldOrder)
	}
	s.render(c, status, pageAction, p)
}

func (s *Server) actionPostUpdate(c *gin.Context) {
	item, ok := s.actionFor(c, store.Commands.MayChangeAction)
	if !ok {
		return
	}
	id, ctx := item.Action.ID, c.Request.Context()
	var f request.UpdateForm
	bad := request.BindForm(c, &f)
	ch, errs := request.CheckUpdate(f, s.today())
	errs = request.MergeErrors(errs, bad)
	if len(errs) > 0 {
		s.showAction(c, http.StatusUnprocessableEntity, item, f, errs, nil)
		return
	}
	err := s.cmds(c).PostUpdate(ctx, id, ch)
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
		s.saved(c, "/actions/"+strconv.FormatInt(id, 10)+"#updates", savedUpdate)
	}
}

func (s *Server) actionDelete(c *gin.Context) {
	item, ok := s.actionFor(c, store.Commands.MayDeleteAction)
	if !ok {
		return
	}
	id, ctx := item.Action.ID, c.Request.Context()
	errs := map[string]string{}
	version := formVersion(c, errs)
	if len(errs) > 0 {
		s.showAction(c, http.StatusUnprocessableEntity, item, request.UpdateForm{Version: item.Action.Version, Date: s.today().Format("2006-01-02"), RAG: request.KeepRAG},
			map[string]string{"delete": versionGarbled}, nil)
		return
	}
	err := s.cmds(c).DeleteAction(ctx, id, version)
	var conflict *store.ConflictError
	if errors.As(err, &conflict) {
		cur := conflict.Current
		s.showAction(c, http.StatusConflict, cur, request.UpdateForm{Version: cur.Action.Version, Date: s.today().Format("2006-01-02"), RAG: request.KeepRAG},
			map[string]string{"delete": "Someone else changed this action after you opened it. Check their change before deleting it."}, &cur)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.saved(c, "/actions", savedActionDeleted)
}

// cmds are the commands of the person signed in: every write goes
// through them.
func (s *Server) cmds(c *gin.Context) store.Commands { return s.store.As(request.User(c)) }

// actionFor loads the action named in the path and asks the commands
// whether the person may do this to it; on failure it has already
// answered.
func (s *Server) actionFor(c *gin.Context, may func(store.Commands, context.Context, int64) error) (tracker.ActionItem, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.ActionItem{}, false
	}
	item, err := s.store.Action(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return item, false
	}
	if err := may(s.cmds(c), c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return item, false
	}
	return item, true
}

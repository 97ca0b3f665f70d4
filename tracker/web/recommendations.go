package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type recommendationListPage struct {
	Layout
	Items         []tracker.RecommendationItem
	Pager         Pager
	Organisations []tracker.Organisation
	Sources       []tracker.SourceSummary
	Statuses      []tracker.Option
	Filter        request.RecommendationQuery
	Filtered      bool
	// FilterErrors are the filter's values that could not be read, by
	// query parameter.
	FilterErrors filterErrors
	Sorts        map[string]string
	// ExportQuery carries the filter to the CSV and XLSX downloads.
	ExportQuery template.URL
}

// recommendationFilterOf reads the list's filter from the URL, for the
// page and its exports alike.
// A value that cannot be read filters nothing and is reported in errs,
// keyed by query parameter.
func recommendationFilterOf(c *gin.Context, today time.Time) (f tracker.RecommendationFilter, q request.RecommendationQuery, errs map[string]string) {
	errs = request.BindQuery(c, &q)
	if q.Since == "" {
		q.Since = request.ChangedSince(c)
	}
	if !request.ValidOption(tracker.RecommendationStatuses, q.Status) {
		q.Status = ""
	}
	since, sinceErr := request.SinceOf(q.Since)
	if sinceErr != "" {
		errs[request.ChangedSinceParam] = sinceErr
	}
	return tracker.RecommendationFilter{
		SourceID: q.Source, OrganisationID: q.Org, Status: q.Status, Overdue: q.Overdue, Outstanding: q.Open,
		Theme: strings.TrimSpace(q.Theme), ChangedSince: since, Sort: q.Sort, Today: today,
	}, q, errs
}

func (s *Server) recommendationList(c *gin.Context) {
	f, q, filterErrs := recommendationFilterOf(c, s.today())
	ctx := c.Request.Context()
	page := s.pageOf(c)
	f.Page = page
	items, total, err := s.store.ListRecommendations(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	sources, _, err := s.store.ListSources(ctx, tracker.AllRows, s.today())
	if err != nil {
		s.fail(c, err)
		return
	}
	exports := c.Request.URL.Query()
	exports.Del("page")
	s.render(c, http.StatusOK, pageRecommendations, &recommendationListPage{
		ExportQuery:  exportQuery(exports),
		Layout:       Layout{Title: "Recommendations", Section: "recommendations", ErrorSummary: filterSummary(filterErrs)},
		FilterErrors: filterErrs, Sorts: sortLinks(c.Request.URL, "number", "deadline", "status"),
		Items: items, Pager: newPager(c.Request.URL, page, total, "recommendation", "recommendations"),
		Organisations: orgs, Sources: sources, Statuses: tracker.RecommendationStatuses, Filter: q,
		Filtered: q != request.RecommendationQuery{Sort: q.Sort},
	})
}

type recommendationPage struct {
	Layout
	tracker.RecommendationDetail
	Overdue bool
	// Unanswered lists addressees with no response recorded.
	Unanswered []tracker.Organisation
	History    []HistoryRow
	CanEdit    bool
	Move       moveForm
	MoveErrors map[string]string
	// ActionOrgs are the addressees the person may add actions for.
	ActionOrgs []tracker.Organisation
	// Accounts are those an action's owner may be linked to.
	Accounts     []tracker.Option
	NewAction    newActionForm
	ActionErrors map[string]string
	Statuses     []tracker.Option
	RAGs         []tracker.Option
	// ResponseForms are the response forms the person may use, one per
	// addressee they answer for.
	ResponseForms []responseFormView
	Positions     []tracker.Option
	// Status is the status and assessment form, with its errors.
	Status       statusForm
	StatusErrors map[string]string
	RecStatuses  []tracker.Option
	Assessments  []tracker.Option
	// AddresseeStatuses are each addressee's own status, with a form for
	// those the person may set.
	AddresseeStatuses []addresseeStatusView
	// Following says whether the person follows the recommendation;
	// FollowError why their Follow button was refused.
	Following   bool
	FollowError string
}

// statusForm changes a recommendation's status and assessment.
type statusForm struct {
	Version        int    `form:"version"`
	Status         string `form:"status"`
	Assessment     string `form:"assessment"`
	AssessmentNote string `form:"assessment_note"`
	Reason         string `form:"reason"`
}

func (s *Server) recommendationChangeStatus(c *gin.Context) {
	d, ok := s.recommendationFor(c)
	if !ok {
		return
	}
	id, ctx := d.Recommendation.ID, c.Request.Context()
	if err := s.cmds(c).MayChangeRecommendation(ctx, id); err != nil {
		s.fail(c, err)
		return
	}
	var f statusForm
	var err error
	if bad := request.BindForm(c, &f); len(bad) > 0 {
		err = &tracker.ValidationError{Fields: bad}
	} else {
		err = s.cmds(c).ChangeRecommendation(ctx, id, store.RecommendationChange{Version: f.Version, Status: f.Status, Assessment: f.Assessment,
			AssessmentNote: f.AssessmentNote, Reason: f.Reason, On: s.today()})
	}
	var invalid *tracker.ValidationError
	switch {
	case errors.Is(err, tracker.ErrConflict):
		s.showRecommendation(c, http.StatusConflict, id, recForms{Status: &f, StatusErrors: map[string]string{
			"status": "Someone else changed this recommendation after you opened it. Its status and assessment now are as shown above; choose again."}})
	case errors.As(err, &invalid):
		s.showRecommendation(c, http.StatusUnprocessableEntity, id, recForms{Status: &f, StatusErrors: invalid.Fields})
	case err != nil:
		s.fail(c, err)
	default:
		s.saved(c, "/recommendations/"+strconv.FormatInt(id, 10), savedStatus)
	}
}

// responseForm is a management response as posted.
type responseForm struct {
	Organisation int64  `form:"organisation"`
	Revision     int    `form:"revision"`
	Position     string `form:"position"`
	Text         string `form:"text"`
	Author       string `form:"author"`
	Date         string `form:"date"`
}

// responseFormView is one addressee's response form with its errors.
type responseFormView struct {
	Org      tracker.Organisation
	Form     responseForm
	Errors   map[string]string
	Existing bool
	Conflict *tracker.Response
}

// recForms carries forms posted to a recommendation page back to it.
type recForms struct {
	Move         moveForm
	MoveErrors   map[string]string
	Action       newActionForm
	ActionErrors map[string]string
	Status       *statusForm
	StatusErrors map[string]string
	// Response is a posted response form to show again, for its organisation.
	Response       *responseForm
	ResponseErrors map[string]string
	Conflict       *tracker.Response
	// Addressee is a posted form of one addressee's status
	// (AddresseeOrg's), to show again with its errors.
	AddresseeOrg      int64
	Addressee         *addresseeStatusForm
	AddresseeErrors   map[string]string
	AddresseeConflict bool
	FollowError       string
}

// newActionForm adds an action under a recommendation.
type newActionForm struct {
	Organisation int64  `form:"organisation"`
	Description  string `form:"description"`
	Owner        string `form:"owner"`
	OwnerUserID  string `form:"owner_user_id"`
	OwnerEmail   string `form:"owner_email"`
	Unit         string `form:"owner_unit"`
	DueDate      string `form:"due_date"`
	DueText      string `form:"due_text"`
	Status       string `form:"status"`
	RAG          string `form:"rag"`
}

var actionFieldOrder = []string{"organisation", "description", "owner", "owner_user_id", "owner_email", "owner_unit", "due_date", "due_text", "status", "rag"}

// prefixed renames error fields to the ids of a form that appears more
// than once on a page.
func prefixed(errs map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range errs {
		out[prefix+k] = v
	}
	return out
}

// recommendationRespond stores an addressee's management response, or a
// new revision of it; earlier revisions are kept.
func (s *Server) recommendationRespond(c *gin.Context) {
	d, ok := s.recommendationFor(c)
	if !ok {
		return
	}
	id, ctx := d.Recommendation.ID, c.Request.Context()
	var f responseForm
	errs := request.MergeErrors(nil, request.BindForm(c, &f))
	r := tracker.Response{RecommendationID: id, OrganisationID: f.Organisation, Position: f.Position, Text: strings.TrimSpace(f.Text), Author: strings.TrimSpace(f.Author)}
	if r.Text == "" {
		errs["text"] = "Enter the response, for example the steps being taken"
	}
	if !request.ValidOption(tracker.Positions, f.Position) {
		errs["position"] = "Choose whether the recommendation is accepted"
	}
	if d, ok := request.ParseFormDate(f.Date); ok {
		r.Date = &d
	} else {
		errs["date"] = "Enter the date of the response, for example 17/05/2022"
	}
	if len(errs) > 0 {
		s.showRecommendation(c, http.StatusUnprocessableEntity, id, recForms{Response: &f, ResponseErrors: errs})
		return
	}
	_, err := s.cmds(c).ReviseResponse(ctx, r, f.Revision)
	if errors.Is(err, tracker.ErrConflict) {
		fresh, ferr := s.store.RecommendationDetail(ctx, id)
		if ferr != nil {
			s.fail(c, ferr)
			return
		}
		var theirs *tracker.Response
		for _, t := range fresh.Responses {
			if t.Current.OrganisationID == f.Organisation {
				cur := t.Current
				theirs = &cur
			}
		}
		s.showRecommendation(c, http.StatusConflict, id, recForms{Response: &f, Conflict: theirs,
			ResponseErrors: map[string]string{"text": "Someone else saved a response after you opened this page. Theirs is shown above your text; merge them, then save again."}})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.saved(c, "/recommendations/"+strconv.FormatInt(id, 10)+"#responses", savedResponse)
}

// recommendationAddAction adds an action to the log under a recommendation,
// for one of its addressees the person may act for.
func (s *Server) recommendationAddAction(c *gin.Context) {
	d, ok := s.recommendationFor(c)
	if !ok {
		return
	}
	id, ctx := d.Recommendation.ID, c.Request.Context()
	allowed := request.User(c).ActionOrganisations(d.Recommendation)
	if len(allowed) == 0 {
		s.forbidden(c)
		return
	}
	var f newActionForm
	errs := request.BindForm(c, &f)
	a := tracker.Action{RecommendationID: &id, Description: strings.TrimSpace(f.Description), Owner: strings.TrimSpace(f.Owner),
		OwnerUnit: strings.TrimSpace(f.Unit), DueText: strings.TrimSpace(f.DueText), Status: f.Status, RAG: f.RAG}
	if len(allowed) == 1 && f.Organisation == 0 {
		f.Organisation = allowed[0].ID
	}
	a.OrganisationID = f.Organisation
	a.OwnerUserID = formIDPtr(url.Values{"owner_user_id": {f.OwnerUserID}}, "owner_user_id", errs)
	a.OwnerEmail = strings.TrimSpace(f.OwnerEmail)
	if a.OrganisationID == 0 {
		errs["organisation"] = "Choose which addressee's action this is"
	}
	if a.Description == "" {
		errs["description"] = "Describe the action, for example “Create a hotline for Victim Support enquiries”"
	}
	switch due := strings.TrimSpace(f.DueDate); {
	case due != "":
		if d, ok := request.ParseFormDate(due); ok {
			a.DueDate = &d
		} else {
			errs["due_date"] = "Enter the due date as a real date, for example 30/06/2013"
		}
	}
	// Wording alone ("within two months") is read as from today.
	a.SettleNew(s.today())
	if err := a.Validate(); err != nil {
		var invalid *tracker.ValidationError
		if errors.As(err, &invalid) {
			for k, v := range invalid.Fields {
				if _, ok := errs[k]; !ok {
					errs[k] = v
				}
			}
		}
	}
	if len(errs) > 0 {
		s.showRecommendation(c, http.StatusUnprocessableEntity, id, recForms{Action: f, ActionErrors: errs})
		return
	}
	created, err := s.cmds(c).CreateAction(ctx, a)
	var invalid *tracker.ValidationError
	if errors.As(err, &invalid) {
		s.showRecommendation(c, http.StatusUnprocessableEntity, id, recForms{Action: f, ActionErrors: invalid.Fields})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.saved(c, "/actions/"+strconv.FormatInt(created.ID, 10), savedActionAdded)
}

func (s *Server) recommendationShow(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.showRecommendation(c, http.StatusOK, id, recForms{})
}

func (s *Server) recommendationMoveDeadline(c *gin.Context) {
	d, ok := s.recommendationFor(c)
	if !ok {
		return
	}
	id, ctx := d.Recommendation.ID, c.Request.Context()
	if err := s.cmds(c).MayChangeRecommendation(ctx, id); err != nil {
		s.fail(c, err)
		return
	}
	var f moveForm
	bad := request.BindForm(c, &f)
	m, errs := checkMove(f, s.today())
	errs = request.MergeErrors(errs, bad)
	if len(errs) == 0 {
		err := s.cmds(c).MoveRecommendationDeadline(ctx, id, m)
		var invalid *tracker.ValidationError
		switch {
		case errors.Is(err, tracker.ErrConflict):
			f.Version = d.Recommendation.Version
			s.showRecommendation(c, http.StatusConflict, id, recForms{Move: f, MoveErrors: map[string]string{
				"new_date": "Someone else changed this recommendation after you opened it. Check its deadline, then move it again."}})
			return
		case errors.As(err, &invalid):
			errs = invalid.Fields
		case err != nil:
			s.fail(c, err)
			return
		default:
			s.saved(c, "/recommendations/"+strconv.FormatInt(id, 10)+"#deadline", savedDeadline)
			return
		}
	}
	s.showRecommendation(c, http.StatusUnprocessableEntity, id, recForms{Move: f, MoveErrors: errs})
}

func (s *Server) showRecommendation(c *gin.Context, status int, id int64, forms recForms) {
	move, moveErrs := forms.Move, forms.MoveErrors
	d, err := s.store.RecommendationDetail(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if move.Version == 0 || status == http.StatusConflict {
		move.Version = d.Recommendation.Version
	}
	rights, err := s.cmds(c).RecommendationRights(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	p := &recommendationPage{
		CanEdit: rights.Change == nil, Move: move, MoveErrors: moveErrs,
		Layout: Layout{
			Title: "Recommendation " + d.Recommendation.Number, Section: "recommendations",
			Breadcrumbs: []Crumb{{"Sources", "/sources"}, {d.Source.Title, "/sources/" + strconv.FormatInt(d.Source.ID, 10)}},
		},
		RecommendationDetail: d,
		Overdue:              d.Recommendation.Overdue(s.today()),
		ActionOrgs:           request.User(c).ActionOrganisations(d.Recommendation),
		NewAction:            forms.Action,
		ActionErrors:         forms.ActionErrors,
		Statuses:             tracker.ActionStatuses,
		RAGs:                 tracker.RAGs,
	}
	events, err := s.store.History(c.Request.Context(), store.EntityRecommendation, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	p.History = s.historyRows(c, events, d.Revisions...)
	if len(p.ActionOrgs) > 0 {
		if p.Accounts, err = s.accountOptions(c, nil); err != nil {
			s.fail(c, err)
			return
		}
	}
	if p.Following, err = s.store.Following(c.Request.Context(), request.User(c).ID, id); err != nil {
		s.fail(c, err)
		return
	}
	p.FollowError = forms.FollowError
	answered := map[int64]bool{}
	for _, t := range d.Responses {
		answered[t.Current.OrganisationID] = true
	}
	for _, o := range d.Recommendation.Addressees {
		if !answered[o.ID] {
			p.Unanswered = append(p.Unanswered, o)
		}
	}
	p.ErrorSummary = errorList(moveErrs, moveFieldOrder)
	if p.FollowError != "" {
		p.ErrorSummary = []FieldError{{Field: "follow-button", Message: p.FollowError}}
	}
	if len(forms.ActionErrors) > 0 {
		p.ErrorSummary = errorList(forms.ActionErrors, actionFieldOrder)
	}
	p.Positions = tracker.Positions
	p.RecStatuses, p.Assessments = tracker.RecommendationStatuses, tracker.Assessments
	rec := d.Recommendation
	p.Status = statusForm{Version: rec.Version, Status: rec.Status, Assessment: rec.Assessment, AssessmentNote: rec.AssessmentNote}
	if forms.Status != nil {
		p.Status, p.StatusErrors = *forms.Status, forms.StatusErrors
		p.Status.Version = rec.Version
		p.ErrorSummary = errorList(prefixed(p.StatusErrors, "st-"), nil)
	}
	p.AddresseeStatuses = s.addresseeStatusViews(c, rec, rights.SetStatus, forms.AddresseeOrg, forms.Addressee, forms.AddresseeErrors, forms.AddresseeConflict)
	if forms.Addressee != nil {
		p.ErrorSummary = errorList(prefixed(forms.AddresseeErrors, fmt.Sprintf("as-%d-", forms.AddresseeOrg)),
			[]string{fmt.Sprintf("as-%d-status", forms.AddresseeOrg), fmt.Sprintf("as-%d-status_date", forms.AddresseeOrg)})
	}
	current := map[int64]tracker.Response{}
	for _, t := range d.Responses {
		current[t.Current.OrganisationID] = t.Current
	}
	for _, o := range p.ActionOrgs {
		v := responseFormView{Org: o}
		if cur, ok := current[o.ID]; ok {
			v.Existing = true
			v.Form = responseForm{Organisation: o.ID, Revision: cur.Revision, Position: cur.Position, Text: cur.Text, Author: request.User(c).Label(), Date: s.today().Format("2006-01-02")}
		} else {
			v.Form = responseForm{Organisation: o.ID, Position: tracker.PosAccepted, Author: request.User(c).Label(), Date: s.today().Format("2006-01-02")}
		}
		if forms.Response != nil && forms.Response.Organisation == o.ID {
			v.Form, v.Errors, v.Conflict = *forms.Response, forms.ResponseErrors, forms.Conflict
			if v.Conflict != nil {
				v.Form.Revision = v.Conflict.Revision
			}
			p.ErrorSummary = errorList(prefixed(v.Errors, fmt.Sprintf("resp-%d-", o.ID)), nil)
		}
		p.ResponseForms = append(p.ResponseForms, v)
	}
	s.render(c, status, pageRecommendation, p)
}

// recommendationFor loads the recommendation named in the path; on failure
// it has already answered.
func (s *Server) recommendationFor(c *gin.Context) (tracker.RecommendationDetail, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.RecommendationDetail{}, false
	}
	d, err := s.store.RecommendationDetail(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return d, false
	}
	return d, true
}

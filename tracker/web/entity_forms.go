package web

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// An action's own fields: what it is and who owns it.

func actionDetailsForm(a tracker.ActionItem, orgs []tracker.Organisation, accounts []tracker.Option) editForm {
	path := "/actions/" + request.IDString(a.Action.ID)
	return editForm{
		page: editPage{Layout: Layout{Title: "Change the action", Section: "actions", Breadcrumbs: []Crumb{{"Action log", "/actions"}, {truncate(60, a.Action.Description), path}}},
			Heading: "Change the action", Post: path + "/edit", Submit: "Save action", Cancel: path, Versioned: true, Version: a.Action.Version,
			Intro: "Its status and RAG rating change with a progress update, and its due date moves with a reason, on the action's page."},
		fields: []formField{
			{Name: "description", Label: "What is to be done", Kind: kindTextarea, Rows: 4},
			{Name: "organisation", Label: "Organisation", Kind: kindSelect, Options: orgOptions(orgs)},
			{Name: "owner", Label: "Owner", Kind: kindText, Optional: true, Hint: "The person or post responsible, like “D/Supt Crime”, as it is shown."},
			{Name: "owner_user_id", Label: "Owner’s account", Kind: kindSelect, Optional: true, Options: accounts,
				Hint: "The owner’s reminders and requests for updates go to this account, and the action is theirs in the log’s Person filter."},
			{Name: "owner_email", Label: "Owner’s email address", Kind: kindText, Optional: true,
				Hint: "For an owner with no account, like name@example.org: reminders go to this address."},
			{Name: "owner_unit", Label: "Unit", Kind: kindText, Optional: true},
		},
	}
}

func actionDetailsValues(a tracker.Action) url.Values {
	return url.Values{"description": {a.Description}, "organisation": {request.IDString(a.OrganisationID)}, "owner": {a.Owner},
		"owner_user_id": {idPtrString(a.OwnerUserID)}, "owner_email": {a.OwnerEmail},
		"owner_unit": {a.OwnerUnit}, "version": {strconv.Itoa(a.Version)}}
}

// accountOptions are the accounts an action's owner may be linked to:
// those not disabled, and the one it is linked to now.
func (s *Server) accountOptions(c *gin.Context, current *int64) ([]tracker.Option, error) {
	users, err := s.store.ListUsers(c.Request.Context())
	if err != nil {
		return nil, err
	}
	var out []tracker.Option
	for _, u := range users {
		if u.Disabled && (current == nil || *current != u.ID) {
			continue
		}
		label := u.Email
		if u.Name != "" {
			label = u.Name + " (" + u.Email + ")"
		}
		out = append(out, tracker.Option{Value: request.IDString(u.ID), Label: label})
	}
	return out, nil
}

// actionOrgsFor are the organisations the person may give an action to.
func (s *Server) actionOrgsFor(c *gin.Context, current int64) ([]tracker.Organisation, error) {
	all, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		return nil, err
	}
	u := request.User(c)
	var out []tracker.Organisation
	for _, o := range all {
		if o.ID == current || u.CanEditAction(o.ID) {
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *Server) actionEdit(c *gin.Context) {
	it, ok := s.actionFor(c, store.Commands.MayChangeAction)
	if !ok {
		return
	}
	orgs, err := s.actionOrgsFor(c, it.Action.OrganisationID)
	if err != nil {
		s.fail(c, err)
		return
	}
	accounts, err := s.accountOptions(c, it.Action.OwnerUserID)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.showEdit(c, http.StatusOK, actionDetailsForm(it, orgs, accounts), actionDetailsValues(it.Action), nil, nil)
}

func (s *Server) actionUpdateDetails(c *gin.Context) {
	it, ok := s.actionFor(c, store.Commands.MayChangeAction)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	orgs, err := s.actionOrgsFor(c, it.Action.OrganisationID)
	if err != nil {
		s.fail(c, err)
		return
	}
	accounts, err := s.accountOptions(c, it.Action.OwnerUserID)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := actionDetailsForm(it, orgs, accounts)
	vals := f.values(c)
	a := it.Action
	errs := map[string]string{}
	a.Description, a.Owner, a.OwnerUnit, a.OrganisationID, a.Version = vals.Get("description"), vals.Get("owner"), vals.Get("owner_unit"), formID(vals, "organisation", errs), formVersion(c)
	a.OwnerUserID, a.OwnerEmail = formIDPtr(vals, "owner_user_id", errs), strings.TrimSpace(vals.Get("owner_email"))
	f.page.Version = a.Version
	err = request.WithDomainErrors(errs, func() error { return nil })
	if err == nil {
		_, err = s.cmds(c).UpdateActionDetails(ctx, a)
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		cur, err := s.store.Action(ctx, a.ID)
		return actionDetailsValues(cur.Action), err
	}) {
		s.saved(c, "/actions/"+request.IDString(a.ID), savedAction)
	}
}

// References: the request, who asked, who answers, and the
// recommendations it covers.

func referenceForm(heading, post, cancel string, orgs []tracker.Organisation, sources []tracker.SourceSummary, recs []tracker.RecommendationItem) editForm {
	srcOpts := make([]tracker.Option, len(sources))
	for i, src := range sources {
		srcOpts[i] = tracker.Option{Value: request.IDString(src.Source.ID), Label: src.Source.Title}
	}
	// The recommendations fold under their sources: a register of a
	// thousand stays usable, and the chosen ones' sources open.
	recOpts := make([]tracker.Option, len(recs))
	var groups []optionGroup
	at := map[int64]int{}
	for i, r := range recs {
		o := tracker.Option{Value: request.IDString(r.Recommendation.ID), Label: "Recommendation " + r.Recommendation.Number + ": " + truncate(90, plain(r.Recommendation.Text))}
		recOpts[i] = tracker.Option{Value: o.Value, Label: r.Source.Title + ", " + o.Label}
		g, ok := at[r.Source.ID]
		if !ok {
			g = len(groups)
			at[r.Source.ID] = g
			groups = append(groups, optionGroup{Label: r.Source.Title})
		}
		groups[g].Options = append(groups[g].Options, o)
	}
	return editForm{
		page: editPage{Layout: Layout{Title: heading, Section: "references", Breadcrumbs: []Crumb{{"References", "/references"}}},
			Heading: heading, Post: post, Submit: "Save reference", Cancel: cancel},
		fields: []formField{
			{Name: "number", Label: "Reference number", Kind: kindText, Optional: true, Hint: "As the committee numbers it, like “13”."},
			{Name: "title", Label: "Title", Kind: kindText, Hint: "Like “Victim Satisfaction Action Plan”."},
			{Name: "requested_by", Label: "Asked by", Kind: kindSelect, Options: orgOptions(orgs)},
			{Name: "responding_org", Label: "To be answered by", Kind: kindSelect, Options: orgOptions(orgs)},
			{Name: "raised", Label: "Date raised", Kind: kindDate, Optional: true},
			{Name: "due", Label: "To be completed by", Kind: kindDate, Optional: true, Hint: "As the body last agreed; a meeting may set a new date, with a reason."},
			{Name: "status", Label: "Status", Kind: kindSelect, Options: tracker.ReferenceStatuses, Hint: "A reference stays outstanding until the committee closes it, even after the body has responded."},
			{Name: "reason", Label: "Reason for closing or reopening", Kind: kindText, Optional: true, Hint: "Needed when the status changes to or from closed; the history keeps it."},
			{Name: "source", Label: "Raised by the source", Kind: kindSelect, Optional: true, Options: srcOpts},
			{Name: "request_text", Label: "What was asked", Kind: kindTextarea, Optional: true},
			{Name: "recommendations", Label: "Recommendations it covers", Kind: kindCheckboxes, Options: recOpts, Groups: groups,
				Hint: "Open a source to choose among its recommendations."},
		},
	}
}

func referenceValues(r tracker.Reference, recIDs []int64) url.Values {
	v := url.Values{"number": {r.Number}, "title": {r.Title}, "requested_by": {request.IDString(r.RequestedByID)}, "responding_org": {request.IDString(r.RespondingOrgID)},
		"raised": {dayString(r.DateRaised)}, "due": {dayString(r.DueDate)}, "status": {r.Status}, "source": {idPtrString(r.SourceID)}, "request_text": {r.RequestText},
		"version": {strconv.Itoa(r.Version)}}
	for _, id := range recIDs {
		v.Add("recommendations", request.IDString(id))
	}
	return v
}

func referenceFromValues(vals url.Values) (tracker.Reference, []int64, map[string]string) {
	errs := map[string]string{}
	r := tracker.Reference{Number: strings.TrimSpace(vals.Get("number")), Title: strings.TrimSpace(vals.Get("title")),
		RequestedByID: formID(vals, "requested_by", errs), RespondingOrgID: formID(vals, "responding_org", errs),
		DateRaised: formDate(vals, "raised", "the date raised", errs), DueDate: formDate(vals, "due", "the date to be completed by", errs),
		Status: vals.Get("status"), SourceID: formIDPtr(vals, "source", errs),
		RequestText: vals.Get("request_text")}
	return r, formIDs(vals, "recommendations", errs), errs
}

func (s *Server) referenceFormFor(c *gin.Context, heading, post, cancel string) (editForm, bool) {
	ctx := c.Request.Context()
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.fail(c, err)
		return editForm{}, false
	}
	sources, _, err := s.store.ListSources(ctx, tracker.AllRows, s.today())
	if err != nil {
		s.fail(c, err)
		return editForm{}, false
	}
	recs, _, err := s.store.ListRecommendations(ctx, tracker.RecommendationFilter{Page: tracker.AllRows, Today: s.today()})
	if err != nil {
		s.fail(c, err)
		return editForm{}, false
	}
	return referenceForm(heading, post, cancel, orgs, sources, recs), true
}

func (s *Server) referenceNew(c *gin.Context)    { s.referenceCreateOrShow(c, false) }
func (s *Server) referenceCreate(c *gin.Context) { s.referenceCreateOrShow(c, true) }

func (s *Server) referenceCreateOrShow(c *gin.Context, save bool) {
	if err := s.cmds(c).MayCreateReferences(); err != nil {
		s.fail(c, err)
		return
	}
	f, ok := s.referenceFormFor(c, "Add a reference", "/references/new", "/references")
	if !ok {
		return
	}
	if !save {
		s.showEdit(c, http.StatusOK, f, url.Values{"status": {tracker.RefAwaiting}}, nil, nil)
		return
	}
	vals := f.values(c)
	r, recs, errs := referenceFromValues(vals)
	err := request.WithDomainErrors(errs, r.Validate)
	if err == nil {
		r, err = s.cmds(c).CreateReference(c.Request.Context(), r, recs)
	}
	if s.saveOutcome(c, f, vals, err, nil) {
		s.saved(c, "/references/"+request.IDString(r.ID), savedReferenceAdded)
	}
}

// referenceFor loads the reference of the URL and checks the person may
// change it.
func (s *Server) referenceFor(c *gin.Context) (tracker.ReferenceDetail, editForm, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.ReferenceDetail{}, editForm{}, false
	}
	d, err := s.store.ReferenceDetail(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return d, editForm{}, false
	}
	if err := s.cmds(c).MayChangeReference(c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return d, editForm{}, false
	}
	path := "/references/" + request.IDString(id)
	f, ok := s.referenceFormFor(c, "Change the reference", path+"/edit", path)
	f.page.Caption, f.page.Versioned, f.page.Version = d.Reference.Heading(), true, d.Reference.Version
	f.page.Breadcrumbs = append(f.page.Breadcrumbs, Crumb{d.Reference.Heading(), path})
	return d, f, ok
}

func (s *Server) referenceEdit(c *gin.Context) {
	if d, f, ok := s.referenceFor(c); ok {
		s.showEdit(c, http.StatusOK, f, referenceValues(d.Reference, d.RecommendationIDs()), nil, nil)
	}
}

func (s *Server) referenceUpdate(c *gin.Context) {
	d, f, ok := s.referenceFor(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vals := f.values(c)
	r, recs, errs := referenceFromValues(vals)
	r.ID, r.Version = d.Reference.ID, formVersion(c)
	f.page.Version = r.Version
	err := request.WithDomainErrors(errs, r.Validate)
	if err == nil {
		_, err = s.cmds(c).UpdateReference(ctx, r, recs, vals.Get("reason"))
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		cur, err := s.store.ReferenceDetail(ctx, r.ID)
		return referenceValues(cur.Reference, cur.RecommendationIDs()), err
	}) {
		s.saved(c, "/references/"+request.IDString(r.ID), savedReference)
	}
}

// Measures: the definition, and values added and removed on the
// measure's own page.

func measureForm(heading, post, cancel string, orgs []tracker.Organisation) editForm {
	return editForm{
		page: editPage{Layout: Layout{Title: heading, Section: "measures", Breadcrumbs: []Crumb{{"Measures", "/measures"}}},
			Heading: heading, Post: post, Submit: "Save measure", Cancel: cancel},
		fields: []formField{
			{Name: "name", Label: "Name", Kind: kindText, Hint: "Like “Victim satisfaction”."},
			{Name: "organisation", Label: "Organisation", Kind: kindSelect, Options: orgOptions(orgs)},
			{Name: "unit", Label: "Unit", Kind: kindText, Optional: true, Hint: "Like “%”, “calls” or “£”."},
			{Name: "direction", Label: "Better when", Kind: kindSelect, Options: tracker.Directions},
			{Name: "target", Label: "Target value", Kind: kindNumber, Optional: true},
			{Name: "target_text", Label: "Target in words", Kind: kindText, Optional: true, Hint: "Like “close the gap with the national average”."},
			{Name: "target_date", Label: "Target date", Kind: kindDate, Optional: true},
			{Name: "description", Label: "About the measure", Kind: kindTextarea, Optional: true, Rows: 4},
		},
	}
}

func measureValues(m tracker.Measure) url.Values {
	target := ""
	if m.Target != nil {
		target = strconv.FormatFloat(*m.Target, 'f', -1, 64)
	}
	return url.Values{"name": {m.Name}, "organisation": {request.IDString(m.OrganisationID)}, "unit": {m.Unit}, "direction": {m.Direction},
		"target": {target}, "target_text": {m.TargetText}, "target_date": {dayString(m.TargetDate)}, "description": {m.Description},
		"version": {strconv.Itoa(m.Version)}}
}

// formNumber reads an optional number, with a comma or a space between
// thousands as people type them.
func formNumber(vals url.Values, field, label string, errs map[string]string) *float64 {
	v := strings.NewReplacer(",", "", " ", "", "£", "", "%", "").Replace(strings.TrimSpace(vals.Get(field)))
	if v == "" {
		return nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
		errs[field] = "Enter " + label + " as a number, like 76 or 4.7"
		return nil
	}
	return &n
}

func measureFromValues(vals url.Values) (tracker.Measure, map[string]string) {
	errs := map[string]string{}
	m := tracker.Measure{Name: strings.TrimSpace(vals.Get("name")), OrganisationID: formID(vals, "organisation", errs), Unit: strings.TrimSpace(vals.Get("unit")),
		Direction: vals.Get("direction"), Target: formNumber(vals, "target", "the target", errs), TargetText: strings.TrimSpace(vals.Get("target_text")),
		TargetDate: formDate(vals, "target_date", "the target date", errs), Description: vals.Get("description")}
	return m, errs
}

func (s *Server) measureNew(c *gin.Context)    { s.measureCreateOrShow(c, false) }
func (s *Server) measureCreate(c *gin.Context) { s.measureCreateOrShow(c, true) }

func (s *Server) measureCreateOrShow(c *gin.Context, save bool) {
	if err := s.cmds(c).MayCreate("measures"); err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	f := measureForm("Add a measure", "/measures/new", "/measures", orgs)
	if !save {
		s.showEdit(c, http.StatusOK, f, url.Values{"direction": {tracker.HigherIsBetter}}, nil, nil)
		return
	}
	vals := f.values(c)
	m, errs := measureFromValues(vals)
	err = request.WithDomainErrors(errs, m.Validate)
	if err == nil {
		m, err = s.cmds(c).CreateMeasure(c.Request.Context(), m)
	}
	if s.saveOutcome(c, f, vals, err, nil) {
		s.saved(c, "/measures/"+request.IDString(m.ID), savedMeasureAdded)
	}
}

func (s *Server) measureFor(c *gin.Context) (tracker.Measure, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.Measure{}, false
	}
	m, err := s.store.Measure(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return m, false
	}
	return m, true
}

func (s *Server) measureEditForm(c *gin.Context, m tracker.Measure) (editForm, bool) {
	orgs, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return editForm{}, false
	}
	path := "/measures/" + request.IDString(m.ID)
	f := measureForm("Change the measure", path+"/edit", path, orgs)
	f.page.Caption, f.page.Versioned, f.page.Version = m.Name, true, m.Version
	f.page.Breadcrumbs = append(f.page.Breadcrumbs, Crumb{m.Name, path})
	return f, true
}

func (s *Server) measureEdit(c *gin.Context) {
	m, ok := s.measureFor(c)
	if !ok {
		return
	}
	if err := s.cmds(c).MayChangeMeasure(c.Request.Context(), m.ID); err != nil {
		s.fail(c, err)
		return
	}
	if f, ok := s.measureEditForm(c, m); ok {
		s.showEdit(c, http.StatusOK, f, measureValues(m), nil, nil)
	}
}

func (s *Server) measureUpdate(c *gin.Context) {
	cur, ok := s.measureFor(c)
	if !ok {
		return
	}
	if err := s.cmds(c).MayChangeMeasure(c.Request.Context(), cur.ID); err != nil {
		s.fail(c, err)
		return
	}
	f, ok := s.measureEditForm(c, cur)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vals := f.values(c)
	m, errs := measureFromValues(vals)
	m.ID, m.Version, m.SourceID, m.OutcomeID = cur.ID, formVersion(c), cur.SourceID, cur.OutcomeID
	f.page.Version = m.Version
	err := request.WithDomainErrors(errs, m.Validate)
	if err == nil {
		_, err = s.cmds(c).UpdateMeasure(ctx, m)
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		now, err := s.store.Measure(ctx, m.ID)
		return measureValues(now), err
	}) {
		s.saved(c, "/measures/"+request.IDString(m.ID), savedMeasure)
	}
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
	err = s.cmds(c).RemoveMeasureValue(c.Request.Context(), m.ID, formVersion(c), valueID)
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

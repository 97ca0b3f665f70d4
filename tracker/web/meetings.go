package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/report"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Meetings: a body's meetings, each with its schedule of outstanding
// references and the decisions taken on them.

type meetingListPage struct {
	Layout
	Meetings []tracker.Meeting
	Pager    Pager
	CanAdd   bool
}

func (s *Server) meetingList(c *gin.Context) {
	page := s.pageOf(c)
	list, total, err := s.store.ListMeetings(c.Request.Context(), store.MeetingFilter{Page: page})
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageMeetings, &meetingListPage{
		Layout:   Layout{Title: "Meetings", Section: "meetings"},
		Meetings: list, Pager: newPager(c.Request.URL, page, total, "meeting", "meetings"),
		CanAdd: s.cmds(c).MayManageMeetings() == nil,
	})
}

// meetingItem is one reference of the schedule with the version it has
// now, which a decision on it must name.
type meetingItem struct {
	tracker.ScheduleItem
	Version int
	Closed  bool
}

type meetingPage struct {
	Layout
	Meeting   tracker.Meeting
	Schedule  tracker.Schedule
	Items     []meetingItem
	Decisions []tracker.Option
	CanEdit   bool
	CanDecide bool
	History   []HistoryRow
	// Requests is the update requests' section, for those who may send them.
	Requests *requestSection
}

func (s *Server) meetingShow(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	p, err := s.meetingPageFor(c, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageMeeting, p)
}

// meetingPageFor reads the meeting's page: its schedule, with the version
// each reference has now, its update requests and its history.
func (s *Server) meetingPageFor(c *gin.Context, id int64) (*meetingPage, error) {
	ctx := c.Request.Context()
	sc, err := s.store.Schedule(ctx, id)
	if err != nil {
		return nil, err
	}
	items := make([]meetingItem, len(sc.Items))
	for i, it := range sc.Items {
		items[i] = meetingItem{ScheduleItem: it}
		// An issued schedule keeps the reference as it was; a decision
		// names the version the reference has now.
		if d, err := s.store.ReferenceDetail(ctx, it.Reference.ID); err == nil {
			items[i].Version, items[i].Closed = d.Reference.Version, d.Reference.Status == tracker.RefClosed
		}
	}
	events, err := s.store.History(ctx, store.EntityMeeting, id)
	if err != nil {
		return nil, err
	}
	canEdit := s.cmds(c).MayChangeMeeting(ctx, id) == nil
	m := sc.Meeting
	p := &meetingPage{
		Layout:  Layout{Title: m.Heading(), Section: "meetings", Breadcrumbs: []Crumb{{"Meetings", "/meetings"}}},
		Meeting: m, Schedule: sc, Items: items, Decisions: tracker.Decisions,
		CanEdit: canEdit, CanDecide: canEdit && !m.Date.After(s.now()),
		History: s.historyRows(c, events),
	}
	if canEdit {
		if p.Requests, err = s.requestSectionFor(c, sc); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func meetingForm(heading, post, cancel string, orgs []tracker.Organisation) editForm {
	return editForm{
		page: editPage{Layout: Layout{Title: heading, Section: "meetings", Breadcrumbs: []Crumb{{"Meetings", "/meetings"}}},
			Heading: heading, Post: post, Submit: "Save meeting", Cancel: cancel,
			Intro: "Issuing the papers freezes the schedule of outstanding references as it stood at the end of the papers deadline (or as it stands, if issued before then), so it prints the same ever after."},
		fields: []formField{
			{Name: "body", Label: "Body that meets", Kind: kindSelect, Options: orgOptions(orgs), Hint: "The committee, sub-committee or board; its references make the schedule."},
			{Name: "date", Label: "Date of the meeting", Kind: kindDate},
			{Name: "papers_deadline", Label: "Papers deadline", Kind: kindDate, Hint: "Updates dated up to this day go in the papers."},
			{Name: "status", Label: "Status", Kind: kindSelect, Options: tracker.MeetingStatuses},
			{Name: "notes", Label: "Notes", Kind: kindTextarea, Optional: true, Rows: 3},
		},
	}
}

func meetingValues(m tracker.Meeting) url.Values {
	return url.Values{"body": {request.IDString(m.BodyID)}, "date": {dayString(&m.Date)}, "papers_deadline": {dayString(&m.PapersDeadline)},
		"status": {m.Status}, "notes": {m.Notes}, "version": {strconv.Itoa(m.Version)}}
}

func meetingFromValues(vals url.Values) (tracker.Meeting, map[string]string) {
	errs := map[string]string{}
	m := tracker.Meeting{BodyID: formID(vals, "body", errs), Status: vals.Get("status"), Notes: vals.Get("notes")}
	if d := formDate(vals, "date", "the date of the meeting", errs); d != nil {
		m.Date = *d
	}
	if d := formDate(vals, "papers_deadline", "the papers deadline", errs); d != nil {
		m.PapersDeadline = *d
	}
	return m, errs
}

// meetingBodies are the bodies the person may add meetings for.
func (s *Server) meetingBodies(c *gin.Context, current int64) ([]tracker.Organisation, error) {
	all, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		return nil, err
	}
	u := request.User(c)
	var out []tracker.Organisation
	for _, o := range all {
		if o.ID == current || u.CheckMeeting(o.ID, nil) == nil {
			out = append(out, o)
		}
	}
	return out, nil
}

func (s *Server) meetingNew(c *gin.Context)    { s.meetingCreateOrShow(c, false) }
func (s *Server) meetingCreate(c *gin.Context) { s.meetingCreateOrShow(c, true) }

func (s *Server) meetingCreateOrShow(c *gin.Context, save bool) {
	if err := s.cmds(c).MayManageMeetings(); err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.meetingBodies(c, 0)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := meetingForm("Add a meeting", "/meetings/new", "/meetings", orgs)
	if !save {
		s.showEdit(c, http.StatusOK, f, url.Values{"status": {tracker.MeetingPlanned}}, nil, nil)
		return
	}
	vals := f.values(c)
	m, errs := meetingFromValues(vals)
	err = request.WithDomainErrors(errs, m.Validate)
	if err == nil {
		m, err = s.cmds(c).CreateMeeting(c.Request.Context(), m)
	}
	if s.saveOutcome(c, f, vals, err, nil) {
		s.saved(c, "/meetings/"+request.IDString(m.ID), savedMeetingAdded)
	}
}

// meetingFor loads the meeting of the URL and its form, checking the
// person may change it.
func (s *Server) meetingFor(c *gin.Context) (tracker.Meeting, editForm, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.Meeting{}, editForm{}, false
	}
	ctx := c.Request.Context()
	m, err := s.store.Meeting(ctx, id)
	if err == nil {
		err = s.cmds(c).MayChangeMeeting(ctx, id)
	}
	if err != nil {
		s.fail(c, err)
		return m, editForm{}, false
	}
	orgs, err := s.meetingBodies(c, m.BodyID)
	if err != nil {
		s.fail(c, err)
		return m, editForm{}, false
	}
	path := "/meetings/" + request.IDString(id)
	f := meetingForm("Change the meeting", path+"/edit", path, orgs)
	f.page.Caption, f.page.Versioned, f.page.Version = m.Heading(), true, m.Version
	f.page.Breadcrumbs = append(f.page.Breadcrumbs, Crumb{m.Heading(), path})
	return m, f, true
}

func (s *Server) meetingEdit(c *gin.Context) {
	if m, f, ok := s.meetingFor(c); ok {
		s.showEdit(c, http.StatusOK, f, meetingValues(m), nil, nil)
	}
}

func (s *Server) meetingUpdate(c *gin.Context) {
	before, f, ok := s.meetingFor(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vals := f.values(c)
	m, errs := meetingFromValues(vals)
	m.ID, m.Version = before.ID, formVersion(c, errs)
	f.page.Version = m.Version
	err := request.WithDomainErrors(errs, m.Validate)
	if err == nil {
		_, err = s.cmds(c).UpdateMeeting(ctx, m)
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		cur, err := s.store.Meeting(ctx, m.ID)
		return meetingValues(cur), err
	}) {
		s.saved(c, "/meetings/"+request.IDString(m.ID), savedMeeting)
	}
}

func (s *Server) meetingSchedulePDF(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	sc, err := s.store.Schedule(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	var buf bytes.Buffer
	if _, err := report.Schedule(&buf, s.fonts, sc, report.ScheduleMeta(sc)); err != nil {
		s.fail(c, err)
		return
	}
	about := sc.Meeting.Body.Label() + " " + sc.Meeting.Date.Format("2006-01-02")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, report.FileName(report.KindSchedule, about, sc.AsAt)))
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
}

// Decisions, item by item: the inline form on the meeting's page posts
// here; an error or a conflict shows the decision on a page of its own.

func decisionForm(m tracker.Meeting, ref tracker.Reference) editForm {
	path := "/meetings/" + request.IDString(m.ID)
	due := "not set"
	if ref.DueDate != nil {
		due = tracker.FormatDate(*ref.DueDate)
	}
	return editForm{
		page: editPage{Layout: Layout{Title: "Record the decision", Section: "meetings", Breadcrumbs: []Crumb{{"Meetings", "/meetings"}, {m.Heading(), path}}},
			Caption: ref.Heading(), Heading: "Record the meeting’s decision", Post: path + "/decisions/" + request.IDString(ref.ID), Submit: "Record decision", Cancel: path,
			Versioned: true, Version: ref.Version,
			Intro: "The reference is now " + strings.ToLower(tracker.ReferenceStatusLabel(ref.Status)) + ", to be completed by " + due +
				". The decision is dated the day of the meeting, " + tracker.FormatDate(m.Date) + "."},
		fields: []formField{
			{Name: "outcome", Label: "Decision", Kind: kindSelect, Options: tracker.Decisions},
			{Name: "new_date", Label: "New date to be completed by", Kind: kindDate, Optional: true, Hint: "For a new date."},
			{Name: "reason", Label: "Reason", Kind: kindText, Optional: true, Hint: "Needed for a new date; the history and the reference’s timeline keep it."},
		},
	}
}

func decisionTheirs(ref tracker.Reference) url.Values {
	return url.Values{"new_date": {dayString(ref.DueDate)}, "version": {strconv.Itoa(ref.Version)}}
}

// decisionFor loads the meeting and reference of the URL and checks the
// person may decide at the meeting.
func (s *Server) decisionFor(c *gin.Context) (tracker.Meeting, tracker.Reference, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.Meeting{}, tracker.Reference{}, false
	}
	refID, err := strconv.ParseInt(c.Param("ref"), 10, 64)
	if err != nil || refID <= 0 {
		s.notFound(c)
		return tracker.Meeting{}, tracker.Reference{}, false
	}
	ctx := c.Request.Context()
	m, err := s.store.Meeting(ctx, id)
	if err == nil {
		err = s.cmds(c).MayChangeMeeting(ctx, id)
	}
	var d tracker.ReferenceDetail
	if err == nil {
		d, err = s.store.ReferenceDetail(ctx, refID)
	}
	if err != nil {
		s.fail(c, err)
		return m, d.Reference, false
	}
	return m, d.Reference, true
}

func (s *Server) decisionShow(c *gin.Context) {
	if m, ref, ok := s.decisionFor(c); ok {
		s.showEdit(c, http.StatusOK, decisionForm(m, ref), url.Values{"version": {strconv.Itoa(ref.Version)}}, nil, nil)
	}
}

func (s *Server) decisionRecord(c *gin.Context) {
	m, ref, ok := s.decisionFor(c)
	if !ok {
		return
	}
	f := decisionForm(m, ref)
	vals := f.values(c)
	errs := map[string]string{}
	d := tracker.Decision{ReferenceID: ref.ID, Outcome: vals.Get("outcome"), Reason: vals.Get("reason"), NewDate: formDate(vals, "new_date", "the new date", errs)}
	version := formVersion(c, errs)
	f.page.Version = version
	err := request.WithDomainErrors(errs, func() error { return nil })
	if err == nil {
		_, err = s.cmds(c).RecordDecision(c.Request.Context(), m.ID, d, version)
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) { return decisionTheirs(ref), nil }) {
		s.saved(c, "/meetings/"+request.IDString(m.ID)+"#ref-"+request.IDString(ref.ID), savedDecision)
	}
}

// Closing a reference between meetings, with a reason.

func referenceCloseForm(ref tracker.Reference) editForm {
	path := "/references/" + request.IDString(ref.ID)
	return editForm{
		page: editPage{Layout: Layout{Title: "Close the reference", Section: "references", Breadcrumbs: []Crumb{{"References", "/references"}, {ref.Heading(), path}}},
			Caption: ref.Heading(), Heading: "Close the reference between meetings", Post: path + "/close", Submit: "Close reference", Cancel: path,
			Versioned: true, Version: ref.Version,
			Intro: "It leaves the next schedule of " + ref.RequestedBy.Name + ". The history keeps who closed it, when and why."},
		fields: []formField{
			{Name: "reason", Label: "Reason", Kind: kindText, Hint: "Like “answered in full by letter of 3 June”."},
		},
	}
}

// referenceToClose loads the reference of the URL and checks the person
// may close it.
func (s *Server) referenceToClose(c *gin.Context) (tracker.Reference, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.Reference{}, false
	}
	ctx := c.Request.Context()
	d, err := s.store.ReferenceDetail(ctx, id)
	if err == nil {
		err = s.cmds(c).MayCloseReference(ctx, id)
	}
	if err != nil {
		s.fail(c, err)
		return d.Reference, false
	}
	return d.Reference, true
}

func (s *Server) referenceCloseForm(c *gin.Context) {
	if ref, ok := s.referenceToClose(c); ok {
		s.showEdit(c, http.StatusOK, referenceCloseForm(ref), url.Values{"version": {strconv.Itoa(ref.Version)}}, nil, nil)
	}
}

func (s *Server) referenceClose(c *gin.Context) {
	ref, ok := s.referenceToClose(c)
	if !ok {
		return
	}
	f := referenceCloseForm(ref)
	vals := f.values(c)
	errs := map[string]string{}
	version := formVersion(c, errs)
	f.page.Version = version
	err := request.WithDomainErrors(errs, func() error { return nil })
	if err == nil {
		_, err = s.cmds(c).CloseReference(c.Request.Context(), ref.ID, version, vals.Get("reason"))
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) { return url.Values{"version": {strconv.Itoa(ref.Version)}}, nil }) {
		s.saved(c, "/references/"+request.IDString(ref.ID), savedRefClosed)
	}
}

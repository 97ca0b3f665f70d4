package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Meetings through the API: a body's meetings, their schedules of
// outstanding references and the decisions taken at them, with the same
// reads and commands as the meeting pages.

type meetingDTO struct {
	ID             int64   `json:"id"`
	Heading        string  `json:"heading"`
	BodyID         int64   `json:"body_id"`
	Body           orgDTO  `json:"body"`
	Date           string  `json:"date"`
	PapersDeadline string  `json:"papers_deadline"`
	Status         string  `json:"status"`
	Notes          string  `json:"notes"`
	IssuedAt       *string `json:"issued_at"`
	Version        int     `json:"version"`
}

func meetingDTOOf(m tracker.Meeting) meetingDTO {
	d := meetingDTO{ID: m.ID, Heading: m.Heading(), BodyID: m.BodyID, Body: orgDTOOf(m.Body), Date: m.Date.Format(time.DateOnly),
		PapersDeadline: m.PapersDeadline.Format(time.DateOnly), Status: m.Status, Notes: m.Notes, Version: m.Version}
	if m.IssuedAt != nil {
		at := m.IssuedAt.UTC().Format(time.RFC3339)
		d.IssuedAt = &at
	}
	return d
}

// meetingRequest is a new meeting, or the fields of one to change; a field
// left out keeps its value.
type meetingRequest struct {
	Version        int     `json:"version"`
	BodyID         *int64  `json:"body_id"`
	Date           *string `json:"date"`
	PapersDeadline *string `json:"papers_deadline"`
	Status         *string `json:"status"`
	Notes          *string `json:"notes"`
}

func (req meetingRequest) apply(m *tracker.Meeting) map[string]string {
	errs := map[string]string{}
	if req.BodyID != nil {
		m.BodyID = *req.BodyID
	}
	day := func(v *string, field string, dst *time.Time) {
		if v == nil {
			return
		}
		if d := apiDate(*v, field, errs); d != nil {
			*dst = *d
		} else if _, bad := errs[field]; !bad {
			*dst = time.Time{}
		}
	}
	day(req.Date, "date", &m.Date)
	day(req.PapersDeadline, "papers_deadline", &m.PapersDeadline)
	if req.Status != nil {
		m.Status = *req.Status
	}
	if req.Notes != nil {
		m.Notes = *req.Notes
	}
	return errs
}

func (s *Server) apiMeetings(c *gin.Context) {
	var q struct {
		Body   int64  `form:"body_id"`
		Status string `form:"status"`
	}
	if !apiBindQuery(c, &q) {
		return
	}
	status, ok := apiQueryOption(c, "status", tracker.MeetingStatuses)
	if !ok {
		return
	}
	page := apiPage(c)
	items, total, err := s.store.ListMeetings(c.Request.Context(), store.MeetingFilter{BodyID: q.Body, Status: status, Page: page})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := listDTO[meetingDTO]{Items: []meetingDTO{}, Total: total, Page: page.Number, PerPage: page.Size}
	for _, m := range items {
		out.Items = append(out.Items, meetingDTOOf(m))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiMeeting(c *gin.Context) {
	m, ok := s.apiMeetingFor(c)
	if ok {
		c.JSON(http.StatusOK, meetingDTOOf(m))
	}
}

func (s *Server) apiMeetingFor(c *gin.Context) (tracker.Meeting, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return tracker.Meeting{}, false
	}
	m, err := s.store.Meeting(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return m, false
	}
	return m, true
}

func (s *Server) apiCreateMeeting(c *gin.Context) {
	if err := s.cmds(c).MayManageMeetings(); err != nil {
		s.apiFail(c, err)
		return
	}
	var req meetingRequest
	if !apiBind(c, &req) {
		return
	}
	m := tracker.Meeting{Status: tracker.MeetingPlanned}
	errs := req.apply(&m)
	if m.BodyID != 0 {
		if err := s.checkOrg(c, m.BodyID, "body_id", errs); err != nil {
			s.apiFail(c, err)
			return
		}
	}
	if err := request.WithDomainErrors(errs, m.Validate); err != nil {
		s.apiFail(c, renamed(err, "body", "body_id"))
		return
	}
	created, err := s.cmds(c).CreateMeeting(c.Request.Context(), m)
	if err != nil {
		s.apiFail(c, renamed(err, "body", "body_id"))
		return
	}
	cur, err := s.store.Meeting(c.Request.Context(), created.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	apiCreated(c, "/meetings/"+request.IDString(cur.ID), meetingDTOOf(cur))
}

func (s *Server) apiUpdateMeeting(c *gin.Context) {
	m, ok := s.apiMeetingFor(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if err := s.cmds(c).MayChangeMeeting(ctx, m.ID); err != nil {
		s.apiFail(c, err)
		return
	}
	var req meetingRequest
	if !apiBind(c, &req) {
		return
	}
	errs := req.apply(&m)
	apiNeedVersion(req.Version, "meeting", errs)
	m.Version = req.Version
	if err := request.WithDomainErrors(errs, m.Validate); err != nil {
		s.apiFail(c, renamed(err, "body", "body_id"))
		return
	}
	_, err := s.cmds(c).UpdateMeeting(ctx, m)
	s.apiAnswerSaved(c, renamed(err, "body", "body_id"), "meeting", func() (any, error) {
		cur, err := s.store.Meeting(ctx, m.ID)
		return meetingDTOOf(cur), err
	})
}

// renamed moves a validation message from the domain's field name to the
// API's, so that each message is at the field the client sent.
func renamed(err error, from, to string) error {
	if v, ok := err.(*tracker.ValidationError); ok {
		if msg, has := v.Fields[from]; has {
			delete(v.Fields, from)
			v.Fields[to] = msg
		}
	}
	return err
}

type scheduleUpdateDTO struct {
	Action string `json:"action"`
	Date   string `json:"date"`
	Author string `json:"author"`
	Text   string `json:"text"`
}

type decisionDTO struct {
	ID          int64   `json:"id"`
	MeetingID   *int64  `json:"meeting_id"`
	ReferenceID int64   `json:"reference_id"`
	Outcome     string  `json:"outcome"`
	NewDate     *string `json:"new_date"`
	Reason      string  `json:"reason"`
	Author      string  `json:"author"`
	On          string  `json:"on"`
}

func decisionDTOOf(d tracker.Decision) decisionDTO {
	return decisionDTO{ID: d.ID, MeetingID: d.MeetingID, ReferenceID: d.ReferenceID, Outcome: d.Outcome, NewDate: dateString(d.NewDate),
		Reason: d.Reason, Author: d.Author, On: d.On.Format(time.DateOnly)}
}

type scheduleItemDTO struct {
	Reference          referenceDTO        `json:"reference"`
	Officers           []string            `json:"officers"`
	Progress           []scheduleUpdateDTO `json:"progress"`
	ToBeCompleted      *string             `json:"to_be_completed"`
	ProposedForClosure bool                `json:"proposed_for_closure"`
	Decision           *decisionDTO        `json:"decision"`
}

type scheduleDTO struct {
	Meeting meetingDTO        `json:"meeting"`
	Since   *string           `json:"since"`
	AsAt    string            `json:"as_at"`
	Issued  bool              `json:"issued"`
	Items   []scheduleItemDTO `json:"items"`
}

// apiSchedule answers a meeting's schedule of outstanding references: as
// issued with the papers once they are, else as the tracker stood at the
// papers deadline once it has passed, or as it stands before it.
func (s *Server) apiSchedule(c *gin.Context) {
	m, ok := s.apiMeetingFor(c)
	if !ok {
		return
	}
	sc, err := s.store.Schedule(c.Request.Context(), m.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := scheduleDTO{Meeting: meetingDTOOf(sc.Meeting), Since: dateString(sc.Since), AsAt: sc.AsAt.UTC().Format(time.RFC3339),
		Issued: sc.Issued, Items: []scheduleItemDTO{}}
	for _, it := range sc.Items {
		d := scheduleItemDTO{Reference: referenceDTOOf(it.Reference, nil), Officers: it.Officers, Progress: []scheduleUpdateDTO{},
			ToBeCompleted: dateString(it.ToBeCompleted), ProposedForClosure: it.ProposedForClosure}
		if d.Officers == nil {
			d.Officers = []string{}
		}
		for _, u := range it.Progress {
			d.Progress = append(d.Progress, scheduleUpdateDTO{Action: u.Action, Date: u.Date.Format(time.DateOnly), Author: u.Author, Text: u.Text})
		}
		if it.Decision != nil {
			dd := decisionDTOOf(*it.Decision)
			d.Decision = &dd
		}
		out.Items = append(out.Items, d)
	}
	c.JSON(http.StatusOK, out)
}

// decisionRequest is a decision taken at the meeting on one reference;
// version is the reference's version as read.
type decisionRequest struct {
	Version     int    `json:"version"`
	ReferenceID int64  `json:"reference_id"`
	Outcome     string `json:"outcome"`
	NewDate     string `json:"new_date"`
	Reason      string `json:"reason"`
}

// apiRecordDecision records a decision of the meeting, dated the meeting's
// day; a reference changed since it was read is a 409 with it as it stands.
func (s *Server) apiRecordDecision(c *gin.Context) {
	m, ok := s.apiMeetingFor(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if err := s.cmds(c).MayChangeMeeting(ctx, m.ID); err != nil {
		s.apiFail(c, err)
		return
	}
	var req decisionRequest
	if !apiBind(c, &req) {
		return
	}
	errs := map[string]string{}
	apiNeedVersion(req.Version, "reference", errs)
	if req.ReferenceID == 0 {
		errs["reference_id"] = "Send the id of a reference on the meeting's schedule"
	}
	d := tracker.Decision{MeetingID: &m.ID, ReferenceID: req.ReferenceID, Outcome: req.Outcome, NewDate: apiDate(req.NewDate, "new_date", errs),
		Reason: strings.TrimSpace(req.Reason)}
	if err := request.WithDomainErrors(errs, d.Validate); err != nil {
		s.apiFail(c, err)
		return
	}
	saved, err := s.cmds(c).RecordDecision(ctx, m.ID, d, req.Version)
	if !s.apiSaved(c, err, "reference", func() (any, error) { return s.referenceDTOByID(c, req.ReferenceID) }) {
		return
	}
	c.JSON(http.StatusCreated, decisionDTOOf(saved))
}

// closeRequest closes a reference between meetings, with a reason.
type closeRequest struct {
	Version int    `json:"version"`
	Reason  string `json:"reason"`
}

// apiCloseReference closes a reference between meetings: an authorised
// person's decision, with a reason, dated today.
func (s *Server) apiCloseReference(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	ctx := c.Request.Context()
	if err := s.cmds(c).MayCloseReference(ctx, id); err != nil {
		s.apiFail(c, err)
		return
	}
	var req closeRequest
	if !apiBind(c, &req) {
		return
	}
	errs := map[string]string{}
	apiNeedVersion(req.Version, "reference", errs)
	if strings.TrimSpace(req.Reason) == "" {
		errs["reason"] = "Say why the reference is closed between meetings, for example “answered in full by letter of 3 June”"
	}
	if len(errs) > 0 {
		apiInvalid(c, errs)
		return
	}
	saved, err := s.cmds(c).CloseReference(ctx, id, req.Version, strings.TrimSpace(req.Reason))
	if !s.apiSaved(c, err, "reference", func() (any, error) { return s.referenceDTOByID(c, id) }) {
		return
	}
	c.JSON(http.StatusCreated, decisionDTOOf(saved))
}

// meetingDocs describes the meetings' operations for the OpenAPI document.
func meetingDocs() (schemas obj, paths map[string]obj) {
	meetingProps := obj{"body_id": obj{"type": "integer", "description": "The committee, sub-committee or board that meets"},
		"date": tDate, "papers_deadline": obj{"type": "string", "format": "date", "description": "Updates dated up to this day go in the papers; on or before the date"},
		"status": strEnum(tracker.MeetingStatuses), "notes": tStr}
	decision := obj{"type": "object", "properties": obj{"id": tInt, "meeting_id": tNullInt, "reference_id": tInt,
		"outcome": strEnum(tracker.Decisions), "new_date": tNullDay, "reason": tStr, "author": tStr,
		"on": obj{"type": "string", "format": "date", "description": "The day it took effect: the meeting's date"}}}
	schemas = obj{
		"Meeting": obj{"type": "object", "properties": obj{"id": tInt, "heading": tStr, "body_id": tInt, "body": ref("Organisation"),
			"date": tDate, "papers_deadline": tDate, "status": strEnum(tracker.MeetingStatuses), "notes": tStr,
			"issued_at": obj{"type": "string", "format": "date-time", "nullable": true, "description": "When the papers were recorded as issued and the schedule frozen; the moment the schedule shows is its as_at"},
			"version":   tInt}},
		"MeetingList":  listOf("Meeting"),
		"NewMeeting":   object([]string{"body_id", "date", "papers_deadline"}, meetingProps),
		"MeetingPatch": patchOf(meetingProps, "meeting"),
		"Decision":     decision,
		"NewDecision": object([]string{"version", "reference_id", "outcome"}, obj{
			"version":      obj{"type": "integer", "minimum": 1, "description": "The reference's version as read; a different current one is a 409 with the reference"},
			"reference_id": tInt, "outcome": strEnum(tracker.Decisions),
			"new_date": obj{"type": "string", "format": "date", "description": "With new_date: the new day it is to be completed by"},
			"reason":   obj{"type": "string", "description": "Needed with new_date"}}),
		"Closure": object([]string{"version", "reason"}, obj{"version": obj{"type": "integer", "minimum": 1}, "reason": tStr}),
		"Schedule": obj{"type": "object", "properties": obj{"meeting": ref("Meeting"), "since": tNullDay,
			"as_at":  obj{"type": "string", "format": "date-time", "description": "The moment the schedule shows: the end of the papers deadline's day once it has passed (also for papers issued later), else the moment the papers were issued, or now while they are not"},
			"issued": obj{"type": "boolean"},
			"items": obj{"type": "array", "items": obj{"type": "object", "properties": obj{
				"reference": ref("Reference"), "officers": tStrList,
				"progress":        obj{"type": "array", "items": obj{"type": "object", "properties": obj{"action": tStr, "date": tDate, "author": tStr, "text": tStr}}},
				"to_be_completed": tNullDay, "proposed_for_closure": obj{"type": "boolean"},
				"decision": obj{"allOf": []obj{ref("Decision")}, "nullable": true}}}}}},
	}
	meeting := []obj{idParamDoc("meeting")}
	paths = map[string]obj{
		"/meetings": {
			"get": obj{"summary": "List meetings, the latest first",
				"parameters": append([]obj{queryParam("body_id", "Only this body's", tInt), queryParam("status", "Only this status", strEnum(tracker.MeetingStatuses))}, pageParams...),
				"responses":  merge(okResp("A page of meetings", "MeetingList"), errorResponses("401", "422"))},
			"post": obj{"summary": "Add a meeting of a body (administrators, and secretaries of the body)", "requestBody": reqBody("NewMeeting"),
				"responses": merge(createdResp("The meeting", "Meeting"), writeErrors("401", "403", "422"))},
		},
		"/meetings/{id}": {
			"get": obj{"summary": "One meeting", "parameters": meeting, "responses": merge(okResp("The meeting", "Meeting"), errorResponses("401", "404"))},
			"patch": obj{"summary": "Change a meeting; issuing its papers freezes its schedule", "parameters": meeting, "requestBody": reqBody("MeetingPatch"),
				"responses": merge(okResp("The meeting as saved", "Meeting"), writeErrors("401", "403", "404", "422"), conflict("Meeting"))},
		},
		"/meetings/{id}/schedule": {"get": obj{"summary": "The meeting's schedule of outstanding references: as issued with the papers; while planned, as the tracker stood at the papers deadline once it has passed, else as it stands",
			"parameters": meeting, "responses": merge(okResp("The schedule", "Schedule"), errorResponses("401", "404"))}},
		"/meetings/{id}/decisions": {"post": obj{"summary": "Record a decision of the meeting on a reference (agreed closed, kept open, a new date with a reason), dated the meeting's day",
			"parameters": meeting, "requestBody": reqBody("NewDecision"),
			"responses": merge(createdResp("The decision", "Decision"), writeErrors("401", "403", "404", "422"), conflict("Reference"))}},
		"/references/{id}/close": {"post": obj{"summary": "Close a reference between meetings, with a reason",
			"parameters": []obj{idParamDoc("reference")}, "requestBody": reqBody("Closure"),
			"responses": merge(createdResp("The decision", "Decision"), writeErrors("401", "403", "404", "422"), conflict("Reference"))}},
	}
	return schemas, paths
}

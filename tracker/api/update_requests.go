package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
)

// Update requests through the API: before a meeting's papers deadline, who
// would be asked for updates (and who cannot be reached), who has updated
// since being asked, and sending the requests and the reminders — the
// meeting page's reads and commands. Only who may change the meeting sees
// or sends them: they name people and their addresses.

type requestActionDTO struct {
	ID          int64   `json:"id"`
	Description string  `json:"description"`
	Owner       string  `json:"owner"`
	Status      string  `json:"status"`
	DueDate     *string `json:"due_date"`
	ReferenceID *int64  `json:"reference_id"`
	// UpdatedAt is when the first update since the request was entered.
	UpdatedAt *string `json:"updated_at,omitempty"`
}

func requestActionDTOOf(a tracker.Action, updatedAt *time.Time) requestActionDTO {
	d := requestActionDTO{ID: a.ID, Description: a.Description, Owner: a.Owner, Status: a.Status, DueDate: dateString(a.DueDate), ReferenceID: a.ReferenceID}
	if updatedAt != nil {
		at := updatedAt.UTC().Format(time.RFC3339)
		d.UpdatedAt = &at
	}
	return d
}

type requestOwnerDTO struct {
	Key     string             `json:"key"`
	UserID  *int64             `json:"user_id"`
	Email   string             `json:"email"`
	Name    string             `json:"name"`
	Actions []requestActionDTO `json:"actions"`
}

func requestOwnerDTOOf(o tracker.UpdateOwner) requestOwnerDTO {
	d := requestOwnerDTO{Key: o.Key, UserID: o.UserID, Email: o.Email, Name: o.Name, Actions: []requestActionDTO{}}
	for _, a := range o.Actions {
		d.Actions = append(d.Actions, requestActionDTOOf(a, nil))
	}
	return d
}

type unreachableDTO struct {
	Owner string `json:"owner"`
	// Stopped says the owner has stopped update requests with the link in one.
	Stopped bool               `json:"stopped"`
	Actions []requestActionDTO `json:"actions"`
}

type ownerProgressDTO struct {
	requestOwnerDTO
	Round       int      `json:"round"`
	RequestedAt string   `json:"requested_at"`
	RequestedBy string   `json:"requested_by"`
	Updated     bool     `json:"updated"`
	RemindedAt  []string `json:"reminded_at"`
}

type updateRequestsDTO struct {
	Meeting meetingDTO `json:"meeting"`
	// NextRound is the round the next send gets; Closed why none can be
	// sent now ("" when they can).
	NextRound   int                `json:"next_round"`
	Closed      string             `json:"closed"`
	Owners      []requestOwnerDTO  `json:"owners"`
	Unreachable []unreachableDTO   `json:"unreachable"`
	Rounds      int                `json:"rounds"`
	Status      []ownerProgressDTO `json:"status"`
}

// apiUpdateRequests answers what sending update requests would do now and
// where each owner asked stands.
func (s *Server) apiUpdateRequests(c *gin.Context) {
	m, ok := s.apiMeetingFor(c)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	if err := s.cmds(c).MayChangeMeeting(ctx, m.ID); err != nil {
		s.apiFail(c, err)
		return
	}
	plan, err := s.store.UpdateRequestPlan(ctx, m.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	st, err := s.store.UpdateRequestStatus(ctx, m.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	out := updateRequestsDTO{Meeting: meetingDTOOf(m), NextRound: plan.Round, Closed: plan.Closed, Owners: []requestOwnerDTO{},
		Unreachable: []unreachableDTO{}, Rounds: st.Rounds, Status: []ownerProgressDTO{}}
	for _, o := range plan.Owners {
		out.Owners = append(out.Owners, requestOwnerDTOOf(o))
	}
	for _, u := range plan.Unreachable {
		d := unreachableDTO{Owner: u.Owner, Stopped: u.Stopped, Actions: []requestActionDTO{}}
		for _, a := range u.Actions {
			d.Actions = append(d.Actions, requestActionDTOOf(a, nil))
		}
		out.Unreachable = append(out.Unreachable, d)
	}
	for _, o := range st.Owners {
		d := ownerProgressDTO{requestOwnerDTO: requestOwnerDTOOf(tracker.UpdateOwner{Key: o.Owner.Key, UserID: o.Owner.UserID, Email: o.Owner.Email, Name: o.Owner.Name}),
			Round: o.Round, RequestedAt: o.RequestedAt.UTC().Format(time.RFC3339), RequestedBy: o.RequestedBy, Updated: o.Updated(), RemindedAt: []string{}}
		for _, p := range o.Actions {
			d.Actions = append(d.Actions, requestActionDTOOf(p.Action, p.UpdatedAt))
		}
		for _, at := range o.RemindedAt {
			d.RemindedAt = append(d.RemindedAt, at.UTC().Format(time.RFC3339))
		}
		out.Status = append(out.Status, d)
	}
	c.JSON(http.StatusOK, out)
}

type sentEmailDTO struct {
	ID      int64  `json:"id"`
	To      string `json:"to"`
	Subject string `json:"subject"`
	Status  string `json:"status"`
}

type sentDTO struct {
	Round  int            `json:"round,omitempty"`
	Emails []sentEmailDTO `json:"emails"`
}

func sentDTOOf(round int, emails []tracker.Email) sentDTO {
	out := sentDTO{Round: round, Emails: []sentEmailDTO{}}
	for _, e := range emails {
		out.Emails = append(out.Emails, sentEmailDTO{ID: e.ID, To: e.To, Subject: e.Subject, Status: e.Status})
	}
	return out
}

// requestUpdatesRequest names the round the client saw as next, so that a
// request sent twice is refused rather than emailed twice.
type requestUpdatesRequest struct {
	Round int `json:"round"`
}

// apiRequestUpdates emails each reachable owner of an open action on the
// meeting's schedule, once.
func (s *Server) apiRequestUpdates(c *gin.Context) {
	m, ok := s.apiMeetingFor(c)
	if !ok {
		return
	}
	var req requestUpdatesRequest
	if !apiBind(c, &req) {
		return
	}
	if req.Round < 1 {
		apiInvalid(c, map[string]string{"round": "Send the round you saw as next (next_round from GET /meetings/{id}/update-requests)"})
		return
	}
	sent, err := s.cmds(c).RequestUpdates(c.Request.Context(), m.ID, req.Round)
	if err != nil {
		s.apiFail(c, renamed(err, "send-requests", "round"))
		return
	}
	c.JSON(http.StatusCreated, sentDTOOf(req.Round, sent))
}

// apiRemindOwners emails a reminder to each owner asked who has not
// updated every action they were asked about.
func (s *Server) apiRemindOwners(c *gin.Context) {
	m, ok := s.apiMeetingFor(c)
	if !ok {
		return
	}
	sent, err := s.cmds(c).RemindOwners(c.Request.Context(), m.ID)
	if err != nil {
		s.apiFail(c, renamed(err, "send-reminders", "meeting"))
		return
	}
	c.JSON(http.StatusCreated, sentDTOOf(0, sent))
}

// updateRequestDocs describes these operations for the OpenAPI document.
func updateRequestDocs() (schemas obj, paths map[string]obj) {
	action := obj{"type": "object", "properties": obj{"id": tInt, "description": tStr, "owner": tStr, "status": strEnum(tracker.ActionStatuses),
		"due_date": tNullDay, "reference_id": tNullInt,
		"updated_at": obj{"type": "string", "format": "date-time", "description": "When the first update since the request was entered"}}}
	actions := obj{"type": "array", "items": action}
	owner := obj{"key": tStr, "user_id": tNullInt, "email": tStr, "name": tStr, "actions": actions}
	progress := obj{"round": tInt, "requested_at": obj{"type": "string", "format": "date-time"}, "requested_by": tStr,
		"updated":     obj{"type": "boolean", "description": "Has posted an update on every open action they were asked about"},
		"reminded_at": obj{"type": "array", "items": obj{"type": "string", "format": "date-time"}}}
	for k, v := range owner {
		progress[k] = v
	}
	schemas = obj{
		"UpdateRequests": obj{"type": "object", "properties": obj{"meeting": ref("Meeting"), "next_round": tInt,
			"closed": obj{"type": "string", "description": "Why no requests can be sent now; empty when they can"},
			"owners": obj{"type": "array", "items": obj{"type": "object", "properties": owner}},
			"unreachable": obj{"type": "array", "items": obj{"type": "object", "properties": obj{"owner": tStr, "actions": actions,
				"stopped": obj{"type": "boolean", "description": "The owner has stopped update requests with the link in one"}}}},
			"rounds": tInt, "status": obj{"type": "array", "items": obj{"type": "object", "properties": progress}}}},
		"RequestUpdates": object([]string{"round"}, obj{"round": obj{"type": "integer", "minimum": 1, "description": "next_round as read"}}),
		"Reminders":      object(nil, obj{}),
		"Sent": obj{"type": "object", "properties": obj{"round": tInt, "emails": obj{"type": "array", "items": obj{"type": "object",
			"properties": obj{"id": tInt, "to": tStr, "subject": tStr, "status": tStr}}}}},
	}
	meeting := []obj{idParamDoc("meeting")}
	paths = map[string]obj{
		"/meetings/{id}/update-requests": {
			"get": obj{"summary": "Who update requests would reach now, who cannot be reached, and who has updated since being asked",
				"parameters": meeting, "responses": merge(okResp("The plan and the progress", "UpdateRequests"), errorResponses("401", "403", "404"))},
			"post": obj{"summary": "Email each reachable owner of an open action on the schedule once, listing their actions",
				"parameters": meeting, "requestBody": reqBody("RequestUpdates"),
				"responses": merge(createdResp("The emails queued", "Sent"), writeErrors("401", "403", "404", "422"))},
		},
		"/meetings/{id}/reminders": {"post": obj{"summary": "Remind each owner asked who has not updated every action they were asked about",
			"parameters": meeting, "requestBody": reqBody("Reminders"),
			"responses": merge(createdResp("The emails queued", "Sent"), writeErrors("401", "403", "404", "422"))}},
	}
	return schemas, paths
}

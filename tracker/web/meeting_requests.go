package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Update requests: the section of a meeting's page where its secretary
// asks the owners for updates, sees who has posted them since, and
// reminds those who have not.

// requestSection is what the section shows: who would be asked now, who
// cannot be reached, and where each owner asked stands.
type requestSection struct {
	Plan   tracker.UpdateRequestPlan
	Status tracker.UpdateRequestStatus
	// Waiting counts the owners a reminder would go to.
	Waiting int
	// Errors holds a refused send's message at its button.
	Errors map[string]string
}

func (s *Server) requestSectionFor(c *gin.Context, sc tracker.Schedule) (*requestSection, error) {
	ctx := c.Request.Context()
	plan, err := s.store.UpdateRequestPlan(ctx, sc.Meeting.ID)
	if err != nil {
		return nil, err
	}
	st, err := s.store.UpdateRequestStatus(ctx, sc.Meeting.ID)
	if err != nil {
		return nil, err
	}
	return &requestSection{Plan: plan, Status: st, Waiting: len(st.NotUpdated()), Errors: map[string]string{}}, nil
}

// Buttons of the section, in page order, for the error summary.
var requestFieldOrder = []string{"send-requests", "send-reminders"}

func (s *Server) meetingRequestUpdates(c *gin.Context) {
	s.meetingSend(c, func(ctx context.Context, id int64) error {
		// The form names the round it sends, so a second press of the
		// button, or a page left open, sends nothing twice.
		round, err := strconv.Atoi(c.PostForm("round"))
		if err != nil || round < 1 {
			return &tracker.ValidationError{Fields: map[string]string{"send-requests": "The form did not say which round of requests it sends: reload the page and send again"}}
		}
		_, err = s.cmds(c).RequestUpdates(ctx, id, round)
		return err
	}, savedUpdateRequests)
}

func (s *Server) meetingRemind(c *gin.Context) {
	s.meetingSend(c, func(ctx context.Context, id int64) error {
		_, err := s.cmds(c).RemindOwners(ctx, id)
		return err
	}, savedReminders)
}

// meetingSend runs a send from the meeting's page; a refusal of the
// tracker's rules shows the page again with the message at the button.
func (s *Server) meetingSend(c *gin.Context, send func(context.Context, int64) error, confirm string) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	err = send(c.Request.Context(), id)
	var v *tracker.ValidationError
	if err == nil {
		s.saved(c, "/meetings/"+request.IDString(id)+"#updates", confirm)
		return
	}
	if !errors.As(err, &v) {
		s.fail(c, err)
		return
	}
	p, perr := s.meetingPageFor(c, id)
	if perr != nil {
		s.fail(c, perr)
		return
	}
	p.ErrorSummary = errorList(v.Fields, requestFieldOrder)
	if p.Requests != nil {
		p.Requests.Errors = v.Fields
	}
	s.render(c, http.StatusUnprocessableEntity, pageMeeting, p)
}

package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// addresseeStatusForm changes one addressee's own status of a
// recommendation: the status, the day it took it, and the version of it
// the person saw.
type addresseeStatusForm struct {
	Version    int    `form:"version"`
	Status     string `form:"status"`
	StatusDate string `form:"status_date"`
}

// addresseeStatusView is one addressee's row in "Status by addressee", with
// its form when the person may set it.
type addresseeStatusView struct {
	tracker.AddresseeStatus
	CanSet   bool
	Form     addresseeStatusForm
	Errors   map[string]string
	Conflict bool
}

// addresseeStatusViews lists each addressee's status, with a form for those
// the person may set; posted carries a form posted for org back to it.
func (s *Server) addresseeStatusViews(c *gin.Context, r tracker.Recommendation, may map[int64]bool, org int64, posted *addresseeStatusForm, errs map[string]string, conflict bool) []addresseeStatusView {
	out := make([]addresseeStatusView, len(r.Statuses))
	for i, a := range r.Statuses {
		v := addresseeStatusView{AddresseeStatus: a,
			CanSet: may[a.Organisation.ID],
			Form:   addresseeStatusForm{Version: a.Version, Status: a.Status, StatusDate: s.today().Format("2006-01-02")}}
		if posted != nil && a.Organisation.ID == org {
			v.Form, v.Errors, v.Conflict = *posted, errs, conflict
			v.Form.Version = a.Version
		}
		out[i] = v
	}
	return out
}

// recommendationAddresseeStatus sets one addressee's own status of a
// recommendation, as from the date given (today by default).
func (s *Server) recommendationAddresseeStatus(c *gin.Context) {
	d, ok := s.recommendationFor(c)
	if !ok {
		return
	}
	id, ctx := d.Recommendation.ID, c.Request.Context()
	org, err := request.AddresseeParam(c, d.Recommendation)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.cmds(c).MaySetAddresseeStatus(ctx, id, org); err != nil {
		s.fail(c, err)
		return
	}
	var f addresseeStatusForm
	errs := request.MergeErrors(nil, request.BindForm(c, &f))
	ch := tracker.AddresseeStatusChange{Status: f.Status, Version: f.Version}
	if f.StatusDate != "" {
		if day, ok := request.ParseFormDate(f.StatusDate); ok {
			ch.On = &day
		} else {
			errs["status_date"] = "Enter the date the status took effect, for example 17/05/2022"
		}
	}
	if len(errs) == 0 {
		err = s.cmds(c).SetAddresseeStatus(ctx, id, org, ch)
	}
	var invalid *tracker.ValidationError
	switch {
	case len(errs) > 0:
		s.showRecommendation(c, http.StatusUnprocessableEntity, id, recForms{AddresseeOrg: org, Addressee: &f, AddresseeErrors: errs})
	case errors.Is(err, tracker.ErrConflict):
		s.showRecommendation(c, http.StatusConflict, id, recForms{AddresseeOrg: org, Addressee: &f, AddresseeConflict: true, AddresseeErrors: map[string]string{
			"status": "Someone else changed this status after you opened the page. It now stands as shown in the table; choose again."}})
	case errors.As(err, &invalid):
		s.showRecommendation(c, http.StatusUnprocessableEntity, id, recForms{AddresseeOrg: org, Addressee: &f, AddresseeErrors: invalid.Fields})
	case err != nil:
		s.fail(c, err)
	default:
		s.saved(c, "/recommendations/"+strconv.FormatInt(id, 10)+"#addressees", savedStatus)
	}
}

package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
)

type actionListPage struct {
	Layout
	Items         []tracker.ActionItem
	Pager         Pager
	Organisations []tracker.Organisation
	Owners        []string
	Statuses      []tracker.Option
	DueWithin     []int
	Filter        actionQuery
	Filtered      bool
	Deleted       bool
	// PDFFilter carries the log's filter to the PDF download.
	PDFFilter map[string]string
}

// actionQuery is the log's filter as it appears in the URL.
type actionQuery struct {
	Org       int64  `form:"org"`
	Owner     string `form:"owner"`
	Status    string `form:"status"`
	Overdue   bool   `form:"overdue"`
	Open      bool   `form:"open"`
	DueWithin int    `form:"due_within"`
	Source    int64  `form:"source"`
}

func (s *Server) actionList(c *gin.Context) {
	var q actionQuery
	_ = c.ShouldBindQuery(&q) // a malformed value filters nothing rather than failing
	if !validOption(tracker.ActionStatuses, q.Status) {
		q.Status = ""
	}
	if q.DueWithin < 0 || q.DueWithin > 3660 {
		q.DueWithin = 0
	}
	ctx := c.Request.Context()
	page := s.pageOf(c)
	items, total, err := s.store.ListActions(ctx, tracker.ActionFilter{
		OrganisationID: q.Org, Owner: q.Owner, Status: q.Status, Overdue: q.Overdue, Open: q.Open,
		DueWithinDays: q.DueWithin, SourceID: q.Source, Today: s.today(), Page: page,
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	owners, err := s.store.Owners(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageActions, &actionListPage{
		Layout: Layout{Title: "Action log", Section: "actions"},
		Items:  items, Pager: newPager(c.Request.URL, page, total, "action", "actions"),
		Organisations: orgs, Owners: owners, Statuses: tracker.ActionStatuses, DueWithin: []int{7, 30, 90},
		Filter: q, Filtered: q != actionQuery{}, Deleted: c.Query("deleted") != "",
		PDFFilter: map[string]string{"org": c.Query("org"), "owner": q.Owner, "status": q.Status, "open": c.Query("open"),
			"overdue": c.Query("overdue"), "source": c.Query("source")},
	})
}

package web

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type referenceListPage struct {
	Layout
	References []tracker.Reference
	Pager      Pager
}

func (s *Server) referenceList(c *gin.Context) {
	page := s.pageOf(c)
	refs, total, err := s.store.ListReferences(c.Request.Context(), page)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageReferences, &referenceListPage{
		Layout:     Layout{Title: "References", Section: "references"},
		References: refs, Pager: newPager(c.Request.URL, page, total, "reference", "references"),
	})
}

type referencePage struct {
	Layout
	tracker.ReferenceDetail
	History []HistoryRow
	CanEdit bool
	// Decisions are those taken on it at meetings and between them, its
	// timeline of closure; CanClose offers closing it between meetings.
	Decisions []tracker.Decision
	CanClose  bool
}

func (s *Server) referenceShow(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.store.ReferenceDetail(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	events, err := s.store.History(c.Request.Context(), store.EntityReference, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	decisions, err := s.store.ReferenceDecisions(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	title := d.Reference.Title
	if d.Reference.Number != "" {
		title = "Outstanding Reference: " + d.Reference.Heading()
	}
	s.render(c, http.StatusOK, pageReference, &referencePage{
		Layout:          Layout{Title: title, Section: "references", Breadcrumbs: []Crumb{{"References", "/references"}}},
		ReferenceDetail: d, History: s.historyRows(c, events),
		CanEdit:   s.cmds(c).MayChangeReference(c.Request.Context(), d.Reference.ID) == nil,
		Decisions: decisions,
		CanClose:  d.Reference.Status != tracker.RefClosed && s.cmds(c).MayCloseReference(c.Request.Context(), d.Reference.ID) == nil,
	})
}

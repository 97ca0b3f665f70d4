package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

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
	RAGs          []tracker.Option
	SinceError    string
	Sorts         map[string]string
	// PDFFilter carries the log's filter to the PDF download.
	PDFFilter map[string]string
	// ExportQuery carries it to the CSV and XLSX downloads.
	ExportQuery template.URL
	// Mine are the names "My actions" looks for in an action's owner.
	Mine []string
	// NoOwner is the owner filter's value for "Not assigned".
	NoOwner string
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
	RAG       string `form:"rag"`
	Since     string `form:"changed_since"`
	Sort      string `form:"sort"`
	// Mine keeps the signed-in person's actions ("My actions").
	Mine bool `form:"mine"`
}

// noOwner is the owner filter's value for the actions no one owns yet, as
// "none" is the RAG filter's for the unrated ones.
const noOwner = "none"

// ownerFilter reads the owner filter: an owner's name, or noOwner.
func ownerFilter(v string) (owner string, none bool) {
	if v == noOwner {
		return "", true
	}
	return v, false
}

// myNames are what an action's owner may say to be the person's: their
// name or their email address, in any case. The owner is free text, so
// this is how "My actions" finds a person's actions.
func myNames(u *tracker.User) []string {
	if u == nil {
		return nil
	}
	return []string{u.Name, u.Email}
}

// sinceOf reads a "changed since" date from a filter; a date that cannot be
// read filters nothing and is reported at its field.
func sinceOf(v string) (*time.Time, string) {
	if strings.TrimSpace(v) == "" {
		return nil, ""
	}
	d, ok := parseFormDate(v)
	if !ok {
		return nil, "Enter the date as a real date, for example 01/11/2026"
	}
	return &d, ""
}

// sortLinks gives, for each sort key, the current URL with that sort.
func sortLinks(u *url.URL, keys ...string) map[string]string {
	out := map[string]string{}
	for _, k := range keys {
		q := u.Query()
		q.Set("sort", k)
		q.Del("page")
		out[k] = u.Path + "?" + q.Encode()
	}
	return out
}

// actionFilterOf reads the log's filter from the URL; the page and its
// exports share it, so an export holds what the page shows.
func actionFilterOf(c *gin.Context, today time.Time) (tracker.ActionFilter, actionQuery, string) {
	var q actionQuery
	_ = c.ShouldBindQuery(&q) // a malformed value filters nothing rather than failing
	if !validOption(tracker.ActionStatuses, q.Status) {
		q.Status = ""
	}
	if q.DueWithin < 0 || q.DueWithin > 3660 {
		q.DueWithin = 0
	}
	if q.RAG != "none" && (q.RAG == "" || !validOption(tracker.RAGs, q.RAG)) {
		q.RAG = ""
	}
	since, sinceErr := sinceOf(q.Since)
	owner, none := ownerFilter(q.Owner)
	f := tracker.ActionFilter{
		OrganisationID: q.Org, Owner: owner, NoOwner: none, Status: q.Status, Overdue: q.Overdue, Open: q.Open,
		DueWithinDays: q.DueWithin, SourceID: q.Source, Today: today,
		RAG: q.RAG, ChangedSince: since, Sort: q.Sort,
	}
	if q.Mine {
		f.OwnedBy = myNames(CurrentUser(c))
	}
	return f, q, sinceErr
}

func (s *Server) actionList(c *gin.Context) {
	f, q, sinceErr := actionFilterOf(c, s.today())
	ctx := c.Request.Context()
	page := s.pageOf(c)
	f.Page, f.LatestUpdateOnly = page, true
	items, total, err := s.store.ListActions(ctx, f)
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
	exports := c.Request.URL.Query()
	exports.Del("page")
	layout := Layout{Title: "Action log", Section: "actions", ErrorSummary: sinceSummary(sinceErr)}
	if q.Mine {
		layout.Title, layout.Section = "My actions", "mine"
	}
	s.render(c, http.StatusOK, pageActions, &actionListPage{
		ExportQuery: exportQuery(exports),
		Items:       items, Pager: newPager(c.Request.URL, page, total, "action", "actions"),
		Organisations: orgs, Owners: owners, Statuses: tracker.ActionStatuses, DueWithin: []int{7, 30, 90},
		Filter: q, Filtered: q != actionQuery{Sort: q.Sort, Mine: q.Mine}, Mine: myNames(CurrentUser(c)), NoOwner: noOwner,
		RAGs: tracker.RAGs, SinceError: sinceErr, Sorts: sortLinks(c.Request.URL, "due", "owner", "status", "rag", "changed"),
		Layout: layout,
		PDFFilter: map[string]string{"org": c.Query("org"), "owner": q.Owner, "status": q.Status, "open": c.Query("open"),
			"overdue": c.Query("overdue"), "source": c.Query("source"), "mine": c.Query("mine")},
	})
}

// sinceSummary is the error summary of a list whose "changed since" date
// could not be read.
func sinceSummary(msg string) []FieldError {
	if msg == "" {
		return nil
	}
	return []FieldError{{Field: "f-since", Message: msg}}
}

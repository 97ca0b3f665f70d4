package web

import (
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type actionListPage struct {
	Layout
	Items         []tracker.ActionItem
	Pager         Pager
	Organisations []tracker.Organisation
	Owners        []string
	Statuses      []tracker.Option
	DueWithin     []int
	Filter        request.ActionQuery
	Filtered      bool
	RAGs          []tracker.Option
	// People are the accounts the Person filter offers.
	People []tracker.Option
	// FilterErrors are the filter's values that could not be read, by
	// query parameter.
	FilterErrors filterErrors
	Sorts        map[string]string
	// PDFFilter carries the log's filter to the PDF download.
	PDFFilter map[string]string
	// ExportQuery carries it to the CSV and XLSX downloads.
	ExportQuery template.URL
	// Mine are the names "My actions" looks for in an action's owner.
	Mine []string
	// NoOwner is the owner filter's value for "Not assigned".
	NoOwner string
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

// filterFieldIDs are the ids of the list filters' inputs, by query
// parameter, for the error summary's links.
var filterFieldIDs = map[string]string{"org": "f-org", "owner": "f-owner", "status": "f-status", "due_within": "f-due",
	"rag": "f-rag", request.ChangedSinceParam: "f-since", "open": "f-open", "overdue": "f-overdue", "outstanding": "f-outstanding",
	"source": "f-source", "theme": "f-theme", "person": "f-person"}

// filterErrors are a list filter's values that could not be read, by query
// parameter, with what to tell the person.
type filterErrors map[string]string

// FE is the error of the filter field read from query parameter name, for
// the field-error partial.
func (e filterErrors) FE(name string) FieldError {
	return FieldError{Field: filterFieldIDs[name], Message: e[name]}
}

// filterSummary is the error summary of a list filter whose values could
// not all be read (errs is keyed by query parameter).
func filterSummary(errs map[string]string) []FieldError {
	byID := map[string]string{}
	for name, msg := range errs {
		id := filterFieldIDs[name]
		if id == "" {
			id = name
		}
		byID[id] = msg
	}
	return errorList(byID, []string{"f-org", "f-owner", "f-person", "f-status", "f-due", "f-rag", "f-since", "f-open", "f-overdue"})
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
// A value that cannot be read filters nothing and is reported in errs,
// keyed by query parameter.
func actionFilterOf(c *gin.Context, today time.Time) (f tracker.ActionFilter, q request.ActionQuery, errs map[string]string) {
	errs = request.BindQuery(c, &q)
	if q.Since == "" {
		q.Since = request.ChangedSince(c)
	}
	if !request.ValidOption(tracker.ActionStatuses, q.Status) {
		q.Status = ""
	}
	if q.DueWithin < 0 || q.DueWithin > 3660 {
		q.DueWithin = 0
		errs["due_within"] = "Enter a number of days from 0 to 3660"
	}
	if q.RAG != "none" && (q.RAG == "" || !request.ValidOption(tracker.RAGs, q.RAG)) {
		q.RAG = ""
	}
	since, sinceErr := request.SinceOf(q.Since)
	if sinceErr != "" {
		errs[request.ChangedSinceParam] = sinceErr
	}
	owner, none := request.OwnerFilter(q.Owner)
	f = tracker.ActionFilter{
		OrganisationID: q.Org, Owner: owner, NoOwner: none, Person: q.Person, Status: q.Status, Overdue: q.Overdue, Open: q.Open,
		DueWithinDays: q.DueWithin, SourceID: q.Source, Today: today,
		RAG: q.RAG, ChangedSince: since, Sort: q.Sort,
	}
	if q.Mine {
		f.OwnedBy = myNames(request.User(c))
	}
	return f, q, errs
}

func (s *Server) actionList(c *gin.Context) {
	f, q, filterErrs := actionFilterOf(c, s.today())
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
	people, err := s.accountOptions(c, &q.Person)
	if err != nil {
		s.fail(c, err)
		return
	}
	exports := c.Request.URL.Query()
	exports.Del("page")
	layout := Layout{Title: "Action log", Section: "actions", ErrorSummary: filterSummary(filterErrs)}
	if q.Mine {
		layout.Title, layout.Section = "My actions", "mine"
	}
	s.render(c, http.StatusOK, pageActions, &actionListPage{
		ExportQuery: exportQuery(exports),
		Items:       items, Pager: newPager(c.Request.URL, page, total, "action", "actions"),
		Organisations: orgs, Owners: owners, Statuses: tracker.ActionStatuses, DueWithin: []int{7, 30, 90},
		Filter: q, Filtered: q != request.ActionQuery{Sort: q.Sort, Mine: q.Mine}, People: people, Mine: myNames(request.User(c)), NoOwner: request.NoOwner,
		RAGs: tracker.RAGs, FilterErrors: filterErrs, Sorts: sortLinks(c.Request.URL, "due", "owner", "status", "rag", "changed"),
		Layout: layout,
		PDFFilter: map[string]string{"org": c.Query("org"), "owner": q.Owner, "status": q.Status, "open": c.Query("open"),
			"overdue": c.Query("overdue"), "source": c.Query("source"), "mine": c.Query("mine"), "rag": q.RAG,
			"due_within": c.Query("due_within"), request.ChangedSinceParam: q.Since, "sort": c.Query("sort"), "person": c.Query("person")},
	})
}

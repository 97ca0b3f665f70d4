package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// searchWords are what a board member types into search: words of the
// example documents and of generated data, some only the start of a word.
var searchWords = []string{
	"victim", "victims support", "hotline", "training", "satisfaction", "satisf", "leaflet",
	"supervisors", "CRIS", "dip sampling", "compliance", "survey", "London", "officers",
	"data quality", "partners", "evaluated", "Victims’ Code",
}

// visit plays the next persona of the client's mix once.
func (c *client) visit(ctx context.Context) error {
	switch c.schedule.next() {
	case chair:
		return c.chairVisit(ctx)
	case secretary:
		return c.secretaryVisit(ctx)
	case board:
		return c.boardVisit(ctx)
	default:
		return c.listsVisit(ctx)
	}
}

// chairVisit is a working-group chair keeping the log current: the open
// actions (now and then a fresh look at the log), one action's page, a
// dated progress update posted with that form's version and CSRF token,
// sometimes with a new RAG rating, and the page it returns to.
func (c *client) chairVisit(ctx context.Context) error {
	if c.actions.empty() || c.rng.IntN(6) == 0 {
		q := url.Values{"open": {"true"}}
		if c.actionPages > 1 {
			q.Set("page", strconv.Itoa(1+c.rng.IntN(c.actionPages)))
		}
		res, err := c.get(ctx, "/actions?"+q.Encode())
		if err != nil {
			return err
		}
		c.learnActions(res.body)
		if c.actions.empty() {
			return visitErrorf("the action log shows no open actions to update")
		}
	}
	id, ok := c.run.claimAction(c)
	if !ok {
		return visitErrorf("every action this chair knows is being updated by another client")
	}
	defer c.run.releaseAction(id)
	path := "/actions/" + strconv.FormatInt(id, 10)
	res, err := c.get(ctx, path)
	if err != nil {
		return err
	}
	f, ok := findForm(res.body, path+"/updates")
	if !ok {
		return visitErrorf("%s has no form to post a progress update: the account may not edit this action (use an admin, or an editor or secretary of its organisation)", path)
	}
	if f.Values.Get("csrf_token") == "" || f.Values.Get("version") == "" {
		return visitErrorf("the update form on %s has no CSRF token or version", path)
	}
	c.posted++
	text := fmt.Sprintf("Load driver update %d of client %d: reviewed at the working group, next steps agreed (%s).",
		c.posted, c.id, time.Now().UTC().Format("15:04:05.000000"))
	v := f.Values
	v.Set("text", text)
	if c.rng.IntN(3) == 0 {
		var rags []string
		for _, o := range f.Options["rag"] {
			if o != "keep" {
				rags = append(rags, o)
			}
		}
		if len(rags) > 0 {
			v.Set("rag", pick(c.rng, rags))
		}
	}
	res, err = c.post(ctx, path+"/updates", v)
	if err != nil {
		return err
	}
	if res.status != http.StatusSeeOther {
		return visitErrorf("posting an update to %s answered %d, not 303 See Other", path, res.status)
	}
	c.run.recordPosted(id, text)
	if res, err = c.follow(ctx, res); err != nil {
		return err
	}
	if !strings.Contains(res.body, text) {
		return visitErrorf("the update posted to %s is not on the page the tracker returned to", path)
	}
	return nil
}

// learnActions keeps the action ids, the number of pages and the filter
// form of an action log page.
func (c *client) learnActions(page string) {
	c.actions.add(actionIDs(page))
	c.actionPages = max(c.actionPages, lastPage(page, "/actions"))
	if f, ok := findForm(page, "/actions"); ok {
		c.actionFilter = &f
	}
}

// secretaryVisit is a committee secretary making one document for a pack,
// in turn: a source's status report, a reference's formal reply, the action
// log as a PDF with filters.
func (c *client) secretaryVisit(ctx context.Context) error {
	k := c.secretary
	c.secretary++
	for try := range 3 {
		var err error
		switch (k + try) % 3 {
		case 0:
			err = c.sourceReport(ctx)
		case 1:
			err = c.referenceReply(ctx)
		default:
			err = c.actionLogPDF(ctx)
		}
		if !errors.Is(err, errNothing) {
			return err
		}
	}
	return visitErrorf("the secretary found nothing to report on")
}

// errNothing is a list with nothing in it to open.
var errNothing = errors.New("nothing listed")

func (c *client) sourceReport(ctx context.Context) error {
	if c.sources.empty() || c.rng.IntN(4) == 0 {
		res, err := c.get(ctx, "/sources")
		if err != nil {
			return err
		}
		c.sources.add(idsLinked(res.body, "/sources/"))
		if c.sources.empty() {
			c.run.note("the source list is empty: no source status reports were made")
			return errNothing
		}
	}
	path := "/sources/" + strconv.FormatInt(c.sources.pick(c.rng), 10)
	res, err := c.get(ctx, path)
	if err != nil {
		return err
	}
	return c.downloadPDF(ctx, res.body, path, path+"/report.pdf")
}

func (c *client) referenceReply(ctx context.Context) error {
	if c.references.empty() || c.rng.IntN(4) == 0 {
		res, err := c.get(ctx, "/references")
		if err != nil {
			return err
		}
		c.references.add(idsLinked(res.body, "/references/"))
		if c.references.empty() {
			c.run.note("the tracker has no references: no reference replies were made (load the example with `tracker seed --example`)")
			return errNothing
		}
	}
	path := "/references/" + strconv.FormatInt(c.references.pick(c.rng), 10)
	res, err := c.get(ctx, path)
	if err != nil {
		return err
	}
	if !slices.Contains(links(res.body), path+"/reply") {
		return visitErrorf("%s has no link to prepare the formal reply", path)
	}
	if res, err = c.get(ctx, path+"/reply"); err != nil {
		return err
	}
	return c.downloadPDF(ctx, res.body, path+"/reply", path+"/report.pdf")
}

// actionLogPDF filters the action log as a secretary would for one
// meeting (one owner, one organisation's open actions, one status, the
// overdue ones) and downloads it with the PDF form under the filters.
func (c *client) actionLogPDF(ctx context.Context) error {
	if c.actionFilter == nil {
		res, err := c.get(ctx, "/actions")
		if err != nil {
			return err
		}
		c.learnActions(res.body)
		if c.actionFilter == nil {
			return visitErrorf("the action log has no filter form")
		}
	}
	q := url.Values{}
	choose := func(name string) bool {
		var opts []string
		for _, o := range c.actionFilter.Options[name] {
			if o != "" {
				opts = append(opts, o)
			}
		}
		if len(opts) == 0 {
			return false
		}
		q.Set(name, pick(c.rng, opts))
		return true
	}
	switch c.rng.IntN(4) {
	case 0:
		choose("owner")
	case 1:
		if choose("org") {
			q.Set("open", "true")
		}
	case 2:
		choose("status")
	default:
		q.Set("overdue", "true")
	}
	path := "/actions?" + q.Encode()
	res, err := c.get(ctx, path)
	if err != nil {
		return err
	}
	c.learnActions(res.body)
	return c.downloadPDF(ctx, res.body, path, "/reports/actions.pdf")
}

// downloadPDF fills the PDF form of a page (as at today, its hidden
// filters, and a third of the time changes marked since four weeks before)
// and downloads the PDF.
func (c *client) downloadPDF(ctx context.Context, page, from, action string) error {
	f, ok := findForm(page, action)
	if !ok {
		return visitErrorf("%s has no form to download %s", from, action)
	}
	v := f.Values
	if asAt, err := time.Parse("2006-01-02", v.Get("as_at")); err == nil && c.rng.IntN(3) == 0 {
		v.Set("mark_since", asAt.AddDate(0, 0, -28).Format("2006-01-02"))
	}
	_, err := c.do(ctx, http.MethodGet, action+"?"+v.Encode(), nil, "application/pdf")
	return err
}

// boardVisit is a board member before a meeting: the overview, the action
// log (filtered or another page), the recommendations and one of them, the
// sources and one of them, and a search.
func (c *client) boardVisit(ctx context.Context) error {
	if _, err := c.get(ctx, "/"); err != nil {
		return err
	}
	res, err := c.browse(ctx, "/actions", c.actionFilter, c.actionPages)
	if err != nil {
		return err
	}
	c.learnActions(res.body)
	if res, err = c.browse(ctx, "/recommendations", c.recFilter, c.recPages); err != nil {
		return err
	}
	c.learnRecommendations(res.body)
	if !c.recs.empty() {
		if _, err := c.get(ctx, "/recommendations/"+strconv.FormatInt(c.recs.pick(c.rng), 10)); err != nil {
			return err
		}
	}
	if res, err = c.get(ctx, "/sources"); err != nil {
		return err
	}
	c.sources.add(idsLinked(res.body, "/sources/"))
	if !c.sources.empty() {
		if _, err := c.get(ctx, "/sources/"+strconv.FormatInt(c.sources.pick(c.rng), 10)); err != nil {
			return err
		}
	}
	_, err = c.get(ctx, "/search?"+url.Values{"q": {pick(c.rng, searchWords)}}.Encode())
	return err
}

// listsVisit is the list pages alone, for measuring them: the overview,
// the action log, the recommendations (each filtered or paged), the
// sources and the references.
func (c *client) listsVisit(ctx context.Context) error {
	if _, err := c.get(ctx, "/"); err != nil {
		return err
	}
	res, err := c.browse(ctx, "/actions", c.actionFilter, c.actionPages)
	if err != nil {
		return err
	}
	c.learnActions(res.body)
	if res, err = c.browse(ctx, "/recommendations", c.recFilter, c.recPages); err != nil {
		return err
	}
	c.learnRecommendations(res.body)
	if _, err := c.get(ctx, "/sources"); err != nil {
		return err
	}
	_, err = c.get(ctx, "/references")
	return err
}

func (c *client) learnRecommendations(page string) {
	c.recs.add(idsLinked(page, "/recommendations/"))
	c.recPages = max(c.recPages, lastPage(page, "/recommendations"))
	if f, ok := findForm(page, "/recommendations"); ok {
		c.recFilter = &f
	}
}

// browse opens a list as a person does: as it comes, with a filter or two
// chosen from its filter form, or another page of it.
func (c *client) browse(ctx context.Context, path string, filter *form, pages int) (*response, error) {
	q := url.Values{}
	switch n := c.rng.IntN(3); {
	case n == 1 && filter != nil:
		for _, name := range slices.Sorted(maps.Keys(filter.Options)) {
			if name == "sort" || c.rng.IntN(3) != 0 {
				continue
			}
			var vals []string
			for _, o := range filter.Options[name] {
				if o != "" {
					vals = append(vals, o)
				}
			}
			if len(vals) > 0 {
				q.Set(name, pick(c.rng, vals))
			}
		}
		for _, name := range slices.Sorted(maps.Keys(filter.Checks)) {
			if c.rng.IntN(3) == 0 {
				q.Set(name, filter.Checks[name])
			}
		}
	case n == 2 && pages > 1:
		q.Set("page", strconv.Itoa(1+c.rng.IntN(pages)))
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	return c.get(ctx, path)
}

// classOrder is the order of the rows of the results.
var classOrder = []string{
	"GET /login", "POST /login",
	"GET /", "GET /actions", "GET /actions/{id}", "POST /actions/{id}/updates",
	"GET /recommendations", "GET /recommendations/{id}", "GET /sources", "GET /sources/{id}",
	"GET /references", "GET /references/{id}", "GET /references/{id}/reply", "GET /search",
	"GET /sources/{id}/report.pdf", "GET /references/{id}/report.pdf", "GET /reports/actions.pdf",
	"GET /healthz",
}

// classesOf lists the endpoint classes a persona's visits request.
func classesOf(persona string) []string {
	switch persona {
	case chair:
		return []string{"GET /actions", "GET /actions/{id}", "POST /actions/{id}/updates"}
	case secretary:
		return []string{"GET /sources", "GET /sources/{id}", "GET /sources/{id}/report.pdf",
			"GET /references", "GET /references/{id}", "GET /references/{id}/reply", "GET /references/{id}/report.pdf",
			"GET /actions", "GET /reports/actions.pdf"}
	case board:
		return []string{"GET /", "GET /actions", "GET /recommendations", "GET /recommendations/{id}",
			"GET /sources", "GET /sources/{id}", "GET /search"}
	default:
		return []string{"GET /", "GET /actions", "GET /recommendations", "GET /sources", "GET /references"}
	}
}

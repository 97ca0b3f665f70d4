package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestBrowseExample follows links from the home page to the example's
// items on both databases, as a reader would.
func TestBrowseExample(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newEnv(t, s, 25).login(viewer)

		home := c.get("/", http.StatusOK)
		mustContain(t, text(home), "home", "13 outstanding recommendations", "2 outstanding references", "Metropolitan Police Service")

		sources := c.get("/sources", http.StatusOK)
		doc := c.get(linkTo(t, sources, example.DutyOfCareTitle), http.StatusOK)
		mustContain(t, text(doc), "source page", "London Assembly Police and Crime Committee", "23 January 2013", "47",
			"Victim Services; Victims of Crimes (London, UK)", "Victim care is central to MPS activity and culture",
			"MPS achieves the highest level of victim satisfaction in UK policing", "Overall victim satisfaction",
			"Investing £250,000 to improve the Crime Reporting Information System (CRIS)")

		rec4 := text(c.get(linkTo(t, doc, "4"), http.StatusOK))
		mustContain(t, rec4, "recommendation 4", "Recommendation 4", "“by April 2013”", "30 April 2013", "Past deadline",
			"Metropolitan Police Service, Victim Support", "Management response from Metropolitan Police Service",
			"16/7 central Crime Recording Bureau (CRIB)", "No response recorded from Victim Support.",
			"31 May 2013", "“in the next two months”", "30 November 2013")

		refs := c.get("/references", http.StatusOK)
		// The number in a column of its own, the title as the link, and how
		// long each open reference has been outstanding.
		mustContain(t, text(refs), "references", "No. Reference Requested by Response from Raised Outstanding for Status", " 13 Victim Satisfaction Action Plan ")
		ref13 := text(c.get(linkTo(t, refs, "Victim Satisfaction Action Plan"), http.StatusOK))
		mustContain(t, ref13, "reference 13", "Response from City of London Police", "Response to Performance and Resource Management Sub-Committee",
			"Recommendation 1", "Recommendation 2", "Recommendation 3",
			"Officers should receive individual feedback", "First line supervisors are feeding back",
			"Head of Research and Analysis has been tasked", "Victims' Code and victim services led by Claire Waxman",
			"rolling action log which is effective for their purposes but is not suitable for presentation")
		if n := strings.Count(ref13, "Management response from City of London Police"); n != 3 {
			t.Errorf("reference 13 shows %d management responses, want 3", n)
		}

		board := text(c.get(linkTo(t, refs, "User Satisfaction – Plans to Improve"), http.StatusOK))
		mustContain(t, board, "board question", "“I was pleased to hear", "17 May 2022", "Victims’ Code performance dashboard",
			"14 June 2022", "“in the second week of June”")

		measures := text(c.get("/measures", http.StatusOK))
		mustContain(t, measures, "measures", "76%", "66.7%", "4.7", "11,000", "ⁱ Figures supplied by CCC and relate to PYTD to January 2013")
	})
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	c := newEnv(t, storetest.SQLite(t), 25).login(viewer)
	for _, p := range []string{"/recommendations/99999", "/recommendations/abc", "/recommendations/-1", "/sources/0", "/references/77", "/nowhere"} {
		page := c.get(p, http.StatusNotFound)
		mustContain(t, page, p, "Page not found", `lang="en-GB"`)
	}
}

func TestListsPageAndFilter(t *testing.T) {
	t.Parallel()
	c := newEnv(t, storetest.SQLite(t), 5).login(viewer)
	first := c.get("/actions", http.StatusOK)
	mustContain(t, text(first), "actions page 1", "Showing 1 to 5 of 16 actions")
	next := linkTo(t, first, `Next<span class="visually-hidden"> page</span>`)
	if next != "/actions?page=2" {
		t.Fatalf("next link = %q", next)
	}
	last := text(c.get("/actions?page=4", http.StatusOK))
	mustContain(t, last, "actions page 4", "Showing 16 to 16 of 16 actions")

	overdue := c.get("/actions?overdue=true&page=2", http.StatusOK)
	mustContain(t, text(overdue), "overdue page 2", "Showing 6 to 7 of 7 actions")
	mustContain(t, overdue, "overdue filter kept in links", `href="/actions?overdue=true"`, `id="f-overdue" name="overdue" value="true" checked`)

	owner := text(c.get("/actions?owner=Head+of+Research+and+Analysis", http.StatusOK))
	mustContain(t, owner, "owner filter", "Showing 1 to 1 of 1 action", "satisfaction and crime types")

	recs := text(c.get("/recommendations?status=open", http.StatusOK))
	mustContain(t, recs, "status filter", "Showing 1 to 5 of 6 recommendations")
	// A nonsense filter value filters nothing instead of failing.
	c.get("/recommendations?status=bogus&org=x", http.StatusOK)
}

func TestMarkdownIsSanitised(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	ctx := context.Background()
	e := newEnv(t, s, 25)
	org, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Victim Support"})
	src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindOther, Title: "Hostile", IssuedByID: org.ID,
		Summary: "**bold** <script>alert(1)</script> [x](javascript:alert(2)) <img src=x onerror=alert(3)>"})
	if err != nil {
		t.Fatal(err)
	}
	page := e.login(viewer).get("/sources/"+strconv.FormatInt(src.ID, 10), http.StatusOK)
	mustContain(t, page, "markdown", "<strong>bold</strong>")
	// The History section shows the text as typed, escaped; no live markup
	// may come through.
	for _, bad := range []string{"<script>alert", `href="javascript:`, "<img src=x onerror"} {
		if strings.Contains(page, bad) {
			t.Errorf("page contains %q", bad)
		}
	}
}

func TestHealthAndHeaders(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	ts := newEnv(t, s, 25).ts
	res, err := http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	var body map[string]string
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != 200 || body["status"] != "ok" || body["database"] != "sqlite" || body["schema"] != store.MigrationIDs()[len(store.MigrationIDs())-1] {
		t.Errorf("healthz = %d %v", res.StatusCode, body)
	}
	for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"} {
		if got := res.Header.Get(h); got != want {
			t.Errorf("%s = %q", h, got)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP = %q", csp)
	}
	_ = s.Close()
	res, err = http.Get(ts.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("healthz with the database closed = %d, want 503", res.StatusCode)
	}
}

package web_test

import (
	"encoding/csv"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestSourcePagesItsRecommendations: a source with more recommendations
// than a page shows them a page at a time, every one on exactly one page,
// with counts by status that count all of them.
func TestSourcePagesItsRecommendations(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 4)
	ctx := t.Context()
	src, err := e.s.FindSourceByTitle(ctx, "Duty of Care: Improving Support for Victims of Crime")
	if err != nil {
		t.Fatal(err)
	}
	all, total, err := e.s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: src.ID, Page: tracker.Page{Size: 1000}})
	if err != nil || total <= 4 {
		t.Fatalf("the source has %d recommendations (%v); the test needs more than a page", total, err)
	}
	byStatus := map[string]int{}
	for _, r := range all {
		byStatus[r.Recommendation.Status]++
	}
	c := e.login(viewer)
	path := "/sources/" + strconv.FormatInt(src.ID, 10)
	first := c.get(path, http.StatusOK)
	counts := text(first)
	for _, o := range tracker.RecommendationStatuses {
		mustContain(t, counts, "counts by status", o.Label+" "+strconv.Itoa(byStatus[o.Value]))
	}
	pages := int(total+3) / 4
	mustContain(t, counts, "pager", "Showing 1 to 4 of "+strconv.FormatInt(total, 10)+" recommendations")
	mustContain(t, first, "page links", `href="`+path+`?page=2"`, `href="`+path+`?page=`+strconv.Itoa(pages)+`"`)
	seen := map[int64]int{}
	link := regexp.MustCompile(`<a href="/recommendations/(\d+)" aria-label="Recommendation`)
	for p := 1; p <= pages; p++ {
		page := c.get(path+"?page="+strconv.Itoa(p), http.StatusOK)
		mustContain(t, text(page), "every page keeps the counts", tracker.RecommendationStatuses[0].Label+" "+strconv.Itoa(byStatus[tracker.RecommendationStatuses[0].Value]))
		for _, m := range link.FindAllStringSubmatch(page, -1) {
			id, _ := strconv.ParseInt(m[1], 10, 64)
			seen[id]++
		}
	}
	for _, r := range all {
		if seen[r.Recommendation.ID] != 1 {
			t.Errorf("recommendation %s is on %d pages, want 1", r.Recommendation.Number, seen[r.Recommendation.ID])
		}
	}
	if len(seen) != len(all) {
		t.Errorf("the pages list %d recommendations, the source has %d", len(seen), len(all))
	}
}

// TestExportBeyondTheVariableLimit downloads an action log longer than
// SQLite lets one statement bind ids for, and gets every action.
func TestExportBeyondTheVariableLimit(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a large export; run without -short")
	}
	e := newEnv(t, storetest.SQLite(t), 25)
	ctx := t.Context()
	src, err := e.s.FindSourceByTitle(ctx, "Duty of Care: Improving Support for Victims of Crime")
	if err != nil {
		t.Fatal(err)
	}
	const n = 33000
	storetest.BulkActions(t, e.s, src.ID, n)
	_, total, err := e.s.ListActions(ctx, tracker.ActionFilter{Page: tracker.Page{Size: 1}})
	if err != nil || total < n {
		t.Fatalf("%d actions (%v)", total, err)
	}
	c := e.login(viewer)
	for _, format := range []string{"csv", "xlsx"} {
		body := c.get("/actions."+format, http.StatusOK)
		if format == "xlsx" {
			if !strings.HasPrefix(body, "PK") {
				t.Errorf("the XLSX download is not a workbook: %.40q", body)
			}
			continue
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != int(total)+1 {
			t.Errorf("the CSV has %d rows, want %d actions and a header", len(rows), total)
		}
	}
}

// TestFormsListEverySource: the recommendations' source filter and the
// reference form offer every source and every recommendation, however many
// there are; none is dropped past a fixed number.
func TestFormsListEverySource(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a large register; run without -short")
	}
	e := newEnv(t, storetest.SQLite(t), 25)
	ctx := t.Context()
	orgs, err := e.s.Organisations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// 1,001 more sources, the oldest last in the lists.
	var last tracker.Source
	err = e.s.Bulk(ctx, func(tx *store.Store) error {
		for i := 1001; i >= 1; i-- {
			d := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
			src, err := tx.CreateSource(ctx, tracker.Source{Kind: tracker.KindCommitteeReport, Title: "Report Ⅱ no. " + strconv.Itoa(i), IssuedByID: orgs[0].ID, Date: &d})
			if err != nil {
				return err
			}
			last = src
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.BulkRecommendations(t, e.s, last.ID, 5001)
	recs, _, err := e.s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: last.ID, Sort: "number", Page: tracker.Page{Number: 201, Size: 25}})
	if err != nil || len(recs) != 1 || recs[0].Recommendation.Number != "B5001" {
		t.Fatalf("the last recommendation: %+v %v", recs, err)
	}
	c := e.login(admin)
	page := c.get("/recommendations", http.StatusOK)
	mustContain(t, page, "the source filter offers the oldest source", `<option value="`+strconv.FormatInt(last.ID, 10)+`"`)
	form := c.get("/references/new", http.StatusOK)
	mustContain(t, form, "the reference form offers the oldest source and its last recommendation",
		`value="`+strconv.FormatInt(last.ID, 10)+`"`, `value="`+strconv.FormatInt(recs[0].Recommendation.ID, 10)+`"`)
}

package web_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// pdfText downloads the PDF at path and returns its text, read back with
// pdftotext, with runs of white space as one space.
func (c *client) pdfText(t *testing.T, pdftotext, path string) string {
	t.Helper()
	res, err := c.http.Get(c.e.ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("%s: %d %s, not a PDF", path, res.StatusCode, res.Header.Get("Content-Type"))
	}
	cmd := exec.Command(pdftotext, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// TestActionLogPDFIsThePage: for every filter and order of the action log,
// the PDF lists exactly the actions the page lists, in the same order.
func TestActionLogPDFIsThePage(t *testing.T) {
	t.Parallel()
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if storetest.RequirePostgres() {
			t.Fatal("pdftotext (poppler-utils) is required when CI=true")
		}
		t.Skip("pdftotext not found (install poppler-utils): the PDF's rows cannot be read back")
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 100)
		ctx := context.Background()
		// One action changed today, so "changed since yesterday" holds it alone.
		all, _, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.AllRows})
		if err != nil {
			t.Fatal(err)
		}
		descriptions := map[int64]string{}
		for _, it := range all {
			descriptions[it.Action.ID] = it.Action.Description
		}
		changed := all[len(all)-1].Action
		red := tracker.RAGRed
		chair := tracker.WithActor(ctx, tracker.Actor{Name: "Test", Channel: tracker.ChannelPage})
		if err := s.PostUpdate(chair, changed.ID, store.ProgressChange{Version: changed.Version, Date: storetest.Today(), Text: "Moved to red", RAG: &red}); err != nil {
			t.Fatal(err)
		}
		viewer := e.login(viewer)
		link := regexp.MustCompile(`href="/actions/(\d+)"`)
		for _, query := range []string{
			"", "rag=red", "rag=amber", "rag=none", "overdue=1", "open=1", "due_within=3660", "status=completed",
			"sort=owner", "sort=rag", "sort=status", "sort=changed", "open=1&sort=rag",
			"owner=" + url.QueryEscape("Detective Superintendent Crime"),
			"changed_since=" + storetest.ISO(-1),
		} {
			page := viewer.get("/actions?"+query, http.StatusOK)
			var want []int64
			seen := map[int64]bool{}
			for _, m := range link.FindAllStringSubmatch(page, -1) {
				id, _ := strconv.ParseInt(m[1], 10, 64)
				if _, ok := descriptions[id]; ok && !seen[id] {
					seen[id] = true
					want = append(want, id)
				}
			}
			// The PDF as the page's own download form asks for it: its
			// hidden fields carry the page's filter and order.
			form := pdfFormAction.FindString(page)
			if form == "" {
				t.Fatalf("%q: the page has no action-log PDF form", query)
			}
			asked := url.Values{}
			segment := page[strings.Index(page, form):]
			segment = segment[:strings.Index(segment, "</form>")]
			for _, m := range hiddenInput.FindAllStringSubmatch(segment, -1) {
				asked.Set(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
			}
			if sent, _ := url.ParseQuery(query); len(sent) > 0 {
				for k := range sent {
					if k != "sort" && asked.Get(k) == "" {
						t.Errorf("%q: the page's PDF form does not carry %s", query, k)
					}
				}
			}
			flat := viewer.pdfText(t, pdftotext, "/reports/actions.pdf?"+asked.Encode())
			// Where each action's description begins in the PDF, if at all.
			var got []int64
			at := map[int64]int{}
			for id, d := range descriptions {
				if i := strings.Index(flat, strings.Join(strings.Fields(d)[:min(5, len(strings.Fields(d)))], " ")); i >= 0 {
					at[id] = i
					got = append(got, id)
				}
			}
			sortByPosition(got, at)
			if !equalIDs(got, want) {
				t.Errorf("%q: the page lists %v, the PDF %v", query, want, got)
			}
		}
	})
}

var (
	pdfFormAction = regexp.MustCompile(`<form method="get" action="/reports/actions.pdf"`)
	hiddenInput   = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

func sortByPosition(ids []int64, at map[int64]int) {
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && at[ids[j]] < at[ids[j-1]]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReportAsRecorded: as at 30 June 2013 the outstanding report shows the
// Duty of Care recommendations by their own dates; as typed in by that day
// (the example was entered today) it shows nothing.
func TestReportAsRecorded(t *testing.T) {
	t.Parallel()
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if storetest.RequirePostgres() {
			t.Fatal("pdftotext (poppler-utils) is required when CI=true")
		}
		t.Skip("pdftotext not found (install poppler-utils)")
	}
	e := newEnv(t, storetest.SQLite(t), 25)
	viewer := e.login(viewer)
	read := func(query string) string { return viewer.pdfText(t, pdftotext, "/reports/outstanding.pdf?"+query) }
	if got := read("as_at=2013-06-30"); !strings.Contains(got, "Recommendation 4") || !strings.Contains(got, "As at 30 June 2013") {
		t.Errorf("as at 30 June 2013: %.400s", got)
	}
	if got := read("as_at=2013-06-30&recorded=1"); strings.Contains(got, "Recommendation 4") || strings.Contains(got, "Metropolitan Police Service") {
		t.Errorf("as typed in by 30 June 2013: %.400s", got)
	}
	form := viewer.get("/", http.StatusOK)
	mustContain(t, form, "overview", `name="recorded"`, "As typed in by that day")
}

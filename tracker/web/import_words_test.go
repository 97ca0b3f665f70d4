package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

var (
	wordRow    = regexp.MustCompile(`(?s)<input type="hidden" name="vf-(\d+)" value="([a-z_]+)"><input type="hidden" name="vw-\d+" value="([^"]*)">\s*<select id="vt-\d+" name="vt-\d+">(.*?)</select>`)
	wordChosen = regexp.MustCompile(`<option value="([a-z_-]*)" selected>`)
	numberIn   = regexp.MustCompile(`<input id="number" name="number" type="text" class="input--wide" value="([^"]*)"`)
)

// fileWords reads the mapping screen's list of the file's words: each word
// of each field with the tracker's word chosen for it ("" for none), and
// adds them to form as the browser would send them.
func fileWords(t *testing.T, page string, form url.Values) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range wordRow.FindAllStringSubmatch(page, -1) {
		word := strings.NewReplacer("&#39;", "'", "&amp;", "&", "&#34;", `"`).Replace(m[3])
		choice := ""
		if c := wordChosen.FindStringSubmatch(m[4]); c != nil {
			choice = c[1]
		}
		out[m[2]+":"+word] = choice
		form.Set("vf-"+m[1], m[2])
		form.Set("vw-"+m[1], word)
		form.Set("vt-"+m[1], choice)
	}
	if m := numberIn.FindStringSubmatch(page); m != nil {
		form.Set("number", m[1])
	}
	return out
}

// TestImportFileWordsOnTheMappingScreen: a city auditor's export, uploaded
// as it is. The mapping screen lists each word of its response and status
// columns with the tracker's word guessed beside it, and proposes numbers
// made from the audit number and each recommendation's place; the person
// changes one word's meaning, the import uses it, and the mapping saved
// with the import carries the words and the template. A word left without
// a meaning is a row error naming it. Imported line breaks show on the
// recommendation's page.
func TestImportFileWordsOnTheMappingScreen(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(admin) // the file addresses bodies other than its issuer
	data, err := os.ReadFile(filepath.Join("..", "importer", "testdata", "city-audit.csv"))
	if err != nil {
		t.Fatal(err)
	}
	page := sec.upload(map[string]string{"kind": "recommendations"}, "city-audit.csv", data, http.StatusOK)
	mustContain(t, text(page), "mapping screen", "The file’s words", "Agency Response (Response position)", "Implementation Status (Status)")
	next, form := mappingForm(t, page)
	if form.Get("col-5") != "position" || form.Get("col-6") != "status" || form.Get("col-7") != "status_date" {
		t.Errorf("guessed %v", form)
	}
	words := fileWords(t, page, form)
	want := map[string]string{
		"position:Agreed With": tracker.PosAccepted, "position:Partially Agreed With": tracker.PosPartlyAccepted,
		"status:Implemented": tracker.RecImplemented, "status:Pending": tracker.RecOpen, "status:Not Implemented": tracker.RecOpen,
	}
	if len(words) != len(want) {
		t.Errorf("words listed: %v", words)
	}
	for k, v := range want {
		if words[k] != v {
			t.Errorf("%s: %q chosen, want %q", k, words[k], v)
		}
	}
	if form.Get("number") != "{audit_number}-{row}" {
		t.Errorf("number template %q", form.Get("number"))
	}
	mustContain(t, page, "labels", `<label for="vt-`, `<caption id="words-0-caption">Agency Response`)

	// Pending means in progress in this office.
	for k := range form {
		if strings.HasPrefix(k, "vw-") && form.Get(k) == "Pending" {
			form.Set("vt-"+strings.TrimPrefix(k, "vw-"), tracker.RecInProgress)
		}
	}
	form.Set("issued_by", "City Auditor")
	form.Set("save_as", "City audits")
	preview := sec.post(next, form, http.StatusOK)
	mustContain(t, text(preview), "preview", "6 rows read, 5 recommendations ready", "2019-N-1-2", "In progress")
	run, runVals := runForm(t, preview)
	done := text(sec.post(run, runVals, http.StatusOK))
	mustContain(t, done, "summary", "Import done", "Inserted 5 recommendations", "Cells repaired 1 Windows line breaks made plain", "saved as “City audits”")

	ctx := context.Background()
	saved, err := e.s.ImportMapping(ctx, "City audits")
	if err != nil || saved.Options.Number != "{audit_number}-{row}" || saved.Options.Values["status"]["Pending"] != tracker.RecInProgress ||
		saved.Options.Values["position"]["Partially Agreed With"] != tracker.PosPartlyAccepted {
		t.Errorf("saved mapping: %+v %v", saved, err)
	}
	d, err := e.s.RecommendationDetail(ctx, recByNumber(t, e, "2019-N-1-2"))
	if err != nil || d.Recommendation.Status != tracker.RecInProgress || len(d.Recommendation.Addressees) != 2 {
		t.Errorf("2019-N-1-2: %+v %v", d.Recommendation, err)
	}
	// The sub-items a.–c. on lines of their own, as in the file.
	recPage := sec.get("/recommendations/"+strconv.FormatInt(recByNumber(t, e, "2019-N-1-3"), 10), http.StatusOK)
	mustContain(t, recPage, "recommendation page", "DHS should:<br>\na. publish its inspection schedule;<br>\nb. train its inspectors;<br>\nc. report the results to the Council’s committee.")

	// With the saved mapping, the words come back as chosen; a new word
	// has none, and its rows are errors naming it.
	data = []byte(strings.Replace(string(data), "Not Implemented", "Deferred", 1))
	again := sec.upload(map[string]string{"mapping": "City audits"}, "city-audit.csv", data, http.StatusOK)
	next, form = mappingForm(t, again)
	words = fileWords(t, again, form)
	if words["status:Pending"] != tracker.RecInProgress || words["status:Deferred"] != "" || form.Get("number") != "{audit_number}-{row}" {
		t.Errorf("with the saved mapping: %v, number %q", words, form.Get("number"))
	}
	preview = sec.post(next, form, http.StatusOK)
	mustContain(t, text(preview), "preview with an unknown word", "Rows with errors", "“Deferred” is not a status the tracker knows")
	mustContain(t, preview, "error row", `<td>5</td><td>Implementation Status</td>`)

	// Mapping another column to a field with fixed words and asking for
	// its words lists them.
	form.Set("col-7", "")
	form.Set("col-5", "")
	form.Set("refresh", "1")
	refreshed := sec.post(next, form, http.StatusOK)
	mustContain(t, text(refreshed), "refreshed", "Match the columns to fields", "Implementation Status (Status)")
	if strings.Contains(text(refreshed), "Agency Response (Response position)") {
		t.Error("the words of a column left out are still listed")
	}
}

// recByNumber is the id of the recommendation numbered number.
func recByNumber(t *testing.T, e *env, number string) int64 {
	t.Helper()
	items, _, err := e.s.ListRecommendations(context.Background(), tracker.RecommendationFilter{Today: today, Page: tracker.Page{Number: 1, Size: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Recommendation.Number == number {
			return it.Recommendation.ID
		}
	}
	t.Fatalf("no recommendation %s", number)
	return 0
}

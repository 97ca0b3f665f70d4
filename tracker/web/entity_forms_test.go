package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestEntityForms adds and changes organisations, sources,
// recommendations, an action's details, references and measures through
// their forms: bad input comes back at its fields with everything typed
// kept, a stale form is refused with the other person's values shown
// beside the person's own, and UTF-8 survives.
func TestEntityForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	ctx := context.Background()
	sec, adm := e.login(secretary), e.login(admin)
	colp := strconv.FormatInt(e.orgs[colpOrg].ID, 10)
	// Dates from the test clock: the source came out three weeks ago, its
	// recommendation is due next April, the measure's values are last
	// year's third and fourth quarters.
	issued := storetest.Day(-21)
	nextYear := strconv.Itoa(storetest.Today().Year() + 1)
	lastYear := strconv.Itoa(storetest.Today().Year() - 1)
	q3, q4 := "Q3 "+lastYear, "Q4 "+lastYear

	// Organisations.
	page := sec.post("/organisations/new", url.Values{"name": {"city of london police"}, "short_name": {"Ⅱ"}}, http.StatusUnprocessableEntity)
	mustContain(t, text(page), "duplicate organisation", "There is a problem", "There is already an organisation called city of london police")
	mustContain(t, page, "short name kept", `value="Ⅱ"`)
	sec.post("/organisations/new", url.Values{"name": {"Victims’ Commissioner – Ⅱ"}, "short_name": {"VC"}}, http.StatusSeeOther)
	mustContain(t, text(sec.get("/organisations", http.StatusOK)), "organisations", "Victims’ Commissioner – Ⅱ")
	e.login(editorCoL).get("/organisations/new", http.StatusForbidden)

	// A source: errors at their fields, input kept; then saved.
	bad := url.Values{"title": {""}, "kind": {"committee_report"}, "issued_by": {colp}, "url": {"not a link"}, "pages": {"many"},
		"summary": {"A review costing £250,000 of the “Victims’ Code”."}}
	page = sec.post("/sources/new", bad, http.StatusUnprocessableEntity)
	mustContain(t, text(page), "bad source", "Enter the title of the source", "Enter a web address starting with https://",
		"Enter the number of pages as a whole number", "A review costing £250,000 of the “Victims’ Code”.")
	mustContain(t, page, "error links", `href="#title"`, `href="#url"`, `aria-invalid="true"`)
	good := url.Values{"title": {"Victims’ Code compliance review"}, "kind": {"committee_report"}, "issued_by": {colp}, "date": {issued.Format("2006-01-02")},
		"url": {"https://example.org/review"}, "pages": {"12"}, "summary": {bad.Get("summary")}, "keywords": {"victims\ncode"}}
	sec.post("/sources/new", good, http.StatusSeeOther)
	src := e.sourceNamed(good.Get("title"))
	srcPath := "/sources/" + strconv.FormatInt(src, 10)
	mustContain(t, text(sec.get(srcPath, http.StatusOK)), "new source", "Victims’ Code compliance review", tracker.FormatDate(issued), "Change the source", "Add a recommendation")

	// A recommendation in it, its deadline read from the wording.
	sec.post(srcPath+"/recommendations/new", url.Values{"number": {"1"}, "text": {"Publish compliance figures quarterly."},
		"addressees": {colp}, "deadline_text": {"by April " + nextYear}}, http.StatusSeeOther)
	mustContain(t, text(sec.post(srcPath+"/recommendations/new", url.Values{"number": {"1"}, "text": {"Again"}, "addressees": {colp}}, http.StatusUnprocessableEntity)),
		"duplicate number", "This source already has a recommendation 1")
	recID := e.recommendationIn(src, "1")
	recPath := "/recommendations/" + strconv.FormatInt(recID, 10)
	mustContain(t, text(sec.get(recPath, http.StatusOK)), "new recommendation", "Publish compliance figures quarterly.", "30 April "+nextYear)

	// A committee's report, issued by another body: the secretary who
	// records it adds its recommendation to their force, and keeps the
	// right to change both.
	la, err := e.s.FindOrganisationByName(ctx, "London Assembly Police and Crime Committee")
	if err != nil {
		t.Fatal(err)
	}
	sec.post("/sources/new", url.Values{"title": {"Committee report – Ⅱ"}, "kind": {"committee_report"}, "issued_by": {strconv.FormatInt(la.ID, 10)}}, http.StatusSeeOther)
	report := "/sources/" + strconv.FormatInt(e.sourceNamed("Committee report – Ⅱ"), 10)
	sec.post(report+"/recommendations/new", url.Values{"number": {"1"}, "text": {"Report back."}, "addressees": {colp}}, http.StatusSeeOther)
	sec.get(report+"/edit", http.StatusOK)
	e.login(editorMPS).get(report+"/edit", http.StatusForbidden)
	sec.post("/sources/new", url.Values{"title": {"MPS-only report"}, "kind": {"committee_report"}, "issued_by": {strconv.FormatInt(la.ID, 10)}}, http.StatusSeeOther)
	other := "/sources/" + strconv.FormatInt(e.sourceNamed("MPS-only report"), 10)
	adm.post(other+"/recommendations/new", url.Values{"number": {"1"}, "text": {"For the MPS."}, "addressees": {strconv.FormatInt(e.orgs[mpsOrg].ID, 10)}}, http.StatusSeeOther)
	sec.get(other+"/edit", http.StatusForbidden)
	sec.post("/sources/new", url.Values{"title": {"Empty report"}, "kind": {"committee_report"}, "issued_by": {strconv.FormatInt(la.ID, 10)}}, http.StatusSeeOther)
	empty := "/sources/" + strconv.FormatInt(e.sourceNamed("Empty report"), 10)
	mustContain(t, text(sec.post(empty+"/recommendations/new", url.Values{"number": {"1"}, "text": {"For the MPS."}, "addressees": {strconv.FormatInt(e.orgs[mpsOrg].ID, 10)}}, http.StatusUnprocessableEntity)),
		"other body's recommendation", "Address it only to City of London Police: only the body that issued the source may address other bodies")

	// Two people edit it: the second save is refused with the first one's
	// text beside their own.
	form := sec.get(recPath+"/edit", http.StatusOK)
	version := versionIn(t, form)
	adm.post(recPath+"/edit", url.Values{"version": {version}, "number": {"1"}, "text": {"Publish compliance figures monthly – admin."}, "addressees": {colp}}, http.StatusSeeOther)
	page = text(sec.post(recPath+"/edit", url.Values{"version": {version}, "number": {"1"}, "text": {"Publish figures every quarter – secretary."}, "addressees": {colp}}, http.StatusConflict))
	mustContain(t, page, "conflict", "Someone else changed this after you opened it", "Saved by the other person: Publish compliance figures monthly – admin.",
		"Publish figures every quarter – secretary.")
	mustContain(t, text(sec.get(recPath, http.StatusOK)), "first save kept", "Publish compliance figures monthly – admin.")

	// An action's details: owner changed; no moving it to a body outside
	// one's scope.
	chair := e.login(editorCoL)
	a := e.actionOf(colpOrg)
	actPath := "/actions/" + strconv.FormatInt(a.ID, 10)
	chair.post(actPath+"/edit", url.Values{"version": {strconv.Itoa(a.Version)}, "description": {a.Description}, "organisation": {colp},
		"owner": {"Head of Research and Analysis"}, "owner_unit": {"Économie"}}, http.StatusSeeOther)
	mustContain(t, text(chair.get(actPath, http.StatusOK)), "new owner", "Head of Research and Analysis", "Économie")
	a = e.actionOf(colpOrg)
	mustContain(t, text(chair.post(actPath+"/edit", url.Values{"version": {strconv.Itoa(a.Version)}, "description": {a.Description},
		"organisation": {strconv.FormatInt(e.orgs[mpsOrg].ID, 10)}}, http.StatusUnprocessableEntity)),
		"other body", "Choose an organisation whose actions you may change")
	e.login(editorMPS).get(actPath+"/edit", http.StatusForbidden)

	// A reference: its recommendations fold under their sources, the
	// sources of those it covers open.
	refForm := sec.get("/references/1/edit", http.StatusOK)
	if !regexpMatch(`<details class="details check-group" open>\s*<summary>Analysis of the results of the victim satisfaction survey`, refForm) ||
		!regexpMatch(`<details class="details check-group">\s*<summary>Duty of Care`, refForm) {
		t.Error("the reference form does not fold its recommendations under their sources")
	}

	// A reference: retitled, a recommendation linked.
	d, err := e.s.ReferenceDetail(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	rv := url.Values{"version": {strconv.Itoa(d.Reference.Version)}, "number": {"13"}, "title": {"Victim Satisfaction Action Plan – revised"},
		"requested_by": {strconv.FormatInt(d.Reference.RequestedByID, 10)}, "responding_org": {colp}, "status": {"responded"},
		"recommendations": {strconv.FormatInt(d.Recommendations[0].Recommendation.ID, 10), strconv.FormatInt(recID, 10)}}
	sec.post("/references/1/edit", rv, http.StatusSeeOther)
	mustContain(t, text(sec.get("/references/1", http.StatusOK)), "reference", "Victim Satisfaction Action Plan – revised", "Publish compliance figures monthly")
	rv.Set("title", "Victim Satisfaction")
	mustContain(t, text(sec.post("/references/1/edit", rv, http.StatusConflict)), "stale reference", "Saved by the other person: Victim Satisfaction Action Plan – revised")

	// A measure with a value; a bad value and a stale one are refused.
	sec.post("/measures/new", url.Values{"name": {"Call-backs within 48 hours"}, "organisation": {colp}, "unit": {"%"}, "direction": {"higher"}, "target": {"90"}}, http.StatusSeeOther)
	m := e.measureNamed("Call-backs within 48 hours")
	mPath := "/measures/" + strconv.FormatInt(m, 10)
	page = chair.post(mPath+"/values", url.Values{"version": {"1"}, "period": {q3}, "period_end": {lastYear + "-09-30"}, "value": {"lots"}}, http.StatusUnprocessableEntity)
	mustContain(t, text(page), "bad value", "Enter the value as a number")
	mustContain(t, text(chair.post(mPath+"/values", url.Values{"version": {"1"}, "period": {q3}, "period_end": {lastYear + "-09-30"}, "value": {"Inf"}}, http.StatusUnprocessableEntity)),
		"infinite value", "Enter the value as a number")
	mustContain(t, page, "value kept", `value="`+q3+`"`, `value="lots"`)
	chair.post(mPath+"/values", url.Values{"version": {"1"}, "period": {q3}, "period_end": {lastYear + "-09-30"}, "value": {"87.5"}, "note": {"Call log"}}, http.StatusSeeOther)
	mustContain(t, text(chair.post(mPath+"/values", url.Values{"version": {"1"}, "period": {q4}, "period_end": {lastYear + "-12-31"}, "value": {"91"}}, http.StatusConflict)),
		"stale value", "Someone else changed these values", q3, "87.5")
	e.login(editorMPS).post(mPath+"/values", url.Values{"version": {"2"}, "period": {"Q4"}, "period_end": {lastYear + "-12-31"}, "value": {"1"}}, http.StatusForbidden)
	chair.get(mPath+"/edit", http.StatusForbidden) // editors record values; the definition is the secretary's
}

var versionInput = regexp.MustCompile(`name="version" value="(\d+)"`)

func versionIn(t *testing.T, page string) string {
	t.Helper()
	m := versionInput.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no version in the form")
	}
	return m[1]
}

func (e *env) sourceNamed(title string) int64 {
	e.t.Helper()
	src, err := e.s.FindSourceByTitle(context.Background(), title)
	if err != nil {
		e.t.Fatalf("source %q: %v", title, err)
	}
	return src.ID
}

func (e *env) recommendationIn(source int64, number string) int64 {
	e.t.Helper()
	items, _, err := e.s.ListRecommendations(context.Background(), tracker.RecommendationFilter{SourceID: source, Page: tracker.Page{Size: 100}, Today: today})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, it := range items {
		if it.Recommendation.Number == number {
			return it.Recommendation.ID
		}
	}
	e.t.Fatalf("no recommendation %s in source %d", number, source)
	return 0
}

func (e *env) measureNamed(name string) int64 {
	e.t.Helper()
	ms, _, err := e.s.ListMeasures(context.Background(), tracker.Page{Size: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range ms {
		if m.Name == name {
			return m.ID
		}
	}
	e.t.Fatalf("no measure %q", name)
	return 0
}

// TestHistoryInWords: the History names organisations and sources and
// shows codes as the pages do, not as stored.
func TestHistoryInWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	adm := e.login(admin)
	a := e.actionOf(colpOrg)
	path := "/actions/" + strconv.Itoa(int(a.ID))
	adm.post(path+"/edit", url.Values{"version": {strconv.Itoa(a.Version)}, "description": {a.Description},
		"organisation": {strconv.FormatInt(e.orgs[colpOrg].ID, 10)}, "owner": {"Head of Research"}}, http.StatusSeeOther)
	page := text(adm.get(path, http.StatusOK))
	mustContain(t, page, "history", "organisation : City of London Police", "owner : was Detective Superintendent Crime → now Head of Research",
		"recommendation : Recommendation 2 of Analysis of the results of the victim satisfaction survey", "reference : 13 – Victim Satisfaction Action Plan", "status : In progress")
	if strings.Contains(page, "organisation id") {
		t.Error("the History still shows a raw organisation id")
	}
	mustContain(t, text(adm.get("/recommendations/4", http.StatusOK)), "recommendation history", "addressees : Metropolitan Police Service; Victim Support", "status : In progress")
}

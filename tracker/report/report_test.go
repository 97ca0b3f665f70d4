package report_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/report"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// poppler returns the path of a poppler tool; PDF read-back tests skip
// without it, unless CI=true.
func poppler(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (poppler-utils) is required when CI=true", tool)
		}
		t.Skipf("%s not found: install poppler-utils to read the PDFs back", tool)
	}
	return p
}

// pdfText reads a PDF's text back with pdftotext, in reading order.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	cmd := exec.Command(poppler(t, "pdftotext"), "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil || stderr.Len() > 0 {
		t.Fatalf("pdftotext: %v %s", err, stderr.String())
	}
	return string(out)
}

// pdfInfo reads the document information with pdfinfo.
func pdfInfo(t *testing.T, pdf []byte) map[string]string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.pdf")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(pdf)
	f.Close()
	out, err := exec.Command(poppler(t, "pdfinfo"), "-isodates", f.Name()).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v %s", err, out)
	}
	info := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			info[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return info
}

func inOrder(t *testing.T, text, what string, parts ...string) {
	t.Helper()
	flat := strings.Join(strings.Fields(text), " ")
	pos := 0
	for _, p := range parts {
		i := strings.Index(flat[pos:], p)
		if i < 0 {
			if strings.Contains(flat, p) {
				t.Errorf("%s: %q is out of order", what, p)
			} else {
				t.Errorf("%s: %q is missing", what, p)
			}
			continue
		}
		pos += i + len(p)
	}
}

type fixture struct {
	s     *store.Store
	fonts *report.Fonts
	day   time.Time
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	s := storetest.SQLite(t)
	if _, err := example.Load(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	fonts, err := report.LoadFonts("")
	if err != nil {
		t.Fatal(err)
	}
	return fixture{s: s, fonts: fonts, day: storetest.Today()}
}

func (f fixture) render(t *testing.T, req report.Request) ([]byte, report.Result) {
	t.Helper()
	if req.AsAt.IsZero() {
		req.AsAt = f.day
	}
	return renderAsAt(t, f.s, f.fonts, req)
}

// renderAsAt renders a report from the store as at the request's day, as
// the pages and the command line do.
func renderAsAt(t *testing.T, s *store.Store, fonts *report.Fonts, req report.Request) ([]byte, report.Result) {
	t.Helper()
	ctx := context.Background()
	var buf bytes.Buffer
	var res report.Result
	err := s.ReadAsAt(ctx, report.Moment(req.AsAt), store.AsAtOptions{Since: req.Since}, func(tx *store.Store, view *tracker.View) error {
		var err error
		res, err = report.Render(ctx, &buf, fonts, tx, view, req)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), res
}

// references lists the tracker's references as they stand.
func (f fixture) references(t *testing.T) []tracker.Reference {
	refs, _, err := f.s.ListReferences(context.Background(), tracker.AllRows)
	if err != nil {
		t.Fatal(err)
	}
	return refs
}

func (f fixture) source(t *testing.T, title string) int64 {
	src, err := f.s.FindSourceByTitle(context.Background(), title)
	if err != nil {
		t.Fatalf("no source %q: %v", title, err)
	}
	return src.ID
}

var pageOf = regexp.MustCompile(`Page 1 of (\d+)`)

func checkPages(t *testing.T, what, text string, res report.Result) {
	t.Helper()
	m := pageOf.FindStringSubmatch(text)
	if m == nil || m[1] != itoa(res.Pages) {
		t.Errorf("%s: no “Page 1 of %d” (found %v)", what, res.Pages, m)
	}
	if !strings.Contains(text, "Page "+itoa(res.Pages)+" of "+itoa(res.Pages)) {
		t.Errorf("%s: the last page is not numbered %d of %d", what, res.Pages, res.Pages)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// daysSince is how the overdue columns write the whole days from a fixed
// date (a deadline in the example) to day, for example "4955 days".
// daysSince is how long overdue something due on y-m-d is on day, in the
// words the reports use ("13 years 6 months", or days under 60).
func daysSince(day time.Time, y int, m time.Month, d int) string {
	return tracker.Elapsed(time.Date(y, m, d, 0, 0, 0, 0, time.UTC), day)
}

func TestPDFReferenceResponse(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var ref13 int64
	for _, r := range f.references(t) {
		if r.Number == "13" {
			ref13 = r.ID
		}
	}
	pdf, res := f.render(t, report.Request{Kind: report.KindReference, ReferenceID: ref13})
	text := pdfText(t, pdf)
	inOrder(t, text, "reference response",
		"Outstanding Reference: 13 – Victim Satisfaction Action Plan",
		"Response from City of London Police", "Response to Performance and Resource Management Sub-Committee",
		"Introduction",
		"rolling action log which is effective for their purposes but is not suitable for presentation",
		"Recommendation 1", "Officers should receive individual feedback", "Management response",
		"• As part of the Force Resolution Centre", "• First line supervisors are feeding back",
		"Recommendation 2", "More in-depth analysis around those victims that are dissatisfied – is it in relation to a certain crime type?",
		"Actions", "Look at call handling", "Detective Superintendent Crime",
		"Recommendation 3", "Victims' Code and victim services led by Claire Waxman")
	checkPages(t, "reference response", text, res)
	// The reply is undated and states no position and no request: the
	// report invents none of them.
	for _, invented := range []string{"Management response: ", "The request", "An update on the"} {
		if strings.Contains(text, invented) {
			t.Errorf("the reply prints %q, which no one recorded", invented)
		}
	}
	if m := regexp.MustCompile(`Date \d`).FindString(text); m != "" {
		t.Errorf("the undated reply prints a date: %q", m)
	}
	info := pdfInfo(t, pdf)
	if info["Title"] != "Outstanding Reference: 13 – Victim Satisfaction Action Plan" || info["Author"] != "City of London Police" ||
		!strings.HasPrefix(info["CreationDate"], f.day.Format("2006-01-02")+"T23:59:59") || !strings.Contains(info["Subject"], "Performance and Resource Management Sub-Committee") {
		t.Errorf("metadata = %v", info)
	}
	if !bytes.Contains(pdf, []byte("/Outlines")) || bytes.Count(pdf, []byte("/Parent")) < 4 {
		t.Error("no bookmarks")
	}

	// The Oversight Board's reply carries its own date, whatever the day of
	// printing.
	for _, r := range f.references(t) {
		if r.Number == "" {
			pdf, _ := f.render(t, report.Request{Kind: report.KindReference, ReferenceID: r.ID})
			inOrder(t, pdfText(t, pdf), "board reply", "Response from Metropolitan Police Service", "Response to Oversight Board", "Date 17 May 2022")
		}
	}

	// The secretary's choice: a new introduction and only recommendation 2.
	intro := "The Sub-Committee asked for an update – this is it, at a cost of £0 and with “care”."
	rd, err := f.s.ReferenceDetail(context.Background(), ref13)
	if err != nil {
		t.Fatal(err)
	}
	rec2 := rd.Recommendations[1].Recommendation.ID
	if err := f.s.SaveReferenceReport(context.Background(), ref13, rd.Reference.Version, &intro, []int64{rec2}); err != nil {
		t.Fatal(err)
	}
	pdf, _ = f.render(t, report.Request{Kind: report.KindReference, ReferenceID: ref13})
	text = pdfText(t, pdf)
	inOrder(t, text, "chosen reply", "Introduction", intro, "Recommendation 2")
	if strings.Contains(text, "Recommendation 1") || strings.Contains(text, "Recommendation 3") || strings.Contains(text, "not suitable for presentation") {
		t.Error("the reply includes what the secretary left out")
	}
}

func TestPDFSourceStatus(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pdf, res := f.render(t, report.Request{Kind: report.KindSource, SourceID: f.source(t, example.DutyOfCareTitle)})
	text := pdfText(t, pdf)
	inOrder(t, text, "source status",
		"Status report", "Duty of Care: Improving Support for Victims of Crime", "Issued by London Assembly Police and Crime Committee",
		"Date 23 January 2013", "Status as at "+tracker.FormatDate(f.day),
		"Summary", "Recommendations by status", "Open 6", "In progress 4", "Past their deadline 3", "Open actions by RAG rating",
		"Recommendation 1", "Deadline as written None given",
		"Recommendation 3", "Deadline as written over the next six months", "Deadline date 23 July 2013",
		"Recommendation 4", "Deadline as written by April 2013", "Deadline date 30 April 2013", "Overseer's assessment Not yet assessed",
		"Management response from Metropolitan Police Service", "16/7 central Crime Recording Bureau (CRIB)",
		"No response recorded from Victim Support.",
		"Recommendation 10", "on a quarterly basis", "Date not set",
		"Other actions on this source's log", "Guaranteeing 24 hour language support services",
		"Measures", "Overall victim satisfaction", "76%", "66.7%", "Chart: Overall victim satisfaction, from 76% (March 2013) to 66.7% (May 2022).")
	for _, s := range []string{"’", "“", "”", "–", "ⁱ Figures supplied by CCC"} {
		if !strings.Contains(text, s) {
			t.Errorf("source status lost %q", s)
		}
	}
	checkPages(t, "source status", text, res)
}

func TestPDFOutstandingAndActionLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pdf, res := f.render(t, report.Request{Kind: report.KindOutstanding})
	text := pdfText(t, pdf)
	inOrder(t, text, "outstanding",
		"Outstanding and overdue recommendations and actions", "Organisation",
		"Metropolitan Police Service", "Outstanding recommendations addressed to MPS",
		"Recommendation 4", daysSince(f.day, 2013, time.April, 30), // the most overdue first
		"Open actions: Crime Recording Bureau (CRIB)", "Create a hotline for Victim Support enquiries", daysSince(f.day, 2013, time.May, 31), "Not rated")
	if strings.Index(text, "Metropolitan Police Service") > strings.Index(text, "Victim Support\n") && strings.Contains(text, "Victim Support\n") {
		t.Error("the organisation with most overdue items is not first")
	}
	checkPages(t, "outstanding", text, res)

	pdf, res = f.render(t, report.Request{Kind: report.KindActions, Scope: "All actions"})
	text = pdfText(t, pdf)
	inOrder(t, text, "action log", "Action log", "All actions", "Create a hotline for Victim Support enquiries",
		"The hotline will be evaluated", "Launch the Victims’ Code performance dashboard")
	flat := strings.Join(strings.Fields(text), " ")
	for _, h := range []string{"Owner", "Due", "Status", "RAG", "31 May 2013", "“in the next two months”"} {
		if !strings.Contains(flat, h) {
			t.Errorf("action log lacks %q", h)
		}
	}
	if n := strings.Count(text, "Latest update"); n != res.Pages {
		t.Errorf("action log: the header appears %d times on %d pages", n, res.Pages)
	}
	checkPages(t, "action log", text, res)
}

func TestPDFSameBytesForSameDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	id := f.source(t, example.DutyOfCareTitle)
	a, _ := f.render(t, report.Request{Kind: report.KindSource, SourceID: id})
	time.Sleep(1100 * time.Millisecond)
	b, _ := f.render(t, report.Request{Kind: report.KindSource, SourceID: id})
	if !bytes.Equal(a, b) {
		t.Error("the same data and day gave different bytes")
	}
}

// TestPDFAsAtAndChangedSince types the example in thirty days ago, changes
// an action today, and checks that a report as at yesterday shows it as it
// was, today's shows the change, and "changed since" marks it.
func TestPDFAsAtAndChangedSince(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := storetest.SQLiteDSN(t)
	past, err := store.Open(ctx, dsn, store.WithClock(func() time.Time { return storetest.Now().AddDate(0, 0, -30) }))
	if err != nil {
		t.Fatal(err)
	}
	if err := past.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := example.Load(ctx, past); err != nil {
		t.Fatal(err)
	}
	if err := past.Close(); err != nil {
		t.Fatal(err)
	}
	fonts, err := report.LoadFonts("")
	if err != nil {
		t.Fatal(err)
	}
	f := fixture{s: storetest.OpenMigrated(t, dsn), fonts: fonts, day: storetest.Today()}
	items, _, err := f.s.ListActions(ctx, tracker.ActionFilter{Owner: "Crime Recording Bureau (CRIB)", Page: tracker.AllRows})
	if err != nil {
		t.Fatal(err)
	}
	hotline := items[0].Action
	amber := tracker.RAGAmber
	if err := f.s.PostUpdate(ctx, hotline.ID, store.ProgressChange{Version: hotline.Version, Date: storetest.Today(), Text: "Supplier delayed – “new date” agreed", RAG: &amber}); err != nil {
		t.Fatal(err)
	}
	today := storetest.Today()
	yesterday := storetest.Day(-1)
	render := func(asAt time.Time, since *time.Time) string {
		pdf, _ := f.render(t, report.Request{Kind: report.KindActions, AsAt: asAt, Since: since, Filter: tracker.ActionFilter{Owner: "Crime Recording Bureau (CRIB)"}})
		return strings.Join(strings.Fields(pdfText(t, pdf)), " ")
	}
	before := render(yesterday, nil)
	if !strings.Contains(before, "Not rated") || strings.Contains(before, "Amber") || strings.Contains(before, "Supplier delayed") ||
		!strings.Contains(before, "As at "+tracker.FormatDate(yesterday)) {
		t.Errorf("as at yesterday: %.600s", before)
	}
	after := render(today, &yesterday)
	if !strings.Contains(after, "Amber") || !strings.Contains(after, "Supplier delayed – “new date” agreed") ||
		!strings.Contains(after, "[Changed since "+tracker.FormatDate(yesterday)+"]") {
		t.Errorf("as at today, changes since yesterday: %.800s", after)
	}
	// Before the hotline was on the log (the MPS response of March 2013)
	// there is nothing, however recently the example was typed in.
	empty := render(time.Date(2013, 2, 28, 0, 0, 0, 0, time.UTC), nil)
	if strings.Contains(empty, "Create a hotline") || !strings.Contains(empty, "No actions.") {
		t.Errorf("as at before the example: %.300s", empty)
	}
}

// TestPDFHostileText feeds text no committee paper should hold and still
// gets a valid PDF with every unknown character shown as a replacement.
func TestPDFHostileText(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	ctx := context.Background()
	org, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Ministère de l’Intérieur – “Ⅱ”"})
	// Cells longer than a page and a word wider than any column; bigger
	// ones only made pdftotext slower (tens of seconds) and test nothing more.
	long := strings.Repeat("Victims’ Code £250,000 ", 300) // about 7,000 characters
	word := strings.Repeat("Antidisestablishmentarianism", 60)
	hostile := "Emoji 😀🎉 and a flag 🇬🇧; right to left: مرحبا بالعالم שלום; controls the store refuses stay out, C1 \u0085\u009b[31m; zero width \u200b; accents é à ü ñ ç ő ł; " + word
	src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindOther, Title: "Hostile 😀 " + hostile[:40], IssuedByID: org.ID, Summary: long})
	if err != nil {
		t.Fatal(err)
	}
	rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "1", Text: hostile + "\n\n" + long, Title: hostile,
		Addressees: []tracker.Organisation{org}, Status: tracker.RecOpen, Assessment: tracker.AssessNone})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateResponse(ctx, tracker.Response{RecommendationID: rec.ID, OrganisationID: org.ID, Position: tracker.PosNoted, Text: "- " + long + "\n- **bold 😀** and *italic*"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := s.CreateAction(ctx, tracker.Action{OrganisationID: org.ID, RecommendationID: &rec.ID, Description: long + word, Owner: hostile,
			Status: tracker.ActInProgress, RAG: tracker.RAGRed}); err != nil {
			t.Fatal(err)
		}
	}
	fonts, err := report.LoadFonts("")
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{report.KindSource, report.KindOutstanding, report.KindActions} {
		pdf, res := renderAsAt(t, s, fonts, report.Request{Kind: kind, SourceID: src.ID, AsAt: storetest.Today()})
		text := pdfText(t, pdf)
		if res.Replaced == 0 || !strings.Contains(text, fonts.Replacement()) {
			t.Errorf("%s: characters the font lacks were not replaced visibly (replaced %d)", kind, res.Replaced)
		}
		if !strings.Contains(text, "é à ü ñ ç ő ł") && !strings.Contains(text, "é") {
			t.Errorf("%s: accents lost", kind)
		}
		if strings.Contains(text, "\u0085") || strings.Contains(text, "\u009b") {
			t.Errorf("%s: control characters reached the PDF", kind)
		}
		if res.Pages < 3 {
			t.Errorf("%s: %d pages for cells longer than a page", kind, res.Pages)
		}
	}
}

func TestFileName(t *testing.T) {
	t.Parallel()
	// An afternoon of the test clock's day: the name holds the day alone.
	got := report.FileName("reference", "Outstanding Reference: 13 – Victim Satisfaction", storetest.Today().Add(15*time.Hour))
	if got != "reference-outstanding-reference-13-victim-satisfac-as-at-"+storetest.ISO(0)+".pdf" {
		t.Errorf("FileName = %q", got)
	}
}

func TestPDFShowsDeadlineRevisions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Committee Secretary", Channel: tracker.ChannelPage})
	id := f.source(t, example.DutyOfCareTitle)
	_, recs, err := f.s.SourceReport(ctx, id, f.day)
	if err != nil {
		t.Fatal(err)
	}
	rec4 := recs[3]
	if err := f.s.MoveRecommendationDeadline(ctx, rec4.Recommendation.ID, store.DeadlineMove{Version: rec4.Recommendation.Version,
		NewDate: time.Date(2013, 6, 30, 0, 0, 0, 0, time.UTC), Reason: "Hotline supplier delayed", On: time.Date(2013, 4, 2, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	hotline := rec4.Actions[0].Action
	if err := f.s.MoveActionDue(ctx, hotline.ID, store.DeadlineMove{Version: hotline.Version, NewDate: time.Date(2013, 7, 31, 0, 0, 0, 0, time.UTC), Reason: "Vetting"}); err != nil {
		t.Fatal(err)
	}
	pdf, _ := f.render(t, report.Request{Kind: report.KindSource, SourceID: id})
	flat := strings.Join(strings.Fields(pdfText(t, pdf)), " ")
	for _, want := range []string{"Deadline revisions 30 April 2013 → 30 June 2013: Hotline supplier delayed (Committee Secretary, 2 April 2013)",
		"Moved 1× (+61 days); first due 31 May 2013"} {
		if !strings.Contains(flat, want) {
			t.Errorf("source status lacks %q", want)
		}
	}
}

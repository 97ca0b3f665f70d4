package report_test

import (
	"context"
	"fmt"
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
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// flatText is the PDF's text with every run of white space made one space.
func flatText(t *testing.T, pdf []byte) string {
	t.Helper()
	return strings.Join(strings.Fields(pdfText(t, pdf)), " ")
}

// statusWordsWhole fails when a word of a status label is broken across
// lines ("Complet" / "ed"): a token that is a strict beginning of one.
func statusWordsWhole(t *testing.T, what, text string) {
	t.Helper()
	var words []string
	for _, o := range tracker.ActionStatuses {
		words = append(words, strings.Fields(o.Label)...)
	}
	for _, o := range tracker.RecommendationStatuses {
		words = append(words, strings.Fields(o.Label)...)
	}
	tokens := map[string]bool{}
	for _, tok := range strings.Fields(text) {
		tokens[tok] = true
	}
	// A broken word leaves its two pieces as tokens, wherever the table's
	// columns put them in reading order.
	for _, w := range words {
		for n := 3; n < len(w); n++ {
			if tokens[w[:n]] && tokens[w[n:]] {
				t.Errorf("%s: %q is broken across lines (%q and %q)", what, w, w[:n], w[n:])
			}
		}
	}
}

// TestPDFActionLogLandscape: the action log is A4 landscape, its status
// words are never broken, and an update cut short ends at a word and says
// the rest is in the tracker.
func TestPDFActionLogLandscape(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pdf, res := f.render(t, report.Request{Kind: report.KindActions, Scope: "All actions"})
	info := pdfInfo(t, pdf)
	var w, h float64
	if _, err := fmt.Sscanf(info["Page size"], "%f x %f", &w, &h); err != nil || w <= h || w < 841 || w > 842.5 {
		t.Errorf("action log page size = %q, want A4 landscape (841.89 x 595.28 pts)", info["Page size"])
	}
	raw := pdfText(t, pdf)
	statusWordsWhole(t, "action log", raw)
	flat := strings.Join(strings.Fields(raw), " ")
	const notice = "The full update is in the tracker."
	if !strings.Contains(flat, "… "+notice) {
		t.Fatalf("action log: no long update ends with “… %s”", notice)
	}
	// The hotline's update is longer than a cell shows: the text before the
	// ellipsis is the update's own, ending where one of its words ends.
	items, _, err := f.s.ListActions(context.Background(), tracker.ActionFilter{Owner: "Crime Recording Bureau (CRIB)", Page: tracker.AllRows, LatestUpdateOnly: true})
	if err != nil || len(items) == 0 || items[0].Latest() == nil {
		t.Fatalf("the hotline's update: %v", err)
	}
	update := strings.Join(strings.Fields(items[0].Latest().Text), " ")
	i := strings.Index(flat, tracker.FormatDate(items[0].Latest().Date)+" – "+update[:40])
	if i < 0 {
		t.Fatalf("action log lacks the start of the hotline's update %q", update[:40])
	}
	end := strings.Index(flat[i:], "…")
	shown := flat[i+len(tracker.FormatDate(items[0].Latest().Date)+" – ") : i+end]
	// The action log's table may interleave another column's words on the
	// same line; the last words before the ellipsis are the update's.
	tail := shown[max(0, len(shown)-25):]
	tail = tail[strings.Index(tail, " ")+1:]
	at := strings.Index(update, tail)
	if at < 0 {
		t.Fatalf("the update was not cut from its own text: %q", tail)
	}
	if next := update[at+len(tail):]; next != "" && !strings.HasPrefix(next, " ") && !strings.HasPrefix(next, ",") && !strings.HasPrefix(next, ".") {
		t.Errorf("the update is cut inside a word: %q|%q", tail, next[:min(10, len(next))])
	}
	checkPages(t, "action log", raw, res)
	if !strings.Contains(flat, "Action log (continued)") && res.Pages > 1 {
		t.Error("the action log's header is repeated without “(continued)”")
	}
	// A fitted column keeps a status whole even in a narrow portrait table:
	// the source status report holds the same rows.
	src, _ := f.render(t, report.Request{Kind: report.KindSource, SourceID: f.source(t, example.DutyOfCareTitle)})
	statusWordsWhole(t, "source status", pdfText(t, src))
}

// TestPDFOutstandingFlows: forty organisations with two items each flow on
// a few pages rather than a page each, and actions nobody owns are called
// that.
func TestPDFOutstandingFlows(t *testing.T) {
	t.Parallel()
	s := storetest.SQLite(t)
	ctx := context.Background()
	issuer, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Police and Crime Committee"})
	if err != nil {
		t.Fatal(err)
	}
	src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindOther, Title: "Many bodies’ review", IssuedByID: issuer.ID})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 40; i++ {
		org, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Borough " + strconv.Itoa(i) + " Council"})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: strconv.Itoa(i), Text: "Publish the victims’ survey results for the borough.",
			Addressees: []tracker.Organisation{org}, Status: tracker.RecOpen, Assessment: tracker.AssessNone})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateAction(ctx, tracker.Action{OrganisationID: org.ID, RecommendationID: &rec.ID, Description: "Agree the survey’s questions",
			Status: tracker.ActNotStarted, RAG: tracker.RAGAmber}); err != nil {
			t.Fatal(err)
		}
	}
	fonts, err := report.LoadFonts("")
	if err != nil {
		t.Fatal(err)
	}
	pdf, res := renderAsAt(t, s, fonts, report.Request{Kind: report.KindOutstanding, AsAt: storetest.Today()})
	text := pdfText(t, pdf)
	t.Logf("40 organisations × 2 items: %d pages", res.Pages)
	// Page 1 holds the summary of forty rows and goes on into the groups.
	if res.Pages >= 20 {
		t.Errorf("40 organisations with 2 items each take %d pages", res.Pages)
	}
	pages := strings.Split(text, "\f")
	if !strings.Contains(pages[0], "Borough 1 Council") || strings.Count(pages[0], "Agree the survey’s questions") > 0 && res.Pages == 1 {
		t.Errorf("page 1: %.300s", pages[0])
	}
	flat := strings.Join(strings.Fields(text), " ")
	if n := strings.Count(flat, "Actions with no owner"); n != 40 {
		t.Errorf("“Actions with no owner” appears %d times for 40 organisations", n)
	}
	if strings.Contains(flat, "Open actions: Not assigned") {
		t.Error("the report still says “Open actions: Not assigned”")
	}
	// A group's heading is never the last thing on a page.
	for i, p := range pages[:len(pages)-1] {
		lines := strings.Split(strings.TrimSpace(p), "\n")
		body := ""
		for j := len(lines) - 1; j >= 0; j-- {
			if l := strings.TrimSpace(lines[j]); l != "" && !strings.HasPrefix(l, "Page ") && !strings.HasPrefix(l, "As at ") {
				body = l
				break
			}
		}
		if strings.HasPrefix(body, "Borough ") && strings.HasSuffix(body, " Council") || body == "Actions with no owner" || strings.HasPrefix(body, "Outstanding recommendations addressed") {
			t.Errorf("page %d ends with a heading: %q", i+1, body)
		}
	}
	checkPages(t, "outstanding", text, res)
}

// TestPDFReplyContinuedAndWithoutActions: an actions table broken by a
// page says whose it is, owner and unit are apart, and the secretary can
// leave the actions out.
func TestPDFReplyContinuedAndWithoutActions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	var ref13 int64
	for _, r := range f.references(t) {
		if r.Number == "13" {
			ref13 = r.ID
		}
	}
	rd, err := f.s.ReferenceDetail(ctx, ref13)
	if err != nil {
		t.Fatal(err)
	}
	rec2 := rd.Recommendations[1].Recommendation
	done := time.Date(2022, 5, 17, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= 30; i++ {
		if _, err := f.s.CreateAction(ctx, tracker.Action{OrganisationID: rd.Reference.RespondingOrgID, RecommendationID: &rec2.ID,
			Description: fmt.Sprintf("Survey follow-up call %d with victims who said they were dissatisfied", i), Owner: "Head of Research and Analysis",
			OwnerUnit: "Performance Unit", Status: tracker.ActCompleted, CompletedOn: &done, RAG: tracker.RAGGreen}); err != nil {
			t.Fatal(err)
		}
	}
	pdf, res := f.render(t, report.Request{Kind: report.KindReference, ReferenceID: ref13})
	text := pdfText(t, pdf)
	flat := strings.Join(strings.Fields(text), " ")
	if !strings.Contains(flat, "Recommendation "+rec2.Number+": actions (continued)") {
		t.Errorf("the broken actions table has no “continued” label naming its recommendation (%d pages)", res.Pages)
	}
	if !strings.Contains(flat, "Unit: Performance Unit") || strings.Contains(flat, "Analysis Performance Unit") {
		t.Error("owner and unit run together")
	}
	statusWordsWhole(t, "reply", text)
	checkPages(t, "reply", text, res)

	pdf, res = f.render(t, report.Request{Kind: report.KindReference, ReferenceID: ref13, LeaveOutActions: true})
	text = pdfText(t, pdf)
	flat = strings.Join(strings.Fields(text), " ")
	inOrder(t, text, "reply without actions", "Recommendation 1", "Management response", "Recommendation 2", "Management response", "Recommendation 3")
	for _, gone := range []string{"Survey follow-up call", "Look at call handling", "Latest update", "Unit: "} {
		if strings.Contains(flat, gone) {
			t.Errorf("the reply without actions holds %q", gone)
		}
	}
	checkPages(t, "reply without actions", text, res)
}

// TestPDFStatusReportDetails: round chart ticks, no doubled brackets, and
// label/value rows starting where the body text starts.
func TestPDFStatusReportDetails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pdf, _ := f.render(t, report.Request{Kind: report.KindSource, SourceID: f.source(t, example.DutyOfCareTitle)})
	flat := flatText(t, pdf)
	if m := regexp.MustCompile(`\) \(by `).FindString(flat); m != "" || strings.Contains(flat, "(Recommendation 9) (") {
		t.Errorf("doubled brackets: %q", m)
	}
	if !strings.Contains(flat, "(Recommendation 9) Target date 31 December 2016") {
		t.Error("the target's date is not on a row of its own")
	}
	// The overall satisfaction chart (76% and 66.7%) has ticks 0, 25, 50,
	// 75 and 100, not a third of 83.6.
	for _, odd := range []string{"83.6", "41.8"} {
		if strings.Contains(flat, " "+odd+" ") {
			t.Errorf("a chart tick reads %s", odd)
		}
	}
	// (the value labels 76% and 66.7% fall between the ticks in reading order)
	if !regexp.MustCompile(`100 (\S+% )?75 (\S+% )?50 (\S+% )?25 (\S+% )?0 `).MatchString(flat) {
		t.Errorf("no round ticks on the overall satisfaction chart")
	}

	// The cover's "Kind" label starts where "Status report" starts.
	xs := wordX(t, pdf, 1)
	if len(xs["Kind"]) == 0 || len(xs["Status"]) == 0 {
		t.Fatalf("cover words: %v", xs)
	}
	if d := xs["Kind"][0] - xs["Status"][0]; d < -0.5 || d > 0.5 {
		t.Errorf("label/value rows start %.1f pt from the body text", d)
	}
}

var bboxWord = regexp.MustCompile(`<word xMin="([0-9.]+)" yMin="[0-9.]+" xMax="[0-9.]+" yMax="[0-9.]+">([^<]*)</word>`)

// wordX reads where each word of a page starts, with pdftotext -bbox.
func wordX(t *testing.T, pdf []byte, page int) map[string][]float64 {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "*.pdf")
	if err != nil {
		t.Fatal(err)
	}
	f.Write(pdf)
	f.Close()
	p := strconv.Itoa(page)
	out, err := exec.Command(poppler(t, "pdftotext"), "-bbox", "-f", p, "-l", p, f.Name(), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	xs := map[string][]float64{}
	for _, m := range bboxWord.FindAllStringSubmatch(string(out), -1) {
		x, _ := strconv.ParseFloat(m[1], 64)
		xs[m[2]] = append(xs[m[2]], x)
	}
	return xs
}

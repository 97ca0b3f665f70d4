package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestReplyPreparedAndDownloaded: the CoLP secretary writes the
// introduction and keeps two recommendations; the downloaded PDF says so.
func TestReplyPreparedAndDownloaded(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(secretary)
	d, err := e.s.ReferenceDetail(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	form := sec.get("/references/1/reply", http.StatusOK)
	mustContain(t, text(form), "reply form", "Prepare the formal reply", "Recommendations to include", "Download the reply (PDF)")
	rec2, rec3 := d.Recommendations[1].Recommendation.ID, d.Recommendations[2].Recommendation.ID
	intro := "Dear Chair – the Force’s reply, costing £0, follows."
	sec.post("/references/1/reply", url.Values{"version": {strconv.Itoa(d.Reference.Version)}, "intro": {intro},
		"items": {strconv.FormatInt(rec2, 10), strconv.FormatInt(rec3, 10)}}, http.StatusSeeOther)
	page := text(sec.get("/references/1/reply", http.StatusOK))
	mustContain(t, page, "saved form", "Your choices for the reply are saved.", intro)
	if again := text(sec.get("/references/1/reply", http.StatusOK)); strings.Contains(again, "are saved") {
		t.Error("the confirmation shows again on the next page")
	}

	// A second secretary's form from before the save is refused, with their text kept.
	stale := text(sec.post("/references/1/reply", url.Values{"version": {strconv.Itoa(d.Reference.Version)}, "intro": {"Older text"}}, http.StatusConflict))
	mustContain(t, stale, "stale save", "Someone else saved this reply after you opened it", "Older text")

	asAt := storetest.ISO(0)
	res, err := sec.http.Get(e.ts.URL + "/references/1/report.pdf?as_at=" + asAt)
	if err != nil {
		t.Fatal(err)
	}
	pdf, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf, []byte("%PDF-")) ||
		!strings.Contains(res.Header.Get("Content-Disposition"), `filename="reference-`+d.Reference.Number+`-as-at-`+asAt+`.pdf"`) {
		t.Fatalf("download: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not found; the PDF's text is checked in tracker/report")
	}
	cmd := exec.Command(pdftotext, "-enc", "UTF-8", "-", "-")
	cmd.Stdin = bytes.NewReader(pdf)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	flat := strings.Join(strings.Fields(string(out)), " ")
	if !strings.Contains(flat, intro) || !strings.Contains(flat, "Recommendation 2") || strings.Contains(flat, "Recommendation 1 ") {
		t.Errorf("the PDF does not follow the secretary's choices: %.500s", flat)
	}
}

// TestReplyIntroFollowsTheReply: the box starts as the body's reply; sent
// back unchanged (with a browser's CR LF line ends) it stores nothing of
// its own, so later revisions of the reply are used; emptied, the reply
// has no introduction, as the box showed.
func TestReplyIntroFollowsTheReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(secretary)
	d, err := e.s.ReferenceDetail(context.Background(), 1)
	if err != nil || len(d.Replies) == 0 {
		t.Fatalf("reference 1: %v, %d replies", err, len(d.Replies))
	}
	body := d.Replies[len(d.Replies)-1].Body
	sec.post("/references/1/reply", url.Values{"version": {strconv.Itoa(d.Reference.Version)}, "intro": {strings.ReplaceAll(body, "\n", "\r\n")}}, http.StatusSeeOther)
	if d, _ = e.s.ReferenceDetail(context.Background(), 1); d.Reference.ReportIntro != nil {
		t.Errorf("the reply's own text, unchanged, was stored as an introduction: %q", *d.Reference.ReportIntro)
	}
	sec.post("/references/1/reply", url.Values{"version": {strconv.Itoa(d.Reference.Version)}, "intro": {""}}, http.StatusSeeOther)
	if d, _ = e.s.ReferenceDetail(context.Background(), 1); d.Reference.ReportIntro == nil || *d.Reference.ReportIntro != "" {
		t.Errorf("an emptied box stored %v, want an empty introduction", d.Reference.ReportIntro)
	}
	if page := text(sec.get("/references/1/reply", http.StatusOK)); !strings.Contains(page, "Empty it for no introduction") {
		t.Error("the form does not say what an empty box means")
	}
}

// TestImportSample: the import page offers a sample of each kind, made
// from the importer's own fields.
func TestImportSample(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(secretary)
	page := sec.get("/import", http.StatusOK)
	mustContain(t, page, "import page", `href="/import/sample.csv?kind=recommendations"`, `href="/import/sample.csv?kind=actions"`)
	for kind, header := range map[string]string{"recommendations": "Source,Source reference,", "actions": "Action reference,Organisation,Description,Owner,"} {
		res, err := sec.http.Get(e.ts.URL + "/import/sample.csv?kind=" + kind)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Disposition"), `filename="sample-`+kind+`.csv"`) ||
			!strings.HasPrefix(strings.TrimPrefix(string(b), "\ufeff"), header) {
			t.Errorf("%s sample: %d %s %.80q", kind, res.StatusCode, res.Header.Get("Content-Disposition"), b)
		}
	}
}

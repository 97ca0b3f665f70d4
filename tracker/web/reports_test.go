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

package web_test

import (
	"bytes"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestReplyPDFWithoutActions: the reply's download form offers "Leave the
// actions out", and the PDF it asks for has no actions.
func TestReplyPDFWithoutActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(secretary)
	form := sec.get("/references/1/reply", http.StatusOK)
	mustContain(t, form, "reply form", `name="no_actions"`, `for="reply-no-actions"`)
	mustContain(t, text(form), "reply form", "Leave the actions out")
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not found; the PDF's text is checked in tracker/report")
	}
	read := func(query string) string {
		res, err := sec.http.Get(e.ts.URL + "/references/1/report.pdf?as_at=" + storetest.ISO(0) + query)
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("download%s: %d", query, res.StatusCode)
		}
		cmd := exec.Command(pdftotext, "-enc", "UTF-8", "-", "-")
		cmd.Stdin = bytes.NewReader(pdf)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(out)), " ")
	}
	if with := read(""); !strings.Contains(with, "Look at call handling") {
		t.Errorf("the reply lacks its actions: %.300s", with)
	}
	if without := read("&no_actions=1"); strings.Contains(without, "Look at call handling") || !strings.Contains(without, "Recommendation 2") {
		t.Errorf("the reply without actions: %.400s", without)
	}
}

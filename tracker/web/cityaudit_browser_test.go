package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/civic-tracker/tracker/tracker/importer/importertest"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// importCityAudit takes a city auditor's export through the import
// screens as a person would: upload, the mapping as guessed, each of the
// file's words given the tracker's word this office uses, the issuing body
// typed in, preview, import. It returns the number template the screen
// proposed, how many words it set, and the summary's text.
func importCityAudit(ctx context.Context, base, file string) (number string, set int, summary string, err error) {
	words, _ := json.Marshal(map[string]map[string]string{"status": importertest.CityAuditStatuses, "position": importertest.CityAuditResponses})
	err = steps(ctx,
		chromedp.Navigate(base+"/import"),
		chromedp.WaitVisible(`#import-start`),
		chromedp.Click(`#kind-recommendations`, chromedp.NodeVisible),
		chromedp.SetUploadFiles(`#file`, []string{file}),
		chromedp.Click(`#import-start button[type="submit"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#mapping-form`),
		chromedp.Value(`#number`, &number),
		// Beside each word of the file, the tracker's word.
		chromedp.Evaluate(`(() => { const words = `+string(words)+`; let n = 0;
			for (const w of document.querySelectorAll('#mapping-form input[name^="vw-"]')) {
				const i = w.name.slice(3), f = document.querySelector('input[name="vf-' + i + '"]').value;
				const to = (words[f] || {})[w.value];
				if (to) { document.getElementById('vt-' + i).value = to; n++; }
			}
			return n; })()`, &set),
		chromedp.SetValue(`#issued_by`, "City Auditor"),
		shot("city-audit-mapping"),
		chromedp.Click(`#mapping-form button[type="submit"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#preview`),
		chromedp.Click(`#run-form button[name="run"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#import-summary`),
		chromedp.Text(`main`, &summary, chromedp.ByQuery),
	)
	return number, set, summary, err
}

var exportedAt = regexp.MustCompile(`"exported_at":"[^"]*"`)

// wholeTracker is the whole-tracker backup, audit trail included, with the
// moment it was made left out.
func wholeTracker(t *testing.T, s *store.Store) string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.ExportAll(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return exportedAt.ReplaceAllString(buf.String(), "")
}

// TestBrowserImportCityAudit: an administrator imports a generated city
// auditor's export (one row per recommendation per agency, its own status
// and response words, curly quotes, CR LF sub-items a.–d., status dates
// before issue dates) through the import screens in a real browser, on
// both databases. Every row then reads back byte for byte through the API
// (text, the agency's own status and status date); the same file imported
// again through the screens changes nothing, audit trail included.
func TestBrowserImportCityAudit(t *testing.T) {
	ctx := browser(t)
	rows, data := importertest.CityAudit(6)
	file := filepath.Join(t.TempDir(), "city-audit-export.csv")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	recs := map[string]bool{}
	for _, r := range rows {
		recs[r.AuditTitle+" "+r.Number] = true
	}
	words := len(importertest.CityAuditStatuses) + len(importertest.CityAuditResponses)
	// One tab, so the two databases take turns.
	storetest.EachInTurn(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		if err := steps(ctx, signIn(e.ts.URL, admin+"@example.org")); err != nil {
			t.Fatal(err)
		}
		number, set, summary, err := importCityAudit(ctx, e.ts.URL, file)
		if err != nil {
			t.Fatal(err)
		}
		if number != "{audit_number}-{row}" || set != words {
			t.Errorf("the mapping screen proposed %q and listed %d of the file's %d words", number, set, words)
		}
		if !strings.Contains(summary, "Import done") || !strings.Contains(summary, "Inserted\n"+strconv.Itoa(len(recs))+" recommendations\n") {
			t.Errorf("summary: %q", summary)
		}
		if n := importertest.CheckCityAuditAPI(t, e.ts.URL, e.api(viewer).token, rows); n != len(rows) {
			t.Errorf("%d rows checked, want %d", n, len(rows))
		}

		before := wholeTracker(t, s)
		_, _, summary, err = importCityAudit(ctx, e.ts.URL, file)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(summary, "Inserted\n0 recommendations\n") {
			t.Errorf("second summary: %q", summary)
		}
		if after := wholeTracker(t, s); after != before {
			t.Errorf("the second import changed the tracker:\n%s", firstDiff(strings.ReplaceAll(before, "},{", "},\n{"), strings.ReplaceAll(after, "},{", "},\n{")))
		}
	})
}

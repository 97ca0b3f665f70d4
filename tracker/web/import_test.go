package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/jobs"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// importCSV is a rolling action log as a force keeps it, its due dates
// written the British way, four to six months after the test clock's day.
var importCSV = "Ref,Organisation,Action,Owner,Due date,RAG,Latest update\r\n" +
	"IMP-1,City of London Police,\"Train staff on the Victims’ Code – £250,000 Ⅱ\",D/Supt Crime," + britishDate(120) + ",Green,Started\r\n" +
	"IMP-2,City of London Police,Publish the import guidance,Ops Lead," + britishDate(150) + ",Purple,Drafted\r\n" +
	"IMP-3,City of London Police,Review the hotline script,Ops Lead," + britishDate(180) + ",Amber,Waiting\r\n"

// britishDate is the test clock's day moved by n days, as DD/MM/YYYY.
func britishDate(n int) string { return storetest.Day(n).Format("02/01/2006") }

// upload posts a file to /import as a person would, with the form's
// fields, and returns the page.
func (c *client) upload(fields map[string]string, name string, data []byte, want int) string {
	c.e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf_token", c.csrf)
	for k, v := range fields {
		_ = w.WriteField(k, v)
	}
	if name != "" {
		fw, _ := w.CreateFormFile("file", name)
		_, _ = fw.Write(data)
	}
	_ = w.Close()
	req, _ := http.NewRequest("POST", c.e.ts.URL+"/import", &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	res, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		c.e.t.Fatalf("POST /import = %d, want %d\n%.2000s", res.StatusCode, want, text(string(b)))
	}
	return string(b)
}

var (
	formAction = regexp.MustCompile(`action="(/import/[0-9a-f]+/(?:preview|run))"`)
	selected   = regexp.MustCompile(`(?s)<select id="(col-\d+)" name="col-\d+">.*?</select>`)
	chosen     = regexp.MustCompile(`<option value="([a-z_]*)" selected>`)
	hiddenIn   = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// mappingForm reads the mapping screen's choices as the browser would send them.
func mappingForm(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	m := formAction.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form to the next step on\n%.1500s", text(page))
	}
	form := url.Values{}
	for _, sel := range selected.FindAllStringSubmatch(page, -1) {
		if c := chosen.FindStringSubmatch(sel[0]); c != nil {
			form.Set(sel[1], c[1])
		}
	}
	return m[1], form
}

// runForm reads the hidden fields of the run form on the preview page.
func runForm(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	m := formAction.FindStringSubmatch(page)
	if m == nil || !strings.HasSuffix(m[1], "/run") {
		t.Fatalf("no run form on\n%.1500s", text(page))
	}
	form := url.Values{}
	for _, h := range hiddenIn.FindAllStringSubmatch(page, -1) {
		if h[1] != "csrf_token" {
			form.Set(h[1], strings.NewReplacer("&#39;", "'", "&amp;", "&", "&#34;", `"`).Replace(h[2]))
		}
	}
	return m[1], form
}

func countActions(t *testing.T, e *env, needle string) int {
	t.Helper()
	items, _, err := e.s.ListActions(context.Background(), tracker.ActionFilter{Today: today, Page: tracker.Page{Number: 1, Size: 1000}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range items {
		if strings.Contains(it.Action.Description, needle) {
			n++
		}
	}
	return n
}

// TestImportInTheBrowserForms walks the import's steps over HTTP as the
// CoLP secretary: the mapping guessed, the preview with its bad row, an
// all-or-nothing import refused, a dry run that changes nothing, and an
// import that skips the bad row; a viewer is refused at every step.
func TestImportInTheBrowserForms(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(secretary)

	start := sec.get("/import", http.StatusOK)
	mustContain(t, start, "/import", `enctype="multipart/form-data"`, `name="csrf_token"`, `type="file"`)
	mustContain(t, sec.get("/", http.StatusOK), "nav", `href="/import"`)

	// Errors at the fields: no kind, no file.
	bad := sec.upload(nil, "", nil, http.StatusUnprocessableEntity)
	mustContain(t, text(bad), "empty upload", "There is a problem", "Choose whether the file lists recommendations or actions", "Choose a CSV or Excel")

	page := sec.upload(map[string]string{"kind": "actions"}, "log.csv", []byte(importCSV), http.StatusOK)
	mustContain(t, text(page), "mapping screen", "Match the columns to fields", "3 rows", "comma-separated", "Victims’ Code – £250,000 Ⅱ")
	next, form := mappingForm(t, page)
	for col, field := range map[string]string{"col-0": "reference", "col-1": "organisation", "col-2": "description", "col-3": "owner", "col-4": "due", "col-5": "rag", "col-6": "update"} {
		if form.Get(col) != field {
			t.Errorf("%s guessed as %q, want %q", col, form.Get(col), field)
		}
	}

	// A mapping without the description goes back to the mapping screen.
	noDesc := url.Values{}
	for k, v := range form {
		noDesc[k] = v
	}
	noDesc.Del("col-2")
	back := sec.post(next, noDesc, http.StatusUnprocessableEntity)
	mustContain(t, text(back), "mapping problem", "There is a problem", "Match the columns to fields")
	mustContain(t, back, "mapping problem", `href="#columns"`, `id="columns-error"`)

	form.Set("save_as", "CoLP monthly log")
	preview := sec.post(next, form, http.StatusOK)
	pt := text(preview)
	mustContain(t, pt, "preview", "Check the import", "3 rows read, 2 actions ready", "IMP-1", "Victims’ Code – £250,000 Ⅱ", "Review the hotline script",
		"Rows with errors", "“Purple” is not a RAG rating")
	mustContain(t, preview, "preview", `href="#row-errors"`, `<td>3</td><td>RAG</td>`, `name="skip_bad_rows"`, `name="dry_run"`)

	run, runVals := runForm(t, preview)
	const utf = "Victims’ Code – £250,000 Ⅱ"
	before := countActions(t, e, utf)

	// All or nothing: refused.
	refused := sec.post(run, runVals, http.StatusOK)
	mustContain(t, text(refused), "refused", "Nothing was imported", "“Purple” is not a RAG rating")
	if n := countActions(t, e, utf); n != before {
		t.Fatalf("refused import added %d actions", n-before)
	}

	// A dry run changes nothing.
	dry := url.Values{"dry_run": {"1"}, "skip_bad_rows": {"1"}}
	for k, v := range runVals {
		dry[k] = v
	}
	dryPage := text(sec.post(run, dry, http.StatusOK))
	mustContain(t, dryPage, "dry run", "Dry run: nothing was saved", "Inserted 2 actions")
	if n := countActions(t, e, utf); n != before {
		t.Fatalf("dry run added %d actions", n-before)
	}

	// Skipping the bad row imports the good ones and saves the mapping.
	skip := url.Values{"skip_bad_rows": {"1"}}
	for k, v := range runVals {
		skip[k] = v
	}
	done := text(sec.post(run, skip, http.StatusOK))
	mustContain(t, done, "import", "Import done", "Inserted 2 actions", "Rows skipped 1", "saved as “CoLP monthly log”")
	if n := countActions(t, e, utf); n != before+1 {
		t.Errorf("after the import: %d actions with the text, want %d", n, before+1)
	}
	if countActions(t, e, "Publish the import guidance") != 0 {
		t.Error("the row with the bad RAG was imported")
	}
	if _, err := e.s.ImportMapping(context.Background(), "CoLP monthly log"); err != nil {
		t.Errorf("mapping not saved: %v", err)
	}
	// The upload is gone once imported.
	mustContain(t, text(sec.post(run, skip, http.StatusNotFound)), "gone", "no longer here")

	// The saved mapping is offered, and chooses the fields again.
	mustContain(t, sec.get("/import", http.StatusOK), "saved mapping", "CoLP monthly log")
	again := sec.upload(map[string]string{"mapping": "CoLP monthly log"}, "log.csv", []byte(importCSV), http.StatusOK)
	if _, f := mappingForm(t, again); f.Get("col-5") != "rag" {
		t.Errorf("saved mapping: col-5 = %q, want rag", f.Get("col-5"))
	}

	// A viewer may not import.
	v := e.login(viewer)
	v.get("/import", http.StatusForbidden)
	if strings.Contains(v.get("/", http.StatusOK), `href="/import"`) {
		t.Error("the viewer's navigation offers Import")
	}
	v.upload(map[string]string{"kind": "actions"}, "log.csv", []byte(importCSV), http.StatusForbidden)
	if st := v.status("POST", strings.TrimSuffix(run, "/run")+"/preview", url.Values{"csrf_token": {v.csrf}}); st != http.StatusForbidden {
		t.Errorf("viewer preview = %d, want 403", st)
	}
	// Another secretary's upload is not found by someone else.
	a := e.login(admin)
	up := sec.upload(map[string]string{"kind": "actions"}, "log.csv", []byte(importCSV), http.StatusOK)
	otherNext, otherForm := mappingForm(t, up)
	a.post(otherNext, otherForm, http.StatusNotFound)
}

// TestImportProgress imports a log of 400 rows: the run goes on in the
// background, the progress page refreshes itself until the summary shows,
// and another person cannot watch it.
func TestImportProgress(t *testing.T) {
	t.Parallel()
	dsn := storetest.SQLiteMigratedDSN(t)
	s := storetest.OpenMigrated(t, dsn)
	e := newEnv(t, s, 25)
	startJobs(t, s, dsn)
	sec := e.login(secretary)
	// Signed in before the run: signing in writes a session, which would
	// wait for the import's transaction on SQLite.
	adm := e.login(admin)
	var csvText strings.Builder
	csvText.WriteString("Ref,Organisation,Action,Owner,Due date,RAG,Latest update\r\n")
	for i := 1; i <= 400; i++ {
		fmt.Fprintf(&csvText, "BIG-%d,City of London Police,Bulk action %d – “Ⅱ”,Ops Lead,%s,Green,Started\r\n", i, i, britishDate(120))
	}
	page := sec.upload(map[string]string{"kind": "actions"}, "big.csv", []byte(csvText.String()), http.StatusOK)
	next, form := mappingForm(t, page)
	run, vals := runForm(t, sec.post(next, form, http.StatusOK))
	vals.Set("csrf_token", sec.csrf)
	res, err := noRedirect(sec).PostForm(e.ts.URL+run, vals)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	progress := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasSuffix(progress, "/progress") {
		t.Fatalf("a big import answers %d to %q, want 303 to its progress page", res.StatusCode, progress)
	}
	// Sent again (a double click): the first run goes on, alone.
	again, err := noRedirect(sec).PostForm(e.ts.URL+run, vals)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if again.StatusCode != http.StatusNotFound && (again.StatusCode != http.StatusSeeOther || again.Header.Get("Location") != progress) {
		t.Errorf("a second run of the same upload answers %d %q", again.StatusCode, again.Header.Get("Location"))
	}
	adm.get(progress, http.StatusNotFound)
	deadline := time.Now().Add(60 * time.Second)
	for {
		p := sec.get(progress, http.StatusOK)
		if strings.Contains(p, "Import done") {
			mustContain(t, text(p), "summary", "Inserted 400 actions")
			break
		}
		mustContain(t, p, "progress page", `<meta http-equiv="refresh" content="2">`, "big.csv", " rows ")
		if time.Now().After(deadline) {
			t.Fatal("the import did not finish within a minute")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n := countActions(t, e, "Bulk action"); n != 400 {
		t.Errorf("%d actions imported, want 400", n)
	}
}

// noRedirect is the client's cookie jar without following redirects.
func noRedirect(c *client) *http.Client {
	cl := *c.http
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cl
}

// TestImportKeepsToScope: the CoLP secretary cannot change the MPS's
// actions by importing a file, any more than through the pages.
func TestImportKeepsToScope(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(secretary)
	csvText := "Ref,Organisation,Action,Status\r\nX-1,Metropolitan Police Service,Close the CRIB hotline,Cancelled\r\n"
	next, form := mappingForm(t, sec.upload(map[string]string{"kind": "actions"}, "mps.csv", []byte(csvText), http.StatusOK))
	run, vals := runForm(t, sec.post(next, form, http.StatusOK))
	vals.Set("skip_bad_rows", "1")
	page := text(sec.post(run, vals, http.StatusOK))
	mustContain(t, page, "out of scope", "You may not change the actions of Metropolitan Police Service", "Rows skipped 1")
	if countActions(t, e, "Close the CRIB hotline") != 0 {
		t.Error("the MPS action was imported")
	}
}

// TestImportThatDiedSaysSo: a progress page of an upload never run in the
// background, while the upload is still kept, says nothing was imported,
// instead of "Page not found".
func TestImportThatDiedSaysSo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(secretary)
	csv := "Ref,Organisation,Action\r\nDIED-1,City of London Police,Never imported\r\n"
	page := sec.upload(map[string]string{"kind": "actions"}, "died.csv", []byte(csv), http.StatusOK)
	next, _ := mappingForm(t, page)
	id := strings.Split(strings.TrimPrefix(next, "/import/"), "/")[0]
	progress := "/import/" + id + "/progress"
	p := text(sec.get(progress, http.StatusOK))
	mustContain(t, p, "died import", "The import did not finish", "has not been run, so nothing from this file was imported", "died.csv")
	e.login(admin).get(progress, http.StatusNotFound)
	sec.get("/import/"+strings.Repeat("0", 32)+"/progress", http.StatusNotFound)
}

// TestImportRefusesBombs: a CSV with more columns than the cap, and bytes
// that are no spreadsheet, are refused at upload with the reason, instead
// of a mapping page of thousands of columns or of garbage.
func TestImportRefusesBombs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(secretary)
	wide := strings.Repeat("c,", 100_000) + "c\n" + strings.Repeat("1,", 100_000) + "1\n"
	page := text(sec.upload(map[string]string{"kind": "actions"}, "wide.csv", []byte(wide), http.StatusUnprocessableEntity))
	mustContain(t, page, "wide file", "the tracker reads up to 200")
	random := make([]byte, 8192)
	for i := range random {
		random[i] = byte(i*7919 + i*i*31)
	}
	page = text(sec.upload(map[string]string{"kind": "actions"}, "photo.csv", random, http.StatusUnprocessableEntity))
	mustContain(t, page, "random bytes", "neither a CSV text file nor an Excel workbook")
}

// startJobs runs the job queue on s (whose database dsn names) until the
// test ends, as tracker serve does.
func startJobs(t *testing.T, s *store.Store, dsn string) {
	t.Helper()
	q := openJobs(t, s, dsn, jobs.Options{})
	t.Cleanup(func() {
		stop, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = q.Stop(stop)
	})
}

func openJobs(t *testing.T, s *store.Store, dsn string, o jobs.Options) *jobs.Queue {
	t.Helper()
	bg := context.Background()
	if err := jobs.Migrate(bg, s, dsn); err != nil {
		t.Fatal(err)
	}
	o.Work, o.DigestEvery = true, -1
	q, err := jobs.Open(bg, s, dsn, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Start(bg); err != nil {
		t.Fatal(err)
	}
	return q
}

// TestImportOnTwoServers: two trackers share one database (on SQLite, one
// file). A big import run on the first shows its progress on the second;
// the first stops half-way through it, and the second's page says the
// import will begin again; the second's queue runs it, and its page shows
// the summary, with each action imported once.
func TestImportOnTwoServers(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			dsn := b.Migrated(t)
			s1 := storetest.OpenMigrated(t, dsn)
			e := newEnv(t, s1, 25)
			paused := make(chan struct{}, 1)
			q1 := openJobs(t, s1, dsn, jobs.Options{ImportProgress: func(ctx context.Context, _ int64, p importer.Progress) {
				if p.Done < p.Total {
					select {
					case paused <- struct{}{}:
					default:
					}
					<-ctx.Done() // the first server stops here
				}
			}})
			s2 := storetest.OpenMigrated(t, dsn)
			srv2, err := web.New(web.Options{Store: s2, Now: func() time.Time { return today }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			ts2 := httptest.NewServer(srv2.Handler())
			t.Cleanup(ts2.Close)

			sec := e.login(secretary)
			var csvText strings.Builder
			csvText.WriteString("Ref,Organisation,Action,Owner\r\n")
			for i := 1; i <= 350; i++ {
				fmt.Fprintf(&csvText, "TWO-%d,City of London Police,Shared action %d – “Ⅱ”,Ops Lead\r\n", i, i)
			}
			next, form := mappingForm(t, sec.upload(map[string]string{"kind": "actions"}, "shared.csv", []byte(csvText.String()), http.StatusOK))
			run, vals := runForm(t, sec.post(next, form, http.StatusOK))
			vals.Set("csrf_token", sec.csrf)
			res, err := noRedirect(sec).PostForm(e.ts.URL+run, vals)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			progress := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("a big import answers %d", res.StatusCode)
			}
			// The same person, signed in once, reads the second server.
			on2 := func() string {
				t.Helper()
				r, err := sec.http.Get(ts2.URL + progress)
				if err != nil {
					t.Fatal(err)
				}
				defer r.Body.Close()
				body, _ := io.ReadAll(r.Body)
				if r.StatusCode != http.StatusOK {
					t.Fatalf("the second server answers %d for the progress page", r.StatusCode)
				}
				return text(string(body))
			}
			select {
			case <-paused:
			case <-time.After(60 * time.Second):
				t.Fatal("the first server's queue did not run the import")
			}
			mustContain(t, on2(), "progress on the second server", "Importing shared.csv", "350")
			stop, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			_ = q1.Stop(stop)
			cancel()
			mustContain(t, on2(), "progress after the first server stopped", "The tracker stopped while this import ran, so it will begin again from the start",
				"nothing was saved twice")
			startJobs(t, s2, dsn)
			deadline := time.Now().Add(90 * time.Second)
			for {
				p := on2()
				if strings.Contains(p, "Import done") {
					mustContain(t, p, "summary on the second server", "Inserted 350 actions")
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the import did not finish on the second server")
				}
				time.Sleep(100 * time.Millisecond)
			}
			if n := countActions(t, e, "Shared action"); n != 350 {
				t.Errorf("%d actions imported, want 350 (once each)", n)
			}
		})
	}
}

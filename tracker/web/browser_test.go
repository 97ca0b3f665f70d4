package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// chromium finds a Chromium or Chrome to drive: TRACKER_CHROMIUM, or one on
// the PATH. Browser tests skip without one, unless CI=true.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("TRACKER_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("a browser is required when CI=true: install Debian's chromium or set TRACKER_CHROMIUM")
	}
	t.Skip("no Chromium found (install Debian's chromium package or set TRACKER_CHROMIUM to run browser tests)")
	return ""
}

// sharedBrowser is the one Chromium the package's browser tests share: each
// test gets a tab in a browser context of its own (cookies and storage
// apart), which costs far less than starting a browser per test.
var sharedBrowser struct {
	once sync.Once
	ctx  context.Context
	err  error
	stop func()
}

// browser returns a new tab for the test, in its own browser context, in
// the package's Chromium, starting it on first use. A test may take up to
// five minutes in all (a backstop against a hang on a busy machine; every
// step waits on a condition, not on a time).
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromium(t)
	b := &sharedBrowser
	b.once.Do(func() { b.err = startBrowser(path) })
	if b.err != nil {
		t.Fatalf("start browser: %v", b.err)
	}
	// The tab is opened in a window of its own: headless Chromium has no
	// window for a new browser context to put a tab in.
	var contextID cdp.BrowserContextID
	var tabID target.ID
	err := chromedp.Run(b.ctx, chromedp.ActionFunc(func(ctx context.Context) error {
		onBrowser := cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser)
		var err error
		if contextID, err = target.CreateBrowserContext().Do(onBrowser); err != nil {
			return err
		}
		tabID, err = target.CreateTarget("about:blank").WithBrowserContextID(contextID).WithNewWindow(true).Do(onBrowser)
		return err
	}))
	if err != nil {
		t.Fatalf("open a browser tab: %v", err)
	}
	ctx, cancelCtx := chromedp.NewContext(b.ctx, chromedp.WithTargetID(tabID))
	ctx, cancelTimeout := context.WithTimeout(ctx, 5*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		_ = chromedp.Cancel(ctx) // closes the tab
		cancelCtx()
		_ = chromedp.Run(b.ctx, chromedp.ActionFunc(func(ctx context.Context) error {
			return target.DisposeBrowserContext(contextID).Do(cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser))
		}))
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("open a browser tab: %v", err)
	}
	return ctx
}

// startBrowser starts the shared Chromium; closeBrowser (from TestMain)
// stops it.
func startBrowser(path string) error {
	b := &sharedBrowser
	// Chromium may still be writing its profile as it exits, so the folder
	// is removed after the browser, and a leftover file is not a failure.
	profile, err := os.MkdirTemp("", "tracker-chromium-")
	if err != nil {
		return err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	b.ctx = ctx
	b.stop = func() {
		_ = chromedp.Cancel(ctx)
		cancelCtx()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	}
	if err := chromedp.Run(ctx); err != nil {
		b.stop()
		return err
	}
	return nil
}

// closeBrowser stops the shared Chromium, if a test started it.
func closeBrowser() {
	if sharedBrowser.stop != nil {
		sharedBrowser.stop()
	}
}

// steps runs browser actions one at a time, so that a failure names the
// step it happened at.
func steps(ctx context.Context, actions ...chromedp.Action) error {
	for i, a := range actions {
		if tasks, ok := a.(chromedp.Tasks); ok {
			if err := steps(ctx, tasks...); err != nil {
				return fmt.Errorf("in step %d: %w", i+1, err)
			}
			continue
		}
		if err := chromedp.Run(ctx, a); err != nil {
			return fmt.Errorf("step %d (%T): %w", i+1, a, err)
		}
	}
	return nil
}

// shot saves a screenshot when TRACKER_SCREENSHOTS names a folder.
func shot(name string) chromedp.Action {
	dir := os.Getenv("TRACKER_SCREENSHOTS")
	return chromedp.ActionFunc(func(ctx context.Context) error {
		if dir == "" {
			return nil
		}
		var buf []byte
		if err := chromedp.FullScreenshot(&buf, 100).Do(ctx); err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
	})
}

// signIn fills in the sign-in form as a person would.
func signIn(base, email string) chromedp.Tasks {
	return chromedp.Tasks{
		chromedp.Navigate(base + "/"),
		chromedp.WaitVisible(`#email`),
		chromedp.SetValue(`#email`, email),
		chromedp.SetValue(`#password`, password),
		chromedp.Click(`form[action="/login"] button[type="submit"]`),
		chromedp.WaitVisible(`.account-nav`),
	}
}

// TestBrowserJourney reads the tracker as a board member would, in a real
// browser: keyboard first, then through links to Recommendation 4, then
// the action log's filters, then at phone width.
func TestBrowserJourney(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.SQLite(t), 25)
	base := e.ts.URL

	var focused, body, url string
	err := steps(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`h1`),
		shot("login"),
		chromedp.KeyEvent("\t"),
		chromedp.Evaluate(`document.activeElement.textContent.trim()`, &focused),
		signIn(base, "viewer@example.org"),
		shot("home-desktop"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if focused != "Skip to main content" {
		t.Errorf("first Tab focuses %q, want the skip link", focused)
	}

	err = steps(ctx,
		chromedp.Click(`nav[aria-label="Main"] a[href="/sources"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`//h1[normalize-space()="Sources"]`, chromedp.BySearch),
		chromedp.Click(`//a[normalize-space()="`+example.DutyOfCareTitle+`"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#recommendations`),
		shot("source-desktop"),
		chromedp.Click(`a[aria-label="Recommendation 4"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`//h1[normalize-space()="Recommendation 4"]`, chromedp.BySearch),
		chromedp.Text(`main`, &body),
		chromedp.Location(&url),
		shot("recommendation-desktop"),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Recommendation 4", "“by April 2013”", "30 April 2013", "Management response from Metropolitan Police Service", "History"} {
		if !strings.Contains(body, want) {
			t.Errorf("Recommendation 4 page lacks %q", want)
		}
	}
	if !strings.Contains(url, "/recommendations/") {
		t.Errorf("ended at %s", url)
	}

	var rows int
	err = steps(ctx,
		chromedp.Navigate(base+"/actions"),
		chromedp.WaitVisible(`#f-overdue`),
		chromedp.Click(`#f-overdue`),
		chromedp.Click(`form.filters button[type="submit"]`),
		chromedp.WaitVisible(`a.link-button`),
		chromedp.Location(&url),
		chromedp.Evaluate(`document.querySelectorAll("table tbody tr").length`, &rows),
		shot("actions-desktop"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "overdue=true") || rows != 7 {
		t.Errorf("overdue filter: url %s, %d rows; want overdue=true in the URL and 7 rows", url, rows)
	}

	var overflow bool
	for _, page := range []string{"/", "/actions", "/references/1"} {
		err = steps(ctx,
			chromedp.EmulateViewport(375, 800),
			chromedp.Navigate(base+page),
			// Polling the page itself rather than waiting on a DOM node: the
			// node of the page before can linger in chromedp's view.
			chromedp.Poll(`document.readyState === "complete" && document.location.pathname === "`+page+`" && document.querySelector("h1") !== null`,
				nil, chromedp.WithPollingTimeout(0)), // the test's deadline is the limit
			chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow),
			shot("phone"+strings.ReplaceAll(page, "/", "-")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if overflow {
			t.Errorf("%s scrolls sideways at phone width", page)
		}
	}
}

// TestBrowserEditInScope: the CoLP working-group chair signs in, posts an
// update that turns a CoLP action amber, sees it in the timeline and the
// History, finds no form on an MPS action and is refused when posting to
// it anyway, has a CSRF-less post refused, and signs out.
func TestBrowserEditInScope(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.SQLite(t), 25)
	base := e.ts.URL
	colp, mps := e.actionOf("City of London Police"), e.actionOf("Metropolitan Police Service")
	colpURL := base + "/actions/" + strconv.FormatInt(colp.ID, 10)
	mpsPath := "/actions/" + strconv.FormatInt(mps.ID, 10)
	updated := storetest.Day(-3)

	var body string
	var forms int
	err := steps(ctx,
		signIn(base, editorCoL+"@example.org"),
		chromedp.Navigate(colpURL),
		chromedp.WaitVisible(`#text`),
		chromedp.SetValue(`#date`, updated.Format("2006-01-02")),
		chromedp.SendKeys(`#text`, "Call handling reviewed with the CMU – “Victims’ Code” compliance at 92%"),
		chromedp.SetValue(`#rag`, "amber"),
		shot("action-form"),
		chromedp.Click(`form[action$="/updates"] button[type="submit"]`),
		// Wait for the new page: the update in the timeline, not the old page's heading.
		chromedp.WaitVisible(`//ol[contains(@class,"timeline")]//p[contains(., "compliance at 92%")]`, chromedp.BySearch),
		chromedp.Text(`main`, &body, chromedp.ByQuery),
		shot("action-after-update"),
		chromedp.Navigate(base+mpsPath),
		chromedp.WaitVisible(`h1`),
		chromedp.Evaluate(`document.querySelectorAll("form[action$='/updates']").length`, &forms),
	)
	if err != nil {
		t.Fatal(err)
	}
	body = space.ReplaceAllString(body, " ")
	for _, want := range []string{"RAG: Amber", tracker.FormatDate(updated), "Call handling reviewed with the CMU – “Victims’ Code” compliance at 92%", "D/Supt Crime", "by page", "RAG rating: was Not rated → now Amber"} {
		if !strings.Contains(body, want) {
			t.Errorf("after the update the page lacks %q", want)
		}
	}
	if forms != 0 {
		t.Errorf("the MPS action offers %d update forms to a CoLP editor", forms)
	}

	// Posting to the MPS action anyway, with a valid CSRF token, is refused;
	// so is a post with no CSRF token at all.
	var outside, noCSRF int
	script := func(withToken bool, path string) string {
		token := `document.querySelector("input[name=csrf_token]").value`
		if !withToken {
			token = `""`
		}
		return `(async () => { const f = new URLSearchParams({csrf_token: ` + token + `, version: "1", date: "` + updated.Format("2006-01-02") + `", text: "x", rag: "keep"});
			const r = await fetch("` + path + `/updates", {method: "POST", body: f}); return r.status; })()`
	}
	err = steps(ctx,
		chromedp.Evaluate(script(true, mpsPath), &outside, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
		chromedp.Evaluate(script(false, "/actions/"+strconv.FormatInt(colp.ID, 10)), &noCSRF, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }),
	)
	if err != nil {
		t.Fatal(err)
	}
	if outside != 403 || noCSRF != 403 {
		t.Errorf("post outside scope = %d, post without CSRF token = %d; want 403 and 403", outside, noCSRF)
	}

	var url string
	err = steps(ctx,
		chromedp.Click(`.account-nav button[type="submit"]`),
		chromedp.WaitVisible(`#email`),
		chromedp.Navigate(base+"/actions"),
		chromedp.WaitVisible(`#email`),
		chromedp.Location(&url),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(url, "/login?next=%2Factions") {
		t.Errorf("after signing out /actions went to %s, want the sign-in page", url)
	}

	// The change is in the audit trail with its author and old → new values.
	events, err := e.s.History(context.Background(), store.EntityAction, colp.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := events[len(events)-1]
	if last.Actor != "D/Supt Crime" || last.Channel != tracker.ChannelPage || *last.ActorID != e.users[editorCoL].ID {
		t.Errorf("last event = %+v", last)
	}
}

// TestBrowserKeepTheLog is a week of the rolling log in the browser: the
// MPS chair adds an action to Duty of Care Recommendation 4, posts an
// update that turns it amber, moves its deadline with a reason, and finds
// it on the overview and through search. A second session's stale update
// is then refused with the other change shown and its own text kept, and a
// form with bad input keeps what was typed.
func TestBrowserKeepTheLog(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.SQLite(t), 25)
	base := e.ts.URL
	rec4 := "/recommendations/4"
	// Due in three weeks, then moved on by the reason given: neither
	// overdue nor due within the overview's 30 days.
	due, moved := storetest.Day(22), storetest.Day(69)
	slip := int(moved.Sub(due) / (24 * time.Hour))

	var url, body string
	err := steps(ctx,
		signIn(base, editorMPS+"@example.org"),
		chromedp.Navigate(base+rec4),
		chromedp.WaitVisible(`//h1[normalize-space()="Recommendation 4"]`, chromedp.BySearch),
		chromedp.Click(`//summary[normalize-space()="Add an action"]`, chromedp.BySearch),
		chromedp.SendKeys(`#description`, "Publish the CRIB hotline number to Victim Support’s 0845 desk"),
		chromedp.SendKeys(`#owner`, "CRIB manager"),
		chromedp.SetValue(`#due_date`, due.Format("2006-01-02")),
		chromedp.Click(`form[action$="/actions"] button[type="submit"]`),
		chromedp.WaitVisible(`//h1[contains(., "Publish the CRIB hotline number")]`, chromedp.BySearch),
		chromedp.Location(&url),
		// An update that turns it amber.
		chromedp.SendKeys(`#text`, "Number agreed; printing delayed by the supplier."),
		chromedp.SetValue(`#rag`, "amber"),
		chromedp.Click(`form[action$="/updates"] button[type="submit"]`),
		chromedp.WaitVisible(`//ol[contains(@class,"timeline")]//p[contains(., "printing delayed")]`, chromedp.BySearch),
		// Move the deadline, with a reason.
		chromedp.Click(`//summary[normalize-space()="Move the due date"]`, chromedp.BySearch),
		chromedp.SetValue(`#new_date`, moved.Format("2006-01-02")),
		chromedp.SendKeys(`#reason`, "Printer closed over Christmas"),
		chromedp.Click(`form[action$="/due"] button[type="submit"]`),
		chromedp.WaitVisible(`//ol[contains(@class,"revisions")]//li[contains(., "Printer closed over Christmas")]`, chromedp.BySearch),
		chromedp.Text(`main`, &body, chromedp.ByQuery),
		shot("keep-the-log-action"),
	)
	if err != nil {
		t.Fatal(err)
	}
	body = space.ReplaceAllString(body, " ")
	for _, want := range []string{"RAG: Amber", tracker.FormatDate(moved), tracker.FormatDate(due) + " → " + tracker.FormatDate(moved) + ": Printer closed over Christmas",
		fmt.Sprintf("Moved 1 time, %d days in all", slip)} {
		if !strings.Contains(body, want) {
			t.Errorf("action page lacks %q", want)
		}
	}
	actionPath := url[len(base):]

	var overview, found string
	err = steps(ctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`#changed`),
		chromedp.Text(`main`, &overview, chromedp.ByQuery),
		chromedp.Navigate(base+"/search?q=CRIB+0845"),
		chromedp.WaitVisible(`//h1[normalize-space()="Search"]`, chromedp.BySearch),
		chromedp.Text(`main`, &found, chromedp.ByQuery),
		shot("keep-the-log-search"),
	)
	if err != nil {
		t.Fatal(err)
	}
	overview = space.ReplaceAllString(overview, " ")
	if !strings.Contains(overview, "CRIB manager 1 0 0") || !strings.Contains(overview, "Publish the CRIB hotline number") {
		t.Errorf("the overview does not show the new action: %.400s", overview[strings.Index(overview, "By owner"):])
	}
	if !strings.Contains(found, "Publish the CRIB hotline number to Victim Support’s 0845 desk") {
		t.Errorf("search does not find the action: %.300s", found)
	}

	// A second session (another browser), opened on the same action before
	// the first one's next update, is refused and shown the other change;
	// its text stays.
	other := browser(t)
	var conflict, kept string
	err = steps(other,
		signIn(base, admin+"@example.org"),
		chromedp.Navigate(base+actionPath),
		chromedp.WaitVisible(`#text`),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = steps(ctx,
		chromedp.Navigate(base+actionPath),
		chromedp.WaitVisible(`#text`),
		chromedp.SendKeys(`#text`, "Leaflets delivered."),
		chromedp.SetValue(`#rag`, "green"),
		chromedp.Click(`form[action$="/updates"] button[type="submit"]`),
		chromedp.WaitVisible(`//ol[contains(@class,"timeline")]//p[contains(., "Leaflets delivered")]`, chromedp.BySearch),
	)
	if err != nil {
		t.Fatal(err)
	}
	err = steps(other,
		chromedp.SendKeys(`#text`, "Admin’s stale note – £0 spent"),
		chromedp.Click(`form[action$="/updates"] button[type="submit"]`),
		chromedp.WaitVisible(`#conflict-title`),
		chromedp.Text(`main`, &conflict, chromedp.ByQuery),
		chromedp.Value(`#text`, &kept),
		shot("keep-the-log-conflict"),
	)
	if err != nil {
		t.Fatal(err)
	}
	conflict = space.ReplaceAllString(conflict, " ")
	if !strings.Contains(conflict, "Someone else changed this action") || !strings.Contains(conflict, "Leaflets delivered.") || kept != "Admin’s stale note – £0 spent" {
		t.Errorf("conflict page: kept %q; %.500s", kept, conflict)
	}

	// Bad input: errors at their fields, the typed text kept.
	var summary, typed string
	err = steps(ctx,
		chromedp.Navigate(base+rec4),
		chromedp.WaitVisible(`//h1[normalize-space()="Recommendation 4"]`, chromedp.BySearch),
		chromedp.Click(`//summary[normalize-space()="Add an action"]`, chromedp.BySearch),
		chromedp.SendKeys(`#owner`, "Owner with no action – “typed”"),
		chromedp.Click(`form[action$="/actions"] button[type="submit"]`),
		chromedp.WaitVisible(`.error-summary`),
		chromedp.Text(`.error-summary`, &summary, chromedp.ByQuery),
		chromedp.Value(`#owner`, &typed),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "Describe the action") || typed != "Owner with no action – “typed”" {
		t.Errorf("bad input: summary %q, owner kept as %q", summary, typed)
	}
}

// TestBrowserEditForms: an administrator opens every create and edit form
// at phone width (none scrolls sideways), then changes Recommendation 4's
// text in a desktop browser: an empty text brings the error summary with a
// link to the field, and the text typed into the other fields stays.
func TestBrowserEditForms(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.SQLite(t), 25)
	base := e.ts.URL
	a := e.actionOf(colpOrg)
	if err := steps(ctx, signIn(base, "admin@example.org")); err != nil {
		t.Fatal(err)
	}
	var overflow bool
	for _, page := range []string{"/organisations", "/organisations/new", "/sources/new", "/sources/1/edit", "/sources/1/recommendations/new",
		"/recommendations/4/edit", "/actions/" + strconv.FormatInt(a.ID, 10) + "/edit", "/references/new", "/references/1/edit",
		"/measures/1", "/measures/new", "/measures/1/edit"} {
		err := steps(ctx,
			chromedp.EmulateViewport(375, 800),
			chromedp.Navigate(base+page),
			chromedp.Poll(`document.readyState === "complete" && document.location.pathname === "`+page+`" && document.querySelector("h1") !== null`,
				nil, chromedp.WithPollingTimeout(0)), // the test's deadline is the limit
			chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth + 1`, &overflow),
			shot("phone"+strings.ReplaceAll(page, "/", "-")),
		)
		if err != nil {
			t.Fatal(err)
		}
		if overflow {
			t.Errorf("%s scrolls sideways at phone width", page)
		}
	}

	var summary, title, text string
	err := steps(ctx,
		chromedp.EmulateViewport(1280, 900),
		chromedp.Navigate(base+"/recommendations/4/edit"),
		chromedp.WaitVisible(`#text`),
		chromedp.SetValue(`#title`, "Victims’ Code – £250,000 Ⅱ"),
		chromedp.Evaluate(`document.getElementById("text").value = ""`, nil),
		chromedp.Click(`form[action="/recommendations/4/edit"] button[type="submit"]`),
		chromedp.WaitVisible(`.error-summary`),
		chromedp.Text(`.error-summary`, &summary),
		chromedp.Value(`#title`, &title),
		shot("edit-errors"),
		chromedp.Click(`.error-summary a[href="#text"]`),
		chromedp.SetValue(`#text`, "The MPS should – by April 2013 – set up the “Victims’ Code” hotline."),
		chromedp.Click(`form[action="/recommendations/4/edit"] button[type="submit"]`),
		chromedp.WaitVisible(`a[href="/recommendations/4/edit"]`),
		chromedp.Text(`.prose--lead`, &text),
	)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(summary, "Enter the text of the recommendation") || title != "Victims’ Code – £250,000 Ⅱ" {
		t.Errorf("after an empty text: summary %q, title kept as %q", summary, title)
	}
	if !strings.Contains(text, "“Victims’ Code” hotline") {
		t.Errorf("saved text shows as %q", text)
	}
}

// TestBrowserImportXLSX: the CoLP secretary imports a small action log from
// an Excel workbook: the mapping screen has guessed the fields, the preview
// shows the row, the import inserts it, and the action log shows its text
// with every character intact.
func TestBrowserImportXLSX(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t, storetest.SQLite(t), 25)
	base := e.ts.URL

	const desc = "Brief staff on the Victims’ Code – £250,000 Ⅱ"
	wb := excelize.NewFile()
	for i, row := range [][]any{
		{"Ref", "Organisation", "Action", "Owner", "Due date", "RAG", "Latest update"},
		{"XL-1", "City of London Police", desc, "D/Supt Crime", storetest.Day(120).Format("02/01/2006"), "Green", "Briefing booked – “all teams”"},
	} {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := wb.SetSheetRow("Sheet1", cell, &row); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(t.TempDir(), "action-log.xlsx")
	if err := wb.SaveAs(file); err != nil {
		t.Fatal(err)
	}

	var guessed []string
	var summary, log string
	err := steps(ctx,
		signIn(base, "secretary-colp@example.org"),
		chromedp.Click(`nav a[href="/import"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#import-start`),
		chromedp.Click(`#kind-actions`, chromedp.NodeVisible),
		chromedp.SetUploadFiles(`#file`, []string{file}),
		shot("import-start"),
		chromedp.Click(`#import-start button[type="submit"]`, chromedp.NodeVisible),
		// The mapping screen only has #mapping-form.
		chromedp.WaitVisible(`#mapping-form`),
		chromedp.Evaluate(`[...document.querySelectorAll("#mapping-form select[id^=col-]")].map(s => s.value)`, &guessed),
		shot("import-mapping"),
		chromedp.Click(`#mapping-form button[type="submit"]`, chromedp.NodeVisible),
		// The preview only has #preview.
		chromedp.WaitVisible(`#preview`),
		shot("import-preview"),
		chromedp.Click(`#run-form button[name="run"]`, chromedp.NodeVisible),
		// The summary only has #import-summary.
		chromedp.WaitVisible(`#import-summary`),
		chromedp.Text(`main`, &summary, chromedp.ByQuery),
		shot("import-summary"),
		chromedp.Navigate(base+"/actions?q=Brief"),
		chromedp.Poll(`document.location.pathname === "/actions" && document.querySelector("h1") !== null`, nil, chromedp.WithPollingTimeout(0)),
		chromedp.Text(`main`, &log, chromedp.ByQuery),
	)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"reference", "organisation", "description", "owner", "due", "rag", "update"}
	if strings.Join(guessed, ",") != strings.Join(want, ",") {
		t.Errorf("mapping screen chose %v, want %v", guessed, want)
	}
	if !strings.Contains(summary, "Import done") || !strings.Contains(summary, "Inserted\n1 action\n") {
		t.Errorf("summary: %q", summary)
	}
	if !strings.Contains(log, desc) {
		t.Errorf("the action log does not show %q:\n%.1500s", desc, log)
	}
}

package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

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

func browser(t *testing.T) context.Context {
	t.Helper()
	// Chromium may still be writing its profile as it exits, so the folder
	// is removed after the browser, and a leftover file is not a failure.
	profile, err := os.MkdirTemp("", "tracker-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
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
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		cancelTimeout()
		_ = chromedp.Cancel(ctx)
		cancelCtx()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})
	if err := chromedp.Run(ctx); err != nil {
		t.Fatalf("start browser: %v", err)
	}
	return ctx
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
	err := chromedp.Run(ctx,
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

	err = chromedp.Run(ctx,
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
	err = chromedp.Run(ctx,
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
		err = chromedp.Run(ctx,
			chromedp.EmulateViewport(375, 800),
			chromedp.Navigate(base+page),
			chromedp.WaitVisible(`h1`),
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

	var body string
	var forms int
	err := chromedp.Run(ctx,
		signIn(base, editorCoL+"@example.org"),
		chromedp.Navigate(colpURL),
		chromedp.WaitVisible(`#text`),
		chromedp.SetValue(`#date`, "2026-11-20"),
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
	for _, want := range []string{"RAG: Amber", "20 November 2026", "Call handling reviewed with the CMU – “Victims’ Code” compliance at 92%", "D/Supt Crime", "by page", "rag: was (empty) → now amber"} {
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
		return `(async () => { const f = new URLSearchParams({csrf_token: ` + token + `, version: "1", date: "2026-11-20", text: "x", rag: "keep"});
			const r = await fetch("` + path + `/updates", {method: "POST", body: f}); return r.status; })()`
	}
	err = chromedp.Run(ctx,
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
	err = chromedp.Run(ctx,
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

package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/civic-tracker/tracker/tracker/example"
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

// TestBrowserJourney reads the tracker as a board member would, in a real
// browser: keyboard first, then through links to Recommendation 4, then
// the action log's filters, then at phone width.
func TestBrowserJourney(t *testing.T) {
	ctx := browser(t)
	ts := newServer(t, seeded(t, storetest.SQLite(t)), 25)

	var focused, body, url string
	err := chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/"),
		chromedp.WaitVisible(`h1`),
		shot("home-desktop"),
		chromedp.KeyEvent("\t"),
		chromedp.Evaluate(`document.activeElement.textContent.trim()`, &focused),
	)
	if err != nil {
		t.Fatal(err)
	}
	if focused != "Skip to main content" {
		t.Errorf("first Tab focuses %q, want the skip link", focused)
	}

	err = chromedp.Run(ctx,
		chromedp.Click(`nav[aria-label="Main"] a[href="/sources"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`table`),
		chromedp.Click(`//a[normalize-space()="`+example.DutyOfCareTitle+`"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`#recommendations`),
		shot("source-desktop"),
		chromedp.Click(`a[aria-label="Recommendation 4"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`h1`),
		chromedp.Text(`main`, &body),
		chromedp.Location(&url),
		shot("recommendation-desktop"),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Recommendation 4", "“by April 2013”", "30 April 2013", "Management response from Metropolitan Police Service"} {
		if !strings.Contains(body, want) {
			t.Errorf("Recommendation 4 page lacks %q", want)
		}
	}
	if !strings.Contains(url, "/recommendations/") {
		t.Errorf("ended at %s", url)
	}

	var rows int
	err = chromedp.Run(ctx,
		chromedp.Navigate(ts.URL+"/actions"),
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
			chromedp.Navigate(ts.URL+page),
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

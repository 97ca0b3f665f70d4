package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// a11yScript checks, in the page, four things a scanner such as axe-core
// checks (it is an npm package, so it is not used here) and one it misses:
//   - headings: one h1 first, and no level skipped on the way down;
//   - landmarks: no two landmarks of one kind share a name;
//   - labels: every form control has an accessible name, and a field
//     marked invalid is described by its error message;
//   - ids: no id is used twice (labels and aria-describedby rely on them);
//   - focus: every focusable control, once focused, shows its text at a
//     contrast of at least 4.5:1 against the background (WCAG 1.4.3).
//
// It returns the problems found, one line each.
const a11yScript = `(() => {
  const problems = [];
  const visible = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const text = el => (el.textContent || "").replace(/\s+/g, " ").trim();

  // Headings. An error summary's h2 may come before the h1, as in the
  // GOV.UK pattern.
  let last = 0, h1s = 0;
  for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
    const level = +h.tagName[1];
    if (level === 1) h1s++;
    if (last === 0 && level > 2) problems.push("the first heading is an h" + level + " “" + text(h) + "”");
    if (last > 0 && level > last + 1) problems.push("heading h" + level + " “" + text(h) + "” follows an h" + last);
    last = level;
  }
  if (h1s !== 1) problems.push(h1s + " h1 headings");

  // Landmarks and their names.
  const nameOf = el => {
    if (el.getAttribute("aria-labelledby")) {
      return el.getAttribute("aria-labelledby").split(/\s+/).map(id => { const t = document.getElementById(id); return t ? text(t) : ""; }).join(" ").trim();
    }
    return (el.getAttribute("aria-label") || "").trim();
  };
  const roleOf = el => {
    if (el.getAttribute("role")) return el.getAttribute("role");
    switch (el.tagName) {
      case "NAV": return "navigation";
      case "MAIN": return "main";
      case "ASIDE": return "complementary";
      case "SECTION": return nameOf(el) ? "region" : "";
      case "FORM": return nameOf(el) ? "form" : "";
      case "HEADER": return el.closest("main, article, section") ? "" : "banner";
      case "FOOTER": return el.closest("main, article, section") ? "" : "contentinfo";
    }
    return "";
  };
  const seen = {};
  for (const el of document.querySelectorAll("nav, main, aside, section, form, header, footer, [role]")) {
    const role = roleOf(el);
    if (!["navigation", "main", "complementary", "region", "form", "banner", "contentinfo", "search"].includes(role)) continue;
    const key = role + "|" + nameOf(el).toLowerCase();
    if (seen[key]) problems.push("two " + role + " landmarks named “" + nameOf(el) + "”");
    seen[key] = true;
  }

  // Labels.
  for (const el of document.querySelectorAll("input, select, textarea")) {
    if (["hidden", "submit", "button", "reset"].includes(el.type)) continue;
    const labelled = (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]')) || el.closest("label") ||
      (el.getAttribute("aria-label") || "").trim() || nameOf(el);
    if (!labelled) problems.push("the " + el.tagName.toLowerCase() + " " + (el.id || el.name) + " has no label");
  }
  for (const el of document.querySelectorAll("[aria-invalid=true]")) {
    const by = (el.getAttribute("aria-describedby") || "").split(/\s+/).map(id => document.getElementById(id)).filter(Boolean);
    if (!by.some(d => text(d).startsWith("Error:"))) problems.push("the invalid field " + (el.id || el.name) + " is not described by its error");
  }
  for (const el of document.querySelectorAll("[aria-describedby]")) {
    for (const id of el.getAttribute("aria-describedby").split(/\s+/).filter(Boolean)) {
      if (!document.getElementById(id)) problems.push((el.id || el.name) + " is described by a missing #" + id);
    }
  }

  // Ids.
  const ids = {};
  for (const el of document.querySelectorAll("[id]")) {
    if (ids[el.id]) problems.push("the id " + el.id + " is used twice");
    ids[el.id] = true;
  }

  // Focus contrast.
  const rgba = s => { const m = s.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(",").map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }; return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) return c;
    }
    return {r: 255, g: 255, b: 255, a: 1};
  };
  const focusable = "a[href], button, summary, select, input:not([type=hidden]), textarea, [tabindex]:not([tabindex='-1'])";
  const before = document.activeElement;
  const styled = {};
  for (const el of document.querySelectorAll(focusable)) {
    if (!visible(el) || !text(el) || el.matches("input, select, textarea")) continue;
    // One of each kind: the same element in the same place is styled alike.
    const kind = el.tagName + "." + el.className + "<" + [el.parentElement, el.parentElement && el.parentElement.parentElement].map(p => p ? p.tagName + "." + p.className : "").join("<");
    if (styled[kind]) continue;
    styled[kind] = true;
    el.focus();
    if (document.activeElement !== el) continue;
    // The text's own colour against what is behind it, the element's
    // background or the nearest one under it.
    for (const t of [el, ...el.querySelectorAll("*")]) {
      if (!visible(t) || ![...t.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
      const fg = rgba(getComputedStyle(t).color), bg = background(t);
      const l1 = lum(fg), l2 = lum(bg);
      const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
      if (ratio < 4.5) problems.push("focused " + el.tagName.toLowerCase() + " “" + text(el).slice(0, 40) + "”: contrast " + ratio.toFixed(2) + ":1");
    }
  }
  if (before && before.focus) before.focus();
  return problems;
})()`

// errorPage checks a page that shows an error summary as GOV.UK's pattern
// has it, without JavaScript of ours: the summary has the focus (autofocus)
// and the title begins "Error: ".
func errorPage(ctx context.Context, t *testing.T, where string) {
	t.Helper()
	var focused bool
	var title string
	err := steps(ctx,
		chromedp.Poll(`document.activeElement && document.activeElement.classList.contains("error-summary")`, &focused, chromedp.WithPollingTimeout(5*time.Second)),
		chromedp.Title(&title),
	)
	if err != nil || !focused {
		t.Errorf("%s: the error summary does not have the focus (%v)", where, err)
	}
	if !strings.HasPrefix(title, "Error: ") {
		t.Errorf("%s: the title is %q, want it to begin “Error: ”", where, title)
	}
}

// a11yCheck loads a page and runs a11yScript on it. The page is told it
// has the focus, as a window in front has, so that :focus styles apply.
func a11yCheck(ctx context.Context, url, path string) ([]string, error) {
	var problems []string
	err := steps(ctx,
		emulation.SetFocusEmulationEnabled(true),
		chromedp.Navigate(url+path),
		chromedp.Poll(`document.readyState === "complete" && document.querySelector("h1") !== null`, nil, chromedp.WithPollingTimeout(20*time.Second)),
		chromedp.Evaluate(a11yScript, &problems),
	)
	return problems, err
}

// TestBrowserAccessibility runs the in-page checks over the main page
// views: signed out, after a failed sign-in and at an email's unsubscribe
// link, the CoLP chair's pages
// (with their forms) at desktop and phone widths, the secretary's reply
// and import pages, the administrator's email log, and forms sent with
// errors.
func TestBrowserAccessibility(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), 25)
	base := e.ts.URL
	colp := e.actionOf("City of London Police")
	action := "/actions/" + strconv.FormatInt(colp.ID, 10)
	report := func(who, path string, problems []string) {
		t.Helper()
		for _, p := range problems {
			t.Errorf("%s %s: %s", who, path, p)
		}
	}

	// Signed out: the sign-in page, then with a wrong password.
	ctx := browser(t)
	problems, err := a11yCheck(ctx, base, "/login")
	if err != nil {
		t.Fatal(err)
	}
	report("signed out", "/login", problems)
	err = steps(ctx,
		chromedp.SetValue(`#email`, editorCoL+"@example.org"),
		chromedp.SetValue(`#password`, "not the password"),
		chromedp.Click(`form[action="/login"] button[type="submit"]`),
		chromedp.WaitVisible(`.error-summary`),
		chromedp.Evaluate(a11yScript, &problems),
	)
	if err != nil {
		t.Fatal(err)
	}
	report("failed sign-in", "/login", problems)
	errorPage(ctx, t, "failed sign-in")

	// Signed out: the link in an email, known and unknown.
	for _, p := range []string{followNoticeLink(t, e), "/unsubscribe/not-a-token/digest"} {
		problems, err := a11yCheck(ctx, base, p)
		if err != nil {
			t.Fatal(err)
		}
		report("signed out", p, problems)
	}

	// One signed-in tab for each person, shared by their groups: opening
	// a tab and signing in cost more than checking a page.
	tabs := map[string]context.Context{}
	tab := func(who string) context.Context {
		t.Helper()
		if ctx, ok := tabs[who]; ok {
			return ctx
		}
		ctx := browser(t)
		if err := steps(ctx, signIn(base, who+"@example.org")); err != nil {
			t.Fatal(err)
		}
		tabs[who] = ctx
		return ctx
	}
	type group struct {
		who   string
		width int64
		pages []string
	}
	for _, g := range []group{
		{editorCoL, 1280, []string{"/", "/actions", "/actions?mine=true&open=true", "/actions?owner=none"}},
		{editorCoL, 1280, []string{action, action + "/edit", "/no-such-page", "/search?q=victim"}},
		{editorCoL, 1280, []string{"/recommendations", "/recommendations/4", "/recommendations/4/edit"}},
		{editorCoL, 1280, []string{"/sources", "/sources/1", "/organisations", "/account"}},
		{editorCoL, 1280, []string{"/references", "/references/1", "/measures", "/measures/1"}},
		{editorCoL, 375, []string{"/", "/actions", action}},
		{editorCoL, 375, []string{"/recommendations/4", "/references/1"}},
		{secretary, 1280, []string{"/references/1/reply", "/import", "/references/new"}},
		{admin, 1280, []string{"/admin/emails", "/admin/users", "/admin/deleted"}},
	} {
		ctx := tab(g.who)
		if err := steps(ctx, chromedp.EmulateViewport(g.width, 900)); err != nil {
			t.Fatal(err)
		}
		for _, p := range g.pages {
			problems, err := a11yCheck(ctx, base, p)
			if err != nil {
				t.Fatalf("%s %s: %v", g.who, p, err)
			}
			report(fmt.Sprintf("%s at %d px", g.who, g.width), p, problems)
		}
	}

	// A form sent with its required fields empty, at the browser's own
	// width.
	ctx = tab(editorCoL)
	err = steps(ctx,
		emulation.ClearDeviceMetricsOverride(),
		emulation.SetFocusEmulationEnabled(true),
		chromedp.Navigate(base+action),
		chromedp.WaitVisible(`#text`),
		chromedp.Click(`form[action$="/updates"] button[type="submit"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.error-summary`),
		chromedp.Evaluate(a11yScript, &problems),
	)
	if err != nil {
		t.Fatal(err)
	}
	report("an empty update", action, problems)
	errorPage(ctx, t, "an empty update")

	// The email preferences sent with a number of days that is not one.
	err = steps(ctx,
		chromedp.Navigate(base+"/account"),
		chromedp.WaitVisible(`#digest_days`),
		chromedp.SetValue(`#digest_days`, "a fortnight"),
		chromedp.Click(`form[action="/account/email"] button[type="submit"]`, chromedp.NodeVisible),
		chromedp.WaitVisible(`.error-summary`),
		chromedp.Evaluate(a11yScript, &problems),
	)
	if err != nil {
		t.Fatal(err)
	}
	report("email preferences with errors", "/account", problems)
	errorPage(ctx, t, "email preferences with errors")
}

// TestA11yScriptFindsProblems: the in-page checks fail on a page made to
// break each rule, so a clean run means something.
func TestA11yScriptFindsProblems(t *testing.T) {
	ctx := browser(t)
	page := `<!DOCTYPE html><html lang="en"><head><style>a:focus { background: rgb(255, 221, 0); color: rgb(29, 112, 184); }</style></head><body>
<main><h1>Title</h1><h3>Skipped a level</h3>
<section aria-label="History"><p>one</p></section><section aria-label="History"><p>two</p></section>
<input id="unlabelled" name="x"><p id="twice">a</p><p id="twice">b</p>
<label for="bad">Bad</label><input id="bad" aria-invalid="true">
<a href="/x">A link</a></main></body></html>`
	var problems []string
	err := steps(ctx,
		emulation.SetFocusEmulationEnabled(true),
		chromedp.Navigate("data:text/html;charset=utf-8,"+url.PathEscape(page)),
		chromedp.WaitVisible(`h1`),
		chromedp.Evaluate(a11yScript, &problems),
	)
	if err != nil {
		t.Fatal(err)
	}
	all := strings.Join(problems, "\n")
	for _, want := range []string{"heading h3 “Skipped a level” follows an h1", "the invalid field bad is not described by its error", "two region landmarks named “History”",
		"the input unlabelled has no label", "the id twice is used twice", "focused a “A link”: contrast"} {
		if !strings.Contains(all, want) {
			t.Errorf("the checks miss %q; they found:\n%s", want, all)
		}
	}
}

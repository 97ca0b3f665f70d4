package main

import (
	"html"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The tracker's pages are server-rendered from the templates in views/, so
// a few regular expressions read what a person would click: links, forms,
// their hidden fields and the options of their selects.

var (
	formRE     = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	inputRE    = regexp.MustCompile(`<input\b[^>]*>`)
	selectRE   = regexp.MustCompile(`(?s)<select\b([^>]*)>(.*?)</select>`)
	optionRE   = regexp.MustCompile(`(?s)<option\b([^>]*)>([^<]*)</option>`)
	textareaRE = regexp.MustCompile(`(?s)<textarea\b([^>]*)>(.*?)</textarea>`)
	attrRE     = regexp.MustCompile(`([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:="([^"]*)")?`)
	hrefRE     = regexp.MustCompile(`href="([^"]*)"`)
	tagRE      = regexp.MustCompile(`(?s)<[^>]*>`)
	spaceRE    = regexp.MustCompile(`\s+`)
	titleRE    = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	pageRE     = regexp.MustCompile(`[?&]page=(\d+)`)
	summaryRE  = regexp.MustCompile(`(?s)<ul class="error-summary__list">(.*?)</ul>`)
)

// attrs reads the attributes of a tag's inside ("method="get" action=…").
func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRE.FindAllStringSubmatch(s, -1) {
		m[strings.ToLower(a[1])] = html.UnescapeString(a[2])
	}
	return m
}

// form is one <form> of a page as a browser would send it untouched.
type form struct {
	Action string
	Method string
	// Values holds each field's current value: hidden and visible inputs,
	// checked boxes, the selected option of each select and textareas.
	Values url.Values
	// Options lists each select's option values in page order.
	Options map[string][]string
	// Checks maps each checkbox to the value it sends when ticked.
	Checks map[string]string
}

// forms reads every form on a page.
func forms(page string) []form {
	var out []form
	for _, m := range formRE.FindAllStringSubmatch(page, -1) {
		a := attrs(m[1])
		f := form{Action: a["action"], Method: strings.ToLower(a["method"]), Values: url.Values{},
			Options: map[string][]string{}, Checks: map[string]string{}}
		if f.Method == "" {
			f.Method = "get"
		}
		body := m[2]
		for _, in := range inputRE.FindAllString(body, -1) {
			ia := attrs(strings.TrimSuffix(strings.TrimPrefix(in, "<input"), ">"))
			name := ia["name"]
			if name == "" {
				continue
			}
			switch strings.ToLower(ia["type"]) {
			case "checkbox", "radio":
				f.Checks[name] = ia["value"]
				if _, on := ia["checked"]; on {
					f.Values.Add(name, ia["value"])
				}
			case "submit", "button", "file":
			default:
				f.Values.Add(name, ia["value"])
			}
		}
		for _, sm := range selectRE.FindAllStringSubmatch(body, -1) {
			name := attrs(sm[1])["name"]
			if name == "" {
				continue
			}
			var chosen string
			first := true
			for _, om := range optionRE.FindAllStringSubmatch(sm[2], -1) {
				oa := attrs(om[1])
				v, ok := oa["value"]
				if !ok { // an option without a value sends its text
					v = strings.TrimSpace(html.UnescapeString(om[2]))
				}
				f.Options[name] = append(f.Options[name], v)
				if _, sel := oa["selected"]; sel || first {
					chosen = v
				}
				first = false
			}
			f.Values.Set(name, chosen)
		}
		for _, tm := range textareaRE.FindAllStringSubmatch(body, -1) {
			if name := attrs(tm[1])["name"]; name != "" {
				f.Values.Set(name, html.UnescapeString(tm[2]))
			}
		}
		out = append(out, f)
	}
	return out
}

// findForm returns the form on a page that posts or gets to action.
func findForm(page, action string) (form, bool) {
	for _, f := range forms(page) {
		if f.Action == action {
			return f, true
		}
	}
	return form{}, false
}

// links returns the page's link targets, unescaped, in page order.
func links(page string) []string {
	var out []string
	for _, m := range hrefRE.FindAllStringSubmatch(page, -1) {
		out = append(out, html.UnescapeString(m[1]))
	}
	return out
}

// idsLinked returns the ids of the items a page links to under prefix
// ("/recommendations/"), as "/recommendations/12" or
// "/recommendations/12#action-9", without repeats and in page order.
func idsLinked(page, prefix string) []int64 {
	var out []int64
	seen := map[int64]bool{}
	for _, l := range links(page) {
		rest, ok := strings.CutPrefix(l, prefix)
		if !ok {
			continue
		}
		end := strings.IndexAny(rest, "#?/")
		if end >= 0 {
			if rest[end] == '/' { // /sources/6/edit is not a link to the source page
				continue
			}
			rest = rest[:end]
		}
		if id, err := strconv.ParseInt(rest, 10, 64); err == nil && id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// actionIDs returns the ids of the actions a page links to: the action log
// links each action at its place on its recommendation, source or reference
// page (…#action-9), the recommendation page to the action's own page.
func actionIDs(page string) []int64 {
	var out []int64
	seen := map[int64]bool{}
	add := func(v string) {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	for _, l := range links(page) {
		if rest, ok := strings.CutPrefix(l, "/actions/"); ok && !strings.ContainsAny(rest, "/?#") {
			add(rest)
		} else if i := strings.Index(l, "#action-"); i >= 0 {
			add(l[i+len("#action-"):])
		}
	}
	return out
}

// pagerLinks returns the links to other pages of a list ("/actions?page=3&…").
func pagerLinks(page, path string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range links(page) {
		if strings.HasPrefix(l, path+"?") && pageRE.MatchString(l) && !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	sort.Strings(out)
	return out
}

// lastPage is the highest page number a list's pager links to (1 when
// there is no pager).
func lastPage(page, path string) int {
	last := 1
	for _, l := range pagerLinks(page, path) {
		if m := pageRE.FindStringSubmatch(l); m != nil {
			if n, _ := strconv.Atoi(m[1]); n > last {
				last = n
			}
		}
	}
	return last
}

// errorText is what a person would read on an error page: its title and
// its error summary or else the start of its main content, as one line.
func errorText(page string) string {
	var parts []string
	if m := titleRE.FindStringSubmatch(page); m != nil {
		t := strings.TrimSpace(html.UnescapeString(m[1]))
		t = strings.TrimSuffix(t, " – Recommendations tracker")
		parts = append(parts, t)
	}
	if m := summaryRE.FindStringSubmatch(page); m != nil {
		parts = append(parts, plainText(m[1]))
	} else if i := strings.Index(page, "<main"); i >= 0 {
		main := page[i:]
		if j := strings.Index(main, "</main>"); j >= 0 {
			main = main[:j]
		}
		text := plainText(main)
		if len(parts) > 0 { // the heading repeats the title
			text = strings.TrimSpace(strings.TrimPrefix(text, parts[0]))
		}
		parts = append(parts, text)
	} else if len(parts) == 0 {
		parts = append(parts, plainText(page))
	}
	return truncate(strings.Join(parts, ": "), 240)
}

func plainText(s string) string {
	return strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(tagRE.ReplaceAllString(s, " ")), " "))
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

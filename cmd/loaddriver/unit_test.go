package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLoopbackTargets(t *testing.T) {
	for _, target := range []string{
		"http://127.0.0.1:8080", "http://127.0.0.1", "127.0.0.1:8080", "http://127.9.8.7:1/",
		"http://[::1]:8080", "https://[::1]/", "http://localhost:8080", "http://LOCALHOST",
	} {
		if _, err := checkTarget(target); err != nil {
			t.Errorf("checkTarget(%q) refused a loopback address: %v", target, err)
		}
	}
	for _, target := range []string{
		"http://10.0.0.1:8080", "http://example.org", "https://example.org:443/", "http://0.0.0.0:8080",
		"http://[::]:8080", "http://192.168.1.10", "http://localhost.example.org", "http://127.0.0.1.nip.io",
		"ftp://127.0.0.1/", "http://[::ffff:10.0.0.1]/", "http://",
	} {
		_, err := checkTarget(target)
		if err == nil {
			t.Errorf("checkTarget(%q) accepted an address that is not loopback", target)
		}
	}
	_, err := checkTarget("http://10.0.0.1:8080")
	if err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Errorf("the refusal should say why: %v", err)
	}
	u, err := checkTarget("127.0.0.1:8080/")
	if err != nil || u.String() != "http://127.0.0.1:8080" {
		t.Errorf("checkTarget(127.0.0.1:8080/) = %v, %v; want http://127.0.0.1:8080", u, err)
	}
}

func TestIsLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.255.255.254": true, "::1": true, "[::1]": true, "localhost": true, "::ffff:127.0.0.1": true,
		"10.0.0.1": false, "example.org": false, "0.0.0.0": false, "::": false, "128.0.0.1": false, "": false, "localhost.": false,
	} {
		if got := isLoopback(host); got != want {
			t.Errorf("isLoopback(%q) = %v, want %v", host, got, want)
		}
	}
}

func durations(ms ...int) []time.Duration {
	var out []time.Duration
	for _, m := range ms {
		out = append(out, time.Duration(m)*time.Millisecond)
	}
	return out
}

func TestPercentile(t *testing.T) {
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	for _, tc := range []struct {
		values []time.Duration
		p      float64
		want   time.Duration
	}{
		{nil, 50, 0},
		{durations(7), 50, 7 * time.Millisecond},
		{durations(7), 99, 7 * time.Millisecond},
		{hundred, 50, 50 * time.Millisecond},
		{hundred, 99, 99 * time.Millisecond},
		{hundred, 100, 100 * time.Millisecond},
		{hundred, 1, 1 * time.Millisecond},
		{durations(1, 2, 3), 50, 2 * time.Millisecond},
		{durations(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{durations(1, 2, 3, 4), 51, 3 * time.Millisecond},
		{durations(10, 20, 30, 40, 50, 60, 70, 80, 90, 1000), 99, 1000 * time.Millisecond},
		{durations(10, 20, 30, 40, 50, 60, 70, 80, 90, 1000), 90, 90 * time.Millisecond},
	} {
		if got := percentile(tc.values, tc.p); got != tc.want {
			t.Errorf("percentile(%v, %v) = %v, want %v", tc.values, tc.p, got, tc.want)
		}
	}
}

// The summary sorts what it was given in any order before taking
// percentiles, and rates count over the phase's time.
func TestPhaseResult(t *testing.T) {
	s := newSamples()
	for _, d := range durations(90, 10, 50, 30, 70, 20, 80, 40, 60, 100) {
		s.add("GET /actions", d, "")
	}
	s.add("GET /search", 5*time.Millisecond, "500 Internal Server Error: broken")
	s.add("GET /search", 6*time.Millisecond, "500 Internal Server Error: again")
	p := s.result("mix", 2*time.Second, classOrder)
	if len(p.Classes) != 2 || p.Classes[0].Class != "GET /actions" {
		t.Fatalf("classes = %+v", p.Classes)
	}
	a := p.Classes[0]
	if a.Count != 10 || a.P50ms != 50 || a.P99ms != 100 || a.MaxMs != 100 || a.PerSecond != 5 || a.Errors != 0 {
		t.Errorf("GET /actions = %+v; want 10 requests, p50 50 ms, p99 100 ms, 5 req/s", a)
	}
	q := p.Classes[1]
	if q.Errors != 2 || q.FirstError != "500 Internal Server Error: broken" {
		t.Errorf("GET /search = %+v; want 2 errors, the first one's text kept", q)
	}
	if p.Requests != 12 || p.Errors != 2 || p.PerSecond != 6 {
		t.Errorf("phase = %d requests, %d errors, %v req/s; want 12, 2, 6", p.Requests, p.Errors, p.PerSecond)
	}
}

func TestClassify(t *testing.T) {
	for in, want := range map[string]string{
		"/actions?open=true&page=3":              "GET /actions",
		"/actions/123":                           "GET /actions/{id}",
		"/actions/123/updates":                   "GET /actions/{id}/updates",
		"/sources/6/report.pdf?as_at=2025-01-01": "GET /sources/{id}/report.pdf",
		"/reports/actions.pdf?org=1":             "GET /reports/actions.pdf",
		"/":                                      "GET /",
		"/search?q=victim":                       "GET /search",
		"/measures/1/values/2/delete":            "GET /measures/{id}/values/{id}/delete",
	} {
		if got := classify("GET", in); got != want {
			t.Errorf("classify(GET, %q) = %q, want %q", in, got, want)
		}
	}
}

func TestMix(t *testing.T) {
	w, err := parseMix("chair=1, secretary=1,board=4,lists=0")
	if err != nil || mixString(w) != "chair=1,secretary=1,board=4" {
		t.Fatalf("parseMix = %v, %v", w, err)
	}
	count := map[string]int{}
	s := newSchedule(w, 0)
	for range 60 {
		count[s.next()]++
	}
	if count[chair] != 10 || count[secretary] != 10 || count[board] != 40 {
		t.Errorf("60 visits of chair=1,secretary=1,board=4 gave %v", count)
	}
	if a, b := newSchedule(w, 0).next(), newSchedule(w, 1).next(); a == b {
		t.Errorf("clients 0 and 1 both start as %s", a)
	}
	// Of the clients that start as secretaries, as many start with each of
	// the three documents.
	docs := map[int]int{}
	for id := range 36 {
		c := newClient(&runner{cfg: Config{Mix: w, Seed: 1}}, id)
		if c.schedule.next() == secretary {
			docs[c.secretary%3]++
		}
	}
	if len(docs) != 3 || docs[0] != docs[1] || docs[1] != docs[2] {
		t.Errorf("documents first made by the clients that start as secretaries: %v; want as many of each", docs)
	}
	for _, bad := range []string{"", "chair", "chair=x", "boss=1", "chair=-1", "chair=0", "board=1,board=2"} {
		if _, err := parseMix(bad); err == nil {
			t.Errorf("parseMix(%q) accepted it", bad)
		}
	}
	if w, err := parseOnly("board"); err != nil || mixString(w) != "board=1" {
		t.Errorf("parseOnly(board) = %v, %v", w, err)
	}
	if _, err := parseOnly("boss"); err == nil || !strings.HasPrefix(err.Error(), "-only") {
		t.Errorf("parseOnly(boss) = %v", err)
	}
}

const actionPage = `<html><head><title>Action: Do it – Recommendations tracker</title></head><body><main>
<form method="post" action="/actions/7/due" class="form">
  <input type="hidden" name="csrf_token" value="TOKEN">
  <input type="hidden" name="version" value="9">
</form>
<form method="post" action="/actions/7/updates" class="form" novalidate>
  <input type="hidden" name="csrf_token" value="TOKEN&amp;">
  <input type="hidden" name="version" value="3">
  <input id="date" name="date" type="date" value="2025-05-17" max="2025-05-17">
  <textarea id="text" name="text" rows="6"></textarea>
  <select id="status" name="status">
    <option value="">Keep: In progress</option>
    <option value="not_started">Not started</option><option value="completed">Completed</option>
  </select>
  <select id="rag" name="rag">
    <option value="keep">Keep: Not rated</option>
    <option value="">Not rated</option><option value="red" selected>Red</option>
  </select>
  <select name="owner"><option value="">Any owner</option><option>Owner &amp; Co</option></select>
  <div class="check"><input type="checkbox" id="f-open" name="open" value="true"><label for="f-open">Open only</label></div>
  <button type="submit" class="button">Post update</button>
</form>
<a href="/recommendations/12#action-9">x</a> <a href="/actions/10">y</a> <a href="/actions/10/edit">z</a>
<a href="/sources/3">s</a> <a href="/sources/3/edit">e</a> <a href="/sources/4#action-11">t</a>
<a href="/actions?open=true&amp;page=2">2</a> <a href="/actions?open=true&amp;page=14">14</a>
</main></body></html>`

func TestPageReading(t *testing.T) {
	f, ok := findForm(actionPage, "/actions/7/updates")
	if !ok {
		t.Fatal("no update form found")
	}
	if got := f.Values.Get("csrf_token"); got != "TOKEN&" {
		t.Errorf("csrf_token = %q, want the update form's own, unescaped", got)
	}
	if f.Values.Get("version") != "3" || f.Values.Get("date") != "2025-05-17" || f.Method != "post" {
		t.Errorf("form = %+v", f)
	}
	if f.Values.Get("status") != "" || f.Values.Get("rag") != "red" || f.Values.Get("owner") != "" {
		t.Errorf("selects = status %q, rag %q, owner %q; want the selected or first option", f.Values.Get("status"), f.Values.Get("rag"), f.Values.Get("owner"))
	}
	if !slices.Equal(f.Options["rag"], []string{"keep", "", "red"}) || !slices.Equal(f.Options["owner"], []string{"", "Owner & Co"}) {
		t.Errorf("options = %v", f.Options)
	}
	if _, on := f.Values["open"]; on || f.Checks["open"] != "true" {
		t.Errorf("an unticked box is not sent: values %v, checks %v", f.Values, f.Checks)
	}
	if got := actionIDs(actionPage); !slices.Equal(got, []int64{9, 10, 11}) {
		t.Errorf("actionIDs = %v, want [9 10 11]", got)
	}
	if got := idsLinked(actionPage, "/sources/"); !slices.Equal(got, []int64{3, 4}) {
		t.Errorf("idsLinked(/sources/) = %v, want [3 4]", got)
	}
	if got := lastPage(actionPage, "/actions"); got != 14 {
		t.Errorf("lastPage = %d, want 14", got)
	}
	if got := errorText(`<title>Sign in – Recommendations tracker</title><main><ul class="error-summary__list"><li><a href="#form">The email address or password is wrong.</a></li></ul><p>more</p></main>`); got != "Sign in: The email address or password is wrong." {
		t.Errorf("errorText = %q", got)
	}
	if got := errorText(`<title>Your form has expired – Recommendations tracker</title><main><h1>Your form has expired</h1><p>Go back.</p></main><footer>As at today</footer>`); got != "Your form has expired: Go back." {
		t.Errorf("errorText = %q", got)
	}
}

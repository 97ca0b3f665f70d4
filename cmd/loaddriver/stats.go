package main

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p per cent of the
// values at or below it. It is 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(p * float64(n) / 100))
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}

var idSegment = regexp.MustCompile(`/\d+(/|$)`)

// classify names the endpoint class of a request: its method and path with
// the query dropped and each number in the path as {id}.
func classify(method, path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	for idSegment.MatchString(path) {
		path = idSegment.ReplaceAllString(path, "/{id}$1")
	}
	return method + " " + path
}

// samples gathers the requests of one phase per endpoint class.
type samples struct {
	mu      sync.Mutex
	classes map[string]*classSamples
}

type classSamples struct {
	durations  []time.Duration
	errors     int
	firstError string
}

func newSamples() *samples { return &samples{classes: map[string]*classSamples{}} }

// add records one request; errText is empty when it succeeded.
func (s *samples) add(class string, d time.Duration, errText string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.classes[class]
	if c == nil {
		c = &classSamples{}
		s.classes[class] = c
	}
	c.durations = append(c.durations, d)
	if errText != "" {
		if c.errors == 0 {
			c.firstError = errText
		}
		c.errors++
	}
}

// ClassResult is one row of the results: one endpoint class in one phase.
type ClassResult struct {
	Class      string  `json:"class"`
	Count      int     `json:"count"`
	Errors     int     `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	PerSecond  float64 `json:"req_per_s"`
}

// PhaseResult is one phase of a run: signing in, the mix of users, or the
// health check.
type PhaseResult struct {
	Name      string        `json:"name"`
	Seconds   float64       `json:"seconds"`
	Requests  int           `json:"requests"`
	Errors    int           `json:"errors"`
	PerSecond float64       `json:"req_per_s"`
	Classes   []ClassResult `json:"classes"`
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/float64(time.Microsecond)) / 1000 }

// result summarises the phase's samples over its wall-clock time; classes
// come in the order given, then any others by name.
func (s *samples) result(name string, elapsed time.Duration, order []string) PhaseResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := PhaseResult{Name: name, Seconds: math.Round(elapsed.Seconds()*1000) / 1000}
	secs := elapsed.Seconds()
	rate := func(n int) float64 {
		if secs <= 0 {
			return 0
		}
		return math.Round(float64(n)/secs*10) / 10
	}
	var names []string
	for c := range s.classes {
		names = append(names, c)
	}
	rank := func(c string) int {
		if i := slices.Index(order, c); i >= 0 {
			return i
		}
		return len(order)
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	for _, name := range names {
		c := s.classes[name]
		sorted := slices.Clone(c.durations)
		slices.Sort(sorted)
		p.Classes = append(p.Classes, ClassResult{Class: name, Count: len(sorted), Errors: c.errors, FirstError: c.firstError,
			P50ms: ms(percentile(sorted, 50)), P99ms: ms(percentile(sorted, 99)), MaxMs: ms(percentile(sorted, 100)),
			PerSecond: rate(len(sorted))})
		p.Requests += len(sorted)
		p.Errors += c.errors
	}
	p.PerSecond = rate(p.Requests)
	return p
}

// writeTable prints the report as a plain-text table.
func writeTable(w io.Writer, r *Report) {
	fmt.Fprintf(w, "Target %s (%s), %d clients, mix %s, %s.\n", r.Target, r.Database, r.Clients, r.Mix, r.Started.Format("2006-01-02 15:04 MST"))
	if r.Interrupted {
		fmt.Fprintln(w, "Interrupted: the results are those of the requests that finished.")
	}
	fmt.Fprintln(w)
	width := len("endpoint")
	for _, p := range r.Phases {
		for _, c := range p.Classes {
			width = max(width, len(c.Class))
		}
	}
	row := func(phase, endpoint, count, errs, p50, p99, mx, rate string) {
		fmt.Fprintf(w, "%-8s  %-*s  %7s  %6s  %8s  %8s  %8s  %8s\n", phase, width, endpoint, count, errs, p50, p99, mx, rate)
	}
	f1 := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	row("phase", "endpoint", "count", "errors", "p50 ms", "p99 ms", "max ms", "req/s")
	for _, p := range r.Phases {
		for _, c := range p.Classes {
			row(p.Name, c.Class, strconv.Itoa(c.Count), strconv.Itoa(c.Errors), f1(c.P50ms), f1(c.P99ms), f1(c.MaxMs), f1(c.PerSecond))
		}
		row(p.Name, fmt.Sprintf("(all, %.1f s)", p.Seconds), strconv.Itoa(p.Requests), strconv.Itoa(p.Errors), "", "", "", f1(p.PerSecond))
	}
	var first []string
	for _, p := range r.Phases {
		for _, c := range p.Classes {
			if c.FirstError != "" {
				first = append(first, fmt.Sprintf("  %s %s: %s", p.Name, c.Class, c.FirstError))
			}
		}
	}
	if len(first) > 0 {
		fmt.Fprintln(w, "\nFirst error of each endpoint:")
		fmt.Fprintln(w, strings.Join(first, "\n"))
	}
	if r.VisitErrors > 0 {
		fmt.Fprintf(w, "\n%d visits could not go on; the first: %s\n", r.VisitErrors, r.FirstVisitError)
	}
	fmt.Fprintf(w, "\nProgress updates posted: %d.\n", r.UpdatesPosted)
	for _, n := range r.Notes {
		fmt.Fprintln(w, "Note: "+n)
	}
}

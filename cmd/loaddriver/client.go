package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// errStop ends a visit because the phase is over: its time is up, the
// request cap is reached or the run was interrupted.
var errStop = errors.New("phase over")

// visitError is a visit that could not go on although every request
// answered, such as an action page without the update form.
type visitError struct{ msg string }

func (e *visitError) Error() string { return e.msg }

func visitErrorf(format string, args ...any) error {
	return &visitError{msg: fmt.Sprintf(format, args...)}
}

// client is one person at one browser: its own cookie jar, so its own
// session, and its own connections.
type client struct {
	id   int
	run  *runner
	base *url.URL
	http *http.Client
	rng  *rand.Rand

	signedIn bool
	schedule *schedule

	// What the person has seen so far, read from the pages.
	actions      idSet
	actionPages  int
	actionFilter *form // the action log's filter form
	sources      idSet
	recs         idSet
	recPages     int
	recFilter    *form // the recommendations' filter form
	references   idSet
	secretary    int // visits as the secretary, to take the documents in turn
	posted       int
}

func newClient(r *runner, id int) *client {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{
		DialContext:         loopbackDialer(10 * time.Second),
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &client{
		id: id, run: r, base: r.base,
		http: &http.Client{Jar: jar, Transport: tr,
			// Redirects are followed by hand, each measured on its own, and
			// never off the target.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		rng:      rand.New(rand.NewPCG(uint64(r.cfg.Seed), uint64(id))),
		schedule: newSchedule(r.cfg.Mix, id),
		// Secretaries start at different documents, as clients start at
		// different places in the mix; clients a whole round apart, which
		// start as the same persona, start at different documents too.
		secretary: id + id/roundLength(r.cfg.Mix),
	}
}

// response is an answer read to its end.
type response struct {
	status   int
	body     string
	ctype    string
	location string // the redirect's path, for 3xx
}

// get asks for a page.
func (c *client) get(ctx context.Context, path string) (*response, error) {
	return c.do(ctx, http.MethodGet, path, nil, "")
}

// post sends a form; the tracker answers a good one with 303 See Other.
func (c *client) post(ctx context.Context, path string, form url.Values) (*response, error) {
	return c.do(ctx, http.MethodPost, path, form, "")
}

// do sends one request within the current phase and records it under its
// endpoint class. A transport error, a status of 400 or more, a signed-in
// page sent to the sign-in form, or a PDF that is not one is an error,
// recorded with its text, and returned.
func (c *client) do(ctx context.Context, method, path string, form url.Values, wantType string) (*response, error) {
	ph := c.run.phase()
	if !ph.take() {
		return nil, errStop
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.run.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(reqCtx, method, c.base.String()+path, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "tracker-loaddriver")
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	class := classify(method, path)
	start := time.Now()
	res, err := c.http.Do(req)
	var buf bytes.Buffer
	if err == nil {
		_, err = io.Copy(&buf, res.Body)
		_ = res.Body.Close()
	}
	elapsed := time.Since(start)
	if err != nil {
		if ctx.Err() != nil { // interrupted: not the tracker's fault, not recorded
			return nil, errStop
		}
		ph.samples.add(class, elapsed, truncate(err.Error(), 240))
		return nil, err
	}
	out := &response{status: res.StatusCode, body: buf.String(), ctype: res.Header.Get("Content-Type")}
	if loc, err := res.Location(); err == nil {
		out.location = loc.RequestURI()
		if loc.Host != c.base.Host {
			out.location = loc.String()
		}
	}
	var problem string
	switch {
	case res.StatusCode >= 400:
		problem = fmt.Sprintf("%d %s: %s", res.StatusCode, http.StatusText(res.StatusCode), errorText(out.body))
	case res.StatusCode >= 300 && c.signedIn && strings.HasPrefix(out.location, "/login"):
		problem = fmt.Sprintf("%d to %s: the session was lost", res.StatusCode, out.location)
	case wantType != "" && res.StatusCode < 300 && !strings.HasPrefix(out.ctype, wantType):
		problem = fmt.Sprintf("%d with %q instead of %s: %s", res.StatusCode, out.ctype, wantType, errorText(out.body))
	case wantType == "application/pdf" && res.StatusCode < 300 && !strings.HasPrefix(out.body, "%PDF-"):
		problem = fmt.Sprintf("%d: the body is not a PDF", res.StatusCode)
	}
	ph.samples.add(class, elapsed, problem)
	if problem != "" {
		return out, fmt.Errorf("%s %s: %s", method, path, problem)
	}
	return out, nil
}

// signIn signs in through the form: it reads the form's CSRF token (set
// beside a cookie of the same value), posts the credentials and keeps the
// session cookie in this client's jar.
func (c *client) signIn(ctx context.Context, email, password string) error {
	res, err := c.get(ctx, "/login")
	if err != nil {
		return err
	}
	f, ok := findForm(res.body, "/login")
	if !ok || f.Values.Get("csrf_token") == "" {
		return fmt.Errorf("the page at /login has no sign-in form with a CSRF token (is this a tracker? has it an account yet?)")
	}
	f.Values.Set("email", email)
	f.Values.Set("password", password)
	f.Values.Set("next", "/")
	res, err = c.post(ctx, "/login", f.Values)
	if err != nil {
		return fmt.Errorf("signing in as %s: %w", email, err)
	}
	if res.status != http.StatusSeeOther {
		return fmt.Errorf("signing in as %s: %d %s", email, res.status, errorText(res.body))
	}
	c.signedIn = true
	return nil
}

// follow fetches the target of a redirect as a browser would.
func (c *client) follow(ctx context.Context, res *response) (*response, error) {
	if res.status < 300 || res.status >= 400 || !strings.HasPrefix(res.location, "/") {
		return nil, visitErrorf("expected a redirect on this site, got %d to %q", res.status, res.location)
	}
	loc := res.location
	if i := strings.IndexByte(loc, '#'); i >= 0 {
		loc = loc[:i]
	}
	return c.get(ctx, loc)
}

// pick returns a random element of xs, which must not be empty.
func pick[T any](rng *rand.Rand, xs []T) T {
	return xs[rng.IntN(len(xs))]
}

// idSet is the ids of one kind of item seen so far, in the order seen.
type idSet struct {
	ids  []int64
	seen map[int64]bool
}

func (s *idSet) add(ids []int64) {
	if s.seen == nil {
		s.seen = map[int64]bool{}
	}
	for _, id := range ids {
		if !s.seen[id] {
			s.seen[id] = true
			s.ids = append(s.ids, id)
		}
	}
}

func (s *idSet) empty() bool { return len(s.ids) == 0 }

func (s *idSet) pick(rng *rand.Rand) int64 { return pick(rng, s.ids) }

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one run of the driver.
type Config struct {
	Target   string // the tracker's address, on loopback
	Email    string
	Password string
	Clients  int
	Duration time.Duration // of the mix of users
	Requests int           // at most this many requests in the mix (0: no cap)
	Mix      []weight
	Healthz  time.Duration // of the /healthz phase (0: none)
	Timeout  time.Duration // of each request
	Seed     uint64
	Progress io.Writer // one line as each phase starts; nil for none
}

// PostedUpdate is a progress update the chair posted and the tracker
// accepted.
type PostedUpdate struct {
	ActionID int64
	Text     string
}

// Report is what a run measured.
type Report struct {
	Target          string         `json:"target"`
	Database        string         `json:"database"`
	Schema          string         `json:"schema,omitempty"`
	Clients         int            `json:"clients"`
	Mix             string         `json:"mix"`
	Started         time.Time      `json:"started"`
	Interrupted     bool           `json:"interrupted"`
	Phases          []PhaseResult  `json:"phases"`
	UpdatesPosted   int            `json:"updates_posted"`
	VisitErrors     int            `json:"visit_errors"`
	FirstVisitError string         `json:"first_visit_error,omitempty"`
	Notes           []string       `json:"notes,omitempty"`
	Posted          []PostedUpdate `json:"-"`
}

// Errors counts failed requests and visits that could not go on.
func (r *Report) Errors() int {
	n := r.VisitErrors
	for _, p := range r.Phases {
		n += p.Errors
	}
	return n
}

// Phase returns the named phase's results.
func (r *Report) Phase(name string) (PhaseResult, bool) {
	for _, p := range r.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return PhaseResult{}, false
}

// phase is one stretch of a run; its clients stop starting requests once
// its time is up or its cap is reached, and finish those under way.
type phase struct {
	ctx      context.Context
	samples  *samples
	deadline time.Time // zero: none
	cap      int64     // zero: none
	taken    atomic.Int64
}

// take reserves one request, or says the phase is over.
func (p *phase) take() bool {
	return !p.over() && (p.cap == 0 || p.taken.Add(1) <= p.cap)
}

func (p *phase) over() bool {
	return p.ctx.Err() != nil || (!p.deadline.IsZero() && !time.Now().Before(p.deadline)) ||
		(p.cap > 0 && p.taken.Load() >= p.cap)
}

// runner is the state the clients share.
type runner struct {
	cfg  Config
	base *url.URL
	cur  atomic.Pointer[phase]

	mu              sync.Mutex
	editing         map[int64]bool // actions a chair has open, so two clients never race on one
	posted          []PostedUpdate
	visitErrors     int
	firstVisitError string
	notes           []string
}

func (r *runner) phase() *phase { return r.cur.Load() }

func (r *runner) start(ctx context.Context, deadline time.Time, cap int) *phase {
	p := &phase{ctx: ctx, samples: newSamples(), deadline: deadline, cap: int64(cap)}
	r.cur.Store(p)
	return p
}

// claimAction picks one of the actions the chair has seen that no other
// client is updating, and marks it taken until releaseAction.
func (r *runner) claimAction(c *client) (int64, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for range 8 {
		id := c.actions.pick(c.rng)
		if !r.editing[id] {
			r.editing[id] = true
			return id, true
		}
	}
	for _, id := range c.actions.ids {
		if !r.editing[id] {
			r.editing[id] = true
			return id, true
		}
	}
	return 0, false
}

func (r *runner) releaseAction(id int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.editing, id)
}

func (r *runner) recordPosted(id int64, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.posted = append(r.posted, PostedUpdate{ActionID: id, Text: text})
}

func (r *runner) visitError(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.visitErrors == 0 {
		r.firstVisitError = err.Error()
	}
	r.visitErrors++
}

func (r *runner) note(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !slices.Contains(r.notes, s) {
		r.notes = append(r.notes, s)
	}
}

func (r *runner) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, format+"\n", args...)
	}
}

// Run signs every client in, plays the mix of users for the duration (or
// up to the request cap), then asks /healthz at the same concurrency, and
// returns what it measured. Cancelling ctx stops it early with the results
// so far.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	base, err := checkTarget(cfg.Target)
	if err != nil {
		return nil, err
	}
	if cfg.Clients < 1 {
		return nil, errors.New("-clients must be 1 or more")
	}
	if cfg.Email == "" || cfg.Password == "" {
		return nil, errors.New("give the account to sign in with: -email and -password (or LOADDRIVER_PASSWORD); create one with `tracker user add --email … --role admin`")
	}
	if len(cfg.Mix) == 0 {
		if cfg.Mix, err = parseMix(defaultMix); err != nil {
			return nil, err
		}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Minute
	}
	r := &runner{cfg: cfg, base: base, editing: map[int64]bool{}}
	rep := &Report{Target: base.String(), Clients: cfg.Clients, Mix: mixString(cfg.Mix), Started: time.Now()}
	if err := r.health(ctx, rep); err != nil {
		return nil, err
	}

	// Sign in: the first client alone, so a wrong password fails once
	// rather than once per client (the tracker locks an account after 5).
	clients := make([]*client, cfg.Clients)
	for i := range clients {
		clients[i] = newClient(r, i)
	}
	r.progress("Signing in %d clients as %s…", cfg.Clients, cfg.Email)
	ph := r.start(ctx, time.Time{}, 0)
	t0 := time.Now()
	if err := clients[0].signIn(ctx, cfg.Email, cfg.Password); err != nil {
		return nil, signInError(ctx, err)
	}
	errs := make([]error, cfg.Clients)
	var wg sync.WaitGroup
	for i, c := range clients[1:] {
		wg.Go(func() { errs[i+1] = c.signIn(ctx, cfg.Email, cfg.Password) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, signInError(ctx, err)
	}
	rep.Phases = append(rep.Phases, ph.samples.result("sign-in", time.Since(t0), classOrder))

	// The mix of users.
	if cfg.Duration > 0 && ctx.Err() == nil {
		r.progress("Playing %s with %d clients for %s…", rep.Mix, cfg.Clients, cfg.Duration)
		t0 = time.Now()
		ph = r.start(ctx, t0.Add(cfg.Duration), cfg.Requests)
		for _, c := range clients {
			wg.Go(func() {
				for !ph.over() {
					err := c.visit(ctx)
					var ve *visitError
					switch {
					case errors.Is(err, errStop):
						return
					case errors.As(err, &ve):
						r.visitError(err)
						sleep(ctx, 50*time.Millisecond)
					case err != nil: // recorded with its request
						sleep(ctx, 50*time.Millisecond)
					}
				}
			})
		}
		wg.Wait()
		rep.Phases = append(rep.Phases, ph.samples.result("mix", time.Since(t0), classOrder))
	}

	// /healthz at the same concurrency, for comparison.
	if cfg.Healthz > 0 && ctx.Err() == nil {
		r.progress("Asking /healthz with %d clients for %s…", cfg.Clients, cfg.Healthz)
		t0 = time.Now()
		ph = r.start(ctx, t0.Add(cfg.Healthz), 0)
		for _, c := range clients {
			wg.Go(func() {
				for {
					_, err := c.do(ctx, http.MethodGet, "/healthz", nil, "application/json")
					if errors.Is(err, errStop) {
						return
					}
				}
			})
		}
		wg.Wait()
		rep.Phases = append(rep.Phases, ph.samples.result("healthz", time.Since(t0), classOrder))
	}

	rep.Interrupted = ctx.Err() != nil
	r.mu.Lock()
	defer r.mu.Unlock()
	rep.Posted = r.posted
	rep.UpdatesPosted = len(r.posted)
	rep.VisitErrors, rep.FirstVisitError, rep.Notes = r.visitErrors, r.firstVisitError, r.notes
	return rep, nil
}

func signInError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return errors.New("interrupted while signing in")
	}
	return fmt.Errorf("could not sign in: %w", err)
}

// health checks the tracker answers before anything else, and learns its
// database.
func (r *runner) health(ctx context.Context, rep *Report) error {
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DialContext: loopbackDialer(5 * time.Second)},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base.String()+"/healthz", nil)
	if err != nil {
		return err
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("no tracker answers at %s: %v (start one with `tracker serve --addr 127.0.0.1:8080`)", r.base, err)
	}
	defer res.Body.Close()
	var h struct{ Status, Database, Schema string }
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<16)).Decode(&h); err != nil || res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s/healthz answered %d, not a healthy tracker", r.base, res.StatusCode)
	}
	rep.Database, rep.Schema = h.Database, h.Schema
	c.CloseIdleConnections()
	return nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// TestThrottleBehindProxy: behind a trusted proxy the address is the one
// the proxy saw (the last X-Forwarded-For entry), so a client cannot dodge
// the address limit by varying the entries it sends itself.
func TestThrottleBehindProxy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25, func(o *web.Options) {
		o.TrustProxy = true
		o.Throttle = web.NewThrottle(10, 2, time.Hour)
	})
	try := func(i int, email, pw string) int {
		c := e.anonymous()
		m := csrfInput.FindStringSubmatch(c.get("/login", http.StatusOK))
		form := url.Values{"email": {email}, "password": {pw}, "csrf_token": {m[1]}}
		req, _ := http.NewRequest("POST", e.ts.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d, 203.0.113.7", i))
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	try(1, "ghost1@example.org", "x")
	try(2, "ghost2@example.org", "x")
	if st := try(3, "ghost3@example.org", "x"); st != http.StatusTooManyRequests {
		t.Errorf("a third wrong password from one proxy-seen address = %d, want 429", st)
	}
	if st := try(4, "viewer@example.org", password); st != http.StatusSeeOther {
		t.Errorf("the right password from that address = %d, want 303", st)
	}
}

// movableClock is a clock a test moves on; the servers read it from their
// own goroutines.
type movableClock struct{ offset atomic.Int64 }

func (m *movableClock) now() time.Time       { return today.Add(time.Duration(m.offset.Load())) }
func (m *movableClock) move(d time.Duration) { m.offset.Add(int64(d)) }

// TestThrottleForgets: failures older than the window are deleted from the
// database as new ones arrive, not kept for every email ever guessed; and
// the window is read on the server's clock.
func TestThrottleForgets(t *testing.T) {
	t.Parallel()
	var clock movableClock
	e := newEnv(t, storetest.SQLite(t), 25, func(o *web.Options) {
		o.Now = clock.now
		o.Throttle = web.NewThrottle(5, 20, time.Minute)
	})
	for i := 0; i < 15; i++ {
		loginAttempt(t, e.anonymous(), fmt.Sprintf("guess%d@example.org", i), "x")
	}
	// Everything stored, from the beginning of time.
	stored := func(kind, subject string) int {
		at, err := e.s.SignInFailures(context.Background(), kind, subject, time.Time{}, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return len(at)
	}
	if a, b := stored(store.FailedAddress, "127.0.0.1"), stored(store.FailedAccount, "guess0@example.org"); a != 15 || b != 1 {
		t.Fatalf("%d failures stored for the address and %d for guess0, want 15 and 1", a, b)
	}
	clock.move(2 * time.Minute)
	loginAttempt(t, e.anonymous(), "late@example.org", "x")
	if a, b := stored(store.FailedAddress, "127.0.0.1"), stored(store.FailedAccount, "guess0@example.org"); a != 1 || b != 0 {
		t.Errorf("after the window %d failures remembered for the address and %d for guess0, want 1 and 0", a, b)
	}
}

// TestThrottleSharedByInstances: two servers, each with its own store
// handle, on one PostgreSQL database count the same failures, as several
// instances behind a load balancer must.
func TestThrottleSharedByInstances(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDSN(t)
	var clock movableClock
	e1 := newEnv(t, storetest.OpenMigrated(t, dsn), 25, func(o *web.Options) { o.Now = clock.now })
	s2 := storetest.OpenMigrated(t, dsn)
	srv, err := web.New(web.Options{Store: s2, Now: clock.now, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e2 := &env{t: t, ts: httptest.NewServer(srv.Handler()), s: s2, users: e1.users, orgs: e1.orgs}
	t.Cleanup(e2.ts.Close)

	// Per account: three failures on one, two on the other lock the
	// account on both, right password or not.
	for i := 0; i < 3; i++ {
		loginAttempt(t, e1.anonymous(), "viewer@example.org", "not the password")
	}
	for i := 0; i < 2; i++ {
		if st, _ := loginAttempt(t, e2.anonymous(), "viewer@example.org", "not the password"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d on the second server = %d, want 401", 4+i, st)
		}
	}
	for name, e := range map[string]*env{"first": e1, "second": e2} {
		if st, page := loginAttempt(t, e.anonymous(), "viewer@example.org", password); st != http.StatusTooManyRequests ||
			!strings.Contains(page, "Wait 15 minutes") {
			t.Errorf("right password on the %s server after 5 failures across both = %d %q, want 429 and a 15-minute wait", name, st, page)
		}
	}
	// The lock ends 15 minutes later by the servers' clock.
	clock.move(15*time.Minute + time.Second)
	if st, _ := loginAttempt(t, e2.anonymous(), "viewer@example.org", password); st != http.StatusSeeOther {
		t.Errorf("right password after the window = %d, want 303", st)
	}

	// Per address: 20 wrong passwords from one address, half on each
	// server, refuse the next wrong one on either, but not a right one.
	for i := 0; i < 20; i++ {
		e := e1
		if i%2 == 1 {
			e = e2
		}
		if st, _ := loginAttempt(t, e.anonymous(), fmt.Sprintf("ghost%d@example.org", i), "x"); st != http.StatusUnauthorized {
			t.Fatalf("failure %d = %d, want 401", i+1, st)
		}
	}
	for name, e := range map[string]*env{"first": e1, "second": e2} {
		if st, _ := loginAttempt(t, e.anonymous(), "admin@example.org", "not the password"); st != http.StatusTooManyRequests {
			t.Errorf("wrong password on the %s server after 20 from the address = %d, want 429", name, st)
		}
		if st, _ := loginAttempt(t, e.anonymous(), "admin@example.org", password); st != http.StatusSeeOther {
			t.Errorf("right password on the %s server after 20 from the address = %d, want 303", name, st)
		}
	}
}

package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// TestAgainstTracker runs the driver for 80 requests with two clients
// against a real tracker holding the example content, served in-process on
// loopback, and checks that every endpoint was exercised without an error
// and that the chairs' updates were stored.
func TestAgainstTracker(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a tracker and loads it for a few seconds")
	}
	ctx := context.Background()
	s, url := startTracker(t)
	// Secretaries twice as often as by default, so each client makes two
	// of the three documents in its first round. The mix ends after a
	// number of requests, not after a time: two seconds of a busy machine
	// (a PDF can take one) were sometimes less than a round, and a
	// document went unrequested. 80 requests are two rounds or more for
	// each client; the minute is only a backstop.
	mix, err := parseMix("chair=1,secretary=2,board=1")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := Run(ctx, Config{Target: url, Email: email, Password: password, Clients: 2, Mix: mix,
		Duration: time.Minute, Requests: 80, Healthz: 300 * time.Millisecond, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	writeTable(&table, rep)
	t.Logf("after %s:\n%s", time.Since(start).Round(time.Millisecond), table.String())

	if rep.Errors() != 0 {
		t.Errorf("%d errors; want none", rep.Errors())
	}
	if rep.Database != store.SQLite {
		t.Errorf("database = %q, want %q from /healthz", rep.Database, store.SQLite)
	}
	counts := map[string]int{}
	for _, p := range rep.Phases {
		for _, c := range p.Classes {
			counts[p.Name+" "+c.Class] += c.Count
		}
	}
	want := []string{"sign-in GET /login", "sign-in POST /login", "healthz GET /healthz"}
	for _, persona := range []string{chair, secretary, board} {
		for _, class := range classesOf(persona) {
			want = append(want, "mix "+class)
		}
	}
	for _, class := range want {
		if counts[class] == 0 {
			t.Errorf("no requests to %s", class)
		}
	}
	if counts["sign-in POST /login"] != 2 {
		t.Errorf("%d sign-ins, want one per client", counts["sign-in POST /login"])
	}

	// The chairs' updates are in the tracker, on the actions they were
	// posted to.
	if len(rep.Posted) == 0 || rep.UpdatesPosted != len(rep.Posted) {
		t.Fatalf("%d updates posted (%d reported); want some", len(rep.Posted), rep.UpdatesPosted)
	}
	if n := counts["mix POST /actions/{id}/updates"]; n != len(rep.Posted) {
		t.Errorf("%d update requests but %d updates recorded as posted", n, len(rep.Posted))
	}
	for _, u := range rep.Posted {
		item, err := s.Action(ctx, u.ActionID)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, up := range item.Updates {
			found = found || up.Text == u.Text
		}
		if !found {
			t.Errorf("action %d has no update %q", u.ActionID, u.Text)
		}
	}
}

const email, password = "chair@example.org", "a long enough password"

// startTracker serves a tracker with the example content and an admin
// account in-process on loopback, as the web package's tests do.
func startTracker(t *testing.T) (*store.Store, string) {
	t.Helper()
	store.BcryptCost = 4 // bcrypt.MinCost: the cost is not what these tests test
	ctx := context.Background()
	s := storetest.SQLite(t)
	if _, err := example.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, tracker.User{Email: email, Name: "Load driver", Role: tracker.RoleAdmin}, password); err != nil {
		t.Fatal(err)
	}
	// Five rows a page, so the example's lists have pages to browse.
	srv, err := web.New(web.Options{Store: s, Now: storetest.Now, PageSize: 5, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	if !strings.HasPrefix(ts.URL, "http://127.0.0.1:") {
		t.Fatalf("the test server is not on loopback: %s", ts.URL)
	}
	return s, ts.URL
}

// TestInterrupt checks that cancelling a run (what Ctrl+C does) ends it
// soon with the results so far.
func TestInterrupt(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a tracker")
	}
	_, url := startTracker(t)
	ctx, cancel := context.WithCancel(context.Background())
	// Interrupted once the mix has had answers, however slow the machine:
	// a proxy in front of the tracker counts them. The first five are the
	// /healthz probe and two sign-ins (a form and a post each).
	target, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	var answered atomic.Int64
	var cancelledAt atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxy.ServeHTTP(w, r)
		if answered.Add(1) == 5+3 {
			cancelledAt.Store(time.Now().UnixNano())
			cancel()
		}
	}))
	t.Cleanup(front.Close)
	rep, err := Run(ctx, Config{Target: front.URL, Email: email, Password: password, Clients: 2, Duration: 10 * time.Minute, Healthz: time.Minute, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if cancelledAt.Load() == 0 {
		t.Fatalf("the run ended before it was interrupted, after %d answers", answered.Load())
	}
	if took := time.Since(time.Unix(0, cancelledAt.Load())); took > 30*time.Second {
		t.Errorf("the run went on for %s after it was interrupted", took)
	}
	if !rep.Interrupted {
		t.Error("the report does not say the run was interrupted")
	}
	if _, ok := rep.Phase("healthz"); ok {
		t.Error("the /healthz phase ran after the interruption")
	}
	if mix, ok := rep.Phase("mix"); !ok || mix.Requests == 0 || mix.Errors != 0 {
		t.Errorf("mix = %+v, %v; want the requests made before the interruption, none an error", mix, ok)
	}
}

// TestUsage checks the command refuses bad flags with exit status 2 and a
// message, before sending anything.
func TestUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-url", "http://10.0.0.1:8080", "-email", "a@example.org", "-password", "x"}, "loopback"},
		{[]string{"-url", "http://example.org", "-email", "a@example.org", "-password", "x"}, "loopback"},
		{[]string{"-email", "a@example.org", "-password", "x", "-mix", "board=1", "-only", "chair"}, "not both"},
		{[]string{"-email", "a@example.org", "-password", "x", "-only", "boss"}, "-only"},
		{[]string{"-email", "a@example.org", "-password", "x", "-clients", "0"}, "-clients"},
		{[]string{"-password", "x"}, "tracker user add"},
	} {
		t.Setenv("LOADDRIVER_PASSWORD", "")
		var out, errOut strings.Builder
		if code := run(tc.args, &out, &errOut); code != exitUsage || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("run(%q) = %d, %q; want %d and a message with %q", tc.args, code, errOut.String(), exitUsage, tc.want)
		}
	}
}

// TestRefusesOtherHosts checks Run itself refuses a target off loopback
// before sending anything.
func TestRefusesOtherHosts(t *testing.T) {
	for _, target := range []string{"http://10.0.0.1:8080", "http://example.org", "http://0.0.0.0:8080"} {
		_, err := Run(context.Background(), Config{Target: target, Email: "a@example.org", Password: "x", Clients: 1, Duration: time.Second})
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("Run(%s) = %v; want a refusal naming loopback", target, err)
		}
	}
}

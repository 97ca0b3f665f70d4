package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// TestThrottleBehindProxy: behind a trusted proxy the address is the one
// the proxy saw (the last X-Forwarded-For entry), so a client cannot dodge
// the address limit by varying the entries it sends itself.
func TestThrottleBehindProxy(t *testing.T) {
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

// TestThrottleForgets: failures older than the window are pruned from
// memory, not kept for every email ever guessed.
func TestThrottleForgets(t *testing.T) {
	th := web.NewThrottle(5, 20, time.Minute)
	now := storetest.Now()
	th.SetClock(func() time.Time { return now })
	for i := 0; i < 500; i++ {
		th.Fail(fmt.Sprintf("guess%d@example.org", i), fmt.Sprintf("192.0.2.%d", i%200))
	}
	now = now.Add(2 * time.Minute)
	th.Fail("late@example.org", "192.0.2.1")
	if n := th.Len(); n != 2 {
		t.Errorf("%d keys remembered after the window, want 2", n)
	}
}

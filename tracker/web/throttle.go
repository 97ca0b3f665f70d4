package web

import (
	"sync"
	"time"
)

// Throttle counts failed sign-ins per account and per address within a
// window and refuses further tries once either limit is reached. It lives
// in memory: a restart forgets it, which errs on the side of letting
// people in.
type Throttle struct {
	mu         sync.Mutex
	perAccount int
	perAddress int
	window     time.Duration
	failures   map[string][]time.Time
	now        func() time.Time
}

// NewThrottle allows perAccount failures per email and perAddress per
// client address within window.
func NewThrottle(perAccount, perAddress int, window time.Duration) *Throttle {
	return &Throttle{perAccount: perAccount, perAddress: perAddress, window: window, failures: map[string][]time.Time{}, now: time.Now}
}

func (t *Throttle) recent(key string, now time.Time) []time.Time {
	kept := t.failures[key][:0]
	for _, at := range t.failures[key] {
		if now.Sub(at) < t.window {
			kept = append(kept, at)
		}
	}
	if len(kept) == 0 {
		delete(t.failures, key)
		return nil
	}
	t.failures[key] = kept
	return kept
}

// Blocked reports whether another try for this email from this address
// must wait, and for how long.
func (t *Throttle) Blocked(email, address string) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	var wait time.Duration
	for key, limit := range map[string]int{"account:" + email: t.perAccount, "address:" + address: t.perAddress} {
		if r := t.recent(key, now); len(r) >= limit {
			if w := t.window - now.Sub(r[len(r)-limit]); w > wait {
				wait = w
			}
		}
	}
	return wait > 0, wait
}

// Fail records a failed try.
func (t *Throttle) Fail(email, address string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.failures["account:"+email] = append(t.failures["account:"+email], now)
	t.failures["address:"+address] = append(t.failures["address:"+address], now)
}

// Succeed clears the account's failures after a correct sign-in.
func (t *Throttle) Succeed(email string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, "account:"+email)
}

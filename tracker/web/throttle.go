package web

import (
	"sync"
	"time"
)

// Throttle counts failed sign-ins per account and per address within a
// window. The account limit locks the account, right password or not; the
// address limit refuses only wrong passwords, so that people sharing one
// address (an office behind a proxy) are not locked out by one of them.
// It lives in memory: a restart forgets it, which errs on the side of
// letting people in; several instances each keep their own counts.
type Throttle struct {
	mu         sync.Mutex
	perAccount int
	perAddress int
	window     time.Duration
	failures   map[string][]time.Time
	now        func() time.Time
	swept      time.Time
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

// Blocked reports whether another try for this email must wait, and for
// how long: the per-account limit.
func (t *Throttle) Blocked(email string) (bool, time.Duration) {
	return t.over("account:"+email, t.perAccount)
}

// AddressBlocked reports whether the address has used up its failures, so
// that another wrong password from it is refused as too many.
func (t *Throttle) AddressBlocked(address string) (bool, time.Duration) {
	return t.over("address:"+address, t.perAddress)
}

func (t *Throttle) over(key string, limit int) (bool, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if r := t.recent(key, now); len(r) >= limit {
		if w := t.window - now.Sub(r[len(r)-limit]); w > 0 {
			return true, w
		}
	}
	return false, 0
}

// Fail records a failed try.
func (t *Throttle) Fail(email, address string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	t.failures["account:"+email] = append(t.failures["account:"+email], now)
	t.failures["address:"+address] = append(t.failures["address:"+address], now)
	t.sweep(now)
}

// sweep forgets, once a window, every key whose failures are all older
// than the window, so guessed emails and passing addresses do not pile up.
func (t *Throttle) sweep(now time.Time) {
	if now.Sub(t.swept) < t.window {
		return
	}
	t.swept = now
	for key := range t.failures {
		t.recent(key, now)
	}
}

// Len is the number of accounts and addresses with failures remembered.
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.failures)
}

// SetClock replaces the throttle's clock, for tests.
func (t *Throttle) SetClock(now func() time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.now = now
}

// Succeed clears the account's failures after a correct sign-in.
func (t *Throttle) Succeed(email string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.failures, "account:"+email)
}

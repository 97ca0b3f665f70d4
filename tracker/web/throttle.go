package web

import (
	"context"
	"time"

	"github.com/civic-tracker/tracker/tracker/store"
)

// Throttle counts failed sign-ins per account and per address within a
// window. The account limit locks the account, right password or not; the
// address limit refuses only wrong passwords, so that people sharing one
// address (an office behind a proxy) are not locked out by one of them.
// The failures are kept in the database, so every instance serving one
// database counts the same ones and a restart forgets none; failures older
// than the window are deleted as new ones arrive. Times come from the
// server's clock.
type Throttle struct {
	perAccount int
	perAddress int
	window     time.Duration
}

// NewThrottle allows perAccount failures per email and perAddress per
// client address within window.
func NewThrottle(perAccount, perAddress int, window time.Duration) *Throttle {
	return &Throttle{perAccount: perAccount, perAddress: perAddress, window: window}
}

// signInFailures is where a throttle keeps its counts: the store.
type signInFailures interface {
	RecordSignInFailure(ctx context.Context, email, address string, at, forget time.Time) error
	SignInFailures(ctx context.Context, kind, subject string, since time.Time, n int) ([]time.Time, error)
	ClearSignInFailures(ctx context.Context, email string) error
}

// accountBlocked reports whether another try for this email must wait, and
// for how long: the per-account limit.
func (s *Server) accountBlocked(ctx context.Context, email string) (bool, time.Duration, error) {
	return s.overLimit(ctx, store.FailedAccount, email, s.throttle.perAccount)
}

// addressBlocked reports whether the address has used up its failures, so
// that another wrong password from it is refused as too many.
func (s *Server) addressBlocked(ctx context.Context, address string) (bool, time.Duration, error) {
	return s.overLimit(ctx, store.FailedAddress, address, s.throttle.perAddress)
}

// overLimit reads the newest `limit` failures within the window: when there
// are that many, the subject waits until the oldest of them leaves it.
func (s *Server) overLimit(ctx context.Context, kind, subject string, limit int) (bool, time.Duration, error) {
	now := s.now()
	recent, err := s.store.SignInFailures(ctx, kind, subject, now.Add(-s.throttle.window), limit)
	if err != nil || len(recent) < limit {
		return false, 0, err
	}
	if wait := s.throttle.window - now.Sub(recent[len(recent)-1]); wait > 0 {
		return true, wait, nil
	}
	return false, 0, nil
}

// signInFailed records a failed try against the email and the address.
func (s *Server) signInFailed(ctx context.Context, email, address string) error {
	now := s.now()
	return s.store.RecordSignInFailure(ctx, email, address, now, now.Add(-s.throttle.window))
}

// signInSucceeded clears the account's failures after a correct sign-in.
func (s *Server) signInSucceeded(ctx context.Context, email string) error {
	return s.store.ClearSignInFailures(ctx, email)
}

package tracker

import "time"

// Clock is where every "now" in the tracker comes from: audit stamps, the
// "today" that overdue and "due soon" count from, the default "as at" of a
// report, an import's day. main builds one and hands it to the store, the
// pages and the commands; tests hand them a fixed one.
type Clock func() time.Time

// SystemClock is the real time, to the microsecond both databases keep.
func SystemClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// FixedClock always answers t, to the microsecond.
func FixedClock(t time.Time) Clock {
	t = t.UTC().Truncate(time.Microsecond)
	return func() time.Time { return t }
}

// Now is the clock's time; a nil clock is the system clock.
func (c Clock) Now() time.Time {
	if c == nil {
		return SystemClock()
	}
	return c().UTC().Truncate(time.Microsecond)
}

// Today is the clock's day, midnight UTC.
func (c Clock) Today() time.Time { return Day(c.Now()) }

// EndOfDay is the last microsecond of d's day: "as at d" includes
// everything that took effect on d.
func EndOfDay(d time.Time) time.Time {
	return Day(d).AddDate(0, 0, 1).Add(-time.Microsecond)
}

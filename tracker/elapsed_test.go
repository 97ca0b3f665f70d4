package tracker

import (
	"testing"
	"time"
)

func TestElapsed(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		from, to time.Time
		want     string
	}{
		{d(2022, time.May, 17), d(2022, time.May, 17), ""},
		{d(2022, time.May, 17), d(2022, time.May, 1), ""},
		{d(2022, time.May, 17), d(2022, time.May, 18), "1 day"},
		{d(2022, time.May, 17), d(2022, time.July, 15), "59 days"},
		{d(2022, time.May, 17), d(2022, time.July, 16), "1 month"},
		{d(2022, time.May, 17), d(2022, time.July, 17), "2 months"},
		{d(2022, time.May, 17), d(2023, time.May, 16), "11 months"},
		{d(2022, time.May, 17), d(2023, time.May, 17), "1 year"},
		{d(2022, time.May, 17), d(2024, time.June, 30), "2 years 1 month"},
		// Duty of Care's "by April 2013", 4,930 days on: whole months only.
		{d(2013, time.April, 30), d(2013, time.April, 30).AddDate(0, 0, 4930), "13 years 5 months"},
		{d(2013, time.April, 30), d(2026, time.October, 30), "13 years 6 months"},
		// A month-end date: three months after 31 January is 30 April.
		{d(2023, time.January, 31), d(2023, time.April, 30), "3 months"},
		{d(2023, time.January, 31), d(2023, time.April, 29), "2 months"},
		// Times of day do not count.
		{time.Date(2022, time.May, 17, 23, 0, 0, 0, time.UTC), d(2022, time.May, 18), "1 day"},
	}
	for _, tt := range tests {
		if got := Elapsed(tt.from, tt.to); got != tt.want {
			t.Errorf("Elapsed(%s, %s) = %q, want %q", tt.from.Format("2006-01-02"), tt.to.Format("2006-01-02"), got, tt.want)
		}
	}
}

func TestSlippageAndMoves(t *testing.T) {
	day := func(m time.Month, d int) *time.Time { return DatePtr(2027, m, d) }
	rev := func(old, new *time.Time) DeadlineRevision { return DeadlineRevision{OldDate: old, NewDate: new} }
	tests := []struct {
		name      string
		revisions []DeadlineRevision
		slip      int
		moves     int
	}{
		{"no revisions", nil, 0, 0},
		{"first date set: not a move", []DeadlineRevision{rev(nil, day(time.March, 31))}, 0, 0},
		{"first date set, then moved 30 days", []DeadlineRevision{rev(nil, day(time.March, 1)), rev(day(time.March, 1), day(time.March, 31))}, 30, 1},
		{"first set, moved twice", []DeadlineRevision{rev(nil, day(time.March, 1)), rev(day(time.March, 1), day(time.March, 11)), rev(day(time.March, 11), day(time.March, 31))}, 30, 2},
		{"moved from a date", []DeadlineRevision{rev(day(time.January, 1), day(time.January, 31))}, 30, 1},
		{"moved earlier", []DeadlineRevision{rev(day(time.January, 31), day(time.January, 1))}, -30, 1},
		{"wording only", []DeadlineRevision{rev(day(time.January, 31), day(time.January, 31))}, 0, 0},
		{"date taken away", []DeadlineRevision{rev(day(time.January, 31), nil)}, 0, 1},
		{"taken away and set again", []DeadlineRevision{rev(day(time.January, 1), nil), rev(nil, day(time.January, 11))}, 10, 2},
	}
	for _, tt := range tests {
		if got := Slippage(tt.revisions); got != tt.slip {
			t.Errorf("%s: Slippage = %d, want %d", tt.name, got, tt.slip)
		}
		if got := Moves(tt.revisions); got != tt.moves {
			t.Errorf("%s: Moves = %d, want %d", tt.name, got, tt.moves)
		}
	}
}

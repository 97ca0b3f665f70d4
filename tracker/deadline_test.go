package tracker

import (
	"testing"
	"time"
)

func TestParseDeadline(t *testing.T) {
	report := time.Date(2013, time.January, 23, 0, 0, 0, 0, time.UTC) // Duty of Care
	reply := time.Date(2013, time.March, 31, 0, 0, 0, 0, time.UTC)    // MPS response, March 2013
	board := time.Date(2022, time.May, 17, 0, 0, 0, 0, time.UTC)      // MPS letter to the board
	d := func(y int, m time.Month, day int) string {
		return time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	}
	tests := []struct {
		text string
		ref  time.Time
		want string // "" means unreadable
	}{
		// Wording from the seeds.
		{"by April 2013", report, d(2013, time.April, 30)},
		{"over the next six months", report, d(2013, time.July, 23)},
		{"This work should be undertaken over the next six months.", report, ""},
		{"within two months", reply, d(2013, time.May, 31)},
		{"in the next two months", reply, d(2013, time.May, 31)},
		{"after six months", time.Date(2013, time.May, 31, 0, 0, 0, 0, time.UTC), d(2013, time.November, 30)},
		{"by 2016", report, d(2016, time.December, 31)},
		{"By 2015", time.Time{}, d(2015, time.December, 31)},
		{"in the second half of the 2013-14 year", report, d(2014, time.March, 31)},
		{"in the second half of 2013-14", time.Time{}, d(2014, time.March, 31)},
		{"in the first half of the 2013/14 financial year", time.Time{}, d(2013, time.September, 30)},
		{"by the end of 2013", report, d(2013, time.December, 31)},
		{"in the second week of June", board, d(2022, time.June, 14)},
		{"the second week of June 2022", time.Time{}, d(2022, time.June, 14)},
		{"2013/14", time.Time{}, d(2014, time.March, 31)},
		{"by the end of 2013–14", time.Time{}, d(2014, time.March, 31)},
		{"March 2013", time.Time{}, d(2013, time.March, 31)},
		// Exact dates.
		{"17 May 2022", time.Time{}, d(2022, time.May, 17)},
		{"by 1st February 2024", time.Time{}, d(2024, time.February, 1)},
		{"2022-05-17", time.Time{}, d(2022, time.May, 17)},
		{"17/05/2022", time.Time{}, d(2022, time.May, 17)},
		{"31 February 2022", time.Time{}, ""},
		// Seasons, quarters, halves of calendar years.
		{"by spring 2014", time.Time{}, d(2014, time.May, 31)},
		{"winter 2013", time.Time{}, d(2014, time.February, 28)},
		{"Q3 2014", time.Time{}, d(2014, time.September, 30)},
		{"by the first quarter of 2014", time.Time{}, d(2014, time.March, 31)},
		{"in the first half of 2013", time.Time{}, d(2013, time.June, 30)},
		// Relative wording.
		{"within 90 days", report, d(2013, time.April, 23)},
		{"within three weeks", report, d(2013, time.February, 13)},
		{"over the next year", report, d(2014, time.January, 23)},
		{"by the end of the year", report, d(2013, time.December, 31)},
		{"by the end of the financial year", report, d(2013, time.March, 31)},
		{"by the end of the financial year", board, d(2023, time.March, 31)},
		{"six months after 31 August", time.Time{}, ""},
		{"within six months", time.Date(2013, time.August, 31, 0, 0, 0, 0, time.UTC), d(2014, time.February, 28)},
		{"immediately", board, d(2022, time.May, 17)},
		// Relative wording without a date to count from cannot be read.
		{"over the next six months", time.Time{}, ""},
		// Wording kept with no date.
		{"on a quarterly basis", report, ""},
		{"ongoing", report, ""},
		{"", report, ""},
		{"by 2013-15", time.Time{}, ""},
	}
	for _, tt := range tests {
		got, ok := ParseDeadline(tt.text, tt.ref)
		gotS := ""
		if ok {
			gotS = got.Format("2006-01-02")
		}
		if gotS != tt.want {
			t.Errorf("ParseDeadline(%q, %s) = %q, want %q", tt.text, tt.ref.Format("2006-01-02"), gotS, tt.want)
		}
	}
}

func TestFormatDate(t *testing.T) {
	if got := FormatDate(time.Date(2022, time.May, 17, 0, 0, 0, 0, time.UTC)); got != "17 May 2022" {
		t.Fatalf("FormatDate = %q", got)
	}
	if got := FormatDate(time.Time{}); got != "" {
		t.Fatalf("FormatDate(zero) = %q", got)
	}
}

func TestOverdue(t *testing.T) {
	today := time.Date(2013, time.May, 1, 15, 0, 0, 0, time.UTC)
	due := DatePtr(2013, time.April, 30)
	tests := []struct {
		name string
		a    Action
		want int
	}{
		{"open and past due", Action{Status: ActInProgress, DueDate: due}, 1},
		{"completed", Action{Status: ActCompleted, DueDate: due}, 0},
		{"due today", Action{Status: ActNotStarted, DueDate: DatePtr(2013, time.May, 1)}, 0},
		{"no date", Action{Status: ActNotStarted}, 0},
	}
	for _, tt := range tests {
		if got := tt.a.DaysOverdue(today); got != tt.want {
			t.Errorf("%s: DaysOverdue = %d, want %d", tt.name, got, tt.want)
		}
		if got := tt.a.Overdue(today); got != (tt.want > 0) {
			t.Errorf("%s: Overdue = %v", tt.name, got)
		}
	}
	r := Recommendation{Status: RecOpen, DeadlineDate: due}
	if !r.Overdue(today) {
		t.Error("open recommendation past its deadline should be overdue")
	}
	r.Status = RecClosed
	if r.Overdue(today) {
		t.Error("closed recommendation should not be overdue")
	}
}

func TestDeadlinePhrase(t *testing.T) {
	tests := []struct{ text, want string }{
		{"The MPS should complete this recommendation by April 2013.", "by April 2013"},
		{"This work should be undertaken over the next six months.", "over the next six months"},
		{"MOPAC to set challenging annual targets for the Met to achieve the highest national rating for victim satisfaction by 2016.", "by 2016"},
		{"MOPAC to assess performance against these targets and report on this on a quarterly basis.", "on a quarterly basis"},
		{"It is anticipated that the new training package will be introduced in the second half of the 2013-14 year.", "in the second half of the 2013-14 year"},
		{"The Met should work with specialist support organisations to deliver training in victim care.", ""},
	}
	for _, tt := range tests {
		if got := DeadlinePhrase(tt.text); got != tt.want {
			t.Errorf("DeadlinePhrase(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

package report

import (
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// TestDueCellMovesAndOverdue: the PDFs count moves and slippage as the
// pages do (setting a first date is not a move; slippage runs from the
// first date there was) and say how long an action is overdue in words.
func TestDueCellMovesAndOverdue(t *testing.T) {
	t.Parallel()
	day := func(y int, m time.Month, d int) *time.Time { t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC); return &t }
	today := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)
	view := &tracker.View{AsAt: today}
	firstSet := tracker.ActionItem{Action: tracker.Action{ID: 1, Description: "Print the Victims’ Code leaflet", Status: tracker.ActInProgress, DueDate: day(2027, 3, 31)},
		Revisions: []tracker.DeadlineRevision{{NewDate: day(2027, 3, 31)}}}
	moved := tracker.ActionItem{Action: tracker.Action{ID: 2, Description: "Brief the call centre – £250", Status: tracker.ActInProgress, DueDate: day(2013, 4, 30)},
		Revisions: []tracker.DeadlineRevision{{NewDate: day(2013, 3, 1)}, {OldDate: day(2013, 3, 1), NewDate: day(2013, 4, 30)}}}
	for _, c := range []struct {
		name      string
		it        tracker.ActionItem
		want, not []string
	}{
		{"a first date", firstSet, nil, []string{"Moved", "Overdue"}},
		{"moved once after a first date", moved, []string{"Moved 1× (+60 days); first due 1 March 2013", "Overdue by 13 years 6 months"}, []string{"not set"}},
	} {
		due := actionRow(view, c.it, today)[2].Text
		for _, w := range c.want {
			if !strings.Contains(due, w) {
				t.Errorf("%s: due cell %q lacks %q", c.name, due, w)
			}
		}
		for _, n := range c.not {
			if strings.Contains(due, n) {
				t.Errorf("%s: due cell %q has %q", c.name, due, n)
			}
		}
	}
}

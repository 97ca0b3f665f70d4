package report

import (
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// TestLatestText: an action's latest update in a table cell is dated and
// loses its Markdown bold marks, and nothing else of what was written.
func TestLatestText(t *testing.T) {
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for text, want := range map[string]string{
		"**Done** and __checked__: £250,000 <b>":   "2 March 2026 – Done and checked: £250,000 <b>",
		"Victims’ Code *review* 2_000 a*b":         "2 March 2026 – Victims’ Code *review* 2_000 a*b",
		"first line\nsecond line with ** one mark": "2 March 2026 – first line\nsecond line with  one mark",
	} {
		it := tracker.ActionItem{Updates: []tracker.Update{{Date: day, Text: text}}}
		if got := latestText(it); got != want {
			t.Errorf("latestText(%q) = %q, want %q", text, got, want)
		}
	}
	if got := latestText(tracker.ActionItem{}); got != "None yet" {
		t.Errorf("no update: %q", got)
	}
}

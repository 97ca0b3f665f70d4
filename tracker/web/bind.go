package web

import (
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// parseFormDate reads a date as tracker.ParseDate does: from a date input
// (2022-05-17) or as people type it (17/05/2022, 17 May 2022).
func parseFormDate(v string) (time.Time, bool) {
	t, err := tracker.ParseDate(v)
	return t, err == nil
}

package importer

import (
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// History columns: a log kept with one column per meeting or month
// ("Update March 2022", "Progress at 14/06/2022") holds in each cell the
// update given then. A column mapped to FieldHistory is read that way:
// each filled cell is a progress update dated by the column's header. A
// header that names a month and no day ("March 2022") dates its updates on
// the first of that month, so "as at" any day of that month shows them.

// historyWords are the words that, beside a date, make a header a history
// column when the mapping is guessed.
var historyWords = []string{"update", "updates", "progress", "position", "commentary", "comments", "comment", "notes", "response", "meeting"}

// fillerWords are left out of a header before its date is read.
var fillerWords = map[string]bool{"as": true, "at": true, "of": true, "on": true, "for": true, "the": true, "in": true, "by": true}

// HeaderDate reads the date a history column's header names: "Update
// March 2022" is 1 March 2022, "Progress at 14/06/2022" 14 June 2022.
func HeaderDate(header string) (time.Time, bool) {
	var kept []string
	for _, w := range strings.FieldsFunc(header, func(r rune) bool { return r == ' ' || r == '_' || r == ':' || r == '(' || r == ')' || r == '–' }) {
		lw := strings.ToLower(strings.Trim(w, ".,-"))
		if lw == "" || fillerWords[lw] || isHistoryWord(lw) {
			continue
		}
		kept = append(kept, w)
	}
	rest := strings.Join(kept, " ")
	if rest == "" {
		return time.Time{}, false
	}
	if d, err := tracker.ParseSpreadsheetDate(rest); err == nil {
		return d, true
	}
	for _, layout := range []string{"January 2006", "Jan 2006", "Jan. 2006", "January, 2006", "01/2006", "2006-01"} {
		if d, err := time.Parse(layout, rest); err == nil {
			return tracker.Day(d), true
		}
	}
	return time.Time{}, false
}

func isHistoryWord(w string) bool {
	for _, h := range historyWords {
		if w == h {
			return true
		}
	}
	return false
}

// historyColumn reports whether a header names both an update and a date,
// as a history column's does.
func historyColumn(header string) bool {
	if _, ok := HeaderDate(header); !ok {
		return false
	}
	for _, w := range strings.Fields(NormaliseHeader(header)) {
		if isHistoryWord(w) {
			return true
		}
	}
	return false
}

// UpdateRecord is one dated progress update a row gives in a history
// column.
type UpdateRecord struct {
	Row    int
	Column string
	Text   string
	Date   time.Time
}

// history reads the current row's history columns, oldest first.
func (v *validator) history() []UpdateRecord {
	var out []UpdateRecord
	for _, c := range v.cols[FieldHistory] {
		text := v.row.Cell(c)
		if !strings.Contains(text, "\n") {
			text = strings.TrimSpace(text)
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		d, _ := HeaderDate(v.t.Headers[c]) // Check saw to headers without one
		out = append(out, UpdateRecord{Row: v.row.Number, Column: v.t.Headers[c], Text: text, Date: d})
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Date.Before(out[j-1].Date); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// guessHistory maps every column whose header names an update and a date
// to FieldHistory, and leaves the rest to the other guesses.
func guessHistory(k Kind, headers []string) (Mapping, []bool) {
	m := Mapping{}
	taken := make([]bool, len(headers))
	if _, ok := Info(k, FieldHistory); !ok {
		return m, taken
	}
	for i, h := range headers {
		if historyColumn(h) {
			m[h], taken[i] = FieldHistory, true
		}
	}
	return m, taken
}

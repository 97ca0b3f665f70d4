package tracker

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ISODateLayout is the one way a machine writes a date to the tracker: the
// JSON API, the audit trail and backups use it, and so does a date input.
const ISODateLayout = "2006-01-02"

// DateLayouts are the ways a person may write a date anywhere the tracker
// asks a person for one (forms, query strings, the command line), as
// Go time layouts: a date input's 2022-05-17, the British 17/05/2022, and
// 17 May 2022 with the month spelt out or shortened. "17th May 2022" is
// read too: ordinal suffixes are dropped first.
var DateLayouts = []string{ISODateLayout, "2/1/2006", "2 January 2006", "2 Jan 2006"}

// SpreadsheetDateLayouts are the further layouts that spreadsheets and
// hand-kept CSV files write, read only by the importer: a time after the
// date, two-digit years, dashes and dots, weekdays, and the American
// "January 2, 2006" when the month is spelt out (all-number dates are
// always day first).
var SpreadsheetDateLayouts = []string{
	"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04:05Z07:00", "2006-01-02T15:04:05",
	"02/01/2006", "2/1/06", "02/01/06", "2-1-2006", "02-01-2006", "2.1.2006", "02.01.2006",
	"2/1/2006 15:04", "02/01/2006 15:04", "02/01/2006 15:04:05",
	"2 Jan. 2006", "2-Jan-2006", "2-Jan-06", "2 January, 2006",
	"Monday 2 January 2006", "Monday, 2 January 2006", "Mon 2 Jan 2006",
	"January 2, 2006", "Jan 2, 2006", "2006/01/02",
}

// DateError says why a text is not a date, in words for the person who
// typed it.
type DateError struct {
	Input  string
	Reason string
	// Example shows the layouts the reader takes.
	Example string
}

// Error is the message to show at the field.
func (e *DateError) Error() string {
	if e.Input == "" {
		return "Enter a date, like " + e.Example
	}
	return fmt.Sprintf("“%s” is not a date%s; write it like %s", e.Input, e.Reason, e.Example)
}

const (
	peopleExample = "17/05/2022 or 2022-05-17"
	isoExample    = "2022-05-17 (YYYY-MM-DD)"
)

// ParseISODate reads a date written only as ISODateLayout (2022-05-17),
// the strict subset of ParseDate that the JSON API and stored data use, so
// that a program never has 05/06 read the wrong way round. Its errors are
// those of ParseDate.
func ParseISODate(s string) (time.Time, error) {
	return parseDate(s, []string{ISODateLayout}, isoExample)
}

var (
	ordinalSuffix = regexp.MustCompile(`(\d)(?:st|nd|rd|th)\b`)
	numericDMY    = regexp.MustCompile(`^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$`)
	numericYMD    = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
)

// ParseDate reads a date written in one of DateLayouts and returns that
// day at midnight UTC. Surrounding and repeated spaces are ignored, and so
// is the case of month names. The error, a *DateError, says what is wrong
// in words a person can act on ("there is no 31 February 2026").
func ParseDate(s string) (time.Time, error) {
	return parseDate(s, DateLayouts, peopleExample)
}

// ParseSpreadsheetDate reads a date as ParseDate does, and also in the
// SpreadsheetDateLayouts and as an Excel date serial (45560 is 25 September
// 2024) between 1950 and 2100. The importer uses it; everywhere else a
// person types a date, ParseDate is the rule.
func ParseSpreadsheetDate(s string) (time.Time, error) {
	t, err := ParseDate(s)
	if err == nil {
		return t, nil
	}
	if t, ok := tryLayouts(normaliseDate(s), SpreadsheetDateLayouts); ok {
		return t, nil
	}
	// An Excel serial left in a CSV: days since 30 December 1899.
	if n, ferr := strconv.ParseFloat(strings.TrimSpace(s), 64); ferr == nil && n >= 18264 && n <= 73051 {
		return time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n)), nil
	}
	return time.Time{}, err
}

func normaliseDate(s string) string {
	s = ordinalSuffix.ReplaceAllString(strings.TrimSpace(s), "$1")
	return strings.Join(strings.Fields(s), " ")
}

func tryLayouts(s string, layouts []string) (time.Time, bool) {
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return Day(t), true
		}
	}
	return time.Time{}, false
}

func parseDate(raw string, layouts []string, example string) (time.Time, error) {
	s := normaliseDate(raw)
	if s == "" {
		return time.Time{}, &DateError{Example: example}
	}
	if t, ok := tryLayouts(s, layouts); ok {
		return t, nil
	}
	return time.Time{}, &DateError{Input: strings.TrimSpace(raw), Reason: whyNotDate(s), Example: example}
}

// whyNotDate explains an all-number date that has the right shape but no
// such day, or that looks written month first.
func whyNotDate(s string) string {
	var d, m, y int
	order := ""
	if p := numericDMY.FindStringSubmatch(s); p != nil {
		d, _ = strconv.Atoi(p[1])
		m, _ = strconv.Atoi(p[2])
		y, _ = strconv.Atoi(p[3])
		order = " (the day comes first)"
	} else if p := numericYMD.FindStringSubmatch(s); p != nil {
		y, _ = strconv.Atoi(p[1])
		m, _ = strconv.Atoi(p[2])
		d, _ = strconv.Atoi(p[3])
	} else {
		return ""
	}
	switch {
	case m < 1 || m > 12:
		return fmt.Sprintf(": there is no month %d%s", m, order)
	case d < 1 || d > lastDayOfMonth(y, time.Month(m)).Day():
		return fmt.Sprintf(": %s %d has %d days", time.Month(m), y, lastDayOfMonth(y, time.Month(m)).Day())
	}
	return ""
}

package tracker

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ParseDeadline turns a deadline as documents write it into the last day it
// allows: "by April 2013" is 30 April 2013, "by 2016" is 31 December 2016,
// "in the second half of the 2013-14 year" is 31 March 2014 (the UK public
// sector's financial year runs April to March). Relative wording such as
// "over the next six months" or "within two months" counts from ref, usually
// the date of the source or reply; it cannot be read when ref is zero.
// The second result is false when the wording cannot be read; callers keep
// the wording and show the date as not set.
func ParseDeadline(text string, ref time.Time) (time.Time, bool) {
	s := normaliseDeadline(text)
	if s == "" {
		return time.Time{}, false
	}
	for _, p := range deadlinePatterns {
		m := p.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		if t, ok := p.fn(m, ref); ok {
			return t, true
		}
	}
	return time.Time{}, false
}

var (
	spaces   = regexp.MustCompile(`\s+`)
	prefixes = regexp.MustCompile(`^(?:(?:to be )?(?:completed |implemented |delivered )?(?:by|before|no later than|not later than|until|in|during|within|over|from|on|at|for|after|around)\s+)+`)
)

func normaliseDeadline(text string) string {
	s := strings.ToLower(strings.TrimSpace(text))
	s = strings.NewReplacer("–", "-", "—", "-", "’", "'", "‘", "'", ",", " ", ".", " ").Replace(s)
	s = spaces.ReplaceAllString(strings.TrimSpace(s), " ")
	return s
}

type deadlinePattern struct {
	re *regexp.Regexp
	fn func(m []string, ref time.Time) (time.Time, bool)
}

var monthNames = map[string]time.Month{
	"jan": time.January, "january": time.January, "feb": time.February, "february": time.February,
	"mar": time.March, "march": time.March, "apr": time.April, "april": time.April, "may": time.May,
	"jun": time.June, "june": time.June, "jul": time.July, "july": time.July, "aug": time.August,
	"august": time.August, "sep": time.September, "sept": time.September, "september": time.September,
	"oct": time.October, "october": time.October, "nov": time.November, "november": time.November,
	"dec": time.December, "december": time.December,
}

var numberWords = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "eighteen": 18,
	"twenty-four": 24, "thirty": 30, "few": 3, "couple of": 2,
}

var ordinals = map[string]int{"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "last": 5}

const (
	monthRe = `(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`
	yearRe  = `((?:19|20)\d\d)`
	// fyRe is a financial year: 2013-14, 2013/14, 2013-2014.
	fyRe   = `((?:19|20)\d\d)\s?[-/]\s?(\d\d(?:\d\d)?)`
	numRe  = `(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|eighteen|twenty-four|thirty|few|couple of)`
	unitRe = `(days?|weeks?|months?|years?|quarters?)`
	end    = `$`
	the    = `(?:the )?`
)

func lastDayOfMonth(y int, m time.Month) time.Time {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC)
}

// addMonths adds n months, clamping to the end of a shorter month: six months
// after 31 August is 28 or 29 February, not 3 March.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	target := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, time.UTC)
	last := lastDayOfMonth(target.Year(), target.Month()).Day()
	if d > last {
		d = last
	}
	return time.Date(target.Year(), target.Month(), d, 0, 0, 0, 0, time.UTC)
}

func atoiYear(s string) int { n, _ := strconv.Atoi(s); return n }

// fyEnd returns 31 March closing the financial year that starts in y, after
// checking the second half of "2013-14" names the next year.
func fyEnd(first, second string) (time.Time, bool) {
	y := atoiYear(first)
	n := atoiYear(second)
	if len(second) == 2 {
		n = (y/100)*100 + n
	}
	if n != y+1 {
		return time.Time{}, false
	}
	return time.Date(n, time.March, 31, 0, 0, 0, 0, time.UTC), true
}

func number(s string) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return numberWords[s]
}

func addPeriod(ref time.Time, n int, unit string) time.Time {
	switch strings.TrimSuffix(unit, "s") {
	case "day":
		return ref.AddDate(0, 0, n)
	case "week":
		return ref.AddDate(0, 0, 7*n)
	case "quarter":
		return addMonths(ref, 3*n)
	case "year":
		return addMonths(ref, 12*n)
	default:
		return addMonths(ref, n)
	}
}

var deadlinePatterns = []deadlinePattern{
	// 17 May 2022, 17th May 2022
	{regexp.MustCompile(`^(\d{1,2})(?:st|nd|rd|th)? ` + monthRe + ` ` + yearRe + end), func(m []string, _ time.Time) (time.Time, bool) {
		d, _ := strconv.Atoi(m[1])
		mo := monthNames[m[2]]
		y := atoiYear(m[3])
		if d < 1 || d > lastDayOfMonth(y, mo).Day() {
			return time.Time{}, false
		}
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), true
	}},
	// 2022-05-17
	{regexp.MustCompile(`^` + yearRe + `-(\d\d)-(\d\d)` + end), func(m []string, _ time.Time) (time.Time, bool) {
		t, err := time.Parse("2006-01-02", m[1]+"-"+m[2]+"-"+m[3])
		return t, err == nil
	}},
	// 17/05/2022: British day/month/year
	{regexp.MustCompile(`^(\d{1,2})/(\d{1,2})/` + yearRe + end), func(m []string, _ time.Time) (time.Time, bool) {
		t, err := time.Parse("2/1/2006", m[1]+"/"+m[2]+"/"+m[3])
		return t, err == nil
	}},
	// (the end of) April 2013
	{regexp.MustCompile(`^` + the + `(?:end of )?` + monthRe + ` ` + yearRe + end), func(m []string, _ time.Time) (time.Time, bool) {
		return lastDayOfMonth(atoiYear(m[2]), monthNames[m[1]]), true
	}},
	// the second week of June (2022)
	{regexp.MustCompile(`^` + the + `(first|second|third|fourth|last|1st|2nd|3rd|4th) week of ` + monthRe + `(?: ` + yearRe + `)?` + end), func(m []string, ref time.Time) (time.Time, bool) {
		y := ref.Year()
		if m[3] != "" {
			y = atoiYear(m[3])
		} else if ref.IsZero() {
			return time.Time{}, false
		}
		mo := monthNames[m[2]]
		if m[3] == "" && mo < ref.Month() {
			y++
		}
		if ordinals[m[1]] == 5 {
			return lastDayOfMonth(y, mo), true
		}
		return time.Date(y, mo, 7*ordinals[m[1]], 0, 0, 0, 0, time.UTC), true
	}},
	// (the) first/second half of (the) 2013-14 (financial) year
	{regexp.MustCompile(`^` + the + `(first|second|1st|2nd) half of ` + the + `(?:financial year )?` + fyRe + `(?: (?:financial )?year)?` + end), func(m []string, _ time.Time) (time.Time, bool) {
		e, ok := fyEnd(m[2], m[3])
		if !ok {
			return time.Time{}, false
		}
		if ordinals[m[1]] == 1 {
			return time.Date(e.Year()-1, time.September, 30, 0, 0, 0, 0, time.UTC), true
		}
		return e, true
	}},
	// (the) first/second half of 2013
	{regexp.MustCompile(`^` + the + `(first|second|1st|2nd) half of ` + the + `(?:year )?` + yearRe + end), func(m []string, _ time.Time) (time.Time, bool) {
		y := atoiYear(m[2])
		if ordinals[m[1]] == 1 {
			return time.Date(y, time.June, 30, 0, 0, 0, 0, time.UTC), true
		}
		return time.Date(y, time.December, 31, 0, 0, 0, 0, time.UTC), true
	}},
	// q1 2014, the first quarter of 2014
	{regexp.MustCompile(`^(?:q([1-4])|` + the + `(first|second|third|fourth|1st|2nd|3rd|4th) quarter of) ` + yearRe + end), func(m []string, _ time.Time) (time.Time, bool) {
		q, _ := strconv.Atoi(m[1])
		if q == 0 {
			q = ordinals[m[2]]
		}
		return lastDayOfMonth(atoiYear(m[3]), time.Month(3*q)), true
	}},
	// spring 2014, the end of summer 2014
	{regexp.MustCompile(`^` + the + `(?:end of )?(spring|summer|autumn|fall|winter) (?:of )?` + yearRe + end), func(m []string, _ time.Time) (time.Time, bool) {
		y := atoiYear(m[2])
		switch m[1] {
		case "spring":
			return time.Date(y, time.May, 31, 0, 0, 0, 0, time.UTC), true
		case "summer":
			return time.Date(y, time.August, 31, 0, 0, 0, 0, time.UTC), true
		case "autumn", "fall":
			return time.Date(y, time.November, 30, 0, 0, 0, 0, time.UTC), true
		default:
			return lastDayOfMonth(y+1, time.February), true
		}
	}},
	// (the end of) (financial year) 2013-14
	{regexp.MustCompile(`^` + the + `(?:end of )?` + the + `(?:financial year )?` + fyRe + `(?: (?:financial )?year)?` + end), func(m []string, _ time.Time) (time.Time, bool) {
		return fyEnd(m[1], m[2])
	}},
	// (the end of) 2016
	{regexp.MustCompile(`^` + the + `(?:end of )?` + yearRe + end), func(m []string, _ time.Time) (time.Time, bool) {
		return time.Date(atoiYear(m[1]), time.December, 31, 0, 0, 0, 0, time.UTC), true
	}},
	// the next six months, two months, the coming year
	{regexp.MustCompile(`^` + the + `(?:next |coming |following )?` + numRe + ` ` + unitRe + `(?: time)?` + end), func(m []string, ref time.Time) (time.Time, bool) {
		if ref.IsZero() {
			return time.Time{}, false
		}
		return addPeriod(Day(ref), number(m[1]), m[2]), true
	}},
	// the next year / the coming month
	{regexp.MustCompile(`^` + the + `(?:next|coming|following) ` + unitRe + end), func(m []string, ref time.Time) (time.Time, bool) {
		if ref.IsZero() {
			return time.Time{}, false
		}
		return addPeriod(Day(ref), 1, m[1]), true
	}},
	// the end of the year / month / financial year
	{regexp.MustCompile(`^` + the + `end of ` + the + `(year|month|financial year|calendar year)` + end), func(m []string, ref time.Time) (time.Time, bool) {
		if ref.IsZero() {
			return time.Time{}, false
		}
		switch m[1] {
		case "month":
			return lastDayOfMonth(ref.Year(), ref.Month()), true
		case "financial year":
			y := ref.Year()
			if ref.Month() > time.March {
				y++
			}
			return time.Date(y, time.March, 31, 0, 0, 0, 0, time.UTC), true
		default:
			return time.Date(ref.Year(), time.December, 31, 0, 0, 0, 0, time.UTC), true
		}
	}},
	// immediately
	{regexp.MustCompile(`^(?:immediately|with immediate effect|now)` + end), func(_ []string, ref time.Time) (time.Time, bool) {
		return Day(ref), !ref.IsZero()
	}},
}

func init() {
	// Every pattern is tried after the leading prepositions are removed:
	// "by", "in", "over", "within", "after" add nothing to the date meant.
	for i, p := range deadlinePatterns {
		inner := p.re
		deadlinePatterns[i].re = regexp.MustCompile(`^(?:` + prefixes.String()[1:] + `)?` + inner.String()[1:])
	}
}

var deadlinePhrase = regexp.MustCompile(`(?i)\b(?:` +
	`by (?:the end of )?(?:(?:january|february|march|april|may|june|july|august|september|october|november|december) )?\d{4}(?:[-/–]\d{2})?` +
	`|(?:over|within|in) the next \w+ (?:days|weeks|months|years)` +
	`|within \w+ (?:days|weeks|months|years)` +
	`|in the (?:first|second) half of (?:the )?\d{4}[-/–]\d{2}(?: year)?` +
	`|on an? (?:quarterly|monthly|annual|yearly|six-monthly) basis` +
	`)\b`)

// DeadlinePhrase finds the deadline wording inside a recommendation's text:
// "The MPS should complete this recommendation by April 2013." gives
// "by April 2013". It returns "" when the text sets no deadline.
func DeadlinePhrase(text string) string {
	return deadlinePhrase.FindString(text)
}

// SettleNew fills in what a new action leaves out: it has not started
// unless it says otherwise, and its due date is read from its wording
// ("within two months", from today) when no date is given.
func (a *Action) SettleNew(today time.Time) {
	if a.Status == "" {
		a.Status = ActNotStarted
	}
	if a.DueDate == nil && a.DueText != "" {
		if d, ok := ParseDeadline(a.DueText, today); ok {
			a.DueDate = &d
		}
	}
}

// SettleNew fills in what a new recommendation leaves out: it is open and
// not yet assessed unless it says otherwise, and its deadline is read from
// its wording ("by April 2013") as from the day it was made, its source's
// date, or else today.
func (r *Recommendation) SettleNew(sourceDate *time.Time, today time.Time) {
	if r.Status == "" {
		r.Status = RecOpen
	}
	if r.Assessment == "" {
		r.Assessment = AssessNone
	}
	if r.DeadlineDate == nil && r.DeadlineText != "" {
		ref := today
		switch {
		case r.MadeOn != nil:
			ref = *r.MadeOn
		case sourceDate != nil:
			ref = *sourceDate
		}
		if t, ok := ParseDeadline(r.DeadlineText, ref); ok {
			r.DeadlineDate = &t
		}
	}
}

package tracker

import (
	"fmt"
	"strings"
	"time"
)

// Elapsed says in words how long it is from one day to a later one, the
// way the pages and reports say how late or how old something is: days
// under 60 days ("1 day", "45 days"), otherwise whole calendar years and
// months ("2 months", "1 year", "13 years 6 months"). It is "" when to is
// not after from.
func Elapsed(from, to time.Time) string {
	from, to = Day(from), Day(to)
	if !to.After(from) {
		return ""
	}
	days := int(to.Sub(from).Hours() / 24)
	if days < 60 {
		return plural(days, "day")
	}
	months := (to.Year()-from.Year())*12 + int(to.Month()-from.Month())
	if addMonths(from, months).After(to) {
		months--
	}
	var parts []string
	if y := months / 12; y > 0 {
		parts = append(parts, plural(y, "year"))
	}
	if m := months % 12; m > 0 {
		parts = append(parts, plural(m, "month"))
	}
	return strings.Join(parts, " ")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

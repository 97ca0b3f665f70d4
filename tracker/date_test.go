package tracker

import (
	"errors"
	"testing"
	"time"
)

// TestParseDate lists every layout a person may type anywhere (forms, query
// strings, the API, the command line) and some that are refused, with the
// message the person sees.
func TestParseDate(t *testing.T) {
	may17 := time.Date(2022, time.May, 17, 0, 0, 0, 0, time.UTC)
	mar5 := time.Date(2024, time.March, 5, 0, 0, 0, 0, time.UTC)
	accepted := []struct {
		in   string
		want time.Time
	}{
		{"2022-05-17", may17},        // 2006-01-02, as a date input sends it
		{"17/05/2022", may17},        // 2/1/2006, day first
		{"5/3/2024", mar5},           // 2/1/2006 without leading zeros
		{"17 May 2022", may17},       // 2 January 2006
		{"17 may 2022", may17},       // month names in any case
		{"5 March 2024", mar5},       // 2 January 2006
		{"5 Mar 2024", mar5},         // 2 Jan 2006
		{"17th May 2022", may17},     // ordinal suffix dropped
		{"  17   May  2022 ", may17}, // spaces collapsed
		{"29/02/2024", time.Date(2024, time.February, 29, 0, 0, 0, 0, time.UTC)},
	}
	for _, c := range accepted {
		got, err := ParseDate(c.in)
		if err != nil || !got.Equal(c.want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	refused := []struct{ in, msg string }{
		{"", "Enter a date, like 17/05/2022 or 2022-05-17"},
		{"   ", "Enter a date, like 17/05/2022 or 2022-05-17"},
		{"next Tuesday", "“next Tuesday” is not a date; write it like 17/05/2022 or 2022-05-17"},
		{"31/02/2026", "“31/02/2026” is not a date: February 2026 has 28 days; write it like 17/05/2022 or 2022-05-17"},
		{"2023-02-29", "“2023-02-29” is not a date: February 2023 has 28 days; write it like 17/05/2022 or 2022-05-17"},
		{"05/17/2022", "“05/17/2022” is not a date: there is no month 17 (the day comes first); write it like 17/05/2022 or 2022-05-17"},
		{"17/05/22", "“17/05/22” is not a date; write it like 17/05/2022 or 2022-05-17"}, // two-digit years only in spreadsheets
		{"17-May-2022", "“17-May-2022” is not a date; write it like 17/05/2022 or 2022-05-17"},
		{"45560", "“45560” is not a date; write it like 17/05/2022 or 2022-05-17"}, // Excel serials only in spreadsheets
		{"2022-05-17T10:00:00Z", "“2022-05-17T10:00:00Z” is not a date; write it like 17/05/2022 or 2022-05-17"},
	}
	for _, c := range refused {
		got, err := ParseDate(c.in)
		var de *DateError
		if !errors.As(err, &de) || err.Error() != c.msg {
			t.Errorf("ParseDate(%q) = %v, %v; want the message %q", c.in, got, err, c.msg)
		}
	}
}

// TestParseISODate: the API's and the stored data's strict subset.
func TestParseISODate(t *testing.T) {
	if got, err := ParseISODate(" 2022-05-17 "); err != nil || !got.Equal(time.Date(2022, time.May, 17, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseISODate(2022-05-17) = %v, %v", got, err)
	}
	for _, c := range []struct{ in, msg string }{
		{"", "Enter a date, like 2022-05-17 (YYYY-MM-DD)"},
		{"17/05/2022", "“17/05/2022” is not a date; write it like 2022-05-17 (YYYY-MM-DD)"},
		{"17 May 2022", "“17 May 2022” is not a date; write it like 2022-05-17 (YYYY-MM-DD)"},
		{"2023-02-29", "“2023-02-29” is not a date: February 2023 has 28 days; write it like 2022-05-17 (YYYY-MM-DD)"},
		{"2022-13-01", "“2022-13-01” is not a date: there is no month 13; write it like 2022-05-17 (YYYY-MM-DD)"},
	} {
		if got, err := ParseISODate(c.in); err == nil || err.Error() != c.msg {
			t.Errorf("ParseISODate(%q) = %v, %v; want the message %q", c.in, got, err, c.msg)
		}
	}
}

// TestParseSpreadsheetDate lists the further layouts the importer reads, on
// top of every ParseDate layout, and what it still refuses.
func TestParseSpreadsheetDate(t *testing.T) {
	sep25 := time.Date(2024, time.September, 25, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{
		// every ParseDate layout
		"2024-09-25", "25/09/2024", "25 September 2024", "25 Sep 2024", "25th September 2024",
		// SpreadsheetDateLayouts, in order
		"2024-09-25 14:30", "2024-09-25 14:30:15", "2024-09-25T14:30:15+01:00", "2024-09-25T14:30:15",
		"25/09/2024", "25/9/24", "25/09/24", "25-9-2024", "25-09-2024", "25.9.2024", "25.09.2024",
		"25/9/2024 14:30", "25/09/2024 14:30", "25/09/2024 14:30:15",
		"25 Sep. 2024", "25-Sep-2024", "25-Sep-24", "25 September, 2024",
		"Wednesday 25 September 2024", "Wednesday, 25 September 2024", "Wed 25 Sep 2024",
		"September 25, 2024", "Sep 25, 2024", "2024/09/25",
		// an Excel serial
		"45560", "45560.5",
	} {
		got, err := ParseSpreadsheetDate(in)
		if err != nil || !got.Equal(sep25) {
			t.Errorf("ParseSpreadsheetDate(%q) = %v, %v; want 25 September 2024", in, got, err)
		}
	}
	for _, c := range []struct{ in, msg string }{
		{"", "Enter a date, like 17/05/2022 or 2022-05-17"},
		{"next Tuesday", "“next Tuesday” is not a date; write it like 17/05/2022 or 2022-05-17"},
		{"31/02/2026", "“31/02/2026” is not a date: February 2026 has 28 days; write it like 17/05/2022 or 2022-05-17"},
		{"12", "“12” is not a date; write it like 17/05/2022 or 2022-05-17"},       // too small for a serial
		{"99999", "“99999” is not a date; write it like 17/05/2022 or 2022-05-17"}, // past 2100
	} {
		got, err := ParseSpreadsheetDate(c.in)
		if err == nil || err.Error() != c.msg {
			t.Errorf("ParseSpreadsheetDate(%q) = %v, %v; want the message %q", c.in, got, err, c.msg)
		}
	}
}

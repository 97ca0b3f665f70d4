// Package importertest makes spreadsheets in the shapes real logs come in,
// for tests of the import through the store, the pages and the command
// line, and checks what the API then says about them.
package importertest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"strings"

	"github.com/civic-tracker/tracker/tracker"
)

// CityAuditRow is one row of a city auditor's export: one recommendation
// to one agency, with that agency's own response and status.
type CityAuditRow struct {
	AuditTitle, AuditNumber, Agency, DateIssued string
	// Text is the recommendation as the file holds it, \r\n and all.
	Text string
	// Response and Status are the file's own words; StatusDate is
	// YYYY-MM-DD, sometimes before DateIssued.
	Response, Status, StatusDate string
	// Number is the number the import makes with CityAuditNumber.
	Number string
}

// CityAuditHeader is the export's header row.
var CityAuditHeader = []string{"Audit Title", "Audit Number", "Agency", "Date Issued", "Recommendation", "Agency Response", "Implementation Status", "Status Date"}

// CityAuditNumber is the number template that numbers the export's
// recommendations: the audit number and the recommendation's place in it.
const CityAuditNumber = "{Audit Number}-{row}"

// CityAuditStatuses are the export's status words with the tracker's
// status each means in this office.
var CityAuditStatuses = map[string]string{
	"Implemented":           tracker.RecImplemented,
	"Partially Implemented": tracker.RecInProgress,
	"Pending":               tracker.RecInProgress,
	"Not Implemented":       tracker.RecOpen,
	"Closed – Superseded":   tracker.RecClosed,
}

// CityAuditResponses are the export's response words with the tracker's
// position each means.
var CityAuditResponses = map[string]string{
	"Agreed With":           tracker.PosAccepted,
	"Partially Agreed With": tracker.PosPartlyAccepted,
	"Disagreed With":        tracker.PosNotAccepted,
	"No Response":           tracker.PosNoted,
}

// ValuesFlags are the --values arguments that translate the export's
// words.
func ValuesFlags() []string {
	var st, pos []string
	for _, w := range sortedKeys(CityAuditStatuses) {
		st = append(st, w+":"+CityAuditStatuses[w])
	}
	for _, w := range sortedKeys(CityAuditResponses) {
		pos = append(pos, w+":"+CityAuditResponses[w])
	}
	return []string{"--values", "status=" + strings.Join(st, ","), "--values", "position=" + strings.Join(pos, ",")}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

var (
	cityAgencies = []string{"Department of Homeless Services", "Human Resources Administration", "Mayor’s Office of Contract Services",
		"Department of Parks and Recreation", "Department of Education"}
	cityStatusWords   = []string{"Implemented", "Pending", "Not Implemented", "Partially Implemented", "Closed – Superseded"}
	cityResponseWords = []string{"Agreed With", "Partially Agreed With", "Disagreed With", "Agreed With", "No Response"}
	cityTopics        = []string{"shelter budgets", "the “client census”", "inspection schedules", "tree-pruning cycles", "contract payments", "school meal audits"}
)

// CityAudit makes a city auditor's export of the given number of audits,
// the same every time: each audit has three to five recommendations, each
// made to one, two or three agencies (a row each) whose own statuses and
// responses differ; texts hold curly quotes and, every third one,
// sub-items a.–d. on lines of their own ending in \r\n; some status dates
// are before the audit was issued. It returns the rows and the file (CSV,
// with \r\n line ends).
func CityAudit(audits int) ([]CityAuditRow, []byte) {
	var rows []CityAuditRow
	k := 0
	for a := 0; a < audits; a++ {
		title := fmt.Sprintf("Audit of %s, part %d", cityTopics[a%len(cityTopics)], a+1)
		number := fmt.Sprintf("20%02d-N-%d", 15+a%9, a+1)
		issued := fmt.Sprintf("20%02d-%02d-%02d", 15+a%9, 1+a%12, 10+a%15)
		for r := 0; r < 3+a%3; r++ {
			text := fmt.Sprintf("The agencies should review %s (item %d) and report “what changed” to the Council’s committee.", cityTopics[(a+r)%len(cityTopics)], r+1)
			if r%3 == 2 {
				text = fmt.Sprintf("The agencies should, for %s:\r\na. publish the schedule;\r\nb. train the inspectors;\r\nc. keep “before and after” records;\r\nd. report the results – quarterly – to the Council’s committee.", cityTopics[(a+r)%len(cityTopics)])
			}
			for g := 0; g <= (a+r)%3; g++ {
				k++
				statusDate := fmt.Sprintf("20%02d-%02d-%02d", 16+a%9, 1+k%12, 1+k%28)
				if k%5 == 0 {
					// Recorded during the audit, before the report was issued.
					statusDate = fmt.Sprintf("20%02d-%02d-%02d", 14+a%9, 1+k%12, 1+k%28)
				}
				rows = append(rows, CityAuditRow{AuditTitle: title, AuditNumber: number, Agency: cityAgencies[(a+r+g)%len(cityAgencies)],
					DateIssued: issued, Text: text, Response: cityResponseWords[k%len(cityResponseWords)], Status: cityStatusWords[(k*3+g)%len(cityStatusWords)],
					StatusDate: statusDate, Number: fmt.Sprintf("%s-%d", number, r+1)})
			}
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	_ = w.Write(CityAuditHeader) // writing to memory cannot fail
	for _, r := range rows {
		_ = w.Write([]string{r.AuditTitle, r.AuditNumber, r.Agency, r.DateIssued, r.Text, r.Response, r.Status, r.StatusDate})
	}
	w.Flush()
	return rows, buf.Bytes()
}

package report_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/report"
)

// TestPDFStatusPerAddressee: Duty of Care recommendation 2 is made to the
// MPS and MOPAC. Once the MPS has implemented it (from 3 February 2014,
// typed in today), the source status report shows each one's own status
// and date, as at a day before that the MPS's earlier status, and the
// outstanding report no longer lists it under the MPS but still under
// MOPAC, with MOPAC's own status.
func TestPDFStatusPerAddressee(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	src := f.source(t, example.DutyOfCareTitle)
	items, _, err := f.s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: src, Page: tracker.AllRows})
	if err != nil {
		t.Fatal(err)
	}
	var rec tracker.Recommendation
	for _, it := range items {
		if it.Recommendation.Number == "2" {
			rec = it.Recommendation
		}
	}
	mps, err := f.s.FindOrganisationByName(ctx, "Metropolitan Police Service")
	if err != nil {
		t.Fatal(err)
	}
	own, _ := rec.StatusOf(mps.ID)
	done := time.Date(2014, 2, 3, 0, 0, 0, 0, time.UTC)
	if err := f.s.As(tracker.SystemUser()).SetAddresseeStatus(ctx, rec.ID, mps.ID,
		tracker.AddresseeStatusChange{Status: tracker.RecImplemented, On: &done, Version: own.Version}); err != nil {
		t.Fatal(err)
	}
	flat := func(pdf []byte) string { return strings.Join(strings.Fields(pdfText(t, pdf)), " ") }

	pdf, _ := f.render(t, report.Request{Kind: report.KindSource, SourceID: src})
	text := flat(pdf)
	inOrder(t, text, "source status", "Recommendation 2", "Status In progress",
		"Status by addressee Metropolitan Police Service: Implemented since 3 February 2014 Mayor's Office for Policing and Crime: Open",
		"Recommendation 3")
	pdf, _ = f.render(t, report.Request{Kind: report.KindSource, SourceID: src, AsAt: time.Date(2014, 1, 31, 0, 0, 0, 0, time.UTC)})
	inOrder(t, flat(pdf), "source status as at 31 January 2014", "Recommendation 2",
		"Status by addressee Metropolitan Police Service: In progress since 31 March 2013 Mayor's Office for Policing and Crime: Open")

	pdf, _ = f.render(t, report.Request{Kind: report.KindOutstanding})
	text = pdfText(t, pdf)
	mpsPart := strings.Join(strings.Fields(section(text, "Outstanding recommendations addressed to MPS")), " ") + " "
	mopacPart := strings.Join(strings.Fields(section(text, "Outstanding recommendations addressed to MOPAC")), " ")
	if !strings.Contains(mpsPart, "Recommendation 4 ") || strings.Contains(mpsPart, "Recommendation 2 ") {
		t.Error("the outstanding report still lists recommendation 2 under the MPS, which has implemented it")
	}
	if !strings.Contains(mopacPart, "Recommendation 2 The Met and MOPAC must maintain") || !strings.Contains(mopacPart, "date not set Open") {
		t.Errorf("the outstanding report does not list recommendation 2 under MOPAC as open: %q", mopacPart)
	}
}

// section is the text from heading up to the next "Outstanding
// recommendations addressed to" or "Open actions" heading.
func section(text, heading string) string {
	i := strings.Index(text, heading)
	if i < 0 {
		return ""
	}
	rest := text[i+len(heading):]
	end := len(rest)
	for _, next := range []string{"Outstanding recommendations addressed to", "Open actions"} {
		if j := strings.Index(rest, next); j >= 0 && j < end {
			end = j
		}
	}
	return rest[:end]
}

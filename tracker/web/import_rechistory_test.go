package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestImportRecommendationHistoryOnTheMappingScreen: a list of
// recommendations with one column per meeting, uploaded as it is. The
// mapping screen guesses both meeting columns as updates dated by their
// headers, and the owner; the import gives each addressee with updates a
// progress action on the recommendation, and the summary says so.
func TestImportRecommendationHistoryOnTheMappingScreen(t *testing.T) {
	e := newEnv(t, storetest.SQLite(t), 25)
	sec := e.login(admin)
	data := "Source,Issued by,Number,Recommendation,Addressee,Date made,Lead officer,Update March 2022,Update June 2022\r\n" +
		"Duty of Care,London Assembly,4,Set up a hotline for “Victim Support” enquiries.,Metropolitan Police Service,10/01/2022,Victim Care Lead,Draft written.,\"Hotline live – £250,000.\"\r\n" +
		"Duty of Care,London Assembly,4,Set up a hotline for “Victim Support” enquiries.,MOPAC,10/01/2022,,,Funding agreed.\r\n"
	page := sec.upload(map[string]string{"kind": "recommendations"}, "duty-of-care.csv", []byte(data), http.StatusOK)
	mustContain(t, text(page), "mapping screen", "Progress owner", "Latest update", "Update date", "Update of the date in its header")
	next, form := mappingForm(t, page)
	if form.Get("col-6") != "owner" || form.Get("col-7") != "history" || form.Get("col-8") != "history" {
		t.Errorf("guessed %v", form)
	}
	preview := sec.post(next, form, http.StatusOK)
	run, runVals := runForm(t, preview)
	done := text(sec.post(run, runVals, http.StatusOK))
	mustContain(t, done, "summary", "Import done", "Inserted 1 recommendation", "Progress actions created 2", "Progress updates added 3")

	acts, _, err := e.s.ListActions(context.Background(), tracker.ActionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range acts {
		if it.SourceTitle != "Duty of Care" {
			continue
		}
		n++
		if it.Action.Description != "Progress on recommendation 4 of “Duty of Care”" || it.RecommendationNumber != "4" {
			t.Errorf("action %q on %q", it.Action.Description, it.RecommendationNumber)
		}
		if strings.HasPrefix(it.Action.Organisation.Name, "Metropolitan") && it.Action.Owner != "Victim Care Lead" {
			t.Errorf("owner %q", it.Action.Owner)
		}
	}
	if n != 2 {
		t.Errorf("%d progress actions", n)
	}

	// A list with one row per update: its update and its date are guessed.
	perRow := "Source,Number,Recommendation,Addressee,Comments,Date updated\r\n" +
		"Duty of Care,4,Set up a hotline for “Victim Support” enquiries.,MOPAC,Funding agreed.,01/06/2022\r\n"
	page = sec.upload(map[string]string{"kind": "recommendations"}, "per-row.csv", []byte(perRow), http.StatusOK)
	if _, form := mappingForm(t, page); form.Get("col-4") != "update" || form.Get("col-5") != "update_date" {
		t.Errorf("guessed %v", form)
	}
}

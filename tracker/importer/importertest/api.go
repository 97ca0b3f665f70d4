package importertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
)

// apiRecommendation is what CheckCityAuditAPI reads of a recommendation
// in the API's answer.
type apiRecommendation struct {
	Number     string `json:"number"`
	Text       string `json:"text"`
	Status     string `json:"status"`
	Addressees []struct {
		Name       string  `json:"name"`
		Status     string  `json:"status"`
		StatusDate *string `json:"status_date"`
	} `json:"addressees"`
}

// get reads one API answer into out.
func get(t testing.TB, base, token, path string, out any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/api/v1"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, res.StatusCode)
	}
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// CheckCityAuditAPI reads every recommendation of the audits in rows
// through the API at base (GET /api/v1/recommendations?source=…, page by
// page) and checks each row byte for byte: the recommendation's text (the
// file's \r\n read as a line break, as the importer counts), and the row's
// agency's own status and status date, and each recommendation's overall
// status by the written rule. It returns the number of rows checked.
func CheckCityAuditAPI(t testing.TB, base, token string, rows []CityAuditRow) int {
	t.Helper()
	var sources struct {
		Items []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
	}
	get(t, base, token, "/sources?per_page=200", &sources)
	ids := map[string]int64{}
	for _, s := range sources.Items {
		ids[s.Title] = s.ID
	}
	got := map[string]map[string]apiRecommendation{}
	for _, r := range rows {
		if got[r.AuditTitle] != nil {
			continue
		}
		id, ok := ids[r.AuditTitle]
		if !ok {
			t.Errorf("the API lists no source “%s”", r.AuditTitle)
			continue
		}
		got[r.AuditTitle] = map[string]apiRecommendation{}
		for page := 1; ; page++ {
			var list struct {
				Items []apiRecommendation `json:"items"`
				Total int                 `json:"total"`
			}
			get(t, base, token, "/recommendations?"+url.Values{"source": {fmt.Sprint(id)}, "per_page": {"2"}, "page": {fmt.Sprint(page)}}.Encode(), &list)
			for _, it := range list.Items {
				got[r.AuditTitle][it.Number] = it
			}
			if len(list.Items) == 0 || len(got[r.AuditTitle]) >= list.Total {
				break
			}
		}
	}
	checked := 0
	perRec := map[string][]string{}
	for _, r := range rows {
		rec, ok := got[r.AuditTitle][r.Number]
		if !ok {
			t.Errorf("row %s %s: the API has no such recommendation", r.AuditTitle, r.Number)
			continue
		}
		if want := strings.ReplaceAll(r.Text, "\r\n", "\n"); rec.Text != want {
			t.Errorf("%s %s: text %q, want %q", r.AuditTitle, r.Number, rec.Text, want)
		}
		found := false
		for _, a := range rec.Addressees {
			if a.Name != r.Agency {
				continue
			}
			found = true
			date := ""
			if a.StatusDate != nil {
				date = *a.StatusDate
			}
			if a.Status != CityAuditStatuses[r.Status] || date != r.StatusDate {
				t.Errorf("%s %s, %s: status %s of %s, want %s of %s", r.AuditTitle, r.Number, r.Agency, a.Status, date, CityAuditStatuses[r.Status], r.StatusDate)
			}
		}
		if !found {
			t.Errorf("%s %s: %s is not among its addressees %+v", r.AuditTitle, r.Number, r.Agency, rec.Addressees)
		}
		key := r.AuditTitle + "\x00" + r.Number
		perRec[key] = append(perRec[key], CityAuditStatuses[r.Status])
		checked++
	}
	for key, statuses := range perRec {
		title, number, _ := strings.Cut(key, "\x00")
		rec := got[title][number]
		if len(rec.Addressees) != len(statuses) || rec.Status != tracker.DerivedStatus(statuses, "") {
			t.Errorf("%s %s: %d addressees, overall %s; want %d, %s", title, number, len(rec.Addressees), rec.Status, len(statuses), tracker.DerivedStatus(statuses, ""))
		}
	}
	return checked
}

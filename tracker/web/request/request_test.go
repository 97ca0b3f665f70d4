package request

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/gin-gonic/gin"
)

func ctxFor(target string) *gin.Context {
	c, _ := gin.CreateTestContext(httptest.NewRecorder())
	c.Request = httptest.NewRequest("GET", target, nil)
	return c
}

// TestBindQueryNamesTheFieldItCannotRead: a value that does not fit its
// field is reported by the field's name, and the others are still read.
func TestBindQueryNamesTheFieldItCannotRead(t *testing.T) {
	var q ActionQuery
	errs := BindQuery(ctxFor("/actions?due_within=abc&overdue=maybe&owner=DS+Crime&org=7&changed_since=2022-05-17"), &q)
	if errs["due_within"] != "Enter a whole number, like 30" || errs["overdue"] != "Choose yes or no" || len(errs) != 2 {
		t.Errorf("errors %v", errs)
	}
	if q.Owner != "DS Crime" || q.Org != 7 || q.Since != "2022-05-17" || q.DueWithin != 0 {
		t.Errorf("read %+v", q)
	}
}

// TestChangedSinceReadsTheOlderName: ?since= still filters, as
// ?changed_since= does, and the new name wins when both are given.
func TestChangedSinceReadsTheOlderName(t *testing.T) {
	for target, want := range map[string]string{
		"/x?since=2022-05-17":                          "2022-05-17",
		"/x?changed_since=2022-05-18&since=2022-05-17": "2022-05-18",
		"/x": "",
	} {
		if got := ChangedSince(ctxFor(target)); got != want {
			t.Errorf("%s: %q, want %q", target, got, want)
		}
	}
	if _, msg := SinceOf("31/02/2026"); msg == "" {
		t.Error("31 February was read as a day")
	}
}

// TestCheckUpdate: a progress update needs a real date not after today and
// some text; RAG "keep" leaves the rating alone.
func TestCheckUpdate(t *testing.T) {
	today := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	ch, errs := CheckUpdate(UpdateForm{Version: 3, Date: "17/05/2022", Text: " Victims’ Code – £250,000 ", RAG: KeepRAG}, today)
	if len(errs) != 0 || ch.RAG != nil || ch.Text != "Victims’ Code – £250,000" || ch.Date.Format("2006-01-02") != "2022-05-17" || ch.Version != 3 {
		t.Errorf("%+v %v", ch, errs)
	}
	_, errs = CheckUpdate(UpdateForm{Date: "24/11/2026", Status: "nonsense", RAG: "purple"}, today)
	for _, f := range []string{"date", "text", "status", "rag"} {
		if errs[f] == "" {
			t.Errorf("no error at %s: %v", f, errs)
		}
	}
}

// TestJSONControlNamesWhereItIs: a control character in a JSON body is
// found and named by its path.
func TestJSONControlNamesWhereItIs(t *testing.T) {
	field, msg, bad := JSONControl([]byte(`{"title":"ok","addressees":["a","b\u0007"]}`))
	if !bad || field != "addressees[1]" || msg == "" {
		t.Errorf("%q %q %v", field, msg, bad)
	}
	if _, _, bad := JSONControl([]byte(`{"text":"line one\nline two\t<b>Ⅱ</b>"}`)); bad {
		t.Error("line breaks, tabs and angle brackets are text, not control characters")
	}
}

// TestIDParam: only a positive whole number is an id.
func TestIDParam(t *testing.T) {
	for v, ok := range map[string]bool{"12": true, "0": false, "-3": false, "1e3": false, "99999999999999999999": false} {
		c := ctxFor("/")
		c.Params = gin.Params{{Key: "id", Value: v}}
		if _, err := IDParam(c); (err == nil) != ok {
			t.Errorf("%s: %v", v, err)
		}
	}
}

// TestAddresseeParam: only an addressee of the recommendation, by its id,
// is found.
func TestAddresseeParam(t *testing.T) {
	r := tracker.Recommendation{Statuses: []tracker.AddresseeStatus{{Organisation: tracker.Organisation{ID: 7}}}}
	for v, ok := range map[string]bool{"7": true, "8": false, "seven": false, "": false} {
		c := ctxFor("/")
		c.Params = gin.Params{{Key: "org", Value: v}}
		if org, err := AddresseeParam(c, r); (err == nil) != ok || (ok && org != 7) || (!ok && !errors.Is(err, tracker.ErrNotFound)) {
			t.Errorf("%q: %d %v", v, org, err)
		}
	}
}

package web_test

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestLimitsAndAnswers: over-long texts and forms are refused with the
// limit named, huge page numbers neither panic nor wrap, a malformed filter
// is explained to the person, and HEAD answers as GET does.
func TestLimitsAndAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	c := e.login(editorCoL)
	a := e.actionOf(colpOrg)
	path := "/actions/" + strconv.FormatInt(a.ID, 10) + "/updates"

	// A text over the cap: 422 naming the cap, nothing stored.
	long := strings.Repeat("x", tracker.MaxTextLength+1)
	page := text(c.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "date": {storetest.ISO(-1)}, "text": {long}, "rag": {"green"}},
		http.StatusUnprocessableEntity))
	mustContain(t, page, "long text", strconv.Itoa(tracker.MaxTextLength), `"text"`)
	if after := e.actionOf(colpOrg); after.Version != a.Version {
		t.Errorf("an over-long update was stored")
	}
	r := e.api(editorCoL).call("POST", path, `{"date":"`+storetest.ISO(-1)+`","text":"`+long+`","rag":"green"}`, http.StatusUnprocessableEntity)
	fieldErrors(t, "API long text", r, "text")

	// A big form sent in chunks, with no length: 413, not "expired".
	form := url.Values{"csrf_token": {c.csrf}, "version": {strconv.Itoa(a.Version)}, "text": {strings.Repeat("y", 5<<20)}}.Encode()
	req, _ := http.NewRequest("POST", e.ts.URL+path, io.MultiReader(strings.NewReader(form)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(b), "4 MB") {
		t.Errorf("chunked big form = %d\n%.500s", res.StatusCode, text(string(b)))
	}

	// Huge page numbers.
	api := e.api(viewer)
	for _, list := range []string{"/organisations", "/actions", "/recommendations", "/sources", "/references", "/measures"} {
		for _, p := range []string{"9223372036854775807", "99999999999999999999", "0", "-1", "two"} {
			r := api.call("GET", list+"?page="+p, "", http.StatusUnprocessableEntity)
			fieldErrors(t, list+" page "+p, r, "page")
		}
		api.call("GET", list+"?page=1000000", "", http.StatusOK)
	}
	for _, list := range []string{"/actions", "/recommendations", "/sources", "/organisations"} {
		c.get(list+"?page=9223372036854775807", http.StatusOK)
		c.get(list+"?page=99999999999999999999", http.StatusOK)
	}

	// A malformed filter is explained, not Go's error.
	for _, list := range []string{"/actions", "/recommendations"} {
		r := api.call("GET", list+"?overdue=maybe", "", http.StatusUnprocessableEntity)
		fieldErrors(t, list+" overdue", r, "overdue")
		if strings.Contains(string(r.raw), "strconv") || !strings.Contains(string(r.raw), "true or false") {
			t.Errorf("%s?overdue=maybe: %s", list, r.raw)
		}
	}

	// HEAD answers as GET, without a body.
	for _, p := range []string{"/", "/actions", "/sources/1", "/healthz"} {
		req, _ := http.NewRequest("HEAD", e.ts.URL+p, nil)
		res, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || len(b) != 0 {
			t.Errorf("HEAD %s = %d with %d bytes", p, res.StatusCode, len(b))
		}
	}
	if s := e.anonymous().status("HEAD", "/login", nil); s != http.StatusOK {
		t.Errorf("HEAD /login = %d", s)
	}
}

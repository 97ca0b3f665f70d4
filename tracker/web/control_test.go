package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestControlCharactersRefusedAtTheEdge: a NUL or other control character
// in a query string, form or JSON body is refused with the field named, on
// both databases, before PostgreSQL can answer 500. Tab and line breaks
// pass.
func TestControlCharactersRefusedAtTheEdge(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		c := e.login(editorCoL)

		// Query strings: 400, naming the parameter.
		page := text(c.get("/actions?owner=x%00", http.StatusBadRequest))
		mustContain(t, page, "query", `"owner"`, "invisible control character")
		c.get("/search?q=a%01b", http.StatusBadRequest)
		c.get("/actions?owner=x%09y", http.StatusOK)
		api := e.api(editorCoL)
		r := api.call("GET", "/actions?owner=x%00", "", http.StatusBadRequest)
		fieldErrors(t, "API query", r, "owner")

		// Forms: 422, naming the field; nothing stored.
		a := e.actionOf(colpOrg)
		path := "/actions/" + strconv.FormatInt(a.ID, 10) + "/updates"
		page = text(c.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "date": {storetest.ISO(-1)},
			"text": {"Owner changed\x00"}, "rag": {"green"}}, http.StatusUnprocessableEntity))
		mustContain(t, page, "form", `"text"`, "invisible control character")
		if after := e.actionOf(colpOrg); after.Version != a.Version {
			t.Errorf("a refused form changed the action")
		}
		c.post(path, url.Values{"version": {strconv.Itoa(a.Version)}, "date": {storetest.ISO(-1)},
			"text": {"Line one\r\nline\ttwo"}, "rag": {"green"}}, http.StatusSeeOther)

		// Sign-in: a NUL in the email address is refused, not a 500.
		anon := e.anonymous()
		token := csrfInput.FindStringSubmatch(anon.get("/login", http.StatusOK))[1]
		anon.do("POST", "/login", url.Values{"email": {"x\x00@example.org"}, "password": {"p"}, "csrf_token": {token}}, http.StatusUnprocessableEntity)

		// JSON bodies: 422, naming the field.
		r = api.call("POST", "/actions/"+strconv.FormatInt(a.ID, 10)+"/updates",
			`{"date":"`+storetest.ISO(-1)+`","text":"bad \u0000 text","rag":"green"}`, http.StatusUnprocessableEntity)
		fieldErrors(t, "API body", r, "text")
	})
}

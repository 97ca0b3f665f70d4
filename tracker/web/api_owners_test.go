package web_test

import (
	"net/http"
	"strconv"
	"testing"

	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestAPIOwnersArePeople: an action's owner, kept as written, can be linked
// to an account and an email address through the API; ?person= lists the
// actions linked to an account; an account that does not exist or an
// address that is not one is a 422 at its field; null unlinks.
func TestAPIOwnersArePeople(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		ed := e.api(editorCoL)
		colp := e.orgs["City of London Police"].ID
		viewerID := strconv.FormatInt(e.users[viewer].ID, 10)
		r := ed.call("POST", "/actions", jsonOf(t, map[string]any{"organisation_id": colp, "description": "Brief the Victims’ Code leads",
			"owner": "DS Ⅱ <Jo Bloggs>", "owner_user_id": e.users[viewer].ID, "owner_email": "Jo.Bloggs@Example.org"}), http.StatusCreated)
		id := idOf(r)
		exact(t, "created", r, `"owner":"DS Ⅱ \u003cJo Bloggs\u003e"`, `"owner_user_id":`+viewerID, `"owner_email":"jo.bloggs@example.org"`)
		r = ed.call("GET", "/actions?person="+viewerID, "", http.StatusOK)
		if ids := listIDs(r); len(ids) != 1 || ids[0] != id {
			t.Errorf("person filter = %v, want [%d]", ids, id)
		}
		r = ed.call("POST", "/actions", jsonOf(t, map[string]any{"organisation_id": colp, "description": "x", "owner_user_id": 999999}), http.StatusUnprocessableEntity)
		fieldErrors(t, "no such account", r, "owner_user_id")
		r = ed.call("POST", "/actions", jsonOf(t, map[string]any{"organisation_id": colp, "description": "x", "owner_email": "not an address"}), http.StatusUnprocessableEntity)
		fieldErrors(t, "not an address", r, "owner_email")
		r = ed.call("PATCH", path("/actions", id), `{"version": 1, "owner_user_id": 999999}`, http.StatusUnprocessableEntity)
		fieldErrors(t, "unknown account", r, "owner_user_id")
		r = ed.call("PATCH", path("/actions", id), `{"version": 1, "owner_user_id": null, "owner_email": ""}`, http.StatusOK)
		exact(t, "unlinked", r, `"owner_user_id":null`, `"owner_email":""`, `"owner":"DS Ⅱ \u003cJo Bloggs\u003e"`)
		r = ed.call("GET", "/actions?person="+viewerID, "", http.StatusOK)
		if ids := listIDs(r); len(ids) != 0 {
			t.Errorf("after unlinking, person filter = %v", ids)
		}
	})
}

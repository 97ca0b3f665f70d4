package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestActionOwnerLinked: an action's owner keeps its text and can also be
// linked to an account and an email address, on the action's edit form and
// when an action is added under a recommendation; a bad address or an
// account that does not exist is an error at its field, and nothing is
// saved; the action page shows the links.
func TestActionOwnerLinked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		ctx := context.Background()
		colp := e.login(editorCoL)
		a := e.actionOf(colpOrg)
		edit := "/actions/" + strconv.FormatInt(a.ID, 10) + "/edit"
		me := strconv.FormatInt(e.users[editorCoL].ID, 10)

		page := colp.get(edit, http.StatusOK)
		mustContain(t, page, "edit form", `<label for="owner_user_id">Owner’s account`, `<option value="`+me+`">D/Supt Crime (editor-colp@example.org)</option>`,
			`<label for="owner_email">Owner’s email address`)

		form := func(user, email string) url.Values {
			cur, _ := s.Action(ctx, a.ID)
			return url.Values{"version": {strconv.Itoa(cur.Action.Version)}, "description": {cur.Action.Description}, "organisation": {strconv.FormatInt(cur.Action.OrganisationID, 10)},
				"owner": {"Jo Bloggs, Victims’ Code lead <CoLP>"}, "owner_user_id": {user}, "owner_email": {email}}
		}
		for _, bad := range []struct{ user, email, field, want string }{
			{"", "not an address", "owner_email", "Enter the owner’s email address, like name@example.org, or leave it empty"},
			{"999999", "", "owner_user_id", "Choose the owner’s account from the list, or none"},
			{"abc", "", "owner_user_id", "Choose from the list"},
		} {
			page := colp.post(edit, form(bad.user, bad.email), http.StatusUnprocessableEntity)
			mustContain(t, page, bad.field, `<a href="#`+bad.field+`">`+bad.want, `id="`+bad.field+`-error"`, `value="Jo Bloggs, Victims’ Code lead &lt;CoLP&gt;"`)
		}
		if cur, _ := s.Action(ctx, a.ID); cur.Action.OwnerUserID != nil || cur.Action.OwnerEmail != "" || cur.Action.Owner == "Jo Bloggs, Victims’ Code lead <CoLP>" {
			t.Fatalf("a refused form saved: %+v", cur.Action)
		}

		colp.post(edit, form(me, " Jo.Bloggs@Example.ORG "), http.StatusSeeOther)
		cur, _ := s.Action(ctx, a.ID)
		if cur.Action.OwnerUserID == nil || *cur.Action.OwnerUserID != e.users[editorCoL].ID || cur.Action.OwnerEmail != "jo.bloggs@example.org" || cur.Action.Owner != "Jo Bloggs, Victims’ Code lead <CoLP>" {
			t.Fatalf("saved owner: %+v", cur.Action)
		}
		page = text(colp.get("/actions/"+strconv.FormatInt(a.ID, 10), http.StatusOK))
		mustContain(t, page, "action page", "Owner Jo Bloggs, Victims’ Code lead <CoLP>", "Owner’s account D/Supt Crime (editor-colp@example.org)", "Owner’s email address jo.bloggs@example.org")

		// Adding an action under MPS Recommendation 4.
		mps := e.login(editorMPS)
		mpsID := strconv.FormatInt(e.users[editorMPS].ID, 10)
		add := url.Values{"organisation": {strconv.FormatInt(e.orgs[mpsOrg].ID, 10)}, "description": {"Brief the Victims’ Code leads"},
			"owner": {"MPS Victim Care Lead"}, "owner_user_id": {mpsID}, "owner_email": {"care lead"}, "due_text": {"within two months"}}
		page = mps.post("/recommendations/4/actions", add, http.StatusUnprocessableEntity)
		mustContain(t, page, "add form", `<a href="#owner_email">Enter the owner’s email address`, `value="care lead"`, `<option value="`+mpsID+`" selected>`)
		add.Set("owner_email", "")
		mps.post("/recommendations/4/actions", add, http.StatusSeeOther)
		items, _, err := s.ListActions(ctx, tracker.ActionFilter{Person: e.users[editorMPS].ID, Page: tracker.AllRows})
		if err != nil || len(items) != 1 || items[0].Action.Description != "Brief the Victims’ Code leads" {
			t.Fatalf("the new action by person: %v %v", items, err)
		}
	})
}

// TestActionLogPersonFilter: the action log filters by the account an
// owner is linked to, and carries the filter to its CSV and PDF.
func TestActionLogPersonFilter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 100)
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "test", Channel: tracker.ChannelCommand})
		a := e.actionOf(colpOrg)
		jo := e.users[editorCoL]
		a.OwnerUserID = &jo.ID
		if _, err := s.As(tracker.SystemUser()).UpdateActionDetails(ctx, a); err != nil {
			t.Fatal(err)
		}
		c := e.login(viewer)
		id := strconv.FormatInt(jo.ID, 10)
		page := c.get("/actions?person="+id, http.StatusOK)
		mustContain(t, page, "filtered log", `<label for="f-person">Person</label>`, `<option value="`+id+`" selected>`, `/actions/`+strconv.FormatInt(a.ID, 10)+`"`,
			`<input type="hidden" name="person" value="`+id+`">`, `/actions.csv?person=`+id)
		mustContain(t, text(page), "count", "Showing 1 to 1 of 1 action")

		csv := c.get("/actions.csv?person="+id, http.StatusOK)
		if n := strings.Count(strings.TrimSpace(csv), "\n"); n != 1 || !strings.Contains(csv, firstLine(a.Description)) {
			t.Errorf("CSV for the person has %d rows:\n%s", n, csv)
		}

		page = c.get("/actions?person=someone", http.StatusOK)
		mustContain(t, page, "bad person", `<a href="#f-person">Choose a person from the list`, `id="f-person-error"`)

		pdftotext, err := exec.LookPath("pdftotext")
		if err != nil {
			if storetest.RequirePostgres() {
				t.Fatal("pdftotext (poppler-utils) is required when CI=true")
			}
			t.Skip("pdftotext not found: the PDF cannot be read back")
		}
		pdf := c.pdfText(t, pdftotext, "/reports/actions.pdf?person="+id)
		mustContain(t, pdf, "PDF", "owned by D/Supt Crime", firstWords(a.Description, 4))
	})
}

func firstLine(s string) string { return strings.SplitN(s, "\n", 2)[0] }

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) > n {
		w = w[:n]
	}
	return strings.Join(w, " ")
}

package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// TestPageCacheFollowsChanges: a list page kept in the page cache is served
// from it while nothing changes, and shows a change the moment it is
// committed, whether this server or another on the same database made it.
func TestPageCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s, 25)
		// A second server on the same database, as behind a load balancer.
		other, err := web.New(web.Options{Store: s, Now: func() time.Time { return today }, PageSize: 25,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			t.Fatal(err)
		}
		ts := httptest.NewServer(other.Handler())
		t.Cleanup(ts.Close)
		board := e.login(viewer)
		a := e.actionOf(colpOrg)
		list := "/actions?org=" + strconv.FormatInt(a.OrganisationID, 10)

		first := board.get(list, http.StatusOK)
		for _, p := range []string{"/", "/sources", "/recommendations", "/references"} {
			board.get(p, http.StatusOK)
		}
		hits0, kept0 := e.srv.PageCacheCounts()
		if again := board.get(list, http.StatusOK); again != first {
			t.Errorf("the second answer differs from the first though nothing changed")
		}
		hits1, _ := e.srv.PageCacheCounts()
		if s.Dialect() == store.SQLite && (kept0 < 5 || hits1 != hits0+1) {
			// On PostgreSQL a page is kept only when no transaction was
			// writing anywhere on the server, which other tests may be.
			t.Errorf("kept %d pages and served %d from the cache, want 5 kept and 1 served", kept0, hits1-hits0)
		}

		// The chair posts an update through the other server.
		signedIn := e.login(editorCoL)
		chair := &client{e: &env{t: t, ts: ts, s: s}, http: signedIn.http, csrf: signedIn.csrf}
		note := "Cached pages see this “Victims’ Code” note <at once>"
		chair.post("/actions/"+strconv.FormatInt(a.ID, 10)+"/updates",
			url.Values{"version": {strconv.Itoa(a.Version)}, "date": {storetest.ISO(0)}, "text": {note}, "rag": {"amber"}}, http.StatusSeeOther)
		mustContain(t, board.get(list, http.StatusOK), "the action log after an update on another server",
			"Cached pages see this “Victims’ Code” note &lt;at once&gt;")

		// A new source shows on the lists at once too.
		title := "Inspection of Ⅱ cached lists"
		adm := e.users[admin]
		if _, err := s.As(&adm).CreateSource(context.Background(), tracker.Source{Title: title, Kind: tracker.KindCommitteeReport, IssuedByID: a.OrganisationID}); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/sources", "/recommendations"} {
			mustContain(t, board.get(p, http.StatusOK), p+" after a new source", title)
		}
	})
}

// TestPageCacheKeepsPeopleApart: a kept body is served only to those who
// would see the same, in their own frame: their name, their form token and
// their own open actions.
func TestPageCacheKeepsPeopleApart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	sec, board, chair := e.login(secretary), e.login(viewer), e.login(editorCoL)
	for _, p := range []string{"/sources", "/references"} {
		mustContain(t, sec.get(p, http.StatusOK), p+" for a secretary", `class="button" href="`+p+`/new"`)
		page := board.get(p, http.StatusOK)
		if strings.Contains(page, p+`/new"`) {
			t.Errorf("%s: the board member is offered adding, kept from the secretary's page", p)
		}
		mustContain(t, page, p+" for the board member", "Board Member", `name="csrf_token" value="`+board.csrf+`"`)
		if strings.Contains(page, sec.csrf) || strings.Contains(page, "Committee Secretary") {
			t.Errorf("%s: the board member's page carries the secretary's token or name", p)
		}
	}
	// The overview is one body for all, each in their own frame.
	n, err := e.s.CountActions(context.Background(), tracker.ActionFilter{OwnedBy: []string{"D/Supt Crime", editorCoL + "@example.org"}, Open: true, Today: today})
	if err != nil {
		t.Fatal(err)
	}
	board.get("/", http.StatusOK)
	mustContain(t, chair.get("/", http.StatusOK), "the chair's overview", "D/Supt Crime",
		`id="my-actions-count">`+strconv.FormatInt(n, 10)+`<`)
	// "My actions" is each person's own list.
	mineBoard := board.get("/actions?mine=true&open=true", http.StatusOK)
	mineChair := chair.get("/actions?mine=true&open=true", http.StatusOK)
	if n > 0 && mineBoard == mineChair {
		t.Errorf("the board member was shown the chair's own actions")
	}
}

// TestPageCacheWaitsForWritesInFlight: on PostgreSQL a transaction can take
// its audit event's id before another that commits first. A page read
// while the first is still writing must not be kept under the second's
// version, or it would still be served, without the first's change, once
// that commits.
func TestPageCacheWaitsForWritesInFlight(t *testing.T) {
	t.Parallel()
	s := storetest.OpenMigrated(t, storetest.PostgresMigratedDSN(t))
	e := newEnv(t, s, 25)
	board := e.login(viewer)
	ctx := context.Background()
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- s.Tx(ctx, func(tx *store.Store) error {
			if _, err := tx.EnsureOrganisation(ctx, tracker.Organisation{Name: "Ombudsman Ⅱ, first to write"}); err != nil {
				return err
			}
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	// Another kind of item, so that the two share no summary row to wait on.
	adm := e.users[admin]
	if _, err := s.As(&adm).CreateSource(ctx, tracker.Source{Title: "Review, first to commit", Kind: tracker.KindCommitteeReport,
		IssuedByID: e.orgs[colpOrg].ID}); err != nil {
		t.Fatal(err)
	}
	_, kept0 := e.srv.PageCacheCounts()
	mustContain(t, board.get("/recommendations", http.StatusOK), "the filter while the first is writing", "Review, first to commit")
	if _, kept := e.srv.PageCacheCounts(); kept != kept0 {
		t.Errorf("a page was kept while a transaction was writing")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mustContain(t, board.get("/recommendations", http.StatusOK), "the filter once both committed", "Ombudsman Ⅱ, first to write")
}

package web_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// TestExportImportRoundTrip exports the example tracker's recommendations
// (CSV) and action log (XLSX), imports both into an empty tracker with the
// mapping guessed from the headers, and exports that again: the files hold
// the same content.
func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, empty *store.Store) {
		e := newEnv(t, storetest.SQLite(t), 25)
		c := e.login(viewer)
		download := func(base, path string, cl *http.Client) []byte {
			res, err := cl.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", path, res.StatusCode)
			}
			return b
		}
		recs := download(e.ts.URL, "/recommendations.csv", c.http)
		// Action imports link to sources and recommendations already there;
		// the board letter's actions belong to a reference, which lists do
		// not carry (the whole-tracker backup does), so they stay out.
		titles := []string{}
		var actFiles [][]byte
		for _, id := range []string{"1", "2"} {
			src, err := e.s.Source(context.Background(), int64(id[0]-'0'))
			if err != nil {
				t.Fatal(err)
			}
			titles = append(titles, src.Title)
			actFiles = append(actFiles, download(e.ts.URL, "/actions.xlsx?sort=owner&source="+id, c.http))
		}

		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Round trip", Channel: tracker.ChannelImport})
		load := func(kind importer.Kind, data []byte) importer.Summary {
			tbl, err := importer.Read(bytes.NewReader(data), importer.ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			b, err := importer.Validate(kind, tbl, importer.GuessMapping(kind, tbl.Headers), importer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			sum, err := empty.Import(ctx, b, store.ImportOptions{})
			if err != nil {
				t.Fatalf("import %s: %v %+v", kind, err, sum.Errors)
			}
			return sum
		}
		rs := load(importer.KindRecommendations, recs)
		for _, f := range actFiles {
			load(importer.KindActions, f)
		}
		if rs.Inserted != 13 {
			t.Errorf("%d recommendations imported, want 13", rs.Inserted)
		}

		// The same export from the new tracker.
		e2 := bareEnv(t, empty)
		c2 := e2.login(viewer)
		recs2 := download(e2.ts.URL, "/recommendations.csv", c2.http)
		if !bytes.Equal(recs, recs2) {
			t.Errorf("recommendations differ after the round trip:\n%s", firstDiff(string(recs), string(recs2)))
		}
		for i, title := range titles {
			src, err := empty.FindSourceByTitle(context.Background(), title)
			if err != nil {
				t.Fatal(err)
			}
			acts1 := download(e.ts.URL, "/actions.csv?sort=owner&source="+strconv.Itoa(i+1), c.http)
			acts2 := download(e2.ts.URL, "/actions.csv?sort=owner&source="+strconv.FormatInt(src.ID, 10), c2.http)
			if !bytes.Equal(acts1, acts2) || len(acts1) < 500 {
				t.Errorf("actions of %s differ after the round trip:\n%s", title, firstDiff(string(acts1), string(acts2)))
			}
		}
		// Re-importing the same files changes nothing.
		if rs2 := load(importer.KindRecommendations, recs); rs2.Inserted != 0 || rs2.Updated != 0 {
			t.Errorf("a second import changed things: %+v", rs2)
		}
	})
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) && i < len(bl); i++ {
		if al[i] != bl[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + al[i] + "\n+ " + bl[i]
		}
	}
	return "lengths " + strconv.Itoa(len(al)) + " and " + strconv.Itoa(len(bl))
}

// bareEnv serves a store as it is, with only a viewer's account added.
func bareEnv(t *testing.T, s *store.Store) *env {
	e := &env{t: t, s: s, users: map[string]tracker.User{}, orgs: map[string]tracker.Organisation{}}
	u, err := s.CreateUser(context.Background(), tracker.User{Email: viewer + "@example.org", Name: "Board Member", Role: tracker.RoleViewer}, password)
	if err != nil {
		t.Fatal(err)
	}
	e.users[viewer] = u
	srv, err := web.New(web.Options{Store: s, Now: func() time.Time { return today }, PageSize: 25, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

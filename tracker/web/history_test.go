package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestReferenceHistoryInWords: a reference's History names the recommendations it
// covers and the reason given, never their ids or "(empty)".
func TestReferenceHistoryInWords(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25)
	ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Committee Secretary", Channel: tracker.ChannelPage})
	d, err := e.s.ReferenceDetail(ctx, 1)
	if err != nil || len(d.Recommendations) < 2 {
		t.Fatalf("reference 1: %v, %d recommendations", err, len(d.Recommendations))
	}
	first := d.Recommendations[0].Recommendation
	if _, err := e.s.UpdateReference(ctx, d.Reference, []int64{first.ID}, "Only the first is still outstanding – “agreed”"); err != nil {
		t.Fatal(err)
	}
	page := text(e.login(viewer).get("/references/1", http.StatusOK))
	history := page[strings.Index(page, "History"):]
	mustContain(t, history, "History", "recommendations : was Recommendation "+first.Number+" of "+d.Recommendations[0].Source.Title,
		"now Recommendation "+first.Number+" of ", "reason : Only the first is still outstanding – “agreed”")
	for _, raw := range []string{"(empty)", "[" + strconv.FormatInt(first.ID, 10), "was not set → now Only"} {
		if strings.Contains(history, raw) {
			t.Errorf("the History shows %q", raw)
		}
	}
}

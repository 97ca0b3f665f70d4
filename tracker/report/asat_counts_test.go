package report_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/report"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestPDFCountsAsAt: what the PDFs print as at a day (the status report's
// addressees and its counts by status and by RAG rating, the outstanding
// report's summary, the action log filtered by "changed since") is what a
// recount of the tracker's rows as at that day gives, not what today's
// tallies say. After the example is loaded, a Duty of Care recommendation
// is addressed to the Home Office, another closed, an action completed
// and another made, all today.
func TestPDFCountsAsAt(t *testing.T) {
	t.Parallel()
	fonts, err := report.LoadFonts("")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Committee Secretary", Channel: tracker.ChannelPage})
		if _, err := example.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
		src, err := s.FindSourceByTitle(ctx, example.DutyOfCareTitle)
		if err != nil {
			t.Fatal(err)
		}
		changeDutyOfCareToday(t, s, ctx, src.ID)
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
		for _, asAt := range []time.Time{day(2013, 6, 30), day(2013, 7, 31), day(2013, 12, 31), storetest.Day(-1)} {
			what := tracker.FormatDate(asAt)
			since := asAt.AddDate(0, 0, -30)
			want := recountAsAt(t, s, ctx, asAt, src.ID, since)

			pdf, _ := renderAsAt(t, s, fonts, report.Request{Kind: report.KindSource, SourceID: src.ID, AsAt: asAt})
			text := flat(pdfText(t, pdf))
			if !strings.Contains(text, "Addressed to "+want.addressedTo+" Status as at") {
				t.Errorf("%s: the status report is not addressed to %q, as its recommendations were:\n%.600s", what, want.addressedTo, text)
			}
			inOrder(t, text, what+": status report's counts", want.byStatus...)
			inOrder(t, text, what+": status report's actions by RAG", want.byRAG...)

			pdf, _ = renderAsAt(t, s, fonts, report.Request{Kind: report.KindOutstanding, AsAt: asAt})
			text = flat(pdfText(t, pdf))
			for _, row := range want.outstanding {
				if !strings.Contains(text, row) {
					t.Errorf("%s: the outstanding report's summary has no row %q:\n%.900s", what, row, text)
				}
			}

			pdf, _ = renderAsAt(t, s, fonts, report.Request{Kind: report.KindActions, AsAt: asAt, Filter: tracker.ActionFilter{ChangedSince: &since}})
			text = flat(pdfText(t, pdf))
			for desc, changed := range want.changedSince {
				if got := strings.Contains(text, desc); got != changed {
					t.Errorf("%s: the action log of changes since %s lists %q: %v, want %v", what, tracker.FormatDate(since), desc, got, changed)
				}
			}
			if len(want.changedSince) == 0 || !anyTrue(want.changedSince) {
				if !strings.Contains(text, "No actions.") {
					t.Errorf("%s: the action log of changes since %s lists actions; none changed then:\n%.600s", what, tracker.FormatDate(since), text)
				}
			}
		}
	})
}

// changeDutyOfCareToday addresses a Duty of Care recommendation to the
// Home Office as well, closes another, completes an action and makes one.
func changeDutyOfCareToday(t *testing.T, s *store.Store, ctx context.Context, sourceID int64) {
	t.Helper()
	admin := s.As(&tracker.User{ID: 1, Name: "Administrator", Role: tracker.RoleAdmin})
	recs, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: sourceID, Page: tracker.AllRows})
	if err != nil || len(recs) < 5 {
		t.Fatalf("%d recommendations: %v", len(recs), err)
	}
	home, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Home Office"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.RecommendationDetail(ctx, recs[4].Recommendation.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := d.Recommendation
	r.Addressees = append(r.Addressees, home)
	if _, err := admin.UpdateRecommendation(ctx, r); err != nil {
		t.Fatal(err)
	}
	closed := recs[2].Recommendation
	if err := admin.ChangeRecommendation(ctx, closed.ID, store.RecommendationChange{Version: closed.Version, Status: tracker.RecClosed,
		Assessment: tracker.AssessSatisfied, Reason: "closed by the committee"}); err != nil {
		t.Fatal(err)
	}
	acts, _, err := s.ListActions(ctx, tracker.ActionFilter{SourceID: sourceID, Open: true, Page: tracker.AllRows})
	if err != nil || len(acts) == 0 {
		t.Fatalf("%d open actions: %v", len(acts), err)
	}
	green := tracker.RAGGreen
	a := acts[0].Action
	if err := admin.PostUpdate(ctx, a.ID, store.ProgressChange{Version: a.Version, Date: storetest.Today(), Text: "Done", Status: tracker.ActCompleted, RAG: &green}); err != nil {
		t.Fatal(err)
	}
	red := tracker.RAGRed
	if _, err := admin.CreateAction(ctx, tracker.Action{OrganisationID: a.OrganisationID, SourceID: &sourceID, Description: "Made after the log",
		Owner: "Head of Later Changes", Status: tracker.ActInProgress, RAG: red}); err != nil {
		t.Fatal(err)
	}
}

// asAtCounts are the counts the PDFs should print, as the flattened text
// they print them in.
type asAtCounts struct {
	addressedTo     string
	byStatus, byRAG []string
	outstanding     []string
	changedSince    map[string]bool // an action's description: whether it changed since
}

// recountAsAt counts, from the rows the tracker lists as at the end of
// day, what the reports should print about the source and the log.
func recountAsAt(t *testing.T, s *store.Store, ctx context.Context, day time.Time, sourceID int64, since time.Time) asAtCounts {
	t.Helper()
	var c asAtCounts
	today := tracker.Day(day)
	err := s.ReadAsAt(ctx, report.Moment(day), store.AsAtOptions{Since: &since}, func(tx *store.Store, view *tracker.View) error {
		recs, _, err := tx.ListRecommendations(ctx, tracker.RecommendationFilter{Today: today, Page: tracker.AllRows})
		if err != nil {
			return err
		}
		acts, _, err := tx.ListActions(ctx, tracker.ActionFilter{Today: today, Page: tracker.AllRows})
		if err != nil {
			return err
		}
		addressed := map[string]bool{}
		status := map[string]int{}
		past := 0
		type orgCount struct{ recs, acts, overdue int }
		orgs := map[string]*orgCount{}
		org := func(name string) *orgCount {
			if orgs[name] == nil {
				orgs[name] = &orgCount{}
			}
			return orgs[name]
		}
		for _, it := range recs {
			r := it.Recommendation
			if r.SourceID == sourceID {
				for _, o := range r.Addressees {
					addressed[o.Name] = true
				}
				status[r.Status]++
				if r.Overdue(today) {
					past++
				}
			}
			if !r.Outstanding() {
				continue
			}
			for _, o := range r.Addressees {
				if r.OutstandingFor(o.ID) {
					oc := org(o.Name)
					oc.recs++
					if r.Overdue(today) {
						oc.overdue++
					}
				}
			}
		}
		rag := map[string]int{}
		open, overdue := 0, 0
		c.changedSince = map[string]bool{}
		for _, it := range acts {
			a := it.Action
			c.changedSince[flat(a.Description)] = view.Mark("action", a.ID) != ""
			if !a.Open() {
				continue
			}
			oc := org(a.Organisation.Name)
			oc.acts++
			if a.Overdue(today) {
				oc.overdue++
			}
			if a.SourceID != nil && *a.SourceID == sourceID {
				open++
				rag[a.RAG]++
				if a.Overdue(today) {
					overdue++
				}
			}
		}
		names := make([]string, 0, len(addressed))
		for n := range addressed {
			names = append(names, n)
		}
		sort.Strings(names)
		c.addressedTo = strings.Join(names, ", ")
		for _, o := range tracker.RecommendationStatuses {
			c.byStatus = append(c.byStatus, fmt.Sprintf("%s %d", o.Label, status[o.Value]))
		}
		c.byStatus = append(c.byStatus, fmt.Sprintf("Past their deadline %d", past))
		for _, o := range tracker.RAGs {
			c.byRAG = append(c.byRAG, fmt.Sprintf("%s %d", o.Label, rag[o.Value]))
		}
		c.byRAG = append(c.byRAG, fmt.Sprintf("Open actions %d", open), fmt.Sprintf("Overdue actions %d", overdue))
		orgNames := make([]string, 0, len(orgs))
		for n := range orgs {
			orgNames = append(orgNames, n)
		}
		sort.Strings(orgNames)
		for _, n := range orgNames {
			oc := orgs[n]
			c.outstanding = append(c.outstanding, fmt.Sprintf("%s %d %d %d", n, oc.recs, oc.acts, oc.overdue))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// flat is text with each run of white space one space.
func flat(text string) string { return strings.Join(strings.Fields(text), " ") }

func anyTrue(m map[string]bool) bool {
	for _, v := range m {
		if v {
			return true
		}
	}
	return false
}

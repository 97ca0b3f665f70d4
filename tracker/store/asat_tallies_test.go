package store_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestAsAtTotalsCountTheRowsAsAt: every total and count read as at a
// moment (a list's total with and without filters, the pages of a list,
// the overview's counts, each owner's, each source's by status, a source's
// counts and addressees, the owners to filter by) agrees with a recount of
// the rows as at that moment, not with today's tallies. The example's log
// runs from 2013 to 2022; after it is loaded, actions and recommendations
// are changed, made and deleted, so that today differs from every moment
// read.
func TestAsAtTotalsCountTheRowsAsAt(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Committee Secretary", Channel: tracker.ChannelPage})
		if _, err := example.Load(ctx, s); err != nil {
			t.Fatal(err)
		}
		loaded := storetest.Now()
		changeAfterLoading(t, s, ctx)
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
		for _, c := range []struct {
			what     string
			at       time.Time
			recorded bool
		}{
			{"the day Duty of Care was published", tracker.EndOfDay(day(2013, 1, 23)), false},
			{"30 June 2013", tracker.EndOfDay(day(2013, 6, 30)), false},
			{"the end of 2013", tracker.EndOfDay(day(2013, 12, 31)), false},
			{"1 May 2022", tracker.EndOfDay(day(2022, 5, 1)), false},
			{"yesterday", tracker.EndOfDay(storetest.Day(-1)), false},
			{"as recorded once the example was loaded", loaded, true},
			{"now", storetest.Now(), false},
		} {
			since := c.at.AddDate(-1, 0, 0)
			opts := store.AsAtOptions{Recorded: c.recorded}
			if !c.recorded {
				opts.Since = &since
			}
			err := s.ReadAsAt(ctx, c.at, opts, func(tx *store.Store, view *tracker.View) error {
				checkTotalsAsAt(t, tx, ctx, c.what, view)
				return nil
			})
			if err != nil {
				t.Fatalf("%s: %v", c.what, err)
			}
		}
		// Today's counts differ from yesterday's, or the test tests nothing.
		var before, now tracker.Counts
		if err := s.ReadAsAt(ctx, tracker.EndOfDay(storetest.Day(-1)), store.AsAtOptions{}, func(tx *store.Store, _ *tracker.View) (err error) {
			before, err = tx.Counts(ctx, storetest.Today())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		now, err := s.Counts(ctx, storetest.Today())
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(before) == fmt.Sprint(now) {
			t.Errorf("the changes made today changed no count: %+v", now)
		}
	})
}

// changeAfterLoading changes the example as it stands: actions done,
// reassigned, moved, deleted and made; recommendations closed, given an
// addressee's status, given a new addressee, moved and made.
func changeAfterLoading(t *testing.T, s *store.Store, ctx context.Context) {
	t.Helper()
	admin := s.As(&tracker.User{ID: 1, Name: "Administrator", Role: tracker.RoleAdmin})
	acts, _, err := s.ListActions(ctx, tracker.ActionFilter{Page: tracker.AllRows, Sort: "owner"})
	if err != nil || len(acts) < 5 {
		t.Fatalf("%d actions: %v", len(acts), err)
	}
	green := tracker.RAGGreen
	if err := admin.PostUpdate(ctx, acts[0].Action.ID, store.ProgressChange{Version: acts[0].Action.Version, Date: storetest.Today(), Text: "Done", Status: tracker.ActCompleted, RAG: &green}); err != nil {
		t.Fatal(err)
	}
	moved := acts[1].Action
	moved.Owner = "Head of Later Changes"
	if _, err := admin.UpdateActionDetails(ctx, moved); err != nil {
		t.Fatal(err)
	}
	a2, err := s.Action(ctx, acts[2].Action.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.MoveActionDue(ctx, a2.Action.ID, store.DeadlineMove{Version: a2.Action.Version, NewDate: storetest.Day(-400), Reason: "Brought forward"}); err != nil {
		t.Fatal(err)
	}
	if err := admin.DeleteAction(ctx, acts[3].Action.ID, acts[3].Action.Version); err != nil {
		t.Fatal(err)
	}
	red := tracker.RAGRed
	due := storetest.Day(10)
	if _, err := admin.CreateAction(ctx, tracker.Action{OrganisationID: acts[4].Action.OrganisationID, SourceID: acts[4].Action.SourceID,
		Description: "Made after the log", Owner: "Head of Later Changes", Status: tracker.ActInProgress, RAG: red, DueDate: &due}); err != nil {
		t.Fatal(err)
	}

	recs, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{Page: tracker.AllRows})
	if err != nil || len(recs) < 4 {
		t.Fatalf("%d recommendations: %v", len(recs), err)
	}
	r0 := recs[0].Recommendation
	if err := admin.ChangeRecommendation(ctx, r0.ID, store.RecommendationChange{Version: r0.Version, Status: tracker.RecClosed,
		Assessment: tracker.AssessSatisfied, Reason: "closed by the committee"}); err != nil {
		t.Fatal(err)
	}
	r1 := recs[1].Recommendation
	st := r1.Statuses[0]
	if err := admin.SetAddresseeStatus(ctx, r1.ID, st.Organisation.ID, tracker.AddresseeStatusChange{Status: tracker.RecImplemented, Version: st.Version}); err != nil {
		t.Fatal(err)
	}
	home, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Home Office"})
	if err != nil {
		t.Fatal(err)
	}
	d2, err := s.RecommendationDetail(ctx, recs[2].Recommendation.ID)
	if err != nil {
		t.Fatal(err)
	}
	r2 := d2.Recommendation
	r2.Addressees = append(r2.Addressees, home)
	if _, err := admin.UpdateRecommendation(ctx, r2); err != nil {
		t.Fatal(err)
	}
	d3, err := s.RecommendationDetail(ctx, recs[3].Recommendation.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := admin.MoveRecommendationDeadline(ctx, d3.Recommendation.ID, store.DeadlineMove{Version: d3.Recommendation.Version, NewDate: storetest.Day(-3), Reason: "Agreed"}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.CreateRecommendation(ctx, tracker.Recommendation{SourceID: r0.SourceID, Number: "99", Text: "Made after the log.",
		Addressees: []tracker.Organisation{home}}); err != nil {
		t.Fatal(err)
	}
}

// checkTotalsAsAt compares, inside one as-at read, every total and count
// with a recount of the rows the same read lists.
func checkTotalsAsAt(t *testing.T, tx *store.Store, ctx context.Context, when string, view *tracker.View) {
	t.Helper()
	today := tracker.Day(view.AsAt)
	recs, _, err := tx.ListRecommendations(ctx, tracker.RecommendationFilter{Today: today, Page: tracker.AllRows})
	if err != nil {
		t.Fatal(err)
	}
	acts, _, err := tx.ListActions(ctx, tracker.ActionFilter{Today: today, Page: tracker.AllRows})
	if err != nil {
		t.Fatal(err)
	}
	a := asAtRead{t: t, tx: tx, ctx: ctx, when: when, view: view, today: today, recs: recs, acts: acts}
	a.recommendationTotals()
	a.actionTotals()
	a.pages()
	a.overview()
	a.sources()
	a.changedSince()
}

// changedSince checks the overview's count of items changed since the
// view's since: those whose latest change by the moment came after it,
// counted from the audit trail itself.
func (a asAtRead) changedSince() {
	a.t.Helper()
	if a.view.Since == nil {
		return
	}
	_, total, err := a.tx.ChangedSince(a.ctx, *a.view.Since, 10)
	if err != nil {
		a.t.Fatal(err)
	}
	want, err := a.tx.Count(a.ctx, `SELECT COUNT(*) FROM (SELECT entity, entity_id FROM audit_events
		WHERE entity IN ('source', 'recommendation', 'response', 'action', 'update') AND effective_at <= ?
		GROUP BY entity, entity_id HAVING MAX(effective_at) > ?) latest`, a.view.AsAt, *a.view.Since)
	if err != nil {
		a.t.Fatal(err)
	}
	if int64(total) != want {
		a.errorf("%d items changed since %s, a recount %d", total, tracker.FormatDate(*a.view.Since), want)
	}
}

// asAtRead is one as-at read's whole lists, from which its totals and
// counts are recounted.
type asAtRead struct {
	t     *testing.T
	tx    *store.Store
	ctx   context.Context
	when  string
	view  *tracker.View
	today time.Time
	recs  []tracker.RecommendationItem
	acts  []tracker.ActionItem
}

func (a asAtRead) errorf(format string, args ...any) {
	a.t.Helper()
	a.t.Errorf(a.when+": "+format, args...)
}

// recommendationTotals checks that the list of recommendations' total,
// with and without filters, is the number of rows it lists, and that
// those are the rows a recount from the whole list keeps.
func (a asAtRead) recommendationTotals() {
	t, tx, ctx, view, today, recs := a.t, a.tx, a.ctx, a.view, a.today, a.recs
	t.Helper()
	recFilters := map[string]tracker.RecommendationFilter{"all": {}, "outstanding": {Outstanding: true}, "overdue": {Overdue: true}}
	for _, st := range tracker.RecommendationStatuses {
		recFilters["status "+st.Value] = tracker.RecommendationFilter{Status: st.Value}
	}
	for _, it := range recs {
		recFilters[fmt.Sprintf("source %d", it.Recommendation.SourceID)] = tracker.RecommendationFilter{SourceID: it.Recommendation.SourceID}
		recFilters[fmt.Sprintf("source %d outstanding", it.Recommendation.SourceID)] = tracker.RecommendationFilter{SourceID: it.Recommendation.SourceID, Outstanding: true}
		for _, o := range it.Recommendation.Addressees {
			recFilters[fmt.Sprintf("organisation %d", o.ID)] = tracker.RecommendationFilter{OrganisationID: o.ID}
			recFilters[fmt.Sprintf("organisation %d outstanding", o.ID)] = tracker.RecommendationFilter{OrganisationID: o.ID, Outstanding: true}
			recFilters[fmt.Sprintf("organisation %d overdue", o.ID)] = tracker.RecommendationFilter{OrganisationID: o.ID, Overdue: true}
			for _, st := range tracker.RecommendationStatuses {
				recFilters[fmt.Sprintf("organisation %d %s", o.ID, st.Value)] = tracker.RecommendationFilter{OrganisationID: o.ID, Status: st.Value}
			}
		}
	}
	if view.Since != nil {
		recFilters["changed since"] = tracker.RecommendationFilter{ChangedSince: view.Since}
	}
	for name, f := range recFilters {
		f.Today, f.Page = today, tracker.AllRows
		items, total, err := tx.ListRecommendations(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, it := range recs {
			if keepsRecommendation(f, it.Recommendation, view) {
				want++
			}
		}
		f.Page = tracker.Page{Number: 1, Size: 1}
		_, pageTotal, err := tx.ListRecommendations(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != want || total != int64(want) || pageTotal != int64(want) {
			a.errorf("recommendations, %s: %d listed, total %d (a page of one: %d), a recount %d", name, len(items), total, pageTotal, want)
		}
	}
}

// actionTotals checks the action log's total and count as
// recommendationTotals checks the recommendations'.
func (a asAtRead) actionTotals() {
	t, tx, ctx, view, today, acts := a.t, a.tx, a.ctx, a.view, a.today, a.acts
	t.Helper()
	actFilters := map[string]tracker.ActionFilter{"all": {}, "open": {Open: true}, "overdue": {Overdue: true}, "due within 30 days": {DueWithinDays: 30},
		"no owner": {NoOwner: true}, "not rated": {RAG: "none"}}
	for _, st := range tracker.ActionStatuses {
		actFilters["status "+st.Value] = tracker.ActionFilter{Status: st.Value}
	}
	for _, r := range tracker.RAGs {
		if r.Value != "" {
			actFilters["rag "+r.Value] = tracker.ActionFilter{RAG: r.Value}
		}
	}
	for _, it := range acts {
		act := it.Action
		actFilters[fmt.Sprintf("organisation %d", act.OrganisationID)] = tracker.ActionFilter{OrganisationID: act.OrganisationID}
		actFilters[fmt.Sprintf("organisation %d open", act.OrganisationID)] = tracker.ActionFilter{OrganisationID: act.OrganisationID, Open: true}
		actFilters["owner "+act.Owner] = tracker.ActionFilter{Owner: act.Owner}
		if act.Owner != "" {
			actFilters["owned by "+act.Owner] = tracker.ActionFilter{OwnedBy: []string{strings.ToUpper(act.Owner)}}
		}
		if act.SourceID != nil {
			actFilters[fmt.Sprintf("source %d", *act.SourceID)] = tracker.ActionFilter{SourceID: *act.SourceID}
		}
	}
	if view.Since != nil {
		actFilters["changed since"] = tracker.ActionFilter{ChangedSince: view.Since}
	}
	for name, f := range actFilters {
		f.Today, f.Page = today, tracker.AllRows
		items, total, err := tx.ListActions(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for _, it := range acts {
			if keepsAction(f, it.Action, view) {
				want++
			}
		}
		n, err := tx.CountActions(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != want || total != int64(want) || n != int64(want) {
			a.errorf("actions, %s: %d listed, total %d (counted: %d), a recount %d", name, len(items), total, n, want)
		}
	}
}

// pages checks that page by page, two a page, the lists are the whole
// lists in order: a page near the end is read backwards from the total.
func (a asAtRead) pages() {
	t, tx, ctx, when, today, recs, acts := a.t, a.tx, a.ctx, a.when, a.today, a.recs, a.acts
	t.Helper()
	checkPages(t, when+": recommendations", len(recs), func(p tracker.Page) ([]int64, error) {
		items, _, err := tx.ListRecommendations(ctx, tracker.RecommendationFilter{Today: today, Page: p})
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.Recommendation.ID
		}
		return ids, err
	}, func(i int) int64 { return recs[i].Recommendation.ID })
	checkPages(t, when+": actions", len(acts), func(p tracker.Page) ([]int64, error) {
		items, _, err := tx.ListActions(ctx, tracker.ActionFilter{Today: today, Page: p})
		ids := make([]int64, len(items))
		for i, it := range items {
			ids[i] = it.Action.ID
		}
		return ids, err
	}, func(i int) int64 { return acts[i].Action.ID })
}

// overview checks the overview's counts, each owner's and the owners.
func (a asAtRead) overview() {
	t, tx, ctx, today, recs, acts := a.t, a.tx, a.ctx, a.today, a.recs, a.acts
	t.Helper()

	c, err := tx.Counts(ctx, today)
	if err != nil {
		t.Fatal(err)
	}
	want := recountOverview(recs, acts, today)
	c.OutstandingRefs, c.ByOrganisation = 0, sortedOrgCounts(c.ByOrganisation)
	if got, want := fmt.Sprintf("%+v", c), fmt.Sprintf("%+v", want); got != want {
		a.errorf("the overview's counts\n  are %s\n want %s", got, want)
	}
	owners, err := tx.OwnerCounts(ctx, today, 30)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ownerCountsText(owners), ownerCountsText(recountOwners(acts, today)); got != want {
		a.errorf("each owner's counts\n  are %s\n want %s", got, want)
	}
	names, err := tx.Owners(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantNames := map[string]bool{}
	for _, it := range acts {
		if it.Action.Owner != "" {
			wantNames[it.Action.Owner] = true
		}
	}
	if got, want := strings.Join(names, "; "), strings.Join(sortedKeys(wantNames), "; "); got != want {
		a.errorf("the owners to choose from are %q, want %q", got, want)
	}
}

// sources checks each source's counts: by status, in the list of
// sources, on its page, and the bodies its page says it is addressed to.
func (a asAtRead) sources() {
	t, tx, ctx, today, recs := a.t, a.tx, a.ctx, a.today, a.recs
	t.Helper()

	byStatus, err := tx.SourceStatusCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]string{}
	for _, sc := range byStatus {
		got[sc.Source.ID] = fmt.Sprint(sc.Total, sc.ByStatus)
	}
	summaries, _, err := tx.ListSources(ctx, tracker.AllRows, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, sum := range summaries {
		id := sum.Source.ID
		var mine []tracker.RecommendationItem
		addressed := map[string]bool{}
		for _, it := range recs {
			if it.Recommendation.SourceID == id {
				mine = append(mine, it)
				for _, o := range it.Recommendation.Addressees {
					addressed[o.Name] = true
				}
			}
		}
		n, counts, outstanding, overdue := recountSource(mine, today)
		wantStatus := ""
		if n > 0 {
			wantStatus = fmt.Sprint(n, counts)
		}
		if got[id] != wantStatus {
			a.errorf("source %d by status: %q, want %q", id, got[id], wantStatus)
		}
		if sum.Recommendations != n || sum.Outstanding != outstanding || sum.Overdue != overdue {
			a.errorf("source %d in the list of sources: %d, %d outstanding, %d overdue; want %d, %d, %d", id, sum.Recommendations, sum.Outstanding, sum.Overdue, n, outstanding, overdue)
		}
		d, err := tx.SourceDetail(ctx, id, today)
		if err != nil {
			t.Fatal(err)
		}
		var to []string
		for _, o := range d.Addressees {
			to = append(to, o.Name)
		}
		sort.Strings(to) // as the Go recount sorts, whatever the database's collation
		if d.RecommendationCount != n || d.Overdue != overdue || fmt.Sprint(d.ByStatus) != fmt.Sprint(counts) || strings.Join(to, "; ") != strings.Join(sortedKeys(addressed), "; ") {
			a.errorf("source %d's page: %d %v, %d overdue, addressed to %q; want %d %v, %d overdue, addressed to %q",
				id, d.RecommendationCount, d.ByStatus, d.Overdue, to, n, counts, overdue, sortedKeys(addressed))
		}
	}
}

// keepsRecommendation is the recommendation list's filter, one
// recommendation at a time; "changed since" is what the view marks.
func keepsRecommendation(f tracker.RecommendationFilter, r tracker.Recommendation, view *tracker.View) bool {
	status, outstanding := r.Status, r.Outstanding()
	if f.OrganisationID != 0 {
		if _, ok := r.StatusOf(f.OrganisationID); !ok {
			return false
		}
		status, outstanding = r.OwnStatus(f.OrganisationID), r.OutstandingFor(f.OrganisationID)
	}
	switch {
	case f.SourceID != 0 && r.SourceID != f.SourceID,
		f.Status != "" && status != f.Status,
		(f.Outstanding || f.Overdue) && !outstanding,
		f.Overdue && (r.DeadlineDate == nil || !r.DeadlineDate.Before(tracker.Day(f.Today))),
		f.ChangedSince != nil && view.Mark("recommendation", r.ID) == "":
		return false
	}
	return true
}

// keepsAction is the action log's filter, one action at a time; "changed
// since" is what the view marks (the action or one of its updates).
func keepsAction(f tracker.ActionFilter, a tracker.Action, view *tracker.View) bool {
	today := tracker.Day(f.Today)
	open := a.Open()
	due := a.DueDate != nil
	switch {
	case f.OrganisationID != 0 && a.OrganisationID != f.OrganisationID,
		f.Owner != "" && a.Owner != f.Owner,
		f.NoOwner && a.Owner != "",
		len(f.OwnedBy) > 0 && !strings.EqualFold(strings.TrimSpace(a.Owner), strings.TrimSpace(f.OwnedBy[0])),
		f.Status != "" && a.Status != f.Status,
		(f.Open || f.Overdue || f.DueWithinDays > 0) && !open,
		f.Overdue && (!due || !a.DueDate.Before(today)),
		f.DueWithinDays > 0 && (!due || a.DueDate.Before(today) || a.DueDate.After(today.AddDate(0, 0, f.DueWithinDays))),
		f.SourceID != 0 && (a.SourceID == nil || *a.SourceID != f.SourceID),
		f.RAG == "none" && a.RAG != "",
		f.RAG != "" && f.RAG != "none" && a.RAG != f.RAG,
		f.ChangedSince != nil && view.Mark("action", a.ID) == "":
		return false
	}
	return true
}

// checkPages reads a list of n rows page by page, two a page, and checks
// each page holds the rows the whole list has there.
func checkPages(t *testing.T, what string, n int, page func(tracker.Page) ([]int64, error), want func(int) int64) {
	t.Helper()
	const size = 2
	for p := 1; (p-1)*size < n; p++ {
		ids, err := page(tracker.Page{Number: p, Size: size})
		if err != nil {
			t.Fatal(err)
		}
		var wantIDs []int64
		for i := (p - 1) * size; i < min(p*size, n); i++ {
			wantIDs = append(wantIDs, want(i))
		}
		if fmt.Sprint(ids) != fmt.Sprint(wantIDs) {
			t.Errorf("%s, page %d of %d rows: %v, want %v", what, p, n, ids, wantIDs)
		}
	}
}

// recountOverview counts the overview's numbers from the rows; the
// references are not tallied and are left out.
func recountOverview(recs []tracker.RecommendationItem, acts []tracker.ActionItem, today time.Time) tracker.Counts {
	var c tracker.Counts
	recN, actN := map[string]int{}, map[string]int{}
	byOrg := map[int64]*tracker.OrganisationCounts{}
	org := func(id int64) *tracker.OrganisationCounts {
		if byOrg[id] == nil {
			byOrg[id] = &tracker.OrganisationCounts{Organisation: tracker.Organisation{ID: id}}
		}
		return byOrg[id]
	}
	for _, it := range recs {
		r := it.Recommendation
		c.Recommendations++
		recN[r.Status]++
		if r.Overdue(today) {
			c.OverdueRecs++
		}
		for _, o := range r.Addressees {
			oc := org(o.ID)
			if r.OutstandingFor(o.ID) {
				oc.OutstandingRecs++
				if r.DeadlineDate != nil && r.DeadlineDate.Before(today) {
					oc.OverdueRecs++
				}
			}
		}
	}
	for _, it := range acts {
		a := it.Action
		actN[a.Status]++
		oc := org(a.OrganisationID)
		if a.Open() {
			oc.OpenActions++
			if a.Overdue(today) {
				c.OverdueActions++
				oc.OverdueActions++
			} else if a.DueDate != nil && !a.DueDate.After(today.AddDate(0, 0, 30)) {
				c.DueSoonActions++
			}
		}
	}
	for _, o := range tracker.RecommendationStatuses {
		c.RecsByStatus = append(c.RecsByStatus, tracker.Count{Key: o.Value, Label: o.Label, N: recN[o.Value]})
	}
	c.OutstandingRecs = recN[tracker.RecOpen] + recN[tracker.RecInProgress]
	for _, o := range tracker.ActionStatuses {
		c.ActionsByStatus = append(c.ActionsByStatus, tracker.Count{Key: o.Value, Label: o.Label, N: actN[o.Value]})
	}
	c.OpenActions = actN[tracker.ActNotStarted] + actN[tracker.ActInProgress]
	var out []tracker.OrganisationCounts
	for _, oc := range byOrg {
		out = append(out, *oc)
	}
	c.ByOrganisation = sortedOrgCounts(out)
	return c
}

// sortedOrgCounts keys each organisation's counts by its id alone, in
// order of id.
func sortedOrgCounts(in []tracker.OrganisationCounts) []tracker.OrganisationCounts {
	out := make([]tracker.OrganisationCounts, len(in))
	for i, oc := range in {
		oc.Organisation = tracker.Organisation{ID: oc.Organisation.ID}
		out[i] = oc
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Organisation.ID < out[j].Organisation.ID })
	return out
}

// recountOwners counts each owner's open, overdue and due-soon actions.
func recountOwners(acts []tracker.ActionItem, today time.Time) []tracker.OwnerCounts {
	by := map[string]*tracker.OwnerCounts{}
	for _, it := range acts {
		a := it.Action
		if !a.Open() {
			continue
		}
		if by[a.Owner] == nil {
			by[a.Owner] = &tracker.OwnerCounts{Owner: a.Owner}
		}
		oc := by[a.Owner]
		oc.Open++
		if a.Overdue(today) {
			oc.Overdue++
		} else if a.DueDate != nil && !a.DueDate.After(today.AddDate(0, 0, 30)) {
			oc.DueSoon++
		}
	}
	var out []tracker.OwnerCounts
	for _, oc := range by {
		out = append(out, *oc)
	}
	return out
}

func ownerCountsText(in []tracker.OwnerCounts) string {
	lines := make([]string, len(in))
	for i, oc := range in {
		lines[i] = fmt.Sprintf("%q %d/%d/%d", oc.Owner, oc.Open, oc.Overdue, oc.DueSoon)
	}
	sort.Strings(lines)
	return strings.Join(lines, ", ")
}

// recountSource counts a source's recommendations: in all, by status,
// outstanding and past their deadline.
func recountSource(recs []tracker.RecommendationItem, today time.Time) (n int, by []tracker.Count, outstanding, overdue int) {
	status := map[string]int{}
	for _, it := range recs {
		r := it.Recommendation
		n++
		status[r.Status]++
		if r.Outstanding() {
			outstanding++
		}
		if r.Overdue(today) {
			overdue++
		}
	}
	for _, o := range tracker.RecommendationStatuses {
		by = append(by, tracker.Count{Key: o.Value, Label: o.Label, N: status[o.Value]})
	}
	return n, by, outstanding, overdue
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

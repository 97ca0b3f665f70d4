package example_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/example"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

func TestLoadExample(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rep, err := example.Load(ctx, s)
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		if len(rep.Sources) != 3 || rep.Recommendations != 13 || rep.Responses != 7 || rep.References != 2 || rep.Measures != 6 {
			t.Fatalf("unexpected load report: %+v", rep)
		}

		// Duty of Care: ten recommendations, Recommendation 4 by April 2013.
		doc, err := s.FindSourceByTitle(ctx, example.DutyOfCareTitle)
		if err != nil {
			t.Fatal(err)
		}
		if doc.Pages != 47 || !strings.HasPrefix(doc.URL, "http://www.london.gov.uk/") || len(doc.Keywords) != 2 {
			t.Errorf("catalogue details lost: %+v", doc)
		}
		recs, total, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: doc.ID})
		if err != nil || total != 10 {
			t.Fatalf("Duty of Care recommendations: %d, %v", total, err)
		}
		var rec4 tracker.Recommendation
		for i, r := range recs {
			if r.Recommendation.Number != strconv.Itoa(i+1) {
				t.Errorf("recommendation %d listed as %q", i+1, r.Recommendation.Number)
			}
			if r.Recommendation.Number == "4" {
				rec4 = r.Recommendation
			}
		}
		if rec4.DeadlineText != "by April 2013" || rec4.DeadlineDate == nil || !rec4.DeadlineDate.Equal(time.Date(2013, 4, 30, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("Recommendation 4 deadline = %q %v", rec4.DeadlineText, rec4.DeadlineDate)
		}
		if names := orgNames(rec4.Addressees); names != "MPS, Victim Support" {
			t.Errorf("Recommendation 4 addressees = %s", names)
		}
		if names := orgNames(recs[1].Recommendation.Addressees); names != "MPS, MOPAC" {
			t.Errorf("Recommendation 2 addressees = %s", names)
		}
		if names := orgNames(recs[4].Recommendation.Addressees); names != "LCJP" {
			t.Errorf("Recommendation 5 addressees = %s", names)
		}
		if r3 := recs[2].Recommendation; r3.DeadlineText != "over the next six months" || r3.DeadlineDate.Format("2006-01-02") != "2013-07-23" {
			t.Errorf("Recommendation 3 deadline = %q %v", r3.DeadlineText, r3.DeadlineDate)
		}
		if r10 := recs[9].Recommendation; r10.DeadlineText != "on a quarterly basis" || r10.DeadlineDate != nil {
			t.Errorf("Recommendation 10 deadline = %q %v", r10.DeadlineText, r10.DeadlineDate)
		}

		d, err := s.RecommendationDetail(ctx, rec4.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(d.Responses) != 1 || !strings.Contains(d.Responses[0].Current.Text, "16/7 central Crime Recording Bureau (CRIB)") {
			t.Errorf("Recommendation 4 response missing: %+v", d.Responses)
		}
		if len(d.Actions) != 2 || d.Actions[0].Action.DueDate.Format("2006-01-02") != "2013-05-31" || d.Actions[1].Action.DueDate.Format("2006-01-02") != "2013-11-30" {
			t.Errorf("Recommendation 4 actions: %+v", d.Actions)
		}
		rec3, _ := s.RecommendationDetail(ctx, recs[2].Recommendation.ID)
		if !strings.HasSuffix(rec3.Responses[0].Current.Text, "ⁱⁱ NB: letters and emails are not sent to victims where, in the opinion of the officer, to do so would put the victim at risk, for example instances of Domestic Violence") {
			t.Errorf("footnote ⁱⁱ not with Recommendation 3's response")
		}
		rec1, _ := s.RecommendationDetail(ctx, recs[0].Recommendation.ID)
		if len(rec1.Actions) != 1 || rec1.Actions[0].Action.DueText != "in the second half of the 2013-14 year" || rec1.Actions[0].Action.DueDate.Format("2006-01-02") != "2014-03-31" {
			t.Errorf("training package action: %+v", rec1.Actions)
		}

		// Outstanding Reference 13: three FIB recommendations with responses.
		refs, _, err := s.ListReferences(ctx, tracker.Page{})
		if err != nil {
			t.Fatal(err)
		}
		var ref13 tracker.Reference
		for _, r := range refs {
			if r.Number == "13" {
				ref13 = r
			}
		}
		if ref13.Heading() != "13 – Victim Satisfaction Action Plan" || ref13.RespondingOrg.ShortName != "CoLP" || ref13.RequestedBy.Name != "Performance and Resource Management Sub-Committee" {
			t.Fatalf("reference 13 = %+v", ref13)
		}
		rd, err := s.ReferenceDetail(ctx, ref13.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rd.Recommendations) != 3 {
			t.Fatalf("reference 13 lists %d recommendations", len(rd.Recommendations))
		}
		if !strings.Contains(rd.Recommendations[2].Recommendation.Text, "Also to award/recognise officers that go above and beyond") {
			t.Errorf("recommendation 3 text not joined across the page break: %q", rd.Recommendations[2].Recommendation.Text)
		}
		for _, r := range rd.Recommendations {
			if len(r.Responses) != 1 || !strings.HasPrefix(r.Responses[0].Current.Text, "- ") {
				t.Errorf("FIB recommendation %s response: %+v", r.Recommendation.Number, r.Responses)
			}
		}
		if strings.HasSuffix(rd.Recommendations[2].Responses[0].Current.Text, "\"") || strings.HasPrefix(rd.Replies[0].Body, "\"") {
			t.Errorf("quotation marks around the reply were kept")
		}

		// The curly apostrophe of "Victims’ Code" survives the database.
		items, _, err := s.ListActions(ctx, tracker.ActionFilter{})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, it := range items {
			if strings.Contains(it.Action.Description, "Victims’ Code performance dashboard") {
				found = true
				if it.Action.Status != tracker.ActCompleted || len(it.Updates) != 1 || !strings.Contains(it.Updates[0].Text, "DAC Gray") {
					t.Errorf("dashboard action: %+v", it)
				}
			}
		}
		if !found {
			t.Error("no action keeps “Victims’ Code” with its curly apostrophe")
		}

		// Loading twice changes nothing.
		before, _ := s.Counts(ctx, storetest.Now())
		rep2, err := example.Load(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		after, _ := s.Counts(ctx, storetest.Now())
		if len(rep2.Sources) != 0 || len(rep2.Skipped) != 3 || before.Recommendations != after.Recommendations || before.OpenActions != after.OpenActions {
			t.Errorf("second load added data: %+v; before %+v after %+v", rep2, before, after)
		}
	})
}

func orgNames(orgs []tracker.Organisation) string {
	var out []string
	for _, o := range orgs {
		out = append(out, o.Label())
	}
	return strings.Join(out, ", ")
}

// TestTextsComeFromTheSeeds checks that the embedded copies the loader
// cuts its texts from are byte for byte the shared seed documents.
func TestTextsComeFromTheSeeds(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "seeds")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("the shared seed documents are not beside this checkout (%v)", err)
	}
	for _, n := range []string{"000", "001", "002", "003", "004"} {
		matches, _ := filepath.Glob(filepath.Join(dir, n+"_*.txt"))
		if len(matches) != 1 {
			t.Fatalf("seed %s: %d files", n, len(matches))
		}
		orig, err := os.ReadFile(matches[0])
		if err != nil {
			t.Fatal(err)
		}
		emb, err := os.ReadFile(filepath.Join("seeds", filepath.Base(matches[0])))
		if err != nil {
			t.Fatalf("seed %s not embedded: %v", n, err)
		}
		if string(orig) != string(emb) {
			t.Errorf("embedded copy of seed %s differs from the original", n)
		}
	}
}

// TestGenerate makes a small generated source on both databases and checks
// that every item is there, linked as generated, in the audit trail (as at
// reports rebuild from it) and in the search index.
func TestGenerate(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		size := example.Size{Recommendations: 12, Actions: 30, Updates: 75}
		id, err := example.Generate(ctx, s, size)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Analyze(ctx); err != nil {
			t.Fatal(err)
		}
		d, err := s.SourceDetail(ctx, id, storetest.Today())
		if err != nil || d.RecommendationCount != size.Recommendations || len(d.Addressees) != 1 {
			t.Fatalf("source: %d recommendations to %d addressees (%v)", d.RecommendationCount, len(d.Addressees), err)
		}
		recs, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: id, Page: tracker.Page{Size: 100}})
		if err != nil {
			t.Fatal(err)
		}
		actions, updates := 0, 0
		for i, r := range recs {
			if r.Recommendation.Number != strconv.Itoa(i+1) {
				t.Fatalf("recommendation %d numbered %q", i+1, r.Recommendation.Number)
			}
			rd, err := s.RecommendationDetail(ctx, r.Recommendation.ID)
			if err != nil || len(rd.Responses) != 1 || rd.Responses[0].Current.Revision != 1 {
				t.Fatalf("recommendation %s: responses %+v (%v)", r.Recommendation.Number, rd.Responses, err)
			}
			actions += len(rd.Actions)
			for _, a := range rd.Actions {
				updates += len(a.Updates)
			}
		}
		if actions != size.Actions || updates != size.Updates {
			t.Errorf("%d actions with %d updates under the recommendations, want %d and %d", actions, updates, size.Actions, size.Updates)
		}
		// Every item has its create event: the source, each recommendation,
		// response, action and update changed since 1900, by the dates the
		// generator gives them.
		_, changed, err := s.ChangedSince(ctx, time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), 5)
		if want := 1 + 2*size.Recommendations + size.Actions + size.Updates; err != nil || changed != want {
			t.Errorf("%d items in the audit trail (%v), want %d", changed, err, want)
		}
		if hits, err := s.Search(ctx, "quarterly basis", 100); err != nil || len(hits) != size.Recommendations/4 {
			t.Errorf("search finds %d recommendations (%v), want %d", len(hits), err, size.Recommendations/4)
		}
	})
}

// TestExampleStatusPerAddressee: in Duty of Care, recommendations 2 and 4
// are made to more than one body; the MPS, which answered, is in progress
// from the day of its response, the others stay open, and the overall
// status follows the rule.
func TestExampleStatusPerAddressee(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	if _, err := example.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	doc, err := s.FindSourceByTitle(ctx, example.DutyOfCareTitle)
	if err != nil {
		t.Fatal(err)
	}
	recs, _, err := s.ListRecommendations(ctx, tracker.RecommendationFilter{SourceID: doc.ID, Page: tracker.AllRows})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range recs {
		r := it.Recommendation
		var got []string
		var statuses []string
		for _, a := range r.Statuses {
			v := a.Organisation.Label() + "=" + a.Status
			if a.StatusDate != nil {
				v += "@" + a.StatusDate.Format("2006-01-02")
			}
			got = append(got, v)
			statuses = append(statuses, a.Status)
		}
		t.Logf("%s: %s → %s", r.Number, strings.Join(got, ", "), r.Status)
		if len(r.Statuses) != len(r.Addressees) || r.Status != tracker.DerivedStatus(statuses, r.Status) {
			t.Errorf("recommendation %s: statuses %v do not give its status %s", r.Number, got, r.Status)
		}
		if r.Number == "2" || r.Number == "4" {
			if len(r.Statuses) < 2 || r.Status != tracker.RecInProgress || !strings.Contains(strings.Join(got, " "), "MPS=in_progress@") ||
				!strings.Contains(strings.Join(got, " "), "=open") {
				t.Errorf("recommendation %s: %v, overall %s", r.Number, got, r.Status)
			}
		}
	}
}

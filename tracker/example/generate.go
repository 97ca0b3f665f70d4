package example

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

// Size is how much data Generate makes.
type Size struct {
	Recommendations int
	Actions         int
	Updates         int
}

// phrases are cut from the seed documents so generated text reads like
// the real thing, curly quotes, dashes and pound signs included.
var phrases = []string{
	"The MPS should work with Victim Support to resolve the issues of poor quality victim data.",
	"Victims’ Code compliance is reviewed monthly – “dip sampling” continues.",
	"Investing £250,000 to improve the Crime Reporting Information System (CRIS).",
	"First line supervisors are feeding back to individual officers and giving management advice.",
	"The hotline will be evaluated after six months and alternative solutions explored if needed.",
	"Leaflet distribution is ongoing and continues to correlate to approximately 20% greater satisfaction.",
	"Training will be designed with key partners, in particular Victim Support, and delivered by professional staff.",
	"Satisfaction of victims is consistent across London and across communities.",
}

func phrase(i, n int) string {
	var b strings.Builder
	for k := 0; k < n; k++ {
		if k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(phrases[(i+k)%len(phrases)])
	}
	return b.String()
}

// generateBatch is how many items Generate hands the store at a time, so
// that memory stays flat however much it makes.
const generateBatch = 5000

// Generate adds one large source with the given numbers of
// recommendations, actions and progress updates, spread evenly, for
// benchmarks and load tests, in one transaction, with the audit trail and
// search index every item gets. It returns the source's id. Refresh the
// planner's statistics afterwards (store.Analyze): the command does.
//
// The log carries its own dates, as an imported one does: the source is
// issued on 15 January 2024, its recommendations are made and its actions
// set that day, and the updates are dated over the 300 days after it. As
// at a day in between, every item exists and the updates up to that day.
func Generate(ctx context.Context, s *store.Store, size Size) (int64, error) {
	var sourceID int64
	day := time.Date(2024, time.January, 15, 0, 0, 0, 0, time.UTC)
	err := s.Bulk(ctx, func(tx *store.Store) error {
		ctx := tracker.TakingEffect(tracker.WithActor(ctx, tracker.Actor{Name: "tracker generate", Channel: tracker.ChannelCommand}), day)
		mps, err := tx.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service", ShortName: "MPS"})
		if err != nil {
			return err
		}
		mopac, err := tx.EnsureOrganisation(ctx, tracker.Organisation{Name: "Mayor's Office for Policing and Crime", ShortName: "MOPAC"})
		if err != nil {
			return err
		}
		src, err := tx.CreateSource(ctx, tracker.Source{Kind: tracker.KindInspection, Title: fmt.Sprintf("Generated inspection %s (%d recommendations)", time.Now().UTC().Format("150405.000000"), size.Recommendations),
			IssuedByID: mopac.ID, Date: &day, Summary: phrase(0, 4)})
		if err != nil {
			return err
		}
		sourceID = src.ID
		recs := make([]int64, 0, size.Recommendations)
		statuses := []string{tracker.RecOpen, tracker.RecInProgress, tracker.RecImplemented, tracker.RecClosed}
		for start := 0; start < size.Recommendations; start += generateBatch {
			batch := make([]tracker.Recommendation, 0, generateBatch)
			for i := start; i < min(start+generateBatch, size.Recommendations); i++ {
				wording := []string{"by April 2025", "over the next six months", "by 2026", "on a quarterly basis"}[i%4]
				batch = append(batch, tracker.Recommendation{
					SourceID: src.ID, Number: fmt.Sprint(i + 1), Title: phrase(i, 1), Text: phrase(i, 3),
					Addressees: []tracker.Organisation{mps}, DeadlineText: wording, DeadlineDate: parsePtr(wording, day), MadeOn: &day,
					Status: statuses[i%len(statuses)], Assessment: tracker.AssessNone,
				})
			}
			made, err := tx.CreateRecommendations(ctx, batch)
			if err != nil {
				return err
			}
			resps := make([]tracker.Response, len(made))
			for k, r := range made {
				i := start + k
				recs = append(recs, r.ID)
				resps[k] = tracker.Response{RecommendationID: r.ID, OrganisationID: mps.ID, Position: tracker.PosAccepted,
					Text: "- " + phrase(i+1, 2) + "\n- " + phrase(i+3, 1), Author: "DAC Victim Care", Date: &day}
			}
			if _, err := tx.CreateResponses(ctx, resps); err != nil {
				return err
			}
		}
		actions := make([]int64, 0, size.Actions)
		rags := []string{tracker.RAGNone, tracker.RAGRed, tracker.RAGAmber, tracker.RAGGreen}
		for start := 0; start < size.Actions; start += generateBatch {
			batch := make([]tracker.Action, 0, generateBatch)
			for i := start; i < min(start+generateBatch, size.Actions); i++ {
				a := tracker.Action{OrganisationID: mps.ID, SourceID: &src.ID, Description: phrase(i+2, 1),
					Owner: fmt.Sprintf("Owner %d", i%25), OwnerUnit: "Victim Care", DueDate: tracker.DatePtr(2025, time.Month(1+i%12), 1+i%28),
					Status: []string{tracker.ActNotStarted, tracker.ActInProgress}[i%2], RAG: rags[i%len(rags)]}
				if i%25 < 5 {
					// A fifth of the owners are people with an address, as
					// an imported log links them: the log filters by them
					// (?person=) and their digests list them.
					a.OwnerEmail = fmt.Sprintf("owner.%d@example.org", i%25)
				}
				if len(recs) > 0 {
					a.RecommendationID = &recs[i%len(recs)]
				}
				batch = append(batch, a)
			}
			made, err := tx.CreateActions(ctx, batch)
			if err != nil {
				return err
			}
			for _, a := range made {
				actions = append(actions, a.ID)
			}
		}
		if len(actions) == 0 {
			return nil
		}
		for start := 0; start < size.Updates; start += generateBatch {
			batch := make([]tracker.Update, 0, generateBatch)
			for i := start; i < min(start+generateBatch, size.Updates); i++ {
				id := actions[i%len(actions)]
				batch = append(batch, tracker.Update{ActionID: &id, Date: day.AddDate(0, 0, i%300), Author: "Working group chair", Text: phrase(i+4, 2)})
			}
			if _, err := tx.CreateUpdates(ctx, batch); err != nil {
				return err
			}
		}
		return nil
	})
	return sourceID, err
}

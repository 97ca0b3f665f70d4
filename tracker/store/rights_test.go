package store_test

import (
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestRecommendationRightsReadOnce: what a person may do on a
// recommendation's page (change it, set which addressees' own status)
// agrees with the one-at-a-time checks, and is read with as many
// statements for five addressees as for one: the recommendation's scope,
// which counts the addressees of its whole source, is read once, not once
// an addressee.
func TestRecommendationRightsReadOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		w := newCommandWorld(t, s)
		ctx := w.ctx
		src := w.source("Duty of Care", w.la)
		others := []tracker.Organisation{w.colp, w.mps}
		for _, name := range []string{"Victim Support", "MOPAC", "Crown Prosecution Service"} {
			o, err := s.EnsureOrganisation(ctx, tracker.Organisation{Name: name})
			if err != nil {
				t.Fatal(err)
			}
			others = append(others, o)
		}
		one := w.recommendation(src, "1", w.colp)
		five := w.recommendation(src, "2", others...)
		for _, u := range []*tracker.User{w.admin, w.secretary, w.editor, w.view} {
			cmds := s.As(u)
			statements := map[int64]int{}
			for _, rec := range []tracker.Recommendation{one, five} {
				var r store.RecommendationRights
				var err error
				statements[rec.ID] = s.Statements(func() { r, err = cmds.RecommendationRights(ctx, rec.ID) })
				if err != nil {
					t.Fatal(err)
				}
				if want := cmds.MayChangeRecommendation(ctx, rec.ID); (r.Change == nil) != (want == nil) {
					t.Errorf("%s, recommendation %s: may change %v, one at a time %v", u.Name, rec.Number, r.Change, want)
				}
				if len(r.SetStatus) != len(rec.Addressees) {
					t.Errorf("%s, recommendation %s: rights for %d addressees of %d", u.Name, rec.Number, len(r.SetStatus), len(rec.Addressees))
				}
				for _, o := range rec.Addressees {
					if want := cmds.MaySetAddresseeStatus(ctx, rec.ID, o.ID); r.SetStatus[o.ID] != (want == nil) {
						t.Errorf("%s, recommendation %s: may set %s's status %v, one at a time %v", u.Name, rec.Number, o.Name, r.SetStatus[o.ID], want)
					}
				}
			}
			if statements[one.ID] != statements[five.ID] {
				t.Errorf("%s: %d statements for one addressee, %d for five", u.Name, statements[one.ID], statements[five.ID])
			}
		}
	})
}

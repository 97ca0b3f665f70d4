package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

// TestFollowersAreTold: changing a followed recommendation's status queues
// one email to each follower but the person who changed it, saying what
// changed; the follower's one-click link stops them, without signing in.
func TestFollowersAreTold(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Chair", Channel: tracker.ChannelCommand})
		org, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "MOPAC"})
		src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindInspection, Title: "Duty of Care", IssuedByID: org.ID})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "4", Text: "The Victims’ Code…", Status: tracker.RecOpen, Assessment: tracker.AssessNone, Addressees: []tracker.Organisation{org}})
		if err != nil {
			t.Fatal(err)
		}
		jo, _ := s.CreateUser(ctx, tracker.User{Email: "jo@example.org", Name: "Jo", Role: tracker.RoleViewer}, "a long enough password")
		admin, _ := s.CreateUser(ctx, tracker.User{Email: "admin@example.org", Role: tracker.RoleAdmin}, "a long enough password")
		for _, u := range []tracker.User{jo, admin} {
			if err := s.As(&u).Follow(ctx, rec.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.As(&admin).ChangeRecommendation(ctx, rec.ID, store.RecommendationChange{Version: rec.Version, Status: tracker.RecInProgress, Assessment: rec.Assessment}); err != nil {
			t.Fatal(err)
		}
		log, n, err := s.Emails(ctx, tracker.Page{Number: 1, Size: 10})
		if err != nil || n != 1 {
			t.Fatalf("emails: %d %v", n, err)
		}
		e, _ := s.Email(ctx, log[0].ID)
		if e.To != "jo@example.org" || e.Status != tracker.EmailQueued || e.Subject != "Changed: Recommendation 4 of Duty of Care" || !strings.Contains(e.Text, "Status: ") {
			t.Fatalf("notice: %+v", e)
		}
		i := strings.Index(e.UnsubscribeURL, "/unsubscribe/")
		parts := strings.Split(e.UnsubscribeURL[i+len("/unsubscribe/"):], "/")
		if _, err := s.Unsubscribe(ctx, parts[0], parts[1]); err != nil {
			t.Fatal(err)
		}
		if on, _ := s.Following(ctx, jo.ID, rec.ID); on {
			t.Error("still following after unsubscribing")
		}
		if _, err := s.Unsubscribe(ctx, "not-a-token", parts[1]); err == nil {
			t.Error("a made-up token unsubscribed someone")
		}
	})
}

// TestFollowersAreToldOfAddresseeStatus: an addressee's own status that
// moves the recommendation's overall status tells its followers; one that
// leaves the overall status as it was does not.
func TestFollowersAreToldOfAddresseeStatus(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := tracker.WithActor(context.Background(), tracker.Actor{Name: "Chair", Channel: tracker.ChannelCommand})
		mps, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "Metropolitan Police Service"})
		mopac, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "MOPAC"})
		src, err := s.CreateSource(ctx, tracker.Source{Kind: tracker.KindInspection, Title: "Duty of Care", IssuedByID: mopac.ID})
		if err != nil {
			t.Fatal(err)
		}
		rec, err := s.CreateRecommendation(ctx, tracker.Recommendation{SourceID: src.ID, Number: "2", Text: "Work with Victim Support – “data”", Status: tracker.RecOpen,
			Assessment: tracker.AssessNone, Addressees: []tracker.Organisation{mps, mopac}})
		if err != nil {
			t.Fatal(err)
		}
		jo, _ := s.CreateUser(ctx, tracker.User{Email: "jo@example.org", Name: "Jo", Role: tracker.RoleViewer}, "a long enough password")
		admin, _ := s.CreateUser(ctx, tracker.User{Email: "admin@example.org", Role: tracker.RoleAdmin}, "a long enough password")
		if err := s.As(&jo).Follow(ctx, rec.ID, true); err != nil {
			t.Fatal(err)
		}
		set := func(org int64, status string) {
			t.Helper()
			d, err := s.RecommendationDetail(ctx, rec.ID)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := d.Recommendation.StatusOf(org)
			if err := s.As(&admin).SetAddresseeStatus(ctx, rec.ID, org, tracker.AddresseeStatusChange{Status: status, Version: st.Version}); err != nil {
				t.Fatal(err)
			}
		}
		set(mps.ID, tracker.RecInProgress) // open → in progress overall
		set(mopac.ID, tracker.RecInProgress)
		log, n, err := s.Emails(ctx, tracker.Page{Number: 1, Size: 10})
		if err != nil || n != 1 {
			t.Fatalf("emails: %d (want 1: the second change left the overall status as it was) %v", n, err)
		}
		e, _ := s.Email(ctx, log[0].ID)
		if e.To != "jo@example.org" || !strings.Contains(e.Text, "Status: Open → In progress") {
			t.Errorf("notice: %+v", e)
		}
	})
}

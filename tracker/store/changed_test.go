package store

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// TestChangedSinceAsTheTrailSays: the overview's "changed since", read
// from the latest changes and the changes per day, gives the total and the
// items that counting the audit trail itself gives, for moments at
// midnight, inside a day and before any change.
func TestChangedSinceAsTheTrailSays(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 3, 10, 15, 30, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Second); return now }
	s, err := Open(ctx, filepath.Join(t.TempDir(), "changed.db"), WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org, _ := s.EnsureOrganisation(ctx, tracker.Organisation{Name: "MPS"})
	var actions []tracker.Action
	for i := 0; i < 12; i++ {
		a, err := s.CreateAction(ctx, tracker.Action{OrganisationID: org.ID, Description: fmt.Sprint("Action ", i), Status: tracker.ActNotStarted})
		if err != nil {
			t.Fatal(err)
		}
		actions = append(actions, a)
		if i%4 == 3 {
			now = now.Add(20 * time.Hour) // the next ones a day or so later
		}
	}
	// Some older items change again later.
	for _, a := range actions[:5] {
		id := a.ID
		if _, err := s.CreateUpdate(ctx, tracker.Update{ActionID: &id, Date: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Author: "Chair", Text: "Later."}); err != nil {
			t.Fatal(err)
		}
		now = now.Add(5 * time.Hour)
	}
	if err := errors.Join(s.CheckDerived(ctx), s.CheckVersions(ctx)); err != nil {
		t.Fatal(err)
	}
	entities := []string{EntitySource, EntityRecommendation, EntityResponse, EntityAction, EntityUpdate}
	for _, since := range []time.Time{
		time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 10, 15, 30, 5, 0, time.UTC), time.Date(2026, 3, 11, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 12, 0, 0, 0, 0, time.UTC), time.Date(2026, 3, 13, 9, 0, 0, 0, time.UTC), now,
	} {
		var want int64
		if err := s.q(ctx).Table("audit_events").Where("effective_at > ? AND entity IN ?", since, entities).
			Distinct("entity", "entity_id").Count(&want).Error; err != nil {
			t.Fatal(err)
		}
		type row struct {
			Entity   string
			EntityID int64
		}
		var wantRows []row
		// Latest in effect first; of the same moment, latest recorded.
		if err := s.q(ctx).Table("audit_events").Select("entity, entity_id").Where("entity IN ?", entities).
			Group("entity, entity_id").Having("MAX(effective_at) > ?", since).
			Order("MAX(effective_at) DESC, MAX(id) DESC").Limit(6).Scan(&wantRows).Error; err != nil {
			t.Fatal(err)
		}
		items, total, err := s.ChangedSince(ctx, since, 6)
		if err != nil {
			t.Fatal(err)
		}
		if int64(total) != want {
			t.Errorf("since %s: %d changed, the trail says %d", since, total, want)
		}
		var got, wanted []string
		for _, it := range items {
			got = append(got, fmt.Sprintf("%s/%d", it.Hit.Entity, it.Hit.ID))
		}
		for _, r := range wantRows {
			wanted = append(wanted, fmt.Sprintf("%s/%d", r.Entity, r.EntityID))
		}
		if fmt.Sprint(got) != fmt.Sprint(wanted) {
			t.Errorf("since %s: %v, the trail says %v", since, got, wanted)
		}
	}
}

package tracker

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// TestVersionsAreRebuildsBetweenChanges: each version Versions gives is the
// item as Rebuild gives it at the version's start and just before its end,
// the versions follow one another without gap, and the last ends where
// the item's latest state begins; for items made in the trail and before
// it, with changes dated out of order, before their creation, at the same
// moment, deleted and restored.
func TestVersionsAreRebuildsBetweenChanges(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	base := time.Date(2024, 1, 15, 0, 0, 0, 0, time.UTC)
	for n := 0; n < 500; n++ {
		var events []AuditEvent
		created := r.IntN(4) > 0
		count := 1 + r.IntN(8)
		for i := 0; i < count; i++ {
			e := AuditEvent{ID: int64(i + 1), At: base.AddDate(0, 0, 10*i), EffectiveAt: base.AddDate(0, 0, r.IntN(60)-10), Op: OpUpdate,
				Changes: []Change{{Field: []string{"status", "rag", "text"}[r.IntN(3)], Old: r.IntN(3), New: r.IntN(3)}}}
			switch {
			case i == 0 && created:
				e.Op = OpCreate
			case r.IntN(6) == 0:
				e.Op, e.Changes = []string{OpDelete, OpRestore}[r.IntN(2)], nil
			}
			events = append(events, e)
		}
		vs := Versions(events)
		for i, v := range vs {
			if !v.From.Before(v.To) {
				t.Fatalf("case %d: version %d runs from %s to %s", n, i, v.From, v.To)
			}
			if i > 0 && !vs[i-1].To.Equal(v.From) {
				t.Fatalf("case %d: a gap between versions %d and %d", n, i-1, i)
			}
			for _, at := range []time.Time{v.From, v.To.Add(-time.Microsecond)} {
				if want := Rebuild(events, at); !reflect.DeepEqual(v.Snapshot, want) {
					t.Fatalf("case %d: version %d is %+v, Rebuild at %s gives %+v", n, i, v.Snapshot, at, want)
				}
			}
		}
		if len(vs) > 0 {
			last := vs[len(vs)-1].To
			if !reflect.DeepEqual(Rebuild(events, last), Rebuild(events, base.AddDate(10, 0, 0))) {
				t.Fatalf("case %d: the last version does not end where the latest state begins", n)
			}
		}
	}
}

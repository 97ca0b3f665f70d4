package tracker

import (
	"testing"
	"time"
)

func TestRebuildByEffectiveDates(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2013, 3, d, 0, 0, 0, 0, time.UTC) }
	typed := time.Date(2026, 11, 29, 10, 0, 0, 0, time.UTC)
	ev := func(id int64, op string, effective time.Time, field string, old, new any) AuditEvent {
		return AuditEvent{ID: id, At: typed.Add(time.Duration(id) * time.Second), EffectiveAt: effective, Op: op,
			Changes: []Change{{Field: field, Old: old, New: new}}}
	}
	// Typed in today, in this order: made on 1 March, red on 20 March, then
	// a change dated 10 March (typed last), and one dated before the item
	// was made.
	events := []AuditEvent{
		ev(1, OpCreate, day(1), "rag", nil, ""),
		ev(2, OpUpdate, day(20), "rag", "", "red"),
		ev(3, OpUpdate, day(10), "rag", "red", "amber"),
		ev(4, OpUpdate, day(1).AddDate(0, 0, -20), "owner", "", "D/Supt Crime"),
	}
	for _, c := range []struct {
		at     time.Time
		exists bool
		rag    any
		owner  any
	}{
		{day(1).Add(-time.Microsecond), false, nil, nil},
		{EndOfDay(day(1)), true, "", "D/Supt Crime"}, // dated before the making: counts from it
		{EndOfDay(day(10)), true, "amber", "D/Supt Crime"},
		{EndOfDay(day(25)), true, "red", "D/Supt Crime"}, // the later date wins, though typed earlier
	} {
		s := Rebuild(events, c.at)
		if s.Exists != c.exists || (c.exists && (s.Fields["rag"] != c.rag || s.Fields["owner"] != c.owner)) {
			t.Errorf("as at %s: %+v, want exists %v, rag %v, owner %v", c.at, s, c.exists, c.rag, c.owner)
		}
	}
	// As recorded, the order of typing counts.
	if s := Rebuild(AsRecorded(events), typed.Add(3*time.Second)); s.Fields["rag"] != "amber" {
		t.Errorf("as recorded after the third event: %+v", s)
	}
	if s := Rebuild(AsRecorded(events), typed); s.Exists {
		t.Errorf("as recorded before anything was typed: %+v", s)
	}

	// An item made before the trail began exists all along, each field at
	// its first change's old value until then.
	old := []AuditEvent{ev(7, OpUpdate, day(15), "rag", "green", "red")}
	if s := Rebuild(old, EndOfDay(day(2))); !s.Exists || s.Fields["rag"] != "green" {
		t.Errorf("before its first recorded change: %+v", s)
	}
	if s := Rebuild(old, EndOfDay(day(15))); !s.Exists || s.Fields["rag"] != "red" {
		t.Errorf("after its first recorded change: %+v", s)
	}
}

func TestTakingEffect(t *testing.T) {
	ctx := TakingEffect(t.Context(), time.Date(2013, 3, 1, 15, 4, 5, 0, time.UTC))
	if d, ok := EffectiveFrom(ctx); !ok || !d.Equal(time.Date(2013, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("EffectiveFrom = %v, %v; want the day", d, ok)
	}
	if _, ok := EffectiveFrom(TakingEffect(t.Context(), time.Time{})); ok {
		t.Error("a zero day set an effective date")
	}
}

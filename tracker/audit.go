package tracker

import (
	"context"
	"encoding/json"
	"maps"
	"sort"
	"time"
)

// Channels through which a change arrives.
const (
	ChannelPage    = "page"
	ChannelAPI     = "api"
	ChannelImport  = "import"
	ChannelCommand = "command line"
)

// Audit operations.
const (
	OpCreate  = "create"
	OpUpdate  = "update"
	OpDelete  = "delete"
	OpRestore = "restore"
)

// Actor is who makes a change and through which channel.
type Actor struct {
	UserID  *int64
	Name    string
	Channel string
}

type actorKey struct{}

// WithActor returns a context whose changes are recorded as made by a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor of ctx; changes without one are recorded as
// made by the system from the command line.
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Name: "system", Channel: ChannelCommand}
}

type effectiveKey struct{}

// TakingEffect returns a context whose changes are recorded as having taken
// effect on day d (a progress update's date, the day a status changed, the
// date a document gives) rather than when they were typed in. "As at" reads
// the log by these dates. A day after the moment of recording is recorded
// as the moment itself: nothing takes effect in the future.
func TakingEffect(ctx context.Context, d time.Time) context.Context {
	if d.IsZero() {
		return ctx
	}
	return context.WithValue(ctx, effectiveKey{}, Day(d))
}

// EffectiveFrom returns the day set by TakingEffect, if any.
func EffectiveFrom(ctx context.Context) (time.Time, bool) {
	d, ok := ctx.Value(effectiveKey{}).(time.Time)
	return d, ok
}

// Change is one field's old and new value. Values are JSON values: dates as
// "2006-01-02", times as RFC 3339, numbers, strings, booleans or null.
type Change struct {
	Field string `json:"field"`
	Old   any    `json:"old"`
	New   any    `json:"new"`
}

// AuditEvent is one recorded change to one item. At is when it was
// recorded; EffectiveAt when it took effect in the log (zero: when it was
// recorded).
type AuditEvent struct {
	ID          int64
	At          time.Time
	EffectiveAt time.Time
	ActorID     *int64
	Actor       string
	Channel     string
	Entity      string
	EntityID    int64
	Op          string
	Changes     []Change
}

// Effective is when the event took effect: EffectiveAt, or At when unset.
func (e AuditEvent) Effective() time.Time {
	if e.EffectiveAt.IsZero() {
		return e.At
	}
	return e.EffectiveAt
}

// AsRecorded returns the events with each taking effect when it was
// recorded: the log as the tracker knew it, rather than as it stood by its
// own dates.
func AsRecorded(events []AuditEvent) []AuditEvent {
	out := make([]AuditEvent, len(events))
	for i, e := range events {
		e.EffectiveAt = e.At
		out[i] = e
	}
	return out
}

// Diff lists the fields whose values differ between two snapshots, in
// field order. A nil before means the item is new.
func Diff(before, after map[string]any) []Change {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []Change
	for _, k := range names {
		o, n := before[k], after[k]
		if before != nil && sameJSON(o, n) {
			continue
		}
		out = append(out, Change{Field: k, Old: o, New: n})
	}
	return out
}

func sameJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// Snapshot is an item's fields as they stood at a moment.
type Snapshot struct {
	Fields  map[string]any
	Exists  bool
	Deleted bool
}

// inEffect returns an item's events in the order they took effect, the
// moment each counts from, and whether the trail holds the item's
// creation. A change cannot take effect before the item existed: one dated
// earlier than the creation counts from the creation.
func inEffect(events []AuditEvent) (sorted []AuditEvent, when func(AuditEvent) time.Time, created bool) {
	sorted = append([]AuditEvent(nil), events...)
	var born time.Time
	for _, e := range sorted {
		if e.Op == OpCreate {
			born, created = e.Effective(), true
			break
		}
	}
	when = func(e AuditEvent) time.Time {
		if t := e.Effective(); t.After(born) || e.Op == OpCreate {
			return t
		}
		return born
	}
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := when(sorted[i]), when(sorted[j])
		if a.Equal(b) {
			return sorted[i].ID < sorted[j].ID
		}
		return a.Before(b)
	})
	return sorted, when, created
}

// Version is an item as it stood from one moment until the next change
// took effect.
type Version struct {
	From, To time.Time
	Snapshot
}

// Before is a moment before any change a tracker records: an item made
// before its trail began stood from then until its first recorded change.
var Before = time.Date(1900, time.January, 1, 0, 0, 0, 0, time.UTC)

// Versions returns each state an item went through before its latest, as
// Rebuild gives it from each moment a change took effect until the next:
// for an item made before its trail began, from Before. The latest state,
// the item as it is, is left out. A state in which the item did not exist
// or was deleted is a version too (Exists false or Deleted true).
func Versions(events []AuditEvent) []Version {
	sorted, when, created := inEffect(events)
	var out []Version
	s := before(sorted, created)
	if !created && len(sorted) > 0 {
		out = append(out, Version{From: Before, Snapshot: s.copy()})
	}
	// One pass: each state is kept as the events of its moment leave it.
	for i, e := range sorted {
		s.apply(e)
		t := when(e)
		if i+1 < len(sorted) && !when(sorted[i+1]).After(t) {
			continue // more take effect at the same moment
		}
		if len(out) > 0 {
			out[len(out)-1].To = t
		}
		if i+1 < len(sorted) {
			out = append(out, Version{From: t, Snapshot: s.copy()})
		}
	}
	return out
}

// Rebuild replays an item's audit events in the order they took effect, up
// to and including the moment at, and returns the item as it stood then.
// Exists is false when the item had not been created by then; an item whose
// trail has no creation was made before the trail began and always exists.
func Rebuild(events []AuditEvent, at time.Time) Snapshot {
	sorted, when, created := inEffect(events)
	s := before(sorted, created)
	for _, e := range sorted {
		if when(e).After(at) {
			break
		}
		s.apply(e)
	}
	return s
}

// before is an item as it stood before its first event: for one made
// before the trail began, which existed all along, each field at the old
// value of its first recorded change; for any other, nothing.
func before(sorted []AuditEvent, created bool) Snapshot {
	if created {
		return Snapshot{}
	}
	s := Snapshot{Fields: map[string]any{}, Exists: true}
	for i := len(sorted) - 1; i >= 0; i-- {
		for _, c := range sorted[i].Changes {
			s.Fields[c.Field] = c.Old
		}
	}
	return s
}

// apply changes the item as one of its events says.
func (s *Snapshot) apply(e AuditEvent) {
	switch e.Op {
	case OpCreate:
		*s = Snapshot{Fields: map[string]any{}, Exists: true}
		for _, c := range e.Changes {
			s.Fields[c.Field] = c.New
		}
	case OpUpdate:
		if s.Fields == nil {
			s.Fields = map[string]any{}
		}
		for _, c := range e.Changes {
			s.Fields[c.Field] = c.New
		}
	case OpDelete:
		s.Deleted = true
	case OpRestore:
		s.Deleted = false
	}
}

// copy is the snapshot with fields of its own.
func (s Snapshot) copy() Snapshot {
	s.Fields = maps.Clone(s.Fields)
	return s
}

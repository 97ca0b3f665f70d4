package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"time"

	"gorm.io/gorm/schema"

	"github.com/civic-tracker/tracker/tracker"
)

type auditRow struct {
	ID          int64
	At          time.Time
	EffectiveAt time.Time
	ActorID     *int64
	Actor       string
	Channel     string
	Entity      string
	EntityID    int64
	Op          string
	Changes     string
}

func (auditRow) TableName() string { return "audit_events" }

func (r auditRow) domain() tracker.AuditEvent {
	e := tracker.AuditEvent{ID: r.ID, At: r.At.UTC(), EffectiveAt: r.EffectiveAt.UTC(), ActorID: r.ActorID, Actor: r.Actor, Channel: r.Channel,
		Entity: r.Entity, EntityID: r.EntityID, Op: r.Op}
	_ = json.Unmarshal([]byte(r.Changes), &e.Changes)
	return e
}

// Entity names used in the audit trail.
const (
	EntityOrganisation   = "organisation"
	EntitySource         = "source"
	EntityRecommendation = "recommendation"
	EntityResponse       = "response"
	EntityAction         = "action"
	EntityUpdate         = "update"
	EntityReference      = "reference"
	EntityReply          = "reply"
	EntityMeasure        = "measure"
	EntityUser           = "user"
	EntityImportMapping  = "import_mapping"
)

// notAudited are columns that say nothing a reader of the history needs:
// the event itself carries the time, and secrets never enter the trail.
var notAudited = map[string]bool{"id": true, "created_at": true, "updated_at": true, "deleted_at": true, "password_hash": true,
	// a copy of the item's latest change (KeptLatest)
	"last_effective_at": true,
	// a meeting's frozen schedule: its issue is recorded by its status and issued_at
	"issued_schedule": true}

var schemaCache sync.Map

// snapshot turns a row into field → JSON value, the form the trail keeps.
func (s *Store) snapshot(row any) map[string]any {
	sch, err := schema.Parse(row, &schemaCache, s.db.NamingStrategy)
	if err != nil {
		panic(fmt.Sprintf("audit: parse %T: %v", row, err))
	}
	rv := reflect.Indirect(reflect.ValueOf(row))
	out := map[string]any{}
	for _, f := range sch.Fields {
		if f.DBName == "" || notAudited[f.DBName] {
			continue
		}
		v, _ := f.ValueOf(context.Background(), rv)
		out[f.DBName] = auditValue(v)
	}
	return out
}

// auditValue converts a column value to the JSON value the trail stores:
// dates as "2006-01-02", times as RFC 3339 in UTC, nil pointers as null.
func auditValue(v any) any {
	switch t := v.(type) {
	case nil:
		return nil
	case time.Time:
		return timeValue(t)
	case *time.Time:
		if t == nil {
			return nil
		}
		return timeValue(*t)
	case *int64:
		if t == nil {
			return nil
		}
		return *t
	case *float64:
		if t == nil {
			return nil
		}
		return *t
	}
	// Round-trip through JSON so stored and fresh values compare alike.
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func timeValue(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	if u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0 {
		return u.Format("2006-01-02")
	}
	return u.Format(time.RFC3339Nano)
}

// record writes one audit event in the store's transaction, as the actor
// of ctx, taking effect on the day ctx gives (tracker.TakingEffect) if that
// is before now.
func (s *Store) record(ctx context.Context, entity string, id int64, op string, changes []tracker.Change) error {
	now := s.Now()
	return s.recordAt(ctx, entity, id, op, changes, now, takingEffect(ctx, nil, nil, now))
}

// recordAt writes one audit event recorded at now and taking effect at
// effective.
func (s *Store) recordAt(ctx context.Context, entity string, id int64, op string, changes []tracker.Change, now, effective time.Time) error {
	row, err := s.auditEvent(ctx, entity, id, op, changes, now, effective)
	if err != nil {
		return err
	}
	if s.later != nil {
		s.later.add(row)
		return nil
	}
	if err := s.q(ctx).Create(&row).Error; err != nil {
		return fmt.Errorf("record %s of %s %d: %w", op, entity, id, err)
	}
	// Every change passes here, so here the search index follows it, and
	// the item's versions.
	if err := s.reindex(ctx, entity, id); err != nil {
		return err
	}
	return s.changedItem(ctx, entity, id, op)
}

// auditEvent is the row of one audit event, by the actor of ctx.
func (s *Store) auditEvent(ctx context.Context, entity string, id int64, op string, changes []tracker.Change, now, effective time.Time) (auditRow, error) {
	if changes == nil {
		changes = []tracker.Change{}
	}
	b, err := json.Marshal(changes)
	if err != nil {
		return auditRow{}, fmt.Errorf("audit: %w", err)
	}
	a := tracker.ActorFrom(ctx)
	return auditRow{At: now, EffectiveAt: effective, ActorID: a.UserID, Actor: a.Name, Channel: a.Channel,
		Entity: entity, EntityID: id, Op: op, Changes: string(b)}, nil
}

// takingEffect is when a change recorded at now takes effect: on the day
// of the new row's own date (dated), else on the day on, else on the day
// ctx gives (tracker.TakingEffect), when that day is before now; at now
// otherwise. A zero date is no date.
func takingEffect(ctx context.Context, row any, on *time.Time, now time.Time) time.Time {
	day, ok := tracker.EffectiveFrom(ctx)
	if on != nil && !on.IsZero() {
		day, ok = tracker.Day(*on), true
	}
	if d, isDated := row.(dated); isDated {
		if own := d.takesEffect(); own != nil && !own.IsZero() {
			day, ok = tracker.Day(*own), true
		}
	}
	if ok && day.Before(now) {
		return day
	}
	return now
}

// keepsLatest is a row of a versioned table, which carries its item's
// latest change (KeptLatest).
type keepsLatest interface{ latest() *KeptLatest }

// stamp gives a new row, before it is written, the moment its creation
// will take effect (see KeptLatest), on as for takingEffect; recordCreate
// then records its creation as made at the moment of the stamp, taking
// effect at the moment stamped. Rows of other tables are left as they are.
func (s *Store) stamp(ctx context.Context, row any, on *time.Time) {
	if k, ok := row.(keepsLatest); ok {
		now := s.Now()
		at := takingEffect(ctx, row, on, now)
		k.latest().LastEffectiveAt, k.latest().stamped = &at, now
	}
}

// created is when the creation of row is recorded and when it takes
// effect: as stamp gave them, or now and as takingEffect says.
func (s *Store) created(ctx context.Context, row any, on *time.Time) (now, effective time.Time) {
	if k, ok := row.(keepsLatest); ok && k.latest().LastEffectiveAt != nil && !k.latest().stamped.IsZero() {
		return k.latest().stamped, *k.latest().LastEffectiveAt
	}
	now = s.Now()
	return now, takingEffect(ctx, row, on, now)
}

// recordCreate records a new item with all of its fields; extra adds
// fields kept in other tables (addressees, links).
//
// A row that carries its own date (a progress update's, a response's, a
// document's) is recorded as taking effect on that day.
func (s *Store) recordCreate(ctx context.Context, entity string, id int64, row any, extra map[string]any) error {
	snap := s.snapshot(row)
	for k, v := range extra {
		snap[k] = auditValue(v)
	}
	now, effective := s.created(ctx, row, nil)
	return s.recordAt(ctx, entity, id, tracker.OpCreate, tracker.Diff(nil, snap), now, effective)
}

// dated is a row whose creation takes effect on a day of its own.
type dated interface{ takesEffect() *time.Time }

// recordUpdate records the fields that differ between two versions of a row;
// nothing is written when nothing changed.
func (s *Store) recordUpdate(ctx context.Context, entity string, id int64, before, after any) error {
	changes := tracker.Diff(s.snapshot(before), s.snapshot(after))
	if len(changes) == 0 {
		return nil
	}
	return s.record(ctx, entity, id, tracker.OpUpdate, changes)
}

// History returns an item's audit events, oldest first.
func (s *Store) History(ctx context.Context, entity string, id int64) ([]tracker.AuditEvent, error) {
	var rows []auditRow
	if err := s.q(ctx).Where("entity = ? AND entity_id = ?", entity, id).Order("at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load history: %w", err)
	}
	out := make([]tracker.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// ActionHistory returns the events of an action and of its progress
// updates, oldest first.
func (s *Store) ActionHistory(ctx context.Context, id int64) ([]tracker.AuditEvent, error) {
	// Two index lookups joined with UNION ALL: an OR across them is one
	// scan of every event on PostgreSQL.
	var rows []auditRow
	err := s.q(ctx).Raw(`SELECT * FROM audit_events WHERE entity = ? AND entity_id = ?
		UNION ALL
		SELECT e.* FROM audit_events e JOIN progress_updates u ON e.entity = ? AND e.entity_id = u.id WHERE u.action_id = ?
		ORDER BY at, id`, EntityAction, id, EntityUpdate, id).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load action history: %w", err)
	}
	out := make([]tracker.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

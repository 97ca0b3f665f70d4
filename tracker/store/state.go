package store

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/civic-tracker/tracker/tracker"
)

// State loads the whole tracker as it stood at the moment at. When nothing
// has changed since then, that is simply today's rows; otherwise each item
// is rebuilt from its audit events, items created later are left out and
// items deleted at the time are left out even if they were restored since.
// With since set, items created or changed between since and at are marked.
//
// "As at" follows the log's own dates: each change counts from the day it
// took effect (an update's date, a response's, the day a status changed),
// whenever it was typed in. StateAsRecorded reads by the day each change
// was recorded instead.
func (s *Store) State(ctx context.Context, at time.Time, since *time.Time) (*tracker.State, error) {
	return s.state(ctx, at, since, false)
}

// StateAsRecorded is State by the moments changes were recorded: what the
// tracker knew at the moment at, for an auditor.
func (s *Store) StateAsRecorded(ctx context.Context, at time.Time, since *time.Time) (*tracker.State, error) {
	return s.state(ctx, at, since, true)
}

func (s *Store) state(ctx context.Context, at time.Time, since *time.Time, recorded bool) (*tracker.State, error) {
	at = at.UTC()
	st := &tracker.State{AsAt: at, Since: since, Organisations: map[int64]tracker.Organisation{}, ReferenceRecs: map[int64][]int64{}}

	column := "effective_at"
	if recorded {
		column = "at"
	}
	var later int64
	if err := s.q(ctx).Model(&auditRow{}).Where(column+" > ?", at).Count(&later).Error; err != nil {
		return nil, fmt.Errorf("check the audit trail: %w", err)
	}
	rebuild := later > 0
	// Every event, not only those up to the moment: an item whose first
	// event comes later did not exist yet, which Rebuild tells from them.
	var events map[string]map[int64][]tracker.AuditEvent
	if rebuild || since != nil {
		var err error
		if events, err = s.allEvents(ctx, recorded); err != nil {
			return nil, err
		}
	}
	// load reads every row of a table, rebuilt at the moment when needed;
	// keep reports whether the row stood at that moment.
	load := func(entity string, dest any, current *gorm.DB) error {
		// The timestamps are not shown in reports and cost a text-to-time
		// parse per row on SQLite.
		q := current.Omit("created_at", "updated_at")
		if rebuild {
			q = q.Unscoped()
		}
		if err := q.Order("id").Find(dest).Error; err != nil {
			return fmt.Errorf("load %s: %w", entity, err)
		}
		if !rebuild {
			return nil
		}
		rows := reflect.ValueOf(dest).Elem()
		kept := reflect.MakeSlice(rows.Type(), 0, rows.Len())
		for i := 0; i < rows.Len(); i++ {
			row := rows.Index(i).Addr().Interface()
			id := rows.Index(i).FieldByName("ID").Int()
			evs := events[entity][id]
			if len(evs) == 0 {
				// Written before the trail existed (or outside it): as it is,
				// unless it is deleted now.
				if del := rows.Index(i).FieldByName("DeletedAt"); del.IsValid() && del.Interface().(gorm.DeletedAt).Valid {
					continue
				}
				kept = reflect.Append(kept, rows.Index(i))
				continue
			}
			snap := tracker.Rebuild(evs, at)
			if !snap.Exists || snap.Deleted {
				continue
			}
			if err := s.applySnapshot(row, snap.Fields); err != nil {
				return fmt.Errorf("rebuild %s %d: %w", entity, id, err)
			}
			kept = reflect.Append(kept, rows.Index(i))
		}
		rows.Set(kept)
		return nil
	}

	var orgs []organisationRow
	if err := s.q(ctx).Order("id").Find(&orgs).Error; err != nil {
		return nil, fmt.Errorf("load organisations: %w", err)
	}
	for _, o := range orgs {
		st.Organisations[o.ID] = o.domain()
	}
	var sources []sourceRow
	if err := load(EntitySource, &sources, s.q(ctx).Model(&sourceRow{})); err != nil {
		return nil, err
	}
	for _, r := range sources {
		src := r.domain()
		src.IssuedBy = st.Organisations[r.IssuedByID]
		st.Sources = append(st.Sources, src)
	}
	var recs []recommendationRow
	if err := load(EntityRecommendation, &recs, s.q(ctx).Model(&recommendationRow{})); err != nil {
		return nil, err
	}
	var links []addresseeRow
	if err := s.q(ctx).Order("recommendation_id, sort_order").Find(&links).Error; err != nil {
		return nil, fmt.Errorf("load addressees: %w", err)
	}
	addressees := map[int64][]tracker.Organisation{}
	for _, l := range links {
		addressees[l.RecommendationID] = append(addressees[l.RecommendationID], st.Organisations[l.OrganisationID])
	}
	for _, r := range recs {
		rec := r.domain()
		rec.Addressees = addressees[r.ID]
		if ids, ok := linksAt(rebuild, events[EntityRecommendation][r.ID], at, "addressees"); ok {
			rec.Addressees = rec.Addressees[:0:0]
			for _, id := range ids {
				rec.Addressees = append(rec.Addressees, st.Organisations[id])
			}
		}
		st.Recommendations = append(st.Recommendations, rec)
	}
	var responses []responseRow
	if err := load(EntityResponse, &responses, s.q(ctx).Model(&responseRow{})); err != nil {
		return nil, err
	}
	for _, r := range responses {
		st.Responses = append(st.Responses, r.domain())
	}
	var actions []actionRow
	if err := load(EntityAction, &actions, s.q(ctx).Model(&actionRow{})); err != nil {
		return nil, err
	}
	for _, r := range actions {
		st.Actions = append(st.Actions, r.domain())
	}
	var updates []updateRow
	if err := load(EntityUpdate, &updates, s.q(ctx).Model(&updateRow{})); err != nil {
		return nil, err
	}
	for _, r := range updates {
		st.Updates = append(st.Updates, r.domain())
	}
	var refs []referenceRow
	if err := load(EntityReference, &refs, s.q(ctx).Model(&referenceRow{})); err != nil {
		return nil, err
	}
	for _, r := range refs {
		st.References = append(st.References, r.domain())
	}
	var refLinks []referenceRecommendationRow
	if err := s.q(ctx).Order("reference_id, sort_order").Find(&refLinks).Error; err != nil {
		return nil, fmt.Errorf("load reference links: %w", err)
	}
	for _, l := range refLinks {
		st.ReferenceRecs[l.ReferenceID] = append(st.ReferenceRecs[l.ReferenceID], l.RecommendationID)
	}
	for _, r := range refs {
		if ids, ok := linksAt(rebuild, events[EntityReference][r.ID], at, "recommendations"); ok {
			st.ReferenceRecs[r.ID] = ids
		}
	}
	var replies []replyRow
	if err := load(EntityReply, &replies, s.q(ctx).Model(&replyRow{})); err != nil {
		return nil, err
	}
	var outcomes []outcomeRow
	if err := s.q(ctx).Order("reply_id, number").Find(&outcomes).Error; err != nil {
		return nil, fmt.Errorf("load outcomes: %w", err)
	}
	byReply := map[int64][]tracker.Outcome{}
	for _, o := range outcomes {
		byReply[o.ReplyID] = append(byReply[o.ReplyID], tracker.Outcome{ID: o.ID, ReplyID: o.ReplyID, Number: o.Number, Text: o.Text})
	}
	for _, r := range replies {
		rp := r.domain()
		rp.Outcomes = byReply[r.ID]
		st.Replies = append(st.Replies, rp)
	}
	var measures []measureRow
	if err := load(EntityMeasure, &measures, s.q(ctx).Model(&measureRow{})); err != nil {
		return nil, err
	}
	var values []measureValueRow
	if err := s.q(ctx).Order("measure_id, period_end").Find(&values).Error; err != nil {
		return nil, fmt.Errorf("load measure values: %w", err)
	}
	byMeasure := map[int64][]tracker.MeasureValue{}
	for _, v := range values {
		// A value counts from the end of its period, or from when it was
		// recorded if that came first.
		known := v.CreatedAt
		if !recorded && v.PeriodEnd.Before(known) {
			known = v.PeriodEnd
		}
		if known.After(at) {
			continue
		}
		byMeasure[v.MeasureID] = append(byMeasure[v.MeasureID], v.domain())
	}
	for _, r := range measures {
		m := r.domain()
		m.Values = byMeasure[r.ID]
		st.Measures = append(st.Measures, m)
	}
	var revs []revisionRow
	revised := "revised_on <= ?"
	if recorded {
		revised = "created_at <= ?"
	}
	if err := s.q(ctx).Where(revised, at).Order("id").Find(&revs).Error; err != nil {
		return nil, fmt.Errorf("load deadline revisions: %w", err)
	}
	for _, r := range revs {
		st.Revisions = append(st.Revisions, r.domain())
	}
	if since != nil {
		st.Marks = marks(events, *since, at)
	}
	return st, nil
}

// allEvents loads every audit event, by entity and id, in the order they
// were recorded; with recorded set, each takes effect when it was recorded.
func (s *Store) allEvents(ctx context.Context, recorded bool) (map[string]map[int64][]tracker.AuditEvent, error) {
	var rows []auditRow
	if err := s.q(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load the audit trail: %w", err)
	}
	out := map[string]map[int64][]tracker.AuditEvent{}
	for _, r := range rows {
		if out[r.Entity] == nil {
			out[r.Entity] = map[int64][]tracker.AuditEvent{}
		}
		e := r.domain()
		if recorded {
			e.EffectiveAt = e.At
		}
		out[r.Entity][r.EntityID] = append(out[r.Entity][r.EntityID], e)
	}
	return out, nil
}

// marks says which items were created ("new") or changed ("changed")
// after since and up to at. A progress update marks its action changed.
func marks(events map[string]map[int64][]tracker.AuditEvent, since, at time.Time) map[string]map[int64]string {
	out := map[string]map[int64]string{}
	set := func(entity string, id int64, mark string) {
		if out[entity] == nil {
			out[entity] = map[int64]string{}
		}
		if out[entity][id] != tracker.MarkNew {
			out[entity][id] = mark
		}
	}
	for entity, byID := range events {
		for id, evs := range byID {
			for _, e := range evs {
				if t := e.Effective(); !t.After(since) || t.After(at) {
					continue
				}
				if e.Op == tracker.OpCreate {
					set(entity, id, tracker.MarkNew)
				} else {
					set(entity, id, tracker.MarkChanged)
				}
				if entity == EntityUpdate {
					for _, c := range e.Changes {
						if c.Field == "action_id" {
							if f, ok := c.New.(float64); ok {
								set(EntityAction, int64(f), tracker.MarkChanged)
							}
						}
					}
				}
			}
		}
	}
	return out
}

// applySnapshot sets a row's fields from a rebuilt snapshot (JSON values
// keyed by column name).
func (s *Store) applySnapshot(row any, fields map[string]any) error {
	sch, err := schema.Parse(row, &schemaCache, s.db.NamingStrategy)
	if err != nil {
		return err
	}
	rv := reflect.ValueOf(row).Elem()
	for _, f := range sch.Fields {
		v, ok := fields[f.DBName]
		if !ok || notAudited[f.DBName] {
			continue
		}
		target := rv.FieldByIndex(f.StructField.Index)
		if err := setJSONValue(target, v); err != nil {
			return fmt.Errorf("field %s: %w", f.DBName, err)
		}
	}
	return nil
}

var timeType = reflect.TypeOf(time.Time{})

func setJSONValue(target reflect.Value, v any) error {
	if target.Kind() == reflect.Pointer {
		if v == nil {
			target.Set(reflect.Zero(target.Type()))
			return nil
		}
		p := reflect.New(target.Type().Elem())
		if err := setJSONValue(p.Elem(), v); err != nil {
			return err
		}
		target.Set(p)
		return nil
	}
	if v == nil {
		target.Set(reflect.Zero(target.Type()))
		return nil
	}
	if target.Type() == timeType {
		str, _ := v.(string)
		for _, layout := range []string{"2006-01-02", time.RFC3339Nano} {
			if t, err := time.Parse(layout, str); err == nil {
				target.Set(reflect.ValueOf(t.UTC()))
				return nil
			}
		}
		return fmt.Errorf("not a time: %v", v)
	}
	// Everything else round-trips through JSON into the field's type.
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	p := reflect.New(target.Type())
	if err := json.Unmarshal(b, p.Interface()); err != nil {
		return err
	}
	target.Set(p.Elem())
	return nil
}

// linksAt is the list of ids an item's history says it had at the moment
// (its addressees, a reference's recommendations), which live in tables of
// their own and so are not rebuilt with the row. ok is false when the
// tracker is read as it is now or the history does not say.
func linksAt(rebuild bool, events []tracker.AuditEvent, at time.Time, field string) ([]int64, bool) {
	if !rebuild || len(events) == 0 {
		return nil, false
	}
	snap := tracker.Rebuild(events, at)
	v, present := snap.Fields[field]
	if !present {
		return nil, false
	}
	if v == nil {
		return []int64{}, true
	}
	raw, ok := v.([]any)
	if !ok {
		return nil, false
	}
	ids := make([]int64, 0, len(raw))
	for _, v := range raw {
		f, ok := v.(float64)
		if !ok {
			return nil, false
		}
		ids = append(ids, int64(f))
	}
	return ids, true
}

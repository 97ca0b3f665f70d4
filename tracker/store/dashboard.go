package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// OwnerCounts gives each action owner's open, overdue and due-soon counts,
// most overdue first.
func (s *Store) OwnerCounts(ctx context.Context, today time.Time, soonDays int) ([]tracker.OwnerCounts, error) {
	today = tracker.Day(today)
	var rows []tracker.OwnerCounts
	err := s.q(ctx).Table("action_tallies").
		Select(`owner,
			CAST(SUM(CASE WHEN status IN ? THEN n ELSE 0 END) AS BIGINT) AS open,
			CAST(SUM(CASE WHEN status IN ? AND due_date < ? THEN n ELSE 0 END) AS BIGINT) AS overdue,
			CAST(SUM(CASE WHEN status IN ? AND due_date >= ? AND due_date <= ? THEN n ELSE 0 END) AS BIGINT) AS due_soon`,
			openAction, openAction, today, openAction, today, today.AddDate(0, 0, soonDays)).
		Group("owner").Order("overdue DESC, open DESC, owner").Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("count actions by owner: %w", err)
	}
	out := rows[:0]
	for _, r := range rows {
		if r.Open > 0 {
			out = append(out, r)
		}
	}
	return out, nil
}

// SourceStatusCounts gives each source's recommendations by status.
func (s *Store) SourceStatusCounts(ctx context.Context) ([]tracker.SourceStatusCounts, error) {
	type row struct {
		SourceID int64
		Status   string
		N        int
	}
	var rows []row
	if err := s.q(ctx).Table("recommendation_tallies").Select("source_id, status, CAST(SUM(n) AS BIGINT) AS n").Group("source_id, status").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("count recommendations by source: %w", err)
	}
	var srcRows []sourceRow
	if err := s.q(ctx).Order("issued_on DESC, id DESC").Find(&srcRows).Error; err != nil {
		return nil, fmt.Errorf("load sources: %w", err)
	}
	counts := map[int64]map[string]int{}
	for _, r := range rows {
		if counts[r.SourceID] == nil {
			counts[r.SourceID] = map[string]int{}
		}
		counts[r.SourceID][r.Status] += r.N
	}
	var out []tracker.SourceStatusCounts
	for _, sr := range srcRows {
		c := tracker.SourceStatusCounts{Source: sr.domain()}
		for _, o := range tracker.RecommendationStatuses {
			n := counts[sr.ID][o.Value]
			c.ByStatus = append(c.ByStatus, tracker.Count{Key: o.Value, Label: o.Label, N: n})
			c.Total += n
		}
		if c.Total > 0 {
			out = append(out, c)
		}
	}
	return out, nil
}

// ChangedSince lists the searchable items changed after since, by the
// dates their changes took effect (as "as at", the lists' "changed since"
// and the reports' marks read them), latest in effect first (the latest
// recorded first among changes of the same moment), each at the moment
// its latest change took effect, with how many changes each had since. It
// reads the latest change of each item and the number of items that last
// changed on each day, which triggers keep, so it costs the same whatever
// the trail holds: the total adds up whole days and counts the items of
// the day since falls on; the list walks items from the latest change
// back (migration 0012).
func (s *Store) ChangedSince(ctx context.Context, since time.Time, limit int) ([]tracker.ChangedItem, int, error) {
	entities := []string{EntitySource, EntityRecommendation, EntityResponse, EntityAction, EntityUpdate}
	since = since.UTC()
	day := since.Unix() / 86400
	if since.Unix() < 0 && since.Unix()%86400 != 0 {
		day-- // floor, for a moment before 1970
	}
	nextDay := time.Unix((day+1)*86400, 0).UTC()
	var whole, partial int64
	if err := s.q(ctx).Table("change_days").Where("entity IN ? AND day > ?", entities, day).
		Select("COALESCE(CAST(SUM(n) AS BIGINT), 0)").Row().Scan(&whole); err != nil {
		return nil, 0, fmt.Errorf("count changes: %w", err)
	}
	if err := s.q(ctx).Table("audit_latest").Where("entity IN ? AND last_effective_at > ? AND last_effective_at < ?", entities, since, nextDay).
		Count(&partial).Error; err != nil {
		return nil, 0, fmt.Errorf("count changes: %w", err)
	}
	total := whole + partial

	type latest struct {
		Entity          string
		EntityID        int64
		LastEffectiveAt time.Time
	}
	var recent []latest
	where := "entity IN ? AND last_effective_at > ?"
	if s.dialect == SQLite {
		// Walk back from the latest change, which finds the few wanted
		// among many at once; SQLite would otherwise read every item
		// changed since and sort them (the unary + keeps it off the index
		// by entity, leaving the one by time). PostgreSQL weighs the two
		// itself.
		where = "+entity IN ? AND last_effective_at > ?"
	}
	if err := s.q(ctx).Table("audit_latest").Select("entity, entity_id, last_effective_at").Where(where, entities, since).
		Order("last_effective_at DESC, last_id DESC").Limit(limit).Scan(&recent).Error; err != nil {
		return nil, 0, fmt.Errorf("list changes: %w", err)
	}
	// How many changes each had since.
	type row struct {
		Entity   string
		EntityID int64
		N        int
	}
	byEntity := map[string][]int64{}
	for _, r := range recent {
		byEntity[r.Entity] = append(byEntity[r.Entity], r.EntityID)
	}
	var conds []string
	var args []any
	for _, e := range entities {
		if ids := byEntity[e]; len(ids) > 0 {
			conds = append(conds, "(entity = ? AND entity_id IN ?)")
			args = append(args, e, ids)
		}
	}
	var rows []row
	if len(conds) > 0 {
		err := s.q(ctx).Table("audit_events").Select("entity, entity_id, COUNT(*) AS n").
			Where("effective_at > ?", since).Where(strings.Join(conds, " OR "), args...).
			Group("entity, entity_id").Scan(&rows).Error
		if err != nil {
			return nil, 0, fmt.Errorf("list changes: %w", err)
		}
	}
	changes := map[string]int{}
	for _, r := range rows {
		changes[fmt.Sprintf("%s/%d", r.Entity, r.EntityID)] = r.N
	}
	// Two queries more: the documents, the places.
	type docRow struct {
		Entity   string
		EntityID int64
		Title    string
		Body     string
	}
	docs := map[string]docRow{}
	for entity, ids := range byEntity {
		var ds []docRow
		if err := s.q(ctx).Raw(`SELECT entity, entity_id, title, body FROM search_documents WHERE entity = ? AND entity_id IN ?`, entity, ids).Scan(&ds).Error; err != nil {
			return nil, 0, fmt.Errorf("describe changes: %w", err)
		}
		for _, d := range ds {
			docs[fmt.Sprintf("%s/%d", d.Entity, d.EntityID)] = d
		}
	}
	var hits []tracker.SearchHit
	at := map[string]time.Time{}
	for _, r := range recent {
		key := fmt.Sprintf("%s/%d", r.Entity, r.EntityID)
		d, ok := docs[key]
		if !ok {
			continue // deleted since
		}
		hits = append(hits, tracker.SearchHit{Entity: r.Entity, ID: r.EntityID, Title: d.Title, Text: d.Body})
		at[key] = r.LastEffectiveAt.UTC()
	}
	placed, err := s.placeHits(ctx, hits)
	if err != nil {
		return nil, 0, err
	}
	var out []tracker.ChangedItem
	for _, h := range placed {
		key := fmt.Sprintf("%s/%d", h.Entity, h.ID)
		out = append(out, tracker.ChangedItem{Hit: h, At: at[key], Changes: changes[key]})
	}
	return out, int(total), nil
}

package store

import (
	"context"
	"fmt"
)

// deferredWrites holds what the writes of a transaction that writes many
// rows (an import) owe besides their rows: the audit events, and the search
// documents of the items they changed. flushDeferred writes them a batch to
// a statement before the transaction ends, instead of three statements for
// each change; the events keep their order and their times, and each
// item's document is made once from its row as the transaction leaves it.
type deferredWrites struct {
	events []auditRow
	// changed lists each entity's changed items in the order first changed.
	changed map[string][]int64
	seen    map[string]map[int64]bool
}

// deferWrites makes the audit events and search documents of the writes
// through s wait for flushDeferred. s must be a transaction (made by Tx).
func (s *Store) deferWrites() {
	s.later = &deferredWrites{changed: map[string][]int64{}, seen: map[string]map[int64]bool{}}
}

func (d *deferredWrites) add(row auditRow) {
	d.events = append(d.events, row)
	if _, ok := documentSQL[row.Entity]; !ok {
		return
	}
	seen := d.seen[row.Entity]
	if seen == nil {
		seen = map[int64]bool{}
		d.seen[row.Entity] = seen
	}
	if !seen[row.EntityID] {
		seen[row.EntityID] = true
		d.changed[row.Entity] = append(d.changed[row.Entity], row.EntityID)
	}
}

// flushDeferred writes what deferWrites held back and writes through s
// at once again.
func (s *Store) flushDeferred(ctx context.Context) error {
	d := s.later
	if d == nil {
		return nil
	}
	s.later = nil
	if len(d.events) > 0 {
		if err := s.q(ctx).CreateInBatches(&d.events, s.bulkRows()).Error; err != nil {
			return fmt.Errorf("record %d changes: %w", len(d.events), err)
		}
	}
	for _, e := range d.events {
		if err := s.changedItem(ctx, e.Entity, e.EntityID, e.Op); err != nil {
			return err
		}
	}
	for _, entity := range []string{EntitySource, EntityRecommendation, EntityResponse, EntityAction, EntityUpdate} {
		ids := d.changed[entity]
		for start := 0; start < len(ids); start += inChunk {
			chunk := ids[start:min(start+inChunk, len(ids))]
			if err := s.q(ctx).Exec(`DELETE FROM search_documents WHERE entity = ? AND entity_id IN ?`, entity, chunk).Error; err != nil {
				return fmt.Errorf("unindex %s: %w", entity, err)
			}
			if err := insertDocuments(s.q(ctx), s.dialect, entity, ` AND id IN ?`, chunk); err != nil {
				return fmt.Errorf("index %s: %w", entity, err)
			}
		}
	}
	return nil
}

package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
)

type importMappingRow struct {
	ID        int64
	Name      string
	Kind      string
	Mapping   string
	Options   string
	CreatedBy string
	CreatedAt time.Time
	UpdatedBy string
	UpdatedAt time.Time
}

func (importMappingRow) TableName() string { return "import_mappings" }

func (r importMappingRow) domain() (importer.SavedMapping, error) {
	sm := importer.SavedMapping{Name: r.Name, Kind: importer.Kind(r.Kind), CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(),
		UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt.UTC()}
	m, err := importer.ParseMapping([]byte(r.Mapping))
	if err != nil {
		return sm, fmt.Errorf("saved mapping %q: %w", r.Name, err)
	}
	sm.Mapping = m
	if r.Options != "" {
		if err := json.Unmarshal([]byte(r.Options), &sm.Options); err != nil {
			return sm, fmt.Errorf("saved mapping %q options: %w", r.Name, err)
		}
	}
	return sm, nil
}

// SaveImportMapping keeps a column mapping under its name, replacing any
// mapping saved under that name before; who saves it is the actor of ctx.
func (s *Store) SaveImportMapping(ctx context.Context, sm importer.SavedMapping) (importer.SavedMapping, error) {
	sm.Name = strings.TrimSpace(sm.Name)
	var v tracker.ValidationError
	if sm.Name == "" {
		v.Add("name", "Give the mapping a name, such as “Monthly action log”")
	}
	if sm.Kind != importer.KindRecommendations && sm.Kind != importer.KindActions {
		v.Add("kind", "Choose whether the mapping is for recommendations or actions")
	}
	if len(sm.Mapping) == 0 {
		v.Add("mapping", "Map at least one column before saving")
	}
	if err := v.Err(); err != nil {
		return sm, err
	}
	mb, err := json.Marshal(sm.Mapping)
	if err != nil {
		return sm, fmt.Errorf("encode mapping: %w", err)
	}
	ob, err := json.Marshal(sm.Options)
	if err != nil {
		return sm, fmt.Errorf("encode mapping options: %w", err)
	}
	who := tracker.ActorFrom(ctx).Name
	now := s.Now()
	err = s.Tx(ctx, func(tx *Store) error {
		var row importMappingRow
		err := tx.q(ctx).Where("name = ?", sm.Name).Take(&row).Error
		isNew := errors.Is(err, gorm.ErrRecordNotFound)
		switch {
		case isNew:
			row = importMappingRow{Name: sm.Name, CreatedBy: who, CreatedAt: now}
		case err != nil:
			return fmt.Errorf("find saved mapping: %w", err)
		}
		before := row
		row.Kind, row.Mapping, row.Options, row.UpdatedBy, row.UpdatedAt = string(sm.Kind), string(mb), string(ob), who, now
		if err := tx.q(ctx).Save(&row).Error; err != nil {
			return fmt.Errorf("save mapping: %w", err)
		}
		// Mappings are shared by everyone who imports, so who changed one,
		// and from what, goes in the trail like any other change.
		if isNew {
			err = tx.recordCreate(ctx, EntityImportMapping, row.ID, &row, nil)
		} else {
			err = tx.recordUpdate(ctx, EntityImportMapping, row.ID, &before, &row)
		}
		if err != nil {
			return err
		}
		sm, err = row.domain()
		return err
	})
	return sm, err
}

// ImportMapping returns the mapping saved under name, or tracker.ErrNotFound.
func (s *Store) ImportMapping(ctx context.Context, name string) (importer.SavedMapping, error) {
	var row importMappingRow
	if err := s.q(ctx).Where("name = ?", strings.TrimSpace(name)).Take(&row).Error; err != nil {
		return importer.SavedMapping{}, notFound(err, "saved mapping "+name)
	}
	return row.domain()
}

// ImportMappings lists the saved mappings of a kind (all kinds when kind
// is empty), by name.
func (s *Store) ImportMappings(ctx context.Context, kind importer.Kind) ([]importer.SavedMapping, error) {
	q := s.q(ctx).Order("name")
	if kind != "" {
		q = q.Where("kind = ?", string(kind))
	}
	var rows []importMappingRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list saved mappings: %w", err)
	}
	out := make([]importer.SavedMapping, 0, len(rows))
	for _, r := range rows {
		sm, err := r.domain()
		if err != nil {
			return nil, err
		}
		out = append(out, sm)
	}
	return out, nil
}

// DeleteImportMapping removes a saved mapping; tracker.ErrNotFound when
// there is none by that name.
func (s *Store) DeleteImportMapping(ctx context.Context, name string) error {
	return s.Tx(ctx, func(tx *Store) error {
		var row importMappingRow
		if err := tx.q(ctx).Where("name = ?", strings.TrimSpace(name)).Take(&row).Error; err != nil {
			return notFound(err, fmt.Sprintf("saved mapping %q", name))
		}
		if err := tx.q(ctx).Delete(&importMappingRow{}, row.ID).Error; err != nil {
			return fmt.Errorf("delete saved mapping: %w", err)
		}
		return tx.record(ctx, EntityImportMapping, row.ID, tracker.OpDelete, tracker.Diff(tx.snapshot(&row), nil))
	})
}

package store

import (
	"context"
	"time"
)

// BackdateAuditTrail moves every audit event back by d, for tests that
// need a history spread over days. It lives in a _test file so that it is
// no part of the store's API.
func (s *Store) BackdateAuditTrail(ctx context.Context, d time.Duration) error {
	var rows []auditRow
	if err := s.q(ctx).Find(&rows).Error; err != nil {
		return err
	}
	return s.Tx(ctx, func(tx *Store) error {
		for _, r := range rows {
			if err := tx.q(ctx).Model(&auditRow{}).Where("id = ?", r.ID).Updates(map[string]any{"at": r.At.Add(-d), "effective_at": r.EffectiveAt.Add(-d)}).Error; err != nil {
				return err
			}
		}
		return tx.rebuildDerived(ctx)
	})
}

package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// Bulk creation: the same rows, audit events and search documents as the
// one-at-a-time Create methods write, a batch of rows to a statement. Use
// them inside Tx for many items at once (tracker generate); each call
// validates every item before it writes any.

// bulkRows is how many rows go in one INSERT: with at most 17 columns a
// row, well under SQLite's 32,766 variables and PostgreSQL's 65,535. The
// SQLite driver matches each argument to its place by a search through all
// of them, so a statement there costs the square of its arguments, and
// shorter statements are quicker.
func (s *Store) bulkRows() int {
	if s.dialect == SQLite {
		return 100
	}
	return 1000
}

// created is one new item to record in the audit trail.
type created struct {
	id    int64
	row   any
	extra map[string]any
	// on is the day the item takes effect when the row carries no date of
	// its own (a recommendation takes its source's date).
	on *time.Time
}

// bulkCacheKiB is SQLite's page cache while Bulk runs: big enough that a
// transaction of hundreds of thousands of rows keeps its pages in memory
// instead of writing them to the log and reading them back.
const bulkCacheKiB = 128 << 10

// Bulk runs fn in one transaction set up for writing many rows, as Tx does.
// On SQLite its connection gets a larger page cache for the while; on
// PostgreSQL the tallies are made once at the end instead of row by row
// (see deferDerived), and other writers wait until it ends.
func (s *Store) Bulk(ctx context.Context, fn func(tx *Store) error) error {
	return s.Tx(ctx, func(tx *Store) error {
		if tx.dialect != SQLite {
			if err := tx.deferDerived(ctx); err != nil {
				return err
			}
			if err := fn(tx); err != nil {
				return err
			}
			return tx.rebuildDerived(ctx)
		}
		var was int64
		if err := tx.q(ctx).Raw("PRAGMA cache_size").Row().Scan(&was); err != nil {
			return fmt.Errorf("read the page cache size: %w", err)
		}
		if err := tx.q(ctx).Exec(fmt.Sprintf("PRAGMA cache_size = -%d", bulkCacheKiB)).Error; err != nil {
			return fmt.Errorf("enlarge the page cache: %w", err)
		}
		err := fn(tx)
		if rerr := tx.q(ctx).Exec(fmt.Sprintf("PRAGMA cache_size = %d", was)).Error; err == nil && rerr != nil {
			err = fmt.Errorf("restore the page cache size: %w", rerr)
		}
		return err
	})
}

// recordCreates writes the create events of many new items of one entity,
// as recordCreate writes one, and indexes them for search.
func (s *Store) recordCreates(ctx context.Context, entity string, items []created) error {
	if len(items) == 0 {
		return nil
	}
	rows := make([]auditRow, 0, len(items))
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.id
		snap := s.snapshot(it.row)
		for k, v := range it.extra {
			snap[k] = auditValue(v)
		}
		now, effective := s.created(ctx, it.row, it.on)
		row, err := s.auditEvent(ctx, entity, it.id, tracker.OpCreate, tracker.Diff(nil, snap), now, effective)
		if err != nil {
			return err
		}
		rows = append(rows, row)
	}
	if s.later != nil {
		for _, r := range rows {
			s.later.add(r)
		}
		return nil
	}
	if err := s.q(ctx).CreateInBatches(&rows, s.bulkRows()).Error; err != nil {
		return fmt.Errorf("record %d new %s items: %w", len(rows), entity, err)
	}
	return s.indexNew(ctx, entity, ids)
}

// indexNew adds the search documents of many new items of one entity.
func (s *Store) indexNew(ctx context.Context, entity string, ids []int64) error {
	if _, ok := documentSQL[entity]; !ok {
		return nil
	}
	for start := 0; start < len(ids); start += inChunk {
		if err := insertDocuments(s.q(ctx), s.dialect, entity, ` AND id IN ?`, ids[start:min(start+inChunk, len(ids))]); err != nil {
			return fmt.Errorf("index %s: %w", entity, err)
		}
	}
	return nil
}

// CreateRecommendations stores many recommendations with their addressees,
// as CreateRecommendation stores one, and returns them with their ids.
func (s *Store) CreateRecommendations(ctx context.Context, recs []tracker.Recommendation) ([]tracker.Recommendation, error) {
	for _, r := range recs {
		if err := r.Validate(); err != nil {
			return nil, fmt.Errorf("recommendation %s: %w", r.Number, err)
		}
	}
	if len(recs) == 0 {
		return recs, nil
	}
	out := append([]tracker.Recommendation(nil), recs...)
	for i := range out {
		out[i].SettleStatuses()
	}
	recs = out
	err := s.Tx(ctx, func(tx *Store) error {
		// Made when its source was, when the source is dated.
		issued := map[int64]*time.Time{}
		if _, given := tracker.EffectiveFrom(ctx); !given {
			var srcIDs []int64
			for _, r := range recs {
				srcIDs = append(srcIDs, r.SourceID)
			}
			var srcRows []sourceRow
			if err := findIn(func() *gorm.DB { return tx.q(ctx).Select("id, issued_on") }, "id IN ?", uniq(srcIDs), &srcRows); err != nil {
				return fmt.Errorf("load sources of recommendations: %w", err)
			}
			for _, r := range srcRows {
				issued[r.ID] = r.IssuedOn
			}
		}
		rows := make([]recommendationRow, len(recs))
		for i, r := range recs {
			rows[i] = recommendationRow{
				SourceID: r.SourceID, Number: r.Number, Title: r.Title, Text: r.Text, DeadlineText: r.DeadlineText,
				DeadlineDate: dayArg(r.DeadlineDate), Themes: tracker.JoinList(r.Themes), Status: r.Status,
				Assessment: r.Assessment, AssessmentNote: r.AssessmentNote, MadeOn: dayArg(r.MadeOn), Version: 1,
			}
		}
		for i := range rows {
			tx.stamp(ctx, &rows[i], issued[rows[i].SourceID])
		}
		if err := tx.q(ctx).CreateInBatches(&rows, s.bulkRows()).Error; err != nil {
			return fmt.Errorf("create recommendations: %w", err)
		}
		var links []addresseeRow
		items := make([]created, len(rows))
		for i := range rows {
			own := linksOfRecommendation(rows[i].ID, recs[i])
			links = append(links, own...)
			items[i] = created{id: rows[i].ID, row: &rows[i], extra: linkFields(own), on: issued[rows[i].SourceID]}
			out[i].ID, out[i].Version = rows[i].ID, rows[i].Version
		}
		if err := tx.q(ctx).CreateInBatches(&links, s.bulkRows()).Error; err != nil {
			return fmt.Errorf("add addressees: %w", err)
		}
		return tx.recordCreates(ctx, EntityRecommendation, items)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateResponses stores many management responses, each as the next
// revision of its organisation's response to its recommendation, as
// CreateResponse stores one.
func (s *Store) CreateResponses(ctx context.Context, resps []tracker.Response) ([]tracker.Response, error) {
	for _, r := range resps {
		if err := r.Validate(); err != nil {
			return nil, err
		}
	}
	if len(resps) == 0 {
		return resps, nil
	}
	out := append([]tracker.Response(nil), resps...)
	err := s.Tx(ctx, func(tx *Store) error {
		type key struct{ rec, org int64 }
		recIDs := make([]int64, len(resps))
		for i, r := range resps {
			recIDs[i] = r.RecommendationID
		}
		var existing []responseRow
		if err := findIn(func() *gorm.DB { return tx.q(ctx).Select("recommendation_id, organisation_id, revision") }, "recommendation_id IN ?", uniq(recIDs), &existing); err != nil {
			return fmt.Errorf("find last revisions: %w", err)
		}
		last := map[key]int{}
		for _, r := range existing {
			k := key{r.RecommendationID, r.OrganisationID}
			last[k] = max(last[k], r.Revision)
		}
		rows := make([]responseRow, len(resps))
		for i, r := range resps {
			k := key{r.RecommendationID, r.OrganisationID}
			last[k]++
			rows[i] = responseRow{
				RecommendationID: r.RecommendationID, OrganisationID: r.OrganisationID, Revision: last[k],
				Position: r.Position, Text: r.Text, Author: r.Author, Dated: dayArg(r.Date), DateText: r.DateText,
				ReplyID: r.ReplyID,
			}
		}
		for i := range rows {
			tx.stamp(ctx, &rows[i], nil)
		}
		if err := tx.q(ctx).CreateInBatches(&rows, s.bulkRows()).Error; err != nil {
			return fmt.Errorf("create responses: %w", err)
		}
		items := make([]created, len(rows))
		for i := range rows {
			items[i] = created{id: rows[i].ID, row: &rows[i]}
			out[i].ID, out[i].Revision = rows[i].ID, rows[i].Revision
		}
		return tx.recordCreates(ctx, EntityResponse, items)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateActions stores many actions, as CreateAction stores one: an action
// under a recommendation belongs to that recommendation's source too.
func (s *Store) CreateActions(ctx context.Context, actions []tracker.Action) ([]tracker.Action, error) {
	for _, a := range actions {
		if err := a.Validate(); err != nil {
			return nil, err
		}
	}
	if len(actions) == 0 {
		return actions, nil
	}
	out := make([]tracker.Action, len(actions))
	err := s.Tx(ctx, func(tx *Store) error {
		var recIDs []int64
		for _, a := range actions {
			if a.RecommendationID != nil && a.SourceID == nil {
				recIDs = append(recIDs, *a.RecommendationID)
			}
		}
		var recRows []recommendationRow
		if err := findIn(func() *gorm.DB { return tx.q(ctx).Select("id, source_id") }, "id IN ?", uniq(recIDs), &recRows); err != nil {
			return fmt.Errorf("load recommendations of actions: %w", err)
		}
		sourceOf := map[int64]int64{}
		for _, r := range recRows {
			sourceOf[r.ID] = r.SourceID
		}
		rows := make([]actionRow, len(actions))
		for i, a := range actions {
			if a.RecommendationID != nil && a.SourceID == nil {
				src, ok := sourceOf[*a.RecommendationID]
				if !ok {
					return fmt.Errorf("recommendation of action: %w", tracker.ErrNotFound)
				}
				a.SourceID = &src
			}
			rows[i] = actionRow{
				OrganisationID: a.OrganisationID, SourceID: a.SourceID, RecommendationID: a.RecommendationID,
				ReferenceID: a.ReferenceID, Description: a.Description, Owner: a.Owner, OwnerUnit: a.OwnerUnit,
				OwnerUserID: a.OwnerUserID, OwnerEmail: tracker.NormaliseEmail(a.OwnerEmail),
				DueText: a.DueText, DueDate: dayArg(a.DueDate), Status: a.Status, RAG: a.RAG,
				CompletedOn: dayArg(a.CompletedOn), ExternalRef: a.ExternalRef, Version: 1,
			}
		}
		for i := range rows {
			tx.stamp(ctx, &rows[i], nil)
		}
		if err := tx.q(ctx).CreateInBatches(&rows, s.bulkRows()).Error; err != nil {
			return fmt.Errorf("create actions: %w", err)
		}
		items := make([]created, len(rows))
		for i := range rows {
			items[i] = created{id: rows[i].ID, row: &rows[i]}
			out[i] = rows[i].domain()
		}
		return tx.recordCreates(ctx, EntityAction, items)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateUpdates stores many dated progress updates, as CreateUpdate stores
// one.
func (s *Store) CreateUpdates(ctx context.Context, updates []tracker.Update) ([]tracker.Update, error) {
	for _, u := range updates {
		if err := u.Validate(); err != nil {
			return nil, err
		}
	}
	if len(updates) == 0 {
		return updates, nil
	}
	out := make([]tracker.Update, len(updates))
	err := s.Tx(ctx, func(tx *Store) error {
		rows := make([]updateRow, len(updates))
		for i, u := range updates {
			rows[i] = updateRow{ActionID: u.ActionID, RecommendationID: u.RecommendationID, Dated: tracker.Day(u.Date), Author: u.Author, Text: u.Text}
		}
		for i := range rows {
			tx.stamp(ctx, &rows[i], nil)
		}
		if err := tx.q(ctx).CreateInBatches(&rows, s.bulkRows()).Error; err != nil {
			return fmt.Errorf("create updates: %w", err)
		}
		items := make([]created, len(rows))
		for i := range rows {
			items[i] = created{id: rows[i].ID, row: &rows[i]}
			out[i] = rows[i].domain()
		}
		return tx.recordCreates(ctx, EntityUpdate, items)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Analyze refreshes the planner's statistics, as a load of many rows
// needs: without them both databases plan the lists as if the tables were
// empty. SQLite samples at most 1,000 rows an index, so it stays quick.
func (s *Store) Analyze(ctx context.Context) error {
	stmts := []string{"ANALYZE"}
	if s.dialect == SQLite {
		stmts = []string{"PRAGMA analysis_limit = 1000", "ANALYZE"}
	}
	for _, stmt := range stmts {
		if err := s.q(ctx).Exec(stmt).Error; err != nil {
			return fmt.Errorf("refresh statistics: %w", err)
		}
	}
	return nil
}

package store

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// documentSQL gives, for each searchable entity, the SELECT that makes its
// search documents (entity, entity_id, title, body) from the live rows. The
// same SQL fills the index at migration and refreshes one item after a change.
var documentSQL = map[string]string{
	EntitySource: `SELECT 'source' AS entity, id AS entity_id, title AS title, summary || ' ' || keywords || ' ' || reference AS body FROM sources WHERE deleted_at IS NULL`,
	EntityRecommendation: `SELECT 'recommendation' AS entity, id AS entity_id, 'Recommendation ' || number || ': ' || title AS title,
		text || ' ' || deadline_text || ' ' || themes || ' ' || assessment_note AS body FROM recommendations WHERE deleted_at IS NULL`,
	EntityResponse: `SELECT 'response' AS entity, id AS entity_id, author AS title, text AS body FROM responses WHERE 1 = 1`,
	EntityAction:   `SELECT 'action' AS entity, id AS entity_id, description AS title, owner || ' ' || owner_unit || ' ' || due_text AS body FROM actions WHERE deleted_at IS NULL`,
	EntityUpdate:   `SELECT 'update' AS entity, id AS entity_id, author AS title, text AS body FROM progress_updates WHERE deleted_at IS NULL`,
}

// documentRank orders the entities as search lists them: on SQLite a
// document's rowid is its entity's rank times 2^40 plus its id, so the
// full-text index, which lists matches in rowid order, lists them by
// entity then id, and a search reads only as many as it shows.
var documentRank = map[string]int64{EntityAction: 1, EntityRecommendation: 2, EntityResponse: 3, EntitySource: 4, EntityUpdate: 5}

const documentRankShift = 1 << 40

// insertDocuments indexes the entity's items that match cond (SQL added to
// documentSQL's WHERE, such as " AND id IN ?").
func insertDocuments(db *gorm.DB, dialect, entity, cond string, args ...any) error {
	sel := documentSQL[entity] + cond
	if dialect == SQLite {
		args = append([]any{documentRank[entity] * documentRankShift}, args...)
		return db.Exec(`INSERT INTO search_documents (rowid, entity, entity_id, title, body)
			SELECT ? + d.entity_id, d.entity, d.entity_id, d.title, d.body FROM (`+sel+`) d`, args...).Error
	}
	return db.Exec(`INSERT INTO search_documents (entity, entity_id, title, body) `+sel, args...).Error
}

// reindexAll fills the search index from every searchable row.
func reindexAll(tx *gorm.DB, dialect string) error {
	for _, entity := range []string{EntitySource, EntityRecommendation, EntityResponse, EntityAction, EntityUpdate} {
		if err := insertDocuments(tx, dialect, entity, ""); err != nil {
			return fmt.Errorf("index %s: %w", entity, err)
		}
	}
	return nil
}

// reindex refreshes one item's search document after a change; a deleted
// item leaves the index.
func (s *Store) reindex(ctx context.Context, entity string, id int64) error {
	if _, ok := documentSQL[entity]; !ok {
		return nil
	}
	if err := s.q(ctx).Exec(`DELETE FROM search_documents WHERE entity = ? AND entity_id = ?`, entity, id).Error; err != nil {
		return fmt.Errorf("unindex %s %d: %w", entity, id, err)
	}
	if err := insertDocuments(s.q(ctx), s.dialect, entity, ` AND id = ?`, id); err != nil {
		return fmt.Errorf("index %s %d: %w", entity, id, err)
	}
	return nil
}

var searchWord = regexp.MustCompile(`[\p{L}\p{N}]+`)

// searchTerms splits what a person typed into words; punctuation and
// operators are dropped so no input can break the query.
func searchTerms(q string) []string {
	words := searchWord.FindAllString(strings.ToLower(q), 12)
	return words
}

// Search finds items whose text holds every word typed (each also as the
// start of a longer word), in entity then id order. Both databases return
// the same items for the same data.
func (s *Store) Search(ctx context.Context, q string, limit int) ([]tracker.SearchHit, error) {
	terms := searchTerms(q)
	if len(terms) == 0 {
		return nil, nil
	}
	if limit <= 0 {
		limit = 100
	}
	type hitRow struct {
		Entity   string
		EntityID int64
		Title    string
		Body     string
	}
	var rows []hitRow
	var err error
	if s.dialect == Postgres {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = t + ":*"
		}
		err = s.q(ctx).Raw(`SELECT entity, entity_id, title, body FROM search_documents
			WHERE words @@ to_tsquery('simple', ?)
			ORDER BY entity, entity_id LIMIT ?`, strings.Join(parts, " & "), limit).Scan(&rows).Error
	} else {
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = `"` + t + `"*`
		}
		// The index lists matches in rowid order, which is entity then id
		// (see documentRank), so it stops at the limit.
		err = s.q(ctx).Raw(`SELECT d.entity, d.entity_id, d.title, d.body FROM search_documents d
			WHERE d.rowid IN (SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rowid LIMIT ?)
			ORDER BY d.rowid`, strings.Join(parts, " "), limit).Scan(&rows).Error
	}
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	hits := make([]tracker.SearchHit, 0, len(rows))
	for _, r := range rows {
		hits = append(hits, tracker.SearchHit{Entity: r.Entity, ID: r.EntityID, Title: r.Title, Text: r.Body})
	}
	return s.placeHits(ctx, hits)
}

// placeHits adds to each hit the page it lives on: responses and updates
// are shown on their recommendation or action.
func (s *Store) placeHits(ctx context.Context, hits []tracker.SearchHit) ([]tracker.SearchHit, error) {
	var respIDs, updIDs []int64
	for _, h := range hits {
		switch h.Entity {
		case EntityResponse:
			respIDs = append(respIDs, h.ID)
		case EntityUpdate:
			updIDs = append(updIDs, h.ID)
		}
	}
	respRec := map[int64]int64{}
	if len(respIDs) > 0 {
		var rows []responseRow
		if err := findIn(func() *gorm.DB { return s.q(ctx).Select("id, recommendation_id") }, "id IN ?", respIDs, &rows); err != nil {
			return nil, fmt.Errorf("place responses: %w", err)
		}
		for _, r := range rows {
			respRec[r.ID] = r.RecommendationID
		}
	}
	type place struct{ action, rec *int64 }
	updPlace := map[int64]place{}
	if len(updIDs) > 0 {
		var rows []updateRow
		if err := findIn(func() *gorm.DB { return s.q(ctx).Select("id, action_id, recommendation_id") }, "id IN ?", updIDs, &rows); err != nil {
			return nil, fmt.Errorf("place updates: %w", err)
		}
		for _, r := range rows {
			updPlace[r.ID] = place{r.ActionID, r.RecommendationID}
		}
	}
	out := hits[:0]
	for _, h := range hits {
		switch h.Entity {
		case EntitySource:
			h.Path = fmt.Sprintf("/sources/%d", h.ID)
		case EntityRecommendation:
			h.Path = fmt.Sprintf("/recommendations/%d", h.ID)
		case EntityAction:
			h.Path = fmt.Sprintf("/actions/%d", h.ID)
		case EntityResponse:
			h.Path = fmt.Sprintf("/recommendations/%d", respRec[h.ID])
		case EntityUpdate:
			p := updPlace[h.ID]
			switch {
			case p.action != nil:
				h.Path = fmt.Sprintf("/actions/%d#updates", *p.action)
			case p.rec != nil:
				h.Path = fmt.Sprintf("/recommendations/%d", *p.rec)
			default:
				continue
			}
		}
		out = append(out, h)
	}
	return out, nil
}

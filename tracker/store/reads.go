package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

var (
	outstandingRec = []string{tracker.RecOpen, tracker.RecInProgress}
	openAction     = []string{tracker.ActNotStarted, tracker.ActInProgress}
)

// Organisations lists every organisation by name.
func (s *Store) Organisations(ctx context.Context) ([]tracker.Organisation, error) {
	var rows []organisationRow
	if err := s.q(ctx).Order("name").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	out := make([]tracker.Organisation, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// Organisation returns one organisation.
func (s *Store) Organisation(ctx context.Context, id int64) (tracker.Organisation, error) {
	var row organisationRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return tracker.Organisation{}, notFound(err, "organisation")
	}
	return row.domain(), nil
}

func (s *Store) organisationMap(ctx context.Context, ids []int64) (map[int64]tracker.Organisation, error) {
	out := map[int64]tracker.Organisation{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []organisationRow
	if err := findIn(func() *gorm.DB { return s.q(ctx) }, "id IN ?", uniq(ids), &rows); err != nil {
		return nil, fmt.Errorf("load organisations: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.domain()
	}
	return out, nil
}

func uniq(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// ListSources returns a page of sources, newest first, with their counts.
func (s *Store) ListSources(ctx context.Context, page tracker.Page, today time.Time) ([]tracker.SourceSummary, int64, error) {
	var total int64
	if err := s.q(ctx).Model(&sourceRow{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count sources: %w", err)
	}
	var rows []sourceRow
	if err := s.q(ctx).Order("issued_on DESC, id DESC").Limit(page.Limit()).Offset(page.Offset()).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list sources: %w", err)
	}
	ids := make([]int64, len(rows))
	orgIDs := make([]int64, len(rows))
	for i, r := range rows {
		ids[i], orgIDs[i] = r.ID, r.IssuedByID
	}
	orgs, err := s.organisationMap(ctx, orgIDs)
	if err != nil {
		return nil, 0, err
	}
	type countRow struct {
		SourceID    int64
		Total       int
		Outstanding int
		Overdue     int
	}
	var counts []countRow
	for start := 0; start < len(ids); start += inChunk {
		var part []countRow
		err = s.q(ctx).Table("recommendation_tallies").
			Select(`source_id,
				CAST(SUM(n) AS BIGINT) AS total,
				CAST(SUM(CASE WHEN status IN ? THEN n ELSE 0 END) AS BIGINT) AS outstanding,
				CAST(SUM(CASE WHEN status IN ? AND deadline_date < ? THEN n ELSE 0 END) AS BIGINT) AS overdue`,
				outstandingRec, outstandingRec, tracker.Day(today)).
			Where("source_id IN ?", ids[start:min(start+inChunk, len(ids))]).Group("source_id").Scan(&part).Error
		if err != nil {
			return nil, 0, fmt.Errorf("count recommendations by source: %w", err)
		}
		counts = append(counts, part...)
	}
	bySource := map[int64]countRow{}
	for _, c := range counts {
		bySource[c.SourceID] = c
	}
	out := make([]tracker.SourceSummary, len(rows))
	for i, r := range rows {
		src := r.domain()
		src.IssuedBy = orgs[r.IssuedByID]
		c := bySource[r.ID]
		out[i] = tracker.SourceSummary{Source: src, Recommendations: c.Total, Outstanding: c.Outstanding, Overdue: c.Overdue}
	}
	return out, total, nil
}

// Source returns one source with the body that issued it.
func (s *Store) Source(ctx context.Context, id int64) (tracker.Source, error) {
	var row sourceRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return tracker.Source{}, notFound(err, "source")
	}
	src := row.domain()
	org, err := s.Organisation(ctx, row.IssuedByID)
	if err != nil {
		return src, err
	}
	src.IssuedBy = org
	return src, nil
}

// FindSourceByTitle returns the source with exactly this title.
func (s *Store) FindSourceByTitle(ctx context.Context, title string) (tracker.Source, error) {
	var row sourceRow
	if err := s.q(ctx).Where("title = ?", title).Take(&row).Error; err != nil {
		return tracker.Source{}, notFound(err, "source")
	}
	return row.domain(), nil
}

// FindReference returns the reference with this number and title.
func (s *Store) FindReference(ctx context.Context, number, title string) (tracker.Reference, error) {
	var row referenceRow
	if err := s.q(ctx).Where("number = ? AND title = ?", number, title).Take(&row).Error; err != nil {
		return tracker.Reference{}, notFound(err, "reference")
	}
	return row.domain(), nil
}

// SourceDetail returns a source with the counts and addressees of all of
// its recommendations, its replies, the actions on its log that sit under
// no recommendation, and its measures. The recommendations themselves are
// not loaded: a source may make thousands, so its page lists them a page at
// a time with ListRecommendations.
func (s *Store) SourceDetail(ctx context.Context, id int64, today time.Time) (tracker.SourceDetail, error) {
	var d tracker.SourceDetail
	src, err := s.Source(ctx, id)
	if err != nil {
		return d, err
	}
	d.Source = src
	if err := s.sourceCounts(ctx, &d, today); err != nil {
		return d, err
	}
	if d.Addressees, err = s.sourceAddressees(ctx, id); err != nil {
		return d, err
	}
	if d.Replies, err = s.replies(ctx, "source_id = ?", id); err != nil {
		return d, err
	}
	var actions []actionRow
	if err := s.q(ctx).Where("source_id = ? AND recommendation_id IS NULL", id).Order("id").Find(&actions).Error; err != nil {
		return d, fmt.Errorf("load source actions: %w", err)
	}
	if d.OtherActions, err = s.actionItems(ctx, actions, false); err != nil {
		return d, err
	}
	d.Measures, err = s.measures(ctx, s.q(ctx).Where("source_id = ?", id))
	return d, err
}

// sourceCounts counts the source's recommendations by status and those
// past their deadline on today.
func (s *Store) sourceCounts(ctx context.Context, d *tracker.SourceDetail, today time.Time) error {
	type row struct {
		Status  string
		N       int
		Overdue int
	}
	var rows []row
	err := s.q(ctx).Table("recommendation_tallies").
		Select("status, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(CASE WHEN status IN ? AND deadline_date < ? THEN n ELSE 0 END) AS BIGINT) AS overdue", outstandingRec, tracker.Day(today)).
		Where("source_id = ?", d.Source.ID).Group("status").Scan(&rows).Error
	if err != nil {
		return fmt.Errorf("count the source's recommendations: %w", err)
	}
	n := map[string]int{}
	for _, r := range rows {
		n[r.Status] += r.N
		d.RecommendationCount += r.N
		d.Overdue += r.Overdue
	}
	d.ByStatus = nil
	for _, o := range tracker.RecommendationStatuses {
		d.ByStatus = append(d.ByStatus, tracker.Count{Key: o.Value, Label: o.Label, N: n[o.Value]})
	}
	return nil
}

// sourceAddressees lists the bodies the source's recommendations are
// addressed to, by name. The tally's rows are added up, as every reader
// of a tally does: read as at a moment, a tally is rows to add
// (shadowing.derived).
func (s *Store) sourceAddressees(ctx context.Context, id int64) ([]tracker.Organisation, error) {
	var rows []organisationRow
	err := s.q(ctx).Where(`id IN (SELECT organisation_id FROM addressee_tallies WHERE source_id = ? GROUP BY organisation_id HAVING SUM(n) > 0)`, id).
		Order("name").Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("load the source's addressees: %w", err)
	}
	out := make([]tracker.Organisation, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// addresseeScan is how a list filtered by an organisation finds the
// recommendations addressed to it. Both ways keep the same rows; they
// differ in what the database reads to find one page of them.
type addresseeScan bool

const (
	// byAddressees reads the organisation's addressee rows (by
	// organisation and status) and looks each recommendation up, so the
	// database reads all of them and sorts them: cheap when they are few.
	byAddressees addresseeScan = false
	// inListOrder walks the list's index in its order and looks up each
	// recommendation's addressee row, stopping at the end of the page:
	// cheap when they are many of the list.
	inListOrder addresseeScan = true
)

func (s *Store) recommendationQuery(ctx context.Context, f tracker.RecommendationFilter) *gorm.DB {
	return s.recommendationsBy(ctx, f, byAddressees)
}

// recommendationsBy is recommendationQuery, with an organisation's
// recommendations found the way scan says.
func (s *Store) recommendationsBy(ctx context.Context, f tracker.RecommendationFilter, scan addresseeScan) *gorm.DB {
	q := s.q(ctx).Model(&recommendationRow{})
	bySource := f
	if o := s.recommendationOrder(f.Sort); f.SourceID != 0 && s.dialect == SQLite && o.columns() == s.recommendationOrder("number").columns() {
		// The source's recommendations are one stretch of the index in
		// number order, whose keys begin with the source's id; said so,
		// SQLite reads that stretch in order instead of sorting them.
		q = q.Where(o.columns()+" >= ? AND "+o.columns()+" < ?", fmt.Sprintf("%020d", f.SourceID), fmt.Sprintf("%020d", f.SourceID+1))
		bySource.SourceID = 0
	}
	if f.OrganisationID != 0 {
		// For an organisation, a status is the organisation's own status of
		// the recommendation ("open for MOPAC"), not the overall one.
		cond, args := "a.organisation_id = ?", []any{f.OrganisationID}
		if f.Status != "" {
			cond, args = cond+" AND a.status = ?", append(args, f.Status)
		}
		if f.Outstanding || f.Overdue {
			cond, args = cond+" AND a.status IN ?", append(args, outstandingRec)
		}
		// As at a moment the addressees may be a view of two parts, which
		// SQLite reads inside a correlated subquery only by making all of
		// it for each recommendation (latestUpdateIDs): the list of them
		// is read once instead.
		if scan == inListOrder && !s.parts["recommendation_addressees"] {
			q = q.Where("EXISTS (SELECT 1 FROM recommendation_addressees a WHERE a.recommendation_id = recommendations.id AND "+cond+")", args...)
		} else {
			q = q.Where("id IN (SELECT a.recommendation_id FROM recommendation_addressees a WHERE "+cond+")", args...)
		}
		if f.Overdue {
			q = q.Where("deadline_date < ?", tracker.Day(f.Today))
		}
		bySource.Status, bySource.Outstanding, bySource.Overdue = "", false, false
	}
	q = recommendationConds(q, bySource)
	if f.Theme != "" {
		// Themes are stored one a line; match a whole line.
		q = q.Where("(themes = ? OR themes LIKE ? OR themes LIKE ? OR themes LIKE ?)", f.Theme, f.Theme+"\n%", "%\n"+f.Theme, "%\n"+f.Theme+"\n%")
	}
	if f.ChangedSince != nil {
		q = q.Where("id IN (SELECT entity_id FROM audit_latest WHERE entity = ? AND last_effective_at > ?)", EntityRecommendation, *f.ChangedSince)
	}
	return q
}

// recommendationConds adds the conditions of f that the recommendations
// and their tallies both answer (recommendation_tallies and
// addressee_tallies name their columns as recommendations does), so a list
// and its total keep the same rows by one rule. An organisation, a theme
// and "changed since" are answered by each in its own way.
func recommendationConds(q *gorm.DB, f tracker.RecommendationFilter) *gorm.DB {
	if f.SourceID != 0 {
		q = q.Where("source_id = ?", f.SourceID)
	}
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Outstanding || f.Overdue {
		q = q.Where("status IN ?", outstandingRec)
	}
	if f.Overdue {
		q = q.Where("deadline_date < ?", tracker.Day(f.Today))
	}
	return q
}

// recommendationItems adds addressees and sources to recommendation rows,
// keeping their order; with issuers each source carries the body that
// issued it.
func (s *Store) recommendationItems(ctx context.Context, rows []recommendationRow, issuers bool) ([]tracker.RecommendationItem, error) {
	recs, err := s.withAddressees(ctx, rows)
	if err != nil {
		return nil, err
	}
	srcIDs := make([]int64, len(rows))
	for i, r := range rows {
		srcIDs[i] = r.SourceID
	}
	var srcRows []sourceRow
	if err := findIn(func() *gorm.DB { return s.q(ctx) }, "id IN ?", uniq(srcIDs), &srcRows); err != nil {
		return nil, fmt.Errorf("load sources: %w", err)
	}
	var orgs map[int64]tracker.Organisation
	if issuers {
		ids := make([]int64, len(srcRows))
		for i, r := range srcRows {
			ids[i] = r.IssuedByID
		}
		if orgs, err = s.organisationMap(ctx, ids); err != nil {
			return nil, err
		}
	}
	sources := map[int64]tracker.Source{}
	for _, r := range srcRows {
		src := r.domain()
		src.IssuedBy = orgs[r.IssuedByID]
		sources[r.ID] = src
	}
	out := make([]tracker.RecommendationItem, len(recs))
	for i, r := range recs {
		out[i] = tracker.RecommendationItem{Recommendation: r, Source: sources[r.SourceID]}
	}
	return out, nil
}

func (s *Store) withAddressees(ctx context.Context, rows []recommendationRow) ([]tracker.Recommendation, error) {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	var links []addresseeRow
	if len(ids) > 0 {
		if err := findIn(func() *gorm.DB { return s.q(ctx).Order("recommendation_id, sort_order") }, "recommendation_id IN ?", ids, &links); err != nil {
			return nil, fmt.Errorf("load addressees: %w", err)
		}
	}
	orgIDs := make([]int64, len(links))
	for i, l := range links {
		orgIDs[i] = l.OrganisationID
	}
	orgs, err := s.organisationMap(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	byRec := map[int64][]tracker.Organisation{}
	statuses := map[int64][]tracker.AddresseeStatus{}
	for _, l := range links {
		byRec[l.RecommendationID] = append(byRec[l.RecommendationID], orgs[l.OrganisationID])
		statuses[l.RecommendationID] = append(statuses[l.RecommendationID], tracker.AddresseeStatus{
			Organisation: orgs[l.OrganisationID], Status: l.Status, StatusDate: utcDay(l.StatusDate), Version: l.Version})
	}
	out := make([]tracker.Recommendation, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		out[i].Addressees, out[i].Statuses = byRec[r.ID], statuses[r.ID]
	}
	return out, nil
}

// RecommendationDetail returns a recommendation with its source, responses
// (every revision), actions with their updates, its own updates and the
// references that ask about it.
func (s *Store) RecommendationDetail(ctx context.Context, id int64) (tracker.RecommendationDetail, error) {
	details, err := s.recommendationDetails(ctx, []int64{id}, false)
	if err != nil {
		return tracker.RecommendationDetail{}, err
	}
	if len(details) == 0 {
		return tracker.RecommendationDetail{}, fmt.Errorf("recommendation %d: %w", id, tracker.ErrNotFound)
	}
	d := details[0]
	var refRows []referenceRow
	err = s.q(ctx).Where("id IN (SELECT reference_id FROM reference_recommendations WHERE recommendation_id = ?)", id).
		Order("id").Find(&refRows).Error
	if err != nil {
		return d, fmt.Errorf("load references: %w", err)
	}
	for _, r := range refRows {
		d.References = append(d.References, r.domain())
	}
	return d, nil
}

// recommendationDetails loads the details of several recommendations in a
// fixed number of queries, in the order of ids; missing ids are left out.
// With latest, each action comes with its latest update alone.
func (s *Store) recommendationDetails(ctx context.Context, ids []int64, latest bool) ([]tracker.RecommendationDetail, error) {
	var rows []recommendationRow
	if err := findIn(func() *gorm.DB { return shown[recommendationRow](s, ctx) }, "id IN ?", ids, &rows); err != nil {
		return nil, fmt.Errorf("load recommendations: %w", err)
	}
	recs, err := s.withAddressees(ctx, rows)
	if err != nil {
		return nil, err
	}
	byID := map[int64]tracker.Recommendation{}
	srcIDs := []int64{}
	for _, r := range recs {
		byID[r.ID] = r
		srcIDs = append(srcIDs, r.SourceID)
	}
	var srcRows []sourceRow
	if err := findIn(func() *gorm.DB { return s.q(ctx) }, "id IN ?", uniq(srcIDs), &srcRows); err != nil {
		return nil, fmt.Errorf("load sources: %w", err)
	}
	sources := map[int64]tracker.Source{}
	for _, r := range srcRows {
		sources[r.ID] = r.domain()
	}

	var respRows []responseRow
	if err := findIn(func() *gorm.DB { return s.q(ctx).Order("recommendation_id, organisation_id, revision DESC") }, "recommendation_id IN ?", ids, &respRows); err != nil {
		return nil, fmt.Errorf("load responses: %w", err)
	}
	orgIDs := make([]int64, len(respRows))
	for i, r := range respRows {
		orgIDs[i] = r.OrganisationID
	}
	orgs, err := s.organisationMap(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	threads := map[int64][]tracker.ResponseThread{}
	for _, r := range respRows {
		resp := r.domain()
		resp.Organisation = orgs[r.OrganisationID]
		ts := threads[r.RecommendationID]
		if n := len(ts); n > 0 && ts[n-1].Current.OrganisationID == r.OrganisationID {
			ts[n-1].Earlier = append(ts[n-1].Earlier, resp)
		} else {
			ts = append(ts, tracker.ResponseThread{Current: resp})
		}
		threads[r.RecommendationID] = ts
	}

	var actRows []actionRow
	if err := findIn(func() *gorm.DB { return shown[actionRow](s, ctx).Order("id") }, "recommendation_id IN ?", ids, &actRows); err != nil {
		return nil, fmt.Errorf("load actions: %w", err)
	}
	items, err := s.actionItems(ctx, actRows, latest)
	if err != nil {
		return nil, err
	}
	actions := map[int64][]tracker.ActionItem{}
	for _, it := range items {
		rid := *it.Action.RecommendationID
		actions[rid] = append(actions[rid], it)
	}

	var updRows []updateRow
	if err := findIn(func() *gorm.DB {
		return shown[updateRow](s, ctx).Where("action_id IS NULL").Order("dated DESC, id DESC")
	}, "recommendation_id IN ?", ids, &updRows); err != nil {
		return nil, fmt.Errorf("load updates: %w", err)
	}
	updates := map[int64][]tracker.Update{}
	for _, u := range updRows {
		updates[*u.RecommendationID] = append(updates[*u.RecommendationID], u.domain())
	}

	revs, err := s.revisions(ctx, EntityRecommendation, ids)
	if err != nil {
		return nil, err
	}
	var out []tracker.RecommendationDetail
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			continue
		}
		out = append(out, tracker.RecommendationDetail{
			Recommendation: r, Source: sources[r.SourceID], Responses: threads[id],
			Actions: actions[id], Updates: updates[id], Revisions: revs[id],
		})
	}
	return out, nil
}

// latestUpdateIDs is SQLite's query of the ids of the latest update of each
// of n actions, whose ids it takes as arguments: each is found from the end
// of the action's stretch of updates_latest (migration 0025), and the
// others are never read. The ids are a list of values, not the actions
// table, which as at a past moment is a view that costs a look-up a row.
// An action with no update gives NULL: filtering those out in the query
// makes both databases look each one up twice.
//
// As at a moment the updates may be a view of two parts, the table's rows
// and its past rows (twoParts, ReadAsAt), which SQLite reads inside a
// correlated subquery only by making the whole view for each action.
// There the latest are found by numbering each action's updates, read by a
// condition on the action that each part's index serves.
func latestUpdateIDs(n int, twoParts bool) string {
	if twoParts {
		return `SELECT id FROM (SELECT p.id, ROW_NUMBER() OVER (PARTITION BY p.action_id ORDER BY p.dated DESC, p.id DESC) AS n
			FROM progress_updates p WHERE p.action_id IN (` + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `) AND p.deleted_at IS NULL) latest
		WHERE n = 1`
	}
	return `SELECT (SELECT p.id FROM progress_updates p
		WHERE p.action_id = v.column1 AND p.deleted_at IS NULL ORDER BY p.dated DESC, p.id DESC LIMIT 1)
	FROM (VALUES ` + strings.TrimSuffix(strings.Repeat("(CAST(? AS BIGINT)), ", n), ", ") + `) AS v`
}

// latestUpdatesSQL is the read of the latest update of each of n actions,
// whose ids it takes as arguments. SQLite reads the rows whose ids
// latestUpdateIDs finds. PostgreSQL, asked for those, plans a hash of the
// ids against every update when the table is small and its statistics say
// so; there each action's latest is read as a row of its own (LATERAL),
// from the end of its stretch of updates_latest, and as at a moment from
// each part of the view by the action (the past rows' index on action_id).
func (s *Store) latestUpdatesSQL(n int) string {
	cols := strings.Join(shownColumns[updateRow](s), ", ")
	if s.dialect == Postgres {
		return `SELECT u.* FROM (VALUES ` + strings.TrimSuffix(strings.Repeat("(CAST(? AS BIGINT)), ", n), ", ") + `) AS v
			CROSS JOIN LATERAL (SELECT ` + cols + ` FROM progress_updates p
				WHERE p.action_id = v.column1 AND p.deleted_at IS NULL ORDER BY p.dated DESC, p.id DESC LIMIT 1) u`
	}
	return `SELECT ` + cols + ` FROM progress_updates WHERE id IN (` + latestUpdateIDs(n, s.parts["progress_updates"]) + `)`
}

// latestUpdates loads the latest update of each of the actions ids, a
// chunk of them a statement (latestUpdatesSQL).
func (s *Store) latestUpdates(ctx context.Context, ids []int64, out *[]updateRow) error {
	for start := 0; start < len(ids); start += inChunk {
		chunk := ids[start:min(start+inChunk, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		q := func() *gorm.DB {
			return s.q(ctx).Raw(s.latestUpdatesSQL(len(chunk)), args...)
		}
		scanned, err := scanRows(q(), out)
		if err != nil {
			return err
		}
		if !scanned {
			var part []updateRow
			if err := q().Scan(&part).Error; err != nil {
				return err
			}
			*out = append(*out, part...)
		}
	}
	return nil
}

// actionItems adds context and updates to action rows in a fixed number of
// queries per chunk of rows, keeping their order. With latestOnly each item
// carries only its most recent update, all a list row or an export shows.
func (s *Store) actionItems(ctx context.Context, rows []actionRow, latest bool) ([]tracker.ActionItem, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	var ids, orgIDs, srcIDs, recIDs, refIDs []int64
	for _, r := range rows {
		ids = append(ids, r.ID)
		orgIDs = append(orgIDs, r.OrganisationID)
		if r.SourceID != nil {
			srcIDs = append(srcIDs, *r.SourceID)
		}
		if r.RecommendationID != nil {
			recIDs = append(recIDs, *r.RecommendationID)
		}
		if r.ReferenceID != nil {
			refIDs = append(refIDs, *r.ReferenceID)
		}
	}
	orgs, err := s.organisationMap(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	titles := map[int64]string{}
	var srcRows []sourceRow
	if err := findIn(func() *gorm.DB { return s.q(ctx).Select("id, title") }, "id IN ?", uniq(srcIDs), &srcRows); err != nil {
		return nil, fmt.Errorf("load source titles: %w", err)
	}
	for _, r := range srcRows {
		titles[r.ID] = r.Title
	}
	numbers := map[int64]string{}
	var recRows []recommendationRow
	if err := findIn(func() *gorm.DB { return s.q(ctx).Select("id, number") }, "id IN ?", uniq(recIDs), &recRows); err != nil {
		return nil, fmt.Errorf("load recommendation numbers: %w", err)
	}
	for _, r := range recRows {
		numbers[r.ID] = r.Number
	}
	headings := map[int64]string{}
	var refRows []referenceRow
	if err := findIn(func() *gorm.DB { return s.q(ctx) }, "id IN ?", uniq(refIDs), &refRows); err != nil {
		return nil, fmt.Errorf("load reference titles: %w", err)
	}
	for _, r := range refRows {
		headings[r.ID] = r.domain().Heading()
	}
	var updRows []updateRow
	if latest {
		err := s.latestUpdates(ctx, ids, &updRows)
		if err != nil {
			return nil, fmt.Errorf("load latest updates: %w", err)
		}
	} else if err := findIn(func() *gorm.DB { return shown[updateRow](s, ctx).Order("dated DESC, id DESC") }, "action_id IN ?", ids, &updRows); err != nil {
		return nil, fmt.Errorf("load action updates: %w", err)
	}
	updates := map[int64][]tracker.Update{}
	for _, u := range updRows {
		updates[*u.ActionID] = append(updates[*u.ActionID], u.domain())
	}
	revs, err := s.revisions(ctx, EntityAction, ids)
	if err != nil {
		return nil, err
	}
	out := make([]tracker.ActionItem, len(rows))
	for i, r := range rows {
		a := r.domain()
		a.Organisation = orgs[r.OrganisationID]
		it := tracker.ActionItem{Action: a, Updates: updates[r.ID], Revisions: revs[r.ID]}
		if r.SourceID != nil {
			it.SourceTitle = titles[*r.SourceID]
		}
		if r.RecommendationID != nil {
			it.RecommendationNumber = numbers[*r.RecommendationID]
		}
		if r.ReferenceID != nil {
			it.ReferenceHeading = headings[*r.ReferenceID]
		}
		out[i] = it
	}
	return out, nil
}

// actionQuery is the actions f keeps, as one query to page, sort or read
// (see actionBranches): a person's are the union of their branches.
func (s *Store) actionQuery(ctx context.Context, f tracker.ActionFilter) *gorm.DB {
	b := s.actionBranches(ctx, f)
	if len(b) == 1 {
		return b[0]
	}
	// SQLite merges the branches in the log's order, each from its owner
	// index, and stops after a page; PostgreSQL reads the person's actions
	// from the owner indexes alone and keeps the page's while it sorts
	// them.
	return s.q(ctx).Model(&actionRow{}).Table("(? UNION ALL ?) AS actions", b[0], b[1])
}

// actionCount is the statement whose one value is how many actions f
// keeps, counted row by row. A person's are counted in each branch from
// its own index alone.
func (s *Store) actionCount(ctx context.Context, f tracker.ActionFilter) *gorm.DB {
	b := s.actionBranches(ctx, f)
	if len(b) == 1 {
		return b[0].Select("COUNT(*)")
	}
	return s.q(ctx).Raw("SELECT COUNT(*) FROM (? UNION ALL ?) AS linked", b[0].Select("actions.id"), b[1].Select("actions.id"))
}

// actionBranches are queries of actions that share no row and together
// keep the actions f keeps, each with every condition of f: one query, or
// for a person, one a link (personBranches). Each link has its own index,
// which holds its actions in the log's order (migration 0023); a single
// query with OR made SQLite read and sort all of a person's actions for a
// page, and both databases visit each of them in the table to count them.
func (s *Store) actionBranches(ctx context.Context, f tracker.ActionFilter) []*gorm.DB {
	base := []*gorm.DB{s.q(ctx).Model(&actionRow{})}
	if f.Person != 0 {
		base = s.personBranches(ctx, f.Person)
	}
	for i, q := range base {
		q = actionConds(q, f)
		if f.RecommendationID != 0 {
			q = q.Where("recommendation_id = ?", f.RecommendationID)
		}
		if f.ReferenceID != 0 {
			q = q.Where("reference_id = ?", f.ReferenceID)
		}
		if f.ChangedSince != nil {
			q = q.Where(`(id IN (SELECT entity_id FROM audit_latest WHERE entity = ? AND last_effective_at > ?)
			OR id IN (SELECT u.action_id FROM progress_updates u JOIN audit_latest e ON e.entity = ? AND e.entity_id = u.id WHERE e.last_effective_at > ?))`,
				EntityAction, *f.ChangedSince, EntityUpdate, *f.ChangedSince)
		}
		base[i] = q
	}
	return base
}

// personBranches are the actions linked to a person: those linked to the
// account, and, when it has an address, those linked to the address and
// not also to the account. The address is read first and given as a
// value, not a subquery, so that each database's statistics see who it
// is, where a guess let PostgreSQL walk the whole log in its order looking
// for someone who owns few or none. An error reading the address is the
// query's error.
func (s *Store) personBranches(ctx context.Context, person int64) []*gorm.DB {
	account := s.q(ctx).Model(&actionRow{}).Where("owner_user_id = ?", person)
	var emails []string
	if err := s.q(ctx).Model(&userRow{}).Where("id = ?", person).Limit(1).Pluck("email", &emails).Error; err != nil {
		_ = account.AddError(fmt.Errorf("read the person's address: %w", err))
		return []*gorm.DB{account}
	}
	if len(emails) == 0 || emails[0] == "" {
		return []*gorm.DB{account}
	}
	// owner_email <> '' is the condition of the partial index, written out
	// so that SQLite sees that the index holds every row this branch wants.
	address := s.q(ctx).Model(&actionRow{}).Where("owner_email <> '' AND owner_email = ? AND (owner_user_id IS NULL OR owner_user_id <> ?)", emails[0], person)
	return []*gorm.DB{account, address}
}

// actionConds adds the conditions of f that the actions and their tallies
// both answer (action_tallies names its columns as actions does), so the
// log and its total keep the same rows by one rule. A recommendation, a
// linked person (Person), a reference and "changed since" are for
// actionBranches alone.
func actionConds(q *gorm.DB, f tracker.ActionFilter) *gorm.DB {
	today := tracker.Day(f.Today)
	if f.OrganisationID != 0 {
		q = q.Where("organisation_id = ?", f.OrganisationID)
	}
	if f.Owner != "" {
		q = q.Where("owner = ?", f.Owner)
	}
	q = ownerConditions(q, f)
	if f.Status != "" {
		q = q.Where("status = ?", f.Status)
	}
	if f.Open || f.Overdue || f.DueWithinDays > 0 {
		q = q.Where("status IN ?", openAction)
	}
	if f.Overdue {
		q = q.Where("due_date < ?", today)
	}
	if f.DueWithinDays > 0 {
		q = q.Where("due_date >= ? AND due_date <= ?", today, today.AddDate(0, 0, f.DueWithinDays))
	}
	if f.SourceID != 0 {
		q = q.Where("source_id = ?", f.SourceID)
	}
	switch f.RAG {
	case "":
	case "none":
		q = q.Where("rag = ''")
	default:
		q = q.Where("rag = ?", f.RAG)
	}
	return q
}

// ownerConditions narrows a query of actions, or of their tallies, to the
// unowned ones or to one person's.
func ownerConditions(q *gorm.DB, f tracker.ActionFilter) *gorm.DB {
	if f.NoOwner {
		q = q.Where("owner = ''")
	}
	if len(f.OwnedBy) > 0 {
		names := make([]string, 0, len(f.OwnedBy))
		for _, n := range f.OwnedBy {
			if n = strings.ToLower(strings.TrimSpace(n)); n != "" {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			return q.Where("1 = 0")
		}
		q = q.Where("LOWER(TRIM(owner)) IN ?", names)
	}
	return q
}

// CountActions counts the actions f keeps, as the list would.
func (s *Store) CountActions(ctx context.Context, f tracker.ActionFilter) (int64, error) {
	n, err := s.actionTotal(ctx, f)
	if err != nil {
		return 0, fmt.Errorf("count actions: %w", err)
	}
	return n, nil
}

// Owners lists the distinct action owners, for the log's filter: those
// with actions, by the tally's rows added up (see sourceAddressees).
func (s *Store) Owners(ctx context.Context) ([]string, error) {
	var owners []string
	if err := s.q(ctx).Table("action_tallies").Where("owner <> ''").Group("owner").Having("SUM(n) > 0").Order("owner").Pluck("owner", &owners).Error; err != nil {
		return nil, fmt.Errorf("list owners: %w", err)
	}
	return owners, nil
}

// ListReferences returns a page of references: outstanding ones first.
func (s *Store) ListReferences(ctx context.Context, page tracker.Page) ([]tracker.Reference, int64, error) {
	var total int64
	if err := s.q(ctx).Model(&referenceRow{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count references: %w", err)
	}
	var rows []referenceRow
	err := s.q(ctx).Order("CASE WHEN status = 'closed' THEN 1 ELSE 0 END, raised_on DESC, id DESC").
		Limit(page.Limit()).Offset(page.Offset()).Find(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list references: %w", err)
	}
	out, err := s.withReferenceOrgs(ctx, rows)
	return out, total, err
}

func (s *Store) withReferenceOrgs(ctx context.Context, rows []referenceRow) ([]tracker.Reference, error) {
	var orgIDs []int64
	for _, r := range rows {
		orgIDs = append(orgIDs, r.RequestedByID, r.RespondingOrgID)
	}
	orgs, err := s.organisationMap(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	out := make([]tracker.Reference, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		out[i].RequestedBy, out[i].RespondingOrg = orgs[r.RequestedByID], orgs[r.RespondingOrgID]
	}
	return out, nil
}

// ReferenceDetail returns a reference with its recommendations (each with
// responses and actions), its own actions and the replies to it.
func (s *Store) ReferenceDetail(ctx context.Context, id int64) (tracker.ReferenceDetail, error) {
	var d tracker.ReferenceDetail
	var row referenceRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return d, notFound(err, "reference")
	}
	refs, err := s.withReferenceOrgs(ctx, []referenceRow{row})
	if err != nil {
		return d, err
	}
	d.Reference = refs[0]
	var links []referenceRecommendationRow
	if err := s.q(ctx).Where("reference_id = ?", id).Order("sort_order").Find(&links).Error; err != nil {
		return d, fmt.Errorf("load reference links: %w", err)
	}
	ids := make([]int64, len(links))
	for i, l := range links {
		ids[i] = l.RecommendationID
	}
	if len(ids) > 0 {
		if d.Recommendations, err = s.recommendationDetails(ctx, ids, false); err != nil {
			return d, err
		}
	}
	var actions []actionRow
	if err := s.q(ctx).Where("reference_id = ? AND recommendation_id IS NULL", id).Order("id").Find(&actions).Error; err != nil {
		return d, fmt.Errorf("load reference actions: %w", err)
	}
	if d.Actions, err = s.actionItems(ctx, actions, false); err != nil {
		return d, err
	}
	d.Replies, err = s.replies(ctx, "reference_id = ?", id)
	return d, err
}

func (s *Store) replies(ctx context.Context, where string, args ...any) ([]tracker.Reply, error) {
	var rows []replyRow
	if err := s.q(ctx).Where(where, args...).Order("dated, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load replies: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids, orgIDs := make([]int64, len(rows)), make([]int64, len(rows))
	for i, r := range rows {
		ids[i], orgIDs[i] = r.ID, r.FromOrgID
	}
	orgs, err := s.organisationMap(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	var outRows []outcomeRow
	if err := findIn(func() *gorm.DB { return s.q(ctx).Order("reply_id, number") }, "reply_id IN ?", ids, &outRows); err != nil {
		return nil, fmt.Errorf("load outcomes: %w", err)
	}
	outcomes := map[int64][]tracker.Outcome{}
	for _, o := range outRows {
		outcomes[o.ReplyID] = append(outcomes[o.ReplyID], tracker.Outcome{ID: o.ID, ReplyID: o.ReplyID, Number: o.Number, Text: o.Text})
	}
	out := make([]tracker.Reply, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		out[i].FromOrg = orgs[r.FromOrgID]
		out[i].Outcomes = outcomes[r.ID]
	}
	return out, nil
}

// ListMeasures returns a page of measures with their values.
func (s *Store) ListMeasures(ctx context.Context, page tracker.Page) ([]tracker.Measure, int64, error) {
	var total int64
	if err := s.q(ctx).Model(&measureRow{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count measures: %w", err)
	}
	ms, err := s.measures(ctx, s.q(ctx).Limit(page.Limit()).Offset(page.Offset()))
	return ms, total, err
}

func (s *Store) measures(ctx context.Context, q *gorm.DB) ([]tracker.Measure, error) {
	var rows []measureRow
	if err := q.Order("id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list measures: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	ids, orgIDs := make([]int64, len(rows)), make([]int64, len(rows))
	for i, r := range rows {
		ids[i], orgIDs[i] = r.ID, r.OrganisationID
	}
	orgs, err := s.organisationMap(ctx, orgIDs)
	if err != nil {
		return nil, err
	}
	var vals []measureValueRow
	if err := findIn(func() *gorm.DB { return s.q(ctx).Order("period_end") }, "measure_id IN ?", ids, &vals); err != nil {
		return nil, fmt.Errorf("load measure values: %w", err)
	}
	byMeasure := map[int64][]tracker.MeasureValue{}
	for _, v := range vals {
		byMeasure[v.MeasureID] = append(byMeasure[v.MeasureID], v.domain())
	}
	out := make([]tracker.Measure, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
		out[i].Organisation = orgs[r.OrganisationID]
		out[i].Values = byMeasure[r.ID]
	}
	return out, nil
}

// Counts gathers the home page's numbers as they stand on today, from the
// tallies the triggers keep: a few rows each, however many items there are.
func (s *Store) Counts(ctx context.Context, today time.Time) (tracker.Counts, error) {
	var c tracker.Counts
	today = tracker.Day(today)
	type statusCount struct {
		Status  string
		N       int
		Overdue int
		DueSoon int
	}
	var recStatus []statusCount
	if err := s.q(ctx).Table("recommendation_tallies").
		Select("status, CAST(SUM(n) AS BIGINT) AS n, CAST(SUM(CASE WHEN status IN ? AND deadline_date < ? THEN n ELSE 0 END) AS BIGINT) AS overdue",
			outstandingRec, today).
		Group("status").Scan(&recStatus).Error; err != nil {
		return c, fmt.Errorf("count recommendations: %w", err)
	}
	recN := map[string]int{}
	for _, r := range recStatus {
		recN[r.Status] = r.N
		c.Recommendations += r.N
		c.OverdueRecs += r.Overdue
	}
	for _, o := range tracker.RecommendationStatuses {
		c.RecsByStatus = append(c.RecsByStatus, tracker.Count{Key: o.Value, Label: o.Label, N: recN[o.Value]})
	}
	c.OutstandingRecs = recN[tracker.RecOpen] + recN[tracker.RecInProgress]

	var actStatus []statusCount
	if err := s.q(ctx).Table("action_tallies").
		Select(`status, CAST(SUM(n) AS BIGINT) AS n,
			CAST(SUM(CASE WHEN status IN ? AND due_date < ? THEN n ELSE 0 END) AS BIGINT) AS overdue,
			CAST(SUM(CASE WHEN status IN ? AND due_date >= ? AND due_date <= ? THEN n ELSE 0 END) AS BIGINT) AS due_soon`,
			openAction, today, openAction, today, today.AddDate(0, 0, 30)).
		Group("status").Scan(&actStatus).Error; err != nil {
		return c, fmt.Errorf("count actions: %w", err)
	}
	actN := map[string]int{}
	for _, r := range actStatus {
		actN[r.Status] = r.N
		c.OverdueActions += r.Overdue
		c.DueSoonActions += r.DueSoon
	}
	for _, o := range tracker.ActionStatuses {
		c.ActionsByStatus = append(c.ActionsByStatus, tracker.Count{Key: o.Value, Label: o.Label, N: actN[o.Value]})
	}
	c.OpenActions = actN[tracker.ActNotStarted] + actN[tracker.ActInProgress]

	var n int64
	if err := s.q(ctx).Model(&referenceRow{}).Where("status <> ?", tracker.RefClosed).Count(&n).Error; err != nil {
		return c, fmt.Errorf("count references: %w", err)
	}
	c.OutstandingRefs = int(n)

	type orgCount struct {
		OrganisationID int64
		Open           int
		Overdue        int
	}
	// By each addressee's own status (addressee_tallies), as the lists
	// these counts link to filter an organisation's recommendations.
	var recOrg []orgCount
	err := s.q(ctx).Table("addressee_tallies").
		Select(`organisation_id,
			CAST(SUM(CASE WHEN status IN ? THEN n ELSE 0 END) AS BIGINT) AS open,
			CAST(SUM(CASE WHEN status IN ? AND deadline_date < ? THEN n ELSE 0 END) AS BIGINT) AS overdue`,
			outstandingRec, outstandingRec, today).
		Group("organisation_id").Having("SUM(n) > 0").Scan(&recOrg).Error
	if err != nil {
		return c, fmt.Errorf("count recommendations by organisation: %w", err)
	}
	var actOrg []orgCount
	err = s.q(ctx).Table("action_tallies").
		Select(`organisation_id,
			CAST(SUM(CASE WHEN status IN ? THEN n ELSE 0 END) AS BIGINT) AS open,
			CAST(SUM(CASE WHEN status IN ? AND due_date < ? THEN n ELSE 0 END) AS BIGINT) AS overdue`,
			openAction, openAction, today).
		Group("organisation_id").Having("SUM(n) > 0").Scan(&actOrg).Error
	if err != nil {
		return c, fmt.Errorf("count actions by organisation: %w", err)
	}
	rows := map[int64]*tracker.OrganisationCounts{}
	var orgIDs []int64
	get := func(id int64) *tracker.OrganisationCounts {
		if rows[id] == nil {
			rows[id] = &tracker.OrganisationCounts{}
			orgIDs = append(orgIDs, id)
		}
		return rows[id]
	}
	for _, r := range recOrg {
		oc := get(r.OrganisationID)
		oc.OutstandingRecs, oc.OverdueRecs = r.Open, r.Overdue
	}
	for _, r := range actOrg {
		oc := get(r.OrganisationID)
		oc.OpenActions, oc.OverdueActions = r.Open, r.Overdue
	}
	orgs, err := s.organisationMap(ctx, orgIDs)
	if err != nil {
		return c, err
	}
	for _, id := range orgIDs {
		oc := rows[id]
		oc.Organisation = orgs[id]
		c.ByOrganisation = append(c.ByOrganisation, *oc)
	}
	sort.Slice(c.ByOrganisation, func(i, j int) bool {
		return c.ByOrganisation[i].Organisation.Name < c.ByOrganisation[j].Organisation.Name
	})
	return c, nil
}

// FindOrganisationByName returns the organisation with exactly this name.
func (s *Store) FindOrganisationByName(ctx context.Context, name string) (tracker.Organisation, error) {
	var row organisationRow
	if err := s.q(ctx).Where("name = ?", name).Take(&row).Error; err != nil {
		return tracker.Organisation{}, notFound(err, "organisation")
	}
	return row.domain(), nil
}

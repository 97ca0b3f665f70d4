package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
)

// ImportOptions says how Import treats a batch.
type ImportOptions struct {
	// DryRun does everything, then undoes it: the summary says what a real
	// import would do.
	DryRun bool
	// SkipBadRows imports the good rows when some have errors; otherwise
	// any error means nothing is imported.
	SkipBadRows bool
	// Progress, when set, is called as rows are written (every few rows and
	// once at the end), from the goroutine that called Import.
	Progress func(importer.Progress)
	// User is the person importing: a row they could not change on the
	// pages (tracker/auth.go decides, as for the commands) is a row error.
	// Unset, the command line's administrator (tracker.SystemUser).
	User *tracker.User
}

// user is the person importing.
func (im *importRun) user() *tracker.User {
	if im.opts.User == nil {
		return tracker.SystemUser()
	}
	return im.opts.User
}

// refusal is the words of a permission refusal or of a validation error
// at one field, for a row error.
func refusal(err error) string {
	if r := tracker.ReasonOf(err); r != "" {
		return r
	}
	return validationMessage(err)
}

var errDryRun = errors.New("dry run: roll back")

// Import writes a validated batch in one transaction, recorded in the audit
// trail as changes through the import channel by the actor of ctx.
// Recommendations are matched by source and number, actions by their
// reference (or, without one, by organisation and description): a matching
// item is updated where the file differs and left alone where it does not,
// so importing the same file twice changes nothing the second time.
// Organisations are matched by name or short name, ignoring case and extra
// spaces, and created when missing.
//
// With row errors and without SkipBadRows, nothing is saved and the error
// is importer.ErrRowErrors; the summary still counts what the good rows
// would do. A dry run always ends with nothing saved.
func (s *Store) Import(ctx context.Context, b *importer.Batch, opts ImportOptions) (importer.Summary, error) {
	start := time.Now()
	sum := importer.Summary{
		Kind: b.Kind, DryRun: opts.DryRun, Rows: b.Rows, Repairs: importer.Repairs{},
		Errors: append([]importer.RowError(nil), b.Errors...), Warnings: append([]importer.RowError(nil), b.Warnings...),
		OrganisationsCreated: []string{}, SourcesCreated: []string{},
	}
	sum.Repairs.Add(b.Repairs)
	actor := tracker.ActorFrom(ctx)
	actor.Channel = tracker.ChannelImport
	ctx = tracker.WithActor(ctx, actor)

	big := b.Rows >= bulkImportRows
	err := s.Tx(ctx, func(tx *Store) error {
		if big {
			if err := tx.deferDerived(ctx); err != nil {
				return err
			}
		}
		// The audit events and search documents of the rows are written
		// a batch at a time at the end.
		tx.deferWrites()
		im := &importRun{s: tx, ctx: ctx, b: b, sum: &sum, opts: opts, today: tracker.Day(s.Now())}
		if err := im.loadOrganisations(); err != nil {
			return err
		}
		var err error
		if b.Kind == importer.KindActions {
			err = im.actions()
		} else {
			err = im.recommendations()
		}
		if err != nil {
			return err
		}
		if err := tx.flushDeferred(ctx); err != nil {
			return err
		}
		if len(sum.Errors) > 0 && !opts.SkipBadRows {
			return importer.ErrRowErrors
		}
		if opts.DryRun {
			return errDryRun
		}
		if big {
			return tx.rebuildDerived(ctx)
		}
		return nil
	})
	sum.Duration = time.Since(start)
	if opts.SkipBadRows {
		sum.Skipped = len(badRows(sum.Errors))
	}
	sortErrors(sum.Errors)
	sortErrors(sum.Warnings)
	switch {
	case errors.Is(err, errDryRun):
		return sum, nil
	case err != nil:
		return sum, err
	}
	sum.Saved = true
	if big {
		// The planner's statistics catch up with the new rows; the import
		// is saved whether or not they do.
		_ = s.Analyze(ctx)
	}
	return sum, nil
}

// bulkImportRows is the size of file from which an import makes the
// tallies once at its end (see deferDerived) and refreshes the planner's
// statistics after.
const bulkImportRows = 1000

func badRows(errs []importer.RowError) map[int]bool {
	out := map[int]bool{}
	for _, e := range errs {
		if e.Row > 0 {
			out[e.Row] = true
		}
	}
	return out
}

func sortErrors(errs []importer.RowError) {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Row < errs[j].Row })
}

// importRun is the state of one Import: caches of what the database holds,
// filled once, so thousands of rows cost a fixed number of lookups each.
type importRun struct {
	s     *Store
	ctx   context.Context
	b     *importer.Batch
	sum   *importer.Summary
	opts  ImportOptions
	today time.Time

	orgs    map[string]organisationRow // by normalised name and short name
	sources map[string]*sourceRow      // by normalised title, then reference
	// recs caches each source's recommendations by normalised number.
	recs map[int64]map[string]*recommendationRow
	// people links owners to accounts by email or name, loaded once.
	people *people
	// byRef and byText find actions by reference and by description, each
	// key led by the organisation's id; loaded once, when first needed.
	byRef, byText map[string]*actionRow

	done, total int
}

// nameKey is how names are compared: case, surrounding and repeated spaces
// do not matter.
func nameKey(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

func (im *importRun) progress(rows int) {
	im.done += rows
	if im.opts.Progress != nil && (im.done == im.total || im.done/25 != (im.done-rows)/25) {
		im.opts.Progress(importer.Progress{Done: im.done, Total: im.total})
	}
}

func (im *importRun) rowError(row int, f importer.Field, msg string) {
	im.sum.Errors = append(im.sum.Errors, importer.RowError{Row: row, Column: im.column(f), Field: f, Message: msg})
}

// rowWarning notes something odd about a row that is imported all the same.
func (im *importRun) rowWarning(row int, f importer.Field, msg string) {
	im.sum.Warnings = append(im.sum.Warnings, importer.RowError{Row: row, Column: im.column(f), Field: f, Message: msg})
}

func (im *importRun) column(f importer.Field) string {
	if cols := im.b.Mapping.Columns(mappedHeaders(im.b.Mapping), f); len(cols) > 0 {
		return cols[0]
	}
	return ""
}

// futureDate warns that a row's date is after the day of the import: the
// change it dates counts from the day of the import instead.
func (im *importRun) futureDate(row int, f importer.Field, d *time.Time, what string) {
	if d != nil && tracker.Day(*d).After(im.today) {
		im.rowWarning(row, f, fmt.Sprintf("the %s, %s, is in the future; it counts from the day of the import, %s", what, tracker.FormatDate(*d), tracker.FormatDate(im.today)))
	}
}

func mappedHeaders(m importer.Mapping) []string {
	hs := make([]string, 0, len(m))
	for h := range m {
		hs = append(hs, h)
	}
	sort.Strings(hs)
	return hs
}

func (im *importRun) loadOrganisations() error {
	var rows []organisationRow
	if err := im.s.q(im.ctx).Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("load organisations: %w", err)
	}
	im.orgs = map[string]organisationRow{}
	for _, r := range rows {
		if k := nameKey(r.ShortName); k != "" {
			if _, ok := im.orgs[k]; !ok {
				im.orgs[k] = r
			}
		}
	}
	// Full names win over short names when both match.
	for _, r := range rows {
		im.orgs[nameKey(r.Name)] = r
	}
	return nil
}

// organisation finds an organisation by name or short name, or creates it.
func (im *importRun) organisation(name string) (organisationRow, error) {
	name = strings.Join(strings.Fields(name), " ")
	if r, ok := im.orgs[nameKey(name)]; ok {
		return r, nil
	}
	row := organisationRow{Name: name, Version: 1}
	if err := (tracker.Organisation{Name: name}).Validate(); err != nil {
		return row, err
	}
	if err := im.s.q(im.ctx).Create(&row).Error; err != nil {
		return row, fmt.Errorf("create organisation %q: %w", name, err)
	}
	if err := im.s.recordCreate(im.ctx, EntityOrganisation, row.ID, &row, nil); err != nil {
		return row, err
	}
	im.orgs[nameKey(name)] = row
	im.sum.OrganisationsCreated = append(im.sum.OrganisationsCreated, name)
	return row, nil
}

func (im *importRun) loadSources() error {
	var rows []sourceRow
	if err := im.s.q(im.ctx).Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("load sources: %w", err)
	}
	im.sources = map[string]*sourceRow{}
	for i := range rows {
		if k := nameKey(rows[i].Reference); k != "" {
			if _, ok := im.sources[k]; !ok {
				im.sources[k] = &rows[i]
			}
		}
	}
	for i := range rows {
		im.sources[nameKey(rows[i].Title)] = &rows[i]
	}
	im.recs = map[int64]map[string]*recommendationRow{}
	return nil
}

// sourcePlan is what the batch says about a source the import may create:
// its earliest date, reference and issuer, from whichever rows give them.
type sourcePlan struct {
	title, reference, issuer string
	date                     *time.Time
}

func (im *importRun) plans() map[string]*sourcePlan {
	out := map[string]*sourcePlan{}
	for _, r := range im.b.Recommendations {
		k := nameKey(r.Source)
		p := out[k]
		if p == nil {
			p = &sourcePlan{title: r.Source}
			out[k] = p
		}
		if p.reference == "" {
			p.reference = r.SourceReference
		}
		if p.issuer == "" {
			p.issuer = r.IssuedBy
		}
		d := r.SourceDate
		if d == nil {
			d = r.Made
		}
		if d != nil && (p.date == nil || d.Before(*p.date)) {
			p.date = d
		}
	}
	return out
}

// source finds a source by title (or reference), creating it from its plan
// when the batch allows; ok is false when the row's error has been noted.
func (im *importRun) source(title string, plan *sourcePlan, rows []int, create bool) (*sourceRow, bool, error) {
	if r, ok := im.sources[nameKey(title)]; ok {
		return r, true, nil
	}
	if !create {
		im.rowError(rows[0], importer.FieldSource, fmt.Sprintf("There is no source called “%s”; import its recommendations first, or check the title", title))
		return nil, false, nil
	}
	issuer := ""
	if plan != nil {
		issuer = plan.issuer
	}
	if issuer == "" {
		issuer = im.b.Options.IssuedBy
	}
	if issuer == "" {
		im.rowError(rows[0], importer.FieldSource, fmt.Sprintf("“%s” is a new source, and the tracker needs to know who issued it; map a column to Issued by, or name the issuing body for the whole file", title))
		return nil, false, nil
	}
	org, err := im.organisation(issuer)
	if err != nil {
		return nil, false, err
	}
	kind := im.b.Options.SourceKind
	if kind == "" {
		kind = tracker.KindOther
	}
	row := &sourceRow{Kind: kind, Title: title, IssuedByID: org.ID, Version: 1}
	if plan != nil {
		row.Reference, row.IssuedOn = plan.reference, dayArg(plan.date)
	}
	if err := row.domain().Validate(); err != nil {
		im.rowError(rows[0], importer.FieldSource, validationMessage(err))
		return nil, false, nil
	}
	im.s.stamp(im.ctx, row, nil)
	if err := im.s.q(im.ctx).Create(row).Error; err != nil {
		return nil, false, fmt.Errorf("create source %q: %w", title, err)
	}
	if err := im.s.recordCreate(im.ctx, EntitySource, row.ID, row, nil); err != nil {
		return nil, false, err
	}
	im.sources[nameKey(title)] = row
	im.recs[row.ID] = map[string]*recommendationRow{}
	im.sum.SourcesCreated = append(im.sum.SourcesCreated, title)
	return row, true, nil
}

func validationMessage(err error) string {
	var v *tracker.ValidationError
	if errors.As(err, &v) {
		parts := make([]string, 0, len(v.Fields))
		for _, m := range v.Fields {
			parts = append(parts, m)
		}
		sort.Strings(parts)
		return strings.Join(parts, "; ")
	}
	return err.Error()
}

// sourceRecs returns a source's recommendations by normalised number,
// loading them on first use.
func (im *importRun) sourceRecs(sourceID int64) (map[string]*recommendationRow, error) {
	if m, ok := im.recs[sourceID]; ok {
		return m, nil
	}
	var rows []recommendationRow
	// Deleted ones too: the number is still taken, and the row says so.
	if err := im.s.q(im.ctx).Unscoped().Where("source_id = ?", sourceID).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load recommendations: %w", err)
	}
	m := map[string]*recommendationRow{}
	for i := range rows {
		m[nameKey(rows[i].Number)] = &rows[i]
	}
	im.recs[sourceID] = m
	return m, nil
}

func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return tracker.Day(*a).Equal(tracker.Day(*b))
}

func (im *importRun) recommendations() error {
	if err := im.loadSources(); err != nil {
		return err
	}
	plans := im.plans()
	for _, r := range im.b.Recommendations {
		im.total += len(r.Rows)
	}
	for _, r := range im.b.Recommendations {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		errs := len(im.sum.Errors)
		if err := im.recommendation(r, plans[nameKey(r.Source)]); err != nil {
			return err
		}
		// A recommendation refused is skipped with its progress.
		if len(im.sum.Errors) == errs {
			if err := im.progressActions(r); err != nil {
				return err
			}
		}
		im.progress(len(r.Rows))
	}
	return nil
}

// progressActions imports the updates a list of recommendations gives as
// each addressee's progress action on the recommendation, through the
// action log's own path (action): created on the earliest update's day,
// each update on its own, found again by its description when the file
// is imported again. They count as progress actions created and updates
// added, not as recommendations.
func (im *importRun) progressActions(r importer.RecommendationRecord) error {
	if len(r.Progress) == 0 {
		return nil
	}
	src := im.sources[nameKey(r.Source)]
	if src == nil {
		return nil
	}
	if im.byRef == nil {
		if err := im.loadActions(); err != nil {
			return err
		}
	}
	ins, upd, same := im.sum.Inserted, im.sum.Updated, im.sum.Unchanged
	for _, a := range r.Progress {
		a.Source, a.Description = src.Title, importer.ProgressDescription(r.Number, src.Title)
		for i := range a.Earlier {
			a.Earlier[i].Source, a.Earlier[i].Description = a.Source, a.Description
		}
		if err := im.action(a, im.byRef, im.byText); err != nil {
			return err
		}
	}
	im.sum.ActionsCreated += im.sum.Inserted - ins
	im.sum.Inserted, im.sum.Updated, im.sum.Unchanged = ins, upd, same
	return nil
}

func (im *importRun) recommendation(r importer.RecommendationRecord, plan *sourcePlan) error {
	src, ok, err := im.source(r.Source, plan, r.Rows, true)
	if err != nil || !ok {
		return err
	}
	orgs := make([]organisationRow, 0, len(r.Addressees))
	ids := make([]int64, 0, len(r.Addressees))
	for _, name := range r.Addressees {
		o, err := im.organisation(name)
		if err != nil {
			return err
		}
		orgs, ids = append(orgs, o), append(ids, o.ID)
	}
	existing, err := im.sourceRecs(src.ID)
	if err != nil {
		return err
	}
	// The row's changes take effect on the day it was made, or its
	// source's, not on the day of the import.
	im.futureDate(r.Rows[0], importer.FieldMade, r.Made, "date the recommendation was made")
	if made := r.Made; made != nil || src.IssuedOn != nil {
		if made == nil {
			made = src.IssuedOn
		}
		defer im.takingEffect(*made)()
	}
	cur, exists := existing[nameKey(r.Number)]
	if exists && cur.DeletedAt.Valid {
		im.rowError(r.Rows[0], importer.FieldNumber, fmt.Sprintf("Recommendation %s of “%s” was deleted in the tracker; restore it there before importing it again", r.Number, src.Title))
		return nil
	}
	if ok, err := im.mayWriteRecommendation(r, src, cur, ids); err != nil || !ok {
		return err
	}
	if !exists {
		rec, err := im.createRecommendation(r, src, orgs, ids)
		if err != nil || rec == nil {
			return err
		}
		existing[nameKey(r.Number)] = rec
		im.sum.Inserted++
		if _, err := im.addresseeStatuses(rec, r, src); err != nil {
			return err
		}
		return im.responses(rec.ID, r, orgs, true)
	}
	changed, err := im.updateRecommendation(cur, r)
	if err != nil {
		return err
	}
	added, err := im.addAddressees(cur.ID, orgs)
	if err != nil {
		return err
	}
	moved, err := im.addresseeStatuses(cur, r, src)
	if err != nil {
		return err
	}
	wrote := im.sum.ResponsesWritten
	if err := im.responses(cur.ID, r, orgs, false); err != nil {
		return err
	}
	if changed || added || moved || im.sum.ResponsesWritten > wrote {
		im.sum.Updated++
	} else {
		im.sum.Unchanged++
	}
	return nil
}

// mayWriteRecommendation applies the scope rule, as for the commands: a
// new recommendation (cur nil) with these addressees; an existing one
// keeps its own and gains these. It refuses the row when the person may
// not.
func (im *importRun) mayWriteRecommendation(r importer.RecommendationRecord, src *sourceRow, cur *recommendationRow, ids []int64) (bool, error) {
	if im.user().Role == tracker.RoleAdmin {
		return true, nil
	}
	scope, err := im.s.sourceScope(im.ctx, src.ID)
	if err != nil {
		return false, err
	}
	if cur == nil {
		if err := im.user().CheckChangeRecommendation(scope, nil, ids, im.s.names(im.ctx)); err != nil {
			im.rowError(r.Rows[0], importer.FieldAddressee, refusal(err))
			return false, nil
		}
		return true, nil
	}
	now, err := im.s.addresseesOf(im.ctx, cur.ID)
	if err != nil {
		return false, err
	}
	if err := im.user().CheckChangeRecommendation(scope, now, append(append([]int64(nil), now...), newOnes(now, ids)...), im.s.names(im.ctx)); err != nil {
		im.rowError(r.Rows[0], importer.FieldNumber, fmt.Sprintf("Recommendation %s of “%s”: %s", r.Number, src.Title, refusal(err)))
		return false, nil
	}
	return true, nil
}

// createRecommendation stores a new recommendation from a row with its
// addressees; nil when the row was refused.
func (im *importRun) createRecommendation(r importer.RecommendationRecord, src *sourceRow, orgs []organisationRow, ids []int64) (*recommendationRow, error) {
	rec := &recommendationRow{
		SourceID: src.ID, Number: r.Number, Title: r.Title, Text: r.Text, DeadlineText: r.DeadlineText,
		DeadlineDate: dayArg(r.DeadlineDate), Themes: tracker.JoinList(r.Themes), Status: tracker.RecOpen,
		Assessment: tracker.AssessNone, MadeOn: dayArg(r.Made), Version: 1,
	}
	dom := rec.domain()
	dom.Addressees = make([]tracker.Organisation, len(orgs))
	for i, o := range orgs {
		dom.Addressees[i] = o.domain()
	}
	// Statuses the file does not date are the addressees' from the start;
	// dated ones are set after, each taking effect on its own day
	// (addresseeStatuses), so "as at" shows each addressee open until then.
	for _, st := range r.Statuses {
		if st.Date != nil {
			continue
		}
		o, err := im.organisation(st.Organisation)
		if err != nil {
			return nil, err
		}
		dom.Statuses = append(dom.Statuses, tracker.AddresseeStatus{Organisation: o.domain(), Status: st.Status})
	}
	dom.SettleStatuses()
	rec.Status = dom.Status
	if err := dom.Validate(); err != nil {
		im.rowError(r.Rows[0], importer.FieldText, validationMessage(err))
		return nil, nil
	}
	im.s.stamp(im.ctx, rec, nil)
	if err := im.s.q(im.ctx).Create(rec).Error; err != nil {
		return nil, fmt.Errorf("create recommendation %s: %w", r.Number, err)
	}
	links := linksOfRecommendation(rec.ID, dom)
	for i := range links {
		if err := im.s.q(im.ctx).Create(&links[i]).Error; err != nil {
			return nil, fmt.Errorf("add addressee: %w", err)
		}
	}
	if err := im.s.recordCreate(im.ctx, EntityRecommendation, rec.ID, rec, linkFields(links)); err != nil {
		return nil, err
	}
	return rec, nil
}

// updateRecommendation brings an existing recommendation in line with the
// fields the file gives, as one audited update; fields the mapping leaves
// out, and blank statuses, keep what the tracker has.
func (im *importRun) updateRecommendation(rec *recommendationRow, r importer.RecommendationRecord) (bool, error) {
	before := *rec
	after := *rec
	after.Text = r.Text
	if r.Given[importer.FieldTitle] {
		after.Title = r.Title
	}
	if r.Given[importer.FieldDeadline] {
		after.DeadlineText, after.DeadlineDate = r.DeadlineText, dayArg(r.DeadlineDate)
	}
	if r.Given[importer.FieldThemes] {
		after.Themes = tracker.JoinList(r.Themes)
	}
	if r.Given[importer.FieldMade] {
		after.MadeOn = dayArg(r.Made)
	}
	if before.Text == after.Text && before.Title == after.Title && before.DeadlineText == after.DeadlineText &&
		sameDay(before.DeadlineDate, after.DeadlineDate) && before.Themes == after.Themes &&
		sameDay(before.MadeOn, after.MadeOn) {
		return false, nil
	}
	after.Version = before.Version + 1
	after.UpdatedAt = im.s.Now()
	res := im.s.q(im.ctx).Model(&recommendationRow{}).Where("id = ? AND version = ?", rec.ID, before.Version).Updates(map[string]any{
		"text": after.Text, "title": after.Title, "deadline_text": after.DeadlineText, "deadline_date": after.DeadlineDate,
		"status": after.Status, "themes": after.Themes, "made_on": after.MadeOn, "version": after.Version, "updated_at": after.UpdatedAt,
	})
	if res.Error != nil {
		return false, fmt.Errorf("update recommendation %s: %w", rec.Number, res.Error)
	}
	if res.RowsAffected != 1 {
		return false, fmt.Errorf("recommendation %s changed while importing: %w", rec.Number, tracker.ErrConflict)
	}
	*rec = after
	return true, im.s.recordUpdate(im.ctx, EntityRecommendation, rec.ID, &before, &after)
}

// addresseeStatuses brings each addressee's own status in line with the
// file's, through the same write as the recommendation page's form
// (Store.SetAddresseeStatus): audited, on the recommendation's timeline,
// and taking effect on the row's status date (today when it gives none),
// or on the day the recommendation was made when the status is dated
// before it. The overall status follows by the written rule. An addressee
// the file gives no status keeps its own.
func (im *importRun) addresseeStatuses(rec *recommendationRow, r importer.RecommendationRecord, src *sourceRow) (bool, error) {
	made := rec.MadeOn
	if made == nil {
		made = src.IssuedOn
	}
	changed := false
	for _, st := range r.Statuses {
		org, err := im.organisation(st.Organisation)
		if err != nil {
			return false, err
		}
		links, err := im.s.links(im.ctx, rec.ID)
		if err != nil {
			return false, err
		}
		var link *addresseeRow
		for i := range links {
			if links[i].OrganisationID == org.ID {
				link = &links[i]
			}
		}
		if link == nil || link.Status == st.Status && (st.Date == nil || sameDay(link.StatusDate, st.Date)) {
			continue
		}
		on := st.Date
		if on != nil && tracker.Day(*on).After(im.today) {
			im.futureDate(st.Row, importer.FieldStatusDate, on, "status date")
			on = nil
		}
		ch := tracker.AddresseeStatusChange{Status: st.Status, On: on, Version: link.Version}
		if err := im.s.setAddresseeStatus(im.ctx, rec.ID, org.ID, ch, made); err != nil {
			var v *tracker.ValidationError
			if errors.As(err, &v) {
				im.rowError(st.Row, importer.FieldStatus, validationMessage(err))
				continue
			}
			return false, err
		}
		changed = true
	}
	if changed {
		if err := im.s.q(im.ctx).Take(rec, rec.ID).Error; err != nil {
			return false, notFound(err, "recommendation")
		}
	}
	return changed, nil
}

// addAddressees adds the organisations not yet addressed; none are taken
// away, since a file lists who it knows of, not who must be removed.
func (im *importRun) addAddressees(recID int64, orgs []organisationRow) (bool, error) {
	var rows []addresseeRow
	if err := im.s.q(im.ctx).Where("recommendation_id = ?", recID).Order("sort_order").Find(&rows).Error; err != nil {
		return false, fmt.Errorf("load addressees: %w", err)
	}
	have := map[int64]bool{}
	before := make([]int64, len(rows))
	for i, a := range rows {
		have[a.OrganisationID] = true
		before[i] = a.OrganisationID
	}
	after := append([]int64(nil), before...)
	for _, o := range orgs {
		if have[o.ID] {
			continue
		}
		var rec recommendationRow
		if err := im.s.q(im.ctx).Select("id", "status").Take(&rec, recID).Error; err != nil {
			return false, notFound(err, "recommendation")
		}
		// An addressee added takes the recommendation's status as it stands.
		if err := im.s.q(im.ctx).Create(&addresseeRow{RecommendationID: recID, OrganisationID: o.ID, SortOrder: len(after), Status: rec.Status, Version: 1}).Error; err != nil {
			return false, fmt.Errorf("add addressee: %w", err)
		}
		have[o.ID] = true
		after = append(after, o.ID)
		im.sum.AddresseesAdded++
	}
	if len(after) == len(before) {
		return false, nil
	}
	return true, im.s.record(im.ctx, EntityRecommendation, recID, tracker.OpUpdate,
		[]tracker.Change{{Field: "addressees", Old: auditValue(before), New: auditValue(after)}})
}

// responses stores each addressee's response as the file gives it: a new
// response, or a new revision when the text, position or date differ from
// the current one, so earlier wording stays in the history.
func (im *importRun) responses(recID int64, r importer.RecommendationRecord, orgs []organisationRow, fresh bool) error {
	for _, resp := range r.Responses {
		org, err := im.organisation(resp.Organisation)
		if err != nil {
			return err
		}
		var cur responseRow
		found := false
		if !fresh {
			err := im.s.q(im.ctx).Where("recommendation_id = ? AND organisation_id = ?", recID, org.ID).Order("revision DESC").Limit(1).Find(&cur).Error
			if err != nil {
				return fmt.Errorf("load response: %w", err)
			}
			found = cur.ID != 0
		}
		row := responseRow{RecommendationID: recID, OrganisationID: org.ID, Revision: 1, Position: resp.Position, Text: resp.Text,
			Author: cur.Author, Dated: dayArg(resp.Date), DateText: cur.DateText}
		if found {
			if row.Position == "" {
				row.Position = cur.Position
			}
			if !r.Given[importer.FieldResponseDate] {
				row.Dated = cur.Dated
			}
			if row.Position == cur.Position && row.Text == cur.Text && sameDay(row.Dated, cur.Dated) {
				continue
			}
			row.Revision = cur.Revision + 1
		}
		if row.Position == "" {
			row.Position = tracker.PosNoted
		}
		if err := row.domain().Validate(); err != nil {
			im.rowError(resp.Row, importer.FieldResponse, validationMessage(err))
			continue
		}
		im.s.stamp(im.ctx, &row, nil)
		if err := im.s.q(im.ctx).Create(&row).Error; err != nil {
			return fmt.Errorf("create response: %w", err)
		}
		if err := im.s.recordCreate(im.ctx, EntityResponse, row.ID, &row, nil); err != nil {
			return err
		}
		im.sum.ResponsesWritten++
	}
	return nil
}

func (im *importRun) actions() error {
	if err := im.loadSources(); err != nil {
		return err
	}
	if err := im.loadActions(); err != nil {
		return err
	}
	im.total = len(im.b.Actions)
	for _, a := range im.b.Actions {
		if err := im.ctx.Err(); err != nil {
			return err
		}
		if err := im.action(a, im.byRef, im.byText); err != nil {
			return err
		}
		im.progress(1)
	}
	return nil
}

// loadActions fills the caches that find actions by reference and by
// description, each within its organisation.
func (im *importRun) loadActions() error {
	var rows []actionRow
	if err := im.s.q(im.ctx).Order("id").Find(&rows).Error; err != nil {
		return fmt.Errorf("load actions: %w", err)
	}
	im.byRef, im.byText = map[string]*actionRow{}, map[string]*actionRow{}
	for i := range rows {
		if k := nameKey(rows[i].ExternalRef); k != "" {
			im.byRef[fmt.Sprintf("%d\x00%s", rows[i].OrganisationID, k)] = &rows[i]
		}
		im.byText[fmt.Sprintf("%d\x00%s", rows[i].OrganisationID, nameKey(rows[i].Description))] = &rows[i]
	}
	return nil
}

func (im *importRun) action(a importer.ActionRecord, byRef, byText map[string]*actionRow) error {
	im.futureDate(a.Row, importer.FieldUpdateDate, a.UpdateDate, "update's date")
	org, err := im.organisation(a.Organisation)
	if err != nil {
		return err
	}
	sourceID, recID, ok, err := im.actionPlace(a)
	if err != nil || !ok {
		return err
	}
	// A log's references are its own: the same reference in another
	// organisation's log is another action.
	textKey := fmt.Sprintf("%d\x00%s", org.ID, nameKey(a.Description))
	refKey := fmt.Sprintf("%d\x00%s", org.ID, nameKey(a.Reference))
	if ok, err := im.mayAct(a, org.ID, recID); err != nil || !ok {
		return err
	}
	var cur *actionRow
	if a.Reference != "" {
		cur = byRef[refKey]
	} else {
		cur = byText[textKey]
	}
	steps := a.Steps()
	if cur == nil {
		row, err := im.newAction(steps, org.ID, sourceID, recID)
		if err != nil || row == nil {
			return err
		}
		if a.Reference != "" {
			byRef[refKey] = row
		}
		byText[textKey] = row
		im.sum.Inserted++
		return nil
	}
	// An action the tracker has: the earlier rows of a log with one row
	// per update give their updates; the latest row its fields too.
	added := false
	for _, st := range steps[:len(steps)-1] {
		n, err := im.actionUpdates(cur.ID, st)
		if err != nil {
			return err
		}
		added = added || n
	}
	changed, err := im.changeAction(cur, steps[len(steps)-1], org.ID, sourceID, recID)
	if err != nil {
		return err
	}
	if changed || added {
		im.sum.Updated++
	} else {
		im.sum.Unchanged++
	}
	return nil
}

// newAction creates an action from its rows, oldest first: as the first
// row has it, taking effect on the earliest date the rows give, then
// changed by each later row on that row's update date, so "as at" a past
// day shows the action as the log then stood. Nil when the row was refused.
func (im *importRun) newAction(steps []importer.ActionRecord, orgID int64, sourceID, recID *int64) (*actionRow, error) {
	var first *time.Time
	for _, st := range steps {
		for _, d := range actionDates(st) {
			if first == nil || d.Before(*first) {
				first = &d
			}
		}
	}
	restore := func() {}
	if first != nil {
		restore = im.takingEffect(*first)
	}
	row, err := im.createAction(steps[0], orgID, sourceID, recID)
	restore()
	if err != nil || row == nil {
		return nil, err
	}
	if _, err := im.actionUpdates(row.ID, steps[0]); err != nil {
		return nil, err
	}
	for _, st := range steps[1:] {
		if _, err := im.changeAction(row, st, orgID, sourceID, recID); err != nil {
			return nil, err
		}
	}
	return row, nil
}

// actionDates are the dates a row gives its updates.
func actionDates(a importer.ActionRecord) []time.Time {
	var out []time.Time
	if a.UpdateDate != nil {
		out = append(out, *a.UpdateDate)
	}
	for _, h := range a.History {
		out = append(out, h.Date)
	}
	return out
}

// actionUpdates adds the updates of a row the action does not have yet:
// those of its history columns, each dated by its column's header, then
// its latest update.
func (im *importRun) actionUpdates(actionID int64, a importer.ActionRecord) (bool, error) {
	added := false
	for _, h := range a.History {
		d := h.Date
		n, err := im.progressUpdate(actionID, importer.ActionRecord{Row: h.Row, Update: h.Text, UpdateDate: &d})
		if err != nil {
			return false, err
		}
		added = added || n
	}
	n, err := im.progressUpdate(actionID, a)
	return added || n, err
}

// actionPlace finds the source and recommendation an action row names;
// ok is false when the row was refused.
func (im *importRun) actionPlace(a importer.ActionRecord) (sourceID, recID *int64, ok bool, err error) {
	if a.Source == "" {
		return nil, nil, true, nil
	}
	src, ok, err := im.source(a.Source, nil, []int{a.Row}, false)
	if err != nil || !ok {
		return nil, nil, false, err
	}
	sourceID = &src.ID
	if a.Recommendation == "" {
		return sourceID, nil, true, nil
	}
	recs, err := im.sourceRecs(src.ID)
	if err != nil {
		return nil, nil, false, err
	}
	rec, ok := recs[nameKey(a.Recommendation)]
	if !ok {
		im.rowError(a.Row, importer.FieldRecommendation, fmt.Sprintf("“%s” has no recommendation %s", src.Title, a.Recommendation))
		return nil, nil, false, nil
	}
	made := rec.MadeOn
	if made == nil {
		made = src.IssuedOn
	}
	if a.UpdateDate != nil && made != nil && tracker.Day(*a.UpdateDate).Before(tracker.Day(*made)) {
		im.rowWarning(a.Row, importer.FieldUpdateDate, fmt.Sprintf("the update's date, %s, is before recommendation %s was made, on %s",
			tracker.FormatDate(*a.UpdateDate), a.Recommendation, tracker.FormatDate(*made)))
	}
	return sourceID, &rec.ID, true, nil
}

// mayAct says whether the importing person may write the row's action: an
// action of their organisation and, under a recommendation, one of its
// addressees', as for the commands.
func (im *importRun) mayAct(a importer.ActionRecord, orgID int64, recID *int64) (bool, error) {
	if !im.user().CanEditAction(orgID) {
		im.rowError(a.Row, importer.FieldOrganisation, "You may not change the actions of "+a.Organisation)
		return false, nil
	}
	if recID == nil {
		return true, nil
	}
	to, err := im.s.addresseesOf(im.ctx, *recID)
	if err != nil {
		return false, err
	}
	if tracker.Addressed(orgID, to) != nil {
		im.rowError(a.Row, importer.FieldOrganisation, fmt.Sprintf("%s is not an addressee of recommendation %s; choose one of its addressees", a.Organisation, a.Recommendation))
		return false, nil
	}
	return true, nil
}

// createAction stores a new action from a row; nil when the row was
// refused.
func (im *importRun) createAction(a importer.ActionRecord, orgID int64, sourceID, recID *int64) (*actionRow, error) {
	row := &actionRow{
		OrganisationID: orgID, SourceID: sourceID, RecommendationID: recID, Description: a.Description,
		Owner: a.Owner, OwnerUnit: a.OwnerUnit, DueText: a.DueText, DueDate: dayArg(a.DueDate), Status: a.Status,
		RAG: a.RAG, CompletedOn: dayArg(a.CompletedOn), ExternalRef: a.Reference, Version: 1,
	}
	if err := im.linkOwner(row, a.Owner); err != nil {
		return nil, err
	}
	// A new action's defaults, as for the commands: not started, its
	// due date read from its wording as from today.
	dom := row.domain()
	dom.SettleNew(im.today)
	row.Status, row.DueDate = dom.Status, dayArg(dom.DueDate)
	im.settleCompletion(row, a)
	if err := row.domain().Validate(); err != nil {
		im.rowError(a.Row, importer.FieldDescription, validationMessage(err))
		return nil, nil
	}
	im.s.stamp(im.ctx, row, nil)
	if err := im.s.q(im.ctx).Create(row).Error; err != nil {
		return nil, fmt.Errorf("create action: %w", err)
	}
	if err := im.s.recordCreate(im.ctx, EntityAction, row.ID, row, nil); err != nil {
		return nil, err
	}
	return row, nil
}

// linkOwner links a row's owner to an account by email or name, or to the
// email address the owner's text holds.
func (im *importRun) linkOwner(row *actionRow, owner string) error {
	if im.people == nil {
		p, err := im.s.people(im.ctx)
		if err != nil {
			return err
		}
		im.people = p
	}
	row.OwnerUserID, row.OwnerEmail = im.people.match(owner)
	return nil
}

// actionAfter is the action cur as the row changes it: only what the row
// gives.
func actionAfter(cur actionRow, a importer.ActionRecord, orgID int64, sourceID, recID *int64) actionRow {
	after := cur
	after.OrganisationID, after.Description = orgID, a.Description
	if a.Source != "" {
		after.SourceID = sourceID
	}
	if a.Recommendation != "" {
		after.RecommendationID = recID
	}
	if a.Given[importer.FieldOwner] {
		after.Owner = a.Owner
	}
	if a.Given[importer.FieldOwnerUnit] {
		after.OwnerUnit = a.OwnerUnit
	}
	if a.Given[importer.FieldDue] {
		after.DueText, after.DueDate = a.DueText, dayArg(a.DueDate)
	}
	if a.Status != "" {
		after.Status = a.Status
	}
	if a.RAG != "" || (a.Given[importer.FieldRAG] && a.Status == "") {
		after.RAG = a.RAG
	}
	if a.CompletedOn != nil {
		after.CompletedOn = dayArg(a.CompletedOn)
	}
	return after
}

// changeAction writes what a row changes of an existing action, and its
// updates, taking effect on the row's update date when it gives one; it
// reports whether anything changed.
func (im *importRun) changeAction(cur *actionRow, a importer.ActionRecord, orgID int64, sourceID, recID *int64) (bool, error) {
	if a.UpdateDate != nil {
		defer im.takingEffect(*a.UpdateDate)()
	}
	before := *cur
	after := actionAfter(*cur, a, orgID, sourceID, recID)
	if a.Given[importer.FieldOwner] && (after.Owner != before.Owner || (before.OwnerUserID == nil && before.OwnerEmail == "")) {
		if err := im.linkOwner(&after, a.Owner); err != nil {
			return false, err
		}
	}
	im.settleCompletion(&after, a)
	if err := after.domain().Validate(); err != nil {
		im.rowError(a.Row, importer.FieldDescription, validationMessage(err))
		return false, nil
	}
	changed := false
	if !im.s.snapshotEqual(&before, &after) {
		after.Version = before.Version + 1
		after.UpdatedAt = im.s.Now()
		res := im.s.q(im.ctx).Model(&actionRow{}).Where("id = ? AND version = ?", cur.ID, before.Version).Updates(map[string]any{
			"organisation_id": after.OrganisationID, "source_id": after.SourceID, "recommendation_id": after.RecommendationID,
			"description": after.Description, "owner": after.Owner, "owner_unit": after.OwnerUnit, "due_text": after.DueText,
			"owner_user_id": after.OwnerUserID, "owner_email": after.OwnerEmail,
			"due_date": after.DueDate, "status": after.Status, "rag": after.RAG, "completed_on": after.CompletedOn,
			"version": after.Version, "updated_at": after.UpdatedAt,
		})
		if res.Error != nil {
			return false, fmt.Errorf("update action: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return false, fmt.Errorf("action %d changed while importing: %w", cur.ID, tracker.ErrConflict)
		}
		if err := im.s.recordUpdate(im.ctx, EntityAction, cur.ID, &before, &after); err != nil {
			return false, err
		}
		*cur = after
		changed = true
		if before.Status != after.Status && strings.TrimSpace(a.Update) == "" {
			// A status change reaches the timeline, as through the page.
			a.Update = fmt.Sprintf("Status: %s → %s. Reason: imported from a spreadsheet.", tracker.ActionStatusLabel(before.Status), tracker.ActionStatusLabel(after.Status))
			a.UpdateDate = nil
		}
	}
	added, err := im.actionUpdates(cur.ID, a)
	return changed || added, err
}

// settleCompletion keeps the completion date consistent with the status: a
// completed action needs one (the file's, else the update's date, else
// today), and any other status has none.
func (im *importRun) settleCompletion(row *actionRow, a importer.ActionRecord) {
	if row.Status != tracker.ActCompleted {
		row.CompletedOn = nil
		return
	}
	if row.CompletedOn == nil {
		d := im.today
		if a.UpdateDate != nil {
			d = *a.UpdateDate
		}
		row.CompletedOn = dayArg(&d)
	}
}

// takingEffect records the row's changes as taking effect on day d until the
// returned function is called.
func (im *importRun) takingEffect(d time.Time) func() {
	base := im.ctx
	im.ctx = tracker.TakingEffect(base, d)
	return func() { im.ctx = base }
}

// progressUpdate adds the row's latest update unless the action already has
// it (same text, and same date when the file gives one).
func (im *importRun) progressUpdate(actionID int64, a importer.ActionRecord) (bool, error) {
	if strings.TrimSpace(a.Update) == "" {
		return false, nil
	}
	q := im.s.q(im.ctx).Model(&updateRow{}).Where("action_id = ? AND text = ?", actionID, a.Update)
	if a.UpdateDate != nil {
		q = q.Where("dated = ?", tracker.Day(*a.UpdateDate))
	}
	var n int64
	if err := q.Count(&n).Error; err != nil {
		return false, fmt.Errorf("find update: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	d := im.today
	if a.UpdateDate != nil {
		d = *a.UpdateDate
	}
	author := a.UpdateAuthor
	if author == "" {
		author = tracker.ActorFrom(im.ctx).Name
	}
	row := updateRow{ActionID: &actionID, Dated: tracker.Day(d), Author: author, Text: a.Update}
	if err := row.domain().Validate(); err != nil {
		im.rowError(a.Row, importer.FieldUpdate, validationMessage(err))
		return false, nil
	}
	im.s.stamp(im.ctx, &row, nil)
	if err := im.s.q(im.ctx).Create(&row).Error; err != nil {
		return false, fmt.Errorf("create update: %w", err)
	}
	if err := im.s.recordCreate(im.ctx, EntityUpdate, row.ID, &row, nil); err != nil {
		return false, err
	}
	im.sum.UpdatesAdded++
	return true, nil
}

package importer

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// Options are the defaults an import applies where the file says nothing.
type Options struct {
	// Source is the title of the source for rows that name none.
	Source string `json:"source,omitempty"`
	// IssuedBy is the body that issued sources the import creates, when no
	// column says.
	IssuedBy string `json:"issued_by,omitempty"`
	// SourceKind is the kind of sources the import creates; "other" when
	// empty.
	SourceKind string `json:"source_kind,omitempty"`
	// Organisation is the addressee of recommendations, or the owner of
	// actions, for rows that name none.
	Organisation string `json:"organisation,omitempty"`
	// Values are the file's own words for the fields with fixed words
	// (status, position, RAG), each with the tracker's value it means:
	// {"status": {"Pending": "open"}}. A word not listed is read as the
	// tracker reads common words ("Complete", "Agreed with"), or is a row
	// error.
	Values map[Field]map[string]string `json:"values,omitempty"`
	// Number, when set, makes each recommendation's number from a template
	// over the columns and its position within its source,
	// "{audit_number}-{row}", in place of a number column.
	Number string `json:"number,omitempty"`
}

// RowError is a problem with one row, at one column, in words the person
// who keeps the spreadsheet understands.
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column,omitempty"`
	Field   Field  `json:"field,omitempty"`
	Message string `json:"message"`
}

// Error reads "row 12, column Due: “next Tuesday” is not a date".
func (e RowError) Error() string {
	switch {
	case e.Row == 0:
		return e.Message
	case e.Column == "":
		return fmt.Sprintf("row %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("row %d, column %s: %s", e.Row, e.Column, e.Message)
}

// MappingError lists what is wrong with a mapping before any row is read.
type MappingError struct {
	Problems []string
}

func (e *MappingError) Error() string {
	return "the column mapping needs attention: " + strings.Join(e.Problems, "; ")
}

// RecommendationRecord is one recommendation as the file gives it. Rows
// naming the same source and number are one recommendation: their
// addressees and responses are gathered together.
type RecommendationRecord struct {
	// Rows are the file rows the record comes from, first one first.
	Rows            []int
	Source          string
	SourceReference string
	SourceDate      *time.Time
	IssuedBy        string
	Number          string
	Title           string
	Text            string
	Addressees      []string
	// DeadlineText is the deadline as written when it is not a plain date;
	// DeadlineDate the date it means, if it could be read.
	DeadlineText string
	DeadlineDate *time.Time
	// Status is "" when the file leaves it blank: new recommendations are
	// open and existing ones keep theirs. It is the overall status the
	// rows' own statuses make (tracker.DerivedStatus), shown in previews;
	// the store writes Statuses, one per addressee.
	Status string
	// Statuses are each addressee's own status as the rows give it: an
	// import row is one (recommendation, addressee) pair.
	Statuses  []StatusRecord
	Themes    []string
	Made      *time.Time
	Responses []ResponseRecord
	// Progress are the addressees' progress actions, one per addressee
	// whose rows give updates (update, update_date, history columns): each
	// is imported as an action log's row is, described by
	// ProgressDescription, with the earlier rows of a file with one row per
	// update as its Earlier.
	Progress []ActionRecord
	// Given says which fields the mapping fills; an update leaves the
	// others as they are.
	Given map[Field]bool
}

// StatusRecord is one addressee's own status of a recommendation from one
// row, and the day it took that status when the file says (status_date).
type StatusRecord struct {
	Row          int
	Organisation string
	Status       string
	Date         *time.Time
}

// ResponseRecord is an addressee's management response from one row.
type ResponseRecord struct {
	Row          int
	Organisation string
	// Position is "" when the file gives none: a new response is then
	// noted, and an existing one keeps its position.
	Position string
	Text     string
	Date     *time.Time
}

// ActionRecord is one action of a rolling log.
type ActionRecord struct {
	Row int
	// Reference is the log's own key for the action; without one, an
	// action is matched by organisation and description.
	Reference    string
	Organisation string
	Description  string
	Owner        string
	OwnerUnit    string
	DueText      string
	DueDate      *time.Time
	// Status and RAG are "" when left blank: defaults for a new action,
	// unchanged for an existing one.
	Status       string
	RAG          string
	CompletedOn  *time.Time
	Update       string
	UpdateDate   *time.Time
	UpdateAuthor string
	Source       string
	// Recommendation is the number, within Source, of the recommendation
	// the action serves.
	Recommendation string
	Given          map[Field]bool
	// History are the row's updates from history columns, oldest first.
	History []UpdateRecord
	// Earlier are the earlier rows of the same action, oldest first, in a
	// log with one row per update: the record itself is its latest row.
	Earlier []ActionRecord
}

// Steps are the action's rows, oldest first: its earlier rows, then itself.
func (a ActionRecord) Steps() []ActionRecord {
	last := a
	last.Earlier = nil
	return append(append([]ActionRecord(nil), a.Earlier...), last)
}

// Batch is a file turned into records, with the rows that could not be.
type Batch struct {
	Kind    Kind
	Options Options
	Mapping Mapping
	// Rows is the number of data rows read.
	Rows            int
	Recommendations []RecommendationRecord
	Actions         []ActionRecord
	// Errors are problems that stop a row from being imported; Warnings
	// are things the person may want to check, which do not.
	Errors   []RowError
	Warnings []RowError
	// Repairs counts the cells Read repaired, by kind.
	Repairs Repairs
}

// BadRows lists the rows with errors, in order.
func (b *Batch) BadRows() []int {
	seen := map[int]bool{}
	var out []int
	for _, e := range b.Errors {
		if e.Row > 0 && !seen[e.Row] {
			seen[e.Row] = true
			out = append(out, e.Row)
		}
	}
	sort.Ints(out)
	return out
}

// ErrUnknownKind is returned for a kind other than recommendations or actions.
var ErrUnknownKind = errors.New("choose what the file lists: recommendations or actions")

// Validate turns a table's rows into records under a mapping. A mapping
// that cannot work (unknown column, required field unmapped) is returned as
// a *MappingError; problems with single rows are listed in the batch's
// Errors and those rows are left out of its records.
func Validate(k Kind, t *Table, m Mapping, opts Options) (*Batch, error) {
	if k != KindRecommendations && k != KindActions {
		return nil, ErrUnknownKind
	}
	if problems := m.Check(k, t.Headers, opts); len(problems) > 0 {
		return nil, &MappingError{Problems: problems}
	}
	b := &Batch{Kind: k, Options: opts, Mapping: m, Rows: len(t.Rows), Repairs: Repairs{}}
	b.Repairs.Add(t.Repairs)
	v := &validator{t: t, m: m, b: b, cols: map[Field][]int{}, pos: positions{}}
	if k == KindRecommendations && opts.Number != "" {
		nt, _ := parseNumberTemplate(opts.Number, t.Headers) // Check saw to its problems
		v.number = &nt
	}
	for i, h := range t.Headers {
		if f := m[h]; f != "" {
			v.cols[f] = append(v.cols[f], i)
		}
	}
	if k == KindRecommendations {
		v.recommendations()
	} else {
		v.actions()
	}
	return b, nil
}

type validator struct {
	t    *Table
	m    Mapping
	b    *Batch
	cols map[Field][]int
	// number makes recommendation numbers when the options give a
	// template; pos counts the recommendations of each source for it.
	number *numberTemplate
	pos    positions
	// row and bad describe the row being read; trimmed notes its cells
	// whose surrounding spaces get counts as a repair, once each.
	row     Row
	bad     bool
	trimmed map[int]bool
}

// shortFields hold names, numbers, dates and codes: surrounding spaces and
// line breaks never mean anything there.
var shortFields = map[Field]bool{
	FieldSource: true, FieldSourceReference: true, FieldSourceDate: true, FieldIssuedBy: true, FieldNumber: true,
	FieldAddressee: true, FieldStatus: true, FieldStatusDate: true, FieldPosition: true, FieldResponseDate: true, FieldMade: true,
	FieldReference: true, FieldOrganisation: true, FieldRAG: true, FieldCompletedOn: true, FieldUpdateDate: true,
	FieldUpdateAuthor: true, FieldRecommendation: true, FieldDue: true, FieldDeadline: true, FieldOwner: true, FieldOwnerUnit: true,
}

// get returns a field's value in the current row and the column it came
// from: the first mapped column with a value. Single-line values lose their
// surrounding spaces; multi-line text is kept exactly as written.
func (v *validator) get(f Field) (string, string) {
	cols := v.cols[f]
	for _, c := range cols {
		val := v.row.Cell(c)
		if shortFields[f] || !strings.Contains(val, "\n") {
			val = strings.TrimSpace(val)
		}
		if strings.TrimSpace(val) != "" {
			if val != v.row.Cell(c) && !v.trimmed[c] {
				v.trimmed[c] = true
				v.b.Repairs[RepairTrimmed]++
			}
			return val, v.t.Headers[c]
		}
	}
	if len(cols) > 0 {
		return "", v.t.Headers[cols[0]]
	}
	return "", ""
}

// start begins reading a row.
func (v *validator) start(row Row) {
	v.row, v.bad, v.trimmed = row, false, map[int]bool{}
}

// word reads a field with fixed words: the file's word, translated by the
// options' values or read as the tracker reads common words; "" when the
// row leaves it blank. A word it cannot read is an error naming the word
// (the row error names the column).
func (v *validator) word(f Field) string {
	s, col := v.get(f)
	if s == "" {
		return ""
	}
	voc, _ := VocabularyOf(v.b.Kind, f)
	val, ok := voc.Translate(v.b.Options.Values[f], s)
	if !ok {
		v.fail(col, f, fmt.Sprintf("“%s” is not %s the tracker knows; use one of: %s, or choose the tracker’s word for “%s” with the column’s values",
			s, voc.noun, labels(voc.Options), s))
	}
	return val
}

func (v *validator) fail(col string, f Field, msg string) {
	v.bad = true
	v.b.Errors = append(v.b.Errors, RowError{Row: v.row.Number, Column: col, Field: f, Message: msg})
}

func (v *validator) warn(col string, f Field, msg string) {
	v.b.Warnings = append(v.b.Warnings, RowError{Row: v.row.Number, Column: col, Field: f, Message: msg})
}

func (v *validator) given() map[Field]bool {
	g := map[Field]bool{}
	for f := range v.cols {
		g[f] = true
	}
	return g
}

func (v *validator) date(f Field) *time.Time {
	s, col := v.get(f)
	if s == "" {
		return nil
	}
	d, err := tracker.ParseSpreadsheetDate(s)
	if err != nil {
		v.fail(col, f, err.Error())
		return nil
	}
	return &d
}

// deadline reads a deadline: a plain date, or wording kept as written with
// the date it means counted from ref when that can be worked out.
func deadline(s string, ref *time.Time) (string, *time.Time) {
	if s == "" {
		return "", nil
	}
	if d, err := tracker.ParseSpreadsheetDate(s); err == nil {
		return "", &d
	}
	var r time.Time
	if ref != nil {
		r = *ref
	}
	if d, ok := tracker.ParseDeadline(s, r); ok {
		return s, &d
	}
	return s, nil
}

// SplitNames splits a cell naming several organisations at semicolons and
// line breaks (never at commas, which names contain), without repeats.
func SplitNames(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '\n' }) {
		name := strings.Join(strings.Fields(part), " ")
		if name == "" || seen[strings.ToLower(name)] {
			continue
		}
		seen[strings.ToLower(name)] = true
		out = append(out, name)
	}
	return out
}

func splitThemes(s string) []string {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == '\n' }) {
		if p := strings.TrimSpace(part); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (v *validator) recommendations() {
	index := map[string]int{}
	noPosition := 0
	for _, row := range v.t.Rows {
		v.start(row)
		r := v.recommendation()
		if resp, ok := v.response(&r); ok && resp.Position == "" {
			noPosition++
		}
		if v.bad {
			continue
		}
		key := strings.ToLower(r.Source) + "\x00" + strings.ToLower(r.Number)
		if i, ok := index[key]; ok {
			if v.differs(&v.b.Recommendations[i], r) || v.statusDiffers(&v.b.Recommendations[i], r) {
				continue
			}
			v.merge(&v.b.Recommendations[i], r)
			continue
		}
		index[key] = len(v.b.Recommendations)
		v.b.Recommendations = append(v.b.Recommendations, r)
	}
	for i := range v.b.Recommendations {
		r := &v.b.Recommendations[i]
		for k := range r.Progress {
			r.Progress[k] = inDateOrder(r.Progress[k])
		}
		if len(r.Statuses) > 0 {
			statuses := make([]string, len(r.Statuses))
			for k, st := range r.Statuses {
				statuses[k] = st.Status
			}
			r.Status = tracker.DerivedStatus(statuses, "")
		}
	}
	if noPosition > 0 {
		v.b.Warnings = append(v.b.Warnings, RowError{Field: FieldPosition, Message: fmt.Sprintf(
			"%d response(s) give no position (accepted, partly accepted, not accepted); new ones are recorded as Noted", noPosition)})
	}
}

// recommendation reads the current row's recommendation, without its
// response.
func (v *validator) recommendation() RecommendationRecord {
	var r RecommendationRecord
	r.Rows = []int{v.row.Number}
	r.Given = v.given()
	var col string
	r.Source, col = v.get(FieldSource)
	if r.Source == "" {
		r.Source = v.b.Options.Source
	}
	if r.Source == "" {
		v.fail(col, FieldSource, "The row names no source; fill in the source's title or give a default source for the file")
	}
	r.SourceReference, _ = v.get(FieldSourceReference)
	r.SourceDate = v.date(FieldSourceDate)
	r.IssuedBy, _ = v.get(FieldIssuedBy)
	r.Title, _ = v.get(FieldTitle)
	r.Text, col = v.get(FieldText)
	if strings.TrimSpace(r.Text) == "" {
		v.fail(col, FieldText, "Enter the text of the recommendation")
	}
	v.recommendationNumber(&r)
	addr, addrCol := v.get(FieldAddressee)
	r.Addressees = SplitNames(addr)
	if len(r.Addressees) == 0 && v.b.Options.Organisation != "" {
		r.Addressees = []string{v.b.Options.Organisation}
	}
	if len(r.Addressees) == 0 {
		v.fail(addrCol, FieldAddressee, "Name the organisation the recommendation is addressed to")
	}
	r.Made = v.date(FieldMade)
	ref := r.Made
	if ref == nil {
		ref = r.SourceDate
	}
	dl, dlCol := v.get(FieldDeadline)
	r.DeadlineText, r.DeadlineDate = deadline(dl, ref)
	if r.DeadlineText != "" && r.DeadlineDate == nil {
		v.warn(dlCol, FieldDeadline, fmt.Sprintf("the deadline “%s” is kept as written, but the tracker cannot tell which date it means", dl))
	}
	v.statuses(&r)
	th, _ := v.get(FieldThemes)
	r.Themes = splitThemes(th)
	v.progress(&r)
	return r
}

// progressFields are the fields of a list of recommendations that its
// addressees' progress actions take.
var progressFields = []Field{FieldOwner, FieldUpdate, FieldUpdateDate, FieldUpdateAuthor, FieldHistory}

// progress reads the row's updates, if it gives any, as a progress action
// of each of the row's addressees.
func (v *validator) progress(r *RecommendationRecord) {
	var a ActionRecord
	a.Row = v.row.Number
	a.Given = map[Field]bool{}
	for _, f := range progressFields {
		a.Given[f] = len(v.cols[f]) > 0
	}
	a.Owner, _ = v.get(FieldOwner)
	a.Update, _ = v.get(FieldUpdate)
	a.UpdateDate = v.date(FieldUpdateDate)
	a.UpdateAuthor, _ = v.get(FieldUpdateAuthor)
	a.History = v.history()
	if a.Update == "" && len(a.History) == 0 {
		if a.UpdateDate != nil {
			_, col := v.get(FieldUpdateDate)
			v.warn(col, FieldUpdateDate, "the row gives an update date but no update; the date is left out")
		}
		return
	}
	a.Source, a.Recommendation = r.Source, r.Number
	a.Description = ProgressDescription(r.Number, r.Source)
	for _, org := range r.Addressees {
		a.Organisation = org
		r.Progress = append(r.Progress, a)
	}
}

// statuses reads the row's status and its date as each of the row's
// addressees' own.
func (v *validator) statuses(r *RecommendationRecord) {
	r.Status = v.word(FieldStatus)
	date := v.date(FieldStatusDate)
	if r.Status == "" {
		if date != nil {
			_, col := v.get(FieldStatusDate)
			v.warn(col, FieldStatusDate, "the row gives a status date but no status; the date is left out")
		}
		return
	}
	for _, a := range r.Addressees {
		r.Statuses = append(r.Statuses, StatusRecord{Row: v.row.Number, Organisation: a, Status: r.Status, Date: date})
	}
}

// statusDiffers reports, as an error of the current row naming both rows,
// a row that gives an addressee of a recommendation already read another
// status (or status date) than an earlier row did.
func (v *validator) statusDiffers(first *RecommendationRecord, r RecommendationRecord) bool {
	for _, st := range r.Statuses {
		for _, old := range first.Statuses {
			if !strings.EqualFold(old.Organisation, st.Organisation) || (old.Status == st.Status && sameDate(old.Date, st.Date)) {
				continue
			}
			_, col := v.get(FieldStatus)
			v.fail(col, FieldStatus, fmt.Sprintf("%s’s status of recommendation %s of “%s” is on row %d and on row %d, and differs; give each addressee one status",
				st.Organisation, r.Number, r.Source, old.Row, st.Row))
			return true
		}
	}
	return false
}

// recommendationNumber gives r its number: from the number column, or made
// by the options' template from the row's cells and the recommendation's
// position within its source.
func (v *validator) recommendationNumber(r *RecommendationRecord) {
	if v.number == nil {
		var col string
		r.Number, col = v.get(FieldNumber)
		if r.Number == "" {
			v.fail(col, FieldNumber, "Enter the recommendation’s number as the source gives it")
		}
		return
	}
	pos := 0
	if v.number.usesRow && r.Source != "" && strings.TrimSpace(r.Text) != "" {
		pos = v.pos.of(r.Source, r.Text)
	}
	if v.number.usesRow && pos == 0 {
		return // the row's error says why it has no place
	}
	n, missing := v.number.number(v.row, v.t.Headers, pos)
	if missing != "" {
		v.fail(missing, FieldNumber, fmt.Sprintf("The number template %s needs this column, which is empty on this row", v.b.Options.Number))
	}
	r.Number = n
}

// response reads the current row's management response into r; ok is
// false when the row gives none.
func (v *validator) response(r *RecommendationRecord) (ResponseRecord, bool) {
	text, textCol := v.get(FieldResponse)
	pos, posCol := v.get(FieldPosition)
	respDate := v.date(FieldResponseDate)
	if text == "" && pos == "" {
		return ResponseRecord{}, false
	}
	resp := ResponseRecord{Row: v.row.Number, Text: text, Date: respDate, Position: v.word(FieldPosition)}
	switch len(r.Addressees) {
	case 0:
	case 1:
		resp.Organisation = r.Addressees[0]
		r.Responses = []ResponseRecord{resp}
	default:
		c := textCol
		if c == "" {
			c = posCol
		}
		v.fail(c, FieldResponse, "This row names several addressees, so the tracker cannot tell whose response it is; put each addressee’s response on its own row")
	}
	return resp, true
}

// differs reports, as an error of the current row naming both rows, a row
// for a recommendation already read that words it differently: neither
// wording is dropped without a word.
func (v *validator) differs(first *RecommendationRecord, r RecommendationRecord) bool {
	var what []string
	if r.Text != first.Text {
		what = append(what, "text")
	}
	if r.Title != first.Title {
		what = append(what, "title")
	}
	if r.DeadlineText != first.DeadlineText || !sameDate(r.DeadlineDate, first.DeadlineDate) {
		what = append(what, "deadline")
	}
	if len(what) == 0 {
		return false
	}
	f := map[string]Field{"text": FieldText, "title": FieldTitle, "deadline": FieldDeadline}[what[0]]
	_, col := v.get(f)
	v.fail(col, f, fmt.Sprintf("recommendation %s of “%s” is on row %d and on row %d with a different %s; make the rows agree, or give them different numbers",
		r.Number, r.Source, first.Rows[0], r.Rows[0], strings.Join(what, " and ")))
	return true
}

func sameDate(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Equal(*b)
}

// merge folds a later row for the same recommendation into the first: one
// recommendation addressed to several bodies, each with its own response.
func (v *validator) merge(into *RecommendationRecord, r RecommendationRecord) {
	into.Rows = append(into.Rows, r.Rows...)
	for _, st := range r.Statuses {
		known := false
		for _, old := range into.Statuses {
			known = known || strings.EqualFold(old.Organisation, st.Organisation)
		}
		if !known {
			into.Statuses = append(into.Statuses, st)
		}
	}
	into.Progress = mergeProgress(into.Progress, r.Progress)
	have := map[string]bool{}
	for _, a := range into.Addressees {
		have[strings.ToLower(a)] = true
	}
	for _, a := range r.Addressees {
		if !have[strings.ToLower(a)] {
			into.Addressees = append(into.Addressees, a)
			have[strings.ToLower(a)] = true
		}
	}
	for _, resp := range r.Responses {
		replaced := false
		for i, old := range into.Responses {
			if strings.EqualFold(old.Organisation, resp.Organisation) {
				into.Responses[i] = resp
				replaced = true
				if sameResponse(old, resp) {
					continue // a file with one row per update repeats it
				}
				v.warn("", FieldResponse, fmt.Sprintf("%s’s response to recommendation %s is also on row %d; the one on this row is kept", resp.Organisation, r.Number, old.Row))
			}
		}
		if !replaced {
			into.Responses = append(into.Responses, resp)
		}
	}
}

// sameResponse reports whether two rows give the same response.
func sameResponse(a, b ResponseRecord) bool {
	return a.Position == b.Position && a.Text == b.Text && sameDate(a.Date, b.Date)
}

// mergeProgress gathers a later row's progress actions into the earlier
// rows' of the same addressee, as the rows of one action of a log with one
// row per update are (inDateOrder puts them in order).
func mergeProgress(into, later []ActionRecord) []ActionRecord {
	for _, a := range later {
		found := false
		for i := range into {
			if strings.EqualFold(into[i].Organisation, a.Organisation) {
				into[i].Earlier = append(into[i].Earlier, a)
				found = true
				break
			}
		}
		if !found {
			into = append(into, a)
		}
	}
	return into
}

// actions reads an action log. Rows naming the same action (its
// reference, or without one its description, in one organisation) are a
// log with one row per update: they become one record, the latest row's,
// with the earlier rows in order of their update dates.
func (v *validator) actions() {
	keys := map[string]int{}
	for _, row := range v.t.Rows {
		v.start(row)
		a := v.action()
		if v.bad {
			continue
		}
		key := strings.ToLower(a.Organisation) + "\x00r\x00" + strings.ToLower(a.Reference)
		if a.Reference == "" {
			key = strings.ToLower(a.Organisation) + "\x00d\x00" + strings.ToLower(strings.Join(strings.Fields(a.Description), " "))
		}
		i, ok := keys[key]
		if !ok {
			keys[key] = len(v.b.Actions)
			v.b.Actions = append(v.b.Actions, a)
			continue
		}
		first := &v.b.Actions[i]
		if first.Description != a.Description {
			_, col := v.get(FieldDescription)
			v.fail(col, FieldDescription, fmt.Sprintf("the action “%s” is on row %d and on row %d with a different description; make the rows agree, or give them different references",
				a.Reference, first.Row, a.Row))
			continue
		}
		first.Earlier = append(first.Earlier, a)
	}
	for i := range v.b.Actions {
		v.b.Actions[i] = inDateOrder(v.b.Actions[i])
	}
}

// inDateOrder makes the rows gathered in a's Earlier (a first) one record:
// the row with the latest update date, undated rows counting as latest, with
// the others oldest first.
func inDateOrder(a ActionRecord) ActionRecord {
	if len(a.Earlier) == 0 {
		return a
	}
	rows := append([]ActionRecord{a}, a.Earlier...)
	rows[0].Earlier = nil
	sort.SliceStable(rows, func(i, j int) bool {
		di, dj := rows[i].UpdateDate, rows[j].UpdateDate
		return di != nil && (dj == nil || di.Before(*dj))
	})
	last := rows[len(rows)-1]
	last.Earlier = rows[:len(rows)-1]
	return last
}

// action reads the current row's action.
func (v *validator) action() ActionRecord {
	var a ActionRecord
	a.Row = v.row.Number
	a.Given = v.given()
	var col string
	a.Reference, _ = v.get(FieldReference)
	a.Organisation, col = v.get(FieldOrganisation)
	if a.Organisation == "" {
		a.Organisation = v.b.Options.Organisation
	}
	if a.Organisation == "" {
		v.fail(col, FieldOrganisation, "Name the organisation that owns the action")
	}
	a.Description, col = v.get(FieldDescription)
	if strings.TrimSpace(a.Description) == "" {
		v.fail(col, FieldDescription, "Describe the action")
	}
	a.Owner, _ = v.get(FieldOwner)
	a.OwnerUnit, _ = v.get(FieldOwnerUnit)
	due, dueCol := v.get(FieldDue)
	a.DueText, a.DueDate = deadline(due, nil)
	if a.DueText != "" && a.DueDate == nil {
		v.warn(dueCol, FieldDue, fmt.Sprintf("the due date “%s” is kept as written, but the tracker cannot tell which date it means", due))
	}
	a.Status = v.word(FieldStatus)
	a.RAG = v.word(FieldRAG)
	a.CompletedOn = v.date(FieldCompletedOn)
	a.Update, _ = v.get(FieldUpdate)
	a.UpdateDate = v.date(FieldUpdateDate)
	a.UpdateAuthor, _ = v.get(FieldUpdateAuthor)
	a.History = v.history()
	a.Source, _ = v.get(FieldSource)
	if a.Source == "" {
		a.Source = v.b.Options.Source
	}
	a.Recommendation, col = v.get(FieldRecommendation)
	if a.Recommendation != "" && a.Source == "" {
		v.fail(col, FieldRecommendation, "A recommendation number needs its source; fill in the source or give a default source for the file")
	}
	return a
}

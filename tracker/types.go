package tracker

import (
	"strings"
	"time"
)

// Organisation is a body that makes, receives or acts on recommendations.
type Organisation struct {
	ID        int64
	Name      string
	ShortName string
	Version   int
}

// Label is the short name when there is one, otherwise the full name.
func (o Organisation) Label() string {
	if o.ShortName != "" {
		return o.ShortName
	}
	return o.Name
}

// Source is the document or meeting that makes recommendations.
type Source struct {
	ID         int64
	Kind       string
	Title      string
	IssuedByID int64
	IssuedBy   Organisation
	Date       *time.Time
	// DateText is the date as the document gives it ("January 2013") when
	// it is less precise than a day.
	DateText  string
	Reference string
	URL       string
	Publisher string
	Pages     int
	Summary   string
	Keywords  []string
	Version   int
}

// Recommendation is one numbered recommendation within a source.
type Recommendation struct {
	ID       int64
	SourceID int64
	// Number is as the source numbers it: "4", "2a", "018/24".
	Number string
	// Title is a one-line summary; Text is the recommendation in full.
	Title      string
	Text       string
	Addressees []Organisation
	// Statuses are the addressees' own statuses, one per addressee in the
	// order of Addressees (see AddresseeStatus); Status is derived from
	// them by the rule in addressee.go.
	Statuses []AddresseeStatus
	// DeadlineText is the deadline as written ("by April 2013"); DeadlineDate
	// is the date it means, nil when the wording could not be read.
	DeadlineText   string
	DeadlineDate   *time.Time
	Themes         []string
	Status         string
	Assessment     string
	AssessmentNote string
	// MadeOn is the day the recommendation was made, when it differs from
	// its source's date or the source has none (imported registers).
	MadeOn    *time.Time
	Version   int
	UpdatedAt time.Time
}

// Outstanding reports whether the recommendation still needs work.
func (r Recommendation) Outstanding() bool {
	return r.Status == RecOpen || r.Status == RecInProgress
}

// Overdue reports whether an outstanding recommendation is past its deadline
// on the given day.
func (r Recommendation) Overdue(today time.Time) bool {
	return r.Outstanding() && r.DeadlineDate != nil && r.DeadlineDate.Before(Day(today))
}

// Response is an addressee's management response to one recommendation.
// Each revision is a row of its own; the highest revision is current.
type Response struct {
	ID               int64
	RecommendationID int64
	OrganisationID   int64
	Organisation     Organisation
	Revision         int
	Position         string
	Text             string
	Author           string
	Date             *time.Time
	DateText         string
	ReplyID          *int64
}

// Action is a concrete step on the log.
type Action struct {
	ID               int64
	OrganisationID   int64
	Organisation     Organisation
	SourceID         *int64
	RecommendationID *int64
	ReferenceID      *int64
	Description      string
	Owner            string
	// OwnerUserID links the owner to an account, and OwnerEmail to an
	// email address, so that reminders reach them; Owner stays the text
	// shown ("Detective Superintendent Crime").
	OwnerUserID *int64
	OwnerEmail  string
	OwnerUnit   string
	DueText     string
	DueDate     *time.Time
	Status      string
	RAG         string
	CompletedOn *time.Time
	// ExternalRef is the action's reference in the spreadsheet log it was
	// imported from; importing the log again updates the action by it.
	ExternalRef string
	Version     int
	UpdatedAt   time.Time
}

// Open reports whether the action still needs work.
func (a Action) Open() bool { return a.Status == ActNotStarted || a.Status == ActInProgress }

// Overdue reports whether an open action is past its due date on the given day.
func (a Action) Overdue(today time.Time) bool {
	return a.Open() && a.DueDate != nil && a.DueDate.Before(Day(today))
}

// DaysOverdue is how many days an overdue action is late, 0 when it is not.
func (a Action) DaysOverdue(today time.Time) int {
	if !a.Overdue(today) {
		return 0
	}
	return int(Day(today).Sub(*a.DueDate).Hours() / 24)
}

// DeadlineRevision is one move of a deadline: from what to what, why, by
// whom and when.
type DeadlineRevision struct {
	ID        int64
	Entity    string // "action" or "recommendation"
	EntityID  int64
	OldText   string
	OldDate   *time.Time
	NewText   string
	NewDate   *time.Time
	Reason    string
	Author    string
	RevisedOn time.Time
}

// Slippage is how many days a deadline has moved from the first date it
// ever had to the current one, over its revisions (oldest first). Setting
// a date where there was none is not a move, so a first date counts from
// itself; 0 without revisions, without any date or with no date now.
func Slippage(revisions []DeadlineRevision) int {
	first := FirstDate(revisions)
	if first == nil || len(revisions) == 0 {
		return 0
	}
	last := revisions[len(revisions)-1].NewDate
	if last == nil {
		return 0
	}
	return int(Day(*last).Sub(Day(*first)).Hours() / 24)
}

// FirstDate is the first date a deadline had over its revisions (oldest
// first), nil when it never had one.
func FirstDate(revisions []DeadlineRevision) *time.Time {
	for _, r := range revisions {
		if r.OldDate != nil {
			return r.OldDate
		}
		if r.NewDate != nil {
			return r.NewDate
		}
	}
	return nil
}

// Moves counts the revisions that moved a deadline: each change of date
// once the deadline has had one. Setting the first date is not a move, nor
// is a revision that changed only the wording.
func Moves(revisions []DeadlineRevision) int {
	n, had := 0, false
	for _, r := range revisions {
		had = had || r.OldDate != nil
		if had && !sameDay(r.OldDate, r.NewDate) {
			n++
		}
		had = had || r.NewDate != nil
	}
	return n
}

func sameDay(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return Day(*a).Equal(Day(*b))
}

// Update is a dated progress update on an action or a recommendation.
type Update struct {
	ID               int64
	ActionID         *int64
	RecommendationID *int64
	Date             time.Time
	Author           string
	Text             string
}

// Reference is an oversight body's numbered request for information that
// stays outstanding until answered and closed.
type Reference struct {
	ID              int64
	Number          string
	Title           string
	RequestedByID   int64
	RequestedBy     Organisation
	RespondingOrgID int64
	RespondingOrg   Organisation
	DateRaised      *time.Time
	RequestText     string
	Status          string
	// SourceID is the document or meeting that raised the request, if known.
	SourceID *int64
	// ReportIntro is the introduction the secretary wrote for the formal
	// reply; nil means "use the reply's own text".
	ReportIntro *string
	// ReportItems are the recommendations the reply covers, in order; nil
	// means all of them.
	ReportItems []int64
	// DueDate is the date by which the reference is to be completed, as the
	// body last agreed it; meetings move it with a reason.
	DueDate *time.Time
	Version int
}

// Heading is how the reference is named in lists and on reports:
// "Outstanding Reference: 13 – Victim Satisfaction Action Plan".
func (r Reference) Heading() string {
	if r.Number == "" {
		return r.Title
	}
	return r.Number + " – " + r.Title
}

// Reply is a formal reply document: a body's answer to a source or a
// reference, with its from/to/author/date block and introduction.
type Reply struct {
	ID          int64
	FromOrgID   int64
	FromOrg     Organisation
	To          string
	Author      string
	Date        *time.Time
	DateText    string
	Title       string
	Body        string
	SourceID    *int64
	ReferenceID *int64
	Outcomes    []Outcome
}

// Outcome is a numbered strategic outcome set out in a reply.
type Outcome struct {
	ID      int64
	ReplyID int64
	Number  int
	Text    string
}

// Measure is a figure that shows whether things improve.
type Measure struct {
	ID             int64
	OrganisationID int64
	Organisation   Organisation
	SourceID       *int64
	OutcomeID      *int64
	Name           string
	Unit           string
	Direction      string
	Target         *float64
	TargetText     string
	TargetDate     *time.Time
	Description    string
	Values         []MeasureValue
	Version        int
}

// Latest returns the most recent value, if any.
func (m Measure) Latest() (MeasureValue, bool) {
	if len(m.Values) == 0 {
		return MeasureValue{}, false
	}
	latest := m.Values[0]
	for _, v := range m.Values[1:] {
		if v.PeriodEnd.After(latest.PeriodEnd) {
			latest = v
		}
	}
	return latest, true
}

// MeasureValue is a measure's value for one period, with where it came from.
type MeasureValue struct {
	ID        int64
	MeasureID int64
	Period    string
	PeriodEnd time.Time
	Value     float64
	Note      string
}

// Day truncates t to midnight UTC of its calendar day; all stored dates are
// days at midnight UTC.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// DatePtr returns a pointer to the day of the given date, for optional dates.
func DatePtr(y int, m time.Month, d int) *time.Time {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &t
}

// FormatDate shows a date the British way: "17 May 2022".
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2 January 2006")
}

// SplitList turns newline- or comma-free lists stored one item a line into
// a slice, dropping blanks.
func SplitList(s string) []string {
	var out []string
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// JoinList is the inverse of SplitList.
func JoinList(items []string) string {
	return strings.Join(items, "\n")
}

// Page selects one page of a list; Number counts from 1.
type Page struct {
	Number int
	Size   int
}

// Offset is the number of items before this page.
func (p Page) Offset() int {
	if p.Number < 1 || p.Size < 0 {
		return 0
	}
	return (p.Number - 1) * p.Size
}

// AllRows is the page that holds every row: reports and exports list
// everything, never a silently shortened list.
var AllRows = Page{Size: -1}

// Limit is the page size, 50 when unset, -1 (no limit) for AllRows.
func (p Page) Limit() int {
	switch {
	case p.Size < 0:
		return -1
	case p.Size == 0:
		return 50
	}
	return p.Size
}

// LatestValue returns the most recent value, nil when there is none.
func (m Measure) LatestValue() *MeasureValue {
	if v, ok := m.Latest(); ok {
		return &v
	}
	return nil
}

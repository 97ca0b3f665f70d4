package tracker

import "time"

// SourceSummary is a source with the counts its list row shows.
type SourceSummary struct {
	Source          Source
	Recommendations int
	Outstanding     int
	Overdue         int
}

// RecommendationFilter narrows a list of recommendations. Zero values do
// not filter.
type RecommendationFilter struct {
	SourceID       int64
	OrganisationID int64 // an addressee
	Status         string
	Outstanding    bool
	Overdue        bool
	// Theme keeps recommendations with this theme.
	Theme string
	// ChangedSince keeps recommendations changed after this moment.
	ChangedSince *time.Time
	// Sort is "number" (default), "deadline" or "status".
	Sort  string
	Today time.Time
	Page  Page
}

// RecommendationItem is a recommendation with what a list row shows.
type RecommendationItem struct {
	Recommendation Recommendation
	Source         Source
	// Responses are the current response of each addressee that has
	// answered; only exports fill them.
	Responses []Response
}

// ActionFilter narrows a list of actions. Zero values do not filter.
type ActionFilter struct {
	OrganisationID int64
	// Owner keeps the actions whose owner is written exactly so.
	Owner string
	// NoOwner keeps the actions no one owns yet.
	NoOwner bool
	// OwnedBy keeps the actions whose owner is written as one of these,
	// in any case: a person's name and email address ("My actions").
	OwnedBy []string
	// Person keeps the actions linked to this account: by its id, or by
	// the account's email address written as the owner's email.
	Person           int64
	Status           string
	Open             bool
	Overdue          bool
	DueWithinDays    int
	SourceID         int64
	RecommendationID int64
	ReferenceID      int64
	// RAG keeps actions with this rating; "none" means not rated.
	RAG string
	// ChangedSince keeps actions changed, or given an update, after this moment.
	ChangedSince *time.Time
	// Sort is "due" (default: open first, soonest due), "owner", "status",
	// "rag" or "changed" (most recently changed first).
	Sort  string
	Today time.Time
	Page  Page
	// LatestUpdateOnly gives each item only its most recent update, all a
	// list row or an export shows; otherwise Updates holds every one.
	LatestUpdateOnly bool
}

// ActionItem is an action with its context and its progress updates,
// newest first.
type ActionItem struct {
	Action               Action
	SourceTitle          string
	RecommendationNumber string
	ReferenceHeading     string
	Updates              []Update
	// Revisions are the moves of the due date, oldest first.
	Revisions []DeadlineRevision
}

// Slippage is how many days the due date has moved in all, from the
// first date it had.
func (a ActionItem) Slippage() int { return Slippage(a.Revisions) }

// Moves is how many times the due date has moved; setting the first date
// is not a move.
func (a ActionItem) Moves() int { return Moves(a.Revisions) }

// Latest returns the most recent progress update, nil when there is none.
func (a ActionItem) Latest() *Update {
	if len(a.Updates) == 0 {
		return nil
	}
	return &a.Updates[0]
}

// ResponseThread is one addressee's response to a recommendation: the
// current revision and the earlier ones, newest first.
type ResponseThread struct {
	Current Response
	Earlier []Response
}

// RecommendationDetail is everything the recommendation page shows.
type RecommendationDetail struct {
	Recommendation Recommendation
	Source         Source
	Responses      []ResponseThread
	Actions        []ActionItem
	Updates        []Update
	References     []Reference
	// Revisions are the moves of the deadline, oldest first.
	Revisions []DeadlineRevision
}

// ReferenceDetail is everything the reference page shows.
type ReferenceDetail struct {
	Reference       Reference
	Recommendations []RecommendationDetail
	Actions         []ActionItem
	Replies         []Reply
}

// RecommendationIDs are the ids of the recommendations the reference covers.
func (d ReferenceDetail) RecommendationIDs() []int64 {
	ids := make([]int64, len(d.Recommendations))
	for i, r := range d.Recommendations {
		ids[i] = r.Recommendation.ID
	}
	return ids
}

// SourceDetail is everything the source page shows.
type SourceDetail struct {
	Source Source
	// Recommendations are the source's recommendations; the store leaves
	// them out of its SourceDetail, and the page lists them a page at a
	// time. RecommendationCount, ByStatus and Overdue count all of them.
	Recommendations     []RecommendationItem
	RecommendationCount int
	ByStatus            []Count
	Overdue             int
	Addressees          []Organisation
	Replies             []Reply
	OtherActions        []ActionItem // actions on the source's log not under a recommendation
	Measures            []Measure
}

// Count is a labelled number, with the value to filter by.
type Count struct {
	Key   string
	Label string
	N     int
}

// OrganisationCounts is one organisation's row on the home page.
type OrganisationCounts struct {
	Organisation    Organisation
	OutstandingRecs int
	OverdueRecs     int
	OpenActions     int
	OverdueActions  int
}

// Counts is what the home page shows.
type Counts struct {
	Recommendations int
	OutstandingRecs int
	OverdueRecs     int
	OpenActions     int
	OverdueActions  int
	DueSoonActions  int
	OutstandingRefs int
	RecsByStatus    []Count
	ActionsByStatus []Count
	ByOrganisation  []OrganisationCounts
}

// SearchHit is one item found by full-text search, with the page it is on.
type SearchHit struct {
	Entity string
	ID     int64
	Title  string
	Text   string
	Path   string
}

// OwnerCounts is one owner's row on the overview.
type OwnerCounts struct {
	Owner   string
	Open    int
	Overdue int
	DueSoon int
}

// SourceStatusCounts is one source's recommendations by status.
type SourceStatusCounts struct {
	Source   Source
	ByStatus []Count
	Total    int
}

// ChangedItem is an item changed since a date, with the page it is on.
type ChangedItem struct {
	Hit SearchHit
	// At is when its latest change took effect.
	At      time.Time
	Changes int
}

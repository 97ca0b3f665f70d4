package tracker

import (
	"sort"
	"time"
)

// Change marks for "changed since" reports.
const (
	MarkNew     = "new"
	MarkChanged = "changed"
)

// View is the footing of a report: the moment it shows the log as it
// stood, and what was new or changed since a day. The report's data comes
// from the store's own queries, read as at that moment.
type View struct {
	AsAt  time.Time
	Since *time.Time
	// Marks says, per entity and id, whether an item is new or changed
	// since Since; empty when Since is nil.
	Marks map[string]map[int64]string
}

// Mark returns "new", "changed" or "".
func (v *View) Mark(entity string, id int64) string {
	if v == nil || v.Marks == nil {
		return ""
	}
	return v.Marks[entity][id]
}

// Today is the day the view stands on, for overdue.
func (v *View) Today() time.Time { return Day(v.AsAt) }

// actionBefore orders open before closed, then by due date, undated last.
func actionBefore(a, b Action) bool {
	if a.Open() != b.Open() {
		return a.Open()
	}
	if (a.DueDate == nil) != (b.DueDate == nil) {
		return a.DueDate != nil
	}
	if a.DueDate != nil && !a.DueDate.Equal(*b.DueDate) {
		return a.DueDate.Before(*b.DueDate)
	}
	return a.ID < b.ID
}

// OwnerGroup is one owner's open actions within an organisation.
type OwnerGroup struct {
	Owner   string
	Actions []ActionItem
}

// OrganisationGroup is one organisation's outstanding work.
type OrganisationGroup struct {
	Organisation    Organisation
	Recommendations []RecommendationItem // outstanding ones addressed to it
	Owners          []OwnerGroup
	Overdue         int
}

// GroupOutstanding groups outstanding recommendations and open actions by
// organisation and then owner, overdue first (most overdue first) within
// each group. Items that are not outstanding or open are left out.
func GroupOutstanding(recs []RecommendationItem, actions []ActionItem, today time.Time) []OrganisationGroup {
	today = Day(today)
	groups := map[int64]*OrganisationGroup{}
	get := func(o Organisation) *OrganisationGroup {
		if groups[o.ID] == nil {
			groups[o.ID] = &OrganisationGroup{Organisation: o}
		}
		return groups[o.ID]
	}
	for _, it := range recs {
		r := it.Recommendation
		if !r.Outstanding() {
			continue
		}
		// Under each addressee for which it is still outstanding by that
		// addressee's own status: one that is done is not asked again.
		for _, o := range r.Addressees {
			if !r.OutstandingFor(o.ID) {
				continue
			}
			g := get(o)
			g.Recommendations = append(g.Recommendations, it)
			if r.Overdue(today) {
				g.Overdue++
			}
		}
	}
	owners := map[int64]map[string]*OwnerGroup{}
	for _, it := range actions {
		if !it.Action.Open() {
			continue
		}
		g := get(it.Action.Organisation)
		if it.Action.Overdue(today) {
			g.Overdue++
		}
		if owners[g.Organisation.ID] == nil {
			owners[g.Organisation.ID] = map[string]*OwnerGroup{}
		}
		og := owners[g.Organisation.ID][it.Action.Owner]
		if og == nil {
			og = &OwnerGroup{Owner: it.Action.Owner}
			owners[g.Organisation.ID][it.Action.Owner] = og
		}
		og.Actions = append(og.Actions, it)
	}
	var out []OrganisationGroup
	for id, g := range groups {
		for _, og := range owners[id] {
			sort.SliceStable(og.Actions, func(i, j int) bool {
				a, b := og.Actions[i].Action, og.Actions[j].Action
				if da, db := a.DaysOverdue(today), b.DaysOverdue(today); da != db {
					return da > db
				}
				return actionBefore(a, b)
			})
			g.Owners = append(g.Owners, *og)
		}
		sort.Slice(g.Owners, func(i, j int) bool {
			oi, oj := g.Owners[i].Actions[0].Action.DaysOverdue(today), g.Owners[j].Actions[0].Action.DaysOverdue(today)
			if oi != oj {
				return oi > oj
			}
			return g.Owners[i].Owner < g.Owners[j].Owner
		})
		sort.SliceStable(g.Recommendations, func(i, j int) bool {
			a, b := g.Recommendations[i].Recommendation, g.Recommendations[j].Recommendation
			if a.Overdue(today) != b.Overdue(today) {
				return a.Overdue(today)
			}
			if (a.DeadlineDate == nil) != (b.DeadlineDate == nil) {
				return a.DeadlineDate != nil
			}
			if a.DeadlineDate != nil && !a.DeadlineDate.Equal(*b.DeadlineDate) {
				return a.DeadlineDate.Before(*b.DeadlineDate)
			}
			return a.ID < b.ID
		})
		out = append(out, *g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Overdue != out[j].Overdue {
			return out[i].Overdue > out[j].Overdue
		}
		return out[i].Organisation.Name < out[j].Organisation.Name
	})
	return out
}

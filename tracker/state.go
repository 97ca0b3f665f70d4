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

// State is the whole tracker as it stood at one moment, held in memory so
// that every report reads one consistent picture, today's or a past one
// rebuilt from the audit trail.
type State struct {
	AsAt  time.Time
	Since *time.Time

	Organisations   map[int64]Organisation
	Sources         []Source
	Recommendations []Recommendation
	Responses       []Response
	Actions         []Action
	Updates         []Update
	References      []Reference
	// ReferenceRecs lists each reference's recommendations in order.
	ReferenceRecs map[int64][]int64
	Replies       []Reply
	Measures      []Measure
	// Revisions are every deadline move made by the moment, oldest first.
	Revisions []DeadlineRevision
	// Marks says, per entity and id, whether an item is new or changed
	// since Since; empty when Since is nil.
	Marks map[string]map[int64]string
}

// Mark returns "new", "changed" or "".
func (st *State) Mark(entity string, id int64) string {
	if st.Marks == nil {
		return ""
	}
	return st.Marks[entity][id]
}

// Today is the day the state stands on, for overdue.
func (st *State) Today() time.Time { return Day(st.AsAt) }

func (st *State) source(id int64) Source {
	for _, s := range st.Sources {
		if s.ID == id {
			return s
		}
	}
	return Source{}
}

// FindSource returns a source by id.
func (st *State) FindSource(id int64) (Source, bool) {
	s := st.source(id)
	return s, s.ID != 0
}

// FindReference returns a reference by id, with its organisations.
func (st *State) FindReference(id int64) (Reference, bool) {
	for _, r := range st.References {
		if r.ID == id {
			r.RequestedBy, r.RespondingOrg = st.Organisations[r.RequestedByID], st.Organisations[r.RespondingOrgID]
			return r, true
		}
	}
	return Reference{}, false
}

func (st *State) revisionsOf(entity string) map[int64][]DeadlineRevision {
	out := map[int64][]DeadlineRevision{}
	for _, r := range st.Revisions {
		if r.Entity == entity {
			out[r.EntityID] = append(out[r.EntityID], r)
		}
	}
	return out
}

func (st *State) actionItems(keep func(Action) bool) []ActionItem {
	revs := st.revisionsOf("action")
	updates := map[int64][]Update{}
	for _, u := range st.Updates {
		if u.ActionID != nil {
			updates[*u.ActionID] = append(updates[*u.ActionID], u)
		}
	}
	recNumbers := map[int64]string{}
	for _, r := range st.Recommendations {
		recNumbers[r.ID] = r.Number
	}
	var out []ActionItem
	for _, a := range st.Actions {
		if !keep(a) {
			continue
		}
		a.Organisation = st.Organisations[a.OrganisationID]
		it := ActionItem{Action: a, Updates: updates[a.ID], Revisions: revs[a.ID]}
		sort.SliceStable(it.Updates, func(i, j int) bool {
			if it.Updates[i].Date.Equal(it.Updates[j].Date) {
				return it.Updates[i].ID > it.Updates[j].ID
			}
			return it.Updates[i].Date.After(it.Updates[j].Date)
		})
		if a.SourceID != nil {
			it.SourceTitle = st.source(*a.SourceID).Title
		}
		if a.RecommendationID != nil {
			it.RecommendationNumber = recNumbers[*a.RecommendationID]
		}
		if a.ReferenceID != nil {
			if r, ok := st.FindReference(*a.ReferenceID); ok {
				it.ReferenceHeading = r.Heading()
			}
		}
		out = append(out, it)
	}
	return out
}

// RecommendationDetails returns the details of the given recommendations,
// in the order given.
func (st *State) RecommendationDetails(ids []int64) []RecommendationDetail {
	byID := map[int64]Recommendation{}
	for _, r := range st.Recommendations {
		byID[r.ID] = r
	}
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	threads := map[int64][]ResponseThread{}
	resp := append([]Response(nil), st.Responses...)
	sort.SliceStable(resp, func(i, j int) bool {
		if resp[i].OrganisationID != resp[j].OrganisationID {
			return resp[i].OrganisationID < resp[j].OrganisationID
		}
		return resp[i].Revision > resp[j].Revision
	})
	for _, r := range resp {
		if !want[r.RecommendationID] {
			continue
		}
		r.Organisation = st.Organisations[r.OrganisationID]
		ts := threads[r.RecommendationID]
		if n := len(ts); n > 0 && ts[n-1].Current.OrganisationID == r.OrganisationID {
			ts[n-1].Earlier = append(ts[n-1].Earlier, r)
		} else {
			ts = append(ts, ResponseThread{Current: r})
		}
		threads[r.RecommendationID] = ts
	}
	actions := map[int64][]ActionItem{}
	for _, it := range st.actionItems(func(a Action) bool { return a.RecommendationID != nil && want[*a.RecommendationID] }) {
		actions[*it.Action.RecommendationID] = append(actions[*it.Action.RecommendationID], it)
	}
	recUpdates := map[int64][]Update{}
	for _, u := range st.Updates {
		if u.ActionID == nil && u.RecommendationID != nil && want[*u.RecommendationID] {
			recUpdates[*u.RecommendationID] = append(recUpdates[*u.RecommendationID], u)
		}
	}
	revs := st.revisionsOf("recommendation")
	var out []RecommendationDetail
	for _, id := range ids {
		r, ok := byID[id]
		if !ok {
			continue
		}
		out = append(out, RecommendationDetail{Recommendation: r, Source: st.source(r.SourceID), Responses: threads[id],
			Actions: actions[id], Updates: recUpdates[id], Revisions: revs[id]})
	}
	return out
}

// SourceReport gathers a source's status report.
func (st *State) SourceReport(id int64) (SourceDetail, []RecommendationDetail, bool) {
	src, ok := st.FindSource(id)
	if !ok {
		return SourceDetail{}, nil, false
	}
	src.IssuedBy = st.Organisations[src.IssuedByID]
	d := SourceDetail{Source: src}
	var ids []int64
	seen := map[int64]bool{}
	for _, r := range st.Recommendations {
		if r.SourceID == id {
			d.Recommendations = append(d.Recommendations, RecommendationItem{Recommendation: r, Source: src})
			ids = append(ids, r.ID)
			for _, o := range r.Addressees {
				if !seen[o.ID] {
					seen[o.ID] = true
					d.Addressees = append(d.Addressees, o)
				}
			}
		}
	}
	for _, rp := range st.Replies {
		if rp.SourceID != nil && *rp.SourceID == id {
			rp.FromOrg = st.Organisations[rp.FromOrgID]
			d.Replies = append(d.Replies, rp)
		}
	}
	d.OtherActions = st.actionItems(func(a Action) bool { return a.SourceID != nil && *a.SourceID == id && a.RecommendationID == nil })
	for _, m := range st.Measures {
		if m.SourceID != nil && *m.SourceID == id {
			m.Organisation = st.Organisations[m.OrganisationID]
			d.Measures = append(d.Measures, m)
		}
	}
	return d, st.RecommendationDetails(ids), true
}

// ReferenceReport gathers a reference with its replies, recommendations
// and actions.
func (st *State) ReferenceReport(id int64) (ReferenceDetail, bool) {
	ref, ok := st.FindReference(id)
	if !ok {
		return ReferenceDetail{}, false
	}
	d := ReferenceDetail{Reference: ref, Recommendations: st.RecommendationDetails(st.ReferenceRecs[id])}
	d.Actions = st.actionItems(func(a Action) bool { return a.ReferenceID != nil && *a.ReferenceID == id && a.RecommendationID == nil })
	for _, rp := range st.Replies {
		if rp.ReferenceID != nil && *rp.ReferenceID == id {
			rp.FromOrg = st.Organisations[rp.FromOrgID]
			d.Replies = append(d.Replies, rp)
		}
	}
	return d, true
}

// ActionLog returns the actions matching f (organisation, owner, status,
// open, overdue, source), open and soonest due first, as the log page does.
func (st *State) ActionLog(f ActionFilter) []ActionItem {
	today := st.Today()
	items := st.actionItems(func(a Action) bool {
		switch {
		case f.OrganisationID != 0 && a.OrganisationID != f.OrganisationID,
			f.Owner != "" && a.Owner != f.Owner,
			f.Status != "" && a.Status != f.Status,
			(f.Open || f.Overdue) && !a.Open(),
			f.Overdue && !a.Overdue(today),
			f.SourceID != 0 && (a.SourceID == nil || *a.SourceID != f.SourceID):
			return false
		}
		return true
	})
	sort.SliceStable(items, func(i, j int) bool { return actionBefore(items[i].Action, items[j].Action) })
	return items
}

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

// Outstanding groups everything open across sources by organisation and
// then owner, overdue first (most overdue first) within each group.
func (st *State) Outstanding() []OrganisationGroup {
	today := st.Today()
	groups := map[int64]*OrganisationGroup{}
	get := func(id int64) *OrganisationGroup {
		if groups[id] == nil {
			groups[id] = &OrganisationGroup{Organisation: st.Organisations[id]}
		}
		return groups[id]
	}
	for _, r := range st.Recommendations {
		if !r.Outstanding() {
			continue
		}
		for _, o := range r.Addressees {
			g := get(o.ID)
			g.Recommendations = append(g.Recommendations, RecommendationItem{Recommendation: r, Source: st.source(r.SourceID)})
			if r.Overdue(today) {
				g.Overdue++
			}
		}
	}
	owners := map[int64]map[string]*OwnerGroup{}
	for _, it := range st.actionItems(func(a Action) bool { return a.Open() }) {
		g := get(it.Action.OrganisationID)
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

package tracker

import "time"

// AddresseeStatus is one addressee's own implementation status of a
// recommendation: a recommendation made to three bodies can be done by one
// and not by the others. StatusDate is the day the addressee took that
// status (nil when not known, as for statuses recorded before the tracker
// kept one per addressee); "as at" follows it. Version is the addressee
// link's own optimistic version.
type AddresseeStatus struct {
	Organisation Organisation
	Status       string
	StatusDate   *time.Time
	Version      int
}

// The rule for a recommendation's overall status, from its addressees' own
// statuses (DerivedStatus):
//
//   - closed when every addressee's status is closed;
//   - implemented when every addressee's status is implemented or closed,
//     and not all are closed;
//   - open when every addressee's status is open;
//   - in progress otherwise (some have started or finished, some not).
//
// So a recommendation stays outstanding (open or in progress) until every
// addressee is done. Setting the recommendation's status as a whole (the
// status form, an overseer closing it) sets every addressee's status to it;
// the overseer's assessment is kept apart and is never derived.

// DerivedStatus is the overall status of a recommendation whose addressees
// have the given statuses; with none it is fallback.
func DerivedStatus(statuses []string, fallback string) string {
	if len(statuses) == 0 {
		return fallback
	}
	all := func(ok func(string) bool) bool {
		for _, s := range statuses {
			if !ok(s) {
				return false
			}
		}
		return true
	}
	switch {
	case all(func(s string) bool { return s == RecClosed }):
		return RecClosed
	case all(func(s string) bool { return s == RecImplemented || s == RecClosed }):
		return RecImplemented
	case all(func(s string) bool { return s == RecOpen }):
		return RecOpen
	}
	return RecInProgress
}

// StatusOf returns the addressee's own status of the recommendation; ok is
// false when the organisation is not an addressee.
func (r Recommendation) StatusOf(orgID int64) (AddresseeStatus, bool) {
	for _, s := range r.Statuses {
		if s.Organisation.ID == orgID {
			return s, true
		}
	}
	return AddresseeStatus{}, false
}

// OwnStatus is the organisation's own status of the recommendation, or the
// overall status when it has none of its own.
func (r Recommendation) OwnStatus(orgID int64) string {
	if s, ok := r.StatusOf(orgID); ok && s.Status != "" {
		return s.Status
	}
	return r.Status
}

// OutstandingFor reports whether the recommendation still needs work from
// the organisation: its own status is open or in progress.
func (r Recommendation) OutstandingFor(orgID int64) bool {
	s := r.OwnStatus(orgID)
	return s == RecOpen || s == RecInProgress
}

// SettleStatuses lines Statuses up with Addressees, one each in the same
// order: an addressee given no status of its own takes the
// recommendation's. When any addressee was given one, the overall status
// is derived from them by the rule above.
func (r *Recommendation) SettleStatuses() {
	given := map[int64]AddresseeStatus{}
	for _, s := range r.Statuses {
		if s.Status != "" {
			given[s.Organisation.ID] = s
		}
	}
	out := make([]AddresseeStatus, len(r.Addressees))
	statuses := make([]string, len(r.Addressees))
	for i, o := range r.Addressees {
		s, ok := given[o.ID]
		if !ok {
			s = AddresseeStatus{Status: r.Status}
		}
		s.Organisation = o
		if s.Version == 0 {
			s.Version = 1
		}
		out[i], statuses[i] = s, s.Status
	}
	r.Statuses = out
	if len(given) > 0 {
		r.Status = DerivedStatus(statuses, r.Status)
	}
}

// AddresseeStatusChange is a change of one addressee's own status: the new
// status, the day it took effect (today when nil) and the version of the
// addressee's status the person saw.
type AddresseeStatusChange struct {
	Status  string
	On      *time.Time
	Version int
}

// Validate checks a change of an addressee's status.
func (c AddresseeStatusChange) Validate() error {
	var v ValidationError
	oneOf(&v, "status", c.Status, RecommendationStatuses, "Choose a status")
	return v.Err()
}

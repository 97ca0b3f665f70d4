package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// Each addressee's own status is recorded in its recommendation's audit
// events, one field per addressee, so that "as at" rebuilds it with the
// recommendation (rebuildLinks) and a change dated in the past counts from
// its own day.
const (
	statusFieldPrefix     = "addressee_status:"
	statusDateFieldPrefix = "addressee_status_date:"
)

func statusField(orgID int64) string     { return statusFieldPrefix + strconv.FormatInt(orgID, 10) }
func statusDateField(orgID int64) string { return statusDateFieldPrefix + strconv.FormatInt(orgID, 10) }

// AddresseeField reads an audit field that holds one addressee's status
// ("status") or its date ("status_date"), with the organisation's id; ok is
// false for any other field.
func AddresseeField(field string) (kind string, orgID int64, ok bool) {
	for prefix, k := range map[string]string{statusFieldPrefix: "status", statusDateFieldPrefix: "status_date"} {
		if rest, found := strings.CutPrefix(field, prefix); found {
			id, err := strconv.ParseInt(rest, 10, 64)
			return k, id, err == nil
		}
	}
	return "", 0, false
}

// linkFields are the audit fields of a recommendation's addressee links:
// their ids in order and each one's status and its date.
func linkFields(links []addresseeRow) map[string]any {
	ids := make([]int64, len(links))
	out := map[string]any{}
	for i, l := range links {
		ids[i] = l.OrganisationID
		out[statusField(l.OrganisationID)] = l.Status
		out[statusDateField(l.OrganisationID)] = dayArg(l.StatusDate)
	}
	out["addressees"] = ids
	return out
}

// linksOfRecommendation turns a settled recommendation's statuses into its
// addressee rows (recID may be 0 until the recommendation has its id).
func linksOfRecommendation(recID int64, r tracker.Recommendation) []addresseeRow {
	out := make([]addresseeRow, len(r.Statuses))
	for i, s := range r.Statuses {
		out[i] = addresseeRow{RecommendationID: recID, OrganisationID: s.Organisation.ID, SortOrder: i,
			Status: s.Status, StatusDate: dayArg(s.StatusDate), Version: max(s.Version, 1)}
	}
	return out
}

// links reads a recommendation's addressee rows in order.
func (s *Store) links(ctx context.Context, recID int64) ([]addresseeRow, error) {
	var rows []addresseeRow
	if err := s.q(ctx).Where("recommendation_id = ?", recID).Order("sort_order").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load addressees: %w", err)
	}
	return rows, nil
}

func linkStatuses(links []addresseeRow) []string {
	out := make([]string, len(links))
	for i, l := range links {
		out[i] = l.Status
	}
	return out
}

// SetAddresseeStatus sets one addressee's own status of a recommendation,
// as from ch.On (today when nil), and derives the recommendation's overall
// status again (tracker.DerivedStatus). ch.Version is the version of the
// addressee's status the person saw; a different one is a conflict and
// nothing is stored. The change goes on the recommendation's timeline as a
// progress update and into its audit trail, as taking effect on ch.On.
func (s *Store) SetAddresseeStatus(ctx context.Context, recID, orgID int64, ch tracker.AddresseeStatusChange) error {
	return s.setAddresseeStatus(ctx, recID, orgID, ch, nil)
}

// setAddresseeStatus is SetAddresseeStatus, with the change taking effect
// no earlier than notBefore when it is given: an import keeps a status
// dated before the recommendation was made as the file dates it, and "as
// at" counts it from the day the recommendation was made.
func (s *Store) setAddresseeStatus(ctx context.Context, recID, orgID int64, ch tracker.AddresseeStatusChange, notBefore *time.Time) error {
	if err := ch.Validate(); err != nil {
		return err
	}
	today := tracker.Day(s.Now())
	on := today
	if ch.On != nil {
		on = tracker.Day(*ch.On)
	}
	if on.After(today) {
		return &tracker.ValidationError{Fields: map[string]string{"status_date": "The date of a status cannot be in the future"}}
	}
	effective := on
	if notBefore != nil && tracker.Day(*notBefore).After(on) && !tracker.Day(*notBefore).After(today) {
		effective = tracker.Day(*notBefore)
	}
	return s.Tx(ctx, func(tx *Store) error {
		var before recommendationRow
		if err := tx.q(ctx).Take(&before, recID).Error; err != nil {
			return notFound(err, "recommendation")
		}
		links, err := tx.links(ctx, recID)
		if err != nil {
			return err
		}
		i := -1
		for k, l := range links {
			if l.OrganisationID == orgID {
				i = k
			}
		}
		if i < 0 {
			return &tracker.ValidationError{Fields: map[string]string{"organisation": "The recommendation is not addressed to this organisation"}}
		}
		old := links[i]
		if old.Version != ch.Version {
			return fmt.Errorf("the status of addressee %d of recommendation %d is at version %d: %w", orgID, recID, old.Version, tracker.ErrConflict)
		}
		if old.Status == ch.Status && old.StatusDate != nil && old.StatusDate.Equal(on) {
			return nil
		}
		next := old
		next.Status, next.StatusDate, next.Version = ch.Status, &on, old.Version+1
		res := tx.q(ctx).Model(&addresseeRow{}).Where("recommendation_id = ? AND organisation_id = ? AND version = ?", recID, orgID, old.Version).
			Updates(map[string]any{"status": next.Status, "status_date": next.StatusDate, "version": next.Version})
		if res.Error != nil {
			return fmt.Errorf("set the addressee's status: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return fmt.Errorf("addressee %d of recommendation %d: %w", orgID, recID, tracker.ErrConflict)
		}
		after := append([]addresseeRow(nil), links...)
		after[i] = next
		ctx = tracker.TakingEffect(ctx, effective)
		if old.Status != next.Status {
			var org organisationRow
			if err := tx.q(ctx).Take(&org, orgID).Error; err != nil {
				return notFound(err, "organisation")
			}
			text := fmt.Sprintf("Status for %s: %s → %s.", org.domain().Label(),
				tracker.RecommendationStatusLabel(old.Status), tracker.RecommendationStatusLabel(next.Status))
			if _, err := tx.CreateUpdate(ctx, tracker.Update{RecommendationID: &recID, Date: effective, Author: tracker.ActorFrom(ctx).Name, Text: text}); err != nil {
				return err
			}
		}
		return tx.saveDerived(ctx, before, links, after)
	})
}

// saveDerived stores a recommendation's overall status as derived from its
// addressees' statuses after a change of them, and records the change of
// the links (and of the overall status, when it moved) as one event.
func (s *Store) saveDerived(ctx context.Context, before recommendationRow, oldLinks, newLinks []addresseeRow) error {
	after := before
	after.Status = tracker.DerivedStatus(linkStatuses(newLinks), before.Status)
	if after.Status != before.Status {
		after.Version = before.Version + 1
		res := s.q(ctx).Model(&recommendationRow{}).Where("id = ? AND version = ?", before.ID, before.Version).
			Updates(map[string]any{"status": after.Status, "version": after.Version, "updated_at": s.Now()})
		if res.Error != nil {
			return fmt.Errorf("derive the recommendation's status: %w", res.Error)
		}
		if res.RowsAffected != 1 {
			return staleErr(EntityRecommendation, before.ID, before.Version)
		}
	}
	return s.recordWithLinks(ctx, &before, &after, oldLinks, newLinks)
}

// recordWithLinks records the change of a recommendation's row and of its
// addressee links as one event.
func (s *Store) recordWithLinks(ctx context.Context, before, after *recommendationRow, oldLinks, newLinks []addresseeRow) error {
	b, a := s.snapshot(before), s.snapshot(after)
	for k, v := range linkFields(oldLinks) {
		b[k] = auditValue(v)
	}
	for k, v := range linkFields(newLinks) {
		a[k] = auditValue(v)
	}
	changes := tracker.Diff(b, a)
	if len(changes) == 0 {
		return nil
	}
	return s.record(ctx, EntityRecommendation, before.ID, tracker.OpUpdate, changes)
}

// setEveryAddressee sets every addressee of a recommendation to status, as
// from on: the recommendation's status set as a whole. It returns the links
// before and after; links already at status keep their date.
func (s *Store) setEveryAddressee(ctx context.Context, recID int64, status string, on time.Time) (before, after []addresseeRow, err error) {
	before, err = s.links(ctx, recID)
	if err != nil {
		return nil, nil, err
	}
	after = make([]addresseeRow, len(before))
	for i, l := range before {
		after[i] = l
		if l.Status == status {
			continue
		}
		d := tracker.Day(on)
		after[i].Status, after[i].StatusDate, after[i].Version = status, &d, l.Version+1
		if err := s.q(ctx).Model(&addresseeRow{}).Where("recommendation_id = ? AND organisation_id = ?", recID, l.OrganisationID).
			Updates(map[string]any{"status": status, "status_date": &d, "version": after[i].Version}).Error; err != nil {
			return nil, nil, fmt.Errorf("set the addressees' status: %w", err)
		}
	}
	return before, after, nil
}

// MaySetAddresseeStatus says whether the person may set the organisation's
// own status of the recommendation, and why not: those who may change the
// recommendation, and those who may respond for the organisation.
func (c Commands) MaySetAddresseeStatus(ctx context.Context, recID, orgID int64) error {
	return c.checkAddresseeStatus(ctx, c.s, recID, orgID)
}

func (c Commands) checkAddresseeStatus(ctx context.Context, s *Store, recID, orgID int64) error {
	sc, to, err := s.recommendationScope(ctx, recID)
	if err != nil {
		return err
	}
	if err := tracker.Addressed(orgID, to); err != nil {
		return err
	}
	return c.mayAddressee(sc, to, orgID, s.names(ctx))
}

func (c Commands) mayAddressee(sc tracker.SourceScope, to []int64, orgID int64, names tracker.Names) error {
	if c.user.CheckRespond(orgID, names) == nil {
		return nil
	}
	return c.user.CheckChangeRecommendation(sc, to, to, names)
}

// RecommendationRights is what the person may do on a recommendation's
// page: change it (Change is nil when they may, else why not), and set the
// own status of which addressees (by organisation id).
type RecommendationRights struct {
	Change    error
	SetStatus map[int64]bool
}

// RecommendationRights reads the recommendation's scope once and answers
// MayChangeRecommendation and MaySetAddresseeStatus for every addressee
// from it. Asked one at a time, each answer read the scope again, and the
// scope counts the addressees of every recommendation of the source: at
// 10,000 recommendations that was most of the page, once more an
// addressee.
func (c Commands) RecommendationRights(ctx context.Context, recID int64) (RecommendationRights, error) {
	sc, to, err := c.s.recommendationScope(ctx, recID)
	if err != nil {
		return RecommendationRights{}, err
	}
	r := RecommendationRights{Change: c.user.CheckChangeRecommendation(sc, to, to, c.s.names(ctx)), SetStatus: map[int64]bool{}}
	// Yes or no, without the refusal's wording, which would read the
	// organisations' names again for each addressee refused.
	unnamed := func([]int64) string { return "" }
	for _, org := range to {
		r.SetStatus[org] = r.Change == nil || c.user.CheckRespond(org, unnamed) == nil
	}
	return r, nil
}

// SetAddresseeStatus sets one addressee's own status of a recommendation
// (see Store.SetAddresseeStatus).
func (c Commands) SetAddresseeStatus(ctx context.Context, recID, orgID int64, ch tracker.AddresseeStatusChange) error {
	return c.tx(ctx, func(tx *Store) error {
		if err := c.checkAddresseeStatus(ctx, tx, recID, orgID); err != nil {
			return err
		}
		// When the overall status follows, the followers are told, as for
		// any change of the recommendation's status.
		return c.telling(ctx, recID, func(tx *Store) error { return tx.SetAddresseeStatus(ctx, recID, orgID, ch) })(tx)
	})
}

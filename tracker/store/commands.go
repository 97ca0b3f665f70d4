package store

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// Commands are the writes one person makes. Each command checks the
// person's permission (tracker/auth.go decides it) and the domain's
// invariants, then writes and records the change in the audit trail, all
// in one transaction. Pages, the JSON API, the importer and the command
// line write through them, so that a rule changed here changes
// everywhere.
type Commands struct {
	s    *Store
	user *tracker.User
}

// As returns the commands of a person; tracker.SystemUser() is the
// command line's actor.
func (s *Store) As(u *tracker.User) Commands { return Commands{s: s, user: u} }

// tx runs fn in one transaction; the facts a command checks are read in
// it, so that they cannot change between the check and the write.
func (c Commands) tx(ctx context.Context, fn func(tx *Store) error) error { return c.s.Tx(ctx, fn) }

// names reads organisation names for a refusal's message.
func (s *Store) names(ctx context.Context) tracker.Names {
	return func(ids []int64) string {
		var rows []organisationRow
		if err := s.q(ctx).Where("id IN ?", ids).Order("name").Find(&rows).Error; err != nil || len(rows) == 0 {
			return "your organisations"
		}
		names := make([]string, len(rows))
		for i, r := range rows {
			names[i] = r.Name
		}
		if len(names) == 1 {
			return names[0]
		}
		return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
}

// sourceScope reads whose a source is: its issuer, the organisations its
// recommendations are addressed to, and those with actions directly under
// it.
//
// The addressees are read from addressee_tallies, which the triggers keep
// in the same transaction as the addressees themselves, as the source's
// page lists them (sourceAddressees): a few rows a source, where reading
// recommendation_addressees visited one row for each recommendation of
// the source, on every page that asks what the person may change; its
// rows are added up, as every reader of a tally does. While a
// big import on PostgreSQL defers the tallies (deferDerived), they show
// the source as the import found it; that gives the same answers, since
// the import adds to a source only addressees the person may address
// (CheckChangeRecommendation), and removes none. The direct actions are
// read from their own index (migration 0023).
func (s *Store) sourceScope(ctx context.Context, sourceID int64) (tracker.SourceScope, error) {
	var src sourceRow
	if err := s.q(ctx).Select("id", "issued_by_id").Take(&src, sourceID).Error; err != nil {
		return tracker.SourceScope{}, notFound(err, "source")
	}
	sc := tracker.SourceScope{IssuedBy: src.IssuedByID}
	var addressed []int64
	if err := s.q(ctx).Table("addressee_tallies").Where("source_id = ?", sourceID).
		Group("organisation_id").Having("SUM(n) > 0").Pluck("organisation_id", &addressed).Error; err != nil {
		return sc, fmt.Errorf("load the source's addressees: %w", err)
	}
	var acting []int64
	if err := s.q(ctx).Model(&actionRow{}).Distinct("organisation_id").
		Where("source_id = ? AND recommendation_id IS NULL", sourceID).Pluck("organisation_id", &acting).Error; err != nil {
		return sc, fmt.Errorf("load the source's actions: %w", err)
	}
	sc.Concerned = append(addressed, acting...)
	return sc, nil
}

// addresseesOf reads the organisations a recommendation is addressed to.
func (s *Store) addresseesOf(ctx context.Context, recID int64) ([]int64, error) {
	var ids []int64
	if err := s.q(ctx).Model(&addresseeRow{}).Where("recommendation_id = ?", recID).Order("sort_order").
		Pluck("organisation_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("load addressees: %w", err)
	}
	return ids, nil
}

// covered reads the numbers and addressees of recommendations a reference
// or reply is to cover; an unknown id is a message at field.
func (s *Store) covered(ctx context.Context, field string, ids []int64) ([]tracker.CoveredRecommendation, error) {
	out := make([]tracker.CoveredRecommendation, 0, len(ids))
	for _, id := range ids {
		var rec recommendationRow
		if err := s.q(ctx).Select("id", "number").Take(&rec, id).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return nil, &tracker.ValidationError{Fields: map[string]string{field: fmt.Sprintf("There is no recommendation with id %d", id)}}
			}
			return nil, fmt.Errorf("load recommendation: %w", err)
		}
		to, err := s.addresseesOf(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, tracker.CoveredRecommendation{Number: rec.Number, Addressees: to})
	}
	return out, nil
}

func addresseeIDs(r tracker.Recommendation) []int64 {
	ids := make([]int64, len(r.Addressees))
	for i, o := range r.Addressees {
		ids[i] = o.ID
	}
	return ids
}

// newOnes are the ids in after that are not in before.
func newOnes(before, after []int64) []int64 {
	had := map[int64]bool{}
	for _, id := range before {
		had[id] = true
	}
	var out []int64
	for _, id := range after {
		if !had[id] {
			out = append(out, id)
		}
	}
	return out
}

// Sources.

// MayCreateSource says whether the person may record sources, and why not.
func (c Commands) MayCreateSource() error { return c.user.CheckCreateSource() }

// CreateSource records a new source from any issuer.
func (c Commands) CreateSource(ctx context.Context, src tracker.Source) (tracker.Source, error) {
	if err := c.user.CheckCreateSource(); err != nil {
		return src, err
	}
	return c.s.CreateSource(ctx, src)
}

// MayChangeSource says whether the person may change the source and add
// recommendations to it, and why not.
func (c Commands) MayChangeSource(ctx context.Context, id int64) error {
	sc, err := c.s.sourceScope(ctx, id)
	if err != nil {
		return err
	}
	return c.user.CheckChangeSource(sc, sc, c.s.names(ctx))
}

// UpdateSource changes a source that is the person's; a new issuer must
// leave it theirs.
func (c Commands) UpdateSource(ctx context.Context, src tracker.Source) (tracker.Source, error) {
	var out tracker.Source
	err := c.tx(ctx, func(tx *Store) error {
		before, err := tx.sourceScope(ctx, src.ID)
		if err != nil {
			return err
		}
		after := before
		after.IssuedBy = src.IssuedByID
		if err := c.user.CheckChangeSource(before, after, tx.names(ctx)); err != nil {
			return err
		}
		out, err = tx.UpdateSource(ctx, src)
		return err
	})
	if err != nil {
		return src, err
	}
	return out, nil
}

// Recommendations.

// MayAddRecommendation says whether the person may add recommendations to
// the source, and why not.
func (c Commands) MayAddRecommendation(ctx context.Context, sourceID int64) error {
	sc, err := c.s.sourceScope(ctx, sourceID)
	if err != nil {
		return err
	}
	return c.user.CheckChangeRecommendation(sc, nil, nil, c.s.names(ctx))
}

// CreateRecommendation adds a recommendation to a source: open and not
// yet assessed unless it says otherwise, its deadline read from its
// wording as from its source's date.
func (c Commands) CreateRecommendation(ctx context.Context, r tracker.Recommendation) (tracker.Recommendation, error) {
	var out tracker.Recommendation
	err := c.tx(ctx, func(tx *Store) error {
		sc, err := tx.sourceScope(ctx, r.SourceID)
		if err != nil {
			return err
		}
		if err := c.user.CheckChangeRecommendation(sc, nil, addresseeIDs(r), tx.names(ctx)); err != nil {
			return err
		}
		var src sourceRow
		if err := tx.q(ctx).Select("id", "issued_on").Take(&src, r.SourceID).Error; err != nil {
			return notFound(err, "source")
		}
		r.SettleNew(src.IssuedOn, tx.Now())
		out, err = tx.CreateRecommendation(ctx, r)
		return err
	})
	if err != nil {
		return r, err
	}
	return out, nil
}

// recommendationScope reads a recommendation's source scope and addressees.
func (s *Store) recommendationScope(ctx context.Context, id int64) (tracker.SourceScope, []int64, error) {
	var rec recommendationRow
	if err := s.q(ctx).Select("id", "source_id").Take(&rec, id).Error; err != nil {
		return tracker.SourceScope{}, nil, notFound(err, "recommendation")
	}
	sc, err := s.sourceScope(ctx, rec.SourceID)
	if err != nil {
		return sc, nil, err
	}
	to, err := s.addresseesOf(ctx, id)
	return sc, to, err
}

// MayChangeRecommendation says whether the person may change the
// recommendation (its text, addressees, status, assessment, deadline), and
// why not.
func (c Commands) MayChangeRecommendation(ctx context.Context, id int64) error {
	sc, to, err := c.s.recommendationScope(ctx, id)
	if err != nil {
		return err
	}
	return c.user.CheckChangeRecommendation(sc, to, to, c.s.names(ctx))
}

// changeRecommendation checks the person may change recommendation id,
// with addressees after it, then runs fn in the same transaction.
func (c Commands) changeRecommendation(ctx context.Context, id int64, after []int64, fn func(tx *Store) error) error {
	return c.tx(ctx, func(tx *Store) error {
		sc, before, err := tx.recommendationScope(ctx, id)
		if err != nil {
			return err
		}
		if after == nil {
			after = before
		}
		if err := c.user.CheckChangeRecommendation(sc, before, after, tx.names(ctx)); err != nil {
			return err
		}
		return fn(tx)
	})
}

// UpdateRecommendation changes a recommendation's own fields and
// addressees.
func (c Commands) UpdateRecommendation(ctx context.Context, r tracker.Recommendation) (tracker.Recommendation, error) {
	out := r
	after := addresseeIDs(r)
	if after == nil {
		after = []int64{}
	}
	err := c.changeRecommendation(ctx, r.ID, after, func(tx *Store) error {
		var err error
		out, err = tx.UpdateRecommendation(ctx, r)
		return err
	})
	return out, err
}

// ChangeRecommendation sets a recommendation's status and assessment.
// Its followers are told by email.
func (c Commands) ChangeRecommendation(ctx context.Context, id int64, ch RecommendationChange) error {
	return c.changeRecommendation(ctx, id, nil, c.telling(ctx, id, func(tx *Store) error { return tx.ChangeRecommendation(ctx, id, ch) }))
}

// telling runs fn, a change to recommendation id, then queues an email to
// each of its followers saying what changed, in the same transaction.
func (c Commands) telling(ctx context.Context, id int64, fn func(tx *Store) error) func(tx *Store) error {
	return func(tx *Store) error {
		before, err := tx.recommendationFacts(ctx, id)
		if err != nil {
			return err
		}
		if err := fn(tx); err != nil {
			return err
		}
		return tx.noticeFollowers(ctx, id, before, c.user)
	}
}

// MoveRecommendationDeadline moves a recommendation's deadline with a
// reason. Its followers are told by email.
func (c Commands) MoveRecommendationDeadline(ctx context.Context, id int64, m DeadlineMove) error {
	return c.changeRecommendation(ctx, id, nil, c.telling(ctx, id, func(tx *Store) error { return tx.MoveRecommendationDeadline(ctx, id, m) }))
}

// Responses.

// ReviseResponse stores an organisation's response to a recommendation, or
// its next revision; expected is the revision the person saw. The
// organisation must be an addressee.
func (c Commands) ReviseResponse(ctx context.Context, r tracker.Response, expected int) (tracker.Response, error) {
	out := r
	err := c.tx(ctx, func(tx *Store) error {
		if err := c.user.CheckRespond(r.OrganisationID, tx.names(ctx)); err != nil {
			return err
		}
		to, err := tx.addresseesOf(ctx, r.RecommendationID)
		if err != nil {
			return err
		}
		if err := tracker.Addressed(r.OrganisationID, to); err != nil {
			return err
		}
		out, err = tx.ReviseResponse(ctx, r, expected)
		return err
	})
	return out, err
}

// Actions.

// actionOrg reads the organisation of an action that is not deleted.
func (s *Store) actionOrg(ctx context.Context, id int64) (actionRow, error) {
	var row actionRow
	if err := s.q(ctx).Select("id", "organisation_id", "recommendation_id").Take(&row, id).Error; err != nil {
		return row, notFound(err, "action")
	}
	return row, nil
}

// MayCreateActions says whether the person may add actions for any
// organisation, and why not.
func (c Commands) MayCreateActions() error {
	if c.user.CanCreateActions() {
		return nil
	}
	return c.user.CheckAction(0, nil)
}

// CreateAction adds an action to the log for one of the person's
// organisations: not started unless it says otherwise, its due date read
// from its wording as from today, and, under a recommendation, for one of
// its addressees and in its source.
func (c Commands) CreateAction(ctx context.Context, a tracker.Action) (tracker.Action, error) {
	out := a
	err := c.tx(ctx, func(tx *Store) error {
		if !c.user.CanCreateActions() {
			return c.user.CheckAction(a.OrganisationID, tx.names(ctx))
		}
		var v tracker.ValidationError
		if a.OrganisationID != 0 && !c.user.CanEditAction(a.OrganisationID) {
			v.Add("organisation", "Choose an organisation whose actions you may change")
		}
		a.SettleNew(tracker.Day(tx.Now()))
		if a.RecommendationID != nil {
			var rec recommendationRow
			err := tx.q(ctx).Select("id", "source_id").Take(&rec, *a.RecommendationID).Error
			switch {
			case errors.Is(err, gorm.ErrRecordNotFound):
				v.Add("recommendation", "There is no recommendation with this id")
			case err != nil:
				return fmt.Errorf("load recommendation: %w", err)
			default:
				to, err := tx.addresseesOf(ctx, rec.ID)
				if err != nil {
					return err
				}
				var notAddressed *tracker.ValidationError
				if errors.As(tracker.Addressed(a.OrganisationID, to), &notAddressed) {
					v.Add("organisation", notAddressed.Fields["organisation"])
				}
				if a.SourceID != nil && *a.SourceID != rec.SourceID {
					v.Add("source", "The recommendation belongs to another source; leave the source out")
				}
			}
		}
		if a.SourceID != nil {
			if err := tx.q(ctx).Select("id").Take(&sourceRow{}, *a.SourceID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
				v.Add("source", "There is no source with this id")
			} else if err != nil {
				return fmt.Errorf("load source: %w", err)
			}
		}
		if a.ReferenceID != nil {
			if err := tx.q(ctx).Select("id").Take(&referenceRow{}, *a.ReferenceID).Error; errors.Is(err, gorm.ErrRecordNotFound) {
				v.Add("reference", "There is no reference with this id")
			} else if err != nil {
				return fmt.Errorf("load reference: %w", err)
			}
		}
		if err := tx.checkOwnerAccount(ctx, a.OwnerUserID, &v); err != nil {
			return err
		}
		if err := a.Validate(); err != nil {
			var invalid *tracker.ValidationError
			if !errors.As(err, &invalid) {
				return err
			}
			for k, m := range invalid.Fields {
				v.Add(k, m)
			}
		}
		if err := v.Err(); err != nil {
			return err
		}
		var err error
		out, err = tx.CreateAction(ctx, a)
		return err
	})
	return out, err
}

// checkAction checks the person may change action id, then runs fn in the
// same transaction.
func (c Commands) checkAction(ctx context.Context, id int64, check func(u *tracker.User, org int64, names tracker.Names) error, fn func(tx *Store, row actionRow) error) error {
	return c.tx(ctx, func(tx *Store) error {
		row, err := tx.actionOrg(ctx, id)
		if err != nil {
			return err
		}
		if err := check(c.user, row.OrganisationID, tx.names(ctx)); err != nil {
			return err
		}
		return fn(tx, row)
	})
}

// MayChangeAction says whether the person may change the action, and why
// not.
func (c Commands) MayChangeAction(ctx context.Context, id int64) error {
	return c.checkAction(ctx, id, (*tracker.User).CheckAction, func(*Store, actionRow) error { return nil })
}

// MayDeleteAction says whether the person may delete the action, and why
// not.
func (c Commands) MayDeleteAction(ctx context.Context, id int64) error {
	return c.checkAction(ctx, id, (*tracker.User).CheckDeleteAction, func(*Store, actionRow) error { return nil })
}

// PostUpdate posts a dated progress update to an action, with its status
// and RAG.
func (c Commands) PostUpdate(ctx context.Context, actionID int64, ch ProgressChange) error {
	return c.checkAction(ctx, actionID, (*tracker.User).CheckAction, func(tx *Store, _ actionRow) error {
		return tx.PostUpdate(ctx, actionID, ch)
	})
}

// MoveActionDue moves an action's due date with a reason.
func (c Commands) MoveActionDue(ctx context.Context, id int64, m DeadlineMove) error {
	return c.checkAction(ctx, id, (*tracker.User).CheckAction, func(tx *Store, _ actionRow) error {
		return tx.MoveActionDue(ctx, id, m)
	})
}

// UpdateActionDetails changes what an action is and who owns it; a new
// organisation must be one of the person's, and an addressee of the
// action's recommendation.
func (c Commands) UpdateActionDetails(ctx context.Context, a tracker.Action) (tracker.Action, error) {
	out := a
	err := c.checkAction(ctx, a.ID, (*tracker.User).CheckAction, func(tx *Store, row actionRow) error {
		if a.OrganisationID != row.OrganisationID {
			if !c.user.CanEditAction(a.OrganisationID) {
				return &tracker.ValidationError{Fields: map[string]string{"organisation": "Choose an organisation whose actions you may change"}}
			}
			if row.RecommendationID != nil {
				to, err := tx.addresseesOf(ctx, *row.RecommendationID)
				if err != nil {
					return err
				}
				if err := tracker.Addressed(a.OrganisationID, to); err != nil {
					return err
				}
			}
		}
		var v tracker.ValidationError
		if err := tx.checkOwnerAccount(ctx, a.OwnerUserID, &v); err != nil {
			return err
		}
		if v.Err() != nil {
			// The rest of the form's faults, too, so they show at once.
			var invalid *tracker.ValidationError
			if errors.As(a.Validate(), &invalid) {
				for k, m := range invalid.Fields {
					v.Add(k, m)
				}
			}
			return v.Err()
		}
		var err error
		out, err = tx.UpdateActionDetails(ctx, a)
		return err
	})
	return out, err
}

// DeleteAction deletes an action softly; an administrator can restore it.
func (c Commands) DeleteAction(ctx context.Context, id int64, version int) error {
	return c.checkAction(ctx, id, (*tracker.User).CheckDeleteAction, func(tx *Store, _ actionRow) error {
		return tx.DeleteAction(ctx, id, version)
	})
}

// RestoreAction brings back a deleted action.
func (c Commands) RestoreAction(ctx context.Context, id int64) error {
	if err := c.user.CheckRestore(); err != nil {
		return err
	}
	return c.s.RestoreAction(ctx, id)
}

// References and formal replies.

// MayCreateReferences says whether the person may record references, and
// why not.
func (c Commands) MayCreateReferences() error { return c.user.CheckChangeReference(0, 0, nil, true) }

// CreateReference records a reference raised with one of the person's
// organisations, covering recommendations addressed to them.
func (c Commands) CreateReference(ctx context.Context, r tracker.Reference, recommendationIDs []int64) (tracker.Reference, error) {
	out := r
	err := c.tx(ctx, func(tx *Store) error {
		names := tx.names(ctx)
		if err := c.user.CheckChangeReference(0, r.RespondingOrgID, names, false); err != nil {
			return err
		}
		recs, err := tx.covered(ctx, "recommendations", recommendationIDs)
		if err != nil {
			return err
		}
		if err := c.user.CheckCovered("recommendations", recs, names); err != nil {
			return err
		}
		out, err = tx.CreateReference(ctx, r, recommendationIDs)
		return err
	})
	return out, err
}

// referenceRow reads a reference.
func (s *Store) referenceOf(ctx context.Context, id int64) (referenceRow, error) {
	var row referenceRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return row, notFound(err, "reference")
	}
	return row, nil
}

// MayChangeReference says whether the person may change the reference,
// and why not.
func (c Commands) MayChangeReference(ctx context.Context, id int64) error {
	row, err := c.s.referenceOf(ctx, id)
	if err != nil {
		return err
	}
	return c.user.CheckChangeReference(row.RespondingOrgID, row.RespondingOrgID, c.s.names(ctx), false)
}

// UpdateReference changes a reference that is the person's; the
// recommendations it newly covers must be addressed to their
// organisations.
func (c Commands) UpdateReference(ctx context.Context, r tracker.Reference, recommendationIDs []int64, reason string) (tracker.Reference, error) {
	out := r
	err := c.tx(ctx, func(tx *Store) error {
		before, err := tx.referenceOf(ctx, r.ID)
		if err != nil {
			return err
		}
		names := tx.names(ctx)
		if err := c.user.CheckChangeReference(before.RespondingOrgID, r.RespondingOrgID, names, false); err != nil {
			return err
		}
		var linked []int64
		if err := tx.q(ctx).Model(&referenceRecommendationRow{}).Where("reference_id = ?", r.ID).Pluck("recommendation_id", &linked).Error; err != nil {
			return fmt.Errorf("load linked recommendations: %w", err)
		}
		recs, err := tx.covered(ctx, "recommendations", newOnes(linked, recommendationIDs))
		if err != nil {
			return err
		}
		if err := c.user.CheckCovered("recommendations", recs, names); err != nil {
			return err
		}
		out, err = tx.UpdateReference(ctx, r, recommendationIDs, reason)
		return err
	})
	return out, err
}

// MayEditReply says whether the person may prepare the reference's formal
// reply, and why not.
func (c Commands) MayEditReply(ctx context.Context, refID int64) error {
	row, err := c.s.referenceOf(ctx, refID)
	if err != nil {
		return err
	}
	return c.user.CheckEditReference(row.RespondingOrgID, c.s.names(ctx))
}

// SaveReferenceReport stores what the person chose for a reference's
// formal reply: its introduction (nil: the reply's text) and the
// recommendations it covers (nil: all). Each must be addressed to one of
// the person's organisations.
func (c Commands) SaveReferenceReport(ctx context.Context, refID int64, version int, intro *string, items []int64) error {
	return c.tx(ctx, func(tx *Store) error {
		row, err := tx.referenceOf(ctx, refID)
		if err != nil {
			return err
		}
		names := tx.names(ctx)
		if err := c.user.CheckEditReference(row.RespondingOrgID, names); err != nil {
			return err
		}
		included := items
		if included == nil {
			if err := tx.q(ctx).Model(&referenceRecommendationRow{}).Where("reference_id = ?", refID).Order("sort_order").
				Pluck("recommendation_id", &included).Error; err != nil {
				return fmt.Errorf("load linked recommendations: %w", err)
			}
		}
		recs, err := tx.covered(ctx, "items", included)
		if err != nil {
			return err
		}
		if err := c.user.CheckCovered("items", recs, names); err != nil {
			return err
		}
		return tx.SaveReferenceReport(ctx, refID, version, intro, items)
	})
}

// Organisations.

// MayCreate says whether the person may add organisations and measures,
// and why not; what names them ("organisations").
func (c Commands) MayCreate(what string) error { return c.user.CheckCreate(what) }

// CreateOrganisation adds an organisation.
func (c Commands) CreateOrganisation(ctx context.Context, o tracker.Organisation) (tracker.Organisation, error) {
	if err := c.user.CheckCreate("organisations"); err != nil {
		return o, err
	}
	return c.s.CreateOrganisation(ctx, o)
}

// MayChangeOrganisation says whether the person may rename the
// organisation, and why not.
func (c Commands) MayChangeOrganisation(ctx context.Context, id int64) error {
	return c.user.CheckChangeOrganisation(id, c.s.names(ctx))
}

// UpdateOrganisation renames an organisation.
func (c Commands) UpdateOrganisation(ctx context.Context, o tracker.Organisation) (tracker.Organisation, error) {
	if err := c.user.CheckChangeOrganisation(o.ID, c.s.names(ctx)); err != nil {
		return o, err
	}
	return c.s.UpdateOrganisation(ctx, o)
}

// Measures.

// CreateMeasure adds a measure of one of the person's organisations.
func (c Commands) CreateMeasure(ctx context.Context, m tracker.Measure) (tracker.Measure, error) {
	if err := c.user.CheckCreate("measures"); err != nil {
		return m, err
	}
	if err := c.user.CheckMeasure(0, m.OrganisationID, nil); err != nil {
		return m, err
	}
	return c.s.CreateMeasure(ctx, m)
}

// measureOrg reads the organisation of a measure.
func (s *Store) measureOrg(ctx context.Context, id int64) (int64, error) {
	var row measureRow
	if err := s.q(ctx).Select("id", "organisation_id").Take(&row, id).Error; err != nil {
		return 0, notFound(err, "measure")
	}
	return row.OrganisationID, nil
}

// MayChangeMeasure says whether the person may change the measure's
// definition and target, and why not.
func (c Commands) MayChangeMeasure(ctx context.Context, id int64) error {
	org, err := c.s.measureOrg(ctx, id)
	if err != nil {
		return err
	}
	return c.user.CheckMeasure(org, org, c.s.names(ctx))
}

// UpdateMeasure changes a measure's definition and target; it stays with
// one of the person's organisations.
func (c Commands) UpdateMeasure(ctx context.Context, m tracker.Measure) (tracker.Measure, error) {
	out := m
	err := c.tx(ctx, func(tx *Store) error {
		org, err := tx.measureOrg(ctx, m.ID)
		if err != nil {
			return err
		}
		if err := c.user.CheckMeasure(org, m.OrganisationID, tx.names(ctx)); err != nil {
			return err
		}
		out, err = tx.UpdateMeasure(ctx, m)
		return err
	})
	return out, err
}

// MayRecordMeasureValue says whether the person may add or remove the
// measure's values, and why not.
func (c Commands) MayRecordMeasureValue(ctx context.Context, id int64) error {
	org, err := c.s.measureOrg(ctx, id)
	if err != nil {
		return err
	}
	return c.user.CheckRecordMeasureValue(org, c.s.names(ctx))
}

// AddMeasureValue records a measure's value for a period.
func (c Commands) AddMeasureValue(ctx context.Context, measureID int64, version int, v tracker.MeasureValue) (tracker.MeasureValue, error) {
	out := v
	err := c.tx(ctx, func(tx *Store) error {
		if err := tx.As(c.user).MayRecordMeasureValue(ctx, measureID); err != nil {
			return err
		}
		var err error
		out, err = tx.AddMeasureValue(ctx, measureID, version, v)
		return err
	})
	return out, err
}

// RemoveMeasureValue removes one of a measure's values.
func (c Commands) RemoveMeasureValue(ctx context.Context, measureID int64, version int, valueID int64) error {
	return c.tx(ctx, func(tx *Store) error {
		if err := tx.As(c.user).MayRecordMeasureValue(ctx, measureID); err != nil {
			return err
		}
		return tx.RemoveMeasureValue(ctx, measureID, version, valueID)
	})
}

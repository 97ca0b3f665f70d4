package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// people matches an action's owner, as written, to an account: by an
// email address in the text, or by an account's name or email written as
// the whole owner. A name two accounts share matches neither.
type people struct {
	byEmail map[string]int64
	byName  map[string]int64
}

// emailInText finds an email address inside free text such as
// "Jo Bloggs <jo.bloggs@met.police.uk>".
var emailInText = regexp.MustCompile(`[^\s<>()\[\],;:"']+@[^\s<>()\[\],;:"']+\.[^\s<>()\[\],;:"'.]+`)

func (s *Store) people(ctx context.Context) (*people, error) {
	var rows []userRow
	if err := s.q(ctx).Select("id", "email", "name").Where("disabled_at IS NULL").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("load accounts for owners: %w", err)
	}
	p := &people{byEmail: map[string]int64{}, byName: map[string]int64{}}
	for _, r := range rows {
		p.byEmail[tracker.NormaliseEmail(r.Email)] = r.ID
		if k := nameKey(r.Name); k != "" {
			if _, twice := p.byName[k]; twice {
				p.byName[k] = 0
			} else {
				p.byName[k] = r.ID
			}
		}
	}
	return p, nil
}

// match links owner text to an account or, failing that, to the email
// address it contains; nil and "" when it names neither.
func (p *people) match(owner string) (userID *int64, email string) {
	if m := emailInText.FindString(owner); m != "" {
		email = tracker.NormaliseEmail(m)
		if !tracker.ValidEmail(email) {
			email = ""
		} else if id, ok := p.byEmail[email]; ok {
			return &id, ""
		}
	}
	if id := p.byName[nameKey(owner)]; id != 0 {
		return &id, email
	}
	if id, ok := p.byEmail[tracker.NormaliseEmail(owner)]; ok {
		return &id, ""
	}
	return nil, email
}

// MatchOwner links owner text to an account or an email address as the
// import does, for pages that offer the match.
func (s *Store) MatchOwner(ctx context.Context, owner string) (*int64, string, error) {
	if strings.TrimSpace(owner) == "" {
		return nil, "", nil
	}
	p, err := s.people(ctx)
	if err != nil {
		return nil, "", err
	}
	id, email := p.match(owner)
	return id, email, nil
}

// checkOwnerAccount adds an error at owner_user_id to v when an action's
// owner is linked to an account that does not exist.
func (s *Store) checkOwnerAccount(ctx context.Context, id *int64, v *tracker.ValidationError) error {
	if id == nil {
		return nil
	}
	err := s.q(ctx).Select("id").Take(&userRow{}, *id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		v.Add("owner_user_id", "Choose the owner’s account from the list, or none")
		return nil
	}
	if err != nil {
		return fmt.Errorf("load the owner's account: %w", err)
	}
	return nil
}

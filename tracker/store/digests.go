package store

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/mail"
)

// DueDigest is one person's digest that is due: their actions overdue and
// due within their chosen number of days, on the London day Today.
type DueDigest struct {
	User    tracker.User
	Prefs   tracker.MailPrefs
	Period  string
	Today   time.Time
	Overdue []tracker.Action
	DueSoon []tracker.Action
	token   string
}

// Key is what makes the digest once per person and period.
func (d DueDigest) Key() string {
	return "digest:" + strconv.FormatInt(d.User.ID, 10) + ":" + d.Prefs.Digest + ":" + d.Period
}

// DueDigests lists the digests due at now (the store's clock, read by the
// caller): for each person who chose one, not disabled, whose digest for
// this period has not been queued, and who has an action overdue or due
// soon. It writes nothing.
func (s *Store) DueDigests(ctx context.Context, now time.Time) ([]DueDigest, error) {
	var prefs []mailPrefsRow
	if err := s.q(ctx).Where("digest <> ?", tracker.DigestOff).Order("user_id").Find(&prefs).Error; err != nil {
		return nil, fmt.Errorf("digest preferences: %w", err)
	}
	var out []DueDigest
	for _, p := range prefs {
		period, today, due := tracker.DigestPeriod(p.Digest, now)
		if !due {
			continue
		}
		d := DueDigest{Prefs: tracker.MailPrefs{Digest: p.Digest, DigestDays: p.DigestDays}, Period: period, Today: today, token: p.UnsubscribeToken}
		u, err := s.User(ctx, p.UserID)
		if err != nil {
			return nil, err
		}
		d.User = u
		var n int64
		if err := s.q(ctx).Model(&emailRow{}).Where("dedupe_key = ?", d.Key()).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("digest sent: %w", err)
		}
		if n > 0 || u.Disabled {
			continue
		}
		if d.Overdue, d.DueSoon, err = s.digestActions(ctx, u.ID, today, p.DigestDays); err != nil {
			return nil, err
		}
		if len(d.Overdue)+len(d.DueSoon) > 0 {
			out = append(out, d)
		}
	}
	return out, nil
}

// digestActions reads a person's open actions overdue and due within days
// through the action log's own query.
func (s *Store) digestActions(ctx context.Context, userID int64, today time.Time, days int) (overdue, soon []tracker.Action, err error) {
	for _, f := range []tracker.ActionFilter{
		{Person: userID, Overdue: true, Today: today, Page: tracker.AllRows, LatestUpdateOnly: true},
		{Person: userID, DueWithinDays: days, Today: today, Page: tracker.AllRows, LatestUpdateOnly: true},
	} {
		items, _, err := s.ListActions(ctx, f)
		if err != nil {
			return nil, nil, fmt.Errorf("digest actions: %w", err)
		}
		for _, it := range items {
			if f.Overdue {
				overdue = append(overdue, it.Action)
			} else {
				soon = append(soon, it.Action)
			}
		}
	}
	return overdue, soon, nil
}

// DigestEmail writes the email of a due digest.
func (s *Store) DigestEmail(d DueDigest) tracker.Email {
	base := s.mail.publicURL
	md := mail.Digest{
		Name: d.User.Label(), Frequency: d.Prefs.Digest, Days: d.Prefs.DigestDays,
		ActionsURL: base + "/actions?person=" + strconv.FormatInt(d.User.ID, 10), PrefsURL: base + "/account",
		UnsubscribeURL: s.unsubscribeURL(d.token, ListDigest),
	}
	for _, a := range d.Overdue {
		md.Overdue = append(md.Overdue, mail.Line(base, a, d.Today))
	}
	for _, a := range d.DueSoon {
		md.DueSoon = append(md.DueSoon, mail.Line(base, a, d.Today))
	}
	subject, text, html := mail.DigestEmail(md)
	id := d.User.ID
	return tracker.Email{Kind: tracker.EmailDigest, UserID: &id, To: d.User.Email, Subject: subject, Text: text, HTML: html, UnsubscribeURL: md.UnsubscribeURL}
}

// QueueDigests queues the digests given, each once per person and
// period even when several servers queue them at the same moment; it
// returns the ones this call queued.
func (s *Store) QueueDigests(ctx context.Context, due []DueDigest) ([]tracker.Email, error) {
	var out []tracker.Email
	for _, d := range due {
		e, queued, err := s.queueEmail(ctx, s.DigestEmail(d), d.Key())
		if err != nil {
			return out, err
		}
		if queued {
			out = append(out, e)
		}
	}
	return out, nil
}

// recommendationFacts is what a follower is told about.
type recommendationFacts struct {
	label, status, assessment, deadline string
}

func (s *Store) recommendationFacts(ctx context.Context, id int64) (recommendationFacts, error) {
	var r recommendationRow
	if err := s.q(ctx).Take(&r, id).Error; err != nil {
		return recommendationFacts{}, notFound(err, "recommendation")
	}
	var src sourceRow
	if err := s.q(ctx).Select("id", "title").Take(&src, r.SourceID).Error; err != nil {
		return recommendationFacts{}, notFound(err, "source")
	}
	f := recommendationFacts{
		label:      fmt.Sprintf("Recommendation %s of %s", r.Number, src.Title),
		status:     tracker.RecommendationStatusLabel(r.Status),
		assessment: tracker.AssessmentLabel(r.Assessment),
		deadline:   r.DeadlineText,
	}
	if r.DeadlineDate != nil {
		f.deadline = tracker.FormatDate(*r.DeadlineDate)
	}
	if f.deadline == "" {
		f.deadline = "none"
	}
	return f, nil
}

// noticeFollowers tells each follower of a recommendation, but the person
// who changed it, what changed between before and its state now; nothing
// when nothing they follow changed.
func (s *Store) noticeFollowers(ctx context.Context, recID int64, before recommendationFacts, by *tracker.User) error {
	after, err := s.recommendationFacts(ctx, recID)
	if err != nil {
		return err
	}
	var changes []string
	for _, c := range []struct{ what, from, to string }{
		{"Status", before.status, after.status},
		{"Assessment", before.assessment, after.assessment},
		{"Deadline", before.deadline, after.deadline},
	} {
		if c.from != c.to {
			changes = append(changes, fmt.Sprintf("%s: %s → %s", c.what, c.from, c.to))
		}
	}
	if len(changes) == 0 {
		return nil
	}
	var follows []followRow
	if err := s.q(ctx).Where("recommendation_id = ?", recID).Order("user_id").Find(&follows).Error; err != nil {
		return fmt.Errorf("followers: %w", err)
	}
	for _, f := range follows {
		if by != nil && f.UserID == by.ID {
			continue
		}
		u, err := s.User(ctx, f.UserID)
		if err != nil || u.Disabled {
			continue
		}
		prefs, err := s.mailPrefs(ctx, u.ID)
		if err != nil {
			return err
		}
		n := mail.Notice{
			Name: u.Label(), Recommendation: after.label, Changes: changes, By: by.Label(),
			URL:            fmt.Sprintf("%s/recommendations/%d", s.mail.publicURL, recID),
			UnsubscribeURL: s.unsubscribeURL(prefs.UnsubscribeToken, ListFollow(recID)),
		}
		subject, text, html := mail.NoticeEmail(n)
		id := u.ID
		e := tracker.Email{Kind: tracker.EmailNotice, UserID: &id, To: u.Email, Subject: subject, Text: text, HTML: html, UnsubscribeURL: n.UnsubscribeURL}
		if _, _, err := s.queueEmail(ctx, e, ""); err != nil {
			return err
		}
	}
	return nil
}

package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/civic-tracker/tracker/tracker"
)

// DefaultPublicURL begins the links in emails when TRACKER_PUBLIC_URL
// names no other address.
const DefaultPublicURL = "http://127.0.0.1:8080"

// Enqueuer puts the job that sends email id in the queue, inside tx: the
// email and its job are stored together or not at all.
type Enqueuer func(ctx context.Context, tx *sql.Tx, emailID int64) error

type mailHooks struct {
	publicURL     string
	enqueue       Enqueuer
	enqueueImport Enqueuer
}

// WithPublicURL sets the address the tracker is reached at, which begins
// every link in an email.
func WithPublicURL(u string) Option {
	return func(s *Store) {
		if u = strings.TrimRight(strings.TrimSpace(u), "/"); u != "" {
			s.mail.publicURL = u
		}
	}
}

// SetEnqueuer makes e put each new email's job in the queue. Without one
// (a command that runs no queue) emails wait, marked not enqueued, until a
// queue starts and picks them up (EmailsNotEnqueued).
func (s *Store) SetEnqueuer(e Enqueuer) { s.mail.enqueue = e }

// PublicURL is the address links in emails begin with.
func (s *Store) PublicURL() string { return s.mail.publicURL }

// SQLDB is the store's connection pool, for the job queue on SQLite.
func (s *Store) SQLDB() (*sql.DB, error) { return s.db.DB() }

type emailRow struct {
	ID             int64
	Kind           string
	UserID         *int64
	ToAddress      string
	Subject        string
	BodyText       string
	BodyHTML       string `gorm:"column:body_html"`
	UnsubscribeURL string `gorm:"column:unsubscribe_url"`
	DedupeKey      *string
	Status         string
	Attempts       int
	LastError      string
	Enqueued       bool
	CreatedAt      time.Time
	SentAt         *time.Time
}

func (emailRow) TableName() string { return "emails" }

func (r emailRow) domain() tracker.Email {
	return tracker.Email{
		ID: r.ID, Kind: r.Kind, UserID: r.UserID, To: r.ToAddress, Subject: r.Subject, Text: r.BodyText,
		HTML: r.BodyHTML, UnsubscribeURL: r.UnsubscribeURL, Status: r.Status, Attempts: r.Attempts,
		LastError: r.LastError, CreatedAt: r.CreatedAt, SentAt: r.SentAt,
	}
}

type mailPrefsRow struct {
	UserID           int64 `gorm:"primaryKey"`
	Digest           string
	DigestDays       int
	UnsubscribeToken string
	UpdatedAt        time.Time
}

func (mailPrefsRow) TableName() string { return "mail_prefs" }

type followRow struct {
	UserID           int64 `gorm:"primaryKey"`
	RecommendationID int64 `gorm:"primaryKey"`
	CreatedAt        time.Time
}

func (followRow) TableName() string { return "follows" }

// sqlTx is the database/sql transaction under s, for the job queue's
// insert; nil outside a transaction.
func (s *Store) sqlTx() *sql.Tx {
	tx, _ := s.db.Statement.ConnPool.(*sql.Tx)
	return tx
}

// queueEmail stores e as queued and puts its job in the queue, in one
// transaction. A non-empty dedupe key already used stores nothing and
// reports false: that digest is already on its way.
func (s *Store) queueEmail(ctx context.Context, e tracker.Email, dedupe string) (tracker.Email, bool, error) {
	row := emailRow{Kind: e.Kind, UserID: e.UserID, ToAddress: e.To, Subject: e.Subject, BodyText: e.Text,
		BodyHTML: e.HTML, UnsubscribeURL: e.UnsubscribeURL, Status: tracker.EmailQueued, CreatedAt: s.Now()}
	if dedupe != "" {
		row.DedupeKey = &dedupe
	}
	queued := false
	err := s.Tx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row)
		if res.Error != nil {
			return fmt.Errorf("queue email: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
		queued = true
		return tx.enqueue(ctx, row.ID)
	})
	return row.domain(), queued, err
}

func (s *Store) enqueue(ctx context.Context, id int64) error {
	if s.mail.enqueue == nil {
		return nil
	}
	sqlTx := s.sqlTx()
	if sqlTx == nil {
		return errors.New("enqueue an email outside a transaction")
	}
	if err := s.mail.enqueue(ctx, sqlTx, id); err != nil {
		return fmt.Errorf("enqueue email %d: %w", id, err)
	}
	return s.q(ctx).Model(&emailRow{}).Where("id = ?", id).Update("enqueued", true).Error
}

// EnqueueWaiting puts in the queue the emails stored while no queue ran
// (by a command-line tool, say), and returns how many.
func (s *Store) EnqueueWaiting(ctx context.Context) (int, error) {
	var ids []int64
	if err := s.q(ctx).Model(&emailRow{}).Where("status = ? AND enqueued = ?", tracker.EmailQueued, false).Order("id").Pluck("id", &ids).Error; err != nil {
		return 0, fmt.Errorf("emails waiting: %w", err)
	}
	for _, id := range ids {
		err := s.Tx(ctx, func(tx *Store) error {
			res := tx.q(ctx).Model(&emailRow{}).Where("id = ? AND enqueued = ?", id, false).Update("enqueued", true)
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			return tx.mail.enqueue(ctx, tx.sqlTx(), id)
		})
		if err != nil {
			return 0, fmt.Errorf("enqueue email %d: %w", id, err)
		}
	}
	return len(ids), nil
}

// Email reads one email of the log.
func (s *Store) Email(ctx context.Context, id int64) (tracker.Email, error) {
	var row emailRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return tracker.Email{}, notFound(err, "email")
	}
	return row.domain(), nil
}

// Emails lists the log of emails, newest first, a page at a time.
func (s *Store) Emails(ctx context.Context, p tracker.Page) ([]tracker.Email, int64, error) {
	var n int64
	if err := s.q(ctx).Model(&emailRow{}).Count(&n).Error; err != nil {
		return nil, 0, fmt.Errorf("count emails: %w", err)
	}
	var rows []emailRow
	q := s.q(ctx).Omit("body_text", "body_html").Order("created_at DESC, id DESC").Limit(p.Limit()).Offset(p.Offset())
	if err := q.Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list emails: %w", err)
	}
	out := make([]tracker.Email, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, n, nil
}

// RecordEmailSent marks an email delivered.
func (s *Store) RecordEmailSent(ctx context.Context, id int64) error {
	now := s.Now()
	return s.q(ctx).Model(&emailRow{}).Where("id = ?", id).Updates(map[string]any{
		"status": tracker.EmailSent, "sent_at": now, "attempts": gorm.Expr("attempts + 1"), "last_error": "",
	}).Error
}

// RecordEmailFailure keeps why an attempt failed; the email stays queued
// for the next attempt, or is failed when the queue gives up (final).
func (s *Store) RecordEmailFailure(ctx context.Context, id int64, reason string, final bool) error {
	status := tracker.EmailQueued
	if final {
		status = tracker.EmailFailed
	}
	return s.q(ctx).Model(&emailRow{}).Where("id = ? AND status <> ?", id, tracker.EmailSent).Updates(map[string]any{
		"status": status, "attempts": gorm.Expr("attempts + 1"), "last_error": reason,
	}).Error
}

// Mail preferences and follows.

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// mailPrefs reads a person's preferences, making their row (and its
// unsubscribe token) the first time.
func (s *Store) mailPrefs(ctx context.Context, userID int64) (mailPrefsRow, error) {
	row := mailPrefsRow{UserID: userID, Digest: tracker.DigestOff, DigestDays: 14, UnsubscribeToken: newToken(), UpdatedAt: s.Now()}
	if err := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return row, fmt.Errorf("mail preferences: %w", err)
	}
	if err := s.q(ctx).Take(&row, "user_id = ?", userID).Error; err != nil {
		return row, notFound(err, "mail preferences")
	}
	return row, nil
}

// MailPrefs reads what email a person wants.
func (s *Store) MailPrefs(ctx context.Context, userID int64) (tracker.MailPrefs, error) {
	row, err := s.mailPrefs(ctx, userID)
	return tracker.MailPrefs{Digest: row.Digest, DigestDays: row.DigestDays}, err
}

// SetMailPrefs sets what email a person wants: their own, or anyone's for
// an administrator.
func (c Commands) SetMailPrefs(ctx context.Context, userID int64, p tracker.MailPrefs) error {
	if !c.user.CanView() || (c.user.ID != userID && !c.user.CanManageAccounts()) {
		return fmt.Errorf("mail preferences of another person: %w", tracker.ErrForbidden)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return c.tx(ctx, func(tx *Store) error {
		if _, err := tx.mailPrefs(ctx, userID); err != nil {
			return err
		}
		return tx.q(ctx).Model(&mailPrefsRow{}).Where("user_id = ?", userID).
			Updates(map[string]any{"digest": p.Digest, "digest_days": p.DigestDays, "updated_at": tx.Now()}).Error
	})
}

// Following says whether a person follows a recommendation.
func (s *Store) Following(ctx context.Context, userID, recID int64) (bool, error) {
	var n int64
	err := s.q(ctx).Model(&followRow{}).Where("user_id = ? AND recommendation_id = ?", userID, recID).Count(&n).Error
	return n > 0, err
}

// Follow makes the person follow a recommendation (on) or stop: a
// follower is told by email when its status, assessment or deadline
// changes. Anyone who may see it may follow it.
func (c Commands) Follow(ctx context.Context, recID int64, on bool) error {
	if !c.user.CanView() || c.user.ID == 0 {
		return fmt.Errorf("follow: %w", tracker.ErrForbidden)
	}
	return c.tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Select("id").Take(&recommendationRow{}, recID).Error; err != nil {
			return notFound(err, "recommendation")
		}
		if !on {
			return tx.q(ctx).Where("user_id = ? AND recommendation_id = ?", c.user.ID, recID).Delete(&followRow{}).Error
		}
		return tx.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&followRow{UserID: c.user.ID, RecommendationID: recID, CreatedAt: tx.Now()}).Error
	})
}

// Unsubscribe lists: a person's digest, or their follow of one
// recommendation.
const (
	ListDigest = "digest"
	listFollow = "follow-"
)

// ListFollow names the list of notices about one recommendation.
func ListFollow(recID int64) string { return listFollow + strconv.FormatInt(recID, 10) }

// UnsubscribeURL is the one-click link that stops list for the person
// whose token it is; it works without signing in.
func (s *Store) unsubscribeURL(token, list string) string {
	return s.mail.publicURL + "/unsubscribe/" + token + "/" + list
}

// ListRequests names the update requests and reminders sent before
// meetings; their links carry the address's own token (requestOptOut).
const ListRequests = "requests"

// requestOptOutRow is an address's one-click link for update requests,
// and whether it has been used.
type requestOptOutRow struct {
	Email     string `gorm:"primaryKey"`
	Token     string
	Stopped   bool
	UpdatedAt time.Time
}

func (requestOptOutRow) TableName() string { return "request_optouts" }

// requestOptOut returns the address's row, made on first use.
func (s *Store) requestOptOut(ctx context.Context, email string) (requestOptOutRow, error) {
	email = tracker.NormaliseEmail(email)
	var row requestOptOutRow
	err := s.q(ctx).Take(&row, "email = ?", email).Error
	if err == nil {
		return row, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return row, fmt.Errorf("request opt-out: %w", err)
	}
	row = requestOptOutRow{Email: email, Token: newToken(), UpdatedAt: s.Now()}
	if err := s.q(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return row, fmt.Errorf("request opt-out: %w", err)
	}
	// Another server may have made it first: read back the one kept.
	if err := s.q(ctx).Take(&row, "email = ?", email).Error; err != nil {
		return row, fmt.Errorf("request opt-out: %w", err)
	}
	return row, nil
}

// requestsStopped lists the addresses that have stopped update requests.
func (s *Store) requestsStopped(ctx context.Context) (map[string]bool, error) {
	var emails []string
	if err := s.q(ctx).Model(&requestOptOutRow{}).Where("stopped = ?", true).Pluck("email", &emails).Error; err != nil {
		return nil, fmt.Errorf("stopped update requests: %w", err)
	}
	out := make(map[string]bool, len(emails))
	for _, e := range emails {
		out[e] = true
	}
	return out, nil
}

// stopRequests uses an update request's one-click link; what says what it
// stops, and with stop false nothing is changed (the page that asks first).
func (s *Store) stopRequests(ctx context.Context, token string, stop bool) (string, error) {
	var row requestOptOutRow
	if token == "" || s.q(ctx).Take(&row, "token = ?", token).Error != nil {
		return "", fmt.Errorf("unsubscribe link: %w", tracker.ErrNotFound)
	}
	if stop {
		if err := s.q(ctx).Model(&requestOptOutRow{}).Where("email = ?", row.Email).Updates(map[string]any{"stopped": true, "updated_at": s.Now()}).Error; err != nil {
			return "", err
		}
		return "You will get no more requests for updates before meetings, nor reminders of them.", nil
	}
	return "requests for updates before meetings, and their reminders", nil
}

// Unsubscribe stops the emails of list for the person whose token it is,
// with no sign-in: the token is the proof. It says what it stopped.
func (s *Store) Unsubscribe(ctx context.Context, token, list string) (string, error) {
	if list == ListRequests {
		return s.stopRequests(ctx, token, true)
	}
	var prefs mailPrefsRow
	if token == "" || s.q(ctx).Take(&prefs, "unsubscribe_token = ?", token).Error != nil {
		return "", fmt.Errorf("unsubscribe link: %w", tracker.ErrNotFound)
	}
	switch {
	case list == ListDigest:
		err := s.q(ctx).Model(&mailPrefsRow{}).Where("user_id = ?", prefs.UserID).Updates(map[string]any{"digest": tracker.DigestOff, "updated_at": s.Now()}).Error
		return "You will get no more digests of your actions.", err
	case strings.HasPrefix(list, listFollow):
		id, err := strconv.ParseInt(strings.TrimPrefix(list, listFollow), 10, 64)
		if err != nil {
			return "", fmt.Errorf("unsubscribe list: %w", tracker.ErrNotFound)
		}
		if err := s.q(ctx).Where("user_id = ? AND recommendation_id = ?", prefs.UserID, id).Delete(&followRow{}).Error; err != nil {
			return "", err
		}
		return "You no longer follow this recommendation, and will get no more emails about it.", nil
	}
	return "", fmt.Errorf("unsubscribe list: %w", tracker.ErrNotFound)
}

// UnsubscribeWhat says what the one-click link of token and list would
// stop, without stopping it, for the page that asks before it does: "your
// digest of your actions", or "emails about Recommendation 4 of Duty of
// Care". An unknown token, or a list that is neither, is ErrNotFound.
func (s *Store) UnsubscribeWhat(ctx context.Context, token, list string) (string, error) {
	if list == ListRequests {
		return s.stopRequests(ctx, token, false)
	}
	var prefs mailPrefsRow
	if token == "" || s.q(ctx).Take(&prefs, "unsubscribe_token = ?", token).Error != nil {
		return "", fmt.Errorf("unsubscribe link: %w", tracker.ErrNotFound)
	}
	switch {
	case list == ListDigest:
		return "your digest of your actions", nil
	case strings.HasPrefix(list, listFollow):
		id, err := strconv.ParseInt(strings.TrimPrefix(list, listFollow), 10, 64)
		if err != nil {
			return "", fmt.Errorf("unsubscribe list: %w", tracker.ErrNotFound)
		}
		f, err := s.recommendationFacts(ctx, id)
		if errors.Is(err, tracker.ErrNotFound) {
			// Deleted since: stopping its emails still makes sense.
			return "emails about a recommendation that has since been removed", nil
		}
		if err != nil {
			return "", err
		}
		return "emails about " + f.label, nil
	}
	return "", fmt.Errorf("unsubscribe list: %w", tracker.ErrNotFound)
}

package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

type userRow struct {
	ID           int64
	Email        string
	Name         string
	Role         string
	PasswordHash string
	DisabledAt   *time.Time
	Version      int
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

type userOrgRow struct {
	UserID         int64
	OrganisationID int64
}

func (userOrgRow) TableName() string { return "user_organisations" }

type sessionRow struct {
	ID         string
	UserID     int64
	CSRFToken  string `gorm:"column:csrf_token"`
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	RevokedAt  *time.Time
	UserAgent  string
	Address    string
}

func (sessionRow) TableName() string { return "sessions" }

type tokenRow struct {
	ID         int64
	UserID     int64
	Name       string
	TokenHash  string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func (tokenRow) TableName() string { return "api_tokens" }

// BcryptCost is the work factor for password hashes; tests lower it.
var BcryptCost = bcrypt.DefaultCost

// dummyHash is compared against when no account matches, so a wrong email
// takes as long as a wrong password.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no account has this password"), bcrypt.DefaultCost)

// RandomToken returns n random bytes as URL-safe text.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// GeneratedPassword is a random password of 20 URL-safe characters, for an
// account whose password nobody typed: it is shown once to whoever made it.
func GeneratedPassword() string { return RandomToken(15) }

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// CreateUser stores a new account with a hashed password.
func (s *Store) CreateUser(ctx context.Context, u tracker.User, password string) (tracker.User, error) {
	u.Email = tracker.NormaliseEmail(u.Email)
	if err := u.Validate(); err != nil {
		return u, err
	}
	if err := tracker.ValidatePassword(password); err != nil {
		return u, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return u, fmt.Errorf("hash password: %w", err)
	}
	row := userRow{Email: u.Email, Name: u.Name, Role: u.Role, PasswordHash: string(hash), Version: 1}
	err = s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(&row).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return &tracker.ValidationError{Fields: map[string]string{"email": "There is already an account for " + u.Email}}
			}
			return fmt.Errorf("create user: %w", err)
		}
		for _, org := range u.Organisations {
			if err := tx.q(ctx).Create(&userOrgRow{UserID: row.ID, OrganisationID: org}).Error; err != nil {
				return fmt.Errorf("give organisation to user: %w", err)
			}
		}
		return tx.recordCreate(ctx, EntityUser, row.ID, &row, map[string]any{"organisations": u.Organisations})
	})
	u.ID, u.Version = row.ID, row.Version
	return u, err
}

// CountUsers returns how many accounts exist; an empty tracker needs its
// first administrator before it can be used.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	if err := s.q(ctx).Model(&userRow{}).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

func (s *Store) userFromRow(ctx context.Context, row userRow) (tracker.User, error) {
	var orgs []int64
	if err := s.q(ctx).Model(&userOrgRow{}).Where("user_id = ?", row.ID).Order("organisation_id").Pluck("organisation_id", &orgs).Error; err != nil {
		return tracker.User{}, fmt.Errorf("load user organisations: %w", err)
	}
	return tracker.User{ID: row.ID, Email: row.Email, Name: row.Name, Role: row.Role, Organisations: orgs,
		Disabled: row.DisabledAt != nil, Version: row.Version}, nil
}

// User returns one account.
func (s *Store) User(ctx context.Context, id int64) (tracker.User, error) {
	var row userRow
	if err := s.q(ctx).Take(&row, id).Error; err != nil {
		return tracker.User{}, notFound(err, "user")
	}
	return s.userFromRow(ctx, row)
}

// UserByEmail returns the account with this email address.
func (s *Store) UserByEmail(ctx context.Context, email string) (tracker.User, error) {
	var row userRow
	if err := s.q(ctx).Where("email = ?", tracker.NormaliseEmail(email)).Take(&row).Error; err != nil {
		return tracker.User{}, notFound(err, "user")
	}
	return s.userFromRow(ctx, row)
}

// ListUsers returns every account by email.
func (s *Store) ListUsers(ctx context.Context) ([]tracker.User, error) {
	var rows []userRow
	if err := s.q(ctx).Order("email").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	out := make([]tracker.User, 0, len(rows))
	for _, r := range rows {
		u, err := s.userFromRow(ctx, r)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// Authenticate checks an email and password. Any mismatch, including an
// unknown email or a disabled account, is tracker.ErrBadCredentials.
func (s *Store) Authenticate(ctx context.Context, email, password string) (tracker.User, error) {
	var row userRow
	err := s.q(ctx).Where("email = ?", tracker.NormaliseEmail(email)).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return tracker.User{}, tracker.ErrBadCredentials
	}
	if err != nil {
		return tracker.User{}, fmt.Errorf("find user: %w", err)
	}
	if bcrypt.CompareHashAndPassword([]byte(row.PasswordHash), []byte(password)) != nil || row.DisabledAt != nil {
		return tracker.User{}, tracker.ErrBadCredentials
	}
	return s.userFromRow(ctx, row)
}

// ChangePassword checks the current password, stores the new one and ends
// every other session of the account.
func (s *Store) ChangePassword(ctx context.Context, userID int64, current, next, keepSession string) error {
	var row userRow
	if err := s.q(ctx).Take(&row, userID).Error; err != nil {
		return notFound(err, "user")
	}
	if bcrypt.CompareHashAndPassword([]byte(row.PasswordHash), []byte(current)) != nil {
		return &tracker.ValidationError{Fields: map[string]string{"current": "Your current password is wrong"}}
	}
	if err := tracker.ValidatePassword(next); err != nil {
		return &tracker.ValidationError{Fields: map[string]string{"new": err.(*tracker.ValidationError).Fields["password"]}}
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(next), BcryptCost)
	if err != nil {
		return fmt.Errorf("hash password: %w", err)
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Model(&userRow{}).Where("id = ?", userID).
			Updates(map[string]any{"password_hash": string(hash), "version": gorm.Expr("version + 1")}).Error; err != nil {
			return fmt.Errorf("store password: %w", err)
		}
		if err := tx.record(ctx, EntityUser, userID, tracker.OpUpdate, []tracker.Change{{Field: "password", Old: "(hidden)", New: "(changed)"}}); err != nil {
			return err
		}
		return tx.q(ctx).Model(&sessionRow{}).Where("user_id = ? AND id <> ? AND revoked_at IS NULL", userID, hashToken(keepSession)).
			Update("revoked_at", tx.Now()).Error
	})
}

// RevokeTokens revokes every live API token of an account, as when its
// password changes, and says how many it revoked.
func (s *Store) RevokeTokens(ctx context.Context, userID int64) (int64, error) {
	res := s.q(ctx).Model(&tokenRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", s.Now())
	if res.Error != nil {
		return 0, fmt.Errorf("revoke tokens: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// PasswordReset says what an administrator's reset of a password ended.
type PasswordReset struct {
	Tokens   int // API tokens revoked
	Sessions int // sessions signed out
}

// ResetPassword gives an account a new password, as an administrator does
// for someone who has forgotten theirs or whose password others may know.
// Whoever knew the old one may have signed in or made a token with it, so
// every API token of the account is revoked and every session ended, in
// the same transaction; the reset is recorded as the actor of ctx.
func (s *Store) ResetPassword(ctx context.Context, userID int64, password string) (PasswordReset, error) {
	var done PasswordReset
	if err := tracker.ValidatePassword(password); err != nil {
		return done, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return done, fmt.Errorf("hash password: %w", err)
	}
	err = s.Tx(ctx, func(tx *Store) error {
		res := tx.q(ctx).Model(&userRow{}).Where("id = ?", userID).
			Updates(map[string]any{"password_hash": string(hash), "version": gorm.Expr("version + 1"), "updated_at": tx.Now()})
		if res.Error != nil {
			return fmt.Errorf("store password: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fmt.Errorf("user %d: %w", userID, tracker.ErrNotFound)
		}
		now := tx.Now()
		toks := tx.q(ctx).Model(&tokenRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", now)
		if toks.Error != nil {
			return fmt.Errorf("revoke tokens: %w", toks.Error)
		}
		sess := tx.q(ctx).Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, now).Update("revoked_at", now)
		if sess.Error != nil {
			return fmt.Errorf("end sessions: %w", sess.Error)
		}
		done = PasswordReset{Tokens: int(toks.RowsAffected), Sessions: int(sess.RowsAffected)}
		return tx.record(ctx, EntityUser, userID, tracker.OpUpdate, []tracker.Change{
			{Field: "password", Old: "(hidden)", New: "(reset by an administrator)"},
			{Field: "api_tokens_revoked", Old: nil, New: done.Tokens},
			{Field: "sessions_ended", Old: nil, New: done.Sessions},
		})
	})
	if err != nil {
		return PasswordReset{}, err
	}
	return done, nil
}

// LiveCredentials counts an account's API tokens that still work and its
// sessions that have not ended, so that the reset page can say what a
// reset will end.
func (s *Store) LiveCredentials(ctx context.Context, userID int64) (PasswordReset, error) {
	var toks, sessions int64
	if err := s.q(ctx).Model(&tokenRow{}).Where("user_id = ? AND revoked_at IS NULL", userID).Count(&toks).Error; err != nil {
		return PasswordReset{}, fmt.Errorf("count tokens: %w", err)
	}
	if err := s.q(ctx).Model(&sessionRow{}).Where("user_id = ? AND revoked_at IS NULL AND expires_at > ?", userID, s.Now()).Count(&sessions).Error; err != nil {
		return PasswordReset{}, fmt.Errorf("count sessions: %w", err)
	}
	return PasswordReset{Tokens: int(toks), Sessions: int(sessions)}, nil
}

// Session is a signed-in browser.
type Session struct {
	Token string // only known when the session is created
	CSRF  string
	User  tracker.User
}

// SessionLifetime is how long a session lasts without use.
const SessionLifetime = 12 * time.Hour

// CreateSession starts a session for a user; the token goes in the cookie
// and only its hash is stored.
func (s *Store) CreateSession(ctx context.Context, u tracker.User, userAgent, address string) (Session, error) {
	token := RandomToken(32)
	now := s.Now()
	row := sessionRow{ID: hashToken(token), UserID: u.ID, CSRFToken: RandomToken(32), CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(SessionLifetime), UserAgent: truncateText(userAgent, 300), Address: address}
	if err := s.q(ctx).Create(&row).Error; err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	return Session{Token: token, CSRF: row.CSRFToken, User: u}, nil
}

// SessionByToken returns the live session for a cookie token and extends
// it; an unknown, expired or revoked one is tracker.ErrNotFound.
func (s *Store) SessionByToken(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, tracker.ErrNotFound
	}
	var row sessionRow
	now := s.Now()
	err := s.q(ctx).Where("id = ? AND revoked_at IS NULL AND expires_at > ?", hashToken(token), now).Take(&row).Error
	if err != nil {
		return Session{}, notFound(err, "session")
	}
	u, err := s.User(ctx, row.UserID)
	if err != nil {
		return Session{}, err
	}
	if u.Disabled {
		return Session{}, fmt.Errorf("session of a disabled account: %w", tracker.ErrNotFound)
	}
	if now.Sub(row.LastSeenAt) > time.Minute {
		s.q(ctx).Model(&sessionRow{}).Where("id = ?", row.ID).
			Updates(map[string]any{"last_seen_at": now, "expires_at": now.Add(SessionLifetime)})
	}
	return Session{CSRF: row.CSRFToken, User: u}, nil
}

// RevokeSession ends a session (sign out).
func (s *Store) RevokeSession(ctx context.Context, token string) error {
	return s.q(ctx).Model(&sessionRow{}).Where("id = ?", hashToken(token)).Update("revoked_at", s.Now()).Error
}

// CreateToken makes a named API token for a user and returns it in plain
// text, the only time it is seen; only its hash is stored.
func (s *Store) CreateToken(ctx context.Context, userID int64, name string) (string, tracker.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", tracker.APIToken{}, &tracker.ValidationError{Fields: map[string]string{"name": "Give the token a name that says what uses it"}}
	}
	plain := "trk_" + RandomToken(30)
	row := tokenRow{UserID: userID, Name: name, TokenHash: hashToken(plain), CreatedAt: s.Now()}
	if err := s.q(ctx).Create(&row).Error; err != nil {
		return "", tracker.APIToken{}, fmt.Errorf("create token: %w", err)
	}
	return plain, tokenDomain(row), nil
}

func tokenDomain(r tokenRow) tracker.APIToken {
	t := tracker.APIToken{ID: r.ID, UserID: r.UserID, Name: r.Name, Created: r.CreatedAt.UTC().Format("2 January 2006 15:04"), Revoked: r.RevokedAt != nil}
	if r.LastUsedAt != nil {
		t.LastUsed = r.LastUsedAt.UTC().Format("2 January 2006 15:04")
	}
	return t
}

// TokenUser returns the account of a live API token and notes its use.
func (s *Store) TokenUser(ctx context.Context, plain string) (tracker.User, error) {
	var row tokenRow
	if err := s.q(ctx).Where("token_hash = ? AND revoked_at IS NULL", hashToken(plain)).Take(&row).Error; err != nil {
		return tracker.User{}, notFound(err, "token")
	}
	u, err := s.User(ctx, row.UserID)
	if err != nil {
		return u, err
	}
	if u.Disabled {
		return tracker.User{}, fmt.Errorf("token of a disabled account: %w", tracker.ErrNotFound)
	}
	s.q(ctx).Model(&tokenRow{}).Where("id = ?", row.ID).Update("last_used_at", s.Now())
	return u, nil
}

// Tokens lists a user's tokens, newest first.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]tracker.APIToken, error) {
	var rows []tokenRow
	if err := s.q(ctx).Where("user_id = ?", userID).Order("id DESC").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	out := make([]tracker.APIToken, len(rows))
	for i, r := range rows {
		out[i] = tokenDomain(r)
	}
	return out, nil
}

// RevokeToken ends one of the user's own tokens.
func (s *Store) RevokeToken(ctx context.Context, userID, tokenID int64) error {
	res := s.q(ctx).Model(&tokenRow{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", tokenID, userID).Update("revoked_at", s.Now())
	if res.Error != nil {
		return fmt.Errorf("revoke token: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("token %d: %w", tokenID, tracker.ErrNotFound)
	}
	return nil
}

func truncateText(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

type signinFailureRow struct {
	ID      int64
	Kind    string
	Subject string
	At      time.Time
}

func (signinFailureRow) TableName() string { return "signin_failures" }

// What a failed sign-in is counted against.
const (
	FailedAccount = "account" // the email address typed
	FailedAddress = "address" // the client's address
)

// maxFailureSubject bounds what is stored of a typed email address: no
// real address is longer, and a guess of a megabyte is not kept whole.
const maxFailureSubject = 320

// RecordSignInFailure notes a failed sign-in at `at` against the email and
// against the address, and forgets every failure from before `forget`, so
// guessed emails and passing addresses do not pile up. The times come from
// the caller's clock, the same one SignInFailures is asked with.
func (s *Store) RecordSignInFailure(ctx context.Context, email, address string, at, forget time.Time) error {
	rows := []signinFailureRow{
		{Kind: FailedAccount, Subject: truncateText(email, maxFailureSubject), At: at.UTC()},
		{Kind: FailedAddress, Subject: truncateText(address, maxFailureSubject), At: at.UTC()},
	}
	return s.Tx(ctx, func(tx *Store) error {
		if err := tx.q(ctx).Create(&rows).Error; err != nil {
			return fmt.Errorf("record failed sign-in: %w", err)
		}
		if err := tx.q(ctx).Where("at < ?", forget.UTC()).Delete(&signinFailureRow{}).Error; err != nil {
			return fmt.Errorf("forget old failed sign-ins: %w", err)
		}
		return nil
	})
}

// SignInFailures returns the times of the newest failures, at most n, of
// kind (FailedAccount or FailedAddress) against subject since `since`,
// newest first.
func (s *Store) SignInFailures(ctx context.Context, kind, subject string, since time.Time, n int) ([]time.Time, error) {
	var at []time.Time
	err := s.q(ctx).Model(&signinFailureRow{}).Where("kind = ? AND subject = ? AND at >= ?", kind, truncateText(subject, maxFailureSubject), since.UTC()).
		Order("at DESC").Limit(n).Pluck("at", &at).Error
	if err != nil {
		return nil, fmt.Errorf("read failed sign-ins: %w", err)
	}
	return at, nil
}

// ClearSignInFailures forgets the failures against an account, after its
// right password was given.
func (s *Store) ClearSignInFailures(ctx context.Context, email string) error {
	err := s.q(ctx).Where("kind = ? AND subject = ?", FailedAccount, truncateText(email, maxFailureSubject)).Delete(&signinFailureRow{}).Error
	if err != nil {
		return fmt.Errorf("clear failed sign-ins: %w", err)
	}
	return nil
}

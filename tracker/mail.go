package tracker

import (
	"fmt"
	"time"
	// Europe/London is known even where the system has no zone files.
	_ "time/tzdata"
)

// Email statuses: queued until the SMTP server accepts it (retried with
// backoff meanwhile, the last failure kept), sent once it has, failed when
// the queue gave up.
const (
	EmailQueued = "queued"
	EmailSent   = "sent"
	EmailFailed = "failed"
)

// Email kinds.
const (
	EmailDigest = "digest"
	EmailNotice = "notice"
)

// Digest frequencies a person can choose.
const (
	DigestOff    = "off"
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
)

// DigestChoices lists the digest frequencies for the account page.
var DigestChoices = []Option{
	{DigestOff, "No digest"},
	{DigestDaily, "Daily, each morning"},
	{DigestWeekly, "Weekly, on Monday mornings"},
}

// Email is one email the tracker sent or will send, as the log shows it.
type Email struct {
	ID             int64
	Kind           string
	UserID         *int64
	To             string
	Subject        string
	Text           string
	HTML           string
	UnsubscribeURL string
	Status         string
	Attempts       int
	LastError      string
	CreatedAt      time.Time
	SentAt         *time.Time
}

// MailPrefs is what email a person wants: a digest of their actions due
// within DigestDays days and overdue, daily, weekly or not at all.
type MailPrefs struct {
	Digest     string
	DigestDays int
}

// Validate checks a person's mail preferences.
func (p MailPrefs) Validate() error {
	var v ValidationError
	oneOf(&v, "digest", p.Digest, DigestChoices, "Choose how often to get a digest")
	if p.DigestDays < 1 || p.DigestDays > 90 {
		v.Add("digest_days", "Enter a number of days from 1 to 90")
	}
	return v.Err()
}

// London is the time zone digests are sent in: a daily digest goes out
// each morning from 7:00 London time, a weekly one on Mondays.
var London = mustZone("Europe/London")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// DigestHour is the hour, London time, from which the day's digests are due.
const DigestHour = 7

// DigestPeriod says whether a digest of frequency is due at now and names
// the period it covers ("2026-03-02" for a day, "2026-W10" for a week), so
// each person gets one digest a period. today is the London day, as a date.
func DigestPeriod(frequency string, now time.Time) (period string, today time.Time, due bool) {
	local := now.In(London)
	today = time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	switch frequency {
	case DigestDaily:
		return today.Format("2006-01-02"), today, local.Hour() >= DigestHour
	case DigestWeekly:
		y, w := local.ISOWeek()
		monday := local.Weekday() == time.Monday
		return fmt.Sprintf("%d-W%02d", y, w), today,
			!monday || local.Hour() >= DigestHour
	}
	return "", today, false
}

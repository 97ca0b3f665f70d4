package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/jobs"
	"github.com/civic-tracker/tracker/tracker/mail"
	"github.com/civic-tracker/tracker/tracker/store"
)

// smtpSender reads TRACKER_SMTP_URL; nil when it is not set.
func smtpSender() (*mail.Sender, error) {
	raw := os.Getenv("TRACKER_SMTP_URL")
	if raw == "" {
		return nil, nil
	}
	cfg, err := mail.ParseURL(raw)
	if err != nil {
		return nil, err
	}
	return mail.NewSender(cfg), nil
}

// startQueue opens the job queue on s and starts working it: emails over
// SMTP, digests looked for every digestEvery (negative: never).
func startQueue(ctx context.Context, s *store.Store, dsn string, digestEvery time.Duration) (*jobs.Queue, error) {
	sender, err := smtpSender()
	if err != nil {
		return nil, err
	}
	q, err := jobs.Open(ctx, s, dsn, jobs.Options{Sender: sender, Work: true, DigestEvery: digestEvery})
	if err != nil {
		return nil, err
	}
	if err := q.Start(ctx); err != nil {
		return nil, err
	}
	return q, nil
}

func stopQueue(q *jobs.Queue) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = q.Stop(ctx)
}

func remindersCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "send" {
		return errors.New("usage: tracker reminders send [--dry-run] [--db DB]")
	}
	var c config
	fs := newFlags("reminders send", out)
	dbFlag(fs, &c)
	dry := fs.Bool("dry-run", false, "list the digests due now without sending them")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	due, err := s.DueDigests(ctx, s.Now())
	if err != nil {
		return err
	}
	if *dry {
		for _, d := range due {
			e := s.DigestEmail(d)
			fmt.Fprintf(out, "would send\t%s\t%s\n", e.To, e.Subject)
		}
		fmt.Fprintf(out, "%d digests due.\n", len(due))
		return nil
	}
	q, err := startQueue(ctx, s, c.DB, -1)
	if err != nil {
		return err
	}
	defer stopQueue(q)
	queued, err := s.QueueDigests(ctx, due)
	if err != nil {
		return err
	}
	for _, e := range queued {
		got := waitTried(ctx, s, e.ID, time.Minute)
		if got.Status == tracker.EmailSent {
			fmt.Fprintf(out, "sent\t%s\t%s\n", got.To, got.Subject)
		} else {
			fmt.Fprintf(out, "queued\t%s\t%s\t(not delivered yet: %s; a running server retries it)\n", got.To, got.Subject, got.LastError)
		}
	}
	fmt.Fprintf(out, "%d digests due, %d queued by this run.\n", len(due), len(queued))
	return nil
}

// waitTried waits until the queue has tried to send email id once.
func waitTried(ctx context.Context, s *store.Store, id int64, within time.Duration) tracker.Email {
	deadline := time.Now().Add(within)
	for {
		e, err := s.Email(ctx, id)
		if err != nil || e.Attempts > 0 || time.Now().After(deadline) || ctx.Err() != nil {
			return e
		}
		time.Sleep(100 * time.Millisecond)
	}
}

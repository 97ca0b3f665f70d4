package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

const meetingUsage = "usage: tracker meeting list [--body NAME]\n" +
	"       tracker meeting add --body NAME --date DATE --papers DATE [--notes TEXT]\n" +
	"       tracker meeting set --meeting ID [--date DATE] [--papers DATE] [--status planned|papers_issued|held] [--notes TEXT]\n" +
	"       tracker meeting request-updates --meeting ID [--dry-run]\n" +
	"       tracker meeting remind --meeting ID [--dry-run]"

// meetingCmd lists, adds and changes meetings, through the same commands
// as the pages, as the command line's actor.
func meetingCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New(meetingUsage)
	}
	var c config
	var body, date, papers, status, notes string
	var id int64
	var dry bool
	fs := newFlags("meeting "+args[0], out)
	dbFlag(fs, &c)
	switch args[0] {
	case "request-updates", "remind":
		fs.Int64Var(&id, "meeting", 0, "the meeting's id, as tracker meeting list shows it")
		fs.BoolVar(&dry, "dry-run", false, "list the emails without sending them")
	case "list":
		fs.StringVar(&body, "body", "", "only the meetings of this body (its name, short name or part of its name)")
	case "add", "set":
		if args[0] == "add" {
			fs.StringVar(&body, "body", "", "the committee, sub-committee or board that meets")
		} else {
			fs.Int64Var(&id, "meeting", 0, "the meeting's id, as tracker meeting list shows it")
			fs.StringVar(&status, "status", "", "planned, papers_issued (freezes the schedule) or held")
		}
		fs.StringVar(&date, "date", "", "the day of the meeting, like 2022-04-24 or 24/04/2022")
		fs.StringVar(&papers, "papers", "", "the papers deadline, on or before the meeting")
		fs.StringVar(&notes, "notes", "", "the secretary's notes")
	default:
		return errors.New(meetingUsage)
	}
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx = tracker.WithActor(ctx, tracker.Actor{Name: "tracker meeting " + args[0], Channel: tracker.ChannelCommand})
	switch args[0] {
	case "list":
		return meetingList(ctx, s, body, out)
	case "add":
		return meetingAdd(ctx, s, body, date, papers, notes, out)
	case "request-updates", "remind":
		return meetingSend(ctx, s, c.DB, args[0], id, dry, out)
	}
	ch := meetingChange{date: date, papers: papers, status: status, notes: notes}
	fs.Visit(func(f *flag.Flag) { ch.notesSet = ch.notesSet || f.Name == "notes" })
	return meetingSet(ctx, s, id, ch, out)
}

func meetingList(ctx context.Context, s *store.Store, body string, out io.Writer) error {
	f := store.MeetingFilter{Page: tracker.AllRows}
	if body != "" {
		o, err := findBody(ctx, s, body)
		if err != nil {
			return err
		}
		f.BodyID = o.ID
	}
	list, _, err := s.ListMeetings(ctx, f)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(out, "No meetings.")
		return nil
	}
	for _, m := range list {
		fmt.Fprintf(out, "%d\t%s\tpapers %s\t%s\t%s\n", m.ID, tracker.FormatDate(m.Date), tracker.FormatDate(m.PapersDeadline), tracker.MeetingStatusLabel(m.Status), m.Body.Name)
	}
	return nil
}

func findBody(ctx context.Context, s *store.Store, name string) (tracker.Organisation, error) {
	orgs, err := s.Organisations(ctx)
	if err != nil {
		return tracker.Organisation{}, err
	}
	return findOrganisation(orgs, name)
}

// readDay reads an optional date flag; empty is the zero time.
func readDay(flag, text string) (tracker.Meeting, error) {
	var m tracker.Meeting
	if text == "" {
		return m, nil
	}
	d, err := tracker.ParseDate(text)
	if err != nil {
		return m, fmt.Errorf("--%s: %w", flag, err)
	}
	m.Date = d
	return m, nil
}

func meetingAdd(ctx context.Context, s *store.Store, body, date, papers, notes string, out io.Writer) error {
	if body == "" {
		return errors.New("say which body meets: --body NAME")
	}
	o, err := findBody(ctx, s, body)
	if err != nil {
		return err
	}
	d, err := readDay("date", date)
	if err != nil {
		return err
	}
	p, err := readDay("papers", papers)
	if err != nil {
		return err
	}
	m, err := s.As(tracker.SystemUser()).CreateMeeting(ctx, tracker.Meeting{BodyID: o.ID, Date: d.Date, PapersDeadline: p.Date, Notes: notes})
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(out, "Added meeting %d: %s, papers due %s.\n", m.ID, m.Heading(), tracker.FormatDate(m.PapersDeadline))
	return nil
}

type meetingChange struct {
	date, papers, status, notes string
	notesSet                    bool
}

func meetingSet(ctx context.Context, s *store.Store, id int64, ch meetingChange, out io.Writer) error {
	if id == 0 {
		return errors.New("say which meeting: --meeting ID (tracker meeting list shows the ids)")
	}
	m, err := s.Meeting(ctx, id)
	if errors.Is(err, tracker.ErrNotFound) {
		return fmt.Errorf("there is no meeting %d; tracker meeting list shows the meetings", id)
	}
	if err != nil {
		return err
	}
	if d, err := readDay("date", ch.date); err != nil {
		return err
	} else if !d.Date.IsZero() {
		m.Date = d.Date
	}
	if p, err := readDay("papers", ch.papers); err != nil {
		return err
	} else if !p.Date.IsZero() {
		m.PapersDeadline = p.Date
	}
	if ch.status != "" {
		m.Status = ch.status
	}
	if ch.notesSet {
		m.Notes = ch.notes
	}
	m, err = s.As(tracker.SystemUser()).UpdateMeeting(ctx, m)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(out, "Meeting %d: %s, papers due %s, %s.\n", m.ID, m.Heading(), tracker.FormatDate(m.PapersDeadline), strings.ToLower(tracker.MeetingStatusLabel(m.Status)))
	return nil
}

// meetingSend asks the owners of the meeting's open actions for updates,
// or reminds those who have not posted them, through the same commands as
// the meeting's page, printing one line per email: sent, or queued with
// why it is not delivered yet. --dry-run prints what would be sent.
func meetingSend(ctx context.Context, s *store.Store, dsn, what string, id int64, dry bool, out io.Writer) error {
	if id == 0 {
		return errors.New("say which meeting: --meeting ID (tracker meeting list shows the ids)")
	}
	m, err := s.Meeting(ctx, id)
	if errors.Is(err, tracker.ErrNotFound) {
		return fmt.Errorf("there is no meeting %d; tracker meeting list shows the meetings", id)
	}
	if err != nil {
		return err
	}
	if closed := tracker.UpdateRequestsClosed(m, s.Now()); closed != "" {
		return errors.New(closed)
	}
	if dry {
		return meetingDryRun(ctx, s, what, id, out)
	}
	q, err := startQueue(ctx, s, dsn, -1)
	if err != nil {
		return err
	}
	defer stopQueue(q)
	cmds := s.As(tracker.SystemUser())
	var sent []tracker.Email
	if what == "remind" {
		sent, err = cmds.RemindOwners(ctx, id)
	} else {
		sent, err = cmds.RequestUpdates(ctx, id, 0)
	}
	if err != nil {
		return userError(err)
	}
	for _, e := range sent {
		got := waitTried(ctx, s, e.ID, time.Minute)
		if got.Status == tracker.EmailSent {
			fmt.Fprintf(out, "sent\t%s\t%s\n", got.To, got.Subject)
		} else {
			fmt.Fprintf(out, "queued\t%s\t%s\t(not delivered yet: %s; a running server retries it)\n", got.To, got.Subject, got.LastError)
		}
	}
	fmt.Fprintf(out, "%s: %d emails.\n", m.Heading(), len(sent))
	return nil
}

func meetingDryRun(ctx context.Context, s *store.Store, what string, id int64, out io.Writer) error {
	var drafts []tracker.Email
	var unreachable []tracker.UnreachableOwner
	if what == "remind" {
		st, emails, err := s.DraftReminders(ctx, id, "")
		if err != nil {
			return err
		}
		if st.Rounds == 0 {
			return errors.New("no update requests have been sent for this meeting yet: send them first (tracker meeting request-updates)")
		}
		drafts = emails
	} else {
		p, emails, err := s.DraftUpdateRequests(ctx, id, "")
		if err != nil {
			return err
		}
		drafts, unreachable = emails, p.Unreachable
	}
	for _, e := range drafts {
		fmt.Fprintf(out, "would send\t%s\t%s\n", e.To, e.Subject)
	}
	for _, u := range unreachable {
		owner := u.Owner
		if owner == "" {
			owner = "(no owner named)"
		}
		n := fmt.Sprintf("%d actions", len(u.Actions))
		if len(u.Actions) == 1 {
			n = "1 action"
		}
		fmt.Fprintf(out, "cannot reach\t%s\t%s: link the owner to an account or an address\n", owner, n)
	}
	fmt.Fprintf(out, "%d emails would be sent.\n", len(drafts))
	return nil
}

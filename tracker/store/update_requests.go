package store

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/mail"
)

// Update requests before a meeting, and reminders to those who have not
// updated. "Updated since the request" means an update on the action was
// entered (typed in) at or after the moment the request was sent, whatever
// date the update itself carries: an owner who answers by writing up work
// done last month has still answered the request.

// Kinds of update request row.
const (
	requestKind  = "request"
	reminderKind = "reminder"
)

type updateRequestRow struct {
	ID          int64
	MeetingID   int64
	Kind        string
	RoundNo     int
	OwnerKey    string
	OwnerUserID *int64
	OwnerEmail  string
	OwnerName   string
	EmailID     *int64
	SentBy      string
	SentAt      time.Time
}

func (updateRequestRow) TableName() string { return "update_requests" }

type updateRequestActionRow struct {
	RequestID int64 `gorm:"primaryKey"`
	ActionID  int64 `gorm:"primaryKey"`
}

func (updateRequestActionRow) TableName() string { return "update_request_actions" }

// UpdateRequestPlan says what sending update requests for a meeting would
// do now: one email per owner of an open action on the meeting's schedule
// who can be reached, and the owners who cannot. It writes nothing.
func (s *Store) UpdateRequestPlan(ctx context.Context, meetingID int64) (tracker.UpdateRequestPlan, error) {
	sc, err := s.Schedule(ctx, meetingID)
	if err != nil {
		return tracker.UpdateRequestPlan{}, err
	}
	return s.updateRequestPlan(ctx, sc)
}

func (s *Store) updateRequestPlan(ctx context.Context, sc tracker.Schedule) (tracker.UpdateRequestPlan, error) {
	p := tracker.UpdateRequestPlan{Meeting: sc.Meeting, Closed: tracker.UpdateRequestsClosed(sc.Meeting, s.Now())}
	rounds, err := s.lastRound(ctx, sc.Meeting.ID, requestKind)
	if err != nil {
		return p, err
	}
	p.Round = rounds + 1
	listed := make([]int64, len(sc.Items))
	for i, it := range sc.Items {
		listed[i] = it.Reference.ID
	}
	// An issued schedule keeps its references as they were; one closed
	// since has no one left to ask.
	var refIDs []int64
	if err := findIn(func() *gorm.DB {
		return s.q(ctx).Model(&referenceRow{}).Select("id").Where("status <> ?", tracker.RefClosed)
	}, "id IN ?", listed, &refIDs); err != nil {
		return p, fmt.Errorf("the schedule's open references: %w", err)
	}
	if len(refIDs) == 0 {
		return p, nil
	}
	var rows []actionRow
	if err := findIn(func() *gorm.DB {
		return s.q(ctx).Where("status IN ?", []string{tracker.ActNotStarted, tracker.ActInProgress}).Order("id")
	}, "reference_id IN ?", refIDs, &rows); err != nil {
		return p, fmt.Errorf("load the schedule's open actions: %w", err)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	stopped, err := s.requestsStopped(ctx)
	if err != nil {
		return p, err
	}
	byKey := map[string]int{}
	unreachable := map[string]int{}
	users := map[int64]*tracker.User{}
	for _, r := range rows {
		a := r.domain()
		o, err := s.ownerOf(ctx, a, users)
		if err != nil {
			return p, err
		}
		if o.Key == "" || stopped[o.Email] {
			name, halted := strings.TrimSpace(a.Owner), o.Key != ""
			if halted {
				name = o.Name
			}
			i, ok := unreachable[name+"\x00"+strconv.FormatBool(halted)]
			if !ok {
				i = len(p.Unreachable)
				unreachable[name+"\x00"+strconv.FormatBool(halted)] = i
				p.Unreachable = append(p.Unreachable, tracker.UnreachableOwner{Owner: name, Stopped: halted})
			}
			p.Unreachable[i].Actions = append(p.Unreachable[i].Actions, a)
			continue
		}
		i, ok := byKey[o.Key]
		if !ok {
			i = len(p.Owners)
			byKey[o.Key] = i
			p.Owners = append(p.Owners, o)
		}
		p.Owners[i].Actions = append(p.Owners[i].Actions, a)
	}
	return p, nil
}

// ownerOf is who an email about action a reaches: its linked account
// (when not disabled), else its address; a zero Key when neither.
func (s *Store) ownerOf(ctx context.Context, a tracker.Action, users map[int64]*tracker.User) (tracker.UpdateOwner, error) {
	if a.OwnerUserID != nil {
		u, seen := users[*a.OwnerUserID]
		if !seen {
			got, err := s.User(ctx, *a.OwnerUserID)
			if err == nil {
				u = &got
			} else if !isNotFound(err) {
				return tracker.UpdateOwner{}, err
			}
			users[*a.OwnerUserID] = u
		}
		if u != nil && !u.Disabled && u.Email != "" {
			id := u.ID
			return tracker.UpdateOwner{Key: "user-" + strconv.FormatInt(id, 10), UserID: &id, Email: u.Email, Name: u.Label()}, nil
		}
	}
	if e := tracker.NormaliseEmail(a.OwnerEmail); e != "" {
		name := strings.TrimSpace(a.Owner)
		if name == "" {
			name = e
		}
		return tracker.UpdateOwner{Key: "email-" + e, Email: e, Name: name}, nil
	}
	return tracker.UpdateOwner{}, nil
}

func isNotFound(err error) bool { return errors.Is(err, tracker.ErrNotFound) }

// lastRound is the number of the meeting's latest round of kind, 0 when
// there has been none.
func (s *Store) lastRound(ctx context.Context, meetingID int64, kind string) (int, error) {
	var n *int
	if err := s.q(ctx).Model(&updateRequestRow{}).Where("meeting_id = ? AND kind = ?", meetingID, kind).Select("MAX(round_no)").Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("update request rounds: %w", err)
	}
	if n == nil {
		return 0, nil
	}
	return *n, nil
}

// requestDraft is one email a send would queue, with what its row records.
type requestDraft struct {
	owner   tracker.UpdateOwner
	actions []tracker.Action
	email   tracker.Email
	key     string
}

// draftRequest writes the email asking (or reminding) one owner.
func (s *Store) draftRequest(ctx context.Context, m tracker.Meeting, o tracker.UpdateOwner, actions []tracker.Action, by string, reminder *time.Time) (tracker.Email, error) {
	base := s.mail.publicURL
	r := mail.UpdateRequest{Name: o.Name, Meeting: m.Heading(), Papers: tracker.FormatDate(m.PapersDeadline), By: by,
		MeetingURL: fmt.Sprintf("%s/meetings/%d", base, m.ID)}
	if reminder != nil {
		r.Reminder, r.Requested = true, tracker.FormatDate(reminder.In(tracker.London))
	}
	refs := map[int64]string{}
	for _, a := range actions {
		l := mail.RequestLine{Description: a.Description, URL: fmt.Sprintf("%s/actions/%d#post-update", base, a.ID)}
		if a.DueDate != nil {
			l.Due = tracker.FormatDate(*a.DueDate)
		}
		if a.ReferenceID != nil {
			name, ok := refs[*a.ReferenceID]
			if !ok {
				if ref, err := s.referenceOf(ctx, *a.ReferenceID); err == nil {
					name = "Outstanding Reference " + tracker.Reference{Number: ref.Number, Title: ref.Title}.Heading()
				}
				refs[*a.ReferenceID] = name
			}
			l.Reference = name
		}
		r.Actions = append(r.Actions, l)
	}
	optOut, err := s.requestOptOut(ctx, o.Email)
	if err != nil {
		return tracker.Email{}, err
	}
	r.UnsubscribeURL = s.unsubscribeURL(optOut.Token, ListRequests)
	subject, text, html := mail.UpdateRequestEmail(r)
	kind := tracker.EmailUpdateRequest
	if reminder != nil {
		kind = tracker.EmailUpdateReminder
	}
	return tracker.Email{Kind: kind, UserID: o.UserID, To: o.Email, Subject: subject, Text: text, HTML: html, UnsubscribeURL: r.UnsubscribeURL}, nil
}

func requestKey(kind string, meetingID int64, owner string, round int) string {
	return fmt.Sprintf("%s:%d:%s:%d", kind, meetingID, owner, round)
}

// DraftUpdateRequests writes, without sending, the emails a send of update
// requests for the meeting would queue now, with the plan they come from.
func (s *Store) DraftUpdateRequests(ctx context.Context, meetingID int64, by string) (tracker.UpdateRequestPlan, []tracker.Email, error) {
	p, err := s.UpdateRequestPlan(ctx, meetingID)
	if err != nil {
		return p, nil, err
	}
	drafts, err := s.requestDrafts(ctx, p, by)
	return p, emailsOf(drafts), err
}

func (s *Store) requestDrafts(ctx context.Context, p tracker.UpdateRequestPlan, by string) ([]requestDraft, error) {
	out := make([]requestDraft, 0, len(p.Owners))
	for _, o := range p.Owners {
		e, err := s.draftRequest(ctx, p.Meeting, o, o.Actions, by, nil)
		if err != nil {
			return nil, err
		}
		out = append(out, requestDraft{owner: o, actions: o.Actions, email: e, key: requestKey(requestKind, p.Meeting.ID, o.Key, p.Round)})
	}
	return out, nil
}

// DraftReminders writes, without sending, the reminders a send would queue
// now: one to each owner asked who has not updated every open action
// they were asked about, listing those actions.
func (s *Store) DraftReminders(ctx context.Context, meetingID int64, by string) (tracker.UpdateRequestStatus, []tracker.Email, error) {
	st, err := s.UpdateRequestStatus(ctx, meetingID)
	if err != nil {
		return st, nil, err
	}
	_, drafts, err := s.reminderDrafts(ctx, st, by)
	return st, emailsOf(drafts), err
}

func (s *Store) reminderDrafts(ctx context.Context, st tracker.UpdateRequestStatus, by string) (int, []requestDraft, error) {
	last, err := s.lastRound(ctx, st.Meeting.ID, reminderKind)
	if err != nil {
		return 0, nil, err
	}
	round := last + 1
	stopped, err := s.requestsStopped(ctx)
	if err != nil {
		return 0, nil, err
	}
	var out []requestDraft
	for _, o := range st.NotUpdated() {
		if stopped[o.Owner.Email] {
			continue // they stopped these emails since they were asked
		}
		waiting := o.Waiting()
		asked := o.RequestedAt
		e, err := s.draftRequest(ctx, st.Meeting, o.Owner, waiting, by, &asked)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, requestDraft{owner: o.Owner, actions: waiting, email: e, key: requestKey(reminderKind, st.Meeting.ID, o.Owner.Key, round)})
	}
	return round, out, nil
}

func emailsOf(drafts []requestDraft) []tracker.Email {
	out := make([]tracker.Email, len(drafts))
	for i, d := range drafts {
		out[i] = d.email
	}
	return out
}

// queueDrafts queues each draft's email under its dedupe key and records
// the row saying whom it asked about what; a draft whose key was used
// already (the same round sent twice at once) is skipped.
func (s *Store) queueDrafts(ctx context.Context, meetingID int64, kind string, round int, by string, drafts []requestDraft) ([]tracker.Email, error) {
	var out []tracker.Email
	for _, d := range drafts {
		e, queued, err := s.queueEmail(ctx, d.email, d.key)
		if err != nil {
			return out, err
		}
		if !queued {
			continue
		}
		id := e.ID
		row := updateRequestRow{MeetingID: meetingID, Kind: kind, RoundNo: round, OwnerKey: d.owner.Key, OwnerUserID: d.owner.UserID,
			OwnerEmail: d.owner.Email, OwnerName: d.owner.Name, EmailID: &id, SentBy: by, SentAt: s.Now()}
		if err := s.q(ctx).Create(&row).Error; err != nil {
			return out, fmt.Errorf("record the update request to %s: %w", d.owner.Email, err)
		}
		links := make([]updateRequestActionRow, len(d.actions))
		for i, a := range d.actions {
			links[i] = updateRequestActionRow{RequestID: row.ID, ActionID: a.ID}
		}
		if len(links) > 0 {
			if err := s.q(ctx).Create(&links).Error; err != nil {
				return out, fmt.Errorf("record the actions of the update request: %w", err)
			}
		}
		out = append(out, e)
	}
	return out, nil
}

// recordSend puts a send in the meeting's history: who was asked or
// reminded, in which round.
func (s *Store) recordSend(ctx context.Context, meetingID int64, field string, round int, sent []tracker.Email) error {
	to := make([]string, len(sent))
	for i, e := range sent {
		to[i] = e.To
	}
	n := fmt.Sprintf("%d emails", len(sent))
	if len(sent) == 1 {
		n = "1 email"
	}
	what := fmt.Sprintf("Round %d: %s, to %s", round, n, strings.Join(to, ", "))
	return s.record(ctx, EntityMeeting, meetingID, tracker.OpUpdate, tracker.Diff(map[string]any{field: nil}, map[string]any{field: what}))
}

// RequestUpdates emails each owner of an open action on the meeting's
// schedule who can be reached, once, listing their actions with a link to
// post an update on each. round is the round the person saw as next (0:
// whatever is next, for the command line): a request already sent in that
// round is refused, so sending again is always deliberate. A meeting whose
// day has passed gets no requests. Who may change the meeting may send
// them.
func (c Commands) RequestUpdates(ctx context.Context, meetingID int64, round int) ([]tracker.Email, error) {
	var out []tracker.Email
	err := c.tx(ctx, func(tx *Store) error {
		sc, err := tx.Schedule(ctx, meetingID)
		if err != nil {
			return err
		}
		if err := c.user.CheckMeeting(sc.Meeting.BodyID, tx.names(ctx)); err != nil {
			return err
		}
		p, err := tx.updateRequestPlan(ctx, sc)
		if err != nil {
			return err
		}
		if err := requestRefusal(p, round); err != nil {
			return err
		}
		drafts, err := tx.requestDrafts(ctx, p, c.sender())
		if err != nil {
			return err
		}
		if out, err = tx.queueDrafts(ctx, meetingID, requestKind, p.Round, c.user.Label(), drafts); err != nil {
			return err
		}
		return tx.recordSend(ctx, meetingID, "update_requests", p.Round, out)
	})
	return out, err
}

// sender names the person a request comes from; nobody for the command line.
func (c Commands) sender() string {
	if c.user == nil || c.user.ID == 0 {
		return ""
	}
	return c.user.Label()
}

func requestRefusal(p tracker.UpdateRequestPlan, round int) error {
	field := "send-requests"
	switch {
	case p.Closed != "":
		return &tracker.ValidationError{Fields: map[string]string{field: p.Closed}}
	case round != 0 && round < p.Round:
		return &tracker.ValidationError{Fields: map[string]string{field: fmt.Sprintf("These update requests were sent already (round %d). To ask everyone again, use “Send the requests again”", round)}}
	case len(p.Owners) == 0 && len(p.Unreachable) > 0:
		return &tracker.ValidationError{Fields: map[string]string{field: "No owner of an open action on the schedule can be reached: link each owner to an account or an email address first"}}
	case len(p.Owners) == 0:
		return &tracker.ValidationError{Fields: map[string]string{field: "No open actions on the schedule's references: there is no one to ask"}}
	}
	return nil
}

// RemindOwners emails a reminder to each owner asked for updates who has
// not posted one on every open action they were asked about, listing
// those actions; each send is a new round of reminders. A meeting whose
// day has passed gets none.
func (c Commands) RemindOwners(ctx context.Context, meetingID int64) ([]tracker.Email, error) {
	var out []tracker.Email
	err := c.tx(ctx, func(tx *Store) error {
		st, err := tx.UpdateRequestStatus(ctx, meetingID)
		if err != nil {
			return err
		}
		if err := c.user.CheckMeeting(st.Meeting.BodyID, tx.names(ctx)); err != nil {
			return err
		}
		field := "send-reminders"
		switch {
		case tracker.UpdateRequestsClosed(st.Meeting, tx.Now()) != "":
			return &tracker.ValidationError{Fields: map[string]string{field: tracker.UpdateRequestsClosed(st.Meeting, tx.Now())}}
		case st.Rounds == 0:
			return &tracker.ValidationError{Fields: map[string]string{field: "No update requests have been sent for this meeting yet: send them first"}}
		case len(st.NotUpdated()) == 0:
			return &tracker.ValidationError{Fields: map[string]string{field: "Everyone asked has posted an update since: there is no one to remind"}}
		}
		round, drafts, err := tx.reminderDrafts(ctx, st, c.sender())
		if err != nil {
			return err
		}
		if out, err = tx.queueDrafts(ctx, meetingID, reminderKind, round, c.user.Label(), drafts); err != nil {
			return err
		}
		return tx.recordSend(ctx, meetingID, "update_reminders", round, out)
	})
	return out, err
}

// UpdateRequestStatus reads, for each owner asked for updates for the
// meeting, their latest request, the actions it listed with the first
// update entered on each since, and the reminders sent since.
func (s *Store) UpdateRequestStatus(ctx context.Context, meetingID int64) (tracker.UpdateRequestStatus, error) {
	m, err := s.Meeting(ctx, meetingID)
	if err != nil {
		return tracker.UpdateRequestStatus{}, err
	}
	st := tracker.UpdateRequestStatus{Meeting: m}
	var rows []updateRequestRow
	if err := s.q(ctx).Where("meeting_id = ?", meetingID).Order("sent_at, id").Find(&rows).Error; err != nil {
		return st, fmt.Errorf("load update requests: %w", err)
	}
	latest := map[string]updateRequestRow{}
	var order []string
	for _, r := range rows {
		if r.Kind != requestKind {
			continue
		}
		if _, seen := latest[r.OwnerKey]; !seen {
			order = append(order, r.OwnerKey)
		}
		latest[r.OwnerKey] = r
		st.Rounds = max(st.Rounds, r.RoundNo)
	}
	for _, key := range order {
		r := latest[key]
		o := tracker.OwnerProgress{Owner: tracker.UpdateOwner{Key: key, UserID: r.OwnerUserID, Email: r.OwnerEmail, Name: r.OwnerName},
			Round: r.RoundNo, RequestedAt: r.SentAt.UTC(), RequestedBy: r.SentBy}
		for _, rem := range rows {
			if rem.Kind == reminderKind && rem.OwnerKey == key && !rem.SentAt.Before(r.SentAt) {
				o.RemindedAt = append(o.RemindedAt, rem.SentAt.UTC())
			}
		}
		if o.Actions, err = s.requestProgress(ctx, r); err != nil {
			return st, err
		}
		st.Owners = append(st.Owners, o)
	}
	return st, nil
}

// requestProgress reads the actions a request listed, as they stand now,
// each with the first update entered on it since the request was sent.
func (s *Store) requestProgress(ctx context.Context, r updateRequestRow) ([]tracker.ActionProgress, error) {
	var ids []int64
	if err := s.q(ctx).Model(&updateRequestActionRow{}).Where("request_id = ?", r.ID).Order("action_id").Pluck("action_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("load the actions of an update request: %w", err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var acts []actionRow
	if err := findIn(func() *gorm.DB { return s.q(ctx).Order("id") }, "id IN ?", ids, &acts); err != nil {
		return nil, fmt.Errorf("load the actions of an update request: %w", err)
	}
	var ups []updateRow
	if err := findIn(func() *gorm.DB { return s.q(ctx).Where("created_at >= ?", r.SentAt).Order("created_at, id") }, "action_id IN ?", ids, &ups); err != nil {
		return nil, fmt.Errorf("load the updates since the request: %w", err)
	}
	first := map[int64]time.Time{}
	for _, u := range ups {
		if _, seen := first[*u.ActionID]; !seen {
			first[*u.ActionID] = u.CreatedAt.UTC()
		}
	}
	sort.Slice(acts, func(i, j int) bool { return acts[i].ID < acts[j].ID })
	out := make([]tracker.ActionProgress, len(acts))
	for i, a := range acts {
		out[i] = tracker.ActionProgress{Action: a.domain()}
		if t, ok := first[a.ID]; ok {
			out[i].UpdatedAt = &t
		}
	}
	return out, nil
}

package tracker

import "time"

// Update requests: before a meeting's papers deadline the secretary asks
// each owner of an open action on the meeting's schedule for an update,
// in one email per owner, and later reminds those who have not posted one.

// Email kinds of the meeting cycle.
const (
	EmailUpdateRequest  = "update_request"
	EmailUpdateReminder = "update_reminder"
)

// UpdateOwner is one person asked for updates: an action owner linked to
// an account (UserID) or to an email address, with the open actions they
// are asked about.
type UpdateOwner struct {
	// Key names the person across actions: "user-ID" for an account,
	// "email-ADDRESS" for an address.
	Key    string
	UserID *int64
	Email  string
	// Name is the account's name, or else the owner as written.
	Name    string
	Actions []Action
}

// UnreachableOwner is an owner as written whom no email can reach: linked
// to neither an account nor an address (or to a disabled account).
type UnreachableOwner struct {
	Owner   string
	Actions []Action
	// Stopped says the owner has an address but has stopped update
	// requests with the link in one.
	Stopped bool
}

// UpdateRequestPlan is what sending update requests for a meeting would do
// now: the owners it would email, and those it cannot reach.
type UpdateRequestPlan struct {
	Meeting Meeting
	// Round is the number the next send gets: 1 for the first, 2 when the
	// requests are sent again.
	Round       int
	Owners      []UpdateOwner
	Unreachable []UnreachableOwner
	// Closed says why no requests can be sent now ("" when they can).
	Closed string
}

// ActionProgress is one action an owner was asked about, and the first
// update entered on it since they were asked.
type ActionProgress struct {
	Action Action
	// UpdatedAt is when the first update since the request was entered
	// (typed in, whatever date it carries); nil when none has been.
	UpdatedAt *time.Time
}

// OwnerProgress is where one owner stands since their latest request.
type OwnerProgress struct {
	Owner UpdateOwner
	// Round and RequestedAt say which request this is, and when it was sent.
	Round       int
	RequestedAt time.Time
	RequestedBy string
	Actions     []ActionProgress
	// RemindedAt lists the reminders sent since the request.
	RemindedAt []time.Time
}

// Updated reports whether the owner has posted an update on each of the
// actions they were asked about that is still open.
func (o OwnerProgress) Updated() bool { return len(o.Waiting()) == 0 }

// UpdatedCount counts the actions with an update since the request.
func (o OwnerProgress) UpdatedCount() int {
	n := 0
	for _, a := range o.Actions {
		if a.UpdatedAt != nil {
			n++
		}
	}
	return n
}

// Waiting lists the actions still open that have had no update since the
// request: what a reminder asks about.
func (o OwnerProgress) Waiting() []Action {
	var out []Action
	for _, a := range o.Actions {
		if a.UpdatedAt == nil && a.Action.Open() {
			out = append(out, a.Action)
		}
	}
	return out
}

// UpdateRequestStatus is, for a meeting, each owner asked for updates and
// whether they have posted them since.
type UpdateRequestStatus struct {
	Meeting Meeting
	// Rounds counts the times requests were sent; 0 when never.
	Rounds int
	Owners []OwnerProgress
}

// NotUpdated lists the owners who have not updated every action they were
// asked about.
func (s UpdateRequestStatus) NotUpdated() []OwnerProgress {
	var out []OwnerProgress
	for _, o := range s.Owners {
		if !o.Updated() {
			out = append(out, o)
		}
	}
	return out
}

// UpdateRequestsClosed says why a meeting can no longer get update
// requests or reminders on the day today: it has been held. "" when it
// can.
func UpdateRequestsClosed(m Meeting, today time.Time) string {
	if Day(m.Date).Before(Day(today)) {
		return "This meeting was on " + FormatDate(m.Date) + ", so it can no longer get update requests or reminders. Add the next meeting and ask for updates for that one"
	}
	return ""
}

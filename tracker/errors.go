package tracker

import (
	"errors"
	"sort"
	"strings"
)

// ErrNotFound is returned when an item asked for by id or key does not exist.
var ErrNotFound = errors.New("not found")

// ValidationError carries one message per field, written for the person who
// filled in the form.
type ValidationError struct {
	Fields map[string]string
}

// Error joins the field messages in a stable order.
func (e *ValidationError) Error() string {
	keys := make([]string, 0, len(e.Fields))
	for k := range e.Fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Fields[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}

// Add records a message for a field, keeping the first message given.
func (e *ValidationError) Add(field, message string) {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	if _, ok := e.Fields[field]; !ok {
		e.Fields[field] = message
	}
}

// Err returns e when it holds at least one message, otherwise nil, so a
// validator can end with "return v.Err()".
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// ErrConflict is returned when an item changed after the person opened it;
// saving would silently overwrite someone else's change.
var ErrConflict = errors.New("changed by someone else")

// ErrForbidden is returned when the person may not do what they asked.
var ErrForbidden = errors.New("not allowed")

// ErrBadCredentials is returned for a wrong email or password, without
// saying which, so sign-in reveals nothing about who has an account.
var ErrBadCredentials = errors.New("email or password is wrong")

// Refusal is a refusal that says why, in words the person understands
// ("You can change only sources issued by, or addressed only to, City of
// London Police."). It is ErrForbidden.
type Refusal struct {
	Reason string
}

// Error is the reason.
func (r *Refusal) Error() string { return r.Reason }

// Is makes a refusal match ErrForbidden.
func (r *Refusal) Is(target error) bool { return target == ErrForbidden }

// ReasonOf returns the reason of a refusal in err's chain, or "" when
// there is none.
func ReasonOf(err error) string {
	var r *Refusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return ""
}

package tracker

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Roles a person can hold.
const (
	RoleAdmin     = "admin"
	RoleSecretary = "secretary"
	RoleEditor    = "editor"
	RoleViewer    = "viewer"
)

// Roles lists the roles with what each may do.
var Roles = []Option{
	{RoleAdmin, "Administrator: everything, including accounts"},
	{RoleSecretary, "Secretary: all content of their organisations, references and reports"},
	{RoleEditor, "Editor: actions, updates and responses of their organisations"},
	{RoleViewer, "Viewer: reads, changes nothing"},
}

// RoleLabel returns the description of a role.
func RoleLabel(v string) string { return labelOf(Roles, v) }

// User is a person who signs in.
type User struct {
	ID    int64
	Email string
	Name  string
	Role  string
	// Organisations are the ids of the organisations whose content the
	// person may change (secretaries and editors).
	Organisations []int64
	Disabled      bool
	Version       int
}

// Label is the name when there is one, otherwise the email address.
func (u *User) Label() string {
	if u == nil {
		return ""
	}
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// NormaliseEmail lower-cases and trims an email address so that one
// person has one account.
func NormaliseEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Validate checks an account before it is stored.
func (u User) Validate() error {
	var v ValidationError
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		v.Add("email", "Enter an email address in the correct format, like name@example.org")
	}
	oneOf(&v, "role", u.Role, Roles, "Choose a role: admin, secretary, editor or viewer")
	if (u.Role == RoleEditor || u.Role == RoleSecretary) && len(u.Organisations) == 0 {
		v.Add("organisations", "Editors and secretaries need at least one organisation whose content they may change")
	}
	return v.Err()
}

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

// ValidatePassword checks a new password.
func ValidatePassword(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLength {
		return &ValidationError{Fields: map[string]string{"password": "Enter a password of at least 12 characters"}}
	}
	if len(password) > 72 {
		return &ValidationError{Fields: map[string]string{"password": "Enter a password of at most 72 bytes"}}
	}
	return nil
}

// Permissions are decided here, deny by default: a nil user (not signed
// in) or a disabled one may do nothing.

func (u *User) active() bool { return u != nil && !u.Disabled }

func (u *User) inScope(orgID int64) bool {
	for _, id := range u.Organisations {
		if id == orgID {
			return true
		}
	}
	return false
}

// CanView reports whether the person may read the tracker.
func (u *User) CanView() bool { return u.active() }

// CanEditAction reports whether the person may post updates to, and change
// the status of, an action of the given organisation.
func (u *User) CanEditAction(orgID int64) bool {
	if !u.active() {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleSecretary, RoleEditor:
		return u.inScope(orgID)
	}
	return false
}

// CanDeleteAction reports whether the person may delete an action of the
// given organisation. Deletes are soft; only an admin can restore.
func (u *User) CanDeleteAction(orgID int64) bool {
	if !u.active() {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleSecretary:
		return u.inScope(orgID)
	}
	return false
}

// CanRestore reports whether the person may restore deleted items.
func (u *User) CanRestore() bool { return u.active() && u.Role == RoleAdmin }

// CanManageAccounts reports whether the person may see and manage accounts.
func (u *User) CanManageAccounts() bool { return u.active() && u.Role == RoleAdmin }

// CanManageOwnTokens reports whether the person may create and revoke their
// own API tokens.
func (u *User) CanManageOwnTokens() bool { return u.active() }

// APIToken is a named token a person uses for the API; only its hash is stored.
type APIToken struct {
	ID       int64
	UserID   int64
	Name     string
	Created  string
	LastUsed string
	Revoked  bool
}

// CanEditReference reports whether the person may prepare the formal reply
// to a reference answered by the given organisation (its introduction and
// the items it covers).
func (u *User) CanEditReference(respondingOrgID int64) bool {
	if !u.active() {
		return false
	}
	switch u.Role {
	case RoleAdmin:
		return true
	case RoleSecretary:
		return u.inScope(respondingOrgID)
	}
	return false
}

// CanEditRecommendation reports whether the person may change a
// recommendation (its deadline, status, assessment) addressed to the given
// organisations: an administrator, or a secretary of one of them.
func (u *User) CanEditRecommendation(addressees []int64) bool {
	if !u.active() {
		return false
	}
	if u.Role == RoleAdmin {
		return true
	}
	if u.Role != RoleSecretary {
		return false
	}
	for _, id := range addressees {
		if u.inScope(id) {
			return true
		}
	}
	return false
}

// secretaryOf reports whether the person is an administrator, or a
// secretary whose scope includes one of the organisations.
func (u *User) secretaryOf(orgIDs ...int64) bool {
	if !u.active() {
		return false
	}
	if u.Role == RoleAdmin {
		return true
	}
	if u.Role != RoleSecretary {
		return false
	}
	for _, id := range orgIDs {
		if u.inScope(id) {
			return true
		}
	}
	return false
}

// CanCreate reports whether the person may add organisations, sources,
// references and measures: administrators and secretaries.
func (u *User) CanCreate() bool {
	return u.active() && (u.Role == RoleAdmin || u.Role == RoleSecretary)
}

// CanEditOrganisation reports whether the person may rename an
// organisation: an administrator, or a secretary of it.
func (u *User) CanEditOrganisation(orgID int64) bool { return u.secretaryOf(orgID) }

// CanEditSource reports whether the person may change a source and add
// recommendations to it: an administrator, or a secretary of the body
// that issued it or of one it addresses.
func (u *User) CanEditSource(orgIDs []int64) bool { return u.secretaryOf(orgIDs...) }

// CanChangeReference reports whether the person may change a reference's
// details: an administrator, or a secretary of the body that asked or of
// the one that must answer.
func (u *User) CanChangeReference(requestedBy, responding int64) bool {
	return u.secretaryOf(requestedBy, responding)
}

// CanEditMeasure reports whether the person may change a measure's
// definition and target: an administrator, or a secretary of its body.
func (u *User) CanEditMeasure(orgID int64) bool { return u.secretaryOf(orgID) }

// CanRecordMeasureValue reports whether the person may add or remove a
// measure's values: whoever may edit the organisation's actions.
func (u *User) CanRecordMeasureValue(orgID int64) bool { return u.CanEditAction(orgID) }

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
	{RoleSecretary, "Secretary: sources, recommendations, references and replies that are their organisations', and what editors do"},
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
// in) or a disabled one may do nothing. The commands (store.Commands)
// check every write against these predicates; pages and the API use them
// only to decide what to offer.
//
// The scope rule:
//   - An administrator may do everything; a viewer changes nothing.
//   - An editor adds actions for, posts updates to, changes the status,
//     RAG, details and due dates of actions of their organisations, and
//     writes those organisations' responses.
//   - A secretary does what an editor does, deletes their organisations'
//     actions, and changes what is theirs:
//   - A source is theirs when one of their organisations issued it, or
//     when every recommendation in it (and every action recorded directly
//     under it) is addressed only to their organisations; a source with
//     none yet is theirs to fill. Any secretary may record a new source
//     from any issuer (an outside committee's report); they may change
//     only a source that is theirs, and changing its issuer must leave it
//     theirs.
//   - They add, change or delete recommendations only in a source that is
//     theirs, and a recommendation's addressees, before and after the
//     change, must all be their organisations, unless one of their
//     organisations issued the source (a committee addresses anyone).
//   - A reference is theirs when it is raised with one of their
//     organisations (the organisation that must answer it). The
//     recommendations a reference or its formal reply covers must each be
//     addressed to one of their organisations.
//   - An action's organisation must be an addressee of its
//     recommendation, and a response's organisation too.
//   - Secretaries add organisations and rename their own; they add and
//     change measures of their organisations, whose values editors of
//     those organisations record too.
//
// A refusal is a *Refusal that names the person's organisations.

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

// ActionOrganisations are the addressees of r on whose behalf the person
// may add actions: the organisations an action on r can belong to.
func (u *User) ActionOrganisations(r Recommendation) []Organisation {
	var out []Organisation
	for _, o := range r.Addressees {
		if u.CanEditAction(o.ID) {
			out = append(out, o)
		}
	}
	return out
}

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

// CanEditMeasure reports whether the person may change a measure's
// definition and target: an administrator, or a secretary of its body.
func (u *User) CanEditMeasure(orgID int64) bool { return u.secretaryOf(orgID) }

// CanRecordMeasureValue reports whether the person may add or remove a
// measure's values: whoever may edit the organisation's actions.
func (u *User) CanRecordMeasureValue(orgID int64) bool { return u.CanEditAction(orgID) }

// Names names organisations for a refusal's message, like "City of London
// Police" or "City of London Police or British Transport Police".
type Names func(ids []int64) string

// SourceScope is what decides whose a source is.
type SourceScope struct {
	// IssuedBy is the organisation that issued the source.
	IssuedBy int64
	// Concerned are the organisations its recommendations are addressed
	// to, and those whose actions are recorded directly under it.
	Concerned []int64
}

// inAll reports whether every one of the organisations is in the person's
// scope (true for none).
func (u *User) inAll(ids []int64) bool {
	for _, id := range ids {
		if !u.inScope(id) {
			return false
		}
	}
	return true
}

// inAny reports whether one of the organisations is in the person's scope.
func (u *User) inAny(ids []int64) bool {
	for _, id := range ids {
		if u.inScope(id) {
			return true
		}
	}
	return false
}

func (u *User) isAdmin() bool { return u.active() && u.Role == RoleAdmin }

func (u *User) isSecretary() bool { return u.active() && u.Role == RoleSecretary }

func yours(u *User, names Names) string {
	if names == nil || len(u.Organisations) == 0 {
		return "your organisations"
	}
	return names(u.Organisations)
}

// SourceIsTheirs reports whether the source is the person's to change:
// everything is an administrator's; a secretary's when one of their
// organisations issued it, or when everything in it is addressed only to
// their organisations.
func (u *User) SourceIsTheirs(s SourceScope) bool {
	return u.isAdmin() || (u.isSecretary() && (u.inScope(s.IssuedBy) || u.inAll(s.Concerned)))
}

// CheckCreateSource refuses anyone but an administrator or a secretary:
// any secretary may record a source from any issuer.
func (u *User) CheckCreateSource() error {
	if u.CanCreate() {
		return nil
	}
	return &Refusal{Reason: "Only administrators and secretaries can add sources."}
}

// CheckChangeSource decides a change to a source: it must be the person's
// before (SourceIsTheirs), and after, so that a new issuer cannot take it
// out of their hands.
func (u *User) CheckChangeSource(before, after SourceScope, names Names) error {
	if !u.SourceIsTheirs(before) {
		return u.sourceRefusal("You can change only sources issued by, or addressed only to, ", names)
	}
	if !u.SourceIsTheirs(after) {
		return &ValidationError{Fields: map[string]string{"issued_by": "Choose " + yours(u, names) +
			" as the issuer, or ask an administrator: its recommendations are addressed to other bodies too, so with another issuer you could no longer change it"}}
	}
	return nil
}

func (u *User) sourceRefusal(prefix string, names Names) error {
	if !u.CanCreate() {
		return &Refusal{Reason: "Only administrators and secretaries can change sources and their recommendations."}
	}
	return &Refusal{Reason: prefix + yours(u, names) + "."}
}

// CheckChangeRecommendation decides adding (before nil), changing or
// deleting (after nil) a recommendation of a source: the source must be
// the person's, and the addressees before and after must all be their
// organisations unless one of them issued the source.
func (u *User) CheckChangeRecommendation(src SourceScope, before, after []int64, names Names) error {
	if !u.SourceIsTheirs(src) {
		return u.sourceRefusal("You can add or change recommendations only in sources issued by, or addressed only to, ", names)
	}
	if u.isAdmin() || u.inScope(src.IssuedBy) {
		return nil
	}
	if !u.inAll(before) {
		return &Refusal{Reason: "You can change only recommendations addressed only to " + yours(u, names) + "."}
	}
	if !u.inAll(after) {
		return &ValidationError{Fields: map[string]string{"addressees": "Address it only to " + yours(u, names) +
			": only the body that issued the source may address other bodies. Ask an administrator if it needs them"}}
	}
	return nil
}

// CheckChangeReference decides adding (before 0) or changing a reference
// raised with an organisation: it must be raised with one of the person's
// organisations, before and after. roleOnly checks the role alone, before
// the reference is known.
func (u *User) CheckChangeReference(beforeResponding, afterResponding int64, names Names, roleOnly bool) error {
	if !u.CanCreate() {
		return &Refusal{Reason: "Only administrators and secretaries can add or change references."}
	}
	if u.isAdmin() || roleOnly {
		return nil
	}
	if beforeResponding != 0 && !u.inScope(beforeResponding) {
		return &Refusal{Reason: "You can change only references raised with " + yours(u, names) + "."}
	}
	if !u.inScope(afterResponding) {
		return &ValidationError{Fields: map[string]string{"responding_org": "Choose " + yours(u, names) +
			" as the organisation that answers: you can raise references only with your own organisations"}}
	}
	return nil
}

// CoveredRecommendation is a recommendation a reference or reply covers,
// with whom it is addressed to.
type CoveredRecommendation struct {
	Number     string
	Addressees []int64
}

// CheckCovered decides which recommendations a reference or its formal
// reply may cover: for a secretary, only those addressed to one of their
// organisations. field is the form field that lists them.
func (u *User) CheckCovered(field string, recs []CoveredRecommendation, names Names) error {
	if u.isAdmin() {
		return nil
	}
	var outside []string
	for _, r := range recs {
		if !u.inAny(r.Addressees) {
			outside = append(outside, r.Number)
		}
	}
	if len(outside) == 0 {
		return nil
	}
	what := "Recommendation " + outside[0] + " is"
	if len(outside) > 1 {
		what = "Recommendations " + strings.Join(outside, ", ") + " are"
	}
	return &ValidationError{Fields: map[string]string{field: "You can include only recommendations addressed to " + yours(u, names) +
		"; " + what + " not"}}
}

// CheckEditReference decides saving a reference's formal reply (its
// introduction and the recommendations it covers).
func (u *User) CheckEditReference(responding int64, names Names) error {
	if u.CanEditReference(responding) {
		return nil
	}
	if !u.CanCreate() {
		return &Refusal{Reason: "Only administrators and secretaries can prepare formal replies."}
	}
	return &Refusal{Reason: "You can prepare only the replies of " + yours(u, names) + "."}
}

// CheckAction decides adding an action for an organisation, or changing
// one of its actions (an update, status, RAG, details, due date).
func (u *User) CheckAction(orgID int64, names Names) error {
	if u.CanEditAction(orgID) {
		return nil
	}
	if !u.active() || (u.Role != RoleSecretary && u.Role != RoleEditor) {
		return &Refusal{Reason: "Your account does not allow changing actions."}
	}
	return &Refusal{Reason: "You can add and change only the actions of " + yours(u, names) + "."}
}

// CanCreateActions reports whether the person may add actions for at
// least one organisation.
func (u *User) CanCreateActions() bool {
	return u.isAdmin() || (u.active() && (u.Role == RoleSecretary || u.Role == RoleEditor) && len(u.Organisations) > 0)
}

// CheckDeleteAction decides deleting an action of an organisation.
func (u *User) CheckDeleteAction(orgID int64, names Names) error {
	if u.CanDeleteAction(orgID) {
		return nil
	}
	if !u.isSecretary() {
		return &Refusal{Reason: "Only administrators and secretaries can delete actions."}
	}
	return &Refusal{Reason: "You can delete only the actions of " + yours(u, names) + "."}
}

// CheckRespond decides writing an organisation's management response.
func (u *User) CheckRespond(orgID int64, names Names) error {
	if u.CanEditAction(orgID) {
		return nil
	}
	if !u.active() || (u.Role != RoleSecretary && u.Role != RoleEditor) {
		return &Refusal{Reason: "Your account does not allow writing responses."}
	}
	return &Refusal{Reason: "You can write responses only for " + yours(u, names) + "."}
}

// CheckRestore decides restoring a deleted item.
func (u *User) CheckRestore() error {
	if u.CanRestore() {
		return nil
	}
	return &Refusal{Reason: "Only administrators can restore deleted items."}
}

// Addressed checks that an organisation is an addressee of a
// recommendation, for an action or a response of that organisation.
func Addressed(orgID int64, addressees []int64) error {
	for _, id := range addressees {
		if id == orgID {
			return nil
		}
	}
	return &ValidationError{Fields: map[string]string{"organisation": "Choose one of the recommendation's addressees"}}
}

// SystemUser is the actor of the command line and of imports run there by
// whoever administers the installation: an administrator.
func SystemUser() *User { return &User{Name: "system", Role: RoleAdmin} }

// CheckCreate decides adding organisations and measures: administrators
// and secretaries. what names them in the refusal, like "organisations".
func (u *User) CheckCreate(what string) error {
	if u.CanCreate() {
		return nil
	}
	return &Refusal{Reason: "Only administrators and secretaries can add " + what + "."}
}

// CheckChangeOrganisation decides renaming an organisation.
func (u *User) CheckChangeOrganisation(orgID int64, names Names) error {
	if u.CanEditOrganisation(orgID) {
		return nil
	}
	if !u.CanCreate() {
		return &Refusal{Reason: "Only administrators and secretaries can change organisations."}
	}
	return &Refusal{Reason: "You can change only " + yours(u, names) + "."}
}

// CheckMeasure decides changing a measure of an organisation (before) so
// that it is of another (after; the same when unchanged).
func (u *User) CheckMeasure(before, after int64, names Names) error {
	if before != 0 && !u.CanEditMeasure(before) {
		if !u.CanCreate() {
			return &Refusal{Reason: "Only administrators and secretaries can change measures."}
		}
		return &Refusal{Reason: "You can change only the measures of " + yours(u, names) + "."}
	}
	if !u.CanEditMeasure(after) {
		return &ValidationError{Fields: map[string]string{"organisation": "Choose an organisation you work for"}}
	}
	return nil
}

// CheckRecordMeasureValue decides adding or removing a measure's values.
func (u *User) CheckRecordMeasureValue(orgID int64, names Names) error {
	if u.CanRecordMeasureValue(orgID) {
		return nil
	}
	if !u.active() || (u.Role != RoleSecretary && u.Role != RoleEditor) {
		return &Refusal{Reason: "Your account does not allow recording measures."}
	}
	return &Refusal{Reason: "You can record only the measures of " + yours(u, names) + "."}
}

// CheckMeeting decides adding or changing a meeting of a body, and
// recording its decisions: an administrator, or a secretary of the body.
func (u *User) CheckMeeting(bodyID int64, names Names) error {
	if u.secretaryOf(bodyID) {
		return nil
	}
	if !u.CanCreate() {
		return &Refusal{Reason: "Only administrators and secretaries can add or change meetings."}
	}
	if bodyID == 0 {
		return nil // the body is not chosen yet; the form asks for one of theirs
	}
	return &Refusal{Reason: "You can manage only the meetings of " + yours(u, names) + "."}
}

// CheckCloseReference decides closing a reference between meetings: an
// administrator, or a secretary of the body that asked or of the one that
// answers.
func (u *User) CheckCloseReference(requestedBy, responding int64, names Names) error {
	if u.secretaryOf(requestedBy, responding) {
		return nil
	}
	if !u.CanCreate() {
		return &Refusal{Reason: "Only administrators and secretaries can close references."}
	}
	return &Refusal{Reason: "You can close only references raised by or with " + yours(u, names) + "."}
}

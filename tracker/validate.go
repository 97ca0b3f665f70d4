package tracker

import (
	"math"
	"net/mail"
	"strings"
	"unicode/utf8"
)

func required(v *ValidationError, field, value, message string) {
	if strings.TrimSpace(value) == "" {
		v.Add(field, message)
	}
}

func oneOf(v *ValidationError, field, value string, options []Option, message string) {
	if !valid(options, value) {
		v.Add(field, message)
	}
}

// validText checks what every stored text must be: UTF-8, and no longer
// than MaxTextLength. Control characters are refused at the edge (forms,
// JSON, query strings) and removed by imports, not here, so that text
// stored before that rule can still be changed and printed.
func validText(v *ValidationError, field, value string) {
	switch {
	case !utf8.ValidString(value):
		v.Add(field, notUTF8Message)
	case len(value) > MaxTextLength && utf8.RuneCountInString(value) > MaxTextLength:
		v.Add(field, TooLongMessage(utf8.RuneCountInString(value)))
	}
}

// Validate checks an organisation before it is stored.
func (o Organisation) Validate() error {
	var v ValidationError
	required(&v, "name", o.Name, "Enter the organisation's name")
	validText(&v, "name", o.Name)
	return v.Err()
}

// Validate checks a source before it is stored.
func (s Source) Validate() error {
	var v ValidationError
	required(&v, "title", s.Title, "Enter the title of the source")
	oneOf(&v, "kind", s.Kind, SourceKinds, "Choose what kind of source this is")
	if s.IssuedByID == 0 {
		v.Add("issued_by", "Choose the body that issued the source")
	}
	if s.Pages < 0 {
		v.Add("pages", "The number of pages cannot be negative")
	}
	validText(&v, "title", s.Title)
	validText(&v, "summary", s.Summary)
	return v.Err()
}

// Validate checks a recommendation before it is stored.
func (r Recommendation) Validate() error {
	var v ValidationError
	if r.SourceID == 0 {
		v.Add("source", "Choose the source that makes the recommendation")
	}
	required(&v, "number", r.Number, "Enter the recommendation's number as the source gives it")
	required(&v, "text", r.Text, "Enter the text of the recommendation")
	oneOf(&v, "status", r.Status, RecommendationStatuses, "Choose a status")
	oneOf(&v, "assessment", r.Assessment, Assessments, "Choose an assessment")
	if len(r.Addressees) == 0 {
		v.Add("addressees", "Choose at least one organisation the recommendation is addressed to")
	}
	validText(&v, "text", r.Text)
	return v.Err()
}

// Validate checks a management response before it is stored.
func (r Response) Validate() error {
	var v ValidationError
	if r.RecommendationID == 0 {
		v.Add("recommendation", "Choose the recommendation this responds to")
	}
	if r.OrganisationID == 0 {
		v.Add("organisation", "Choose the organisation responding")
	}
	oneOf(&v, "position", r.Position, Positions, "Choose whether the recommendation is accepted")
	validText(&v, "text", r.Text)
	return v.Err()
}

// Validate checks an action before it is stored.
func (a Action) Validate() error {
	var v ValidationError
	required(&v, "description", a.Description, "Describe the action")
	if a.OrganisationID == 0 {
		v.Add("organisation", "Choose the organisation that owns the action")
	}
	oneOf(&v, "status", a.Status, ActionStatuses, "Choose a status")
	oneOf(&v, "rag", a.RAG, RAGs, "Choose a RAG rating")
	if a.Status == ActCompleted && a.CompletedOn == nil {
		v.Add("completed_on", "Enter the date the action was completed")
	}
	validText(&v, "description", a.Description)
	if a.OwnerEmail != "" && !ValidEmail(a.OwnerEmail) {
		v.Add("owner_email", "Enter the owner’s email address, like name@example.org, or leave it empty")
	}
	return v.Err()
}

// ValidEmail reports whether s is one bare email address, such as
// name@example.org, with nothing around it.
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && a.Name == ""
}

// Validate checks a progress update before it is stored.
func (u Update) Validate() error {
	var v ValidationError
	required(&v, "text", u.Text, "Enter the progress update")
	if u.Date.IsZero() {
		v.Add("date", "Enter the date of the update")
	}
	if u.ActionID == nil && u.RecommendationID == nil {
		v.Add("item", "An update belongs to an action or a recommendation")
	}
	validText(&v, "text", u.Text)
	return v.Err()
}

// Validate checks a reference before it is stored.
func (r Reference) Validate() error {
	var v ValidationError
	required(&v, "title", r.Title, "Enter the title of the reference")
	if r.RequestedByID == 0 {
		v.Add("requested_by", "Choose the body that asked for the information")
	}
	if r.RespondingOrgID == 0 {
		v.Add("responding_org", "Choose the body that must respond")
	}
	oneOf(&v, "status", r.Status, ReferenceStatuses, "Choose a status")
	return v.Err()
}

// Validate checks a measure before it is stored.
func (m Measure) Validate() error {
	var v ValidationError
	required(&v, "name", m.Name, "Enter the name of the measure")
	if m.OrganisationID == 0 {
		v.Add("organisation", "Choose the organisation the measure belongs to")
	}
	oneOf(&v, "direction", m.Direction, Directions, "Choose which direction is better")
	if m.Target != nil && !finite(*m.Target) {
		v.Add("target", "Enter the target as a number, like 76")
	}
	for _, val := range m.Values {
		if val.PeriodEnd.IsZero() {
			v.Add("values", "Each value needs the date its period ends")
		}
		if !finite(val.Value) {
			v.Add("values", "Each value must be a number, like 76")
		}
	}
	return v.Err()
}

// finite rejects the infinities and NaN, which no report, chart or backup
// can show.
func finite(f float64) bool { return !math.IsInf(f, 0) && !math.IsNaN(f) }

package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// The create and edit forms of organisations, sources, recommendations,
// references, measures and an action's details share one page: a list of
// fields, each with its value, its error and, after a conflict, the value
// someone else saved meanwhile.

// Field kinds, which are also the input types of the one-line kinds.
const (
	kindText       = "text"
	kindTextarea   = "textarea"
	kindSelect     = "select"
	kindCheckboxes = "checkboxes"
	kindDate       = "date"
	kindNumber     = "number"
	kindURL        = "url"
)

// formField is one field of an edit form.
type formField struct {
	Name, Label, Hint, Kind string
	Optional                bool
	Rows                    int
	Options                 []tracker.Option
	// Value is the field's text; Checked the chosen options of checkboxes.
	Value   string
	Checked map[string]bool
	Error   string
	// Theirs is the value another person saved after this one opened the
	// form, shown beside theirs when it differs.
	Theirs string
	// Groups, for long lists of checkboxes, fold the options under
	// headings; a group opens when one of its options is chosen. Options
	// still lists them all.
	Groups []optionGroup
}

// optionGroup is a heading and the checkboxes under it.
type optionGroup struct {
	Label   string
	Options []tracker.Option
}

// GroupOpen reports whether group g has a chosen option, or is the only one.
func (f formField) GroupOpen(g int) bool {
	if len(f.Groups) == 1 {
		return true
	}
	for _, o := range f.Groups[g].Options {
		if f.Checked[o.Value] {
			return true
		}
	}
	return false
}

// FE is the field's error for the field-error partial.
func (f formField) FE() FieldError { return FieldError{Field: f.Name, Message: f.Error} }

// editPage is the view model of the shared edit page.
type editPage struct {
	Layout
	Caption, Heading, Intro string
	Post, Submit, Cancel    string
	Versioned               bool
	Version                 int
	Conflict                bool
	Fields                  []formField
}

// editForm describes one form: its fields and the page around them.
type editForm struct {
	page   editPage
	fields []formField
}

// values reads the posted fields of the form.
func (f editForm) values(c *gin.Context) url.Values {
	_ = c.Request.ParseForm()
	out := url.Values{}
	for _, fld := range f.fields {
		out[fld.Name] = c.Request.PostForm[fld.Name]
	}
	return out
}

// show renders the form with vals in its fields, errs at them and, after a
// conflict, theirs (the stored values) beside any that differ.
func (s *Server) showEdit(c *gin.Context, status int, f editForm, vals url.Values, errs map[string]string, theirs url.Values) {
	p := f.page
	order := make([]string, 0, len(f.fields))
	for _, fld := range f.fields {
		fld.Value = strings.Join(vals[fld.Name], "\n")
		if fld.Kind == kindCheckboxes {
			fld.Checked = map[string]bool{}
			for _, v := range vals[fld.Name] {
				fld.Checked[v] = true
			}
		}
		fld.Error = errs[fld.Name]
		if theirs != nil && !sameValues(vals[fld.Name], theirs[fld.Name]) {
			fld.Theirs = displayValue(fld, theirs[fld.Name])
			if fld.Theirs == "" {
				fld.Theirs = "(empty)"
			}
		}
		p.Fields = append(p.Fields, fld)
		order = append(order, fld.Name)
	}
	p.Conflict = theirs != nil
	if p.Conflict {
		if v, err := strconv.Atoi(theirs.Get("version")); err == nil {
			p.Version = v
		}
	}
	p.ErrorSummary = errorList(errs, order)
	if p.Conflict && len(p.ErrorSummary) == 0 {
		p.ErrorSummary = []FieldError{{Field: "conflict-title", Message: "Someone else saved this item after you opened it; compare their changes with yours and save again"}}
	}
	s.render(c, status, pageEdit, &p)
}

func sameValues(a, b []string) bool {
	norm := func(v []string) []string {
		out := []string{}
		for _, s := range v {
			if s = strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")); s != "" {
				out = append(out, s)
			}
		}
		return out
	}
	return slices.Equal(norm(a), norm(b))
}

// displayValue shows stored values the way the field offers them.
func displayValue(f formField, vals []string) string {
	if len(f.Options) == 0 {
		return strings.Join(vals, "\n")
	}
	var labels []string
	for _, v := range vals {
		label := v
		for _, o := range f.Options {
			if o.Value == v {
				label = o.Label
			}
		}
		labels = append(labels, label)
	}
	return strings.Join(labels, "; ")
}

// saveOutcome turns a store error into the page the person sees: their
// form again with the errors at the fields (422), or with the stored
// values beside theirs (409); any other error is a failure.
func (s *Server) saveOutcome(c *gin.Context, f editForm, vals url.Values, err error, current func() (url.Values, error)) bool {
	var invalid *tracker.ValidationError
	switch {
	case err == nil:
		return true
	case errors.As(err, &invalid):
		s.showEdit(c, http.StatusUnprocessableEntity, f, vals, invalid.Fields, nil)
	case errors.Is(err, tracker.ErrConflict):
		theirs, cerr := current()
		if cerr != nil {
			s.fail(c, cerr)
			return false
		}
		s.showEdit(c, http.StatusConflict, f, vals, nil, theirs)
	default:
		s.fail(c, err)
	}
	return false
}

// Helpers that read and write form values.

func orgOptions(orgs []tracker.Organisation) []tracker.Option {
	out := make([]tracker.Option, len(orgs))
	for i, o := range orgs {
		out[i] = tracker.Option{Value: strconv.FormatInt(o.ID, 10), Label: o.Name}
	}
	return out
}

func idPtrString(id *int64) string {
	if id == nil {
		return ""
	}
	return request.IDString(*id)
}

// formDate reads an optional date field; a value that is not a date is an
// error at the field.
func formDate(vals url.Values, field, label string, errs map[string]string) *time.Time {
	v := strings.TrimSpace(vals.Get(field))
	if v == "" {
		return nil
	}
	t, ok := request.ParseFormDate(v)
	if !ok {
		errs[field] = "Enter " + label + " as a date, like 17/05/2022"
		return nil
	}
	return &t
}

// formID reads an id chosen from a list; 0 when none. A value that is not
// an id is an error at the field, never a silent "none".
func formID(vals url.Values, field string, errs map[string]string) int64 {
	v := strings.TrimSpace(vals.Get(field))
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		errs[field] = badChoice
		return 0
	}
	return id
}

func formIDPtr(vals url.Values, field string, errs map[string]string) *int64 {
	if id := formID(vals, field, errs); id != 0 {
		return &id
	}
	return nil
}

// formIDs reads the ids ticked in a list of checkboxes; a value that is not
// an id is an error at the field.
func formIDs(vals url.Values, field string, errs map[string]string) []int64 {
	var out []int64
	for _, v := range vals[field] {
		id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || id <= 0 {
			errs[field] = badChoice
			continue
		}
		out = append(out, id)
	}
	return out
}

// badChoice is the message for a list's value that the list never offered.
const badChoice = "Choose from the list; the form sent a value it does not offer"

// formVersion reads the version of the item the form was opened on; a
// value that is not one is an error (the form was changed on its way), not
// version 0, which the store would report as someone else's change.
func formVersion(c *gin.Context, errs map[string]string) int {
	v, err := strconv.Atoi(strings.TrimSpace(c.PostForm("version")))
	if err != nil || v < 0 {
		errs["version"] = versionGarbled
		return 0
	}
	return v
}

// versionGarbled is the message for a form whose version was changed.
const versionGarbled = "The form was changed on its way here; open the page again and resend it"

func dayString(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

package request

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"

	"github.com/civic-tracker/tracker/tracker"
)

// Reading a form or a query string: one idiom for every page. A handler
// declares a struct whose fields carry `form:"name"` tags and reads the
// request with BindForm (a posted form) or BindQuery (the URL's query).
// Both use gin's form mapping, one field at a time, so a value that does
// not fit its field (?due_within=abc) is reported at that field, by name,
// instead of silently leaving every field at its zero value. A field may
// say what to tell the person with an `invalid:"..."` tag; otherwise the
// message follows from the field's type. Dates stay text in the struct
// (so the form can show them again as typed) and are read with
// ParseFormDate, which is tracker.ParseDate.

// BindForm reads the posted form (and the query string, as a form post's
// values may also come in the URL) into dst, a pointer to a form struct.
// It returns the fields whose values could not be read, keyed by field
// name, with a message for each; an empty map means all were read.
func BindForm(c *gin.Context, dst any) map[string]string {
	req := c.Request
	if err := req.ParseMultipartForm(32 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return map[string]string{"": "The form could not be read; please send it again"}
	}
	return bindValues(req.Form, dst)
}

// BindQuery reads the URL's query string into dst, a pointer to a form
// struct, as BindForm does.
func BindQuery(c *gin.Context, dst any) map[string]string {
	return bindValues(c.Request.URL.Query(), dst)
}

func bindValues(values url.Values, dst any) map[string]string {
	errs := map[string]string{}
	t := reflect.TypeOf(dst).Elem()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("form")
		if name == "" || name == "-" {
			continue
		}
		vals, ok := values[name]
		if isVersion(f) && (!ok || len(vals) == 0 || strings.TrimSpace(vals[0]) == "") {
			// Every form that changes an item sends the version it was
			// opened on; without one it would read as version 0, someone
			// else's change.
			errs[name] = invalidMessage(f)
			continue
		}
		if !ok {
			continue
		}
		if err := binding.MapFormWithTag(dst, map[string][]string{name: vals}, "form"); err != nil {
			errs[name] = invalidMessage(f)
		}
	}
	return errs
}

// isVersion is true of a form's field holding the version of the item the
// form was opened on (or of its response).
func isVersion(f reflect.StructField) bool {
	name := f.Tag.Get("form")
	return (name == "version" || name == "revision") && f.Type.Kind() == reflect.Int
}

// invalidMessage is what to tell the person when a value does not fit f.
func invalidMessage(f reflect.StructField) string {
	if msg := f.Tag.Get("invalid"); msg != "" {
		return msg
	}
	switch f.Type.Kind() {
	case reflect.Bool:
		return "Choose yes or no"
	case reflect.Int, reflect.Int64:
		if isVersion(f) {
			return "The form was changed on its way here; open the page again and resend it"
		}
		return "Enter a whole number, like 30"
	default:
		return "This value could not be read"
	}
}

// MergeErrors adds the messages of more to errs, keeping any errs already
// has for a field, and returns errs (made when nil).
func MergeErrors(errs map[string]string, more map[string]string) map[string]string {
	if errs == nil {
		errs = map[string]string{}
	}
	for k, v := range more {
		if _, ok := errs[k]; !ok {
			errs[k] = v
		}
	}
	return errs
}

// ChangedSinceParam is the query parameter that filters by "changed since
// this day" on every page, export, PDF and API list.
const ChangedSinceParam = "changed_since"

// ChangedSince reads ?changed_since=, or ?since=, its older name, so
// that links made before the rename keep working.
func ChangedSince(c *gin.Context) string {
	if v := strings.TrimSpace(c.Query(ChangedSinceParam)); v != "" {
		return v
	}
	return strings.TrimSpace(c.Query("since"))
}

// ParseFormDate reads a date as tracker.ParseDate does: from a date input
// (2022-05-17) or as people type it (17/05/2022, 17 May 2022).
func ParseFormDate(v string) (time.Time, bool) {
	t, err := tracker.ParseDate(v)
	return t, err == nil
}

package request

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/civic-tracker/tracker/tracker"
)

// BadValue finds the first field of values whose name or text is not UTF-8
// or holds a forbidden control character, and says what is wrong with it.
func BadValue(values url.Values) (field, msg string, bad bool) {
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range append([]string{k}, values[k]...) {
			if msg, bad := tracker.TextProblem(v); bad {
				return Printable(k), msg, true
			}
		}
	}
	return "", "", false
}

// Printable shows a field name with its control characters escaped.
func Printable(s string) string {
	if _, ok := tracker.ForbiddenControl(s); ok || !utf8.ValidString(s) {
		return strings.Trim(strconv.QuoteToASCII(s), `"`)
	}
	return s
}

func LowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// FieldLabel turns a form field's name into words: "due_date" → "due date".
func FieldLabel(name string) string { return strings.ReplaceAll(name, "_", " ") }

// JSONControl finds a string in a JSON document that breaks the rule and
// names where it is ("title", "addressees[1]"). A document that does not
// decode is left to the strict decoder to explain.
func JSONControl(b []byte) (field, msg string, bad bool) {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return "", "", false
	}
	return findControl("", v)
}

func findControl(path string, v any) (string, string, bool) {
	switch x := v.(type) {
	case string:
		if msg, bad := tracker.TextProblem(x); bad {
			return path, msg, true
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := Printable(k)
			if path != "" {
				p = path + "." + p
			}
			if r, ok := tracker.ForbiddenControl(k); ok {
				return p, tracker.ControlMessage(r), true
			}
			if f, msg, ok := findControl(p, x[k]); ok {
				return f, msg, true
			}
		}
	case []any:
		for i, e := range x {
			if f, msg, ok := findControl(fmt.Sprintf("%s[%d]", path, i), e); ok {
				return f, msg, true
			}
		}
	}
	return "", "", false
}

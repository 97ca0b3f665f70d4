package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
)

// The edge of the tracker.ForbiddenControl rule: a query string, form or
// JSON body holding a control character other than tab, line feed and
// carriage return is refused, naming the field, before any handler or
// database sees it. A query string is part of an address, so it gets 400;
// a form or body gets 422.

// badValue finds the first field of values whose name or text is not UTF-8
// or holds a forbidden control character, and says what is wrong with it.
func badValue(values url.Values) (field, msg string, bad bool) {
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range append([]string{k}, values[k]...) {
			if msg, bad := tracker.TextProblem(v); bad {
				return printable(k), msg, true
			}
		}
	}
	return "", "", false
}

// printable shows a field name with its control characters escaped.
func printable(s string) string {
	if _, ok := tracker.ForbiddenControl(s); ok || !utf8.ValidString(s) {
		return strings.Trim(strconv.QuoteToASCII(s), `"`)
	}
	return s
}

// refuseControlInQuery answers 400 when the query string breaks the rule.
func (s *Server) refuseControlInQuery() gin.HandlerFunc {
	return func(c *gin.Context) {
		values, err := url.ParseQuery(c.Request.URL.RawQuery)
		field, msg, bad := badValue(values)
		if err != nil && !bad {
			field, msg, bad = "", "The address could not be read; check it and try again", true
		}
		if !bad {
			c.Next()
			return
		}
		if strings.HasPrefix(c.Request.URL.Path, apiPrefix+"/") {
			c.AbortWithStatusJSON(http.StatusBadRequest, apiError{Error: queryMessage(field, msg), Fields: fieldMap(field, msg)})
			return
		}
		s.render(c, http.StatusBadRequest, pageForbidden, &messagePage{Layout: Layout{Title: "The address cannot be used"},
			Message: queryMessage(field, msg) + "."})
		c.Abort()
	}
}

func queryMessage(field, msg string) string {
	if field == "" {
		return msg
	}
	return fmt.Sprintf("In the address, %q: %s", field, lowerFirst(msg))
}

func fieldMap(field, msg string) map[string]string {
	if field == "" {
		return nil
	}
	return map[string]string{field: msg}
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// refuseControlInForm answers 422 when a submitted form breaks the rule.
// It runs after verifyCSRF, which caps the body and parses the form; files
// in an upload are data, not text fields, and are left to the importer.
func (s *Server) refuseControlInForm() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
			c.Next()
			return
		}
		_, _ = c.GetPostForm("") // parses the form once; gin caches it
		if field, msg, bad := badValue(c.Request.PostForm); bad {
			s.render(c, http.StatusUnprocessableEntity, pageForbidden, &messagePage{Layout: Layout{Title: "The form could not be saved"},
				Message: fmt.Sprintf("The field %q: %s. Go back, correct it and send the form again.", fieldLabel(field), lowerFirst(msg))})
			c.Abort()
			return
		}
		c.Next()
	}
}

// fieldLabel turns a form field's name into words: "due_date" → "due date".
func fieldLabel(name string) string { return strings.ReplaceAll(name, "_", " ") }

// jsonControl finds a string in a JSON document that breaks the rule and
// names where it is ("title", "addressees[1]"). A document that does not
// decode is left to the strict decoder to explain.
func jsonControl(b []byte) (field, msg string, bad bool) {
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
			p := printable(k)
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

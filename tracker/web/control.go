package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/civic-tracker/tracker/tracker/api"
	"github.com/civic-tracker/tracker/tracker/web/request"
	"github.com/gin-gonic/gin"
)

// The edge of the tracker.ForbiddenControl rule: a query string, form or
// JSON body holding a control character other than tab, line feed and
// carriage return is refused, naming the field, before any handler or
// database sees it. A query string is part of an address, so it gets 400;
// a form or body gets 422.

// refuseControlInQuery answers 400 when the query string breaks the rule.
func (s *Server) refuseControlInQuery() gin.HandlerFunc {
	return func(c *gin.Context) {
		values, err := url.ParseQuery(c.Request.URL.RawQuery)
		field, msg, bad := request.BadValue(values)
		if err != nil && !bad {
			field, msg, bad = "", "The address could not be read; check it and try again", true
		}
		if !bad {
			c.Next()
			return
		}
		if strings.HasPrefix(c.Request.URL.Path, api.Prefix+"/") {
			api.Error(c, http.StatusBadRequest, queryMessage(field, msg), fieldMap(field, msg))
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
	return fmt.Sprintf("In the address, %q: %s", field, request.LowerFirst(msg))
}

func fieldMap(field, msg string) map[string]string {
	if field == "" {
		return nil
	}
	return map[string]string{field: msg}
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
		if field, msg, bad := request.BadValue(c.Request.PostForm); bad {
			s.render(c, http.StatusUnprocessableEntity, pageForbidden, &messagePage{Layout: Layout{Title: "The form could not be saved"},
				Message: fmt.Sprintf("The field %q: %s. Go back, correct it and send the form again.", request.FieldLabel(field), request.LowerFirst(msg))})
			c.Abort()
			return
		}
		c.Next()
	}
}

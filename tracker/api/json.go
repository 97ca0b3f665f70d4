package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// The API's shared steps: reading a JSON body strictly, answering with
// field errors, conflicts and created items.

// maxAPIBody is the largest request body the API reads: a recommendation's
// full text fits many times over.
const maxAPIBody = 1 << 20

// apiBind decodes the request body into v: one JSON object, UTF-8, with
// no field the operation does not know. False means a 400 has been sent.
func apiBind(c *gin.Context, v any) bool {
	b, err := io.ReadAll(io.LimitReader(c.Request.Body, maxAPIBody+1))
	switch {
	case err != nil:
		apiBadRequest(c, "The request body could not be read; send it again.", nil)
		return false
	case len(b) > maxAPIBody:
		apiBadRequest(c, "The request body is larger than 1 MB.", nil)
		return false
	case len(bytes.TrimSpace(b)) == 0:
		apiBadRequest(c, "Send a JSON object in the request body; /api/v1/openapi.json describes its fields.", nil)
		return false
	case !utf8.Valid(b):
		apiBadRequest(c, "The request body is not valid UTF-8 text; send the text as UTF-8.", nil)
		return false
	}
	if field, msg, bad := request.JSONControl(b); bad {
		c.JSON(http.StatusUnprocessableEntity, apiError{Error: fmt.Sprintf("The field %q: %s.", field, request.LowerFirst(msg)), Fields: map[string]string{field: msg}})
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		msg, fields := bodyError(err)
		apiBadRequest(c, msg, fields)
		return false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		apiBadRequest(c, "Send a single JSON object; there is more after its closing brace.", nil)
		return false
	}
	return true
}

func apiBadRequest(c *gin.Context, msg string, fields map[string]string) {
	c.JSON(http.StatusBadRequest, apiError{Error: msg, Fields: fields})
}

// bodyError explains why a body could not be decoded, naming the field
// when there is one.
func bodyError(err error) (string, map[string]string) {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("The request body is not valid JSON (the problem is at byte %d).", syntax.Offset), nil
	case errors.As(err, &typ):
		if typ.Field == "" {
			return "The request body must be a JSON object, like {\"title\": \"…\"}.", nil
		}
		msg := fmt.Sprintf("Send %s as %s, not %s", typ.Field, jsonKind(typ.Type), jsonValueKind(typ.Value))
		return msg + ".", map[string]string{typ.Field: msg}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "The request body ends before its JSON object does.", nil
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		msg := "This operation has no field " + strconv.Quote(name) + "; /api/v1/openapi.json lists the fields it takes"
		return msg + ".", map[string]string{name: msg}
	}
	return "The request body could not be read as JSON.", nil
}

// jsonValueKind names what a client sent, as encoding/json describes it
// ("string", "number 1.5").
func jsonValueKind(v string) string {
	switch {
	case v == "string":
		return "text"
	case v == "number":
		return "a number"
	case strings.HasPrefix(v, "number "):
		return strings.TrimPrefix(v, "number ")
	case v == "bool":
		return "true or false"
	case v == "array":
		return "a list"
	case v == "object":
		return "an object"
	}
	return v
}

// jsonKind names a Go type the way a JSON client thinks of it.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "a whole number"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice:
		return "a list of " + strings.TrimPrefix(strings.TrimPrefix(jsonKind(t.Elem()), "a "), "an ")
	}
	return "an object"
}

// apiFieldNames are the API's names for the domain's field keys, where
// they differ: the API names ids "…_id".
var apiFieldNames = map[string]string{
	"issued_by": "issued_by_id", "source": "source_id", "addressees": "addressee_ids", "organisation": "organisation_id",
	"requested_by": "requested_by_id", "responding_org": "responding_org_id", "recommendations": "recommendation_ids",
	"recommendation": "recommendation_id",
}

func apiFields(fields map[string]string) map[string]string {
	out := make(map[string]string, len(fields))
	for k, v := range fields {
		if n, ok := apiFieldNames[k]; ok {
			k = n
		}
		out[k] = v
	}
	return out
}

// apiInvalid answers 422 with a message at each field.
func apiInvalid(c *gin.Context, fields map[string]string) {
	c.JSON(http.StatusUnprocessableEntity, apiError{Error: "Some fields are not valid.", Fields: apiFields(fields)})
}

// apiConflict answers 409 with the item as it stands now, so the client
// can merge and resend with its version.
func apiConflict(c *gin.Context, what string, current any) {
	c.JSON(http.StatusConflict, gin.H{"error": "The " + what + " changed after you read it; read it again and resend with its current version.", "current": current})
}

// apiCreated answers 201 with the new item and where to read it.
func apiCreated(c *gin.Context, path string, item any) {
	c.Header("Location", Prefix+path)
	c.JSON(http.StatusCreated, item)
}

// apiNoDelete answers 405 for items the tracker keeps for the record.
func apiNoDelete(why string) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Header("Allow", "GET, PATCH")
		c.JSON(http.StatusMethodNotAllowed, apiError{Error: why})
	}
}

// apiSaved handles a store write's outcome: nil is success; a stale
// version is a 409 carrying the current item; anything else goes through
// apiFail. False means a response has been sent.
func (s *Server) apiSaved(c *gin.Context, err error, what string, current func() (any, error)) bool {
	if err == nil {
		return true
	}
	var invalid *tracker.ValidationError
	if errors.Is(err, tracker.ErrConflict) && !errors.As(err, &invalid) && current != nil {
		cur, cerr := current()
		if cerr != nil {
			s.apiFail(c, cerr)
			return false
		}
		apiConflict(c, what, cur)
		return false
	}
	s.apiFail(c, err)
	return false
}

// apiAnswerSaved answers a change: the item as it now stands (200), or
// what went wrong, through apiSaved.
func (s *Server) apiAnswerSaved(c *gin.Context, err error, what string, current func() (any, error)) {
	if !s.apiSaved(c, err, what, current) {
		return
	}
	cur, err := current()
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, cur)
}

// apiDate reads an optional date as tracker.ParseISODate does (2022-05-17:
// the API takes no other layout, so that no program has 05/06 read the
// wrong way round); "" means none.
func apiDate(v string, field string, errs map[string]string) *time.Time {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	t, err := tracker.ParseISODate(v)
	if err != nil {
		errs[field] = err.Error()
		return nil
	}
	return &t
}

// apiNeedVersion reports a missing version at its field.
func apiNeedVersion(version int, what string, errs map[string]string) {
	if version < 1 {
		errs["version"] = "Send the version of the " + what + " you read"
	}
}

// apiQueryIDs reads optional id filters; false means a 422 has been sent.
func apiQueryIDs(c *gin.Context, names ...string) (map[string]int64, bool) {
	out := map[string]int64{}
	errs := map[string]string{}
	for _, n := range names {
		v := strings.TrimSpace(c.Query(n))
		if v == "" {
			continue
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id < 1 {
			errs[n] = "Filter by an id, a whole number like 4"
			continue
		}
		out[n] = id
	}
	if len(errs) > 0 {
		c.JSON(http.StatusUnprocessableEntity, apiError{Error: "A filter is not valid.", Fields: errs})
		return nil, false
	}
	return out, true
}

// apiQueryOption reads an optional filter that must be one of options;
// false means a 422 has been sent.
func apiQueryOption(c *gin.Context, name string, options []tracker.Option) (string, bool) {
	v := strings.TrimSpace(c.Query(name))
	if v != "" && !request.ValidOption(options, v) {
		c.JSON(http.StatusUnprocessableEntity, apiError{Error: "A filter is not valid.",
			Fields: map[string]string{name: "Filter by one of: " + strings.Join(enum(options), ", ")}})
		return "", false
	}
	return v, true
}

// pageOfSlice cuts one page out of a list held in memory.
func pageOfSlice[T any](items []T, p tracker.Page) []T {
	from := p.Offset()
	if from >= len(items) {
		return []T{}
	}
	to := from + p.Limit()
	if to > len(items) {
		to = len(items)
	}
	return items[from:to]
}

func isNotFound(err error) bool { return errors.Is(err, tracker.ErrNotFound) }

// Why some items cannot be deleted through the API: the tracker keeps
// them for the record, and the audit trail and "as at" reports rely on
// them.
const (
	noDeleteSource         = "Sources are kept for the record: their recommendations, responses and the audit trail refer to them, so they cannot be deleted."
	noDeleteRecommendation = "Recommendations are kept for the record; close one instead, with a reason, on the recommendation's page."
	noDeleteReference      = "References are kept for the record; close one instead by changing its status to closed, with a reason."
	noDeleteMeasure        = "Measures are kept for the record; remove a wrong value with DELETE /measures/{id}/values/{value}."
)

// checkOrg reports an organisation id that does not exist at its field;
// 0 is left to the domain's own "choose an organisation" message.
func (s *Server) checkOrg(c *gin.Context, id int64, field string, errs map[string]string) error {
	if id == 0 {
		return nil
	}
	_, err := s.store.Organisation(c.Request.Context(), id)
	if isNotFound(err) {
		errs[field] = "There is no organisation with this id; GET /organisations lists them"
		return nil
	}
	return err
}

func hasDuplicate(list []int64) bool {
	seen := map[int64]bool{}
	for _, id := range list {
		if seen[id] {
			return true
		}
		seen[id] = true
	}
	return false
}

// nullable is a field of a change request that tells apart "left out"
// (keep the value), null (clear it) and a value.
type nullable[T any] struct {
	Set, Null bool
	Value     T
}

// UnmarshalJSON records that the field was sent, and whether as null.
func (n *nullable[T]) UnmarshalJSON(b []byte) error {
	n.Set = true
	if string(b) == "null" {
		n.Null = true
		return nil
	}
	return json.Unmarshal(b, &n.Value)
}

// apply writes the field over *dst: nil for null, the value when sent.
func (n nullable[T]) apply(dst **T) {
	switch {
	case !n.Set:
	case n.Null:
		*dst = nil
	default:
		v := n.Value
		*dst = &v
	}
}

// apiBindQuery reads a list's filters into v, a struct of form-tagged
// fields, as the pages read theirs (request.BindQuery); a value of the wrong kind
// (?overdue=maybe) is answered with 422 naming the filter and what it
// takes, and so is a "changed since" date that is not a date. False means
// the answer is sent.
func apiBindQuery(c *gin.Context, v any) bool {
	bad := request.BindQuery(c, v)
	fields := map[string]string{}
	t := reflect.TypeOf(v).Elem()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := f.Tag.Get("form")
		if _, ok := bad[name]; !ok {
			continue
		}
		val := c.Query(name)
		switch f.Type.Kind() {
		case reflect.Bool:
			fields[name] = fmt.Sprintf("Send %s as true or false, not %q", name, val)
		case reflect.Int, reflect.Int64:
			fields[name] = fmt.Sprintf("Send %s as a whole number, not %q", name, val)
		default:
			fields[name] = bad[name]
		}
	}
	if since := request.ChangedSince(c); since != "" {
		if _, err := tracker.ParseISODate(since); err != nil {
			fields[request.ChangedSinceParam] = err.Error()
		}
	}
	if len(fields) > 0 {
		c.JSON(http.StatusUnprocessableEntity, apiError{Error: "A filter is not valid; /api/v1/openapi.json lists the filters each list takes.", Fields: fields})
		return false
	}
	return true
}

// apiChangedSince is the list's ?changed_since= (or ?since=) date, already
// checked by apiBindQuery; nil when none.
func apiChangedSince(c *gin.Context) *time.Time {
	d, err := tracker.ParseISODate(request.ChangedSince(c))
	if err != nil {
		return nil
	}
	return &d
}

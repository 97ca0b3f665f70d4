package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

// HistoryRow is one audit event as the History section shows it.
type HistoryRow struct {
	At      time.Time
	Actor   string
	Channel string
	What    string
	Changes []HistoryChange
}

// HistoryChange is one field's old and new value, ready to print.
type HistoryChange struct {
	Field string
	Old   string
	New   string
}

var opWords = map[string]string{
	tracker.OpCreate: "created", tracker.OpUpdate: "changed", tracker.OpDelete: "deleted", tracker.OpRestore: "restored",
}

// historyNames turns stored ids and codes into the words pages use.
type historyNames struct {
	orgs, sources, recs, refs map[int64]string
	// revisions are the item's deadline moves, for the reasons given.
	revisions []tracker.DeadlineRevision
}

// emptyValue is how the History shows a field that had no value.
const emptyValue = "not set"

// dateFields are the dates whose moves are deadline revisions.
var dateFields = map[string]bool{"due_date": true, "deadline_date": true}

// historyRows turns audit events into rows, newest first, with
// organisations, sources, recommendations and references named, codes in
// words, and each move of a date with the reason given for it (from the
// item's deadline revisions).
func (s *Server) historyRows(c *gin.Context, events []tracker.AuditEvent, revisions ...tracker.DeadlineRevision) []HistoryRow {
	n := historyNames{orgs: map[int64]string{}, sources: map[int64]string{}, recs: map[int64]string{}, refs: map[int64]string{}}
	ctx := c.Request.Context()
	if orgs, err := s.store.Organisations(ctx); err == nil {
		for _, o := range orgs {
			n.orgs[o.ID] = o.Name
		}
	}
	// Only the sources, recommendations and references the events name
	// are looked up; a name that cannot be found stays a number.
	for _, e := range events {
		for _, ch := range e.Changes {
			var values []any
			for _, v := range []any{ch.Old, ch.New} {
				if list, ok := v.([]any); ok {
					values = append(values, list...)
				} else {
					values = append(values, v)
				}
			}
			for _, v := range values {
				f, ok := v.(float64)
				if !ok {
					continue
				}
				id := int64(f)
				switch ch.Field {
				case "source_id":
					if _, seen := n.sources[id]; !seen {
						if src, err := s.store.Source(ctx, id); err == nil {
							n.sources[id] = src.Title
						}
					}
				case "recommendation_id", "recommendations":
					if _, seen := n.recs[id]; !seen {
						if d, err := s.store.RecommendationDetail(ctx, id); err == nil {
							n.recs[id] = "Recommendation " + d.Recommendation.Number + " of " + d.Source.Title
						}
					}
				case "reference_id":
					if _, seen := n.refs[id]; !seen {
						if d, err := s.store.ReferenceDetail(ctx, id); err == nil {
							n.refs[id] = d.Reference.Heading()
						}
					}
				}
			}
		}
	}
	n.revisions = revisions
	return historyRows(events, n)
}

// fieldWords are the History's names for stored fields.
var fieldWords = map[string]string{
	"organisation_id": "organisation", "issued_by_id": "issued by", "requested_by_id": "asked by",
	"responding_org_id": "to be answered by", "source_id": "source", "recommendation_id": "recommendation",
	"reference_id": "reference", "rag": "RAG rating", "url": "web address", "issued_on": "date", "raised_on": "date raised",
	"dated": "date", "to_text": "to", "external_ref": "reference in the imported log", "made_on": "made on",
}

// value shows one stored value of field in words.
func (n historyNames) value(entity, field string, v any) string {
	name := func(m map[int64]string, v any) string {
		if f, ok := v.(float64); ok {
			if s, ok := m[int64(f)]; ok {
				return s
			}
		}
		return historyValue(v)
	}
	list := func(m map[int64]string, v any) string {
		items, ok := v.([]any)
		if !ok {
			return historyValue(v)
		}
		out := make([]string, len(items))
		for i, it := range items {
			out[i] = name(m, it)
		}
		if len(out) == 0 {
			return "none"
		}
		return strings.Join(out, "; ")
	}
	code := func(label func(string) string) string {
		if s, ok := v.(string); ok {
			if l := label(s); l != "" {
				return l
			}
		}
		return historyValue(v)
	}
	switch field {
	case "organisation_id", "issued_by_id", "requested_by_id", "responding_org_id", "from_org_id":
		return name(n.orgs, v)
	case "source_id":
		return name(n.sources, v)
	case "recommendation_id":
		return name(n.recs, v)
	case "recommendations":
		return list(n.recs, v)
	case "reference_id":
		return name(n.refs, v)
	case "addressees":
		return list(n.orgs, v)
	case "rag":
		return code(tracker.RAGLabel)
	case "position":
		return code(tracker.PositionLabel)
	case "assessment":
		return code(tracker.AssessmentLabel)
	case "kind":
		return code(tracker.SourceKindLabel)
	case "direction":
		return code(tracker.DirectionLabel)
	case "status":
		switch entity {
		case "action":
			return code(tracker.ActionStatusLabel)
		case "recommendation":
			return code(tracker.RecommendationStatusLabel)
		case "reference":
			return code(tracker.ReferenceStatusLabel)
		}
	}
	return historyValue(v)
}

// reasonFor finds the deadline revision that made a date change, the first
// not yet used with the same old and new dates, and gives its reason.
func (n historyNames) reasonFor(c tracker.Change, used map[int]bool) string {
	day := func(v any) string {
		if s, ok := v.(string); ok && len(s) >= 10 {
			return s[:10]
		}
		return ""
	}
	iso := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format("2006-01-02")
	}
	for i, r := range n.revisions {
		if !used[i] && iso(r.OldDate) == day(c.Old) && iso(r.NewDate) == day(c.New) {
			used[i] = true
			return r.Reason
		}
	}
	return ""
}

func historyRows(events []tracker.AuditEvent, n historyNames) []HistoryRow {
	out := make([]HistoryRow, 0, len(events))
	used := map[int]bool{}
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		row := HistoryRow{At: e.At, Actor: e.Actor, Channel: e.Channel, What: strings.TrimSpace(entityWord(e.Entity) + " " + opWords[e.Op])}
		for _, c := range e.Changes {
			if c.Field == "version" {
				continue
			}
			field := fieldWords[c.Field]
			if field == "" {
				field = strings.ReplaceAll(c.Field, "_", " ")
			}
			ch := HistoryChange{Field: field, Old: n.value(e.Entity, c.Field, c.Old), New: n.value(e.Entity, c.Field, c.New)}
			if kind, org, ok := store.AddresseeField(c.Field); ok {
				// One addressee's own status, or the date it took it.
				who := n.value(e.Entity, "organisation_id", float64(org))
				ch.Field = "status for " + who
				if kind == "status_date" {
					ch.Field = "status date for " + who
				} else {
					ch.Old, ch.New = n.value(e.Entity, "status", c.Old), n.value(e.Entity, "status", c.New)
				}
			}
			if c.Field == "reason" && ch.Old == emptyValue {
				ch.Old = "" // a reason is given with a change, not changed
			}
			if e.Op == tracker.OpCreate {
				// A new item lists the values it was given, not "not set →".
				if ch.New == emptyValue || ch.New == "[]" || ch.New == "none" {
					continue
				}
				ch.Old = ""
			}
			row.Changes = append(row.Changes, ch)
			if e.Op == tracker.OpUpdate && dateFields[c.Field] {
				if reason := n.reasonFor(c, used); reason != "" {
					row.Changes = append(row.Changes, HistoryChange{Field: "reason given", New: reason})
				}
			}
		}
		out = append(out, row)
	}
	return out
}

func entityWord(entity string) string {
	switch entity {
	case "update":
		return "Progress update"
	case "":
		return ""
	default:
		return strings.ToUpper(entity[:1]) + entity[1:]
	}
}

func historyValue(v any) string {
	switch t := v.(type) {
	case nil:
		return emptyValue
	case string:
		if t == "" {
			return emptyValue
		}
		if d, err := time.Parse("2006-01-02", t); err == nil {
			return tracker.FormatDate(d)
		}
		return t
	case float64:
		return formatNumber(t)
	case bool:
		if t {
			return "yes"
		}
		return "no"
	default:
		return fmt.Sprint(t)
	}
}

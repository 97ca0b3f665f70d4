package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
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

// historyRows turns audit events into rows, newest first.
func historyRows(events []tracker.AuditEvent) []HistoryRow {
	out := make([]HistoryRow, 0, len(events))
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		row := HistoryRow{At: e.At, Actor: e.Actor, Channel: e.Channel, What: strings.TrimSpace(entityWord(e.Entity) + " " + opWords[e.Op])}
		for _, c := range e.Changes {
			if c.Field == "version" {
				continue
			}
			ch := HistoryChange{Field: strings.ReplaceAll(c.Field, "_", " "), Old: historyValue(c.Old), New: historyValue(c.New)}
			if e.Op == tracker.OpCreate {
				// A new item lists the values it was given, not "(empty) →".
				if ch.New == "(empty)" || ch.New == "[]" {
					continue
				}
				ch.Old = ""
			}
			row.Changes = append(row.Changes, ch)
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
		return "(empty)"
	case string:
		if t == "" {
			return "(empty)"
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

package report

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// Kinds of report.
const (
	KindReference   = "reference"
	KindSource      = "source"
	KindOutstanding = "outstanding"
	KindActions     = "actions"
)

// Request says which report to write, about what, and as at which day.
type Request struct {
	Kind        string
	ReferenceID int64
	SourceID    int64
	// Filter narrows the action log; its Today is ignored (the as-at day
	// counts).
	Filter tracker.ActionFilter
	// Scope describes the action log's filter in words.
	Scope string
	// AsAt is the day the report shows; Moment turns it into the end of
	// that day.
	AsAt  time.Time
	Since *time.Time
	// Author names who the document is from when the data does not.
	Author string
}

// Moment is the last instant of the as-at day: the report shows every
// change made that day and none after, so the same day gives the same
// document, byte for byte.
func Moment(day time.Time) time.Time {
	return tracker.Day(day).Add(24*time.Hour - time.Microsecond)
}

// Render writes the requested report from a state loaded at Moment(AsAt).
func Render(w io.Writer, fonts *Fonts, st *tracker.State, req Request) (Result, error) {
	meta := Meta{AsAt: Moment(req.AsAt), Since: req.Since, Author: req.Author}
	switch req.Kind {
	case KindReference:
		d, ok := st.ReferenceReport(req.ReferenceID)
		if !ok {
			return Result{}, fmt.Errorf("reference %d as at %s: %w", req.ReferenceID, tracker.FormatDate(req.AsAt), tracker.ErrNotFound)
		}
		return ReferenceResponse(w, fonts, st, d, meta)
	case KindSource:
		d, recs, ok := st.SourceReport(req.SourceID)
		if !ok {
			return Result{}, fmt.Errorf("source %d as at %s: %w", req.SourceID, tracker.FormatDate(req.AsAt), tracker.ErrNotFound)
		}
		return SourceStatus(w, fonts, st, d, recs, meta)
	case KindOutstanding:
		return Outstanding(w, fonts, st, meta)
	case KindActions:
		scope := req.Scope
		if scope == "" {
			scope = "All actions"
		}
		return ActionLog(w, fonts, st, st.ActionLog(req.Filter), scope, meta)
	}
	return Result{}, fmt.Errorf("unknown report %q: choose reference, source, outstanding or actions", req.Kind)
}

// FileName is a download name such as "outstanding-as-at-2026-11-23.pdf".
func FileName(kind, about string, asAt time.Time) string {
	slug := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 32
		}
		return '-'
	}, about)
	for strings.Contains(slug, "--") {
		slug = strings.ReplaceAll(slug, "--", "-")
	}
	slug = strings.Trim(slug, "-")
	if len(slug) > 40 {
		slug = strings.Trim(slug[:40], "-")
	}
	name := kind
	if slug != "" {
		name += "-" + slug
	}
	return name + "-as-at-" + tracker.Day(asAt).Format("2006-01-02") + ".pdf"
}

package report

import (
	"context"
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
	// Filter narrows and sorts the action log as the log page does; its
	// Today and Page are ignored (the as-at day counts, every row is shown).
	Filter tracker.ActionFilter
	// Scope describes the action log's filter in words.
	Scope string
	// AsAt is the day the report shows; Moment turns it into the end of
	// that day.
	AsAt  time.Time
	Since *time.Time
	// Author names who the document is from when the data does not.
	Author string
	// LeaveOutActions prints a reference's reply without its actions
	// (the reply only; other reports ignore it).
	LeaveOutActions bool
}

// Moment is the last instant of the as-at day: the report shows every
// change made that day and none after, so the same day gives the same
// document, byte for byte.
func Moment(day time.Time) time.Time {
	return tracker.Day(day).Add(24*time.Hour - time.Microsecond)
}

// Data is what the reports read: the store's own queries, the ones the
// pages use, answered as at the report's moment (store.ReadAsAt).
type Data interface {
	ReferenceDetail(ctx context.Context, id int64) (tracker.ReferenceDetail, error)
	SourceReport(ctx context.Context, id int64, today time.Time) (tracker.SourceDetail, []tracker.RecommendationDetail, error)
	Outstanding(ctx context.Context, today time.Time) ([]tracker.OrganisationGroup, error)
	ListActions(ctx context.Context, f tracker.ActionFilter) ([]tracker.ActionItem, int64, error)
}

// Contents is what one report shows, read from the store and ready to
// be set: reading happens inside the as-at read, writing after it.
type Contents struct {
	req       Request
	view      *tracker.View
	meta      Meta
	reference tracker.ReferenceDetail
	source    tracker.SourceDetail
	recs      []tracker.RecommendationDetail
	groups    []tracker.OrganisationGroup
	items     []tracker.ActionItem
}

// Read gathers what the requested report shows from data, read as at
// view.AsAt, the end of the request's as-at day.
func Read(ctx context.Context, data Data, view *tracker.View, req Request) (*Contents, error) {
	c := &Contents{req: req, view: view, meta: Meta{AsAt: Moment(req.AsAt), Since: req.Since, Author: req.Author}}
	today := tracker.Day(req.AsAt)
	var err error
	switch req.Kind {
	case KindReference:
		if c.reference, err = data.ReferenceDetail(ctx, req.ReferenceID); err != nil {
			return nil, fmt.Errorf("reference %d as at %s: %w", req.ReferenceID, tracker.FormatDate(req.AsAt), err)
		}
	case KindSource:
		if c.source, c.recs, err = data.SourceReport(ctx, req.SourceID, today); err != nil {
			return nil, fmt.Errorf("source %d as at %s: %w", req.SourceID, tracker.FormatDate(req.AsAt), err)
		}
	case KindOutstanding:
		if c.groups, err = data.Outstanding(ctx, today); err != nil {
			return nil, err
		}
	case KindActions:
		f := req.Filter
		// A row shows the latest update alone.
		f.Today, f.Page, f.LatestUpdateOnly = today, tracker.AllRows, true
		c.meta.Order = f.Sort
		if c.items, _, err = data.ListActions(ctx, f); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown report %q: choose reference, source, outstanding or actions", req.Kind)
	}
	return c, nil
}

// Write sets the contents as a PDF.
func (c *Contents) Write(w io.Writer, fonts *Fonts) (Result, error) {
	switch c.req.Kind {
	case KindReference:
		return ReferenceResponse(w, fonts, c.view, c.reference, c.meta, ReplyOptions{LeaveOutActions: c.req.LeaveOutActions})
	case KindSource:
		return SourceStatus(w, fonts, c.view, c.source, c.recs, c.meta)
	case KindOutstanding:
		return Outstanding(w, fonts, c.view, c.groups, c.meta)
	}
	scope := c.req.Scope
	if scope == "" {
		scope = "All actions"
	}
	return ActionLog(w, fonts, c.view, c.items, scope, c.meta)
}

// Render reads and writes the requested report in one step.
func Render(ctx context.Context, w io.Writer, fonts *Fonts, data Data, view *tracker.View, req Request) (Result, error) {
	c, err := Read(ctx, data, view, req)
	if err != nil {
		return Result{}, err
	}
	return c.Write(w, fonts)
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

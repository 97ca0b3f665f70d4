package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/report"
	"github.com/civic-tracker/tracker/tracker/store"
)

// reportCmd writes one of the PDF reports:
//
//	tracker report reference|source|outstanding|actions [--ref NUMBER] [--source TEXT]
//	    [--as-at YYYY-MM-DD] [--mark-since YYYY-MM-DD] [--as-recorded] [--no-actions] -o FILE.pdf
//	tracker report schedule --meeting ID -o FILE.pdf
func reportCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return errors.New("say which report: tracker report reference|source|outstanding|actions|schedule ... -o FILE.pdf")
	}
	kind := args[0]
	var c config
	var ref, source, asAtText, sinceText, output, fontDir string
	var recorded, noActions bool
	var meeting int64
	fs := newFlags("report "+kind, out)
	dbFlag(fs, &c)
	fs.StringVar(&ref, "ref", "", "the reference's number (reference report)")
	fs.StringVar(&source, "source", "", "text the source's title contains (source report; narrows the action log)")
	fs.StringVar(&asAtText, "as-at", "", "show the tracker as it stood at the end of this day, like 2022-05-17 or 17/05/2022 (default today)")
	fs.StringVar(&sinceText, "mark-since", "", "mark items new or changed since this day, like 2022-05-17 or 17/05/2022 (the pages' mark_since)")
	fs.StringVar(&sinceText, "since", "", "the older name of --mark-since")
	fs.BoolVar(&recorded, "as-recorded", false, "read the tracker as it had been typed in by the --as-at day, rather than by the dates things took effect")
	fs.BoolVar(&noActions, "no-actions", false, "leave the actions out of a reference's reply")
	fs.Int64Var(&meeting, "meeting", 0, "the meeting's id, as `tracker meeting list` shows it (schedule report)")
	fs.StringVar(&output, "o", "", "the PDF file to write")
	fs.StringVar(&fontDir, "font-dir", os.Getenv("TRACKER_PDF_FONT_DIR"), "a folder holding the DejaVu Sans faces (env TRACKER_PDF_FONT_DIR); default: the system's DejaVu Sans, else the Go fonts")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if output == "" {
		return errors.New("say where to write the PDF: -o FILE.pdf")
	}
	req := report.Request{Kind: kind, AsAt: clock.Today(), LeaveOutActions: noActions}
	switch kind {
	case report.KindReference, report.KindSource, report.KindOutstanding, report.KindActions:
	case report.KindSchedule:
		return scheduleReport(ctx, c, meeting, output, fontDir, out)
	default:
		return fmt.Errorf("unknown report %q: choose reference, source, outstanding, actions or schedule", kind)
	}
	if err := readReportDates(&req, asAtText, sinceText); err != nil {
		return err
	}
	if err := c.validate(false); err != nil {
		return err
	}
	if err := sqliteMustExist(c.DB); err != nil {
		return err
	}
	fonts, err := report.LoadFonts(fontDir)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, c.DB, true)
	if err != nil {
		return err
	}
	defer s.Close()
	var buf bytes.Buffer
	var contents *report.Contents
	err = s.ReadAsAt(ctx, report.Moment(req.AsAt), store.AsAtOptions{Since: req.Since, Recorded: recorded}, func(tx *store.Store, view *tracker.View) error {
		if err := pickSubject(ctx, tx, &req, ref, source); err != nil {
			return err
		}
		var err error
		contents, err = report.Read(ctx, tx, view, req)
		return err
	})
	if err != nil {
		return err
	}
	empty := contents.Items() == 0
	if empty && kind != report.KindOutstanding && kind != report.KindActions {
		// A reference or source with nothing in it is a mistake to report on.
		return fmt.Errorf("nothing to report: the %s holds no recommendations as at %s, so no PDF was written", kind, tracker.FormatDate(req.AsAt))
	}
	res, err := contents.Write(&buf, fonts)
	if err != nil {
		return err
	}
	if err := os.WriteFile(output, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", output, err)
	}
	fmt.Fprintf(out, "Wrote %s: %d pages, as at %s, set in %s.\n", output, res.Pages, tracker.FormatDate(req.AsAt), fonts.Name)
	if empty {
		// Nothing outstanding, or no action matching, is news worth a page,
		// but the reader should not have to open the PDF to find out.
		fmt.Fprintf(out, "The report holds no items: %s.\n", emptyReason(kind, source, req.AsAt))
	}
	if res.Replaced > 0 {
		fmt.Fprintf(out, "%d character(s) the font cannot draw are shown as %s.\n", res.Replaced, fonts.Replacement())
	}
	return nil
}

// emptyReason says why an outstanding or action-log report lists nothing.
func emptyReason(kind, source string, asAt time.Time) string {
	day := tracker.FormatDate(asAt)
	if kind == report.KindOutstanding {
		return "nothing was outstanding as at " + day
	}
	if source != "" {
		return "the source has no actions as at " + day
	}
	return "the tracker had no actions as at " + day
}

// pickReference finds a reference by its number, or else by words of its
// title; none or several is an error listing the candidates.
func pickReference(ctx context.Context, s *store.Store, ref string) (tracker.Reference, error) {
	all, _, err := s.ListReferences(ctx, tracker.AllRows)
	if err != nil {
		return tracker.Reference{}, err
	}
	var hits []tracker.Reference
	for _, r := range all {
		if r.Number == ref {
			hits = append(hits, r)
		}
	}
	if len(hits) == 0 {
		for _, r := range all {
			if strings.Contains(strings.ToLower(r.Title), strings.ToLower(ref)) {
				hits = append(hits, r)
			}
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	list := hits
	if len(list) == 0 {
		list = all
	}
	var names []string
	for _, r := range list {
		names = append(names, fmt.Sprintf("%q", r.Heading()))
	}
	sort.Strings(names)
	if len(hits) > 1 {
		return tracker.Reference{}, fmt.Errorf("--ref %q matches %d references: %s", ref, len(hits), strings.Join(names, ", "))
	}
	if len(names) == 0 {
		return tracker.Reference{}, fmt.Errorf("no reference numbered %q: the tracker holds no references as at that day%s", ref, emptyHint)
	}
	return tracker.Reference{}, fmt.Errorf("no reference numbered %q; the references are %s", ref, strings.Join(names, ", "))
}

// emptyHint ends the message for a tracker with nothing to pick from.
const emptyHint = ` (to try the reports on the example data, load it first: "tracker seed --example --db FILE", then give the same --db)`

// pickSource finds the source whose title contains text; none or several
// is an error listing the candidates.
func pickSource(ctx context.Context, s *store.Store, text string) (tracker.Source, error) {
	hits, _, err := s.FilterSources(ctx, store.SourceFilter{Title: text, Page: tracker.AllRows})
	if err != nil {
		return tracker.Source{}, err
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	list := hits
	if len(list) == 0 {
		if list, _, err = s.FilterSources(ctx, store.SourceFilter{Page: tracker.AllRows}); err != nil {
			return tracker.Source{}, err
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	var names []string
	for _, s := range list {
		names = append(names, fmt.Sprintf("%q", s.Title))
	}
	if len(hits) > 1 {
		return tracker.Source{}, fmt.Errorf("--source %q matches %d sources: %s", text, len(hits), strings.Join(names, ", "))
	}
	if len(names) == 0 {
		return tracker.Source{}, fmt.Errorf("no source title contains %q: the tracker holds no sources as at that day%s", text, emptyHint)
	}
	return tracker.Source{}, fmt.Errorf("no source title contains %q; the sources are %s", text, strings.Join(names, ", "))
}

// readReportDates reads --as-at and --mark-since into req.
func readReportDates(req *report.Request, asAtText, sinceText string) error {
	if asAtText != "" {
		d, err := tracker.ParseDate(asAtText)
		if err != nil {
			return fmt.Errorf("--as-at: %w", err)
		}
		req.AsAt = d
	}
	if sinceText != "" {
		d, err := tracker.ParseDate(sinceText)
		if err != nil {
			return fmt.Errorf("--mark-since: %w", err)
		}
		if d.After(req.AsAt) {
			return errors.New("--mark-since must be before --as-at")
		}
		req.Since = &d
	}
	return nil
}

// pickSubject finds the reference or source the report is about, from
// --ref and --source.
func pickSubject(ctx context.Context, tx *store.Store, req *report.Request, ref, source string) error {
	switch req.Kind {
	case report.KindReference:
		if ref == "" {
			return errors.New("say which reference: --ref NUMBER")
		}
		r, err := pickReference(ctx, tx, ref)
		if err != nil {
			return err
		}
		req.ReferenceID = r.ID
	case report.KindSource:
		if source == "" {
			return errors.New("say which source: --source TEXT (part of its title)")
		}
		src, err := pickSource(ctx, tx, source)
		if err != nil {
			return err
		}
		req.SourceID = src.ID
	case report.KindActions:
		req.Scope = "All actions"
		if source != "" {
			src, err := pickSource(ctx, tx, source)
			if err != nil {
				return err
			}
			req.Filter.SourceID, req.Scope = src.ID, "Actions of “"+src.Title+"”"
		}
	}
	return nil
}

// scheduleReport writes a meeting's schedule of outstanding references: as
// issued with its papers, or, while the meeting is planned, as the tracker
// stands.
func scheduleReport(ctx context.Context, c config, meeting int64, output, fontDir string, out io.Writer) error {
	if meeting == 0 {
		return errors.New("say which meeting: --meeting ID (tracker meeting list shows the ids)")
	}
	if err := c.validate(false); err != nil {
		return err
	}
	if err := sqliteMustExist(c.DB); err != nil {
		return err
	}
	fonts, err := report.LoadFonts(fontDir)
	if err != nil {
		return err
	}
	s, err := openStore(ctx, c.DB, true)
	if err != nil {
		return err
	}
	defer s.Close()
	sc, err := s.Schedule(ctx, meeting)
	if errors.Is(err, tracker.ErrNotFound) {
		return fmt.Errorf("there is no meeting %d; tracker meeting list shows the meetings", meeting)
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	res, err := report.Schedule(&buf, fonts, sc, report.ScheduleMeta(sc))
	if err != nil {
		return err
	}
	if err := os.WriteFile(output, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", output, err)
	}
	fmt.Fprintf(out, "Wrote %s: %d pages, %d references, as at %s, set in %s.\n%s.\n", output, res.Pages, len(sc.Items),
		tracker.FormatDate(sc.AsAt), fonts.Name, sc.Standing())
	return nil
}

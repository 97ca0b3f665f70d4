package web

import (
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/xuri/excelize/v2"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Exports write a list, filtered as the page shows it, as CSV or XLSX.
// Their headers are the import's field labels, so a file exported here
// imports back with the mapping guessed.

// exportTable is an export being written: a header row, then rows, sent
// as they come so that memory stays flat however long the list is. CSV is
// UTF-8 with a byte order mark, so Excel reads it as UTF-8; XLSX goes
// through excelize's stream writer, which keeps the rows on disk.
type exportTable struct {
	s      *Server
	c      *gin.Context
	name   string
	format string
	header []string
	// started is set once the response status and headers are sent; an
	// error after that cannot become an error page.
	started bool
	csv     *csv.Writer
	xlsx    *excelize.File
	sheet   *excelize.StreamWriter
	n       int
}

func (s *Server) newExport(c *gin.Context, name, format string, header []string) *exportTable {
	return &exportTable{s: s, c: c, name: name, format: format, header: header}
}

func (t *exportTable) start() error {
	if t.started {
		return nil
	}
	t.started = true
	stamp := t.s.today().Format("2006-01-02")
	w := t.c.Writer
	switch t.format {
	case "csv":
		t.c.Header("Content-Type", "text/csv; charset=utf-8")
		t.c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, t.name, stamp))
		t.c.Status(http.StatusOK)
		if _, err := io.WriteString(w, "\uFEFF"); err != nil {
			return err
		}
		t.csv = csv.NewWriter(w)
		t.csv.UseCRLF = true
		return t.csv.Write(t.header)
	case "xlsx":
		t.xlsx = excelize.NewFile()
		if err := t.xlsx.SetSheetName("Sheet1", t.name); err != nil {
			return err
		}
		sw, err := t.xlsx.NewStreamWriter(t.name)
		if err != nil {
			return err
		}
		t.sheet = sw
		return t.xlsxRow(t.header)
	}
	return fmt.Errorf("unknown export format %q", t.format)
}

func (t *exportTable) xlsxRow(cells []string) error {
	t.n++
	vals := make([]any, len(cells))
	for i, c := range cells {
		vals[i] = c
	}
	ref, _ := excelize.CoordinatesToCellName(1, t.n)
	return t.sheet.SetRow(ref, vals)
}

// row writes one row; CSV cells a spreadsheet would run as formulas are
// escaped.
func (t *exportTable) row(cells []string) error {
	if err := t.start(); err != nil {
		return err
	}
	if t.format == "xlsx" {
		return t.xlsxRow(cells)
	}
	safe := make([]string, len(cells))
	for i, cell := range cells {
		safe[i] = importer.EscapeFormula(cell)
	}
	return t.csv.Write(safe)
}

// finish ends the file, or on err answers with an error page when nothing
// is sent yet and otherwise cuts the response short, so a download that
// failed half way never looks complete.
func (t *exportTable) finish(err error) {
	if err == nil {
		err = t.start()
	}
	if err == nil {
		switch t.format {
		case "csv":
			t.csv.Flush()
			err = t.csv.Error()
		case "xlsx":
			defer t.xlsx.Close()
			if err = t.sheet.Flush(); err == nil {
				t.c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
				t.c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.xlsx"`, t.name, t.s.today().Format("2006-01-02")))
				t.c.Status(http.StatusOK)
				err = t.xlsx.Write(t.c.Writer)
			}
		}
	}
	if err == nil {
		return
	}
	if !t.c.Writer.Written() {
		t.s.fail(t.c, err)
		return
	}
	t.s.log.Error("export failed part way", "request_id", request.ID(t.c), "path", t.c.Request.URL.Path, "error", err)
	panic(http.ErrAbortHandler)
}

// exportFormat is the format the path asks for: /actions.csv, /actions.xlsx.
func exportFormat(c *gin.Context) (string, bool) {
	p := c.Request.URL.Path
	switch {
	case strings.HasSuffix(p, ".csv"):
		return "csv", true
	case strings.HasSuffix(p, ".xlsx"):
		return "xlsx", true
	}
	return "", false
}

// exportDate writes a date the way the import reads it back.
func exportDate(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format("2006-01-02")
}

// recommendationExportHeader is the recommendations export's header: one
// row per (recommendation, addressee). "Status" and "Status date" are the
// row's addressee's own, which an import reads back (status, status_date);
// "Overall status" is the recommendation's, derived from its addressees'
// by the written rule (tracker.DerivedStatus), so an import leaves it
// unmapped and derives it again.
var recommendationExportHeader = []string{"Source", "Source reference", "Source date", "Issued by", "Recommendation number", "Title", "Text",
	"Addressed to", "Deadline", "Status", "Status date", "Overall status", "Management response", "Response position", "Response date", "Themes", "Date made"}

func (s *Server) recommendationExport(c *gin.Context) {
	format, ok := exportFormat(c)
	if !ok {
		s.notFound(c)
		return
	}
	f, _, errs := recommendationFilterOf(c, s.today())
	if len(errs) > 0 {
		s.badFilter(c, errs)
		return
	}
	t := s.newExport(c, "recommendations", format, recommendationExportHeader)
	t.finish(s.store.EachRecommendation(c.Request.Context(), f, func(it tracker.RecommendationItem) error {
		r, src := it.Recommendation, it.Source
		deadline := r.DeadlineText
		if r.DeadlineDate != nil {
			deadline = exportDate(r.DeadlineDate)
		}
		addressees := r.Addressees
		if len(addressees) == 0 {
			addressees = []tracker.Organisation{{}}
		}
		// One row per addressee, with that addressee's own status and
		// current response: the way spreadsheets of recommendations and
		// their replies are kept, and the import's row.
		for _, o := range addressees {
			status, statusDate := tracker.RecommendationStatusLabel(r.Status), ""
			if st, ok := r.StatusOf(o.ID); ok {
				status, statusDate = tracker.RecommendationStatusLabel(r.OwnStatus(o.ID)), exportDate(st.StatusDate)
			}
			var resp tracker.Response
			for _, cur := range it.Responses {
				if cur.OrganisationID == o.ID {
					resp = cur
				}
			}
			respDate := exportDate(resp.Date)
			if respDate == "" {
				respDate = resp.DateText
			}
			position := ""
			if resp.ID != 0 {
				position = tracker.PositionLabel(resp.Position)
			}
			if err := t.row([]string{src.Title, src.Reference, exportDate(src.Date), src.IssuedBy.Name, r.Number, r.Title, r.Text,
				o.Name, deadline, status, statusDate, tracker.RecommendationStatusLabel(r.Status), resp.Text, position, respDate, strings.Join(r.Themes, "; "), exportDate(r.MadeOn)}); err != nil {
				return err
			}
		}
		return nil
	}))
}

func (s *Server) actionExport(c *gin.Context) {
	format, ok := exportFormat(c)
	if !ok {
		s.notFound(c)
		return
	}
	f, _, errs := actionFilterOf(c, s.today())
	if len(errs) > 0 {
		s.badFilter(c, errs)
		return
	}
	t := s.newExport(c, "action-log", format, []string{"Action reference", "Organisation", "Description", "Owner", "Owner's unit", "Due", "Status", "RAG",
		"Completed on", "Latest update", "Update date", "Update by", "Source", "Recommendation number"})
	t.finish(s.store.EachAction(c.Request.Context(), f, func(it tracker.ActionItem) error {
		a := it.Action
		due := a.DueText
		if a.DueDate != nil {
			due = exportDate(a.DueDate)
		}
		var upd tracker.Update
		if len(it.Updates) > 0 {
			upd = it.Updates[0]
		}
		updDate := ""
		if upd.ID != 0 {
			updDate = upd.Date.Format("2006-01-02")
		}
		rag := ""
		if a.RAG != "" {
			rag = tracker.RAGLabel(a.RAG)
		}
		return t.row([]string{actionReference(a), a.Organisation.Name, a.Description, a.Owner, a.OwnerUnit, due,
			tracker.ActionStatusLabel(a.Status), rag, exportDate(a.CompletedOn), upd.Text, updDate, upd.Author, it.SourceTitle, it.RecommendationNumber})
	}))
}

// actionReference is the reference an exported action carries: the log's
// own reference when it came from a spreadsheet. Importing the file again
// updates actions by it, and those without one by organisation and
// description.
func actionReference(a tracker.Action) string { return a.ExternalRef }

// exportQuery is a list's filter as the query of its download links. The
// values come from url.Values.Encode, so they are escaped already.
func exportQuery(q url.Values) template.URL {
	if len(q) == 0 {
		return ""
	}
	return template.URL("?" + q.Encode()) //nolint:gosec // encoded above
}

// exportPage is how many sources, references or measures an export reads
// at a time; those lists are short, and read by page they never need a cap.
const exportPage = 500

// eachPage calls list for pages 1, 2, … until one comes back short.
func eachPage(list func(p tracker.Page) (int, error)) error {
	for n := 1; ; n++ {
		got, err := list(tracker.Page{Number: n, Size: exportPage})
		if err != nil || got < exportPage {
			return err
		}
	}
}

func (s *Server) sourceExport(c *gin.Context) {
	format, _ := exportFormat(c)
	t := s.newExport(c, "sources", format, []string{"Title", "Kind", "Issued by", "Date", "Date as written", "Reference", "Web address", "Publisher", "Pages",
		"Keywords", "Recommendations", "Outstanding", "Overdue", "Summary"})
	t.finish(eachPage(func(p tracker.Page) (int, error) {
		items, _, err := s.store.ListSources(c.Request.Context(), p, s.today())
		for _, it := range items {
			if err != nil {
				break
			}
			src := it.Source
			pages := ""
			if src.Pages > 0 {
				pages = fmt.Sprint(src.Pages)
			}
			err = t.row([]string{src.Title, tracker.SourceKindLabel(src.Kind), src.IssuedBy.Name, exportDate(src.Date), src.DateText,
				src.Reference, src.URL, src.Publisher, pages, strings.Join(src.Keywords, "; "), fmt.Sprint(it.Recommendations),
				fmt.Sprint(it.Outstanding), fmt.Sprint(it.Overdue), src.Summary})
		}
		return len(items), err
	}))
}

func (s *Server) referenceExport(c *gin.Context) {
	format, _ := exportFormat(c)
	t := s.newExport(c, "references", format, []string{"Reference number", "Title", "Asked by", "To be answered by", "Date raised", "Status", "What was asked"})
	t.finish(eachPage(func(p tracker.Page) (int, error) {
		items, _, err := s.store.ListReferences(c.Request.Context(), p)
		for _, r := range items {
			if err != nil {
				break
			}
			err = t.row([]string{r.Number, r.Title, r.RequestedBy.Name, r.RespondingOrg.Name, exportDate(r.DateRaised),
				tracker.ReferenceStatusLabel(r.Status), r.RequestText})
		}
		return len(items), err
	}))
}

func (s *Server) measureExport(c *gin.Context) {
	format, _ := exportFormat(c)
	// One row per value, so the series can be charted from the file.
	t := s.newExport(c, "measures", format, []string{"Measure", "Organisation", "Unit", "Better when", "Target", "Target in words", "Target date",
		"Period", "Period ends", "Value", "Where it comes from"})
	t.finish(eachPage(func(p tracker.Page) (int, error) {
		items, _, err := s.store.ListMeasures(c.Request.Context(), p)
		for _, m := range items {
			if err != nil {
				break
			}
			target := ""
			if m.Target != nil {
				target = strconv.FormatFloat(*m.Target, 'f', -1, 64)
			}
			vals := m.Values
			if len(vals) == 0 {
				vals = []tracker.MeasureValue{{}}
			}
			for _, v := range vals {
				value, end := "", ""
				if !v.PeriodEnd.IsZero() {
					value, end = strconv.FormatFloat(v.Value, 'f', -1, 64), v.PeriodEnd.Format("2006-01-02")
				}
				if err = t.row([]string{m.Name, m.Organisation.Name, m.Unit, tracker.DirectionLabel(m.Direction), target, m.TargetText,
					exportDate(m.TargetDate), v.Period, end, value, v.Note}); err != nil {
					break
				}
			}
		}
		return len(items), err
	}))
}

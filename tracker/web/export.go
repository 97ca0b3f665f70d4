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
)

// Exports write a list, filtered as the page shows it, as CSV or XLSX.
// Their headers are the import's field labels, so a file exported here
// imports back with the mapping guessed.

// exportLimit caps one export; a filter narrows a bigger list.
const exportLimit = 100000

// table is an export being written: a header row, then rows.
type table struct {
	header []string
	rows   [][]string
}

// writeTable sends t as CSV (UTF-8 with a byte order mark, so Excel reads
// it as UTF-8) or as an XLSX workbook.
func (s *Server) writeTable(c *gin.Context, name, format string, t table) {
	stamp := s.today().Format("2006-01-02")
	switch format {
	case "csv":
		c.Header("Content-Type", "text/csv; charset=utf-8")
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, name, stamp))
		c.Status(http.StatusOK)
		_ = writeCSV(c.Writer, t)
	case "xlsx":
		c.Header("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.xlsx"`, name, stamp))
		c.Status(http.StatusOK)
		_ = writeXLSX(c.Writer, name, t)
	}
}

func writeCSV(w io.Writer, t table) error {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(t.header); err != nil {
		return err
	}
	for _, r := range t.rows {
		safe := make([]string, len(r))
		for i, cell := range r {
			safe[i] = importer.EscapeFormula(cell)
		}
		if err := cw.Write(safe); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func writeXLSX(w io.Writer, sheet string, t table) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	row := func(n int, cells []string) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		ref, _ := excelize.CoordinatesToCellName(1, n)
		return sw.SetRow(ref, vals)
	}
	if err := row(1, t.header); err != nil {
		return err
	}
	for i, r := range t.rows {
		if err := row(i+2, r); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return f.Write(w)
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

func (s *Server) recommendationExport(c *gin.Context) {
	format, ok := exportFormat(c)
	if !ok {
		s.notFound(c)
		return
	}
	f, _ := recommendationFilterOf(c, s.today())
	f.Page = tracker.Page{Size: exportLimit}
	ctx := c.Request.Context()
	items, _, err := s.store.ListRecommendations(ctx, f)
	if err != nil {
		s.fail(c, err)
		return
	}
	// The current response of each addressee.
	ids := make([]int64, len(items))
	for i, it := range items {
		ids[i] = it.Recommendation.ID
	}
	current, err := s.store.CurrentResponses(ctx, ids)
	if err != nil {
		s.fail(c, err)
		return
	}
	type key struct{ rec, org int64 }
	responses := map[key]tracker.Response{}
	for _, r := range current {
		responses[key{r.RecommendationID, r.OrganisationID}] = r
	}
	orgList, err := s.store.Organisations(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	orgs := map[int64]tracker.Organisation{}
	for _, o := range orgList {
		orgs[o.ID] = o
	}
	t := table{header: []string{"Source", "Source reference", "Source date", "Issued by", "Recommendation number", "Title", "Text",
		"Addressed to", "Deadline", "Status", "Management response", "Response position", "Response date", "Themes", "Date made"}}
	for _, it := range items {
		r, src := it.Recommendation, it.Source
		deadline := r.DeadlineText
		if r.DeadlineDate != nil {
			deadline = exportDate(r.DeadlineDate)
		}
		addressees := r.Addressees
		if len(addressees) == 0 {
			addressees = []tracker.Organisation{{}}
		}
		// One row per addressee, with that addressee's response: the way
		// spreadsheets of recommendations and their replies are kept.
		for _, o := range addressees {
			resp := responses[key{r.ID, o.ID}]
			respDate := exportDate(resp.Date)
			if respDate == "" {
				respDate = resp.DateText
			}
			position := ""
			if resp.ID != 0 {
				position = tracker.PositionLabel(resp.Position)
			}
			t.rows = append(t.rows, []string{src.Title, src.Reference, exportDate(src.Date), orgs[src.IssuedByID].Name, r.Number, r.Title, r.Text,
				o.Name, deadline, tracker.RecommendationStatusLabel(r.Status), resp.Text, position, respDate, strings.Join(r.Themes, "; "), exportDate(r.MadeOn)})
		}
	}
	s.writeTable(c, "recommendations", format, t)
}

func (s *Server) actionExport(c *gin.Context) {
	format, ok := exportFormat(c)
	if !ok {
		s.notFound(c)
		return
	}
	f, _, _ := actionFilterOf(c, s.today())
	f.Page = tracker.Page{Size: exportLimit}
	items, _, err := s.store.ListActions(c.Request.Context(), f)
	if err != nil {
		s.fail(c, err)
		return
	}
	t := table{header: []string{"Action reference", "Organisation", "Description", "Owner", "Owner's unit", "Due", "Status", "RAG",
		"Completed on", "Latest update", "Update date", "Update by", "Source", "Recommendation number"}}
	for _, it := range items {
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
		t.rows = append(t.rows, []string{actionReference(a), a.Organisation.Name, a.Description, a.Owner, a.OwnerUnit, due,
			tracker.ActionStatusLabel(a.Status), rag, exportDate(a.CompletedOn), upd.Text, updDate, upd.Author, it.SourceTitle, it.RecommendationNumber})
	}
	s.writeTable(c, "action-log", format, t)
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

func (s *Server) sourceExport(c *gin.Context) {
	format, _ := exportFormat(c)
	items, _, err := s.store.ListSources(c.Request.Context(), tracker.Page{Size: exportLimit}, s.today())
	if err != nil {
		s.fail(c, err)
		return
	}
	t := table{header: []string{"Title", "Kind", "Issued by", "Date", "Date as written", "Reference", "Web address", "Publisher", "Pages",
		"Keywords", "Recommendations", "Outstanding", "Overdue", "Summary"}}
	for _, it := range items {
		src := it.Source
		pages := ""
		if src.Pages > 0 {
			pages = fmt.Sprint(src.Pages)
		}
		t.rows = append(t.rows, []string{src.Title, tracker.SourceKindLabel(src.Kind), src.IssuedBy.Name, exportDate(src.Date), src.DateText,
			src.Reference, src.URL, src.Publisher, pages, strings.Join(src.Keywords, "; "), fmt.Sprint(it.Recommendations),
			fmt.Sprint(it.Outstanding), fmt.Sprint(it.Overdue), src.Summary})
	}
	s.writeTable(c, "sources", format, t)
}

func (s *Server) referenceExport(c *gin.Context) {
	format, _ := exportFormat(c)
	items, _, err := s.store.ListReferences(c.Request.Context(), tracker.Page{Size: exportLimit})
	if err != nil {
		s.fail(c, err)
		return
	}
	t := table{header: []string{"Reference number", "Title", "Asked by", "To be answered by", "Date raised", "Status", "What was asked"}}
	for _, r := range items {
		t.rows = append(t.rows, []string{r.Number, r.Title, r.RequestedBy.Name, r.RespondingOrg.Name, exportDate(r.DateRaised),
			tracker.ReferenceStatusLabel(r.Status), r.RequestText})
	}
	s.writeTable(c, "references", format, t)
}

func (s *Server) measureExport(c *gin.Context) {
	format, _ := exportFormat(c)
	items, _, err := s.store.ListMeasures(c.Request.Context(), tracker.Page{Size: exportLimit})
	if err != nil {
		s.fail(c, err)
		return
	}
	// One row per value, so the series can be charted from the file.
	t := table{header: []string{"Measure", "Organisation", "Unit", "Better when", "Target", "Target in words", "Target date",
		"Period", "Period ends", "Value", "Where it comes from"}}
	for _, m := range items {
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
			t.rows = append(t.rows, []string{m.Name, m.Organisation.Name, m.Unit, tracker.DirectionLabel(m.Direction), target, m.TargetText,
				exportDate(m.TargetDate), v.Period, end, value, v.Note})
		}
	}
	s.writeTable(c, "measures", format, t)
}

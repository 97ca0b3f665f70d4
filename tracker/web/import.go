package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/gob"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// The spreadsheet import in the browser (issue #6): upload a file, map its
// columns to fields, preview what will be stored, then run it (or try it).
// The uploaded bytes wait between the steps in a temporary file named by a
// random id, beside a small JSON file saying whose upload it is; the
// mapping and defaults travel in the forms, so no step needs a table.

const (
	// importTTL is how long an upload waits for its next step.
	importTTL = time.Hour
	// importPreviewRows is the number of records the preview shows.
	importPreviewRows = 10
	// importFilePrefix names the temporary files of uploads.
	importFilePrefix = "tracker-import-"
)

var importIDPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// importUpload is what is kept beside an upload's bytes.
type importUpload struct {
	ID       string        `json:"id"`
	UserID   int64         `json:"user_id"`
	Kind     importer.Kind `json:"kind"`
	FileName string        `json:"file_name"`
	Created  time.Time     `json:"created"`
}

// importStore runs imports, queues the big ones, and keeps their saved
// mappings.
type importStore interface {
	RunImport(ctx context.Context, b *importer.Batch, opts store.ImportOptions, save *importer.SavedMapping) (store.ImportResult, error)
	LatestImportJob(ctx context.Context, uploadKey string, userID int64) (store.ImportJob, error)
	SaveImportMapping(ctx context.Context, sm importer.SavedMapping) (importer.SavedMapping, error)
	ImportMapping(ctx context.Context, name string) (importer.SavedMapping, error)
	ImportMappings(ctx context.Context, kind importer.Kind) ([]importer.SavedMapping, error)
}

func importPath(id, ext string) string {
	return filepath.Join(os.TempDir(), importFilePrefix+id+ext)
}

// sweepImports removes uploads older than importTTL, whoever left them.
func sweepImports(now time.Time) {
	files, _ := filepath.Glob(filepath.Join(os.TempDir(), importFilePrefix+"*"))
	for _, f := range files {
		if st, err := os.Stat(f); err == nil && now.Sub(st.ModTime()) > importTTL {
			_ = os.Remove(f)
		}
	}
}

// saveUpload keeps the upload's table as read, so that the later steps
// (mapping, preview, run) do not read the file again: a workbook is
// unpacked once per upload.
func saveUpload(up importUpload, tbl *importer.Table) error {
	meta, err := json.Marshal(up)
	if err != nil {
		return err
	}
	var table bytes.Buffer
	if err := gob.NewEncoder(&table).Encode(tbl); err != nil {
		return fmt.Errorf("keep the upload: %w", err)
	}
	if err := os.WriteFile(importPath(up.ID, ".table"), table.Bytes(), 0o600); err != nil {
		return fmt.Errorf("keep the upload: %w", err)
	}
	if err := os.WriteFile(importPath(up.ID, ".json"), meta, 0o600); err != nil {
		_ = os.Remove(importPath(up.ID, ".table"))
		return fmt.Errorf("keep the upload: %w", err)
	}
	return nil
}

func removeUpload(id string) {
	_ = os.Remove(importPath(id, ".table"))
	_ = os.Remove(importPath(id, ".json"))
}

// errUploadGone is an upload that expired, was imported, or is another
// person's.
var errUploadGone = errors.New("upload gone")

// loadUpload reads the upload named in the path, if it is the current
// person's and has not expired, and its table as read at upload.
func (s *Server) loadUpload(c *gin.Context) (importUpload, *importer.Table, error) {
	var up importUpload
	id := c.Param("id")
	if !importIDPattern.MatchString(id) {
		return up, nil, errUploadGone
	}
	meta, err := os.ReadFile(importPath(id, ".json"))
	if err != nil {
		return s.queuedUpload(c, id)
	}
	if err := json.Unmarshal(meta, &up); err != nil || up.ID != id || up.UserID != request.User(c).ID || time.Since(up.Created) > importTTL {
		return up, nil, errUploadGone
	}
	data, err := os.ReadFile(importPath(id, ".table"))
	if err != nil {
		return up, nil, errUploadGone
	}
	var tbl importer.Table
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&tbl); err != nil {
		return up, nil, fmt.Errorf("read upload %s again: %w", id, err)
	}
	return up, &tbl, nil
}

// queuedUpload is the upload of an import the job queue ran, read from its
// row when this server does not keep the upload (another one took it): a
// dry run, or a file refused for its errors, can then be run again here.
func (s *Server) queuedUpload(c *gin.Context, id string) (importUpload, *importer.Table, error) {
	u := request.User(c)
	job, err := s.store.LatestImportJob(c.Request.Context(), id, u.ID)
	if err != nil || job.Table == nil || (job.Result != nil && job.Result.Summary.Saved && !job.Result.Summary.DryRun) ||
		s.now().Sub(job.CreatedAt) > importTTL {
		return importUpload{}, nil, errUploadGone
	}
	return importUpload{ID: id, UserID: u.ID, Kind: job.Kind, FileName: job.FileName, Created: job.CreatedAt}, job.Table, nil
}

// importStartPage is the first step: what the file lists, the file, and
// perhaps a saved mapping.
type importStartPage struct {
	Layout
	Kind     string
	Mapping  string
	Mappings []importer.SavedMapping
	MaxMB    int
	Errors   map[string]string
}

// importColumn is one column of the file on the mapping screen.
type importColumn struct {
	Index    int
	Header   string
	Field    string
	Examples []string
}

// importMappingPage is the second step: a field for each column, and the
// defaults for rows that leave fields empty.
type importMappingPage struct {
	Layout
	ID, FileName, Kind, Format string
	Rows                       int
	Columns                    []importColumn
	Fields                     []importer.FieldInfo
	Options                    importer.Options
	SourceKinds                []tracker.Option
	SaveAs                     string
	Problems                   []string
	Errors                     map[string]string
	// Words lists, for each column mapped to a field with fixed words, the
	// file's words with the tracker's word chosen for each.
	Words []importWords
	// Recommendations is set for a list of recommendations: their numbers
	// can be made by a template.
	Recommendations bool
}

// importWords are the distinct values of one column mapped to a field with
// fixed words, as the mapping screen lists them.
type importWords struct {
	Column, FieldLabel string
	Options            []tracker.Option
	Words              []importWord
	// More counts the words left off a very long list.
	More int
}

// importWord is one of the file's words and the tracker's word chosen for
// it: the translation saved or sent, else the tracker's guess, else none
// (rows with it are then errors).
type importWord struct {
	Index  int
	Field  importer.Field
	Word   string
	Rows   int
	Choice string
}

// maxImportWords is the most words listed for one column: a column with
// more is free text, not a field with fixed words.
const maxImportWords = 60

// ragNone stands for the RAG rating "not rated", whose value is empty, in
// the select of a word; empty there means no choice.
const ragNone = "-"

// hiddenField carries a choice of an earlier step through a form.
type hiddenField struct{ Name, Value string }

// importPreviewPage is the third step: the first records as they will be
// stored, the rows with errors, and the buttons that run the import.
type importPreviewPage struct {
	Layout
	ID, FileName, Kind string
	Rows, Records      int
	Headings           []string
	Preview            [][]string
	Errors             []importer.RowError
	Warnings           []importer.RowError
	BadRows            int
	Hidden             []hiddenField
	SkipBad            bool
}

// importSummaryPage says what the import did, would do, or why it did
// nothing.
type importSummaryPage struct {
	Layout
	ID, Kind      string
	Summary       importer.Summary
	Refused       bool
	Repairs       []repairCount
	Errors        []importer.RowError
	Warnings      []importer.RowError
	Hidden        []hiddenField
	SkipBad       bool
	Again         bool // the upload is still there, so the import can run again
	MappingSaved  string
	MappingFailed string
}

type repairCount struct {
	Label string
	N     int
}

var importCrumbs = []Crumb{{"Import a spreadsheet", "/import"}}

func (s *Server) canImport(c *gin.Context) bool {
	if !request.User(c).CanCreate() {
		s.forbidden(c)
		return false
	}
	return true
}

func (s *Server) showImportStart(c *gin.Context, status int, kind, mapping string, errs map[string]string) {
	p := &importStartPage{Layout: Layout{Title: "Import a spreadsheet", Section: "import"}, Kind: kind, Mapping: mapping,
		MaxMB: importer.MaxFileSize >> 20, Errors: errs}
	all, err := s.store.ImportMappings(c.Request.Context(), "")
	if err != nil {
		s.fail(c, err)
		return
	}
	p.Mappings = all
	p.ErrorSummary = errorList(errs, []string{"kind", "file", "mapping"})
	if len(errs) > 0 {
		p.Title = "Error: " + p.Title
	}
	s.render(c, status, pageImport, p)
}

// importForm is GET /import.
func (s *Server) importForm(c *gin.Context) {
	if !s.canImport(c) {
		return
	}
	s.showImportStart(c, http.StatusOK, c.Query("kind"), c.Query("mapping"), nil)
}

// importUploadFile is POST /import: it reads and keeps the file, then shows
// the mapping screen.
func (s *Server) importUploadFile(c *gin.Context) {
	if !s.canImport(c) {
		return
	}
	ctx := c.Request.Context()
	kindText, savedName := c.PostForm("kind"), strings.TrimSpace(c.PostForm("mapping"))
	errs := map[string]string{}
	var saved *importer.SavedMapping
	if savedName != "" {
		sm, err := s.store.ImportMapping(ctx, savedName)
		switch {
		case errors.Is(err, tracker.ErrNotFound):
			errs["mapping"] = "There is no saved mapping called “" + savedName + "”; choose another or none"
		case err != nil:
			s.fail(c, err)
			return
		default:
			saved = &sm
		}
	}
	kind, err := importer.ParseKind(kindText)
	if saved != nil {
		kind, err = saved.Kind, nil
		kindText = string(kind)
	}
	if err != nil {
		errs["kind"] = "Choose whether the file lists recommendations or actions"
	}
	var data []byte
	var name string
	fh, ferr := c.FormFile("file")
	switch {
	case ferr != nil || fh.Size == 0:
		errs["file"] = "Choose a CSV or Excel (.xlsx) file to upload"
	case fh.Size > importer.MaxFileSize:
		errs["file"] = fmt.Sprintf("The file is larger than %d MB; split it into smaller files and import them one at a time", importer.MaxFileSize>>20)
	default:
		name = filepath.Base(fh.Filename)
		f, err := fh.Open()
		if err != nil {
			s.fail(c, fmt.Errorf("open the upload: %w", err))
			return
		}
		data, err = io.ReadAll(io.LimitReader(f, importer.MaxFileSize+1))
		f.Close()
		if err != nil {
			s.fail(c, fmt.Errorf("read the upload: %w", err))
			return
		}
	}
	var tbl *importer.Table
	if data != nil {
		tbl, err = importer.ReadContext(c.Request.Context(), bytes.NewReader(data), importer.ReadOptions{})
		if err != nil {
			errs["file"] = sentence(err.Error())
		}
	}
	if len(errs) > 0 {
		status := http.StatusUnprocessableEntity
		if fh != nil && fh.Size > importer.MaxFileSize {
			status = http.StatusRequestEntityTooLarge
		}
		s.showImportStart(c, status, kindText, savedName, errs)
		return
	}
	sweepImports(time.Now())
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	up := importUpload{ID: hex.EncodeToString(b), UserID: request.User(c).ID, Kind: kind, FileName: name, Created: time.Now()}
	if err := saveUpload(up, tbl); err != nil {
		s.fail(c, err)
		return
	}
	var mapping importer.Mapping
	var opts importer.Options
	if saved != nil {
		mapping, opts = importer.Mapping{}, saved.Options
		for _, h := range tbl.Headers {
			if f, ok := saved.Mapping[h]; ok {
				mapping[h] = f
			}
		}
	} else {
		mapping, opts.Number = importer.Guess(kind, tbl)
	}
	s.showImportMapping(c, http.StatusOK, up, tbl, mapping, opts, savedName, nil, nil)
}

// sentence starts a message for a person with a capital letter.
func sentence(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func kindNoun(k importer.Kind) string {
	if k == importer.KindActions {
		return "actions"
	}
	return "recommendations"
}

func describeTable(t *importer.Table) string {
	if t.Format == importer.FormatXLSX {
		return "Excel workbook, sheet “" + t.Sheet + "”"
	}
	delim := map[rune]string{',': "comma", ';': "semicolon", '\t': "tab"}[t.Delimiter]
	if delim == "" {
		delim = strconv.QuoteRune(t.Delimiter)
	}
	return "CSV, " + t.Charset + ", " + delim + "-separated"
}

func (s *Server) showImportMapping(c *gin.Context, status int, up importUpload, tbl *importer.Table, m importer.Mapping,
	opts importer.Options, saveAs string, problems []string, errs map[string]string) {
	p := &importMappingPage{Layout: Layout{Title: "Match the columns to fields", Section: "import", Breadcrumbs: importCrumbs},
		ID: up.ID, FileName: up.FileName, Kind: kindNoun(up.Kind), Format: describeTable(tbl), Rows: len(tbl.Rows),
		Fields: importer.Fields(up.Kind), Options: opts, SourceKinds: tracker.SourceKinds, SaveAs: saveAs, Problems: problems, Errors: errs,
		Words: fileWords(up.Kind, tbl, m, opts.Values), Recommendations: up.Kind == importer.KindRecommendations}
	for i, h := range tbl.Headers {
		col := importColumn{Index: i, Header: h, Field: string(m[h])}
		for _, r := range tbl.Rows {
			if v := strings.TrimSpace(r.Cell(i)); v != "" {
				col.Examples = append(col.Examples, truncate(60, v))
			}
			if len(col.Examples) == 3 {
				break
			}
		}
		p.Columns = append(p.Columns, col)
	}
	all := map[string]string{}
	for k, v := range errs {
		all[k] = v
	}
	if len(problems) > 0 {
		all["columns"] = strings.Join(problems, ". ")
	}
	p.ErrorSummary = errorList(all, []string{"columns", "number", "source", "issued_by", "source_kind", "organisation", "save_as"})
	if len(p.ErrorSummary) > 0 {
		p.Title = "Error: " + p.Title
	}
	s.render(c, status, pageImportMapping, p)
}

// fileWords lists the distinct values of each column mapped to a field with
// fixed words, in the order of the file, with the tracker's word chosen.
func fileWords(k importer.Kind, tbl *importer.Table, m importer.Mapping, values map[importer.Field]map[string]string) []importWords {
	var out []importWords
	n := 0
	for i, h := range tbl.Headers {
		voc, ok := importer.VocabularyOf(k, m[h])
		if !ok {
			continue
		}
		fi, _ := importer.Info(k, voc.Field)
		g := importWords{Column: h, FieldLabel: fi.Label, Options: wordOptions(voc.Options)}
		at := map[string]int{}
		for _, r := range tbl.Rows {
			w := strings.TrimSpace(r.Cell(i))
			if w == "" {
				continue
			}
			if j, ok := at[w]; ok {
				g.Words[j].Rows++
				continue
			}
			if len(g.Words) == maxImportWords {
				g.More++
				continue
			}
			at[w] = len(g.Words)
			choice, ok := voc.Translate(values[voc.Field], w)
			if ok && choice == "" {
				choice = ragNone
			}
			g.Words = append(g.Words, importWord{Index: n, Field: voc.Field, Word: w, Rows: 1, Choice: choice})
			n++
		}
		if len(g.Words) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// wordOptions are a vocabulary's options for the select of a word.
func wordOptions(options []tracker.Option) []tracker.Option {
	out := make([]tracker.Option, len(options))
	for i, o := range options {
		if o.Value == "" {
			o.Value = ragNone
		}
		out[i] = o
	}
	return out
}

// readWords reads the tracker's word chosen for each of the file's words.
func readWords(c *gin.Context) map[importer.Field]map[string]string {
	out := map[importer.Field]map[string]string{}
	for i := 0; ; i++ {
		n := strconv.Itoa(i)
		f, w := c.PostForm("vf-"+n), c.PostForm("vw-"+n)
		if f == "" {
			break
		}
		to := c.PostForm("vt-" + n)
		if w == "" || to == "" {
			continue
		}
		if to == ragNone {
			to = ""
		}
		if out[importer.Field(f)] == nil {
			out[importer.Field(f)] = map[string]string{}
		}
		out[importer.Field(f)][w] = to
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// importChoices are the mapping and defaults chosen on the mapping screen.
type importChoices struct {
	Mapping importer.Mapping
	Options importer.Options
	SaveAs  string
}

func readImportChoices(c *gin.Context, tbl *importer.Table) (importChoices, map[string]string) {
	ch := importChoices{Mapping: importer.Mapping{}, SaveAs: strings.TrimSpace(c.PostForm("save_as"))}
	for i, h := range tbl.Headers {
		if f := c.PostForm("col-" + strconv.Itoa(i)); f != "" && f != "ignore" {
			ch.Mapping[h] = importer.Field(f)
		}
	}
	ch.Options = importer.Options{Source: strings.TrimSpace(c.PostForm("source")), IssuedBy: strings.TrimSpace(c.PostForm("issued_by")),
		SourceKind: c.PostForm("source_kind"), Organisation: strings.TrimSpace(c.PostForm("organisation")),
		Number: strings.TrimSpace(c.PostForm("number")), Values: readWords(c)}
	errs := map[string]string{}
	if ch.Options.SourceKind != "" {
		ok := false
		for _, k := range tracker.SourceKinds {
			ok = ok || k.Value == ch.Options.SourceKind
		}
		if !ok {
			errs["source_kind"] = "Choose a kind of source from the list"
		}
	}
	if utf8.RuneCountInString(ch.SaveAs) > 100 {
		errs["save_as"] = "Keep the mapping's name under 100 characters"
	}
	return ch, errs
}

// hidden carries the choices through the preview and summary forms.
func (ch importChoices) hidden(tbl *importer.Table) []hiddenField {
	var out []hiddenField
	for i, h := range tbl.Headers {
		if f := ch.Mapping[h]; f != "" {
			out = append(out, hiddenField{"col-" + strconv.Itoa(i), string(f)})
		}
	}
	o := ch.Options
	for _, f := range []hiddenField{{"source", o.Source}, {"issued_by", o.IssuedBy}, {"source_kind", o.SourceKind}, {"organisation", o.Organisation},
		{"number", o.Number}, {"save_as", ch.SaveAs}} {
		if f.Value != "" {
			out = append(out, f)
		}
	}
	fields := make([]string, 0, len(o.Values))
	for f := range o.Values {
		fields = append(fields, string(f))
	}
	sort.Strings(fields)
	i := 0
	for _, f := range fields {
		out, i = hiddenWords(out, i, importer.Field(f), o.Values[importer.Field(f)])
	}
	return out
}

// hiddenWords carries the translations of one field's words, in a stable
// order.
func hiddenWords(out []hiddenField, i int, f importer.Field, words map[string]string) ([]hiddenField, int) {
	keys := make([]string, 0, len(words))
	for w := range words {
		keys = append(keys, w)
	}
	sort.Strings(keys)
	for _, w := range keys {
		to := words[w]
		if to == "" {
			to = ragNone
		}
		n := strconv.Itoa(i)
		out = append(out, hiddenField{"vf-" + n, string(f)}, hiddenField{"vw-" + n, w}, hiddenField{"vt-" + n, to})
		i++
	}
	return out, i
}

// validateChoices reads the choices and validates the rows with them; on a
// problem with the mapping it shows the mapping screen again and returns
// false.
func (s *Server) validateChoices(c *gin.Context) (importUpload, *importer.Table, importChoices, *importer.Batch, bool) {
	up, tbl, err := s.loadUpload(c)
	if errors.Is(err, errUploadGone) {
		s.showImportStart(c, http.StatusNotFound, "", "", map[string]string{"file": "The file you uploaded is no longer here: uploads are kept for an hour, and until they are imported. Upload it again"})
		return up, nil, importChoices{}, nil, false
	}
	if err != nil {
		s.fail(c, err)
		return up, nil, importChoices{}, nil, false
	}
	ch, errs := readImportChoices(c, tbl)
	if c.PostForm("refresh") != "" && len(errs) == 0 {
		// The person changed the fields of columns: the screen again, with
		// the words of the columns now mapped to fields with fixed words.
		s.showImportMapping(c, http.StatusOK, up, tbl, ch.Mapping, ch.Options, ch.SaveAs, nil, nil)
		return up, nil, ch, nil, false
	}
	if len(errs) > 0 {
		s.showImportMapping(c, http.StatusUnprocessableEntity, up, tbl, ch.Mapping, ch.Options, ch.SaveAs, nil, errs)
		return up, nil, ch, nil, false
	}
	batch, err := importer.Validate(up.Kind, tbl, ch.Mapping, ch.Options)
	var me *importer.MappingError
	if errors.As(err, &me) {
		s.showImportMapping(c, http.StatusUnprocessableEntity, up, tbl, ch.Mapping, ch.Options, ch.SaveAs, me.Problems, nil)
		return up, nil, ch, nil, false
	}
	if err != nil {
		s.fail(c, err)
		return up, nil, ch, nil, false
	}
	return up, tbl, ch, batch, true
}

func dayText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return tracker.FormatDate(*t)
}

func sortedRowErrors(errs []importer.RowError) []importer.RowError {
	out := append([]importer.RowError(nil), errs...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Row < out[j].Row })
	return out
}

// importPreview is POST /import/:id/preview.
func (s *Server) importPreview(c *gin.Context) {
	if !s.canImport(c) {
		return
	}
	up, tbl, ch, b, ok := s.validateChoices(c)
	if !ok {
		return
	}
	p := &importPreviewPage{Layout: Layout{Title: "Check the import", Section: "import", Breadcrumbs: importCrumbs},
		ID: up.ID, FileName: up.FileName, Kind: kindNoun(up.Kind), Rows: b.Rows, Errors: sortedRowErrors(b.Errors),
		Warnings: sortedRowErrors(b.Warnings), BadRows: len(b.BadRows()), Hidden: ch.hidden(tbl)}
	if up.Kind == importer.KindActions {
		p.Records = len(b.Actions)
		p.Headings = []string{"Row", "Reference", "Organisation", "What is to be done", "Owner", "Due", "RAG", "Status", "Latest update"}
		for _, a := range b.Actions[:min(len(b.Actions), importPreviewRows)] {
			due := a.DueText
			if due == "" {
				due = dayText(a.DueDate)
			}
			p.Preview = append(p.Preview, []string{strconv.Itoa(a.Row), a.Reference, a.Organisation, truncate(200, a.Description),
				a.Owner, due, labelOrBlank(tracker.RAGLabel, a.RAG), labelOrBlank(tracker.ActionStatusLabel, a.Status), truncate(200, a.Update)})
		}
	} else {
		p.Records = len(b.Recommendations)
		p.Headings = []string{"Rows", "Source", "Number", "Recommendation", "Addressed to", "Deadline", "Status", "Responses"}
		for _, r := range b.Recommendations[:min(len(b.Recommendations), importPreviewRows)] {
			rows := make([]string, len(r.Rows))
			for i, n := range r.Rows {
				rows[i] = strconv.Itoa(n)
			}
			text := r.Title
			if text == "" {
				text = r.Text
			}
			deadline := r.DeadlineText
			if deadline == "" {
				deadline = dayText(r.DeadlineDate)
			}
			p.Preview = append(p.Preview, []string{strings.Join(rows, ", "), r.Source, r.Number, truncate(200, text),
				strings.Join(r.Addressees, "; "), deadline, labelOrBlank(tracker.RecommendationStatusLabel, r.Status), strconv.Itoa(len(r.Responses))})
		}
	}
	if p.BadRows > 0 {
		p.ErrorSummary = []FieldError{{Field: "row-errors", Message: fmt.Sprintf("%d of the %d rows have errors: see the list of errors", p.BadRows, p.Rows)}}
	}
	s.render(c, http.StatusOK, pageImportPreview, p)
}

// backgroundRows is the size from which an import runs in the job queue
// while a page shows its progress; smaller files finish within the request.
const backgroundRows = 300

// importRun is POST /import/:id/run: a dry run, or the import itself.
func (s *Server) importRun(c *gin.Context) {
	if !s.canImport(c) {
		return
	}
	up, tbl, ch, b, ok := s.validateChoices(c)
	if !ok {
		return
	}
	u := request.User(c)
	opts := store.ImportOptions{DryRun: c.PostForm("dry_run") != "", SkipBadRows: c.PostForm("skip_bad_rows") != "",
		// The same rules as the pages: a row the person could not change
		// there is a row error here.
		User: u}
	if len(tbl.Rows) < backgroundRows {
		actor := tracker.Actor{UserID: &u.ID, Name: u.Label(), Channel: tracker.ChannelImport}
		res, err := s.store.RunImport(tracker.WithActor(c.Request.Context(), actor), b, opts, ch.saved(up.Kind))
		if err != nil {
			s.fail(c, err)
			return
		}
		if res.MappingErr != nil {
			s.log.Error("save import mapping", "upload", up.ID, "error", res.MappingErr)
		}
		s.render(c, http.StatusOK, pageImportSummary, s.importSummary(up.ID, up.Kind, tbl, ch, opts.SkipBadRows, res))
		return
	}
	// A big file: the job queue runs it, on whichever server sharing the
	// database takes it, and the progress page (on any of them) follows
	// it. A second sending of the form while it runs joins the first.
	_, err := s.store.As(u).QueueImport(c.Request.Context(), store.ImportJob{UploadKey: up.ID, Kind: up.Kind, FileName: up.FileName,
		Table: tbl, Mapping: ch.Mapping, Options: ch.Options, SaveAs: ch.SaveAs, DryRun: opts.DryRun, SkipBadRows: opts.SkipBadRows})
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Redirect(http.StatusSeeOther, "/import/"+up.ID+"/progress")
}

// saved is the mapping to keep once the import is saved, if one is named.
func (ch importChoices) saved(k importer.Kind) *importer.SavedMapping {
	if ch.SaveAs == "" {
		return nil
	}
	return &importer.SavedMapping{Name: ch.SaveAs, Kind: k, Mapping: ch.Mapping, Options: ch.Options}
}

type importProgressPage struct {
	Layout
	ID          string
	FileName    string
	Done, Total int
	Percent     int
	Queued      bool
	// Again says the tracker stopped during an earlier run, so the import
	// began (or will begin) again from the start.
	Again bool
}

// importProgress is GET /import/:id/progress: how far a queued import has
// got, refreshing itself every two seconds, then its summary. It reads the
// import's row, so any server sharing the database shows it.
func (s *Server) importProgress(c *gin.Context) {
	if !s.canImport(c) {
		return
	}
	id := c.Param("id")
	if !importIDPattern.MatchString(id) {
		s.notFound(c)
		return
	}
	job, err := s.store.LatestImportJob(c.Request.Context(), id, request.User(c).ID)
	switch {
	case errors.Is(err, tracker.ErrNotFound):
		s.importNotRunning(c)
		return
	case err != nil:
		s.fail(c, err)
		return
	}
	switch job.Status {
	case store.ImportFailed:
		s.render(c, http.StatusOK, pageForbidden, &messagePage{Layout: Layout{Title: "The import failed", Section: "import", Breadcrumbs: importCrumbs},
			Message: fmt.Sprintf("The import of %s failed, so nothing from it was imported: %s. Upload the file again to try again.", job.FileName, sentence(job.Error))})
	case store.ImportDone:
		ch := importChoices{Mapping: job.Mapping, Options: job.Options, SaveAs: job.SaveAs}
		if job.Result.Summary.Saved && !job.Result.Summary.DryRun {
			removeUpload(id)
		}
		s.render(c, http.StatusOK, pageImportSummary, s.importSummary(id, job.Kind, job.Table, ch, job.SkipBadRows, *job.Result))
	default:
		p := &importProgressPage{Layout: Layout{Title: "Importing", Section: "import", Breadcrumbs: importCrumbs, Refresh: 2},
			ID: id, FileName: job.FileName, Done: job.Done, Total: job.Total, Queued: job.Status == store.ImportQueued,
			Again: job.Attempts > 1 || (job.Status == store.ImportQueued && job.Attempts > 0)}
		if p.Total > 0 {
			p.Percent = p.Done * 100 / p.Total
		}
		s.render(c, http.StatusOK, pageImportProgress, p)
	}
}

// importNotRunning answers for a progress page of an upload never run in
// the background. When the person's upload is still kept, say so rather
// than "Page not found".
func (s *Server) importNotRunning(c *gin.Context) {
	id := c.Param("id")
	var up importUpload
	meta, err := os.ReadFile(importPath(id, ".json"))
	if err != nil || json.Unmarshal(meta, &up) != nil || up.ID != id || up.UserID != request.User(c).ID {
		s.notFound(c)
		return
	}
	s.render(c, http.StatusOK, pageForbidden, &messagePage{Layout: Layout{Title: "The import did not finish", Section: "import", Breadcrumbs: importCrumbs},
		Message: fmt.Sprintf("The import of %s has not been run, so nothing from this file was imported. Go back to the file's mapping to check and run it, or upload the file again.", up.FileName)})
}

// importSummary is the summary page of an import done, for the file whose
// table and choices it ran with.
func (s *Server) importSummary(id string, kind importer.Kind, tbl *importer.Table, ch importChoices, skipBad bool, res store.ImportResult) *importSummaryPage {
	sum := res.Summary
	p := &importSummaryPage{Layout: Layout{Title: "Import done", Section: "import", Breadcrumbs: importCrumbs},
		ID: id, Kind: kindNoun(kind), Summary: sum, Refused: res.Refused, Errors: sortedRowErrors(sum.Errors),
		Warnings: sortedRowErrors(sum.Warnings), Hidden: ch.hidden(tbl), SkipBad: skipBad,
		MappingSaved: res.MappingSaved, MappingFailed: res.MappingFailed}
	switch {
	case res.Refused:
		p.Title = "Nothing was imported"
		p.ErrorSummary = []FieldError{{Field: "row-errors", Message: fmt.Sprintf("%d rows have errors, so nothing was imported: correct them in the file, or choose to skip the rows with errors", badRowCount(sum.Errors))}}
	case sum.DryRun:
		p.Title = "Dry run: nothing was saved"
	}
	for _, k := range importer.RepairKinds {
		if n := sum.Repairs[k]; n > 0 {
			p.Repairs = append(p.Repairs, repairCount{importer.RepairLabel(k), n})
		}
	}
	if sum.Saved && !sum.DryRun {
		removeUpload(id)
	} else {
		p.Again = true
	}
	return p
}

// badRowCount is the number of rows with errors.
func badRowCount(errs []importer.RowError) int {
	rows := map[int]bool{}
	for _, e := range errs {
		if e.Row > 0 {
			rows[e.Row] = true
		}
	}
	return len(rows)
}

// labelOrBlank shows a code by its label, and nothing as nothing.
func labelOrBlank(label func(string) string, code string) string {
	if code == "" {
		return ""
	}
	return label(code)
}

// importSample sends a CSV file to fill in, for recommendations or (with
// ?kind=actions) actions: the importer's own columns and an example row.
func (s *Server) importSample(c *gin.Context) {
	k := importer.KindRecommendations
	if c.Query("kind") == string(importer.KindActions) {
		k = importer.KindActions
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="sample-%s.csv"`, k))
	c.Data(http.StatusOK, "text/csv; charset=utf-8", importer.Sample(k))
}

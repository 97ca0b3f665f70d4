package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/importer"
	"github.com/civic-tracker/tracker/tracker/store"
)

const importUsage = `tracker import [--kind recommendations|actions] [--mapping NAME|FILE.json|COLUMN=FIELD,...]
               [--map COLUMN=FIELD]... [--values FIELD=FILEWORD:TRACKERWORD,...]... [--number TEMPLATE] [--dry-run] [--skip-bad-rows] [--source TITLE] [--issued-by BODY]
               [--org NAME] [--sheet NAME] [--save-mapping NAME] [--db DB] FILE.csv|FILE.xlsx`

// restoreHint points a person who meant a whole-tracker restore to it.
const restoreHint = `to restore a whole-tracker backup instead, use "tracker import --all FILE"`

// importCmd imports a spreadsheet of recommendations or a rolling action
// log. "tracker import --all FILE", a whole-tracker restore, belongs to
// cmd/tracker/backup.go: it is handed to importAllCmd, so the restore
// writes to this command's output and obeys its context.
func importCmd(ctx context.Context, args []string, out io.Writer) error {
	for _, a := range args {
		if a == "--all" || a == "-all" || strings.HasPrefix(a, "--all=") || strings.HasPrefix(a, "-all=") {
			return importAllCmd(ctx, args, out)
		}
	}
	var c config
	var kindText, mappingText, source, issuedBy, sourceKind, org, sheet, saveAs string
	var maps, values listFlag
	var number string
	var dryRun, skipBad bool
	fs := newFlags("import", out)
	dbFlag(fs, &c)
	fs.StringVar(&kindText, "kind", "", "what the file lists: recommendations or actions (default: worked out from the headers)")
	fs.StringVar(&mappingText, "mapping", "", "the column mapping: the name of a saved mapping, a JSON file {\"column\": \"field\"}, or COLUMN=FIELD,... (default: guessed from the headers)")
	fs.Var(&maps, "map", "map one column to a field, COLUMN=FIELD, on top of the mapping (FIELD \"ignore\" leaves a column out); repeatable")
	fs.Var(&values, "values", "the file's own words for a field with fixed words (status, position, rag), FIELD=FILEWORD:TRACKERWORD,...: status=Pending:open,Not Implemented:open; repeatable")
	fs.StringVar(&number, "number", "", "make recommendation numbers from columns and the position within the source, as {audit_number}-{row} (default: a number column, or a template guessed when there is none)")
	fs.BoolVar(&dryRun, "dry-run", false, "do everything, then undo it, and say what would change")
	fs.BoolVar(&skipBad, "skip-bad-rows", false, "import the good rows when some have errors (default: any error means nothing is imported)")
	fs.StringVar(&source, "source", "", "the title of the source for rows that name none")
	fs.StringVar(&issuedBy, "issued-by", "", "the body that issued sources the import creates")
	fs.StringVar(&sourceKind, "source-kind", "", "the kind of sources the import creates (default other)")
	fs.StringVar(&org, "org", "", "the addressee (recommendations) or owning organisation (actions) for rows that name none")
	fs.StringVar(&sheet, "sheet", "", "the worksheet of an XLSX file (default: the first)")
	fs.StringVar(&saveAs, "save-mapping", "", "after a successful import, save the mapping under this name")
	file, err := parseFile(fs, args)
	if err != nil {
		return err
	}
	if file == "" {
		return errors.New("say which file to import:\n  " + importUsage)
	}
	if err := checkSourceKind(sourceKind); err != nil {
		return err
	}
	tbl, err := readSpreadsheet(file, sheet)
	if err != nil {
		return err
	}
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	ctx = tracker.WithActor(ctx, tracker.Actor{Name: "tracker import", Channel: tracker.ChannelImport})

	opts := importer.Options{Source: source, IssuedBy: issuedBy, SourceKind: sourceKind, Organisation: org, Number: number}
	kind, mapping, opts, err := chooseMapping(ctx, s, tbl, kindText, mappingText, maps, opts)
	if err != nil {
		return err
	}
	if opts.Values, err = withValues(kind, opts.Values, values); err != nil {
		return err
	}

	describeFile(out, file, tbl, kind, mapping, opts)
	batch, err := importer.Validate(kind, tbl, mapping, opts)
	var me *importer.MappingError
	if errors.As(err, &me) {
		fmt.Fprintln(out, "The column mapping needs attention:")
		for _, p := range me.Problems {
			fmt.Fprintln(out, "  "+p)
		}
		return errors.New("nothing was imported; fix the mapping with --mapping or --map COLUMN=FIELD")
	}
	if err != nil {
		return err
	}
	sum, err := s.Import(ctx, batch, store.ImportOptions{DryRun: dryRun, SkipBadRows: skipBad})
	fmt.Fprintln(out, sum.String())
	printRowErrors(out, "Error", sum.Errors, 0)
	printRowErrors(out, "Warning", sum.Warnings, 20)
	if err != nil {
		return err
	}
	if saveAs != "" && sum.Saved {
		if _, err := s.SaveImportMapping(ctx, importer.SavedMapping{Name: saveAs, Kind: kind, Mapping: mapping, Options: opts}); err != nil {
			return fmt.Errorf("the import is done, but the mapping was not saved: %w", err)
		}
		fmt.Fprintf(out, "Mapping saved as %q; next time use --mapping %q.\n", saveAs, saveAs)
	}
	return nil
}

// chooseMapping works out what the file lists and how its columns map to
// fields: --kind and --mapping (whose saved options fill opts' blanks) when
// given, else guessed from the headers, with --map pairs on top.
func chooseMapping(ctx context.Context, s *store.Store, tbl *importer.Table, kindText, mappingText string, maps listFlag, opts importer.Options) (importer.Kind, importer.Mapping, importer.Options, error) {
	var err error
	var kind importer.Kind
	if kindText != "" {
		if kind, err = importer.ParseKind(kindText); err != nil {
			return "", nil, opts, err
		}
	}
	var mapping importer.Mapping
	if mappingText != "" {
		var saved *importer.SavedMapping
		mapping, saved, err = loadMapping(ctx, s, mappingText)
		if err != nil {
			return "", nil, opts, err
		}
		if saved != nil {
			if kind == "" {
				kind = saved.Kind
			}
			opts = withDefaults(opts, saved.Options)
		}
	}
	if kind == "" {
		kind = guessKind(tbl)
	}
	if mapping == nil {
		var number string
		mapping, number = importer.Guess(kind, tbl)
		if opts.Number == "" && !hasNumberPair(maps) {
			opts.Number = number
		}
	}
	extra, err := importer.ParseMappingPairs(maps)
	if err != nil {
		return "", nil, opts, err
	}
	for col, field := range extra {
		if field == "ignore" || field == "" {
			delete(mapping, col)
			continue
		}
		mapping[col] = field
	}
	return kind, mapping, opts, nil
}

// hasNumberPair reports whether --map names a number column, which a
// guessed number template must not override.
func hasNumberPair(maps listFlag) bool {
	m, err := importer.ParseMappingPairs(maps)
	return err == nil && m.Has(importer.FieldNumber)
}

// withValues adds the --values translations to those of a saved mapping;
// the command line's win.
func withValues(kind importer.Kind, saved map[importer.Field]map[string]string, values listFlag) (map[importer.Field]map[string]string, error) {
	given, err := importer.ParseValuePairs(kind, values)
	if err != nil {
		return nil, fmt.Errorf("--values: %w", err)
	}
	if len(saved) == 0 {
		return given, nil
	}
	out := map[importer.Field]map[string]string{}
	for _, src := range []map[importer.Field]map[string]string{saved, given} {
		for f, words := range src {
			if out[f] == nil {
				out[f] = map[string]string{}
			}
			for w, v := range words {
				out[f][w] = v
			}
		}
	}
	return out, nil
}

// checkSourceKind checks --source-kind.
func checkSourceKind(sourceKind string) error {
	if sourceKind == "" {
		return nil
	}
	for _, k := range tracker.SourceKinds {
		if k.Value == sourceKind {
			return nil
		}
	}
	return fmt.Errorf("--source-kind %q is not a kind of source; choose one of: %s", sourceKind, optionValues(tracker.SourceKinds))
}

// readSpreadsheet reads the file to import, and refuses a backup.
func readSpreadsheet(file, sheet string) (*importer.Table, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("cannot read %s (%s): %w", file, restoreHint, err)
	}
	if looksLikeBackup(data) {
		return nil, fmt.Errorf("%s looks like a whole-tracker backup, not a spreadsheet; restore it with \"tracker import --all %s\"", file, file)
	}
	tbl, err := importer.Read(bytes.NewReader(data), importer.ReadOptions{Sheet: sheet})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return tbl, nil
}

// parseFile parses flags placed before or after the file name.
func parseFile(fs *flag.FlagSet, args []string) (string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) > 1 {
		return "", fmt.Errorf("import one file at a time, not %s", strings.Join(files, " and "))
	}
	if len(files) == 0 {
		return "", nil
	}
	return files[0], nil
}

// loadMapping reads --mapping: COLUMN=FIELD pairs, a JSON file (a bare
// mapping or a saved one with its options), or the name of a saved mapping.
func loadMapping(ctx context.Context, s *store.Store, text string) (importer.Mapping, *importer.SavedMapping, error) {
	if strings.Contains(text, "=") {
		m, err := importer.ParseMappingPairs([]string{text})
		return m, nil, err
	}
	if data, err := os.ReadFile(text); err == nil {
		var saved importer.SavedMapping
		if json.Unmarshal(data, &saved) == nil && len(saved.Mapping) > 0 {
			return saved.Mapping, &saved, nil
		}
		m, err := importer.ParseMapping(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", text, err)
		}
		return m, nil, nil
	} else if strings.HasSuffix(strings.ToLower(text), ".json") {
		return nil, nil, fmt.Errorf("cannot read the mapping file: %w", err)
	}
	saved, err := s.ImportMapping(ctx, text)
	if errors.Is(err, tracker.ErrNotFound) {
		var names []string
		all, _ := s.ImportMappings(ctx, "")
		for _, m := range all {
			names = append(names, m.Name)
		}
		if len(names) == 0 {
			return nil, nil, fmt.Errorf("there is no saved mapping called %q, and no file of that name; no mappings are saved yet", text)
		}
		return nil, nil, fmt.Errorf("there is no saved mapping called %q; the saved ones are: %s", text, strings.Join(names, ", "))
	}
	if err != nil {
		return nil, nil, err
	}
	return saved.Mapping, &saved, nil
}

// withDefaults fills the options the command line left empty from a saved
// mapping's.
func withDefaults(o, saved importer.Options) importer.Options {
	if o.Source == "" {
		o.Source = saved.Source
	}
	if o.IssuedBy == "" {
		o.IssuedBy = saved.IssuedBy
	}
	if o.SourceKind == "" {
		o.SourceKind = saved.SourceKind
	}
	if o.Organisation == "" {
		o.Organisation = saved.Organisation
	}
	if o.Number == "" {
		o.Number = saved.Number
	}
	if o.Values == nil {
		o.Values = saved.Values
	}
	return o
}

// guessKind picks actions when the file looks like an action log (an
// action description and no recommendation text), else recommendations.
func guessKind(tbl *importer.Table) importer.Kind {
	score := func(k importer.Kind) int {
		m, number := importer.Guess(k, tbl)
		n := 0
		for _, fi := range importer.Fields(k) {
			if fi.Required && (m.Has(fi.Field) || fi.Field == importer.FieldNumber && number != "") {
				n++
			}
		}
		return n * 100 / len(requiredFields(k))
	}
	if score(importer.KindActions) > score(importer.KindRecommendations) {
		return importer.KindActions
	}
	return importer.KindRecommendations
}

func requiredFields(k importer.Kind) []importer.Field {
	var out []importer.Field
	for _, fi := range importer.Fields(k) {
		if fi.Required {
			out = append(out, fi.Field)
		}
	}
	return out
}

func describeFile(out io.Writer, file string, t *importer.Table, kind importer.Kind, m importer.Mapping, opts importer.Options) {
	switch t.Format {
	case importer.FormatXLSX:
		fmt.Fprintf(out, "%s: Excel workbook, sheet %q, %d rows, importing %s.\n", file, t.Sheet, len(t.Rows), kind)
	default:
		delim := map[rune]string{',': "comma", ';': "semicolon", '\t': "tab"}[t.Delimiter]
		fmt.Fprintf(out, "%s: CSV, %s, %s-separated, %d rows, importing %s.\n", file, t.Charset, delim, len(t.Rows), kind)
	}
	fmt.Fprintln(out, "Columns:")
	for _, h := range t.Headers {
		f, ok := m[h]
		switch {
		case !ok || f == "":
			fmt.Fprintf(out, "  %-30s (not imported)\n", h)
		default:
			label := string(f)
			if fi, ok := importer.Info(kind, f); ok {
				label = fi.Label + " (" + string(f) + ")"
			}
			fmt.Fprintf(out, "  %-30s → %s\n", h, label)
		}
	}
	if opts.Number != "" {
		fmt.Fprintf(out, "Recommendation numbers: %s\n", opts.Number)
	}
	describeValues(out, kind, opts.Values)
}

// describeValues lists the file's words given a translation.
func describeValues(out io.Writer, kind importer.Kind, values map[importer.Field]map[string]string) {
	for _, voc := range importer.Vocabularies(kind) {
		words := make([]string, 0, len(values[voc.Field]))
		for w := range values[voc.Field] {
			words = append(words, w)
		}
		if len(words) == 0 {
			continue
		}
		sort.Strings(words)
		fmt.Fprintf(out, "Words of %s:\n", voc.Field)
		for _, w := range words {
			fmt.Fprintf(out, "  %-30s → %s\n", w, optionLabel(voc.Options, values[voc.Field][w]))
		}
	}
}

func optionLabel(options []tracker.Option, v string) string {
	for _, o := range options {
		if o.Value == v {
			return o.Label
		}
	}
	return v
}

func printRowErrors(out io.Writer, what string, errs []importer.RowError, limit int) {
	sorted := append([]importer.RowError(nil), errs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Row < sorted[j].Row })
	for i, e := range sorted {
		if limit > 0 && i == limit {
			fmt.Fprintf(out, "… and %d more %ss.\n", len(sorted)-limit, strings.ToLower(what))
			return
		}
		fmt.Fprintf(out, "%s: %s\n", what, e.Error())
	}
}

func optionValues(options []tracker.Option) string {
	var out []string
	for _, o := range options {
		out = append(out, o.Value)
	}
	return strings.Join(out, ", ")
}

// looksLikeBackup spots a backup made by "tracker export --all" (JSON, or
// gzip-compressed JSON) given to the spreadsheet import by mistake.
func looksLikeBackup(data []byte) bool {
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		return true
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	return bytes.HasPrefix(trimmed, []byte("{")) && bytes.Contains(data[:min(len(data), 200)], []byte("civic-tracker-backup"))
}

package importer

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/civic-tracker/tracker/tracker"
)

// Kind is what a file lists: recommendations or the actions of a rolling
// action log.
type Kind string

// Kinds of import.
const (
	KindRecommendations Kind = "recommendations"
	KindActions         Kind = "actions"
)

// ParseKind reads a kind as a person types it.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "recommendations", "recommendation", "recs":
		return KindRecommendations, nil
	case "actions", "action", "log", "action log":
		return KindActions, nil
	}
	return "", fmt.Errorf("unknown kind %q: choose recommendations or actions", s)
}

// Field is a tracker field a column can be mapped to.
type Field string

// Fields of a list of recommendations.
const (
	FieldSource          Field = "source"           // the source's title
	FieldSourceReference Field = "source_reference" // the source's own reference
	FieldSourceDate      Field = "source_date"
	FieldIssuedBy        Field = "issued_by" // the body that issued the source
	FieldNumber          Field = "number"
	FieldTitle           Field = "title"
	FieldText            Field = "text"
	FieldAddressee       Field = "addressee"
	FieldDeadline        Field = "deadline"
	FieldStatus          Field = "status"
	FieldStatusDate      Field = "status_date" // the day the row's addressee took its status
	FieldResponse        Field = "response"
	FieldPosition        Field = "position"
	FieldResponseDate    Field = "response_date"
	FieldThemes          Field = "themes"
	FieldMade            Field = "made"
)

// Fields of a rolling action log; FieldSource and FieldStatus are shared.
const (
	FieldReference      Field = "reference" // the log's own reference for the action
	FieldOrganisation   Field = "organisation"
	FieldDescription    Field = "description"
	FieldOwner          Field = "owner"
	FieldOwnerUnit      Field = "owner_unit"
	FieldDue            Field = "due"
	FieldRAG            Field = "rag"
	FieldCompletedOn    Field = "completed_on"
	FieldUpdate         Field = "update"
	FieldUpdateDate     Field = "update_date"
	FieldUpdateAuthor   Field = "update_author"
	FieldRecommendation Field = "recommendation" // the number of the recommendation it serves
	// FieldHistory is a column of updates dated by its header ("Update
	// March 2022"); several columns may fill it (history.go).
	FieldHistory Field = "history"
)

// FieldInfo describes a field for the mapping screen.
type FieldInfo struct {
	Field Field
	Label string
	Help  string
	// Required fields must be mapped (or given a default) for rows to import.
	Required bool
	// Synonyms are header words that GuessMapping takes to mean this field,
	// best first, already normalised.
	Synonyms []string
}

var recommendationFields = []FieldInfo{
	{FieldSource, "Source", "The title of the report or meeting that made the recommendation; new titles create new sources", true,
		[]string{"source", "source title", "report", "report title", "report id", "report name", "document", "inquiry", "review", "publication", "source document",
			"audit", "audit title", "audit name", "audit report", "inspection", "inspection title"}},
	{FieldSourceReference, "Source reference", "The source's own reference number, kept with a new source", false,
		[]string{"source reference", "source ref", "report reference", "report ref", "report number", "report no",
			"audit number", "audit no", "audit num", "audit id", "audit reference", "audit ref"}},
	{FieldSourceDate, "Source date", "The date of the report or meeting", false,
		[]string{"source date", "report date", "date of report", "publication date", "date published", "published"}},
	{FieldIssuedBy, "Issued by", "The body that issued a new source", false,
		[]string{"issued by", "issuer", "made by", "committee", "inspectorate", "author organisation", "from"}},
	{FieldNumber, "Recommendation number", "The number the source gives the recommendation: 4, 2a, 018/24", true,
		[]string{"recommendation number", "recommendation no", "recommendation id", "recommendation ref", "recommendation reference", "rec no", "rec number", "rec id", "rec ref", "number", "no", "ref", "reference", "id", "#"}},
	{FieldTitle, "Title", "A one-line summary", false,
		[]string{"title", "recommendation title", "short title", "subject", "summary", "heading"}},
	{FieldText, "Text", "The recommendation in full", true,
		[]string{"recommendation text", "text", "recommendation", "full text", "recommendation detail", "detail", "description", "wording"}},
	{FieldAddressee, "Addressed to", "The organisation the recommendation is addressed to; several may be separated by semicolons or line breaks", true,
		[]string{"addressee", "addressees", "addressed to", "recipient", "recipients", "organisation", "organization", "responsible organisation", "responsible body", "lead organisation", "body", "agency", "to"}},
	{FieldDeadline, "Deadline", "The deadline as written (“by April 2013”) or a date", false,
		[]string{"deadline", "due date", "due", "target date", "timescale", "timescales", "by when", "target"}},
	{FieldStatus, "Status", "The row’s addressee’s own status: open, in progress, implemented or closed", false,
		[]string{"status", "implementation status", "recommendation status", "progress status", "current status"}},
	{FieldStatusDate, "Status date", "The day the row’s addressee took its status; “as at” follows it", false,
		[]string{"status date", "date of status", "implementation status date", "status as at", "status as of", "status updated", "status last updated",
			"date status changed", "status changed", "status change date"}},
	{FieldResponse, "Management response", "The addressee's reply to the recommendation", false,
		[]string{"management response", "response", "response text", "reply", "reply text", "agency response", "organisation response"}},
	{FieldPosition, "Response position", "Accepted, partly accepted, not accepted or noted", false,
		[]string{"response category", "position", "response position", "accepted", "accepted rejected", "accepted or rejected", "response status", "decision", "agreed"}},
	{FieldResponseDate, "Response date", "The date of the management response", false,
		[]string{"response date", "date of response", "reply date", "date of reply", "replied"}},
	{FieldThemes, "Themes", "Themes, separated by semicolons, commas or line breaks", false,
		[]string{"themes", "theme", "topics", "topic", "category", "categories", "keywords", "tags"}},
	{FieldMade, "Date made", "The date the recommendation was made; relative deadlines count from it", false,
		[]string{"made", "date made", "date of recommendation", "recommendation date", "date issued", "issued", "date"}},
	// Progress on a recommendation: a row's updates go to its addressee's
	// progress action on it (ProgressDescription), as an action log's do.
	{FieldOwner, "Progress owner", "The person or role who reports the addressee’s progress; owner of its progress action", false,
		[]string{"owner", "action owner", "lead officer", "responsible officer", "officer", "assigned to"}},
	{FieldUpdate, "Latest update", "The addressee’s latest progress update, kept on its progress action", false,
		[]string{"latest update", "update", "progress update", "progress", "latest position", "current position", "commentary", "comments", "comment", "notes"}},
	{FieldUpdateDate, "Update date", "The date of the latest update; a file with one row per update dates each row’s", false,
		[]string{"update date", "date of update", "date updated", "last updated", "updated", "updated on", "as at"}},
	{FieldUpdateAuthor, "Update by", "Who wrote the update", false,
		[]string{"updated by", "update by", "update author"}},
	{FieldHistory, "Update of the date in its header", "A column per meeting or month (“Update March 2022”): each cell is a progress update dated by the header; several columns may be chosen", false,
		nil},
}

// ProgressDescription is the description of the action that carries an
// addressee's progress updates on a recommendation, when a list of
// recommendations gives updates: one such action per addressee, found
// again by this description when the file is imported again.
func ProgressDescription(number, source string) string {
	return fmt.Sprintf("Progress on recommendation %s of “%s”", number, source)
}

var actionFields = []FieldInfo{
	{FieldReference, "Action reference", "The log's own reference for the action; re-importing updates the action with the same reference", false,
		[]string{"action reference", "action ref", "action id", "action no", "action number", "log ref", "log reference", "reference", "ref", "id", "no", "number", "#", "item"}},
	{FieldOrganisation, "Organisation", "The organisation that owns the action", true,
		[]string{"organisation", "organization", "org", "agency", "body", "force", "lead organisation", "responsible organisation"}},
	{FieldDescription, "Description", "What will be done", true,
		[]string{"action", "description", "action description", "action required", "actions", "task", "activity", "what"}},
	{FieldOwner, "Owner", "The person or role responsible", false,
		[]string{"owner", "action owner", "lead", "lead officer", "responsible officer", "responsible", "assigned to", "who"}},
	{FieldOwnerUnit, "Owner's unit", "The unit, team or department of the owner", false,
		[]string{"owner unit", "unit", "team", "department", "directorate", "business area", "command", "business unit"}},
	{FieldDue, "Due", "The due date, or the deadline as written", false,
		[]string{"due date", "due", "deadline", "target date", "target completion date", "by when", "timescale", "when", "target"}},
	{FieldStatus, "Status", "Not started, in progress, completed or cancelled", false,
		[]string{"status", "action status", "current status", "progress status"}},
	{FieldRAG, "RAG", "Red, amber or green", false,
		[]string{"rag", "rag status", "rag rating", "red amber green", "rating", "brag"}},
	{FieldCompletedOn, "Completed on", "The date the action was completed", false,
		[]string{"completed on", "date completed", "completion date", "completed", "date closed", "closed date", "closed on"}},
	{FieldUpdate, "Latest update", "The latest progress update", false,
		[]string{"latest update", "update", "progress update", "progress", "latest position", "current position", "commentary", "comments", "comment", "notes"}},
	{FieldUpdateDate, "Update date", "The date of the latest update", false,
		[]string{"update date", "date of update", "date updated", "last updated", "updated", "updated on", "as at"}},
	{FieldUpdateAuthor, "Update by", "Who wrote the latest update", false,
		[]string{"updated by", "update by", "update author", "author"}},
	{FieldSource, "Source", "The title of the report or meeting the action answers", false,
		[]string{"source", "source title", "report", "report title", "document"}},
	{FieldRecommendation, "Recommendation number", "The number of the recommendation (within its source) the action serves", false,
		[]string{"recommendation number", "recommendation no", "recommendation ref", "recommendation", "rec no", "rec number", "rec ref", "rec"}},
	{FieldHistory, "Update of the date in its header", "A column per meeting or month (“Update March 2022”): each cell is a progress update dated by the header; several columns may be chosen", false,
		nil},
}

// Fields lists the fields of a kind in the order a mapping screen shows them.
func Fields(k Kind) []FieldInfo {
	if k == KindActions {
		return actionFields
	}
	return recommendationFields
}

// Info returns the description of a field of kind k.
func Info(k Kind, f Field) (FieldInfo, bool) {
	for _, fi := range Fields(k) {
		if fi.Field == f {
			return fi, true
		}
	}
	return FieldInfo{}, false
}

// Mapping says which field each column fills, by column header. Columns it
// does not name are ignored. When several columns fill one field, the first
// of them (in file order) with a value wins.
type Mapping map[string]Field

// Columns lists the headers mapped to f, in header order.
func (m Mapping) Columns(headers []string, f Field) []string {
	var out []string
	for _, h := range headers {
		if m[h] == f {
			out = append(out, h)
		}
	}
	return out
}

// Has reports whether some column is mapped to f.
func (m Mapping) Has(f Field) bool {
	for _, v := range m {
		if v == f {
			return true
		}
	}
	return false
}

// MarshalJSON writes the mapping with its columns in order, so saved
// mappings compare and diff well.
func (m Mapping) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		vb, _ := json.Marshal(string(m[k]))
		b.Write(kb)
		b.WriteByte(':')
		b.Write(vb)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

// ParseMapping reads a mapping saved as JSON ({"column": "field", …}).
func ParseMapping(data []byte) (Mapping, error) {
	m := Mapping{}
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("the mapping is not valid JSON of the form {\"column\": \"field\"}: %w", err)
	}
	return m, nil
}

// ParseMappingPairs reads "column=field" pairs, as given on the command
// line: each pair may itself hold several, separated by commas.
func ParseMappingPairs(pairs []string) (Mapping, error) {
	m := Mapping{}
	for _, p := range pairs {
		for _, part := range splitPairs(p) {
			col, field, ok := strings.Cut(part, "=")
			col, field = strings.TrimSpace(col), strings.TrimSpace(field)
			if !ok || col == "" {
				return nil, fmt.Errorf("%q is not of the form COLUMN=FIELD", part)
			}
			m[col] = Field(field)
		}
	}
	return m, nil
}

// splitPairs splits "a=x,b=y" at commas, joining back a part without "="
// to the one after it, so a column whose header holds a comma can still be
// named ("Title, short=title").
func splitPairs(s string) []string {
	return splitAt(s, ',', '=')
}

// splitAt splits s at sep, joining back a part without mark to the one
// after it.
func splitAt(s string, sep, mark byte) []string {
	var out []string
	cur := ""
	for i, part := range strings.Split(s, string(sep)) {
		if i > 0 && cur != "" {
			cur += string(sep)
		}
		cur += part
		if strings.IndexByte(cur, mark) >= 0 {
			out = append(out, cur)
			cur = ""
		}
	}
	if strings.TrimSpace(cur) != "" {
		out = append(out, cur)
	}
	return out
}

// Check reports mapping mistakes a person must fix before rows can be read:
// unknown columns or fields, and required fields left unmapped (a default
// given in opts counts as a mapping). Messages are written for that person.
func (m Mapping) Check(k Kind, headers []string, opts Options) []string {
	var problems []string
	have := map[string]bool{}
	for _, h := range headers {
		have[h] = true
	}
	cols := make([]string, 0, len(m))
	for c := range m {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		f := m[c]
		if f == "" || f == "ignore" {
			continue
		}
		if !have[c] {
			problems = append(problems, fmt.Sprintf("The file has no column called “%s”; its columns are: %s", c, strings.Join(headers, ", ")))
		}
		if _, ok := Info(k, f); !ok {
			problems = append(problems, fmt.Sprintf("“%s” is not a field of %s; choose one of: %s", f, k, fieldNames(k)))
		}
		if _, dated := HeaderDate(c); f == FieldHistory && !dated {
			problems = append(problems, fmt.Sprintf("The column “%s” holds updates dated by its header, but its header names no date; rename it as “Update March 2022” or “Update 14/06/2022”", c))
		}
	}
	for _, fi := range Fields(k) {
		if !fi.Required || m.Has(fi.Field) {
			continue
		}
		switch {
		case fi.Field == FieldSource && opts.Source != "":
		case fi.Field == FieldOrganisation && opts.Organisation != "":
		case fi.Field == FieldAddressee && opts.Organisation != "":
		case fi.Field == FieldNumber && opts.Number != "" && k == KindRecommendations:
		default:
			problems = append(problems, fmt.Sprintf("Choose the column that holds %s (%s)", strings.ToLower(fi.Label), fi.Field))
		}
	}
	if opts.Number != "" {
		if k != KindRecommendations {
			problems = append(problems, "A number template makes recommendation numbers; a rolling action log has none")
		} else if _, p := parseNumberTemplate(opts.Number, headers); p != "" {
			problems = append(problems, p)
		}
	}
	return append(problems, checkValues(k, opts.Values)...)
}

// checkValues reports translations to a field without fixed words, or to a
// word the tracker does not have.
func checkValues(k Kind, values map[Field]map[string]string) []string {
	var problems []string
	fields := make([]string, 0, len(values))
	for f := range values {
		fields = append(fields, string(f))
	}
	sort.Strings(fields)
	for _, f := range fields {
		voc, ok := VocabularyOf(k, Field(f))
		if !ok {
			problems = append(problems, fmt.Sprintf("“%s” is not a field of %s with fixed words; translate the words of: %s", f, k, vocabularyNames(k)))
			continue
		}
		words := make([]string, 0, len(values[Field(f)]))
		for w := range values[Field(f)] {
			words = append(words, w)
		}
		sort.Strings(words)
		for _, w := range words {
			if to := values[Field(f)][w]; !validOption(voc.Options, to) {
				problems = append(problems, fmt.Sprintf("“%s” is not %s the tracker has (for the file’s “%s”); use one of: %s", to, voc.noun, w, optionCodes(voc.Options)))
			}
		}
	}
	return problems
}

func validOption(options []tracker.Option, v string) bool {
	for _, o := range options {
		if o.Value == v {
			return true
		}
	}
	return false
}

func optionCodes(options []tracker.Option) string {
	var out []string
	for _, o := range options {
		if o.Value != "" {
			out = append(out, o.Value)
		}
	}
	return strings.Join(out, ", ")
}

func vocabularyNames(k Kind) string {
	var out []string
	for _, v := range Vocabularies(k) {
		out = append(out, string(v.Field))
	}
	return strings.Join(out, ", ")
}

// ParseValuePairs reads --values as given on the command line, each
// "FIELD=FILEWORD:TRACKERWORD,FILEWORD:TRACKERWORD", into Options.Values.
// The tracker's word may be its value or its label ("partly_accepted",
// "Partly accepted"); a file word may hold commas and colons (the last
// colon of a pair parts the two words).
func ParseValuePairs(k Kind, pairs []string) (map[Field]map[string]string, error) {
	out := map[Field]map[string]string{}
	for _, p := range pairs {
		field, rest, ok := strings.Cut(p, "=")
		field = strings.TrimSpace(field)
		if !ok || field == "" {
			return nil, fmt.Errorf("%q is not of the form FIELD=FILEWORD:TRACKERWORD,…", p)
		}
		voc, ok := VocabularyOf(k, Field(field))
		if !ok {
			return nil, fmt.Errorf("%q is not a field of %s with fixed words; translate the words of: %s", field, k, vocabularyNames(k))
		}
		for _, part := range splitAt(rest, ',', ':') {
			i := strings.LastIndexByte(part, ':')
			if i < 0 {
				return nil, fmt.Errorf("%q is not of the form FILEWORD:TRACKERWORD", part)
			}
			word, to := strings.TrimSpace(part[:i]), strings.TrimSpace(part[i+1:])
			v, ok := voc.Value(to)
			if word == "" || !ok {
				return nil, fmt.Errorf("in %q, “%s” is not %s the tracker has; use one of: %s", part, to, voc.noun, optionCodes(voc.Options))
			}
			if out[Field(field)] == nil {
				out[Field(field)] = map[string]string{}
			}
			out[Field(field)][word] = v
		}
	}
	return out, nil
}

func fieldNames(k Kind) string {
	var names []string
	for _, fi := range Fields(k) {
		names = append(names, string(fi.Field))
	}
	return strings.Join(names, ", ")
}

// NormaliseHeader reduces a header to lower-case words for matching:
// "Recommendation_ID " and "recommendation id" are the same.
func NormaliseHeader(h string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(h) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '#' {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}

// GuessMapping proposes a mapping from the headers: each header is matched
// to the synonyms of each field, exact matches first and the best synonym
// first, and each field and column is used once. Headers it cannot place
// are left out, for the person to map or ignore. Guess looks at the values
// too.
func GuessMapping(k Kind, headers []string) Mapping {
	hist, taken := guessHistory(k, headers)
	m := assign(headers, withoutColumns(headerCandidates(k, headers), taken))
	for h, f := range hist {
		m[h] = f
	}
	return m
}

// withoutColumns leaves out the candidates of the columns taken.
func withoutColumns(cands []candidate, taken []bool) []candidate {
	out := cands[:0:0]
	for _, c := range cands {
		if !taken[c.col] {
			out = append(out, c)
		}
	}
	return out
}

// candidate is a column that may fill a field; the lower the rank, the
// better the evidence.
type candidate struct {
	col   int
	field Field
	rank  int
}

func headerCandidates(k Kind, headers []string) []candidate {
	var cands []candidate
	for ci, h := range headers {
		n := NormaliseHeader(h)
		if n == "" {
			continue
		}
		for _, fi := range Fields(k) {
			if best := headerRank(n, fi); best >= 0 {
				cands = append(cands, candidate{ci, fi.Field, best})
			}
		}
	}
	return cands
}

// headerRank is how well a normalised header names a field: 0 for its own
// name, the synonym's place for an exact synonym, 1000 more for a header
// that contains a synonym; -1 for no match.
func headerRank(n string, fi FieldInfo) int {
	best := -1
	if n == NormaliseHeader(string(fi.Field)) || n == NormaliseHeader(fi.Label) {
		best = 0
	}
	for si, syn := range fi.Synonyms {
		rank := -1
		switch {
		case n == syn:
			rank = si
		case len(syn) > 3 && containsWords(n, syn):
			rank = 1000 + si
		}
		if rank >= 0 && (best < 0 || rank < best) {
			best = rank
		}
	}
	return best
}

// assign gives each field the column with the best evidence, each column
// and field used once.
func assign(headers []string, cands []candidate) Mapping {
	sort.SliceStable(cands, func(i, j int) bool {
		if cands[i].rank != cands[j].rank {
			return cands[i].rank < cands[j].rank
		}
		return cands[i].col < cands[j].col
	})
	m := Mapping{}
	usedCol := map[int]bool{}
	usedField := map[Field]bool{}
	for _, c := range cands {
		if usedCol[c.col] || usedField[c.field] {
			continue
		}
		usedCol[c.col], usedField[c.field] = true, true
		m[headers[c.col]] = c.field
	}
	return m
}

// containsWords reports whether the words of phrase appear together in s.
func containsWords(s, phrase string) bool {
	return strings.Contains(" "+s+" ", " "+phrase+" ")
}

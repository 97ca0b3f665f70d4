package importer

import (
	"strings"
	"unicode/utf8"

	"github.com/civic-tracker/tracker/tracker"
)

// guessSample is how many rows Guess reads of each column.
const guessSample = 1000

// profile is what a column's values look like.
type profile struct {
	filled int // cells with a value, of those sampled
	dates  int // of them, dates
	long   int // of them, text: longer than 60 characters, or several lines
	// words counts, by field, the cells that are words of its vocabulary.
	words map[Field]int
}

// mostly reports whether n is at least share of the filled cells.
func (p profile) mostly(n int, share float64) bool {
	return p.filled > 0 && float64(n) >= share*float64(p.filled)
}

// weakWords are words of a vocabulary that say too little alone: a column
// of yes and no is as likely "overdue?" as a response position.
var weakWords = map[string]bool{"yes": true, "no": true}

func profileColumn(k Kind, t *Table, col int) profile {
	p := profile{words: map[Field]int{}}
	vocabs := Vocabularies(k)
	for i, r := range t.Rows {
		if i == guessSample {
			break
		}
		v := strings.TrimSpace(r.Cell(col))
		if v == "" {
			continue
		}
		p.filled++
		if _, err := tracker.ParseSpreadsheetDate(v); err == nil {
			p.dates++
		}
		if utf8.RuneCountInString(v) > 60 || strings.Contains(v, "\n") {
			p.long++
		}
		if weakWords[normaliseWord(v)] {
			continue
		}
		for _, voc := range vocabs {
			if _, ok := voc.Known(v); ok {
				p.words[voc.Field]++
			}
		}
	}
	return p
}

// Guess proposes a mapping from the headers and the values beneath them,
// and a number template when the file has no column that numbers its
// recommendations. A column of dates or of long text never fills a field
// with fixed words (status, position, RAG), whatever its header says
// ("Status date"); a column whose values are mostly one vocabulary's words
// ("Agreed with", "Partially agreed with") fills that field, whatever its
// header says ("Agency response").
func Guess(k Kind, t *Table) (Mapping, string) {
	profiles := make([]profile, len(t.Headers))
	for i := range t.Headers {
		profiles[i] = profileColumn(k, t, i)
	}
	var cands []candidate
	header := map[candidate]bool{}
	hist, taken := guessHistory(k, t.Headers)
	for col := range profiles {
		if taken[col] {
			profiles[col] = profile{words: map[Field]int{}}
		}
	}
	for _, c := range withoutColumns(headerCandidates(k, t.Headers), taken) {
		p := profiles[c.col]
		if _, fixed := VocabularyOf(k, c.field); fixed && (p.mostly(p.dates, 0.5) || p.mostly(p.long, 0.5)) {
			continue
		}
		cands = append(cands, c)
		header[candidate{col: c.col, field: c.field}] = true
	}
	for col, p := range profiles {
		if p.mostly(p.dates, 0.5) || p.mostly(p.long, 0.5) {
			continue
		}
		for _, voc := range Vocabularies(k) {
			n := p.words[voc.Field]
			if !p.mostly(n, 0.6) {
				continue
			}
			// Ahead of any header: the more of the column's words, the
			// better; the header breaks a tie.
			rank := -2 * (1 + n*1000/p.filled)
			if header[candidate{col: col, field: voc.Field}] {
				rank--
			}
			cands = append(cands, candidate{col, voc.Field, rank})
		}
	}
	m := assign(t.Headers, cands)
	for h, f := range hist {
		m[h] = f
	}
	if k != KindRecommendations {
		return m, ""
	}
	if col := numberColumn(t, m); col >= 0 && !numbersRecommendations(t, m, col) {
		// A column such as an audit's number, shared by the audit's
		// recommendations: mapped, it would merge them into one.
		var kept []candidate
		for _, c := range cands {
			if c.col != col || c.field != FieldNumber {
				kept = append(kept, c)
			}
		}
		m = assign(t.Headers, kept)
		for h, f := range hist {
			m[h] = f
		}
	}
	if m.Has(FieldNumber) {
		return m, ""
	}
	if refs := m.Columns(t.Headers, FieldSourceReference); len(refs) > 0 {
		return m, "{" + Slug(refs[0]) + "}-{" + RowPlaceholder + "}"
	}
	return m, "{" + RowPlaceholder + "}"
}

func numberColumn(t *Table, m Mapping) int {
	for i, h := range t.Headers {
		if m[h] == FieldNumber {
			return i
		}
	}
	return -1
}

// numbersRecommendations reports whether a column mapped to the number
// tells the recommendations of a source apart: rows with the same source
// and number hold the same text (one recommendation to several bodies),
// but for a few slips.
func numbersRecommendations(t *Table, m Mapping, col int) bool {
	texts := m.Columns(t.Headers, FieldText)
	if len(texts) == 0 {
		return true
	}
	text := indexOf(t.Headers, texts[0])
	source := -1
	if s := m.Columns(t.Headers, FieldSource); len(s) > 0 {
		source = indexOf(t.Headers, s[0])
	}
	seen := map[string]string{}
	clash, rows := 0, 0
	for i, r := range t.Rows {
		if i == guessSample {
			break
		}
		key := strings.ToLower(strings.TrimSpace(r.Cell(source))) + "\x00" + strings.ToLower(strings.TrimSpace(r.Cell(col)))
		tx := strings.Join(strings.Fields(r.Cell(text)), " ")
		rows++
		if prev, ok := seen[key]; ok && prev != tx {
			clash++
		}
		seen[key] = tx
	}
	return clash*10 <= rows
}

func indexOf(headers []string, h string) int {
	for i, x := range headers {
		if x == h {
			return i
		}
	}
	return -1
}

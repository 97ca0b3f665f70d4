package importer

import (
	"fmt"
	"strconv"
	"strings"
)

// Slug is how a number template names a column: "Audit Number" and
// "audit_number" are both {audit_number}.
func Slug(header string) string {
	return strings.ReplaceAll(NormaliseHeader(header), " ", "_")
}

// RowPlaceholder is the part of a number template that stands for the
// recommendation's position within its source: the rows of one source
// counted in file order, rows with the same text counted once.
const RowPlaceholder = "row"

// numberPart is a piece of a number template: literal text, a column, or
// the position (column -1 with row set).
type numberPart struct {
	text   string
	column int
	row    bool
}

// numberTemplate makes recommendation numbers from a row's cells and its
// position, as "{audit_number}-{row}" makes "2019-04-3".
type numberTemplate struct {
	parts []numberPart
	// usesRow is set when the template counts positions.
	usesRow bool
}

// parseNumberTemplate reads a template over the table's headers; a problem
// is written for the person who typed it.
func parseNumberTemplate(tpl string, headers []string) (numberTemplate, string) {
	var nt numberTemplate
	slugs := map[string]int{}
	var names []string
	for i, h := range headers {
		s := Slug(h)
		if _, ok := slugs[s]; !ok && s != "" {
			slugs[s] = i
			names = append(names, "{"+s+"}")
		}
	}
	rest := tpl
	placeholders := 0
	for rest != "" {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			if strings.IndexByte(rest, '}') >= 0 {
				return nt, fmt.Sprintf("The number template “%s” has a } without its {", tpl)
			}
			nt.parts = append(nt.parts, numberPart{text: rest, column: -1})
			break
		}
		if open > 0 {
			nt.parts = append(nt.parts, numberPart{text: rest[:open], column: -1})
		}
		end := strings.IndexByte(rest[open:], '}')
		if end < 0 {
			return nt, fmt.Sprintf("The number template “%s” has a { without its }", tpl)
		}
		name := rest[open+1 : open+end]
		rest = rest[open+end+1:]
		placeholders++
		if Slug(name) == RowPlaceholder {
			nt.parts = append(nt.parts, numberPart{row: true, column: -1})
			nt.usesRow = true
			continue
		}
		col, ok := slugs[Slug(name)]
		if !ok {
			return nt, fmt.Sprintf("The number template names {%s}, but the file has no such column; use {row} for the position within the source, or one of: %s",
				name, strings.Join(names, ", "))
		}
		nt.parts = append(nt.parts, numberPart{column: col})
	}
	if placeholders == 0 {
		return nt, fmt.Sprintf("The number template “%s” names no column and no {row}, so every recommendation would have the same number; write it like {audit_number}-{row}", tpl)
	}
	return nt, ""
}

// number makes the number of a row at position pos, or says which column
// it needs and does not have.
func (nt numberTemplate) number(r Row, headers []string, pos int) (string, string) {
	var b strings.Builder
	for _, p := range nt.parts {
		switch {
		case p.row:
			b.WriteString(strconv.Itoa(pos))
		case p.column >= 0:
			v := strings.Join(strings.Fields(r.Cell(p.column)), " ")
			if v == "" {
				return "", headers[p.column]
			}
			b.WriteString(v)
		default:
			b.WriteString(p.text)
		}
	}
	return b.String(), ""
}

// positions counts recommendations within each source in file order: the
// first text of a source is 1, the next different one 2, and a text seen
// before keeps its number.
type positions map[string]map[string]int

func (p positions) of(source, text string) int {
	sk := strings.ToLower(strings.Join(strings.Fields(source), " "))
	tk := strings.Join(strings.Fields(text), " ")
	m := p[sk]
	if m == nil {
		m = map[string]int{}
		p[sk] = m
	}
	if n, ok := m[tk]; ok {
		return n
	}
	m[tk] = len(m) + 1
	return m[tk]
}

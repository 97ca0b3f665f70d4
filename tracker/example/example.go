// Package example loads the tracker's example content: the real documents
// in seeds/ (a committee report and its catalogue record, the MPS response
// to it, a police force's reply to an outstanding reference, an oversight
// board's question and its answer). Texts are cut from the documents as
// they are, never retyped, so every character survives.
package example

import (
	"context"
	"embed"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

//go:embed seeds/*.txt
var seeds embed.FS

// Titles of the example sources; loading skips any that already exist, so
// loading twice changes nothing.
const (
	DutyOfCareTitle = "Duty of Care: Improving Support for Victims of Crime"
	FIBTitle        = "Analysis of the results of the victim satisfaction survey"
	BoardTitle      = "Letter following the Oversight Board meeting of 24 April 2022"
)

// Report says what a load added.
type Report struct {
	Organisations   int
	Sources         []string
	Skipped         []string
	Recommendations int
	Responses       int
	Actions         int
	Updates         int
	References      int
	Replies         int
	Measures        int
	Meetings        int
}

// String is a one-paragraph summary for the command line.
func (r Report) String() string {
	var b strings.Builder
	if len(r.Sources) == 0 {
		b.WriteString("The example data was already loaded; nothing was added.")
		return b.String()
	}
	fmt.Fprintf(&b, "Loaded %d source(s): %s.\n", len(r.Sources), strings.Join(r.Sources, "; "))
	fmt.Fprintf(&b, "%d recommendations, %d management responses, %d actions, %d progress updates, %d references, %d replies, %d measures, %d meetings.",
		r.Recommendations, r.Responses, r.Actions, r.Updates, r.References, r.Replies, r.Measures, r.Meetings)
	if len(r.Skipped) > 0 {
		fmt.Fprintf(&b, "\nAlready present, left as they are: %s.", strings.Join(r.Skipped, "; "))
	}
	return b.String()
}

// Load adds the example content in one transaction. Documents already
// present (matched by source title) are left alone.
func Load(ctx context.Context, s *store.Store) (Report, error) {
	var rep Report
	err := s.Tx(ctx, func(tx *store.Store) error {
		l := &loader{ctx: ctx, s: tx, rep: &rep, orgs: map[string]tracker.Organisation{}}
		return l.load()
	})
	return rep, err
}

type loader struct {
	ctx  context.Context
	s    *store.Store
	rep  *Report
	orgs map[string]tracker.Organisation
}

// Organisations of the example, keyed by the name the documents use most.
var organisations = []tracker.Organisation{
	{Name: "Metropolitan Police Service", ShortName: "MPS"},
	{Name: "City of London Police", ShortName: "CoLP"},
	{Name: "Mayor's Office for Policing and Crime", ShortName: "MOPAC"},
	{Name: "London Assembly Police and Crime Committee", ShortName: "Police and Crime Committee"},
	{Name: "Performance and Resource Management Sub-Committee", ShortName: "PRM Sub-Committee"},
	{Name: "Force Intelligence Bureau", ShortName: "FIB"},
	{Name: "Victim Support"},
	{Name: "London Criminal Justice Partnership", ShortName: "LCJP"},
	{Name: "Oversight Board"},
}

func (l *loader) load() error {
	for _, o := range organisations {
		var before bool
		if _, err := l.s.FindOrganisationByName(l.ctx, o.Name); err == nil {
			before = true
		}
		got, err := l.s.EnsureOrganisation(l.ctx, o)
		if err != nil {
			return err
		}
		if !before {
			l.rep.Organisations++
		}
		l.orgs[o.ShortName] = got
		l.orgs[o.Name] = got
	}
	steps := []struct {
		title string
		fn    func() error
	}{
		{DutyOfCareTitle, l.dutyOfCare},
		{FIBTitle, l.reference13},
		{BoardTitle, l.boardQuestion},
	}
	for _, st := range steps {
		if _, err := l.s.FindSourceByTitle(l.ctx, st.title); err == nil {
			l.rep.Skipped = append(l.rep.Skipped, st.title)
			continue
		}
		// Each document's changes take effect on its own dates, which the
		// step sets as it goes; the next document starts afresh.
		base := l.ctx
		err := st.fn()
		l.ctx = base
		if err != nil {
			return fmt.Errorf("load %q: %w", st.title, err)
		}
		l.rep.Sources = append(l.rep.Sources, st.title)
	}
	return l.meetings()
}

func (l *loader) org(name string) tracker.Organisation {
	o, ok := l.orgs[name]
	if !ok {
		panic("example: unknown organisation " + name)
	}
	return o
}

// Doc is one seed document read as paragraphs.
type Doc struct {
	Name  string
	Paras []string
}

// ReadDoc reads a seed document by its number ("002") and splits it into
// paragraphs, joining paragraphs that a page break cut in two.
func ReadDoc(number string) (Doc, error) {
	entries, err := seeds.ReadDir("seeds")
	if err != nil {
		return Doc{}, err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), number+"_") {
			b, err := seeds.ReadFile("seeds/" + e.Name())
			if err != nil {
				return Doc{}, err
			}
			return Doc{Name: e.Name(), Paras: Paragraphs(string(b))}, nil
		}
	}
	return Doc{}, fmt.Errorf("no seed document %s", number)
}

var blankLines = regexp.MustCompile(`\n[ \t]*\n\s*`)

// Paragraphs splits text at blank lines. A paragraph that ends mid-sentence
// (no closing punctuation) followed by one that starts in lower case was cut
// by a page break in the original and is joined again.
func Paragraphs(text string) []string {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	var out []string
	for _, p := range blankLines.Split(text, -1) {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if n := len(out); n > 0 && !endsSentence(out[n-1]) && startsLower(p) {
			out[n-1] += " " + p
			continue
		}
		out = append(out, p)
	}
	return out
}

func endsSentence(p string) bool {
	return strings.ContainsAny(lastRune(p), ".:;?!\"”)")
}

func lastRune(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return ""
	}
	return string(r[len(r)-1])
}

func startsLower(p string) bool {
	for _, r := range p {
		return r >= 'a' && r <= 'z'
	}
	return false
}

// index returns the position of the first paragraph matching re at or after from.
func (d Doc) index(re *regexp.Regexp, from int) int {
	for i := from; i < len(d.Paras); i++ {
		if re.MatchString(d.Paras[i]) {
			return i
		}
	}
	return -1
}

func (d Doc) mustIndex(re *regexp.Regexp, from int) (int, error) {
	i := d.index(re, from)
	if i < 0 {
		return -1, fmt.Errorf("%s: no paragraph matches %s", d.Name, re)
	}
	return i, nil
}

func joinParas(ps []string) string { return strings.Join(ps, "\n\n") }

func day(y int, m time.Month, d int) *time.Time { return tracker.DatePtr(y, m, d) }

func parsePtr(text string, ref time.Time) *time.Time {
	if t, ok := tracker.ParseDeadline(text, ref); ok {
		return &t
	}
	return nil
}

// dated makes what the loader writes next take effect on day d (the
// document's date), when the document gives one.
func (l *loader) dated(d *time.Time) {
	if d != nil {
		l.ctx = tracker.TakingEffect(l.ctx, *d)
	}
}

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

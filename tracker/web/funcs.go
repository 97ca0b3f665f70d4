package web

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	gmhtml "github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"

	"github.com/civic-tracker/tracker/tracker"
)

var (
	// Hard wraps: a single line break, typed or imported (sub-items a.–d.
	// on their own lines), is a break on the page as in the PDF, not a
	// space as plain Markdown has it.
	markdown = goldmark.New(goldmark.WithExtensions(extension.Linkify, extension.Strikethrough),
		goldmark.WithRendererOptions(gmhtml.WithHardWraps(), renderer.WithNodeRenderers(util.Prioritized(rawHTMLAsText{}, 100))))
	// sanitiser keeps what Markdown makes (paragraphs, lists, emphasis,
	// links, headings) and drops anything else; raw HTML in the text is
	// already shown as text, this is the second lock.
	sanitiser = bluemonday.UGCPolicy()
)

// rawHTMLAsText shows HTML typed or pasted into a text as the characters
// written: "<p>We accept</p>" or "Owner changed to <John Smith>" appear
// with their angle brackets, where goldmark would leave them out. Markdown
// emphasis and lists still work.
type rawHTMLAsText struct{}

// RegisterFuncs takes over goldmark's two raw HTML nodes.
func (rawHTMLAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			segs := n.(*ast.RawHTML).Segments
			for i := 0; i < segs.Len(); i++ {
				seg := segs.At(i)
				_, _ = w.WriteString(html.EscapeString(string(seg.Value(source))))
			}
		}
		return ast.WalkSkipChildren, nil
	})
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, source []byte, n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		b := n.(*ast.HTMLBlock)
		var text strings.Builder
		for i := 0; i < b.Lines().Len(); i++ {
			seg := b.Lines().At(i)
			text.Write(seg.Value(source))
		}
		if b.HasClosure() {
			text.Write(b.ClosureLine.Value(source))
		}
		_, _ = w.WriteString("<p>" + strings.ReplaceAll(html.EscapeString(strings.TrimRight(text.String(), "\n")), "\n", "<br>\n") + "</p>\n")
		return ast.WalkSkipChildren, nil
	})
}

// renderMarkdown turns a long text into safe HTML.
func renderMarkdown(text string) template.HTML {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(text), &buf); err != nil {
		return template.HTML("<p>" + template.HTMLEscapeString(text) + "</p>")
	}
	return template.HTML(sanitiser.SanitizeBytes(buf.Bytes())) //nolint:gosec // sanitised above
}

var funcs = template.FuncMap{
	"md":            renderMarkdown,
	"date":          formatDate,
	"recStatus":     tracker.RecommendationStatusLabel,
	"actStatus":     tracker.ActionStatusLabel,
	"assessment":    tracker.AssessmentLabel,
	"position":      tracker.PositionLabel,
	"rag":           tracker.RAGLabel,
	"refStatus":     tracker.ReferenceStatusLabel,
	"meetingStatus": tracker.MeetingStatusLabel,
	"decisionLabel": tracker.DecisionLabel,
	"roleLabel":     tracker.RoleLabel,
	"kind":          tracker.SourceKindLabel,
	"tag":           tagColour,
	"orgs":          orgLabels,
	"number":        formatNumber,
	"truncate":      truncate,
	"isolate":       isolate,
	"plain":         plain,
	"join":          strings.Join,
	"add":           func(a, b int) int { return a + b },
	"deref":         func(f *float64) float64 { return *f },
	"pdfForm":       newPDFForm,
	"hitHeading":    hitHeading,
	"hitDetail":     hitDetail,
	"entityLabel":   func(e string) string { return entityLabels[e] },
	"moveOf": func(url, label, csrf string, m moveForm, errs map[string]string) moveView {
		return moveView{URL: url, Label: label, CSRF: csrf, Move: m, Errors: errs}
	},
	"fe": func(errs map[string]string, field string) FieldError {
		return FieldError{Field: field, Message: errs[field]}
	},
	"count":   countOf,
	"moment":  func(t time.Time) string { return t.In(tracker.London).Format("2 January 2006, 15:04") },
	"elapsed": elapsed,
	"one":     func(m tracker.Measure) []tracker.Measure { return []tracker.Measure{m} },
	"at":      func(a tracker.Action, today time.Time) actionAt { return actionAt{A: a, Today: today} },
	"cardOf": func(a tracker.ActionItem, today time.Time, level int) actionCard {
		return actionCard{A: a, Today: today, Level: level}
	},
	"level": func(v any, level int) leveled { return leveled{V: v, Level: level} },
}

// actionCard pairs an action item with the day and its heading's level,
// for the "action-card" partial.
type actionCard struct {
	A     tracker.ActionItem
	Today time.Time
	Level int
}

// leveled hands a partial what it shows and the level of its headings, so
// that a page's headings go down one level at a time wherever it is used.
type leveled struct {
	V     any
	Level int
}

// actionAt pairs an action with the day its overdue state is judged on,
// for the "action-tags" partial.
type actionAt struct {
	A     tracker.Action
	Today time.Time
}

// formatDate shows a date the British way; nil and zero dates are "".
func formatDate(v any) string {
	switch t := v.(type) {
	case time.Time:
		return tracker.FormatDate(t)
	case *time.Time:
		if t == nil {
			return ""
		}
		return tracker.FormatDate(*t)
	default:
		return ""
	}
}

// tagColour picks the tag colour for a status value; the word is always
// shown too, so colour never carries meaning alone.
func tagColour(value string) string {
	switch value {
	case tracker.RecClosed, tracker.ActCompleted, tracker.RAGGreen, tracker.PosAccepted, tracker.AssessSatisfied, tracker.AssessClosed:
		return "green"
	case tracker.RecImplemented, tracker.RefResponded:
		return "turquoise"
	case tracker.RecInProgress:
		return "blue"
	case tracker.RAGAmber, tracker.PosPartlyAccepted, tracker.AssessPartlySatisfied:
		return "yellow"
	case tracker.RAGRed, tracker.PosNotAccepted, tracker.AssessNotSatisfied, "overdue", tracker.RefAwaiting:
		return "red"
	case tracker.ActCancelled:
		return "grey"
	default:
		return "grey"
	}
}

func orgLabels(orgs []tracker.Organisation) string {
	labels := make([]string, len(orgs))
	for i, o := range orgs {
		labels[i] = o.Label()
	}
	return strings.Join(labels, ", ")
}

// formatNumber shows 11000 as "11,000" and 66.7 as "66.7".
func formatNumber(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	whole, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(whole, "-")
	whole = strings.TrimPrefix(whole, "-")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String()
	if frac != "" {
		out += "." + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// truncate shortens text to about n characters at a word boundary.
func truncate(n int, text string) string {
	r := []rune(text)
	if len(r) <= n {
		return isolate(text)
	}
	cut := string(r[:n])
	if i := strings.LastIndex(cut, " "); i > n/2 {
		cut = cut[:i]
	}
	return isolate(fmt.Sprintf("%s…", strings.TrimRight(cut, " ,.;:")))
}

// bidiControls are the characters that change the direction of the text
// after them: embeddings, overrides (U+202E, "right-to-left override")
// and isolates.
const bidiControls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

// isolate keeps a name or title that holds direction controls from turning
// the text around it: it is wrapped in a first-strong isolate (U+2068 …
// U+2069), which ends every override begun inside it. Other text is left
// as it is.
func isolate(text string) string {
	if !strings.ContainsAny(text, bidiControls) {
		return text
	}
	return "\u2068" + text + "\u2069"
}

var markup = strings.NewReplacer("**", "", "__", "", "\n- ", " ", "\n", " ")

// plain strips the Markdown marks that would show as clutter in a one-line
// snippet.
func plain(text string) string {
	return strings.TrimPrefix(markup.Replace(text), "- ")
}

// pdfForm is the "download as PDF" form: where it goes, its button, an id
// prefix for its fields, today, and filters to carry along.
type pdfForm struct {
	URL, Label, ID string
	Today          time.Time
	Hidden         map[string]string
}

func newPDFForm(url, label, id string, today time.Time, hidden map[string]string) pdfForm {
	return pdfForm{URL: url, Label: label, ID: id, Today: today, Hidden: hidden}
}

// moveView feeds the "move-form" partial.
type moveView struct {
	URL, Label, CSRF string
	Move             moveForm
	Errors           map[string]string
}

// countOf says how many of something there are: "1 row", "3 rows". The
// word is given in the plural.
func countOf(n int, plural string) string {
	if n == 1 {
		return "1 " + strings.TrimSuffix(plural, "s")
	}
	return strconv.Itoa(n) + " " + plural
}

// elapsed says how long it is from a date to a day, in the words every page
// uses ("45 days", "13 years 5 months"); "" for no date.
func elapsed(from any, to time.Time) string {
	switch t := from.(type) {
	case time.Time:
		return tracker.Elapsed(t, to)
	case *time.Time:
		if t != nil {
			return tracker.Elapsed(*t, to)
		}
	}
	return ""
}

package web

import (
	"context"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type homePage struct {
	Layout
	Counts       tracker.Counts
	Owners       []tracker.OwnerCounts
	Sources      []tracker.SourceStatusCounts
	Chart        template.HTML
	ChartText    string
	Since        time.Time
	SinceError   string
	Changed      []tracker.ChangedItem
	ChangedTotal int
	Measures     []tracker.Measure
	// NoOwner is the action log's owner filter for "Not assigned".
	NoOwner string
}

// changedDays is how far back "changed since" looks by default: four
// weeks, about one meeting cycle.
const changedDays = 28

// overviewReads are the overview's counts and lists.
type overviewReads interface {
	Counts(ctx context.Context, today time.Time) (tracker.Counts, error)
	OwnerCounts(ctx context.Context, today time.Time, soonDays int) ([]tracker.OwnerCounts, error)
	SourceStatusCounts(ctx context.Context) ([]tracker.SourceStatusCounts, error)
	ChangedSince(ctx context.Context, since time.Time, limit int) ([]tracker.ChangedItem, int, error)
}

func (s *Server) home(c *gin.Context) {
	ctx := c.Request.Context()
	today := s.today()
	p := &homePage{Layout: Layout{Title: "Overview", Section: "home"}, NoOwner: request.NoOwner, Since: today.AddDate(0, 0, -changedDays)}
	if v := request.ChangedSince(c); v != "" {
		if d, ok := request.ParseFormDate(v); ok && !d.After(today) {
			p.Since = d
		} else {
			p.SinceError = "Enter a date in the past, for example 01/11/2026"
			p.ErrorSummary = []FieldError{{Field: "since", Message: p.SinceError}}
		}
	}
	var err error
	if p.Counts, err = s.store.Counts(ctx, today); err != nil {
		s.fail(c, err)
		return
	}
	if p.Owners, err = s.store.OwnerCounts(ctx, today, 30); err != nil {
		s.fail(c, err)
		return
	}
	if p.Sources, err = s.store.SourceStatusCounts(ctx); err != nil {
		s.fail(c, err)
		return
	}
	p.Chart, p.ChartText = statusChart(p.Sources)
	if p.Changed, p.ChangedTotal, err = s.store.ChangedSince(ctx, p.Since, 15); err != nil {
		s.fail(c, err)
		return
	}
	if p.Measures, _, err = s.store.ListMeasures(ctx, tracker.Page{Size: 10}); err != nil {
		s.fail(c, err)
		return
	}
	s.render(c, http.StatusOK, pageHome, p)
}

var chartColours = map[string]string{
	tracker.RecOpen: "#505a5f", tracker.RecInProgress: "#1d70b8", tracker.RecImplemented: "#28a197", tracker.RecClosed: "#00703c",
}

// statusChart draws each source's recommendations by status as a stacked
// bar, in inline SVG, and says the same in words for those who cannot see
// it; the table beside it holds the numbers too.
func statusChart(sources []tracker.SourceStatusCounts) (template.HTML, string) {
	if len(sources) == 0 {
		return "", ""
	}
	const labelW, barW, rowH = 0, 560.0, 34.0
	var b strings.Builder
	var words []string
	h := float64(len(sources))*rowH + 24
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %.0f %.0f" role="img" aria-labelledby="chart-title chart-desc" focusable="false">`, barW, h)
	b.WriteString(`<title id="chart-title">Recommendations by status, per source</title>`)
	max := 0
	for _, s := range sources {
		if s.Total > max {
			max = s.Total
		}
	}
	for i, s := range sources {
		y := float64(i) * rowH
		fmt.Fprintf(&b, `<text x="0" y="%.0f" class="chart__label">%s</text>`, y+11, html.EscapeString(truncate(70, s.Source.Title)))
		x := 0.0
		var parts []string
		for _, c := range s.ByStatus {
			if c.N == 0 {
				continue
			}
			w := barW * 0.8 * float64(c.N) / float64(max)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.0f" width="%.1f" height="14" fill="%s"><title>%s: %d</title></rect>`,
				x, y+15, w, chartColours[c.Key], html.EscapeString(c.Label), c.N)
			x += w
			parts = append(parts, fmt.Sprintf("%d %s", c.N, strings.ToLower(c.Label)))
		}
		fmt.Fprintf(&b, `<text x="%.1f" y="%.0f" class="chart__n">%d</text>`, x+6, y+27, s.Total)
		words = append(words, fmt.Sprintf("%s: %s", s.Source.Title, strings.Join(parts, ", ")))
	}
	lx := 0.0
	for _, o := range tracker.RecommendationStatuses {
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"/><text x="%.0f" y="%.0f" class="chart__legend">%s</text>`,
			lx, h-14, chartColours[o.Value], lx+16, h-3, html.EscapeString(o.Label))
		lx += 130
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()), strings.Join(words, ". ") + "." //nolint:gosec // every text is escaped above
}

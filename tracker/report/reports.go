package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// Result says what a render produced.
type Result struct {
	Pages int
	// Replaced counts characters the font could not draw, each set as a
	// visible replacement.
	Replaced int
}

func (d *doc) done(w io.Writer) (Result, error) {
	pages := d.pdf.PageNo()
	err := d.finish(w)
	return Result{Pages: pages, Replaced: d.replaced}, err
}

func orgNames(orgs []tracker.Organisation) string {
	names := make([]string, len(orgs))
	for i, o := range orgs {
		names[i] = o.Name
	}
	return strings.Join(names, ", ")
}

func deadlineText(r tracker.Recommendation) string {
	var parts []string
	if r.DeadlineText != "" {
		parts = append(parts, "“"+r.DeadlineText+"”")
	}
	if r.DeadlineDate != nil {
		parts = append(parts, tracker.FormatDate(*r.DeadlineDate))
	} else {
		parts = append(parts, "date not set")
	}
	return strings.Join(parts, " – ")
}

func dueText(a tracker.Action, today time.Time) string {
	s := dateOr(a.DueDate, "Date not set")
	if a.DueText != "" {
		s += "\n“" + a.DueText + "”"
	}
	if n := a.DaysOverdue(today); n > 0 {
		s += fmt.Sprintf("\n%d days overdue", n)
	}
	return s
}

func ownerText(a tracker.Action) string {
	s := a.Owner
	if s == "" {
		s = "Not assigned"
	}
	if a.OwnerUnit != "" {
		s += "\n" + a.OwnerUnit
	}
	return s
}

func latestText(it tracker.ActionItem) string {
	u := it.Latest()
	if u == nil {
		return "None yet"
	}
	text := strings.NewReplacer("**", "", "__", "").Replace(u.Text)
	if r := []rune(text); len(r) > 350 {
		text = strings.TrimSpace(string(r[:350])) + "…"
	}
	return tracker.FormatDate(u.Date) + " – " + text
}

func statusText(a tracker.Action) string {
	s := tracker.ActionStatusLabel(a.Status)
	if a.CompletedOn != nil {
		s += "\n" + tracker.FormatDate(*a.CompletedOn)
	}
	return s
}

var actionCols = []column{
	{"Action", 0.27, "L"}, {"Owner", 0.17, "L"}, {"Due", 0.13, "L"}, {"Status", 0.11, "L"}, {"RAG", 0.12, "L"}, {"Latest update", 0.20, "L"},
}

func actionRow(st *tracker.View, it tracker.ActionItem, today time.Time) []cell {
	a := it.Action
	due := dueText(a, today)
	if n := len(it.Revisions); n > 0 {
		due += fmt.Sprintf("\nMoved %d× (%+d days); first due %s", n, it.Slippage(), dateOr(it.Revisions[0].OldDate, "not set"))
	}
	return []cell{
		{Text: a.Description, Mark: st.Mark("action", a.ID)}, {Text: ownerText(a)}, {Text: due},
		{Text: statusText(a)}, {Text: ragWord(a.RAG), RAG: chipOf(a.RAG)}, {Text: latestText(it)},
	}
}

// actionOrderText says in words how the action log is sorted, for a
// tracker.ActionFilter's Sort.
func actionOrderText(sort string) string {
	switch sort {
	case "owner":
		return "By owner, then soonest due"
	case "status":
		return "By status, then soonest due"
	case "rag":
		return "Red first, then amber and green, then soonest due"
	case "changed":
		return "Most recently changed first"
	}
	return "Open actions first, soonest due first"
}

// replyDate is the reply's date as recorded: the day, else the wording the
// document gives ("March 2013"), else nothing.
func replyDate(r *tracker.Reply) string {
	switch {
	case r == nil:
		return ""
	case r.DateText != "":
		return r.DateText
	case r.Date != nil:
		return tracker.FormatDate(*r.Date)
	}
	return ""
}

// chipOf gives every rating a chip, "not rated" a grey one.
func chipOf(rag string) string {
	if rag == "" {
		return "none"
	}
	return rag
}

func init() { ragColours["none"] = ragColours[tracker.RAGNone] }

// ReferenceResponse writes the formal reply to an outstanding reference,
// laid out like the committee papers it replaces: the heading, the
// from/to/author/date block, the introduction, then each chosen
// recommendation with its management response and actions.
func ReferenceResponse(w io.Writer, fonts *Fonts, st *tracker.View, d tracker.ReferenceDetail, meta Meta) (Result, error) {
	ref := d.Reference
	title := ref.Title
	if ref.Number != "" {
		title = "Outstanding Reference: " + ref.Heading()
	}
	if meta.Title == "" {
		meta.Title = title
	}
	meta.Subject = "Response from " + ref.RespondingOrg.Name + " to " + ref.RequestedBy.Name
	var reply *tracker.Reply
	if len(d.Replies) > 0 {
		reply = &d.Replies[len(d.Replies)-1]
	}
	if meta.Author == "" {
		meta.Author = ref.RespondingOrg.Name
		if reply != nil && reply.Author != "" {
			meta.Author = reply.Author
		}
	}
	doc := newDoc(fonts, meta)
	doc.heading(0, title)
	rows := [][2]string{{"Response from", ref.RespondingOrg.Name}, {"Response to", ref.RequestedBy.Name}}
	if reply != nil && reply.Author != "" {
		rows = append(rows, [2]string{"Author", reply.Author})
	}
	// The reply's own date, as recorded; a reply the source leaves undated
	// (or one not yet written) gets none. The as-at day is in the header.
	if date := replyDate(reply); date != "" {
		rows = append(rows, [2]string{"Date", date})
	}
	doc.pairs(rows)

	intro := ""
	if ref.ReportIntro != nil {
		intro = *ref.ReportIntro
	} else if reply != nil {
		intro = reply.Body
	}
	if strings.TrimSpace(intro) != "" {
		doc.heading(1, "Introduction")
		doc.markdown(intro, 0)
	}
	if ref.RequestText != "" && ref.ReportIntro == nil && (reply == nil || !strings.Contains(reply.Body, ref.RequestText)) {
		doc.heading(1, "The request")
		doc.markdown(ref.RequestText, 0)
	}

	recs := d.Recommendations
	if ref.ReportItems != nil {
		byID := map[int64]tracker.RecommendationDetail{}
		for _, r := range recs {
			byID[r.Recommendation.ID] = r
		}
		recs = nil
		for _, id := range ref.ReportItems {
			if r, ok := byID[id]; ok {
				recs = append(recs, r)
			}
		}
	}
	today := st.Today()
	for _, r := range recs {
		rec := r.Recommendation
		doc.heading(1, "Recommendation "+rec.Number)
		doc.mark(st.Mark("recommendation", rec.ID))
		doc.markdown(rec.Text, 0)
		for _, t := range r.Responses {
			doc.font("B", fontSize)
			doc.ensure(14)
			label := "Management response"
			if len(rec.Addressees) > 1 {
				label += " from " + t.Current.Organisation.Name
			}
			if t.Current.Position != tracker.PosNotStated {
				label += ": " + tracker.PositionLabel(t.Current.Position)
			}
			doc.pdf.MultiCell(bodyW, lineH, doc.clean(label), "", "L", false)
			doc.font("", fontSize)
			doc.mark(st.Mark("response", t.Current.ID))
			doc.markdown(t.Current.Text, 0)
		}
		if len(r.Responses) == 0 {
			doc.caption("No management response recorded.")
		}
		if len(r.Actions) > 0 {
			doc.font("B", fontSize)
			doc.ensure(20)
			doc.pdf.CellFormat(bodyW, lineH, "Actions", "", 1, "L", false, 0, "")
			doc.font("", fontSize)
			var rows [][]cell
			for _, it := range r.Actions {
				rows = append(rows, actionRow(st, it, today))
			}
			doc.table(actionCols, rows)
		}
	}
	if len(d.Actions) > 0 {
		doc.heading(1, "Actions")
		var rows [][]cell
		for _, it := range d.Actions {
			rows = append(rows, actionRow(st, it, today))
		}
		doc.table(actionCols, rows)
	}
	return doc.done(w)
}

// SourceStatus writes a source's status report: a cover, a summary of
// counts, each recommendation in full with responses, assessment, actions
// and updates, then the measures with a trend chart each.
func SourceStatus(w io.Writer, fonts *Fonts, st *tracker.View, d tracker.SourceDetail, recs []tracker.RecommendationDetail, meta Meta) (Result, error) {
	src := d.Source
	if meta.Title == "" {
		meta.Title = "Status report: " + src.Title
	}
	meta.Subject = "Every recommendation of " + src.Title + " with responses, actions and progress"
	if meta.Author == "" {
		meta.Author = "Recommendations tracker"
	}
	doc := newDoc(fonts, meta)
	today := st.Today()

	// Cover.
	doc.pdf.SetY(70)
	doc.font("", 12)
	doc.pdf.SetTextColor(80, 90, 95)
	doc.pdf.MultiCell(bodyW, 6, "Status report", "", "L", false)
	doc.pdf.SetTextColor(11, 12, 12)
	doc.pdf.Ln(2)
	doc.font("B", 22)
	cover := doc.clean(src.Title)
	doc.pdf.Bookmark(cover, 0, -1)
	doc.pdf.MultiCell(bodyW, 10, cover, "", "L", false)
	doc.pdf.Ln(6)
	doc.font("", fontSize)
	rows := [][2]string{{"Kind", tracker.SourceKindLabel(src.Kind)}, {"Issued by", src.IssuedBy.Name}}
	if src.Date != nil {
		rows = append(rows, [2]string{"Date", tracker.FormatDate(*src.Date)})
	} else if src.DateText != "" {
		rows = append(rows, [2]string{"Date", src.DateText})
	}
	if len(d.Addressees) > 0 {
		rows = append(rows, [2]string{"Addressed to", orgNames(d.Addressees)})
	}
	rows = append(rows, [2]string{"Status as at", tracker.FormatDate(meta.AsAt)})
	if meta.Since != nil {
		rows = append(rows, [2]string{"Changes marked since", tracker.FormatDate(*meta.Since)})
	}
	if src.URL != "" {
		rows = append(rows, [2]string{"Web address", src.URL})
	}
	doc.pairs(rows)

	// Summary.
	doc.pdf.AddPage()
	doc.heading(1, "Summary")
	byStatus := map[string]int{}
	overdue := 0
	for _, r := range recs {
		byStatus[r.Recommendation.Status]++
		if r.Recommendation.Overdue(today) {
			overdue++
		}
	}
	var counts [][]cell
	for _, o := range tracker.RecommendationStatuses {
		counts = append(counts, []cell{{Text: o.Label}, {Text: fmt.Sprint(byStatus[o.Value])}})
	}
	counts = append(counts, []cell{{Text: "Past their deadline", Bold: true}, {Text: fmt.Sprint(overdue), Bold: true}})
	doc.table([]column{{"Recommendations by status", 0.7, "L"}, {"Number", 0.3, "R"}}, counts)

	byRAG := map[string]int{}
	actionsOverdue, open := 0, 0
	all := append([]tracker.ActionItem(nil), d.OtherActions...)
	for _, r := range recs {
		all = append(all, r.Actions...)
	}
	for _, it := range all {
		if it.Action.Open() {
			open++
			byRAG[it.Action.RAG]++
			if it.Action.Overdue(today) {
				actionsOverdue++
			}
		}
	}
	var ragRows [][]cell
	for _, o := range tracker.RAGs {
		ragRows = append(ragRows, []cell{{Text: o.Label, RAG: chipOf(o.Value)}, {Text: fmt.Sprint(byRAG[o.Value])}})
	}
	ragRows = append(ragRows, []cell{{Text: "Open actions", Bold: true}, {Text: fmt.Sprint(open), Bold: true}},
		[]cell{{Text: "Overdue actions", Bold: true}, {Text: fmt.Sprint(actionsOverdue), Bold: true}})
	doc.table([]column{{"Open actions by RAG rating", 0.7, "L"}, {"Number", 0.3, "R"}}, ragRows)

	var list [][]cell
	for _, r := range recs {
		rec := r.Recommendation
		summary := rec.Title
		if summary == "" {
			summary = rec.Text
		}
		if len([]rune(summary)) > 220 {
			summary = string([]rune(summary)[:220]) + "…"
		}
		status := tracker.RecommendationStatusLabel(rec.Status)
		if rec.Overdue(today) {
			status += "\nPast deadline"
		}
		list = append(list, []cell{{Text: rec.Number, Mark: st.Mark("recommendation", rec.ID)}, {Text: summary}, {Text: orgNames(rec.Addressees)}, {Text: deadlineText(rec)}, {Text: status}})
	}
	if len(list) > 0 {
		doc.table([]column{{"No.", 0.07, "L"}, {"Recommendation", 0.43, "L"}, {"Addressed to", 0.17, "L"}, {"Deadline", 0.18, "L"}, {"Status", 0.15, "L"}}, list)
	}

	// Each recommendation, one after another: a heading keeps with its
	// text, and pages are not left half empty.
	doc.pdf.AddPage()
	for i, r := range recs {
		rec := r.Recommendation
		if i > 0 {
			doc.rule()
		}
		doc.heading(1, "Recommendation "+rec.Number)
		doc.mark(st.Mark("recommendation", rec.ID))
		doc.markdown(rec.Text, 0)
		rows := [][2]string{
			{"Addressed to", orgNames(rec.Addressees)},
			{"Deadline as written", orDash(rec.DeadlineText)},
			{"Deadline date", dateOr(rec.DeadlineDate, "Date not set")},
			{"Status", tracker.RecommendationStatusLabel(rec.Status) + overdueNote(rec, today)},
			{"Overseer's assessment", tracker.AssessmentLabel(rec.Assessment)},
		}
		for i, rv := range r.Revisions {
			label := ""
			if i == 0 {
				label = "Deadline revisions"
			}
			rows = append(rows, [2]string{label, fmt.Sprintf("%s → %s: %s (%s, %s)", dateOr(rv.OldDate, "no date"), dateOr(rv.NewDate, "no date"),
				rv.Reason, rv.Author, tracker.FormatDate(rv.RevisedOn))})
		}
		if rec.AssessmentNote != "" {
			rows = append(rows, [2]string{"Assessment note", rec.AssessmentNote})
		}
		if len(rec.Themes) > 0 {
			rows = append(rows, [2]string{"Themes", strings.Join(rec.Themes, ", ")})
		}
		doc.pairs(rows)
		for _, t := range r.Responses {
			doc.heading(2, "Management response from "+t.Current.Organisation.Name)
			doc.mark(st.Mark("response", t.Current.ID))
			var parts []string
			if t.Current.Position != tracker.PosNotStated {
				parts = append(parts, tracker.PositionLabel(t.Current.Position))
			}
			if t.Current.Author != "" {
				parts = append(parts, t.Current.Author)
			}
			if t.Current.DateText != "" {
				parts = append(parts, t.Current.DateText)
			} else if t.Current.Date != nil {
				parts = append(parts, tracker.FormatDate(*t.Current.Date))
			}
			by := strings.Join(parts, " · ")
			if len(t.Earlier) > 0 {
				by += fmt.Sprintf(" · revision %d (%d earlier)", t.Current.Revision, len(t.Earlier))
			}
			doc.caption(by)
			doc.markdown(t.Current.Text, 0)
		}
		answered := map[int64]bool{}
		for _, t := range r.Responses {
			answered[t.Current.OrganisationID] = true
		}
		for _, o := range rec.Addressees {
			if !answered[o.ID] {
				doc.caption("No response recorded from " + o.Name + ".")
			}
		}
		if len(r.Actions) > 0 {
			doc.heading(2, "Actions")
			var rows [][]cell
			for _, it := range r.Actions {
				rows = append(rows, actionRow(st, it, today))
			}
			doc.table(actionCols, rows)
		}
		if len(r.Updates) > 0 {
			doc.heading(2, "Progress updates")
			for _, u := range r.Updates {
				doc.caption(tracker.FormatDate(u.Date) + " · " + u.Author)
				doc.markdown(u.Text, 0)
			}
		}
	}
	if len(d.OtherActions) > 0 {
		doc.pdf.AddPage()
		doc.heading(1, "Other actions on this source's log")
		var rows [][]cell
		for _, it := range d.OtherActions {
			rows = append(rows, actionRow(st, it, today))
		}
		doc.table(actionCols, rows)
	}
	if len(d.Measures) > 0 {
		doc.pdf.AddPage()
		doc.heading(1, "Measures")
		for _, m := range d.Measures {
			doc.measure(m)
		}
	}
	return doc.done(w)
}

func orDash(s string) string {
	if s == "" {
		return "None given"
	}
	return s
}

func overdueNote(r tracker.Recommendation, today time.Time) string {
	if r.Overdue(today) {
		return " – past its deadline"
	}
	return ""
}

func formatValue(v float64, unit string) string {
	s := fmt.Sprintf("%.1f", v)
	if v == math.Trunc(v) {
		s = fmt.Sprintf("%.0f", v)
		if v >= 10000 {
			s = withCommas(s)
		}
	}
	if unit == "%" {
		return s + "%"
	}
	if unit != "" {
		return s + " " + unit
	}
	return s
}

func withCommas(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// measure sets a measure's facts, values and a trend chart.
func (d *doc) measure(m tracker.Measure) {
	d.heading(2, m.Name)
	rows := [][2]string{{"Organisation", m.Organisation.Name}}
	dir := "Higher is better"
	if m.Direction == tracker.LowerIsBetter {
		dir = "Lower is better"
	}
	rows = append(rows, [2]string{"Direction", dir})
	if m.Target != nil || m.TargetText != "" {
		t := m.TargetText
		if m.Target != nil {
			t = strings.TrimSpace(formatValue(*m.Target, m.Unit) + "\n" + t)
		}
		if m.TargetDate != nil {
			t += " (by " + tracker.FormatDate(*m.TargetDate) + ")"
		}
		rows = append(rows, [2]string{"Target", t})
	}
	if latest, ok := m.Latest(); ok {
		rows = append(rows, [2]string{"Latest value", formatValue(latest.Value, m.Unit) + " (" + latest.Period + ")"})
	}
	d.pairs(rows)
	if len(m.Values) == 0 {
		d.caption("No values recorded yet.")
		return
	}
	var vals [][]cell
	for _, v := range m.Values {
		vals = append(vals, []cell{{Text: v.Period + "\nto " + tracker.FormatDate(v.PeriodEnd)}, {Text: formatValue(v.Value, m.Unit)}, {Text: strings.ReplaceAll(v.Note, "**", "")}})
	}
	d.table([]column{{"Period", 0.22, "L"}, {"Value", 0.16, "R"}, {"Where it comes from", 0.62, "L"}}, vals)
	d.chart(m)
}

// chart draws the values over time as a line, with the target as a dashed
// line, and says in words what it shows.
func (d *doc) chart(m tracker.Measure) {
	const w, h = 120.0, 50.0
	d.ensure(h + 24)
	x0, y0 := marginL+14, d.pdf.GetY()+4
	values := append([]tracker.MeasureValue(nil), m.Values...)
	sort.Slice(values, func(i, j int) bool { return values[i].PeriodEnd.Before(values[j].PeriodEnd) })
	lo, hi := 0.0, 0.0
	for _, v := range values {
		hi = math.Max(hi, v.Value)
		lo = math.Min(lo, v.Value)
	}
	if m.Target != nil {
		hi = math.Max(hi, *m.Target)
	}
	if hi == lo {
		hi = lo + 1
	}
	hi *= 1.1
	t0, t1 := values[0].PeriodEnd, values[len(values)-1].PeriodEnd
	span := t1.Sub(t0).Hours()
	px := func(t time.Time) float64 {
		if span == 0 {
			return x0 + w/2
		}
		return x0 + w*t.Sub(t0).Hours()/span
	}
	py := func(v float64) float64 { return y0 + h - h*(v-lo)/(hi-lo) }
	d.pdf.SetDrawColor(11, 12, 12)
	d.pdf.SetLineWidth(0.3)
	d.pdf.Line(x0, y0, x0, y0+h)
	d.pdf.Line(x0, y0+h, x0+w, y0+h)
	d.font("", 7)
	for _, v := range []float64{lo, (lo + hi) / 2, hi} {
		d.pdf.SetXY(marginL, py(v)-2)
		d.pdf.CellFormat(13, 4, formatValue(math.Round(v*10)/10, ""), "", 0, "R", false, 0, "")
	}
	if m.Target != nil {
		d.pdf.SetDrawColor(0, 112, 60)
		d.pdf.SetDashPattern([]float64{1.5, 1}, 0)
		d.pdf.Line(x0, py(*m.Target), x0+w, py(*m.Target))
		d.pdf.SetDashPattern(nil, 0)
		d.pdf.SetXY(x0+w+1, py(*m.Target)-2)
		d.pdf.CellFormat(30, 4, "Target", "", 0, "L", false, 0, "")
	}
	d.pdf.SetDrawColor(29, 112, 184)
	d.pdf.SetFillColor(29, 112, 184)
	d.pdf.SetLineWidth(0.6)
	for i, v := range values {
		x, y := px(v.PeriodEnd), py(v.Value)
		if i > 0 {
			d.pdf.Line(px(values[i-1].PeriodEnd), py(values[i-1].Value), x, y)
		}
		d.pdf.Circle(x, y, 0.9, "F")
		d.pdf.SetXY(x-15, y0+h+1)
		d.pdf.CellFormat(30, 4, d.clean(v.PeriodEnd.Format("Jan 2006")), "", 0, "C", false, 0, "")
		d.pdf.SetXY(x-15, y-5.5)
		d.pdf.CellFormat(30, 4, d.clean(formatValue(v.Value, m.Unit)), "", 0, "C", false, 0, "")
	}
	d.pdf.SetLineWidth(0.2)
	d.inkFill()
	d.pdf.SetY(y0 + h + 7)
	first, last := values[0], values[len(values)-1]
	desc := fmt.Sprintf("Chart: %s, from %s (%s) to %s (%s).", m.Name, formatValue(first.Value, m.Unit), first.Period, formatValue(last.Value, m.Unit), last.Period)
	if len(values) == 1 {
		desc = fmt.Sprintf("Chart: %s, one value so far: %s (%s).", m.Name, formatValue(first.Value, m.Unit), first.Period)
	}
	d.caption(desc)
	d.pdf.Ln(3)
}

// Outstanding writes the board's report of everything open across
// sources, grouped by organisation then owner, overdue first.
func Outstanding(w io.Writer, fonts *Fonts, st *tracker.View, groups []tracker.OrganisationGroup, meta Meta) (Result, error) {
	if meta.Title == "" {
		meta.Title = "Outstanding and overdue recommendations and actions"
	}
	meta.Subject = "Everything open across sources, by organisation and owner, overdue first"
	if meta.Author == "" {
		meta.Author = "Recommendations tracker"
	}
	doc := newDoc(fonts, meta)
	today := st.Today()
	doc.heading(0, meta.Title)
	doc.caption(meta.AsAtLine() + ". Overdue items come first, most overdue first. RAG ratings are shown as a coloured square and in words.")
	doc.pdf.Ln(2)
	var summary [][]cell
	for _, g := range groups {
		acts := 0
		for _, og := range g.Owners {
			acts += len(og.Actions)
		}
		summary = append(summary, []cell{{Text: g.Organisation.Name}, {Text: fmt.Sprint(len(g.Recommendations))}, {Text: fmt.Sprint(acts)}, {Text: fmt.Sprint(g.Overdue), Bold: g.Overdue > 0}})
	}
	if len(summary) == 0 {
		doc.markdown("Nothing is outstanding.", 0)
		return doc.done(w)
	}
	doc.table([]column{{"Organisation", 0.4, "L"}, {"Outstanding recommendations", 0.26, "R"}, {"Open actions", 0.17, "R"}, {"Overdue items", 0.17, "R"}}, summary)

	for _, g := range groups {
		doc.pdf.AddPage()
		doc.heading(1, g.Organisation.Name)
		if len(g.Recommendations) > 0 {
			doc.heading(2, "Outstanding recommendations addressed to "+g.Organisation.Label())
			var rows [][]cell
			for _, it := range g.Recommendations {
				r := it.Recommendation
				over := ""
				if r.Overdue(today) {
					over = fmt.Sprintf("%d days", int(today.Sub(*r.DeadlineDate).Hours()/24))
				}
				summary := r.Title
				if summary == "" {
					summary = r.Text
				}
				rows = append(rows, []cell{{Text: it.Source.Title + "\nRecommendation " + r.Number, Mark: st.Mark("recommendation", r.ID)}, {Text: summary},
					{Text: deadlineText(r)}, {Text: over, Bold: over != ""}, {Text: tracker.RecommendationStatusLabel(r.Status)}})
			}
			doc.table([]column{{"Source", 0.21, "L"}, {"Recommendation", 0.36, "L"}, {"Deadline", 0.17, "L"}, {"Overdue", 0.13, "L"}, {"Status", 0.13, "L"}}, rows)
		}
		for _, og := range g.Owners {
			owner := og.Owner
			if owner == "" {
				owner = "Not assigned"
			}
			doc.heading(2, "Open actions: "+owner)
			var rows [][]cell
			for _, it := range og.Actions {
				a := it.Action
				over := ""
				if n := a.DaysOverdue(today); n > 0 {
					over = fmt.Sprintf("%d days", n)
				}
				context := it.SourceTitle
				if it.RecommendationNumber != "" {
					context += " · Recommendation " + it.RecommendationNumber
				}
				rows = append(rows, []cell{{Text: a.Description + "\n" + context, Mark: st.Mark("action", a.ID)}, {Text: dateOr(a.DueDate, "Date not set")},
					{Text: over, Bold: over != ""}, {Text: tracker.ActionStatusLabel(a.Status)}, {Text: ragWord(a.RAG), RAG: chipOf(a.RAG)}, {Text: latestText(it)}})
			}
			doc.table([]column{{"Action", 0.28, "L"}, {"Due", 0.12, "L"}, {"Overdue", 0.13, "L"}, {"Status", 0.11, "L"}, {"RAG", 0.12, "L"}, {"Latest update", 0.24, "L"}}, rows)
		}
	}
	return doc.done(w)
}

// ActionLog writes the presentable form of a rolling action log: one table
// of actions with owner, due date, status and latest update, its header
// repeated on every page.
func ActionLog(w io.Writer, fonts *Fonts, st *tracker.View, items []tracker.ActionItem, scope string, meta Meta) (Result, error) {
	if meta.Title == "" {
		meta.Title = "Action log"
	}
	meta.Subject = "Action log: " + scope
	if meta.Author == "" {
		meta.Author = "Recommendations tracker"
	}
	doc := newDoc(fonts, meta)
	today := st.Today()
	doc.heading(0, meta.Title)
	doc.caption(scope + ". " + meta.AsAtLine() + ". " + actionOrderText(meta.Order) + ".")
	doc.pdf.Ln(2)
	if len(items) == 0 {
		doc.markdown("No actions.", 0)
		return doc.done(w)
	}
	var rows [][]cell
	for _, it := range items {
		row := actionRow(st, it, today)
		context := strings.TrimSpace(it.Action.Organisation.Label() + " · " + it.SourceTitle)
		if it.RecommendationNumber != "" {
			context += " · Recommendation " + it.RecommendationNumber
		}
		row[0].Text += "\n" + context
		rows = append(rows, row)
	}
	doc.table(actionCols, rows)
	return doc.done(w)
}

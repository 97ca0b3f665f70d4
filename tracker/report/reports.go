package report

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"time"
	"unicode"

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

// addresseeStatuses says each addressee's own status of a recommendation,
// one a line: "Metropolitan Police Service: In progress since 31 March
// 2013".
func addresseeStatuses(r tracker.Recommendation) string {
	lines := make([]string, len(r.Statuses))
	for i, a := range r.Statuses {
		lines[i] = a.Organisation.Name + ": " + tracker.RecommendationStatusLabel(a.Status)
		if a.StatusDate != nil {
			lines[i] += " since " + tracker.FormatDate(*a.StatusDate)
		}
	}
	return strings.Join(lines, "\n")
}

// addresseesCell names a recommendation's addressees, each with its own
// status when there are several.
func addresseesCell(r tracker.Recommendation) string {
	if len(r.Statuses) < 2 {
		return orgNames(r.Addressees)
	}
	lines := make([]string, len(r.Statuses))
	for i, a := range r.Statuses {
		lines[i] = a.Organisation.Name + " (" + tracker.RecommendationStatusLabel(a.Status) + ")"
	}
	return strings.Join(lines, "\n")
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
	if a.DaysOverdue(today) > 0 {
		s += "\nOverdue by " + tracker.Elapsed(*a.DueDate, today)
	}
	return s
}

// ownerCell is the owner, with the unit on a grey line of its own so
// that the two never read as one name.
func ownerCell(a tracker.Action) cell {
	c := cell{Text: a.Owner}
	if c.Text == "" {
		c.Text = "Not assigned"
	}
	if a.OwnerUnit != "" {
		c.Sub = "Unit: " + a.OwnerUnit
	}
	return c
}

// updateLimit is how much of an update a table cell shows.
const updateLimit = 350

// restInTracker follows an update cut short: the reader is told, never
// left to guess.
const restInTracker = "The full update is in the tracker."

// emphasisMarks are the Markdown marks a table cell drops.
var emphasisMarks = strings.NewReplacer("**", "", "__", "")

func latestText(it tracker.ActionItem) string {
	u := it.Latest()
	if u == nil {
		return "None yet"
	}
	text := u.Text
	if strings.Contains(text, "**") || strings.Contains(text, "__") {
		text = emphasisMarks.Replace(text)
	}
	if cut, ok := cutAtWord(text, updateLimit); ok {
		text = cut + "\n" + restInTracker
	}
	return tracker.FormatDate(u.Date) + " – " + text
}

// cutAtWord shortens text to at most limit characters, at the end of a
// word, with an ellipsis; ok says it was cut. A first word longer than
// the limit is cut inside.
func cutAtWord(text string, limit int) (string, bool) {
	r := []rune(text)
	if len(r) <= limit {
		return text, false
	}
	end := limit
	for end > 0 && !unicode.IsSpace(r[end]) {
		end--
	}
	if end == 0 {
		end = limit
	}
	return strings.TrimRightFunc(string(r[:end]), func(c rune) bool {
		return unicode.IsSpace(c) || unicode.IsPunct(c) && c != ')' && c != '”' && c != '’'
	}) + "…", true
}

func statusText(a tracker.Action) string {
	s := tracker.ActionStatusLabel(a.Status)
	if a.CompletedOn != nil {
		s += "\n" + tracker.FormatDate(*a.CompletedOn)
	}
	return s
}

// actionCols are the action tables' columns: the action and its latest
// update wrap, the rest are as wide as their content.
var actionCols = []column{
	{Title: "Action", Width: 0.45, Align: "L"}, {Title: "Owner", Align: "L", Fit: true, Max: 0.13}, {Title: "Due", Align: "L", Fit: true, Max: 0.13},
	{Title: "Status", Align: "L", Fit: true}, {Title: "RAG", Align: "L", Fit: true}, {Title: "Latest update", Width: 0.55, Align: "L"},
}

func actionRow(st *tracker.View, it tracker.ActionItem, today time.Time) []cell {
	a := it.Action
	due := dueText(a, today)
	// Setting a first date is not a move; slippage counts from the first
	// date there was (tracker.Moves, tracker.Slippage).
	if n := it.Moves(); n > 0 {
		due += fmt.Sprintf("\nMoved %d× (%+d days); first due %s", n, it.Slippage(), dateOr(tracker.FirstDate(it.Revisions), "not set"))
	}
	return []cell{
		{Text: a.Description, Mark: st.Mark("action", a.ID)}, ownerCell(a), {Text: due},
		{Text: statusText(a)}, {Text: ragWord(a.RAG), RAG: chipOf(a.RAG)}, {Text: latestText(it)},
	}
}

// actionRows are the rows of an action table, one per action.
func actionRows(st *tracker.View, items []tracker.ActionItem, today time.Time) [][]cell {
	var rows [][]cell
	for _, it := range items {
		rows = append(rows, actionRow(st, it, today))
	}
	return rows
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

// ReplyOptions are the secretary's choices for a reference's reply that
// are made when it is printed rather than saved with the reference.
type ReplyOptions struct {
	// LeaveOutActions prints the recommendations and responses alone.
	LeaveOutActions bool
}

// ReferenceResponse writes the formal reply to an outstanding reference,
// laid out like the committee papers it replaces: the heading, the
// from/to/author/date block, the introduction, then each chosen
// recommendation with its management response and, unless left out, its
// actions.
func ReferenceResponse(w io.Writer, fonts *Fonts, st *tracker.View, d tracker.ReferenceDetail, meta Meta, opts ReplyOptions) (Result, error) {
	ref := d.Reference
	title := ref.Title
	if ref.Number != "" {
		title = "Outstanding Reference: " + ref.Heading()
	}
	reply := latestReply(d)
	doc := newDoc(fonts, replyMeta(meta, title, ref, reply), false)
	doc.heading(0, title)
	doc.replyParticulars(ref, reply)
	doc.replyIntroduction(ref, reply)
	today := st.Today()
	for _, r := range replyRecommendations(d) {
		doc.replyRecommendation(st, r, today, opts)
	}
	if len(d.Actions) > 0 && !opts.LeaveOutActions {
		t := doc.layout(actionCols, actionRows(st, d.Actions, today))
		doc.headingKeep(1, "Actions", t.lead(1))
		doc.setTable(t, "Actions")
	}
	return doc.done(w)
}

// latestReply is the reference's last reply, the one the printed reply
// follows, or nil when none is written yet.
func latestReply(d tracker.ReferenceDetail) *tracker.Reply {
	if len(d.Replies) == 0 {
		return nil
	}
	return &d.Replies[len(d.Replies)-1]
}

// replyMeta completes the reply's metadata: the title unless the caller
// gave one, and the author, which is the reply's own author where it
// names one, else the responding organisation.
func replyMeta(meta Meta, title string, ref tracker.Reference, reply *tracker.Reply) Meta {
	if meta.Title == "" {
		meta.Title = title
	}
	meta.Subject = "Response from " + ref.RespondingOrg.Name + " to " + ref.RequestedBy.Name
	if meta.Author == "" {
		meta.Author = ref.RespondingOrg.Name
		if reply != nil && reply.Author != "" {
			meta.Author = reply.Author
		}
	}
	return meta
}

// replyParticulars prints the from/to/author/date block under the reply's
// heading.
func (d *doc) replyParticulars(ref tracker.Reference, reply *tracker.Reply) {
	rows := [][2]string{{"Response from", ref.RespondingOrg.Name}, {"Response to", ref.RequestedBy.Name}}
	if reply != nil && reply.Author != "" {
		rows = append(rows, [2]string{"Author", reply.Author})
	}
	// The reply's own date, as recorded; a reply the source leaves undated
	// (or one not yet written) gets none. The as-at day is in the header.
	if date := replyDate(reply); date != "" {
		rows = append(rows, [2]string{"Date", date})
	}
	d.pairs(rows)
}

// replyIntroduction prints the introduction the secretary wrote for the
// reply, else the reply's own text; then the request itself, unless the
// secretary wrote the introduction or the reply already quotes it.
func (d *doc) replyIntroduction(ref tracker.Reference, reply *tracker.Reply) {
	intro := ""
	if ref.ReportIntro != nil {
		intro = *ref.ReportIntro
	} else if reply != nil {
		intro = reply.Body
	}
	if strings.TrimSpace(intro) != "" {
		d.heading(1, "Introduction")
		d.markdown(intro, 0)
	}
	if ref.RequestText != "" && ref.ReportIntro == nil && (reply == nil || !strings.Contains(reply.Body, ref.RequestText)) {
		d.heading(1, "The request")
		d.markdown(ref.RequestText, 0)
	}
}

// replyRecommendations are the recommendations the reply covers: those the
// secretary picked, in the order picked, or else all the reference's.
func replyRecommendations(d tracker.ReferenceDetail) []tracker.RecommendationDetail {
	if d.Reference.ReportItems == nil {
		return d.Recommendations
	}
	byID := map[int64]tracker.RecommendationDetail{}
	for _, r := range d.Recommendations {
		byID[r.Recommendation.ID] = r
	}
	var recs []tracker.RecommendationDetail
	for _, id := range d.Reference.ReportItems {
		if r, ok := byID[id]; ok {
			recs = append(recs, r)
		}
	}
	return recs
}

// replyRecommendation prints one recommendation of the reply: its text,
// each management response, and its actions unless they are left out.
func (d *doc) replyRecommendation(st *tracker.View, r tracker.RecommendationDetail, today time.Time, opts ReplyOptions) {
	rec := r.Recommendation
	d.heading(1, "Recommendation "+rec.Number)
	d.mark(st.Mark("recommendation", rec.ID))
	d.markdown(rec.Text, 0)
	if len(rec.Statuses) > 1 {
		d.caption("Status by addressee: " + strings.ReplaceAll(addresseeStatuses(rec), "\n", "; ") + ".")
	}
	for _, t := range r.Responses {
		d.managementResponse(st, rec, t)
	}
	if len(r.Responses) == 0 {
		d.caption("No management response recorded.")
	}
	if len(r.Actions) > 0 && !opts.LeaveOutActions {
		t := d.layout(actionCols, actionRows(st, r.Actions, today))
		d.font("B", fontSize)
		// The label stays with the table's header and first row.
		d.ensure(lineH + 1 + t.lead(1))
		d.pdf.CellFormat(d.bodyW, lineH, "Actions", "", 1, "L", false, 0, "")
		d.pdf.Ln(1)
		d.font("", fontSize)
		d.setTable(t, "Recommendation "+rec.Number+": actions")
	}
}

// managementResponse prints a response in the reply under a bold label
// naming the body (when the recommendation has several) and its position.
func (d *doc) managementResponse(st *tracker.View, rec tracker.Recommendation, t tracker.ResponseThread) {
	d.font("B", fontSize)
	d.ensure(14)
	label := "Management response"
	if len(rec.Addressees) > 1 {
		label += " from " + t.Current.Organisation.Name
	}
	if t.Current.Position != tracker.PosNotStated {
		label += ": " + tracker.PositionLabel(t.Current.Position)
	}
	d.pdf.MultiCell(d.bodyW, lineH, d.clean(label), "", "L", false)
	d.font("", fontSize)
	d.mark(st.Mark("response", t.Current.ID))
	d.markdown(t.Current.Text, 0)
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
	doc := newDoc(fonts, meta, false)
	today := st.Today()
	doc.sourceCover(d, meta)

	doc.pdf.AddPage()
	doc.heading(1, "Summary")
	doc.statusSummary(recs, today)
	doc.ragSummary(sourceActions(d, recs), today)
	doc.recommendationList(st, recs, today)

	// Each recommendation, one after another: a heading keeps with its
	// text, and pages are not left half empty.
	doc.pdf.AddPage()
	for i, r := range recs {
		if i > 0 {
			doc.rule()
		}
		doc.sourceRecommendation(st, r, today)
	}
	if len(d.OtherActions) > 0 {
		doc.pdf.AddPage()
		doc.heading(1, "Other actions on this source's log")
		doc.table(actionCols, actionRows(st, d.OtherActions, today), "Other actions")
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

// sourceCover prints the status report's cover: its title and the
// source's particulars.
func (d *doc) sourceCover(sd tracker.SourceDetail, meta Meta) {
	src := sd.Source
	d.pdf.SetY(70)
	d.font("", 12)
	d.setText(80, 90, 95)
	d.pdf.MultiCell(d.bodyW, 6, "Status report", "", "L", false)
	d.setText(11, 12, 12)
	d.pdf.Ln(2)
	d.font("B", 22)
	cover := d.clean(src.Title)
	d.pdf.Bookmark(cover, 0, -1)
	d.pdf.MultiCell(d.bodyW, 10, cover, "", "L", false)
	d.pdf.Ln(6)
	d.font("", fontSize)
	rows := [][2]string{{"Kind", tracker.SourceKindLabel(src.Kind)}, {"Issued by", src.IssuedBy.Name}}
	if src.Date != nil {
		rows = append(rows, [2]string{"Date", tracker.FormatDate(*src.Date)})
	} else if src.DateText != "" {
		rows = append(rows, [2]string{"Date", src.DateText})
	}
	if len(sd.Addressees) > 0 {
		rows = append(rows, [2]string{"Addressed to", orgNames(sd.Addressees)})
	}
	rows = append(rows, [2]string{"Status as at", tracker.FormatDate(meta.AsAt)})
	if meta.Since != nil {
		rows = append(rows, [2]string{"Changes marked since", tracker.FormatDate(*meta.Since)})
	}
	if src.URL != "" {
		rows = append(rows, [2]string{"Web address", src.URL})
	}
	d.pairs(rows)
}

// statusSummary prints the table of the recommendations by status, with
// how many are past their deadline.
func (d *doc) statusSummary(recs []tracker.RecommendationDetail, today time.Time) {
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
	d.table([]column{{Title: "Recommendations by status", Width: 0.7, Align: "L"}, {Title: "Number", Width: 0.3, Align: "R"}}, counts, "Recommendations by status")
}

// sourceActions are all the actions on a source's log: those under no
// recommendation, then each recommendation's.
func sourceActions(d tracker.SourceDetail, recs []tracker.RecommendationDetail) []tracker.ActionItem {
	all := append([]tracker.ActionItem(nil), d.OtherActions...)
	for _, r := range recs {
		all = append(all, r.Actions...)
	}
	return all
}

// ragSummary prints the table of the open actions by RAG rating, with how
// many are open and how many overdue.
func (d *doc) ragSummary(all []tracker.ActionItem, today time.Time) {
	byRAG := map[string]int{}
	actionsOverdue, open := 0, 0
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
	d.table([]column{{Title: "Open actions by RAG rating", Width: 0.7, Align: "L"}, {Title: "Number", Width: 0.3, Align: "R"}}, ragRows, "Open actions by RAG rating")
}

// recommendationList prints the summary's table of recommendations, one
// row each with its text cut short (it follows in full), addressees,
// deadline and status.
func (d *doc) recommendationList(st *tracker.View, recs []tracker.RecommendationDetail, today time.Time) {
	var list [][]cell
	for _, r := range recs {
		rec := r.Recommendation
		summary := rec.Title
		if summary == "" {
			summary = rec.Text
		}
		summary, _ = cutAtWord(summary, 220) // the text follows in full
		status := tracker.RecommendationStatusLabel(rec.Status)
		if rec.Overdue(today) {
			status += "\nPast deadline"
		}
		list = append(list, []cell{{Text: rec.Number, Mark: st.Mark("recommendation", rec.ID)}, {Text: summary}, {Text: addresseesCell(rec)}, {Text: deadlineText(rec)}, {Text: status}})
	}
	if len(list) > 0 {
		d.table([]column{{Title: "No.", Align: "L", Fit: true}, {Title: "Recommendation", Width: 0.68, Align: "L"}, {Title: "Addressed to", Width: 0.32, Align: "L"},
			{Title: "Deadline", Align: "L", Fit: true, Max: 0.2}, {Title: "Status", Align: "L", Fit: true, Max: 0.16}}, list, "Recommendations")
	}
}

// sourceRecommendation prints one recommendation of the status report in
// full: its text and particulars, each response, the addressees that have
// not responded, its actions and its progress updates.
func (d *doc) sourceRecommendation(st *tracker.View, r tracker.RecommendationDetail, today time.Time) {
	rec := r.Recommendation
	d.heading(1, "Recommendation "+rec.Number)
	d.mark(st.Mark("recommendation", rec.ID))
	d.markdown(rec.Text, 0)
	d.pairs(recommendationParticulars(r, today))
	for _, t := range r.Responses {
		d.heading(2, "Management response from "+t.Current.Organisation.Name)
		d.mark(st.Mark("response", t.Current.ID))
		d.caption(responseByline(t))
		d.markdown(t.Current.Text, 0)
	}
	answered := map[int64]bool{}
	for _, t := range r.Responses {
		answered[t.Current.OrganisationID] = true
	}
	for _, o := range rec.Addressees {
		if !answered[o.ID] {
			d.caption("No response recorded from " + o.Name + ".")
		}
	}
	if len(r.Actions) > 0 {
		t := d.layout(actionCols, actionRows(st, r.Actions, today))
		d.headingKeep(2, "Actions", t.lead(1))
		d.setTable(t, "Recommendation "+rec.Number+": actions")
	}
	if len(r.Updates) > 0 {
		d.heading(2, "Progress updates")
		for _, u := range r.Updates {
			d.caption(tracker.FormatDate(u.Date) + " · " + u.Author)
			d.markdown(u.Text, 0)
		}
	}
}

// recommendationParticulars are the label and value pairs under a
// recommendation's text: addressees, deadline, status, assessment, each
// move of the deadline, and the assessment note and themes where given.
func recommendationParticulars(r tracker.RecommendationDetail, today time.Time) [][2]string {
	rec := r.Recommendation
	rows := [][2]string{
		{"Addressed to", orgNames(rec.Addressees)},
		{"Deadline as written", orDash(rec.DeadlineText)},
		{"Deadline date", dateOr(rec.DeadlineDate, "Date not set")},
		{"Status", tracker.RecommendationStatusLabel(rec.Status) + overdueNote(rec, today)},
	}
	if len(rec.Statuses) > 1 {
		rows = append(rows, [2]string{"Status by addressee", addresseeStatuses(rec)})
	}
	rows = append(rows, [2]string{"Overseer's assessment", tracker.AssessmentLabel(rec.Assessment)})
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
	return rows
}

// responseByline is the line under a response's heading: its position,
// author and date where given, and its revision when it has been revised.
func responseByline(t tracker.ResponseThread) string {
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
	return by
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
		rows = append(rows, [2]string{"Target", t})
	}
	// The date on a row of its own: a target's text may end in brackets.
	if m.TargetDate != nil {
		rows = append(rows, [2]string{"Target date", tracker.FormatDate(*m.TargetDate)})
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
	d.table([]column{{Title: "Period", Align: "L", Fit: true, Max: 0.25}, {Title: "Value", Align: "R", Fit: true}, {Title: "Where it comes from", Width: 1, Align: "L"}}, vals, m.Name)
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
	// Round ticks, the top one far enough above the highest value for
	// that value's label to sit below it.
	ticks := roundTicks(lo, hi+(hi-lo)*0.08, 4)
	lo, hi = ticks[0], ticks[len(ticks)-1]
	t0, t1 := values[0].PeriodEnd, values[len(values)-1].PeriodEnd
	span := t1.Sub(t0).Hours()
	// The points keep clear of the axis, so their labels keep clear of
	// the ticks'.
	const inset = 10.0
	px := func(t time.Time) float64 {
		if span == 0 {
			return x0 + w/2
		}
		return x0 + inset + (w-2*inset)*t.Sub(t0).Hours()/span
	}
	py := func(v float64) float64 { return y0 + h - h*(v-lo)/(hi-lo) }
	d.setDraw(11, 12, 12)
	d.pdf.SetLineWidth(0.3)
	d.line(x0, y0, x0, y0+h)
	d.line(x0, y0+h, x0+w, y0+h)
	d.font("", 7)
	for _, v := range ticks {
		d.pdf.SetXY(marginL, py(v)-2)
		d.pdf.CellFormat(13, 4, formatValue(v, ""), "", 0, "R", false, 0, "")
		d.line(x0-1, py(v), x0, py(v))
	}
	if m.Target != nil {
		d.setDraw(0, 112, 60)
		d.pdf.SetDashPattern([]float64{1.5, 1}, 0)
		d.line(x0, py(*m.Target), x0+w, py(*m.Target))
		d.pdf.SetDashPattern(nil, 0)
		d.pdf.SetXY(x0+w+1, py(*m.Target)-2)
		d.pdf.CellFormat(30, 4, "Target", "", 0, "L", false, 0, "")
	}
	d.setDraw(29, 112, 184)
	d.setFill(29, 112, 184)
	d.pdf.SetLineWidth(0.6)
	for i, v := range values {
		x, y := px(v.PeriodEnd), py(v.Value)
		if i > 0 {
			d.line(px(values[i-1].PeriodEnd), py(values[i-1].Value), x, y)
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

// roundTicks gives about n+1 ticks from at or below lo to at or above hi,
// a round step apart (1, 2, 2.5 or 5 times a power of ten).
func roundTicks(lo, hi float64, n int) []float64 {
	if hi <= lo {
		hi = lo + 1
	}
	raw := (hi - lo) / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * mag
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m == 2.5 && mag < 1 {
			continue // a value prints with one decimal at most
		}
		if m*mag >= raw {
			step = m * mag
			break
		}
	}
	first, last := math.Floor(lo/step), math.Ceil(hi/step)
	var ticks []float64
	for k := first; k <= last; k++ {
		// Rounded to the step's precision, so 0.1+0.2 prints as 0.3.
		ticks = append(ticks, math.Round(k*step/mag*100)/100*mag)
	}
	return ticks
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
	doc := newDoc(fonts, meta, false)
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
	doc.table([]column{{Title: "Organisation", Width: 1, Align: "L"}, {Title: "Outstanding recommendations", Align: "R", Fit: true},
		{Title: "Open actions", Align: "R", Fit: true}, {Title: "Overdue items", Align: "R", Fit: true}}, summary, "Summary")

	// The groups flow on, one after another; a heading keeps with its
	// table's header and first rows, and a table broken by a page says
	// whose it is.
	for _, g := range groups {
		type part struct {
			heading string
			table   *tableLayout
		}
		var parts []part
		if len(g.Recommendations) > 0 {
			var rows [][]cell
			for _, it := range g.Recommendations {
				r := it.Recommendation
				over := ""
				if r.Overdue(today) {
					over = tracker.Elapsed(*r.DeadlineDate, today)
				}
				summary := r.Title
				if summary == "" {
					summary = r.Text
				}
				rows = append(rows, []cell{{Text: it.Source.Title + "\nRecommendation " + r.Number, Mark: st.Mark("recommendation", r.ID)}, {Text: summary},
					{Text: deadlineText(r)}, {Text: over, Bold: over != ""}, {Text: tracker.RecommendationStatusLabel(r.OwnStatus(g.Organisation.ID))}})
			}
			parts = append(parts, part{"Outstanding recommendations addressed to " + g.Organisation.Label(), doc.layout(outstandingRecCols, rows)})
		}
		for _, og := range g.Owners {
			heading := "Open actions: " + og.Owner
			if og.Owner == "" {
				heading = "Actions with no owner"
			}
			var rows [][]cell
			for _, it := range og.Actions {
				a := it.Action
				due := cell{Text: dateOr(a.DueDate, "Date not set")}
				if a.DaysOverdue(today) > 0 {
					due = cell{Text: due.Text + "\nOverdue by " + tracker.Elapsed(*a.DueDate, today), Bold: true}
				}
				context := it.SourceTitle
				if it.RecommendationNumber != "" {
					context += " · Recommendation " + it.RecommendationNumber
				}
				rows = append(rows, []cell{{Text: a.Description + "\n" + context, Mark: st.Mark("action", a.ID)}, due,
					{Text: tracker.ActionStatusLabel(a.Status)}, {Text: ragWord(a.RAG), RAG: chipOf(a.RAG)}, {Text: latestText(it)}})
			}
			parts = append(parts, part{heading, doc.layout(outstandingActionCols, rows)})
		}
		keep := 0.0
		if len(parts) > 0 {
			keep = 14 + parts[0].table.lead(2)
		}
		doc.headingKeep(1, g.Organisation.Name, keep)
		for _, p := range parts {
			doc.headingKeep(2, p.heading, p.table.lead(2))
			doc.setTable(p.table, g.Organisation.Name+" – "+p.heading)
		}
	}
	return doc.done(w)
}

// outstandingRecCols and outstandingActionCols are the outstanding
// report's tables: the text wraps, dates and words fit their content.
var (
	outstandingRecCols = []column{{Title: "Source", Width: 0.38, Align: "L"}, {Title: "Recommendation", Width: 0.62, Align: "L"},
		{Title: "Deadline", Align: "L", Fit: true, Max: 0.17}, {Title: "Overdue", Align: "L", Fit: true}, {Title: "Status", Align: "L", Fit: true}}
	outstandingActionCols = []column{{Title: "Action", Width: 0.45, Align: "L"}, {Title: "Due", Align: "L", Fit: true},
		{Title: "Status", Align: "L", Fit: true}, {Title: "RAG", Align: "L", Fit: true}, {Title: "Latest update", Width: 0.55, Align: "L"}}
)

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
	doc := newDoc(fonts, meta, true)
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
	doc.table(actionCols, rows, meta.Title)
	return doc.done(w)
}

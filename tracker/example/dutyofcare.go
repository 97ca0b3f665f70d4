package example

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// Catalogue is the library record of the Duty of Care report (seed 003).
type Catalogue struct {
	Author, Title, Summary, Details, URL, Shelf string
	Pages                                       int
	Keywords                                    []string
}

var pagesRe = regexp.MustCompile(`(\d+)p\.`)

// ReadCatalogue reads seed 003's "Field: value" lines.
func ReadCatalogue() (Catalogue, error) {
	b, err := seeds.ReadFile(mustName("003"))
	if err != nil {
		return Catalogue{}, err
	}
	var c Catalogue
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for i, line := range lines {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.TrimSpace(value)
		switch key {
		case "Author":
			c.Author = value
		case "Title":
			c.Title = value
		case "Summary":
			c.Summary = value
		case "Details":
			c.Details = value
			if m := pagesRe.FindStringSubmatch(value); m != nil {
				c.Pages, _ = strconv.Atoi(m[1])
			}
		case "URL":
			c.URL = value
		case "Shelf Number":
			c.Shelf = value
		case "Keywords":
			for _, k := range lines[i+1:] {
				if k = strings.TrimSpace(k); k != "" {
					c.Keywords = append(c.Keywords, k)
				}
			}
		}
	}
	if c.Title == "" || c.Summary == "" || c.URL == "" {
		return c, fmt.Errorf("seed 003: catalogue record incomplete")
	}
	return c, nil
}

func mustName(number string) string {
	entries, _ := seeds.ReadDir("seeds")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), number+"_") {
			return "seeds/" + e.Name()
		}
	}
	return "seeds/" + number
}

// Summary is one of the ten recommendations as the news article of seed
// 004 lists them, with the bodies its subject names.
type Summary struct {
	Number     string
	Text       string
	Addressees []string
}

var (
	summaryLine = regexp.MustCompile(`(?m)^\s*(\d+)\.\s+(.+?)\s*$`)
	subjectEnd  = regexp.MustCompile(` (?:should|must|to) `)
)

// ReadSummaries reads the ten numbered recommendations of seed 004. The
// addressees are the bodies named before "should", "must" or "to".
func ReadSummaries() ([]Summary, error) {
	b, err := seeds.ReadFile(mustName("004"))
	if err != nil {
		return nil, err
	}
	var out []Summary
	for _, m := range summaryLine.FindAllStringSubmatch(string(b), -1) {
		s := Summary{Number: m[1], Text: m[2]}
		subject := s.Text
		if loc := subjectEnd.FindStringIndex(subject); loc != nil {
			subject = subject[:loc[0]]
		}
		for _, name := range []struct{ word, org string }{
			{"Met", "MPS"}, {"MOPAC", "MOPAC"}, {"Victim Support", "Victim Support"},
			{"London Criminal Justice Partnership", "LCJP"},
		} {
			if strings.Contains(subject, name.word) {
				s.Addressees = append(s.Addressees, name.org)
			}
		}
		out = append(out, s)
	}
	if len(out) != 10 {
		return nil, fmt.Errorf("seed 004: found %d recommendations, want 10", len(out))
	}
	for _, s := range out {
		if len(s.Addressees) == 0 {
			return nil, fmt.Errorf("seed 004: recommendation %s names no addressee", s.Number)
		}
	}
	return out, nil
}

// MPSResponse is seed 002 cut into its parts.
type MPSResponse struct {
	Title, To, Author, DateText string
	Body                        string // strategic importance and performance improvements, as Markdown
	Outcomes                    []string
	NextSteps                   []string
	Recommendations             map[string]RecResponse
}

// RecResponse is one recommendation in full and the MPS response to it.
type RecResponse struct {
	Text     string
	Response string
}

var (
	recHeading    = regexp.MustCompile(`^Recommendation (\d+)$`)
	footnote      = regexp.MustCompile(`^(ⁱ+) `)
	outcomeLine   = regexp.MustCompile(`^(\d+)\. (.+)$`)
	sectionTitles = map[string]bool{"Strategic importance": true, "Performance improvements": true}
)

// ReadMPSResponse cuts seed 002 into its heading block, body, strategic
// outcomes, next steps and the four recommendations with their responses.
// Footnotes go with the text that carries their mark.
func ReadMPSResponse() (MPSResponse, error) {
	d, err := ReadDoc("002")
	if err != nil {
		return MPSResponse{}, err
	}
	r := MPSResponse{Title: d.Paras[0], Recommendations: map[string]RecResponse{}}
	r.readHeading(d.Paras[1])
	recStart, err := d.mustIndex(regexp.MustCompile(`^Report Recommendations$`), 2)
	if err != nil {
		return r, err
	}
	notes, end := footnotesFrom(d.Paras, recStart)
	r.readBody(d.Paras[2:recStart], notes)

	for i := recStart; i < end; i++ {
		m := recHeading.FindStringSubmatch(d.Paras[i])
		if m == nil {
			continue
		}
		next := d.index(recHeading, i+1)
		if next < 0 || next > end {
			next = end
		}
		if i+2 > next {
			return r, fmt.Errorf("seed 002: recommendation %s has no text", m[1])
		}
		r.Recommendations[m[1]] = RecResponse{
			Text:     d.Paras[i+1],
			Response: notes.attach(joinParas(d.Paras[i+2 : next])),
		}
	}
	if len(r.Recommendations) != 4 || len(r.Outcomes) != 4 || len(r.NextSteps) != 4 {
		return r, fmt.Errorf("seed 002: found %d recommendations, %d outcomes, %d next steps; want 4 of each",
			len(r.Recommendations), len(r.Outcomes), len(r.NextSteps))
	}
	return r, nil
}

// readHeading reads the To, Author and Date lines of the heading block.
func (r *MPSResponse) readHeading(block string) {
	for _, line := range strings.Split(block, "\n") {
		k, v, _ := strings.Cut(line, ": ")
		switch k {
		case "To":
			r.To = v
		case "Author":
			r.Author = v
		case "Date":
			r.DateText = v
		}
	}
}

// footnotes are the notes at the end of a document, by their mark (ⁱ, ⁱⁱ).
type footnotes map[string]string

// footnotesFrom collects the footnotes from paragraph start on; end is the
// first of them (len(paras) when there are none).
func footnotesFrom(paras []string, start int) (footnotes, int) {
	notes := footnotes{}
	end := len(paras)
	for i := start; i < len(paras); i++ {
		if m := footnote.FindStringSubmatch(paras[i]); m != nil {
			if end == len(paras) {
				end = i
			}
			notes[m[1]] = paras[i]
		}
	}
	return notes, end
}

// attach appends to text each footnote whose mark it carries.
func (n footnotes) attach(text string) string {
	for mark, note := range n {
		if regexp.MustCompile(`[a-zA-Z]` + mark + `\s`).MatchString(text) {
			text += "\n\n" + note
		}
	}
	return text
}

// readBody reads the response's body paragraphs (up to the recommendations),
// with its strategic outcomes and next steps.
func (r *MPSResponse) readBody(paras []string, notes footnotes) {
	var body []string
	for i, p := range paras {
		switch {
		case sectionTitles[p]:
			body = append(body, "## "+p)
		case outcomeLine.MatchString(strings.Split(p, "\n")[0]):
			for _, line := range strings.Split(p, "\n") {
				if m := outcomeLine.FindStringSubmatch(line); m != nil {
					r.Outcomes = append(r.Outcomes, m[2])
				}
			}
			body = append(body, p)
		default:
			body = append(body, p)
		}
		if strings.Contains(p, "the next steps will include:") {
			for _, q := range paras[i+1:] {
				if !strings.HasPrefix(q, "- ") {
					break
				}
				for _, item := range strings.Split(q, "\n") {
					r.NextSteps = append(r.NextSteps, strings.TrimPrefix(item, "- "))
				}
			}
		}
	}
	r.Body = notes.attach(joinParas(body))
}

// paragraphWith returns the paragraph of text that contains needle.
func paragraphWith(text, needle string) (string, error) {
	for _, p := range Paragraphs(text) {
		if strings.Contains(p, needle) {
			return p, nil
		}
	}
	return "", fmt.Errorf("no paragraph contains %q", needle)
}

// dutyOfCare loads the Duty of Care report (seeds 003 and 004) and the MPS
// response to it (seed 002).
func (l *loader) dutyOfCare() error {
	cat, err := ReadCatalogue()
	if err != nil {
		return err
	}
	sums, err := ReadSummaries()
	if err != nil {
		return err
	}
	mps, err := ReadMPSResponse()
	if err != nil {
		return err
	}
	// The report is dated 23 January 2013 (the news article of that day and
	// the report's own file name); the catalogue gives only the year.
	reportDate := time.Date(2013, time.January, 23, 0, 0, 0, 0, time.UTC)
	l.dated(&reportDate)
	src, err := l.s.CreateSource(l.ctx, tracker.Source{
		Kind: tracker.KindCommitteeReport, Title: cat.Title, IssuedByID: l.org("Police and Crime Committee").ID,
		Date: &reportDate, Reference: "Shelf Number " + cat.Shelf, URL: cat.URL,
		Publisher: "Greater London Authority", Pages: cat.Pages, Summary: cat.Summary, Keywords: cat.Keywords,
	})
	if err != nil {
		return err
	}

	replyDate := parsePtr(mps.DateText, time.Time{})
	reply, err := l.s.CreateReply(l.ctx, tracker.Reply{
		FromOrgID: l.org("MPS").ID, To: mps.To, Author: mps.Author, Date: replyDate, DateText: mps.DateText,
		Title: mps.Title, Body: mps.Body, SourceID: &src.ID, Outcomes: outcomes(mps.Outcomes),
	})
	if err != nil {
		return err
	}
	l.rep.Replies++

	recs := map[string]tracker.Recommendation{}
	for _, sum := range sums {
		text, status := sum.Text, tracker.RecOpen
		if full, ok := mps.Recommendations[sum.Number]; ok {
			text, status = full.Text, tracker.RecInProgress
		}
		addressees, statuses := l.addresseeStatuses(sum.Addressees, status == tracker.RecInProgress, replyDate)
		wording := tracker.DeadlinePhrase(text)
		rec, err := l.s.CreateRecommendation(l.ctx, tracker.Recommendation{
			SourceID: src.ID, Number: sum.Number, Title: sum.Text, Text: text, Addressees: addressees, Statuses: statuses,
			DeadlineText: wording, DeadlineDate: parsePtr(wording, reportDate), Themes: themes[sum.Number],
			Status: status, Assessment: tracker.AssessNone,
		})
		if err != nil {
			return err
		}
		recs[sum.Number] = rec
		l.rep.Recommendations++
	}

	// The response states no position in so many words; these are read
	// from its text: Recommendation 3 is met except online crime tracking,
	// which "regrettably it is not possible to provide".
	positions := map[string]string{"1": tracker.PosAccepted, "2": tracker.PosNoted, "3": tracker.PosPartlyAccepted, "4": tracker.PosAccepted}
	for n, rr := range mps.Recommendations {
		if _, err := l.s.CreateResponse(l.ctx, tracker.Response{
			RecommendationID: recs[n].ID, OrganisationID: l.org("MPS").ID, Position: positions[n], Text: rr.Response,
			Author: mps.Author, Date: replyDate, DateText: mps.DateText, ReplyID: &reply.ID,
		}); err != nil {
			return err
		}
		l.rep.Responses++
	}

	// Concrete steps with a date or an owner become actions, on the log
	// from the day of the response.
	l.dated(replyDate)
	rec1, rec4 := mps.Recommendations["1"].Response, mps.Recommendations["4"].Response
	rec1ID, rec4ID := recs["1"].ID, recs["4"].ID
	training, err := paragraphWith(rec1, "It is anticipated that the new training package")
	if err != nil {
		return err
	}
	trainingDue := tracker.DeadlinePhrase(training)
	trainingAction, err := l.action(tracker.Action{
		OrganisationID: l.org("MPS").ID, RecommendationID: &rec1ID,
		Description: "Design and introduce a Total Victim Care training package for all Borough and Neighbourhood officers: one day's mandatory face to face training each year, quality assured with Victim Support",
		Owner:       "Leadership & Learning Directorate", OwnerUnit: "MPS",
		DueText: trainingDue, DueDate: parsePtr(trainingDue, deref(replyDate)), Status: tracker.ActInProgress,
	})
	if err != nil {
		return err
	}
	progress, err := paragraphWith(rec1, "An initial meeting with the Deputy Locality Director")
	if err != nil {
		return err
	}
	if err := l.update(tracker.Update{ActionID: &trainingAction.ID, Date: deref(replyDate), Author: mps.Author, Text: progress}); err != nil {
		return err
	}

	hotline, err := paragraphWith(rec4, "a solution will be implemented in the next two months")
	if err != nil {
		return err
	}
	hotlineWording := "in the next two months"
	if !strings.Contains(hotline, hotlineWording) {
		return fmt.Errorf("seed 002: hotline wording changed")
	}
	hotlineDue := parsePtr(hotlineWording, deref(replyDate))
	hotlineAction, err := l.action(tracker.Action{
		OrganisationID: l.org("MPS").ID, RecommendationID: &rec4ID,
		Description: "Create a hotline for Victim Support enquiries at the 16/7 central Crime Recording Bureau (CRIB), replacing contact with Borough Crime Management Units",
		Owner:       "Crime Recording Bureau (CRIB)", OwnerUnit: "MPS",
		DueText: hotlineWording, DueDate: hotlineDue, Status: tracker.ActInProgress,
	})
	if err != nil {
		return err
	}
	if err := l.update(tracker.Update{ActionID: &hotlineAction.ID, Date: deref(replyDate), Author: mps.Author, Text: hotline}); err != nil {
		return err
	}
	evaluation, err := paragraphWith(rec4, "The hotline will be evaluated after six months")
	if err != nil {
		return err
	}
	if _, err := l.action(tracker.Action{
		OrganisationID: l.org("MPS").ID, RecommendationID: &rec4ID,
		Description: evaluation, DueText: "after six months (from the hotline's start)",
		DueDate: parsePtr("after six months", deref(hotlineDue)), Status: tracker.ActNotStarted,
	}); err != nil {
		return err
	}

	// The 2013/14 next steps, except face to face training, which is the
	// training package above.
	for _, step := range mps.NextSteps {
		if strings.HasPrefix(step, "Introducing face to face training") {
			continue
		}
		if _, err := l.action(tracker.Action{
			OrganisationID: l.org("MPS").ID, SourceID: &src.ID, Description: step,
			DueText: "2013/14", DueDate: parsePtr("2013/14", time.Time{}), Status: tracker.ActNotStarted,
		}); err != nil {
			return err
		}
	}

	return l.dutyOfCareMeasures(src.ID, reply)
}

// addresseeStatuses are a Duty of Care recommendation's addressees and
// each one's own status: when the MPS answered it, the MPS is in progress
// from the day of its response and the others (MOPAC, Victim Support, the
// London Criminal Justice Partnership), with no response on record, stay
// open; the overall status follows by the rule (in progress while some
// have started and some not). Otherwise none is given: all are open.
func (l *loader) addresseeStatuses(names []string, answered bool, replyDate *time.Time) ([]tracker.Organisation, []tracker.AddresseeStatus) {
	var addressees []tracker.Organisation
	var statuses []tracker.AddresseeStatus
	for _, a := range names {
		o := l.org(a)
		addressees = append(addressees, o)
		st := tracker.AddresseeStatus{Organisation: o, Status: tracker.RecOpen}
		if o.ID == l.org("MPS").ID {
			st.Status, st.StatusDate = tracker.RecInProgress, replyDate
		}
		statuses = append(statuses, st)
	}
	if !answered {
		return addressees, nil
	}
	return addressees, statuses
}

// themes are the recommendations' subjects, named in the report's own words.
var themes = map[string][]string{
	"1":  {"Training", "Victim care"},
	"2":  {"Public access", "Reporting crime"},
	"3":  {"Information to victims"},
	"4":  {"Data quality", "Information sharing"},
	"5":  {"Criminal justice system", "Information sharing"},
	"6":  {"Commissioning"},
	"7":  {"Commissioning", "Domestic and sexual violence"},
	"8":  {"Commissioning"},
	"9":  {"Targets", "Victim satisfaction"},
	"10": {"Targets", "Victim satisfaction"},
}

func outcomes(texts []string) []tracker.Outcome {
	out := make([]tracker.Outcome, len(texts))
	for i, t := range texts {
		out[i] = tracker.Outcome{Number: i + 1, Text: t}
	}
	return out
}

func (l *loader) action(a tracker.Action) (tracker.Action, error) {
	got, err := l.s.CreateAction(l.ctx, a)
	if err == nil {
		l.rep.Actions++
	}
	return got, err
}

func (l *loader) update(u tracker.Update) error {
	_, err := l.s.CreateUpdate(l.ctx, u)
	if err == nil {
		l.rep.Updates++
	}
	return err
}

func (l *loader) measure(m tracker.Measure) error {
	_, err := l.s.CreateMeasure(l.ctx, m)
	if err == nil {
		l.rep.Measures++
	}
	return err
}

// quote returns the sentence of text that contains needle, for a measure
// value's note, failing when the document no longer says it.
func quote(text, needle string) (string, error) {
	i := strings.Index(text, needle)
	if i < 0 {
		return "", fmt.Errorf("the text no longer contains %q", needle)
	}
	return "“" + needle + "”", nil
}

func (l *loader) dutyOfCareMeasures(sourceID int64, reply tracker.Reply) error {
	mpsID := l.org("MPS").ID
	asAt := deref(reply.Date)
	from := "The MPS Response to “Duty of Care”, " + reply.DateText
	outcome := func(n int) *int64 { return &reply.Outcomes[n-1].ID }
	q := func(needle string) (string, error) {
		s, err := quote(reply.Body, needle)
		return s + " – " + from, err
	}
	satisfaction, err := q("now standing at 76%, the highest point since April 2011")
	if err != nil {
		return err
	}
	gap, err := q("the white-BME gap has narrowed to 4.7%")
	if err != nil {
		return err
	}
	boroughs, err := q("All Boroughs now record satisfaction levels above 70%")
	if err != nil {
		return err
	}
	visits, err := q("an extra 11,000 victimsⁱ have been visited by police")
	if err != nil {
		return err
	}
	visitsNote, err := paragraphWith(reply.Body, "ⁱ Figures supplied by CCC")
	if err != nil {
		return err
	}
	calls, err := q("more than 30,000 calls have been made to victims")
	if err != nil {
		return err
	}
	board, err := ReadBoardAnswer()
	if err != nil {
		return err
	}
	twoThirds, err := quote(board.Answer, "two thirds of victims are satisfied")
	if err != nil {
		return err
	}
	thirtyTwo := 32.0
	measures := []tracker.Measure{
		{
			Name: "Overall victim satisfaction", Unit: "%", Direction: tracker.HigherIsBetter, OutcomeID: outcome(2),
			TargetText:  "The highest national rating for victim satisfaction by 2016 (Recommendation 9)",
			TargetDate:  parsePtr("by 2016", time.Time{}),
			Description: "Share of victims satisfied with the overall service, from the MPS User Satisfaction Survey.",
			Values: []tracker.MeasureValue{
				{Period: reply.DateText, PeriodEnd: asAt, Value: 76, Note: satisfaction},
				{Period: "May 2022", PeriodEnd: deref(board.Date), Value: 66.7, Note: twoThirds + " – " + board.Title + ", " + tracker.FormatDate(deref(board.Date))},
			},
		},
		{
			Name: "Satisfaction gap between white and BME victims", Unit: "percentage points", Direction: tracker.LowerIsBetter,
			OutcomeID: outcome(4), TargetText: "Satisfaction of victims is consistent across communities",
			Values: []tracker.MeasureValue{{Period: reply.DateText, PeriodEnd: asAt, Value: 4.7, Note: gap}},
		},
		{
			Name: "Boroughs with victim satisfaction above 70%", Unit: "Boroughs of 32", Direction: tracker.HigherIsBetter,
			OutcomeID: outcome(3), Target: &thirtyTwo, TargetText: "Satisfaction of victims is consistent across London",
			Values: []tracker.MeasureValue{{Period: reply.DateText, PeriodEnd: asAt, Value: 32, Note: boroughs}},
		},
		{
			Name: "Extra victims visited by police (Operation Promote)", Unit: "victims", Direction: tracker.HigherIsBetter,
			Values: []tracker.MeasureValue{{Period: "PYTD to January 2013", PeriodEnd: *day(2013, time.January, 31), Value: 11000, Note: visits + "\n\n" + visitsNote}},
		},
		{
			Name: "Quality Call Back calls made to victims", Unit: "calls", Direction: tracker.HigherIsBetter,
			Values: []tracker.MeasureValue{{Period: reply.DateText, PeriodEnd: asAt, Value: 30000, Note: calls + " (more than 30,000)"}},
		},
	}
	for _, m := range measures {
		m.OrganisationID, m.SourceID = mpsID, &sourceID
		if err := l.measure(m); err != nil {
			return err
		}
	}
	return nil
}

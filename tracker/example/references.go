package example

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// Reference13 is seed 000 cut into its parts.
type Reference13 struct {
	Number, Title, From, To string
	Introduction            string
	Recommendations         []FIBRecommendation
}

// FIBRecommendation is one of the FIB's recommendations with the Detective
// Superintendent's management response.
type FIBRecommendation struct {
	Number   string
	Text     string
	Response string
}

var (
	refHeading  = regexp.MustCompile(`^Outstanding Reference: (\d+) – (.+)$`)
	fibRec      = regexp.MustCompile(`(?s)^Recommendation (\d+)\s*-\s*(.+)$`)
	mgmtHeading = regexp.MustCompile(`^Management [Rr]esponse:$`)
)

// ReadReference13 cuts seed 000 into the reference heading, from/to, the
// introduction and each recommendation with its response. The reply is
// quoted in the original; the opening and closing quotation marks are
// dropped.
func ReadReference13() (Reference13, error) {
	d, err := ReadDoc("000")
	if err != nil {
		return Reference13{}, err
	}
	var r Reference13
	m := refHeading.FindStringSubmatch(d.Paras[0])
	if m == nil {
		return r, fmt.Errorf("seed 000: no reference heading")
	}
	r.Number, r.Title = m[1], m[2]
	for _, p := range d.Paras[1:3] {
		k, v, _ := strings.Cut(p, ": ")
		switch k {
		case "Response from":
			r.From = v
		case "Response to":
			r.To = v
		}
	}
	first, err := d.mustIndex(fibRec, 3)
	if err != nil {
		return r, err
	}
	r.Introduction = strings.TrimPrefix(joinParas(d.Paras[3:first]), "\"")
	for i := first; i >= 0; {
		m := fibRec.FindStringSubmatch(d.Paras[i])
		resp, err := d.mustIndex(mgmtHeading, i+1)
		if err != nil {
			return r, err
		}
		next := d.index(fibRec, resp+1)
		stop := next
		if stop < 0 {
			stop = len(d.Paras)
		}
		text := joinParas(append([]string{m[2]}, d.Paras[i+1:resp]...))
		r.Recommendations = append(r.Recommendations, FIBRecommendation{
			Number: m[1], Text: text,
			Response: strings.TrimSuffix(joinParas(d.Paras[resp+1:stop]), "\""),
		})
		i = next
	}
	if len(r.Recommendations) != 3 || r.From == "" || r.To == "" {
		return r, fmt.Errorf("seed 000: found %d recommendations, from %q, to %q", len(r.Recommendations), r.From, r.To)
	}
	return r, nil
}

// reference13 loads Outstanding Reference 13 (seed 000): the FIB's survey
// analysis as a source, its three recommendations to CoLP, the Detective
// Superintendent's responses and the working group's actions.
func (l *loader) reference13() error {
	ref, err := ReadReference13()
	if err != nil {
		return err
	}
	colp, fib := l.org(ref.From), l.org("FIB")
	// Undated: it stands as at the papers deadline of the meeting it went to.
	l.dated(prmPapersDeadline)
	src, err := l.s.CreateSource(l.ctx, tracker.Source{
		Kind: tracker.KindSurveyAnalysis, Title: FIBTitle, IssuedByID: fib.ID,
		Summary: "The Force Intelligence Bureau's analysis of the results of the victim satisfaction survey, with recommendations taken forward by the Victims Code and Crime Standards Working Group.",
	})
	if err != nil {
		return err
	}
	var ids []int64
	recs := map[string]tracker.Recommendation{}
	for _, fr := range ref.Recommendations {
		rec, err := l.s.CreateRecommendation(l.ctx, tracker.Recommendation{
			SourceID: src.ID, Number: fr.Number, Title: firstSentence(fr.Text), Text: fr.Text,
			Addressees: []tracker.Organisation{colp}, Status: tracker.RecInProgress, Assessment: tracker.AssessNone,
		})
		if err != nil {
			return err
		}
		l.rep.Recommendations++
		ids = append(ids, rec.ID)
		recs[fr.Number] = rec
	}
	reference, err := l.s.CreateReference(l.ctx, tracker.Reference{
		Number: ref.Number, Title: ref.Title, RequestedByID: l.org(ref.To).ID, RespondingOrgID: colp.ID,
		Status:   tracker.RefResponded,
		SourceID: &src.ID,
	}, ids)
	if err != nil {
		return err
	}
	l.rep.References++
	reply, err := l.s.CreateReply(l.ctx, tracker.Reply{
		FromOrgID: colp.ID, To: ref.To, Title: "Outstanding Reference: " + reference.Heading(),
		Body: ref.Introduction, ReferenceID: &reference.ID,
	})
	if err != nil {
		return err
	}
	l.rep.Replies++
	const author = "Detective Superintendent Crime, chair of the Victims Code and Crime Standards Working Group"
	for _, fr := range ref.Recommendations {
		if _, err := l.s.CreateResponse(l.ctx, tracker.Response{
			// The reply states no position; it says what is being done.
			RecommendationID: recs[fr.Number].ID, OrganisationID: colp.ID, Position: tracker.PosNotStated,
			Text: fr.Response, Author: author, ReplyID: &reply.ID,
		}); err != nil {
			return err
		}
		l.rep.Responses++
	}

	// Steps the responses give to a named owner become actions on the log.
	rec2 := recs["2"]
	const group = "Victims Code and Crime Standards Working Group"
	for _, a := range []tracker.Action{
		{Description: "Look at call handling (an action on the working group's log)", Owner: "Detective Superintendent Crime", OwnerUnit: group, Status: tracker.ActInProgress},
		{Description: "Training for supervisors (an action on the working group's log)", Owner: "Detective Superintendent Crime", OwnerUnit: group, Status: tracker.ActInProgress},
		{Description: "Call back victims who responded that they are unsatisfied, to drill down into the reasons why", OwnerUnit: group, Status: tracker.ActInProgress},
		{Description: "Look at whether any analysis can be done around satisfaction and crime types to identify where the dissatisfaction seems to be the strongest", Owner: "Head of Research and Analysis", OwnerUnit: "City of London Police", Status: tracker.ActInProgress},
	} {
		a.OrganisationID, a.RecommendationID, a.ReferenceID = colp.ID, &rec2.ID, &reference.ID
		if _, err := l.action(a); err != nil {
			return err
		}
	}
	return nil
}

var sentenceEnd = regexp.MustCompile(`[.?!](?:\s|$)`)

func firstSentence(text string) string {
	if loc := sentenceEnd.FindStringIndex(text); loc != nil {
		return strings.TrimSpace(text[:loc[0]+1])
	}
	return text
}

// BoardAnswer is seed 001 cut into its parts.
type BoardAnswer struct {
	Title    string
	Asked    string // the sentence introducing the question
	Question string
	Answer   string
	Date     *time.Time
	// Initiatives are the answer's paragraphs, keyed by the name set in
	// bold at their start, in order.
	Initiatives []Initiative
}

// Initiative is one step the MPS names in its answer.
type Initiative struct {
	Name       string
	Paragraphs []string
}

var bold = regexp.MustCompile(`\*\*([^*]+)\*\*`)

// ReadBoardAnswer cuts seed 001 into the question and the MPS answer.
func ReadBoardAnswer() (BoardAnswer, error) {
	d, err := ReadDoc("001")
	if err != nil {
		return BoardAnswer{}, err
	}
	var b BoardAnswer
	if len(d.Paras) < 6 {
		return b, fmt.Errorf("seed 001: too short")
	}
	b.Title, b.Asked, b.Question = d.Paras[0], d.Paras[1], d.Paras[2]
	advised, err := d.mustIndex(regexp.MustCompile(`^The MPS has advised:$`), 3)
	if err != nil {
		return b, err
	}
	last := len(d.Paras) - 1
	b.Date = parsePtr(d.Paras[last], time.Time{})
	if b.Date == nil {
		return b, fmt.Errorf("seed 001: last paragraph %q is not a date", d.Paras[last])
	}
	answer := d.Paras[advised+1 : last]
	b.Answer = joinParas(answer)
	for _, p := range answer[1:] {
		if m := bold.FindStringSubmatch(p); m != nil && strings.Index(p, m[0]) < 40 {
			b.Initiatives = append(b.Initiatives, Initiative{Name: m[1], Paragraphs: []string{p}})
		} else if n := len(b.Initiatives); n > 0 && !strings.HasPrefix(p, "The Victim Care Improvement team") {
			b.Initiatives[n-1].Paragraphs = append(b.Initiatives[n-1].Paragraphs, p)
		} else {
			b.Initiatives = append(b.Initiatives, Initiative{Name: "Victims’ Code training for new recruits", Paragraphs: []string{p}})
		}
	}
	return b, nil
}

// boardQuestion loads the Oversight Board's question after its meeting of
// 24 April 2022 and the MPS answer of 17 May 2022 (seed 001).
func (l *loader) boardQuestion() error {
	b, err := ReadBoardAnswer()
	if err != nil {
		return err
	}
	mps, board := l.org("MPS"), l.org("Oversight Board")
	meeting := day(2022, time.April, 24)
	l.dated(meeting)
	src, err := l.s.CreateSource(l.ctx, tracker.Source{
		Kind: tracker.KindBoardLetter, Title: BoardTitle, IssuedByID: board.ID, DateText: "After 24 April 2022",
		Summary: b.Asked + "\n\n" + b.Question,
	})
	if err != nil {
		return err
	}
	ref, err := l.s.CreateReference(l.ctx, tracker.Reference{
		Title: b.Title, RequestedByID: board.ID, RespondingOrgID: mps.ID, DateRaised: meeting,
		RequestText: b.Asked + "\n\n" + b.Question, Status: tracker.RefResponded, SourceID: &src.ID,
	}, nil)
	if err != nil {
		return err
	}
	l.rep.References++
	if _, err := l.s.CreateReply(l.ctx, tracker.Reply{
		FromOrgID: mps.ID, To: "Oversight Board", Date: b.Date, Title: b.Title, Body: b.Answer, ReferenceID: &ref.ID,
	}); err != nil {
		return err
	}
	l.rep.Replies++

	// Each initiative becomes an action with the answer's paragraphs as its
	// progress update of 17 May 2022.
	l.dated(b.Date)
	type plan struct {
		description, owner, unit, status, due string
		org                                   string
		completed                             *time.Time
	}
	plans := map[string]plan{
		"Victim Information Leaflet":              {description: "Distribute the Victim Information Leaflet", status: tracker.ActInProgress},
		"Victims’ Code performance dashboard":     {description: "Launch the Victims’ Code performance dashboard, updated monthly", owner: "Victim Care improvement board (chair: DAC Gray)", status: tracker.ActCompleted, completed: day(2022, time.April, 30)},
		"Victim Care SPOC network":                {description: "Hold the next Victim Care SPOC network meeting", owner: "Victim Care SPOCs", unit: "BCUs", status: tracker.ActInProgress, due: "in the second week of June"},
		"High Harm Survey":                        {description: "Launch the High Harm Survey: landing page and press strategy", owner: "MOPAC", status: tracker.ActInProgress, org: "MOPAC"},
		"Victim Needs Assessment":                 {description: "Pilot the streamlined Victim Needs Assessment (second pilot on SN BCU from 2 May 2022)", unit: "SN BCU", status: tracker.ActInProgress},
		"Victims’ Code training for new recruits": {description: "Sit in on Victims’ Code training for new recruits at Marlowe House and Anglia Ruskin, Docklands Campus", owner: "Victim Care Improvement team", status: tracker.ActInProgress},
	}
	if len(b.Initiatives) != len(plans) {
		return fmt.Errorf("seed 001: found %d initiatives, want %d", len(b.Initiatives), len(plans))
	}
	for _, in := range b.Initiatives {
		p, ok := plans[in.Name]
		if !ok {
			return fmt.Errorf("seed 001: unexpected initiative %q", in.Name)
		}
		org := mps
		if p.org != "" {
			org = l.org(p.org)
		}
		a, err := l.action(tracker.Action{
			OrganisationID: org.ID, ReferenceID: &ref.ID, SourceID: &src.ID, Description: p.description,
			Owner: p.owner, OwnerUnit: p.unit, DueText: p.due, DueDate: parsePtr(p.due, deref(b.Date)),
			Status: p.status, CompletedOn: p.completed,
		})
		if err != nil {
			return err
		}
		if err := l.update(tracker.Update{ActionID: &a.ID, Date: deref(b.Date), Author: mps.Name, Text: joinParas(in.Paragraphs)}); err != nil {
			return err
		}
	}

	twoThirds, err := quote(b.Answer, "approximately 20% greater satisfaction")
	if err != nil {
		return err
	}
	return l.measure(tracker.Measure{
		OrganisationID: mps.ID, SourceID: &src.ID, Name: "Greater satisfaction where the Victim Information Leaflet was received",
		Unit: "% greater satisfaction", Direction: tracker.HigherIsBetter,
		Values: []tracker.MeasureValue{{Period: "May 2022", PeriodEnd: deref(b.Date), Value: 20, Note: twoThirds + " – " + b.Title + ", " + tracker.FormatDate(deref(b.Date))}},
	})
}

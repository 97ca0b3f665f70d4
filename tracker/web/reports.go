package web

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/report"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// reportDates reads ?as_at= (default today) and ?changed_since= from the
// request.
// A date that cannot be read is an error for the person, not a 500.
func (s *Server) reportDates(c *gin.Context) (time.Time, *time.Time, error) {
	asAt := s.today()
	if v := strings.TrimSpace(c.Query("as_at")); v != "" {
		d, ok := request.ParseFormDate(v)
		if !ok {
			return asAt, nil, fmt.Errorf("the “as at” date %q is not a date; use a date like 17/05/2022", v)
		}
		if d.After(s.today()) {
			return asAt, nil, fmt.Errorf("the “as at” date cannot be in the future")
		}
		asAt = d
	}
	var since *time.Time
	if v := markSinceQuery(c); v != "" {
		d, ok := request.ParseFormDate(v)
		if !ok {
			return asAt, nil, fmt.Errorf("the “mark changes since” date %q is not a date; use a date like 17/05/2022", v)
		}
		if d.After(asAt) {
			return asAt, nil, fmt.Errorf("the “mark changes since” date must be before the “as at” date")
		}
		since = &d
	}
	return asAt, since, nil
}

// markSinceParam is the query parameter of a report's "mark what is new
// or changed since this day". It is not changed_since, which keeps only
// the rows changed since a day: the action log's PDF takes both, the
// page's filter and the marks.
const markSinceParam = "mark_since"

// markSinceQuery reads ?mark_since=, or ?since=, the name reports gave it
// before, so that links made before keep working.
func markSinceQuery(c *gin.Context) string {
	if v := strings.TrimSpace(c.Query(markSinceParam)); v != "" {
		return v
	}
	return strings.TrimSpace(c.Query("since"))
}

func (s *Server) badReportRequest(c *gin.Context, err error) {
	s.render(c, http.StatusUnprocessableEntity, pageForbidden, &messagePage{Layout: Layout{Title: "The report cannot be made"},
		Message: strings.ToUpper(err.Error()[:1]) + err.Error()[1:] + ". Go back and change the date."})
}

// badFilter answers a download whose list filter could not be read with
// what was wrong with each value, so that a mistyped link does not quietly
// download the whole list.
func (s *Server) badFilter(c *gin.Context, errs map[string]string) {
	var msgs []string
	for _, fe := range errorList(errs, []string{"org", "owner", "status", "due_within", "rag", request.ChangedSinceParam, "open", "overdue", "outstanding", "source"}) {
		msgs = append(msgs, fe.Field+": "+fe.Message)
	}
	s.render(c, http.StatusUnprocessableEntity, pageForbidden, &messagePage{Layout: Layout{Title: "The download cannot be made"},
		Message: "The list's filter could not be read (" + strings.Join(msgs, "; ") + "). Go back and change the filter."})
}

// sendReport renders the PDF from the tracker as at the day, through the
// same queries the pages use, and sends it.
func (s *Server) sendReport(c *gin.Context, req report.Request, about string) {
	ctx := c.Request.Context()
	opts := store.AsAtOptions{Since: req.Since, Recorded: c.Query("recorded") == "1"}
	req.LeaveOutActions = c.Query("no_actions") == "1" // the reply's "leave the actions out"
	var contents *report.Contents
	err := s.store.ReadAsAt(ctx, report.Moment(req.AsAt), opts, func(tx *store.Store, view *tracker.View) (err error) {
		contents, err = report.Read(ctx, tx, view, req)
		return err
	})
	if err != nil {
		s.fail(c, err)
		return
	}
	// Set after the read, so the read holds the database no longer than it must.
	release, ok := s.long.take(ctx, contents.Items())
	if !ok {
		c.Header("Retry-After", "30")
		c.AbortWithStatus(http.StatusServiceUnavailable) // the person gave up waiting
		return
	}
	defer release()
	var buf bytes.Buffer
	if _, err := contents.Write(&buf, s.fonts); err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, report.FileName(req.Kind, about, req.AsAt)))
	c.Data(http.StatusOK, "application/pdf", buf.Bytes())
}

func (s *Server) sourcePDF(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	asAt, since, err := s.reportDates(c)
	if err != nil {
		s.badReportRequest(c, err)
		return
	}
	s.sendReport(c, report.Request{Kind: report.KindSource, SourceID: id, AsAt: asAt, Since: since}, strconv.FormatInt(id, 10))
}

func (s *Server) referencePDF(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	asAt, since, err := s.reportDates(c)
	if err != nil {
		s.badReportRequest(c, err)
		return
	}
	// The download is named by the reference's number: reference-13-as-at-….
	about := strconv.FormatInt(id, 10)
	if d, err := s.store.ReferenceDetail(c.Request.Context(), id); err == nil && d.Reference.Number != "" {
		about = d.Reference.Number
	}
	s.sendReport(c, report.Request{Kind: report.KindReference, ReferenceID: id, AsAt: asAt, Since: since}, about)
}

func (s *Server) outstandingPDF(c *gin.Context) {
	asAt, since, err := s.reportDates(c)
	if err != nil {
		s.badReportRequest(c, err)
		return
	}
	s.sendReport(c, report.Request{Kind: report.KindOutstanding, AsAt: asAt, Since: since}, "")
}

func (s *Server) actionsPDF(c *gin.Context) {
	asAt, since, err := s.reportDates(c)
	if err != nil {
		s.badReportRequest(c, err)
		return
	}
	// The log's own filter and order, read as the log page reads them: the
	// PDF holds exactly the rows the page lists, on every page.
	f, q, errs := actionFilterOf(c, asAt)
	if strings.TrimSpace(c.Query(request.ChangedSinceParam)) == "" {
		// On a report ?since= is the older name of mark_since, not a filter.
		f.ChangedSince, q.Since = nil, ""
		delete(errs, request.ChangedSinceParam)
	}
	if len(errs) > 0 {
		s.badFilter(c, errs)
		return
	}
	s.sendReport(c, report.Request{Kind: report.KindActions, AsAt: asAt, Since: since, Scope: s.describeActionFilter(c, q), Filter: f}, "")
}

// describeActionFilter says in words which actions a filtered log holds.
func (s *Server) describeActionFilter(c *gin.Context, q request.ActionQuery) string {
	var parts []string
	if q.Org != 0 {
		if orgs, err := s.store.Organisations(c.Request.Context()); err == nil {
			for _, o := range orgs {
				if o.ID == q.Org {
					parts = append(parts, o.Name)
				}
			}
		}
	}
	if q.Mine {
		parts = append(parts, "owned by "+strings.Join(myNames(request.User(c)), " or "))
	}
	if q.Person != 0 {
		if u, err := s.store.User(c.Request.Context(), q.Person); err == nil {
			parts = append(parts, "owned by "+u.Label())
		}
	}
	if owner, none := request.OwnerFilter(q.Owner); none {
		parts = append(parts, "with no owner")
	} else if owner != "" {
		parts = append(parts, "owner "+owner)
	}
	if q.Status != "" {
		parts = append(parts, strings.ToLower(tracker.ActionStatusLabel(q.Status)))
	}
	if q.Open {
		parts = append(parts, "open only")
	}
	if q.Overdue {
		parts = append(parts, "overdue only")
	}
	if q.DueWithin > 0 {
		parts = append(parts, fmt.Sprintf("due within %d days", q.DueWithin))
	}
	if q.Source != 0 {
		if src, err := s.store.Source(c.Request.Context(), q.Source); err == nil {
			parts = append(parts, "on “"+src.Title+"”")
		}
	}
	switch q.RAG {
	case "":
	case "none":
		parts = append(parts, "not rated")
	default:
		parts = append(parts, "RAG "+tracker.RAGLabel(q.RAG))
	}
	if since, _ := request.SinceOf(q.Since); since != nil {
		parts = append(parts, "changed since "+tracker.FormatDate(*since))
	}
	if len(parts) == 0 {
		return "All actions"
	}
	return "Actions: " + strings.Join(parts, ", ")
}

type replyFormPage struct {
	Layout
	Detail   tracker.ReferenceDetail
	Intro    string
	Chosen   map[int64]bool
	CanEdit  bool
	Errors   map[string]string
	Version  int
	Default  string
	AsAt     string
	Since    string
	Conflict bool
}

// replyForm is where the secretary prepares the formal reply: the
// introduction, the recommendations it covers, and the dates.
func (s *Server) replyForm(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	d, err := s.store.ReferenceDetail(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.showReplyForm(c, http.StatusOK, d, nil, nil, false)
}

func (s *Server) showReplyForm(c *gin.Context, status int, d tracker.ReferenceDetail, intro *string, chosen []int64, conflict bool, problems ...FieldError) {
	ref := d.Reference
	def := replyText(d)
	p := &replyFormPage{
		Layout: Layout{Title: "Prepare the formal reply", Section: "references",
			Breadcrumbs: []Crumb{{"References", "/references"}, {ref.Heading(), "/references/" + strconv.FormatInt(ref.ID, 10)}}},
		Detail: d, CanEdit: s.cmds(c).MayEditReply(c.Request.Context(), ref.ID) == nil, Version: ref.Version,
		Default: def, AsAt: s.today().Format("2006-01-02"), Chosen: map[int64]bool{}, Conflict: conflict,
	}
	if conflict {
		p.ErrorSummary = []FieldError{{Field: "intro", Message: "Someone else saved this reply after you opened it. Their version is saved; yours is in the form below. Check both, then save again."}}
	}
	p.ErrorSummary = append(p.ErrorSummary, problems...)
	p.Intro = def
	if ref.ReportIntro != nil {
		p.Intro = *ref.ReportIntro
	}
	if intro != nil {
		p.Intro = *intro
	}
	items := ref.ReportItems
	if chosen != nil {
		items = chosen
	}
	for _, r := range d.Recommendations {
		p.Chosen[r.Recommendation.ID] = items == nil
	}
	for _, id := range items {
		p.Chosen[id] = true
	}
	s.render(c, status, pageReplyForm, p)
}

func (s *Server) replySave(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	d, err := s.store.ReferenceDetail(ctx, id)
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.cmds(c).MayEditReply(ctx, id); err != nil {
		s.fail(c, err)
		return
	}
	version, _ := strconv.Atoi(c.PostForm("version"))
	// The box is the one control: what it holds is the introduction. Left
	// as the body's reply, the reply keeps being used, revisions included.
	intro := c.PostForm("intro")
	var introPtr *string
	if !sameText(intro, replyText(d)) {
		introPtr = &intro
	}
	valid := map[int64]bool{}
	for _, r := range d.Recommendations {
		valid[r.Recommendation.ID] = true
	}
	items := []int64{}
	for _, v := range c.PostFormArray("items") {
		n, err := strconv.ParseInt(v, 10, 64)
		if err == nil && valid[n] {
			items = append(items, n)
		}
	}
	if len(items) == len(d.Recommendations) {
		items = nil // all of them, including any added later
	}
	err = s.cmds(c).SaveReferenceReport(ctx, id, version, introPtr, items)
	if errors.Is(err, tracker.ErrConflict) {
		fresh, ferr := s.store.ReferenceDetail(ctx, id)
		if ferr != nil {
			s.fail(c, ferr)
			return
		}
		s.showReplyForm(c, http.StatusConflict, fresh, &intro, items, true)
		return
	}
	var invalid *tracker.ValidationError
	if errors.As(err, &invalid) {
		// The commands refuse recommendations outside the person's
		// organisations; the form comes back with their choice.
		var problems []FieldError
		for _, m := range invalid.Fields {
			field := "intro"
			if len(d.Recommendations) > 0 {
				field = "item-" + strconv.FormatInt(d.Recommendations[0].Recommendation.ID, 10)
			}
			problems = append(problems, FieldError{Field: field, Message: m})
		}
		s.showReplyForm(c, http.StatusUnprocessableEntity, d, &intro, items, false, problems...)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.saved(c, "/references/"+strconv.FormatInt(id, 10)+"/reply", savedReply)
}

// replyText is the text of the body's latest reply to a reference, the
// introduction a formal reply has until the secretary writes another.
func replyText(d tracker.ReferenceDetail) string {
	if len(d.Replies) == 0 {
		return ""
	}
	return d.Replies[len(d.Replies)-1].Body
}

// sameText compares a text typed into a box with a stored one: browsers
// send a box's line ends as CR LF, and trailing space is not seen.
func sameText(typed, stored string) bool {
	norm := func(s string) string { return strings.TrimRight(strings.ReplaceAll(s, "\r\n", "\n"), " \n\t") }
	return norm(typed) == norm(stored)
}

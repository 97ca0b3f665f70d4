package mail

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/civic-tracker/tracker/tracker"
)

// DigestLine is one action in a digest.
type DigestLine struct {
	Description string
	Owner       string
	Due         string
	Late        string
	URL         string
}

// Digest is what one person's digest says.
type Digest struct {
	Name           string
	Frequency      string
	Days           int
	Overdue        []DigestLine
	DueSoon        []DigestLine
	ActionsURL     string
	PrefsURL       string
	UnsubscribeURL string
}

// Notice tells a follower that a recommendation changed.
type Notice struct {
	Name           string
	Recommendation string
	Changes        []string
	By             string
	URL            string
	UnsubscribeURL string
}

// Line makes a digest line of an action, dated as the pages date it.
func Line(baseURL string, a tracker.Action, today time.Time) DigestLine {
	l := DigestLine{Description: a.Description, Owner: a.Owner, URL: fmt.Sprintf("%s/actions/%d", baseURL, a.ID)}
	if a.DueDate != nil {
		l.Due = tracker.FormatDate(*a.DueDate)
	}
	if n := a.DaysOverdue(today); n > 0 {
		l.Late = fmt.Sprintf("%d days overdue", n)
		if n == 1 {
			l.Late = "1 day overdue"
		}
	}
	return l
}

var digestText = texttemplate.Must(texttemplate.New("digest").Parse(`Dear {{.Name}},

{{if .Overdue}}Overdue ({{len .Overdue}}):
{{range .Overdue}}
- {{.Description}}
  Owner: {{.Owner}}. Due {{.Due}} ({{.Late}}).
  {{.URL}}
{{end}}
{{end}}{{if .DueSoon}}Due within {{.Days}} days ({{len .DueSoon}}):
{{range .DueSoon}}
- {{.Description}}
  Owner: {{.Owner}}. Due {{.Due}}.
  {{.URL}}
{{end}}
{{end}}All your actions: {{.ActionsURL}}

You get this {{.Frequency}} digest because you chose it on your account page: {{.PrefsURL}}
Stop these digests: {{.UnsubscribeURL}}
`))

var digestHTML = htmltemplate.Must(htmltemplate.New("digest").Parse(`<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Your actions</title></head>
<body style="font-family: Arial, sans-serif; color: #0b0c0c">
<p>Dear {{.Name}},</p>
{{if .Overdue}}<h2>Overdue ({{len .Overdue}})</h2>
<ul>{{range .Overdue}}<li><a href="{{.URL}}" style="color: #1d70b8">{{.Description}}</a><br>Owner: {{.Owner}}. Due {{.Due}} (<strong>{{.Late}}</strong>).</li>{{end}}</ul>{{end}}
{{if .DueSoon}}<h2>Due within {{.Days}} days ({{len .DueSoon}})</h2>
<ul>{{range .DueSoon}}<li><a href="{{.URL}}" style="color: #1d70b8">{{.Description}}</a><br>Owner: {{.Owner}}. Due {{.Due}}.</li>{{end}}</ul>{{end}}
<p><a href="{{.ActionsURL}}" style="color: #1d70b8">All your actions</a></p>
<p style="font-size: 0.9em">You get this {{.Frequency}} digest because you chose it on <a href="{{.PrefsURL}}" style="color: #1d70b8">your account page</a>.
<a href="{{.UnsubscribeURL}}" style="color: #1d70b8">Stop these digests</a>.</p>
</body></html>
`))

var noticeText = texttemplate.Must(texttemplate.New("notice").Parse(`Dear {{.Name}},

{{.Recommendation}} has changed{{if .By}} ({{.By}}){{end}}:
{{range .Changes}}
- {{.}}{{end}}

{{.URL}}

You get this because you follow this recommendation.
Stop following it: {{.UnsubscribeURL}}
`))

var noticeHTML = htmltemplate.Must(htmltemplate.New("notice").Parse(`<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>{{.Recommendation}}</title></head>
<body style="font-family: Arial, sans-serif; color: #0b0c0c">
<p>Dear {{.Name}},</p>
<p><a href="{{.URL}}" style="color: #1d70b8">{{.Recommendation}}</a> has changed{{if .By}} ({{.By}}){{end}}:</p>
<ul>{{range .Changes}}<li>{{.}}</li>{{end}}</ul>
<p style="font-size: 0.9em">You get this because you follow this recommendation.
<a href="{{.UnsubscribeURL}}" style="color: #1d70b8">Stop following it</a>.</p>
</body></html>
`))

func runText(t *texttemplate.Template, data any) string {
	var b bytes.Buffer
	_ = t.Execute(&b, data) // the templates are fixed and their data typed
	return b.String()
}

func runHTML(t *htmltemplate.Template, data any) string {
	var b bytes.Buffer
	_ = t.Execute(&b, data)
	return b.String()
}

// DigestEmail writes a digest: its subject, plain text and HTML.
func DigestEmail(d Digest) (subject, text, html string) {
	var parts []string
	if n := len(d.Overdue); n > 0 {
		parts = append(parts, plural(n, "action overdue", "actions overdue"))
	}
	if n := len(d.DueSoon); n > 0 {
		parts = append(parts, plural(n, "action due soon", "actions due soon"))
	}
	subject = "Your actions: " + strings.Join(parts, ", ")
	return subject, runText(digestText, d), runHTML(digestHTML, d)
}

// NoticeEmail writes a notice to a follower of a recommendation.
func NoticeEmail(n Notice) (subject, text, html string) {
	return "Changed: " + n.Recommendation, runText(noticeText, n), runHTML(noticeHTML, n)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

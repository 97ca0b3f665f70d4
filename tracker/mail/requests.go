package mail

import (
	htmltemplate "html/template"
	texttemplate "text/template"
)

// RequestLine is one action an owner is asked to update.
type RequestLine struct {
	Description string
	// Reference names the outstanding reference the action answers.
	Reference string
	Due       string
	// URL is the action's page, where the update is posted.
	URL string
}

// UpdateRequest asks one owner for updates on their open actions before a
// meeting's papers deadline; Reminder makes it the reminder to one who has
// not posted them yet.
type UpdateRequest struct {
	Name      string
	Meeting   string
	Papers    string
	By        string
	Reminder  bool
	Requested string
	Actions   []RequestLine
	// MeetingURL is the meeting's page; the owner may read its schedule.
	MeetingURL string
	// UnsubscribeURL stops these requests and reminders, with one click.
	UnsubscribeURL string
}

var requestText = texttemplate.Must(texttemplate.New("request").Parse(`Dear {{.Name}},

{{if .Reminder}}This is a reminder: on {{.Requested}} you were asked for an update on the actions below, and {{if eq (len .Actions) 1}}it has{{else}}they have{{end}} had none since.
{{else}}{{if .By}}{{.By}} asks{{else}}You are asked{{end}} for an update on your open actions for the meeting of {{.Meeting}}.
{{end}}Please post an update on each by the papers deadline, {{.Papers}}, so that it goes in the papers.
{{range .Actions}}
- {{.Description}}
  {{if .Reference}}{{.Reference}}. {{end}}{{if .Due}}Due {{.Due}}.{{else}}No due date.{{end}}
  Post an update: {{.URL}}
{{end}}
The meeting: {{.MeetingURL}}
{{if .UnsubscribeURL}}
Stop these requests for updates: {{.UnsubscribeURL}}
{{end}}`))

var requestHTML = htmltemplate.Must(htmltemplate.New("request").Parse(`<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Update requested</title></head>
<body style="font-family: Arial, sans-serif; color: #0b0c0c">
<p>Dear {{.Name}},</p>
{{if .Reminder}}<p>This is a reminder: on {{.Requested}} you were asked for an update on the actions below, and {{if eq (len .Actions) 1}}it has{{else}}they have{{end}} had none since.</p>
{{else}}<p>{{if .By}}{{.By}} asks{{else}}You are asked{{end}} for an update on your open actions for the meeting of {{.Meeting}}.</p>
{{end}}<p>Please post an update on each by the papers deadline, <strong>{{.Papers}}</strong>, so that it goes in the papers.</p>
<ul>{{range .Actions}}<li><a href="{{.URL}}" style="color: #1d70b8">{{.Description}}</a><br>{{if .Reference}}{{.Reference}}. {{end}}{{if .Due}}Due {{.Due}}.{{else}}No due date.{{end}}</li>{{end}}</ul>
<p><a href="{{.MeetingURL}}" style="color: #1d70b8">The meeting</a></p>
{{if .UnsubscribeURL}}<p style="color: #505a5f; font-size: 14px"><a href="{{.UnsubscribeURL}}" style="color: #1d70b8">Stop these requests for updates</a>.</p>
{{end}}</body></html>
`))

// UpdateRequestEmail writes a request for updates, or a reminder: its
// subject, plain text and HTML.
func UpdateRequestEmail(r UpdateRequest) (subject, text, html string) {
	subject = "Update requested for " + r.Meeting + ": " + plural(len(r.Actions), "action", "actions")
	if r.Reminder {
		subject = "Reminder: " + subject
	}
	return subject, runText(requestText, r), runHTML(requestHTML, r)
}

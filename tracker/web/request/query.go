package request

import (
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

// ActionQuery is the log's filter as it appears in the URL.
type ActionQuery struct {
	Org   int64  `form:"org"`
	Owner string `form:"owner"`
	// Person keeps the actions whose owner is linked to this account.
	Person    int64  `form:"person" invalid:"Choose a person from the list"`
	Status    string `form:"status"`
	Overdue   bool   `form:"overdue"`
	Open      bool   `form:"open"`
	DueWithin int    `form:"due_within"`
	Source    int64  `form:"source"`
	RAG       string `form:"rag"`
	Since     string `form:"changed_since"`
	Sort      string `form:"sort"`
	// Mine keeps the signed-in person's actions ("My actions").
	Mine bool `form:"mine"`
}

// NoOwner is the owner filter's value for the actions no one owns yet, as
// "none" is the RAG filter's for the unrated ones.
const NoOwner = "none"

// OwnerFilter reads the owner filter: an owner's name, or NoOwner.
func OwnerFilter(v string) (owner string, none bool) {
	if v == NoOwner {
		return "", true
	}
	return v, false
}

// SinceOf reads a "changed since" date from a filter; a date that cannot be
// read filters nothing and is reported at its field.
func SinceOf(v string) (*time.Time, string) {
	if strings.TrimSpace(v) == "" {
		return nil, ""
	}
	d, ok := ParseFormDate(v)
	if !ok {
		return nil, "Enter the date as a real date, for example 01/11/2026"
	}
	return &d, ""
}

// RecommendationQuery is the list's filter as it appears in the URL, so a
// filtered view can be bookmarked and shared.
type RecommendationQuery struct {
	Source  int64  `form:"source"`
	Org     int64  `form:"org"`
	Status  string `form:"status"`
	Overdue bool   `form:"overdue"`
	Open    bool   `form:"outstanding"`
	Theme   string `form:"theme"`
	Since   string `form:"changed_since"`
	Sort    string `form:"sort"`
}

// UpdateForm is the progress update form as posted.
type UpdateForm struct {
	Version int    `form:"version"`
	Date    string `form:"date"`
	Text    string `form:"text"`
	Status  string `form:"status"`
	RAG     string `form:"rag"`
}

const KeepRAG = "keep"

// checkUpdate checks the form's syntax and turns it into a change.
func CheckUpdate(f UpdateForm, today time.Time) (store.ProgressChange, map[string]string) {
	errs := map[string]string{}
	ch := store.ProgressChange{Version: f.Version, Text: strings.TrimSpace(f.Text), Status: f.Status}
	d, ok := ParseFormDate(f.Date)
	switch {
	case strings.TrimSpace(f.Date) == "":
		errs["date"] = "Enter the date of the update"
	case !ok:
		errs["date"] = "Enter the date as a real date, for example 17/05/2022"
	case d.After(today):
		errs["date"] = "The date of the update cannot be in the future"
	}
	ch.Date = d
	if ch.Text == "" {
		errs["text"] = "Enter what has happened since the last update"
	}
	if f.Status != "" && !ValidOption(tracker.ActionStatuses, f.Status) {
		errs["status"] = "Choose a status from the list"
	}
	switch {
	case f.RAG == KeepRAG:
	case ValidOption(tracker.RAGs, f.RAG):
		rag := f.RAG
		ch.RAG = &rag
	default:
		errs["rag"] = "Choose a RAG rating from the list"
	}
	return ch, errs
}

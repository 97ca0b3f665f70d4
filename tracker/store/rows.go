package store

import (
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"github.com/civic-tracker/tracker/tracker"
)

// The row types mirror the tables as the latest migration leaves them. They
// never leave this package: queries convert them to tracker types.

type organisationRow struct {
	ID        int64
	Name      string
	ShortName string
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

func (organisationRow) TableName() string { return "organisations" }

func (r organisationRow) domain() tracker.Organisation {
	return tracker.Organisation{ID: r.ID, Name: r.Name, ShortName: r.ShortName, Version: r.Version}
}

type sourceRow struct {
	ID         int64
	Kind       string
	Title      string
	IssuedByID int64
	IssuedOn   *time.Time
	DateText   string
	Reference  string
	URL        string `gorm:"column:url"`
	Publisher  string
	Pages      int
	Summary    string
	Keywords   string
	Version    int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	DeletedAt  gorm.DeletedAt
	KeptLatest
}

func (sourceRow) TableName() string { return "sources" }

func (r sourceRow) domain() tracker.Source {
	return tracker.Source{
		ID: r.ID, Kind: r.Kind, Title: r.Title, IssuedByID: r.IssuedByID, Date: utcDay(r.IssuedOn),
		DateText: r.DateText, Reference: r.Reference, URL: r.URL, Publisher: r.Publisher, Pages: r.Pages,
		Summary: r.Summary, Keywords: tracker.SplitList(r.Keywords), Version: r.Version,
	}
}

type recommendationRow struct {
	ID             int64
	SourceID       int64
	Number         string
	Title          string
	Text           string
	DeadlineText   string
	DeadlineDate   *time.Time
	Themes         string
	Status         string
	Assessment     string
	AssessmentNote string
	MadeOn         *time.Time
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      gorm.DeletedAt
	KeptLatest
}

func (recommendationRow) TableName() string { return "recommendations" }

func (r recommendationRow) domain() tracker.Recommendation {
	return tracker.Recommendation{
		ID: r.ID, SourceID: r.SourceID, Number: r.Number, Title: r.Title, Text: r.Text,
		DeadlineText: r.DeadlineText, DeadlineDate: utcDay(r.DeadlineDate), Themes: tracker.SplitList(r.Themes),
		Status: r.Status, Assessment: r.Assessment, AssessmentNote: r.AssessmentNote, MadeOn: utcDay(r.MadeOn),
		Version: r.Version, UpdatedAt: r.UpdatedAt,
	}
}

type addresseeRow struct {
	RecommendationID int64
	OrganisationID   int64
	SortOrder        int
	// Status is the addressee's own implementation status, StatusDate the
	// day it took it; Version guards it against two people changing it at
	// once.
	Status     string
	StatusDate *time.Time
	Version    int
}

func (addresseeRow) TableName() string { return "recommendation_addressees" }

type referenceRow struct {
	ID              int64
	Number          string
	Title           string
	RequestedByID   int64
	RespondingOrgID int64
	RaisedOn        *time.Time
	RequestText     string
	Status          string
	SourceID        *int64
	ReportIntro     *string
	ReportItems     *string
	DueOn           *time.Time
	Version         int
	CreatedAt       time.Time
	UpdatedAt       time.Time
	DeletedAt       gorm.DeletedAt
	KeptLatest
}

func (referenceRow) TableName() string { return "reference_requests" }

func (r referenceRow) domain() tracker.Reference {
	return tracker.Reference{
		ID: r.ID, Number: r.Number, Title: r.Title, RequestedByID: r.RequestedByID,
		RespondingOrgID: r.RespondingOrgID, DateRaised: utcDay(r.RaisedOn), RequestText: r.RequestText,
		Status: r.Status, SourceID: r.SourceID, Version: r.Version, ReportIntro: r.ReportIntro,
		ReportItems: decodeIDs(r.ReportItems), DueDate: utcDay(r.DueOn),
	}
}

// decodeIDs reads a stored JSON list of ids; nil means "not chosen".
func decodeIDs(s *string) []int64 {
	if s == nil {
		return nil
	}
	ids := []int64{}
	_ = json.Unmarshal([]byte(*s), &ids)
	return ids
}

type referenceRecommendationRow struct {
	ReferenceID      int64
	RecommendationID int64
	SortOrder        int
}

func (referenceRecommendationRow) TableName() string { return "reference_recommendations" }

type replyRow struct {
	ID          int64
	FromOrgID   int64
	ToText      string
	Author      string
	Dated       *time.Time
	DateText    string
	Title       string
	Body        string
	SourceID    *int64
	ReferenceID *int64
	Version     int
	CreatedAt   time.Time
	UpdatedAt   time.Time
	KeptLatest
}

func (replyRow) TableName() string { return "replies" }

func (r replyRow) domain() tracker.Reply {
	return tracker.Reply{
		ID: r.ID, FromOrgID: r.FromOrgID, To: r.ToText, Author: r.Author, Date: utcDay(r.Dated),
		DateText: r.DateText, Title: r.Title, Body: r.Body, SourceID: r.SourceID, ReferenceID: r.ReferenceID,
	}
}

type outcomeRow struct {
	ID      int64
	ReplyID int64
	Number  int
	Text    string
}

func (outcomeRow) TableName() string { return "outcomes" }

type responseRow struct {
	ID               int64
	RecommendationID int64
	OrganisationID   int64
	Revision         int
	Position         string
	Text             string
	Author           string
	Dated            *time.Time
	DateText         string
	ReplyID          *int64
	CreatedAt        time.Time
	KeptLatest
}

func (responseRow) TableName() string { return "responses" }

func (r responseRow) domain() tracker.Response {
	return tracker.Response{
		ID: r.ID, RecommendationID: r.RecommendationID, OrganisationID: r.OrganisationID, Revision: r.Revision,
		Position: r.Position, Text: r.Text, Author: r.Author, Date: utcDay(r.Dated), DateText: r.DateText,
		ReplyID: r.ReplyID,
	}
}

type actionRow struct {
	ID               int64
	OrganisationID   int64
	SourceID         *int64
	RecommendationID *int64
	ReferenceID      *int64
	Description      string
	Owner            string
	OwnerUserID      *int64
	OwnerEmail       string
	OwnerUnit        string
	DueText          string
	DueDate          *time.Time
	Status           string
	RAG              string `gorm:"column:rag"`
	CompletedOn      *time.Time
	ExternalRef      string
	Version          int
	CreatedAt        time.Time
	UpdatedAt        time.Time
	DeletedAt        gorm.DeletedAt
	KeptLatest
}

func (actionRow) TableName() string { return "actions" }

func (r actionRow) domain() tracker.Action {
	return tracker.Action{
		ID: r.ID, OrganisationID: r.OrganisationID, SourceID: r.SourceID, RecommendationID: r.RecommendationID,
		ReferenceID: r.ReferenceID, Description: r.Description, Owner: r.Owner, OwnerUnit: r.OwnerUnit,
		OwnerUserID: r.OwnerUserID, OwnerEmail: r.OwnerEmail,
		DueText: r.DueText, DueDate: utcDay(r.DueDate), Status: r.Status, RAG: r.RAG,
		CompletedOn: utcDay(r.CompletedOn), ExternalRef: r.ExternalRef, Version: r.Version, UpdatedAt: r.UpdatedAt,
	}
}

type updateRow struct {
	ID               int64
	ActionID         *int64
	RecommendationID *int64
	Dated            time.Time
	Author           string
	Text             string
	CreatedAt        time.Time
	DeletedAt        gorm.DeletedAt
	KeptLatest
}

func (updateRow) TableName() string { return "progress_updates" }

func (r updateRow) domain() tracker.Update {
	return tracker.Update{
		ID: r.ID, ActionID: r.ActionID, RecommendationID: r.RecommendationID, Date: tracker.Day(r.Dated),
		Author: r.Author, Text: r.Text,
	}
}

type measureRow struct {
	ID             int64
	OrganisationID int64
	SourceID       *int64
	OutcomeID      *int64
	Name           string
	Unit           string
	Direction      string
	Target         *float64
	TargetText     string
	TargetDate     *time.Time
	Description    string
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
	DeletedAt      gorm.DeletedAt
	KeptLatest
}

func (measureRow) TableName() string { return "measures" }

func (r measureRow) domain() tracker.Measure {
	return tracker.Measure{
		ID: r.ID, OrganisationID: r.OrganisationID, SourceID: r.SourceID, OutcomeID: r.OutcomeID, Name: r.Name, Unit: r.Unit,
		Direction: r.Direction, Target: r.Target, TargetText: r.TargetText, TargetDate: utcDay(r.TargetDate),
		Description: r.Description, Version: r.Version,
	}
}

type measureValueRow struct {
	ID        int64
	MeasureID int64
	Period    string
	PeriodEnd time.Time
	Value     float64
	Note      string
	CreatedAt time.Time
}

func (measureValueRow) TableName() string { return "measure_values" }

func (r measureValueRow) domain() tracker.MeasureValue {
	return tracker.MeasureValue{ID: r.ID, MeasureID: r.MeasureID, Period: r.Period, PeriodEnd: tracker.Day(r.PeriodEnd), Value: r.Value, Note: r.Note}
}

// utcDay normalises a stored date: drivers hand dates back in the server's
// or the session's zone, and the domain keeps every date at midnight UTC.
func utcDay(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// dayArg prepares an optional date for storage.
func dayArg(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	d := tracker.Day(*t)
	return &d
}

// KeptLatest is the moment the latest change of a row's item took effect
// (last_effective_at), a copy of audit_latest's that the triggers keep
// (migrations 0028 and 0029) so that "as at" tests the row instead of
// looking its item up. A new row carries the moment its creation takes
// effect (Store.stamp), so that a load of many rows does not write each
// row twice; later writes leave it to the triggers.
type KeptLatest struct {
	LastEffectiveAt *time.Time `gorm:"<-:create"`
	// stamped is when stamp gave the moment: when the creation is recorded.
	stamped time.Time
}

func (k *KeptLatest) latest() *KeptLatest { return k }

// The days on which new rows take effect in the log (see dated). A
// recommendation without a date of its own takes its source's, which the
// caller sets with tracker.TakingEffect.
func (r *sourceRow) takesEffect() *time.Time         { return r.IssuedOn }
func (r *recommendationRow) takesEffect() *time.Time { return r.MadeOn }
func (r *referenceRow) takesEffect() *time.Time      { return r.RaisedOn }
func (r *replyRow) takesEffect() *time.Time          { return r.Dated }
func (r *responseRow) takesEffect() *time.Time       { return r.Dated }
func (r *updateRow) takesEffect() *time.Time         { return &r.Dated }
func (r *revisionRow) takesEffect() *time.Time       { return &r.RevisedOn }

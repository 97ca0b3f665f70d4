// Package api serves the tracker's JSON API under /api/v1: bearer tokens,
// JSON in and out, the same reads and the same commands as the pages
// (tracker/web), which mount it. Handlers read their input with the
// request package, call a store read or a command got with Store.As, and
// map every error to JSON in one place (apiFail).
package api

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// Prefix is where the API's routes start.
const Prefix = "/api/v1"

// Store is what the API needs from storage: the reads it answers with, the
// person behind a token, and the commands (As), through which every write
// goes.
type Store interface {
	TokenUser(ctx context.Context, plain string) (tracker.User, error)
	As(u *tracker.User) store.Commands

	ListRecommendations(ctx context.Context, f tracker.RecommendationFilter) ([]tracker.RecommendationItem, int64, error)
	RecommendationDetail(ctx context.Context, id int64) (tracker.RecommendationDetail, error)
	ListActions(ctx context.Context, f tracker.ActionFilter) ([]tracker.ActionItem, int64, error)
	Action(ctx context.Context, id int64) (tracker.ActionItem, error)
	Organisations(ctx context.Context) ([]tracker.Organisation, error)
	Organisation(ctx context.Context, id int64) (tracker.Organisation, error)
	Source(ctx context.Context, id int64) (tracker.Source, error)
	SourceDetail(ctx context.Context, id int64, today time.Time) (tracker.SourceDetail, error)
	FilterSources(ctx context.Context, f store.SourceFilter) ([]tracker.Source, int64, error)
	ReferenceDetail(ctx context.Context, id int64) (tracker.ReferenceDetail, error)
	FilterReferences(ctx context.Context, f store.ReferenceFilter) ([]tracker.Reference, map[int64][]int64, int64, error)
	Measure(ctx context.Context, id int64) (tracker.Measure, error)
	FilterMeasures(ctx context.Context, f store.MeasureFilter) ([]tracker.Measure, int64, error)
	ReferenceDecisions(ctx context.Context, refID int64) ([]tracker.Decision, error)
	Meeting(ctx context.Context, id int64) (tracker.Meeting, error)
	ListMeetings(ctx context.Context, f store.MeetingFilter) ([]tracker.Meeting, int64, error)
	Schedule(ctx context.Context, id int64) (tracker.Schedule, error)
	UpdateRequestPlan(ctx context.Context, meetingID int64) (tracker.UpdateRequestPlan, error)
	UpdateRequestStatus(ctx context.Context, meetingID int64) (tracker.UpdateRequestStatus, error)
}

// Server answers the API's routes.
type Server struct {
	store Store
	log   *slog.Logger
	now   func() time.Time
}

// New returns the API over st; now is the clock the pages use too.
func New(st Store, log *slog.Logger, now func() time.Time) (*Server, error) {
	if st == nil || log == nil || now == nil {
		return nil, fmt.Errorf("api: a store, a logger and a clock are needed")
	}
	return &Server{store: st, log: log, now: now}, nil
}

func (s *Server) today() time.Time { return tracker.Day(s.now()) }

// cmds are the commands of the person the token belongs to.
func (s *Server) cmds(c *gin.Context) store.Commands { return s.store.As(request.User(c)) }

package importer

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrRowErrors is returned by an import that stopped because rows have
// errors: nothing was saved. The summary lists the errors.
var ErrRowErrors = errors.New("some rows have errors, so nothing was imported; correct them in the file, or choose to skip the rows with errors")

// Summary says what an import did, or would do in a dry run.
type Summary struct {
	Kind Kind `json:"kind"`
	// DryRun is set when the import was tried and then undone.
	DryRun bool `json:"dry_run"`
	// Saved is set when the changes were kept.
	Saved bool `json:"saved"`
	// Rows is the number of data rows in the file.
	Rows int `json:"rows"`
	// Inserted, Updated and Unchanged count recommendations or actions.
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
	// Skipped counts rows left out because of their errors.
	Skipped              int      `json:"skipped"`
	OrganisationsCreated []string `json:"organisations_created"`
	SourcesCreated       []string `json:"sources_created"`
	// ResponsesWritten counts management responses added or revised;
	// AddresseesAdded the addressees added to recommendations; UpdatesAdded
	// the progress updates added to actions.
	ResponsesWritten int `json:"responses_written"`
	AddresseesAdded  int `json:"addressees_added"`
	UpdatesAdded     int `json:"updates_added"`
	// ActionsCreated counts, in a list of recommendations with updates,
	// the addressees' progress actions created (ProgressDescription).
	ActionsCreated int           `json:"actions_created"`
	Repairs        Repairs       `json:"repairs"`
	Errors         []RowError    `json:"errors"`
	Warnings       []RowError    `json:"warnings"`
	Duration       time.Duration `json:"duration_ns"`
}

// Progress reports how far an import has got: Done of Total rows.
type Progress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// String is the summary for a person: what was (or would be) done, then
// what was repaired.
func (s Summary) String() string {
	var b strings.Builder
	items := "recommendations"
	if s.Kind == KindActions {
		items = "actions"
	}
	switch {
	case s.DryRun:
		fmt.Fprintf(&b, "Dry run: nothing was saved. The import would do this:\n")
	case !s.Saved:
		fmt.Fprintf(&b, "Nothing was imported.\n")
	}
	fmt.Fprintf(&b, "%d rows read: %d %s new, %d updated, %d unchanged; %d rows skipped.\n",
		s.Rows, s.Inserted, items, s.Updated, s.Unchanged, s.Skipped)
	if s.Kind == KindRecommendations {
		fmt.Fprintf(&b, "%d management responses written, %d addressees added.\n", s.ResponsesWritten, s.AddresseesAdded)
		if s.ActionsCreated+s.UpdatesAdded > 0 {
			fmt.Fprintf(&b, "%d progress actions created, %d progress updates added.\n", s.ActionsCreated, s.UpdatesAdded)
		}
	} else {
		fmt.Fprintf(&b, "%d progress updates added.\n", s.UpdatesAdded)
	}
	fmt.Fprintf(&b, "%d organisations created", len(s.OrganisationsCreated))
	if n := len(s.OrganisationsCreated); n > 0 && n <= 10 {
		fmt.Fprintf(&b, " (%s)", strings.Join(s.OrganisationsCreated, "; "))
	}
	fmt.Fprintf(&b, ", %d sources created.\n", len(s.SourcesCreated))
	if s.Repairs.Total() > 0 {
		var parts []string
		for _, k := range RepairKinds {
			if n := s.Repairs[k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, RepairLabel(k)))
			}
		}
		fmt.Fprintf(&b, "Cells repaired: %s.\n", strings.Join(parts, "; "))
	}
	if len(s.Errors) > 0 {
		fmt.Fprintf(&b, "%d error(s).\n", len(s.Errors))
	}
	return strings.TrimRight(b.String(), "\n")
}

// SavedMapping is a mapping kept by name, with the defaults that go with
// it, so the next month's log imports with one choice.
type SavedMapping struct {
	Name      string    `json:"name"`
	Kind      Kind      `json:"kind"`
	Mapping   Mapping   `json:"mapping"`
	Options   Options   `json:"options"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

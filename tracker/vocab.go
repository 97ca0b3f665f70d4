package tracker

// Option is one value of a closed vocabulary with the label people read.
type Option struct {
	Value string
	Label string
}

func labelOf(options []Option, value string) string {
	for _, o := range options {
		if o.Value == value {
			return o.Label
		}
	}
	return value
}

func valid(options []Option, value string) bool {
	for _, o := range options {
		if o.Value == value {
			return true
		}
	}
	return false
}

// Recommendation implementation statuses. Open and in progress count as
// outstanding; implemented means the addressee says it is done and the
// overseer has not yet closed it.
const (
	RecOpen        = "open"
	RecInProgress  = "in_progress"
	RecImplemented = "implemented"
	RecClosed      = "closed"
)

// RecommendationStatuses lists the implementation statuses in display order.
var RecommendationStatuses = []Option{
	{RecOpen, "Open"},
	{RecInProgress, "In progress"},
	{RecImplemented, "Implemented"},
	{RecClosed, "Closed"},
}

// RecommendationStatusLabel returns the label of an implementation status.
func RecommendationStatusLabel(v string) string { return labelOf(RecommendationStatuses, v) }

// Overseer assessments, kept apart from the addressee's response.
const (
	AssessNone            = "not_assessed"
	AssessSatisfied       = "satisfied"
	AssessPartlySatisfied = "partly_satisfied"
	AssessNotSatisfied    = "not_satisfied"
	AssessClosed          = "closed_by_committee"
)

// Assessments lists the overseer's assessments in display order.
var Assessments = []Option{
	{AssessNone, "Not yet assessed"},
	{AssessSatisfied, "Satisfied"},
	{AssessPartlySatisfied, "Partly satisfied"},
	{AssessNotSatisfied, "Not satisfied"},
	{AssessClosed, "Closed by the committee"},
}

// AssessmentLabel returns the label of an assessment.
func AssessmentLabel(v string) string { return labelOf(Assessments, v) }

// Management response positions.
const (
	PosAccepted       = "accepted"
	PosPartlyAccepted = "partly_accepted"
	PosNotAccepted    = "not_accepted"
	PosNoted          = "noted"
	// PosNotStated is a response that gives no position in so many words,
	// as many replies do; reports print the response without one.
	PosNotStated = "not_stated"
)

// Positions lists the positions an addressee can take on a recommendation.
var Positions = []Option{
	{PosAccepted, "Accepted"},
	{PosPartlyAccepted, "Partly accepted"},
	{PosNotAccepted, "Not accepted"},
	{PosNoted, "Noted"},
	{PosNotStated, "Not stated"},
}

// PositionLabel returns the label of a response position.
func PositionLabel(v string) string { return labelOf(Positions, v) }

// Action statuses.
const (
	ActNotStarted = "not_started"
	ActInProgress = "in_progress"
	ActCompleted  = "completed"
	ActCancelled  = "cancelled"
)

// ActionStatuses lists the action statuses in display order.
var ActionStatuses = []Option{
	{ActNotStarted, "Not started"},
	{ActInProgress, "In progress"},
	{ActCompleted, "Completed"},
	{ActCancelled, "Cancelled"},
}

// ActionStatusLabel returns the label of an action status.
func ActionStatusLabel(v string) string { return labelOf(ActionStatuses, v) }

// RAG ratings. The empty string means not rated.
const (
	RAGNone  = ""
	RAGRed   = "red"
	RAGAmber = "amber"
	RAGGreen = "green"
)

// RAGs lists the RAG ratings, not rated first.
var RAGs = []Option{
	{RAGNone, "Not rated"},
	{RAGRed, "Red"},
	{RAGAmber, "Amber"},
	{RAGGreen, "Green"},
}

// RAGLabel returns the label of a RAG rating.
func RAGLabel(v string) string { return labelOf(RAGs, v) }

// Reference statuses: a reference stays outstanding until a meeting or an
// authorised person closes it, even after the body has responded.
const (
	RefAwaiting  = "awaiting_response"
	RefResponded = "responded"
	RefClosed    = "closed"
)

// ReferenceStatuses lists the reference statuses in display order.
var ReferenceStatuses = []Option{
	{RefAwaiting, "Awaiting response"},
	{RefResponded, "Responded, not yet closed"},
	{RefClosed, "Closed"},
}

// ReferenceStatusLabel returns the label of a reference status.
func ReferenceStatusLabel(v string) string { return labelOf(ReferenceStatuses, v) }

// Source kinds.
const (
	KindCommitteeReport = "committee_report"
	KindSurveyAnalysis  = "survey_analysis"
	KindBoardLetter     = "board_letter"
	KindInspection      = "inspection"
	KindAudit           = "audit"
	KindOther           = "other"
)

// SourceKinds lists the kinds of source documents.
var SourceKinds = []Option{
	{KindCommitteeReport, "Committee report"},
	{KindSurveyAnalysis, "Survey analysis"},
	{KindBoardLetter, "Oversight board letter"},
	{KindInspection, "Inspection report"},
	{KindAudit, "Audit report"},
	{KindOther, "Other"},
}

// SourceKindLabel returns the label of a source kind.
func SourceKindLabel(v string) string { return labelOf(SourceKinds, v) }

// Measure directions: which way is better.
const (
	HigherIsBetter = "higher"
	LowerIsBetter  = "lower"
)

// Directions lists which way a measure improves.
var Directions = []Option{
	{HigherIsBetter, "Higher is better"},
	{LowerIsBetter, "Lower is better"},
}

// DirectionLabel returns the label of a measure's direction.
func DirectionLabel(v string) string { return labelOf(Directions, v) }

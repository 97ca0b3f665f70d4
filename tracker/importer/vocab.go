package importer

import (
	"strings"

	"github.com/civic-tracker/tracker/tracker"
)

// normaliseWord reduces a spreadsheet value to lower-case words for
// matching: "Accepted & Implemented " is "accepted and implemented".
func normaliseWord(s string) string {
	s = strings.ReplaceAll(strings.ToLower(s), "&", " and ")
	return NormaliseHeader(s)
}

// Words people write in spreadsheets, by the tracker value they mean.
var (
	recommendationStatusWords = map[string]string{
		"open": tracker.RecOpen, "new": tracker.RecOpen, "not started": tracker.RecOpen, "outstanding": tracker.RecOpen,
		"not yet started": tracker.RecOpen, "to do": tracker.RecOpen, "red": tracker.RecOpen,
		"in progress": tracker.RecInProgress, "ongoing": tracker.RecInProgress, "underway": tracker.RecInProgress,
		"under way": tracker.RecInProgress, "started": tracker.RecInProgress, "partly implemented": tracker.RecInProgress,
		"partially implemented": tracker.RecInProgress, "in hand": tracker.RecInProgress, "amber": tracker.RecInProgress,
		"implemented": tracker.RecImplemented, "complete": tracker.RecImplemented, "completed": tracker.RecImplemented,
		"done": tracker.RecImplemented, "accepted and implemented": tracker.RecImplemented, "green": tracker.RecImplemented,
		"fully implemented": tracker.RecImplemented, "achieved": tracker.RecImplemented,
		"closed": tracker.RecClosed, "closed by committee": tracker.RecClosed, "withdrawn": tracker.RecClosed,
		"superseded": tracker.RecClosed, "no longer applicable": tracker.RecClosed,
		// Auditors' words: pending and not implemented are still open; "in
		// process" is under way.
		"pending": tracker.RecOpen, "not implemented": tracker.RecOpen, "not yet implemented": tracker.RecOpen,
		"in process": tracker.RecInProgress, "substantially implemented": tracker.RecInProgress,
		"implementation in progress": tracker.RecInProgress,
	}
	positionWords = map[string]string{
		"accepted": tracker.PosAccepted, "accept": tracker.PosAccepted, "agreed": tracker.PosAccepted, "agree": tracker.PosAccepted,
		"yes": tracker.PosAccepted, "supported": tracker.PosAccepted, "accepted and implemented": tracker.PosAccepted,
		"accepted and implementation in progress": tracker.PosAccepted, "accepted in full": tracker.PosAccepted,
		"fully accepted": tracker.PosAccepted, "implemented": tracker.PosAccepted,
		"partly accepted": tracker.PosPartlyAccepted, "partially accepted": tracker.PosPartlyAccepted,
		"accepted in part": tracker.PosPartlyAccepted, "part accepted": tracker.PosPartlyAccepted,
		"accepted in principle": tracker.PosPartlyAccepted, "partly agreed": tracker.PosPartlyAccepted,
		"partially agreed": tracker.PosPartlyAccepted, "partial": tracker.PosPartlyAccepted,
		"not accepted": tracker.PosNotAccepted, "rejected": tracker.PosNotAccepted, "declined": tracker.PosNotAccepted,
		"not agreed": tracker.PosNotAccepted, "no": tracker.PosNotAccepted, "disagree": tracker.PosNotAccepted,
		"does not accept": tracker.PosNotAccepted,
		// Auditors' words for an agency's response.
		"agreed with": tracker.PosAccepted, "agrees": tracker.PosAccepted, "concur": tracker.PosAccepted, "concurred": tracker.PosAccepted,
		"partially agreed with": tracker.PosPartlyAccepted, "partly agreed with": tracker.PosPartlyAccepted,
		"agreed in part": tracker.PosPartlyAccepted, "partially concurred": tracker.PosPartlyAccepted,
		"disagreed with": tracker.PosNotAccepted, "did not agree": tracker.PosNotAccepted, "disagreed": tracker.PosNotAccepted,
		"not agreed with": tracker.PosNotAccepted, "did not concur": tracker.PosNotAccepted,
		"noted": tracker.PosNoted, "under consideration": tracker.PosNoted, "being considered": tracker.PosNoted,
		"considering": tracker.PosNoted, "acknowledged": tracker.PosNoted, "no response": tracker.PosNoted,
		"awaiting response": tracker.PosNoted, "pending": tracker.PosNoted,
	}
	actionStatusWords = map[string]string{
		"not started": tracker.ActNotStarted, "not yet started": tracker.ActNotStarted, "open": tracker.ActNotStarted,
		"new": tracker.ActNotStarted, "to do": tracker.ActNotStarted, "planned": tracker.ActNotStarted,
		"in progress": tracker.ActInProgress, "ongoing": tracker.ActInProgress, "underway": tracker.ActInProgress,
		"under way": tracker.ActInProgress, "started": tracker.ActInProgress, "on track": tracker.ActInProgress,
		"in hand": tracker.ActInProgress, "delayed": tracker.ActInProgress, "overdue": tracker.ActInProgress,
		"at risk": tracker.ActInProgress, "behind schedule": tracker.ActInProgress,
		"completed": tracker.ActCompleted, "complete": tracker.ActCompleted, "done": tracker.ActCompleted,
		"closed": tracker.ActCompleted, "finished": tracker.ActCompleted, "implemented": tracker.ActCompleted,
		"achieved": tracker.ActCompleted, "delivered": tracker.ActCompleted,
		"cancelled": tracker.ActCancelled, "canceled": tracker.ActCancelled, "withdrawn": tracker.ActCancelled,
		"superseded": tracker.ActCancelled, "no longer required": tracker.ActCancelled, "not required": tracker.ActCancelled,
		"dropped": tracker.ActCancelled,
	}
	// Blue is "complete" in the BRAG scale many public bodies use.
	ragWords = map[string]string{
		"red": tracker.RAGRed, "r": tracker.RAGRed,
		"amber": tracker.RAGAmber, "a": tracker.RAGAmber, "yellow": tracker.RAGAmber, "orange": tracker.RAGAmber,
		"amber red": tracker.RAGAmber, "red amber": tracker.RAGAmber, "amber green": tracker.RAGAmber, "green amber": tracker.RAGAmber,
		"green": tracker.RAGGreen, "g": tracker.RAGGreen, "blue": tracker.RAGGreen, "b": tracker.RAGGreen,
		"not rated": tracker.RAGNone, "none": tracker.RAGNone, "n a": tracker.RAGNone, "na": tracker.RAGNone,
	}
)

func lookupWord(words map[string]string, options []tracker.Option, s string) (string, bool) {
	n := normaliseWord(s)
	if n == "" {
		return "", false
	}
	for _, o := range options {
		if n == normaliseWord(o.Value) || n == normaliseWord(o.Label) {
			return o.Value, true
		}
	}
	v, ok := words[n]
	return v, ok
}

// ParseRecommendationStatus reads a recommendation status as spreadsheets
// write it ("Complete", "Under way", "Closed"), case-insensitively.
func ParseRecommendationStatus(s string) (string, bool) {
	return lookupWord(recommendationStatusWords, tracker.RecommendationStatuses, s)
}

// ParsePosition reads a management response position ("Accepted and
// Implemented", "Under consideration", "Rejected"), case-insensitively.
// "Under consideration" is noted: the body has answered without committing.
func ParsePosition(s string) (string, bool) {
	return lookupWord(positionWords, tracker.Positions, s)
}

// ParseActionStatus reads an action status ("Complete", "Ongoing").
func ParseActionStatus(s string) (string, bool) {
	return lookupWord(actionStatusWords, tracker.ActionStatuses, s)
}

// ParseRAG reads a RAG rating ("Amber", "G"); blue, "complete" on the BRAG
// scale, counts as green.
func ParseRAG(s string) (string, bool) {
	return lookupWord(ragWords, tracker.RAGs, s)
}

// Vocabulary is a field with fixed words: the tracker's values, and the
// words spreadsheets commonly use for them.
type Vocabulary struct {
	Field   Field
	Options []tracker.Option
	words   map[string]string
	// noun names the field in a message: "a status", "a RAG rating".
	noun string
}

// Vocabularies lists the fields of kind k with fixed words, in the order
// of Fields(k).
func Vocabularies(k Kind) []Vocabulary {
	if k == KindActions {
		return []Vocabulary{
			{FieldStatus, tracker.ActionStatuses, actionStatusWords, "an action status"},
			{FieldRAG, tracker.RAGs, ragWords, "a RAG rating"},
		}
	}
	return []Vocabulary{
		{FieldStatus, tracker.RecommendationStatuses, recommendationStatusWords, "a status"},
		{FieldPosition, tracker.Positions, positionWords, "a response position"},
	}
}

// VocabularyOf returns the fixed words of field f of kind k.
func VocabularyOf(k Kind, f Field) (Vocabulary, bool) {
	for _, v := range Vocabularies(k) {
		if v.Field == f {
			return v, true
		}
	}
	return Vocabulary{}, false
}

// Known reads a word by the tracker's own values and labels and the words
// spreadsheets commonly use ("Complete", "Agreed with"): the guess the
// mapping screen shows.
func (v Vocabulary) Known(word string) (string, bool) {
	return lookupWord(v.words, v.Options, word)
}

// Value reads a tracker word given as a value or a label ("partly_accepted"
// or "Partly accepted"), as a person names it in --values.
func (v Vocabulary) Value(word string) (string, bool) {
	n := normaliseWord(word)
	for _, o := range v.Options {
		if n == normaliseWord(o.Value) || n == normaliseWord(o.Label) {
			return o.Value, true
		}
	}
	return "", false
}

// Translate reads a file's word: the translation chosen for it in values
// (the file's words, matched ignoring case and spacing) first, else Known.
func (v Vocabulary) Translate(values map[string]string, word string) (string, bool) {
	n := normaliseWord(word)
	for fileWord, to := range values {
		if normaliseWord(fileWord) == n {
			return to, true
		}
	}
	return v.Known(word)
}

func labels(options []tracker.Option) string {
	var out []string
	for _, o := range options {
		if o.Value != "" {
			out = append(out, o.Label)
		}
	}
	return strings.Join(out, ", ")
}

// Package tracker holds the domain of the recommendations and action-log
// tracker: organisations, sources, recommendations, management responses,
// actions, progress updates, references, replies and measures, with the rules
// that apply to them (deadline wording, overdue, status vocabularies).
//
// It imports neither the web framework nor the ORM: storage lives in
// tracker/store and the web pages in tracker/web.
package tracker

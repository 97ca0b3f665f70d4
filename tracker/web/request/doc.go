// Package request reads an HTTP request into the tracker's values, the one
// way the pages (tracker/web) and the JSON API (tracker/api) both do it: a
// form or query string into a struct (BindForm, BindQuery), the list
// filters as they appear in a URL (ActionQuery, RecommendationQuery), the
// path's id, the signed-in person and the request's id, and the rule on
// control characters in what people send.
package request

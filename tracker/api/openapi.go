package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

type obj = map[string]any

func enum(options []tracker.Option) []string {
	out := make([]string, len(options))
	for i, o := range options {
		out[i] = o.Value
	}
	return out
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func jsonBody(schema obj) obj { return obj{"application/json": obj{"schema": schema}} }

func idParamDoc(what string) obj {
	return obj{"name": "id", "in": "path", "required": true, "description": "The " + what + "'s id", "schema": obj{"type": "integer"}}
}

// changedSinceDoc documents the "changed since" filter the lists share with
// the pages; ?since= is read as an older name for it.
var changedSinceDoc = queryParam(request.ChangedSinceParam, "Only those changed since this day, YYYY-MM-DD. The older name since is read too.",
	obj{"type": "string", "format": "date"})

func queryParam(name, desc string, schema obj) obj {
	return obj{"name": name, "in": "query", "required": false, "description": desc, "schema": schema}
}

var pageParams = []obj{
	queryParam("page", "Page number, from 1", obj{"type": "integer", "minimum": 1}),
	queryParam("per_page", "Items per page, at most 200 (default 50)", obj{"type": "integer", "minimum": 1, "maximum": 200}),
}

func errorResponses(codes ...string) obj {
	words := map[string]string{"401": "No valid API token", "403": "The account may not do this", "404": "No such item",
		"409": "Changed by someone else since it was read", "422": "Some fields are not valid"}
	out := obj{}
	for _, c := range codes {
		out[c] = obj{"description": words[c], "content": jsonBody(ref("Error"))}
	}
	return out
}

func merge(a obj, more ...obj) obj {
	for _, b := range more {
		for k, v := range b {
			a[k] = v
		}
	}
	return a
}

// openAPIDoc describes the JSON API. A test checks that it lists exactly
// the routes the server has.
func openAPIDoc() obj {
	nullableDate := obj{"type": "string", "format": "date", "nullable": true}
	return addCRUDDocs(obj{
		"openapi": "3.0.3",
		"info": obj{"title": "Recommendations tracker API", "version": "1",
			"description": "Read, add and change sources, recommendations, management responses, actions, progress updates, references and measures. Changes carry the version you read; a stale version is a 409 with the current item. Invalid fields are a 422 naming each field; a body that is not JSON, or has unknown fields, is a 400. Authenticate with Authorization: Bearer <token>; create a token on your account page or with `tracker token create --user EMAIL`. Tokens carry their account's permissions."},
		"servers":  []obj{{"url": Prefix}},
		"security": []obj{{"bearerAuth": []string{}}},
		"components": obj{
			"securitySchemes": obj{"bearerAuth": obj{"type": "http", "scheme": "bearer"}},
			"schemas": obj{
				"Error": obj{"type": "object", "required": []string{"error"}, "properties": obj{
					"error": obj{"type": "string"}, "fields": obj{"type": "object", "additionalProperties": obj{"type": "string"}}}},
				"Organisation": obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "name": obj{"type": "string"}, "short_name": obj{"type": "string"}}},
				"Addressee": obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "name": obj{"type": "string"}, "short_name": obj{"type": "string"},
					"status":         obj{"type": "string", "enum": enum(tracker.RecommendationStatuses), "description": "This addressee's own status"},
					"status_date":    nullableDate,
					"status_version": obj{"type": "integer", "description": "Send it back as version when changing this addressee's status"}}},
				"Recommendation": obj{"type": "object", "properties": obj{
					"id": obj{"type": "integer"}, "source_id": obj{"type": "integer"}, "source_title": obj{"type": "string"},
					"number": obj{"type": "string"}, "title": obj{"type": "string"}, "text": obj{"type": "string"},
					"addressees": obj{"type": "array", "description": "Each addressee with its own status; the overall status follows from them (open until every addressee is done)",
						"items": ref("Addressee")},
					"deadline_text": obj{"type": "string", "description": "The deadline as written"}, "deadline_date": nullableDate,
					"themes":     obj{"type": "array", "items": obj{"type": "string"}},
					"status":     obj{"type": "string", "enum": enum(tracker.RecommendationStatuses)},
					"assessment": obj{"type": "string", "enum": enum(tracker.Assessments)}, "assessment_note": obj{"type": "string"},
					"version": obj{"type": "integer"}}},
				"Update": obj{"type": "object", "properties": obj{"id": obj{"type": "integer"}, "date": obj{"type": "string", "format": "date"},
					"author": obj{"type": "string"}, "text": obj{"type": "string"}}},
				"Action": obj{"type": "object", "properties": obj{
					"id": obj{"type": "integer"}, "organisation": ref("Organisation"),
					"source_id": obj{"type": "integer", "nullable": true}, "recommendation_id": obj{"type": "integer", "nullable": true},
					"reference_id": obj{"type": "integer", "nullable": true}, "description": obj{"type": "string"},
					"owner": obj{"type": "string"}, "owner_unit": obj{"type": "string"},
					"owner_user_id": obj{"type": "integer", "nullable": true, "description": "The account the owner is linked to, if any"},
					"owner_email":   obj{"type": "string", "description": "The owner's email address, if linked to one"}, "due_text": obj{"type": "string"}, "due_date": nullableDate,
					"status": obj{"type": "string", "enum": enum(tracker.ActionStatuses)}, "rag": obj{"type": "string", "enum": enum(tracker.RAGs)},
					"completed_on": nullableDate, "version": obj{"type": "integer"},
					"updates": obj{"type": "array", "items": ref("Update")}}},
				"NewUpdate": obj{"type": "object", "required": []string{"version", "date", "text"}, "properties": obj{
					"version": obj{"type": "integer", "description": "The action's version as read; a different current version is a 409"},
					"date":    obj{"type": "string", "format": "date"}, "text": obj{"type": "string"},
					"status": obj{"type": "string", "enum": enum(tracker.ActionStatuses), "description": "Leave out to keep the status"},
					"rag":    obj{"type": "string", "enum": enum(tracker.RAGs), "description": "Leave out to keep the rating"}}},
				"RecommendationList": obj{"type": "object", "properties": obj{"items": obj{"type": "array", "items": ref("Recommendation")},
					"total": obj{"type": "integer"}, "page": obj{"type": "integer"}, "per_page": obj{"type": "integer"}}},
				"ActionList": obj{"type": "object", "properties": obj{"items": obj{"type": "array", "items": ref("Action")},
					"total": obj{"type": "integer"}, "page": obj{"type": "integer"}, "per_page": obj{"type": "integer"}}},
			},
		},
		"paths": obj{
			"/openapi.json": obj{"get": obj{"summary": "This document", "security": []obj{},
				"responses": obj{"200": obj{"description": "The OpenAPI document"}}}},
			"/recommendations": obj{"get": obj{"summary": "List recommendations in source order",
				"parameters": append([]obj{
					queryParam("source", "Only this source's", obj{"type": "integer"}),
					queryParam("org", "Only those addressed to this organisation", obj{"type": "integer"}),
					queryParam("status", "Only this status", obj{"type": "string", "enum": enum(tracker.RecommendationStatuses)}),
					queryParam("outstanding", "Only open or in progress", obj{"type": "boolean"}),
					queryParam("overdue", "Only outstanding and past the deadline", obj{"type": "boolean"}),
					changedSinceDoc,
				}, pageParams...),
				"responses": merge(obj{"200": obj{"description": "A page of recommendations", "content": jsonBody(ref("RecommendationList"))}}, errorResponses("401", "422"))}},
			"/recommendations/{id}": obj{"get": obj{"summary": "One recommendation", "parameters": []obj{idParamDoc("recommendation")},
				"responses": merge(obj{"200": obj{"description": "The recommendation", "content": jsonBody(ref("Recommendation"))}}, errorResponses("401", "404"))}},
			"/actions": obj{"get": obj{"summary": "List actions: open and soonest due first",
				"parameters": append([]obj{
					queryParam("org", "Only this organisation's", obj{"type": "integer"}),
					queryParam("owner", "Only this owner's; \"none\" for the actions with no owner", obj{"type": "string"}),
					queryParam("person", "Only those whose owner is linked to this account (by id, or by its email address)", obj{"type": "integer"}),
					queryParam("status", "Only this status", obj{"type": "string", "enum": enum(tracker.ActionStatuses)}),
					queryParam("open", "Only not started or in progress", obj{"type": "boolean"}),
					queryParam("overdue", "Only open and past the due date", obj{"type": "boolean"}),
					queryParam("due_within", "Only open and due within this many days", obj{"type": "integer"}),
					queryParam("source", "Only this source's log", obj{"type": "integer"}),
					queryParam("recommendation", "Only those under this recommendation", obj{"type": "integer"}),
					queryParam("reference", "Only those answering this reference", obj{"type": "integer"}),
					queryParam("rag", "Only this RAG rating; none for not rated", obj{"type": "string", "enum": []string{"none", tracker.RAGRed, tracker.RAGAmber, tracker.RAGGreen}}),
					changedSinceDoc,
				}, pageParams...),
				"responses": merge(obj{"200": obj{"description": "A page of actions", "content": jsonBody(ref("ActionList"))}}, errorResponses("401", "422"))}},
			"/actions/{id}": obj{"get": obj{"summary": "One action with its progress updates", "parameters": []obj{idParamDoc("action")},
				"responses": merge(obj{"200": obj{"description": "The action", "content": jsonBody(ref("Action"))}}, errorResponses("401", "404"))}},
			"/actions/{id}/updates": obj{"post": obj{"summary": "Post a progress update, optionally changing status and RAG",
				"parameters":  []obj{idParamDoc("action")},
				"requestBody": obj{"required": true, "content": jsonBody(ref("NewUpdate"))},
				"responses": merge(obj{"201": obj{"description": "The action after the update", "content": jsonBody(ref("Action"))}},
					errorResponses("401", "403", "404", "409", "422"))}},
		},
	})
}

func (s *Server) openAPI(c *gin.Context) { c.JSON(http.StatusOK, openAPIDoc()) }

// OpenAPI returns the API document.
func OpenAPI() map[string]any { return openAPIDoc() }

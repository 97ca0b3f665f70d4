package api

import "github.com/civic-tracker/tracker/tracker"

// The OpenAPI description of the API's create, change and delete
// operations, merged into openAPIDoc.

var (
	tInt     = obj{"type": "integer"}
	tStr     = obj{"type": "string"}
	tDate    = obj{"type": "string", "format": "date", "description": "YYYY-MM-DD"}
	tNullInt = obj{"type": "integer", "nullable": true}
	tNullDay = obj{"type": "string", "format": "date", "nullable": true, "description": "YYYY-MM-DD"}
	tStrList = obj{"type": "array", "items": tStr}
	tIntList = obj{"type": "array", "items": tInt}
)

func strEnum(options []tracker.Option) obj { return obj{"type": "string", "enum": enum(options)} }

func object(required []string, props obj) obj {
	o := obj{"type": "object", "additionalProperties": false, "properties": props}
	if len(required) > 0 {
		o["required"] = required
	}
	return o
}

// patchOf is a change request: the same fields as a new item, all
// optional, plus the version read.
func patchOf(props obj, what string) obj {
	p := obj{"version": obj{"type": "integer", "minimum": 1, "description": "The " + what + "'s version as read; a different current version is a 409 with the current " + what}}
	for k, v := range props {
		p[k] = v
	}
	return object([]string{"version"}, p)
}

func listOf(item string) obj {
	return obj{"type": "object", "properties": obj{"items": obj{"type": "array", "items": ref(item)},
		"total": tInt, "page": tInt, "per_page": tInt}}
}

func reqBody(schema string) obj {
	return obj{"required": true, "content": jsonBody(ref(schema))}
}

func okResp(desc, schema string) obj {
	return obj{"200": obj{"description": desc, "content": jsonBody(ref(schema))}}
}

func createdResp(desc, schema string) obj {
	return obj{"201": obj{"description": desc + "; Location gives its address", "content": jsonBody(ref(schema)),
		"headers": obj{"Location": obj{"description": "The new item's address", "schema": tStr}}}}
}

// writeErrors are the errors of an operation that takes a body.
func writeErrors(codes ...string) obj {
	out := errorResponses(codes...)
	out["400"] = obj{"description": "The body is not one JSON object in UTF-8, names a field the operation does not take, or gives a value of the wrong type",
		"content": jsonBody(ref("Error"))}
	return out
}

func conflict(schema string) obj {
	return obj{"409": obj{"description": "Changed by someone else since it was read; the body carries the current item",
		"content": jsonBody(object([]string{"error", "current"}, obj{"error": tStr, "current": ref(schema)}))}}
}

func notDeletable(why string) obj {
	return obj{"summary": "Not possible: kept for the record", "description": why, "parameters": []obj{idParamDoc("item")},
		"responses": merge(obj{"405": obj{"description": why, "content": jsonBody(ref("Error"))}}, errorResponses("401"))}
}

var versionQueryParam = obj{"name": "version", "in": "query", "required": true, "description": "The version as read; a different current version is a 409",
	"schema": obj{"type": "integer", "minimum": 1}}

func crudSchemas() obj {
	sourceProps := obj{"kind": strEnum(tracker.SourceKinds), "title": tStr, "issued_by_id": tInt, "date": tNullDay,
		"date_text": obj{"type": "string", "description": "The date as the document gives it, like “January 2013”"},
		"reference": tStr, "url": obj{"type": "string", "format": "uri"}, "publisher": tStr, "pages": obj{"type": "integer", "minimum": 0},
		"summary": tStr, "keywords": tStrList}
	recProps := obj{"number": tStr, "title": tStr, "text": tStr, "addressee_ids": tIntList, "themes": tStrList}
	newRecProps := obj{"source_id": tInt, "deadline_text": obj{"type": "string", "description": "The deadline as written; its date is worked out when deadline_date is left out"},
		"deadline_date": tDate}
	for k, v := range recProps {
		newRecProps[k] = v
	}
	actionPatch := obj{"organisation_id": tInt, "description": tStr, "owner": tStr, "owner_unit": tStr, "owner_user_id": tNullInt, "owner_email": tStr}
	refProps := obj{"number": tStr, "title": tStr, "requested_by_id": tInt, "responding_org_id": tInt, "date_raised": tDate,
		"due_date":     obj{"type": "string", "format": "date", "description": "The day it is to be completed by, YYYY-MM-DD; empty for none"},
		"request_text": tStr, "status": strEnum(tracker.ReferenceStatuses), "source_id": obj{"type": "integer", "description": "0 for none"},
		"recommendation_ids": obj{"type": "array", "items": tInt, "description": "The recommendations it covers, in order"}}
	refPatch := obj{"reason": obj{"type": "string", "description": "Needed when the status changes to or from closed"}}
	for k, v := range refProps {
		refPatch[k] = v
	}
	measureProps := obj{"organisation_id": tInt, "source_id": obj{"type": "integer", "description": "0 for none"}, "name": tStr, "unit": tStr,
		"direction": strEnum(tracker.Directions), "target": obj{"type": "number"}, "target_text": tStr, "target_date": tDate, "description": tStr}
	return obj{
		"OrganisationItem":    obj{"type": "object", "properties": obj{"id": tInt, "name": tStr, "short_name": tStr, "version": tInt}},
		"OrganisationList":    listOf("OrganisationItem"),
		"NewOrganisation":     object([]string{"name"}, obj{"name": tStr, "short_name": tStr}),
		"Source":              obj{"type": "object", "properties": merge(obj{"id": tInt, "issued_by": ref("Organisation"), "version": tInt}, copyObj(sourceProps))},
		"SourceList":          listOf("Source"),
		"NewSource":           object([]string{"title", "kind", "issued_by_id"}, sourceProps),
		"SourcePatch":         patchOf(sourceProps, "source"),
		"NewRecommendation":   object([]string{"source_id", "number", "text", "addressee_ids"}, newRecProps),
		"RecommendationPatch": patchOf(recProps, "recommendation"),
		"Response": obj{"type": "object", "properties": obj{"id": tInt, "recommendation_id": tInt, "organisation_id": tInt,
			"organisation": ref("Organisation"), "revision": tInt, "position": strEnum(tracker.Positions), "text": tStr,
			"author": tStr, "date": tNullDay, "date_text": tStr}},
		"ResponseThread": obj{"type": "object", "properties": obj{"organisation_id": tInt, "organisation": ref("Organisation"),
			"current": ref("Response"), "earlier": obj{"type": "array", "items": ref("Response"), "description": "Earlier revisions, newest first"}}},
		"ResponseThreadList": listOf("ResponseThread"),
		"NewResponse": object([]string{"organisation_id", "position", "text", "date"}, obj{
			"revision":        obj{"type": "integer", "minimum": 0, "description": "The organisation's current revision as read, 0 when it had none; a different one is a 409"},
			"organisation_id": tInt, "position": strEnum(tracker.Positions), "text": tStr, "author": tStr, "date": tDate, "date_text": tStr}),
		"NewAction": object([]string{"organisation_id", "description"}, obj{"organisation_id": tInt, "source_id": tInt, "recommendation_id": tInt,
			"reference_id": tInt, "description": tStr, "owner": tStr, "owner_unit": tStr, "owner_user_id": tNullInt, "owner_email": tStr,
			"due_text": obj{"type": "string", "description": "The due date as written; its date is worked out when due_date is left out"},
			"due_date": tDate, "status": strEnum(tracker.ActionStatuses), "rag": strEnum(tracker.RAGs), "completed_on": tDate}),
		"ActionPatch": patchOf(actionPatch, "action"),
		"UpdateList":  listOf("Update"),
		"Reference": obj{"type": "object", "properties": obj{"id": tInt, "number": tStr, "title": tStr, "heading": tStr,
			"requested_by_id": tInt, "requested_by": ref("Organisation"), "responding_org_id": tInt, "responding_org": ref("Organisation"),
			"date_raised": tNullDay, "due_date": tNullDay, "request_text": tStr, "status": strEnum(tracker.ReferenceStatuses), "source_id": tNullInt,
			"recommendation_ids": tIntList, "version": tInt}},
		"ReferenceList":  listOf("Reference"),
		"NewReference":   object([]string{"title", "requested_by_id", "responding_org_id"}, refProps),
		"ReferencePatch": patchOf(refPatch, "reference"),
		"MeasureValue": obj{"type": "object", "properties": obj{"id": tInt, "period": tStr, "period_end": tDate,
			"value": obj{"type": "number"}, "note": tStr}},
		"Measure": obj{"type": "object", "properties": obj{"id": tInt, "organisation_id": tInt, "organisation": ref("Organisation"),
			"source_id": tNullInt, "name": tStr, "unit": tStr, "direction": strEnum(tracker.Directions),
			"target": obj{"type": "number", "nullable": true}, "target_text": tStr, "target_date": tNullDay, "description": tStr,
			"values": obj{"type": "array", "items": ref("MeasureValue")}, "version": tInt}},
		"MeasureList":  listOf("Measure"),
		"NewMeasure":   object([]string{"name", "organisation_id"}, measureProps),
		"MeasurePatch": patchOf(measureProps, "measure"),
		"NewMeasureValue": object([]string{"version", "period", "period_end", "value"}, obj{
			"version": obj{"type": "integer", "minimum": 1, "description": "The measure's version as read"},
			"period":  obj{"type": "string", "description": "Like “2012/13” or “Q1 2013”"}, "period_end": tDate,
			"value": obj{"type": "number"}, "note": tStr}),
	}
}

// copyObj copies o without the keys given.
func copyObj(o obj, without ...string) obj {
	out := obj{}
	for k, v := range o {
		out[k] = v
	}
	for _, k := range without {
		delete(out, k)
	}
	return out
}

func crudPaths() map[string]obj {
	id := func(what string) []obj { return []obj{idParamDoc(what)} }
	return map[string]obj{
		"/organisations": {
			"get": obj{"summary": "List organisations by name", "parameters": append([]obj{
				queryParam("name", "Only those whose name or short name contains this text", tStr)}, pageParams...),
				"responses": merge(okResp("A page of organisations", "OrganisationList"), errorResponses("401"))},
			"post": obj{"summary": "Add an organisation (administrators and secretaries)", "requestBody": reqBody("NewOrganisation"),
				"responses": merge(createdResp("The organisation", "OrganisationItem"), writeErrors("401", "403", "422"))},
		},
		"/organisations/{id}": {
			"get": obj{"summary": "One organisation", "parameters": id("organisation"),
				"responses": merge(okResp("The organisation", "OrganisationItem"), errorResponses("401", "404"))},
		},
		"/sources": {
			"get": obj{"summary": "List sources, newest first", "parameters": append([]obj{
				queryParam("issued_by", "Only those issued by this organisation", tInt),
				queryParam("kind", "Only this kind", strEnum(tracker.SourceKinds)),
				queryParam("title", "Only those whose title contains this text", tStr)}, pageParams...),
				"responses": merge(okResp("A page of sources", "SourceList"), errorResponses("401", "422"))},
			"post": obj{"summary": "Add a source (administrators and secretaries)", "requestBody": reqBody("NewSource"),
				"responses": merge(createdResp("The source", "Source"), writeErrors("401", "403", "422"))},
		},
		"/sources/{id}": {
			"get": obj{"summary": "One source", "parameters": id("source"),
				"responses": merge(okResp("The source", "Source"), errorResponses("401", "404"))},
			"patch": obj{"summary": "Change a source's fields; those left out keep their value", "parameters": id("source"), "requestBody": reqBody("SourcePatch"),
				"responses": merge(okResp("The source as saved", "Source"), writeErrors("401", "403", "404", "422"), conflict("Source"))},
			"delete": notDeletable(noDeleteSource),
		},
		"/recommendations/{id}/responses": {
			"get": obj{"summary": "The recommendation's management responses: one thread per addressee, with earlier revisions",
				"parameters": append(id("recommendation"), pageParams...),
				"responses":  merge(okResp("The responses", "ResponseThreadList"), errorResponses("401", "404"))},
			"post": obj{"summary": "Write a new revision of an addressee's response; earlier revisions are kept",
				"parameters": id("recommendation"), "requestBody": reqBody("NewResponse"),
				"responses": merge(createdResp("The new revision", "Response"), writeErrors("401", "403", "404", "422"), conflict("ResponseThread"))},
		},
		"/references": {
			"get": obj{"summary": "List references, outstanding first", "parameters": append([]obj{
				queryParam("status", "Only this status", strEnum(tracker.ReferenceStatuses)),
				queryParam("requested_by", "Only those asked by this organisation", tInt),
				queryParam("responding_org", "Only those to be answered by this organisation", tInt),
				queryParam("source", "Only those raised by this source", tInt)}, pageParams...),
				"responses": merge(okResp("A page of references", "ReferenceList"), errorResponses("401", "422"))},
			"post": obj{"summary": "Add a reference (administrators, and secretaries of the body asking or answering)", "requestBody": reqBody("NewReference"),
				"responses": merge(createdResp("The reference", "Reference"), writeErrors("401", "403", "422"))},
		},
		"/references/{id}": {
			"get": obj{"summary": "One reference with the recommendations it covers", "parameters": id("reference"),
				"responses": merge(okResp("The reference", "Reference"), errorResponses("401", "404"))},
			"patch": obj{"summary": "Change a reference; closing or reopening needs a reason", "parameters": id("reference"), "requestBody": reqBody("ReferencePatch"),
				"responses": merge(okResp("The reference as saved", "Reference"), writeErrors("401", "403", "404", "422"), conflict("Reference"))},
			"delete": notDeletable(noDeleteReference),
		},
		"/measures": {
			"get": obj{"summary": "List measures with their values", "parameters": append([]obj{
				queryParam("org", "Only this organisation's", tInt), queryParam("source", "Only those of this source", tInt)}, pageParams...),
				"responses": merge(okResp("A page of measures", "MeasureList"), errorResponses("401", "422"))},
			"post": obj{"summary": "Add a measure (administrators, and secretaries of its organisation)", "requestBody": reqBody("NewMeasure"),
				"responses": merge(createdResp("The measure", "Measure"), writeErrors("401", "403", "422"))},
		},
		"/measures/{id}": {
			"get": obj{"summary": "One measure with its values, oldest period first", "parameters": id("measure"),
				"responses": merge(okResp("The measure", "Measure"), errorResponses("401", "404"))},
			"patch": obj{"summary": "Change a measure's definition; values are added and removed on their own", "parameters": id("measure"),
				"requestBody": reqBody("MeasurePatch"),
				"responses":   merge(okResp("The measure as saved", "Measure"), writeErrors("401", "403", "404", "422"), conflict("Measure"))},
			"delete": notDeletable(noDeleteMeasure),
		},
		"/measures/{id}/values": {
			"post": obj{"summary": "Record the measure's value for a period", "parameters": id("measure"), "requestBody": reqBody("NewMeasureValue"),
				"responses": merge(createdResp("The measure with the new value", "Measure"), writeErrors("401", "403", "404", "422"), conflict("Measure"))},
		},
		"/measures/{id}/values/{value}": {
			"delete": obj{"summary": "Remove one of the measure's values; the history keeps it",
				"parameters": []obj{idParamDoc("measure"), {"name": "value", "in": "path", "required": true, "description": "The value's id", "schema": tInt}, versionQueryParam},
				"responses":  merge(okResp("The measure without the value", "Measure"), errorResponses("401", "403", "404", "422"), conflict("Measure"))},
		},
	}
}

// crudOperations are the operations added to paths the read-only API
// already had.
func crudOperations() map[string]obj {
	return map[string]obj{
		"/actions/{id}/updates": {
			"get": obj{"summary": "The action's progress updates, newest first", "parameters": append([]obj{idParamDoc("action")}, pageParams...),
				"responses": merge(okResp("The updates", "UpdateList"), errorResponses("401", "404"))},
		},
		"/recommendations": {
			"post": obj{"summary": "Add a recommendation to a source (administrators, and secretaries of the body that issued the source or of one it addresses)",
				"requestBody": reqBody("NewRecommendation"),
				"responses":   merge(createdResp("The recommendation", "Recommendation"), writeErrors("401", "403", "422"))},
		},
		"/recommendations/{id}": {
			"patch": obj{"summary": "Change a recommendation's number, title, text, addressees and themes; its status, assessment and deadline change with a reason on its page",
				"parameters": []obj{idParamDoc("recommendation")}, "requestBody": reqBody("RecommendationPatch"),
				"responses": merge(okResp("The recommendation as saved", "Recommendation"), writeErrors("401", "403", "404", "422"), conflict("Recommendation"))},
			"delete": notDeletable(noDeleteRecommendation),
		},
		"/actions": {
			"post": obj{"summary": "Add an action to the log for an organisation whose actions you may change",
				"requestBody": reqBody("NewAction"),
				"responses":   merge(createdResp("The action", "Action"), writeErrors("401", "403", "422"))},
		},
		"/actions/{id}": {
			"patch": obj{"summary": "Change what an action is and who owns it; status and RAG change with a progress update",
				"parameters": []obj{idParamDoc("action")}, "requestBody": reqBody("ActionPatch"),
				"responses": merge(okResp("The action as saved", "Action"), writeErrors("401", "403", "404", "422"), conflict("Action"))},
			"delete": obj{"summary": "Delete an action: it leaves the log and the reports, the history keeps it, and an administrator can restore it",
				"parameters": []obj{idParamDoc("action"), versionQueryParam},
				"responses":  merge(obj{"204": obj{"description": "Deleted"}}, errorResponses("401", "403", "404", "422"), conflict("Action"))},
		},
	}
}

// addCRUDDocs merges the create, change and delete operations into doc.
func addCRUDDocs(doc obj) obj {
	schemas := doc["components"].(obj)["schemas"].(obj)
	for k, v := range crudSchemas() {
		schemas[k] = v
	}
	paths := doc["paths"].(obj)
	for p, ops := range crudPaths() {
		paths[p] = ops
	}
	ops := crudOperations()
	for _, docs := range []func() (obj, map[string]obj){changeDocs, meetingDocs, updateRequestDocs} {
		moreSchemas, morePaths := docs()
		for k, v := range moreSchemas {
			schemas[k] = v
		}
		for p, o := range morePaths {
			if ops[p] == nil {
				ops[p] = obj{}
			}
			for m, op := range o {
				ops[p][m] = op
			}
		}
	}
	for p, ops := range ops {
		existing, _ := paths[p].(obj)
		if existing == nil {
			existing = obj{}
			paths[p] = existing
		}
		for m, op := range ops {
			existing[m] = op
		}
	}
	return doc
}

// Package tracker holds the domain of the recommendations and action-log
// tracker: organisations, sources, recommendations, management responses,
// actions, progress updates, references, replies and measures, with the rules
// that apply to them (deadline wording, overdue, status vocabularies).
//
// It imports neither the web framework nor the ORM: storage lives in
// tracker/store and the web pages in tracker/web.
//
// # Architecture
//
// The packages, and what each owns:
//
//   - tracker (this package): the domain types (types.go), their
//     vocabularies (vocab.go), each addressee's own status of a
//     recommendation and the written rule deriving the recommendation's
//     status from them (addressee.go), the rules a single item must keep
//     (validate.go: each type's Validate returns a *ValidationError with a
//     message per field), who may do what (auth.go: User.CanEditAction and
//     the other Can* methods, which deny by default), the sentinel errors
//     (errors.go: ErrNotFound, ErrConflict, ErrForbidden), the clock
//     (clock.go), deadline wording (deadline.go) and the one date reader
//     (date.go: ParseISODate ⊂ ParseDate ⊂ ParseSpreadsheetDate). It imports
//     neither gin nor gorm.
//   - tracker/store: gorm on PostgreSQL or SQLite. Versioned migrations
//     (migrate.go), the rows and their conversion to domain types
//     (rows.go), every query the pages, API, exports, PDFs and CLI read
//     through (reads.go, lists.go, api_reads.go, report_reads.go, …), the
//     writes with optimistic versioning (writes.go, edits.go,
//     entity_edits.go), the audit trail (audit.go), "as at" (asat.go,
//     snapshot.go), imports (import.go), backups (backup.go) and search.
//   - tracker/web: gin, the pages. routes.go lists every route and mounts
//     the API; one file per page or resource holds its handlers, form and
//     view model; export.go the CSV and XLSX downloads; import.go the
//     import wizard; render.go the templates and the one error-to-page
//     mapping (Server.fail). Its Reader is the API's Store plus small
//     interfaces declared beside the handlers that use them (pageReads,
//     overviewReads in home.go, accountStore in auth.go, importStore in
//     import.go, healthStore in health.go, mailStore in mail.go); writes
//     are not on it, but for the one-click unsubscribe, whose link's token
//     stands in for a signed-in person (mail.go: the email preferences,
//     Follow, /unsubscribe and the administrators' email log).
//   - tracker/api: the JSON API under /api/v1, mounted by tracker/web.
//     routes.go lists its routes; one file per resource (actions.go,
//     recommendations.go, references.go, sources.go, organisations.go,
//     measures.go, meetings.go, deadlines.go); auth.go the bearer token;
//     errors.go the one error-to-JSON mapping (apiFail); json.go the
//     strict decoder; openapi.go and openapi_ops.go its OpenAPI document.
//     Its Store interface names the reads it answers with and the
//     commands (As).
//   - tracker/web/request: reading a request, shared by pages and API:
//     BindForm and BindQuery (each value that cannot be read is an error
//     at its field), the list filters as they appear in a URL
//     (ActionQuery, RecommendationQuery, changed_since), a progress
//     update's form (CheckUpdate), the path's id, the signed-in person,
//     the request id and the rule on control characters.
//   - tracker/report: the PDFs (gofpdf), written from query results;
//     schedule.go is a meeting's schedule of outstanding references.
//   - tracker/importer: reading CSV and XLSX files into checked rows
//     (no database): the guesses of a mapping from headers and values
//     (guess.go), the file's own words for fields with fixed words
//     (vocab.go, Options.Values), numbers made by a template
//     (number.go) and history columns dated by their headers
//     (history.go); tracker/store writes them (import.go: each row's
//     addressee status through the addressee status write, a log's
//     earlier rows as dated changes and updates; a list of
//     recommendations' updates through the same action-log path, on each
//     addressee's progress action). importertest makes a
//     city auditor's export and checks it through the API.
//   - tracker/mail: composing the emails (digests, notices, update
//     requests and reminders) and sending them over SMTP with go-mail
//     (TRACKER_SMTP_URL); mail/mailtest runs Mailpit for the tests.
//   - tracker/jobs: the background queue (River, on PostgreSQL and SQLite
//     alike): each email is a job that survives a restart and is retried,
//     and the periodic look for due digests runs on one server only. The
//     store inserts an email and its job in the same transaction as the
//     change that causes it. A big import of the wizard is a job too: its
//     row (store/import_jobs.go) keeps the file as read, the choices and
//     the progress; the worker runs store.RunImport, the path of the small
//     imports, and the progress page reads the row, so any server sharing
//     the database shows it. Cut short by a restart, the import's one
//     transaction saves nothing, and the job runs it again.
//   - tracker/example: the example data, cut from the real documents.
//   - cmd/tracker: the binary (serve, migrate, seed, import, export, report,
//     user, meeting, reminders); views/ and static/: the embedded templates
//     and assets.
//
// Writes go through the command layer, store.Commands (tracker/store/
// commands.go), got with Store.As(user); the command line acts as
// SystemUser. Each command takes the actor, checks permission (the
// predicates in tracker/auth.go, the scope rule included) and the
// invariants, writes and audits in one transaction. Pages, the API and the
// command line call it; the importer checks each row with the same
// predicates and defaults (Action.SettleNew, Addressed). A handler gets the
// commands with s.cmds(c) and cannot reach the store's writes otherwise:
// they are not on the web package's Reader interface.
//
// # The meeting cycle
//
// A meeting (meeting.go) belongs to a body and has a date, a papers
// deadline and a status. Its schedule (store.Schedule) is the tracker as
// it stood at the end of the papers deadline's day once that has passed
// (read through ReadAsAt: Meeting.ScheduleMoment), and as it stands before
// then; moving the meeting on (papers issued, or held) stores that schedule
// in the meeting's row with the moment it shows, and that copy is what the
// page and the PDF show ever after. IssuedAt is when the issue was
// recorded, which for a meeting entered after the event is long after the
// moment its schedule shows. Decisions (store.Commands.RecordDecision) change the
// reference at the version the person saw, keep a meeting_decisions row for
// its timeline, and take effect on the meeting's day, so "as at" that day
// shows them; CloseReference closes one between meetings, with a reason.
//
// Before the papers deadline the secretary asks for updates
// (store/update_requests.go: Commands.RequestUpdates): one email per
// owner of an open action on the schedule's references who is linked to
// an account or an address, queued with a dedupe key per meeting, owner
// and round (request:MEETING:OWNER:N), so sending again is a deliberate
// new round; owners linked to neither are listed, not emailed. An owner
// has updated when each open action they were asked about has an update
// entered (typed in, whatever its date) since the request;
// Commands.RemindOwners emails those who have not. A meeting whose day
// has passed gets neither.
//
// # A request's path
//
// A page request passes requestID, recovery, the security headers and the
// refusal of control characters (routes.go), then authenticate (the
// session cookie, or a bearer token for /api/v1), requireUser and, for
// pages, verifyCSRF and the refusal of control characters in forms. The
// handler reads its input with request.BindForm or BindQuery (each value that
// cannot be read is an error at its field), calls a command (which checks
// permission) or a read, and renders a typed view model with s.render, or, on an
// error, s.fail: ErrNotFound is a 404 page, ErrForbidden a 403, a
// *ValidationError shows the form again with each message at its field, a
// conflict (ErrConflict, *store.ConflictError) shows what the other person
// saved, and anything else is a 500 page and one log line with the request
// id. The JSON API (tracker/api) follows the same path with a bearer token
// instead of the cookie and maps the same errors to JSON (apiFail: 404,
// 403, 422 with fields, 409 with the current item).
//
// # Where the rules live
//
//   - Permissions: tracker/auth.go (User.Can*, the Check* scope rule),
//     enforced by store.Commands on every write; pages use the same
//     predicates (the commands' May* gates) only to decide what to offer.
//   - Syntax of input: the form struct and request.BindForm/BindQuery
//     (the shared edit page reads its declared fields with formID, formIDs
//     and formDate, which report a value the list does not offer at its
//     field; API: the strict JSON decoder and apiDate); dates are read by
//     ParseDate (pages, CLI), ParseISODate (API, stored data) and
//     ParseSpreadsheetDate (importer).
//   - Validation of an item: its Validate method here; the store's
//     writes call it before they write, whichever entry point called them.
//   - The audit trail: tracker/store/audit.go. Every write in the store
//     records an event (who, through which channel, when it was typed in,
//     when it took effect, and the fields before and after) in the same
//     transaction as the change.
//   - "As at": tracker/store/asat.go. Store.ReadAsAt runs the ordinary
//     queries inside a transaction in which each table changed since the
//     moment is, for that transaction only, a view of the table as it stood
//     then, so pages, exports and PDFs need no second copy of a query. A
//     row changed or made since is left out by one indexed look-up of its
//     latest change; only the items that stood then and were changed since
//     (found by an index of changes that are not creations) are rebuilt
//     from their own audit events. The tables triggers keep (the tallies
//     that totals and counts add up, each item's latest change) are
//     shadowed too, from the rows left out and the rows rebuilt, so a total
//     read as at a moment counts the rows of that moment. So the cost is
//     the rows read and the changes made since, never the whole trail or
//     the size of the tracker. Inside a write transaction it works in a
//     savepoint it rolls back to (a meeting's schedule is frozen that way).
//   - Optimistic versioning: each editable row has a version; a write
//     names the version it read and a different current one is a conflict.
//
// # Adding a field end to end
//
// To give actions a new field, in this order:
//
//  1. tracker/types.go: the field on Action; validate.go: its rule, if any.
//  2. tracker/store: a new numbered migration in migrate.go (tested on
//     both databases), the column on actionRow and its conversion in
//     rows.go, and the writes that set it (writes.go, edits.go). The audit
//     trail, "as at" and backups read the row's columns, so they follow.
//  3. tracker/web: the form struct and its form tag, the handler that
//     copies it into the Action, the view model and template under
//     views/; the CSV/XLSX column (export.go).
//  4. tracker/api: the DTO and request struct (actions.go) and the
//     OpenAPI schema (openapi_ops.go).
//  5. tracker/importer: a Field in fields.go if spreadsheets carry it.
//  6. tracker/report: the PDF column or line, if the reports show it.
//
// Adding one field to an action touched 44 places in 22 files when this was
// first measured, 45 in 23 after the command layer landed, and 47 in 23
// after the API moved to tracker/api (measured with OwnerUnit as the
// stand-in field: git grep -i -c -E 'ownerunit|owner_unit' -- ':!*_test.go'
// ':!*.md' ':!tracker/doc.go'; 8 of them are the example data). The
// command layer and the split removed copies of rules, not the places a
// field is carried through forms, API types, rows, imports, exports and
// PDFs; the one near-copy left is the add-action form on the
// recommendation page beside the action's edit form (action_details.go).
package tracker

package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

func sourceForm(heading, post, cancel string, orgs []tracker.Organisation) editForm {
	return editForm{
		page: editPage{Layout: Layout{Title: heading, Section: "sources", Breadcrumbs: []Crumb{{"Sources", "/sources"}}},
			Heading: heading, Post: post, Submit: "Save source", Cancel: cancel},
		fields: []formField{
			{Name: "title", Label: "Title", Kind: kindText},
			{Name: "kind", Label: "Kind of source", Kind: kindSelect, Options: tracker.SourceKinds},
			{Name: "issued_by", Label: "Issued by", Kind: kindSelect, Options: orgOptions(orgs), Hint: "Not listed? Add it on the Organisations page first."},
			{Name: "date", Label: "Date issued", Kind: kindDate, Optional: true},
			{Name: "date_text", Label: "Date as the document gives it", Kind: kindText, Optional: true, Hint: "When it is less precise than a day, like “January 2013”."},
			{Name: "reference", Label: "Reference", Kind: kindText, Optional: true, Hint: "A shelf number or the body's own reference."},
			{Name: "url", Label: "Web address", Kind: kindURL, Optional: true},
			{Name: "publisher", Label: "Publisher", Kind: kindText, Optional: true},
			{Name: "pages", Label: "Number of pages", Kind: kindNumber, Optional: true},
			{Name: "summary", Label: "Summary", Kind: kindTextarea, Optional: true, Hint: "Markdown works: a blank line between paragraphs, “- ” for bullets."},
			{Name: "keywords", Label: "Keywords", Kind: kindTextarea, Optional: true, Rows: 3, Hint: "One a line."},
		},
	}
}

func sourceValues(src tracker.Source) url.Values {
	pages := ""
	if src.Pages > 0 {
		pages = strconv.Itoa(src.Pages)
	}
	return url.Values{"title": {src.Title}, "kind": {src.Kind}, "issued_by": {request.IDString(src.IssuedByID)}, "date": {dayString(src.Date)},
		"date_text": {src.DateText}, "reference": {src.Reference}, "url": {src.URL}, "publisher": {src.Publisher}, "pages": {pages},
		"summary": {src.Summary}, "keywords": {tracker.JoinList(src.Keywords)}, "version": {strconv.Itoa(src.Version)}}
}

// sourceFromValues reads the posted form into a source; syntax errors are
// returned at their fields, the domain's rules checked by the store.
func sourceFromValues(vals url.Values) (tracker.Source, map[string]string) {
	errs := map[string]string{}
	src := tracker.Source{
		Title: strings.TrimSpace(vals.Get("title")), Kind: vals.Get("kind"), IssuedByID: formID(vals, "issued_by", errs),
		Date: formDate(vals, "date", "the date issued", errs), DateText: strings.TrimSpace(vals.Get("date_text")),
		Reference: strings.TrimSpace(vals.Get("reference")), URL: strings.TrimSpace(vals.Get("url")),
		Publisher: strings.TrimSpace(vals.Get("publisher")), Summary: vals.Get("summary"), Keywords: tracker.SplitList(vals.Get("keywords")),
	}
	if p := strings.TrimSpace(vals.Get("pages")); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			errs["pages"] = "Enter the number of pages as a whole number, like 47"
		}
		src.Pages = n
	}
	if src.URL != "" {
		if u, err := url.Parse(src.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs["url"] = "Enter a web address starting with https://"
		}
	}
	return src, errs
}

func (s *Server) sourceNew(c *gin.Context) {
	s.sourceCreateOrShow(c, false)
}

func (s *Server) sourceCreate(c *gin.Context) {
	s.sourceCreateOrShow(c, true)
}

func (s *Server) sourceCreateOrShow(c *gin.Context, save bool) {
	if err := s.cmds(c).MayCreateSource(); err != nil {
		s.fail(c, err)
		return
	}
	ctx := c.Request.Context()
	orgs, err := s.store.Organisations(ctx)
	if err != nil {
		s.fail(c, err)
		return
	}
	f := sourceForm("Add a source", "/sources/new", "/sources", orgs)
	if !save {
		s.showEdit(c, http.StatusOK, f, url.Values{"kind": {tracker.KindCommitteeReport}}, nil, nil)
		return
	}
	vals := f.values(c)
	src, errs := sourceFromValues(vals)
	err = request.WithDomainErrors(errs, src.Validate)
	if err == nil {
		src, err = s.cmds(c).CreateSource(ctx, src)
	}
	if s.saveOutcome(c, f, vals, err, nil) {
		s.saved(c, "/sources/"+request.IDString(src.ID), savedSourceAdded)
	}
}

// sourceFor loads the source of the URL and asks the commands whether the
// person may change it (or add to it); false means a response has been
// sent.
func (s *Server) sourceFor(c *gin.Context, may func(store.Commands, context.Context, int64) error) (tracker.SourceDetail, bool) {
	id, err := request.IDParam(c)
	if err != nil {
		s.fail(c, err)
		return tracker.SourceDetail{}, false
	}
	d, err := s.store.SourceDetail(c.Request.Context(), id, s.today())
	if err != nil {
		s.fail(c, err)
		return d, false
	}
	if err := may(s.cmds(c), c.Request.Context(), id); err != nil {
		s.fail(c, err)
		return d, false
	}
	return d, true
}

func (s *Server) sourceEditForm(c *gin.Context, d tracker.SourceDetail) (editForm, bool) {
	orgs, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return editForm{}, false
	}
	path := "/sources/" + request.IDString(d.Source.ID)
	f := sourceForm("Change the source", path+"/edit", path, orgs)
	f.page.Caption, f.page.Versioned, f.page.Version = d.Source.Title, true, d.Source.Version
	f.page.Breadcrumbs = append(f.page.Breadcrumbs, Crumb{d.Source.Title, path})
	return f, true
}

func (s *Server) sourceEdit(c *gin.Context) {
	d, ok := s.sourceFor(c, store.Commands.MayChangeSource)
	if !ok {
		return
	}
	if f, ok := s.sourceEditForm(c, d); ok {
		s.showEdit(c, http.StatusOK, f, sourceValues(d.Source), nil, nil)
	}
}

func (s *Server) sourceUpdate(c *gin.Context) {
	d, ok := s.sourceFor(c, store.Commands.MayChangeSource)
	if !ok {
		return
	}
	f, ok := s.sourceEditForm(c, d)
	if !ok {
		return
	}
	ctx := c.Request.Context()
	vals := f.values(c)
	src, errs := sourceFromValues(vals)
	src.ID, src.Version = d.Source.ID, formVersion(c, errs)
	f.page.Version = src.Version
	err := request.WithDomainErrors(errs, src.Validate)
	if err == nil {
		_, err = s.cmds(c).UpdateSource(ctx, src)
	}
	if s.saveOutcome(c, f, vals, err, func() (url.Values, error) {
		cur, err := s.store.Source(ctx, d.Source.ID)
		return sourceValues(cur), err
	}) {
		s.saved(c, "/sources/"+request.IDString(d.Source.ID), savedSource)
	}
}

package api

import (
	"net/http"
	"strings"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
	"github.com/gin-gonic/gin"
)

type organisationDTO struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	ShortName string `json:"short_name"`
	Version   int    `json:"version"`
}

func organisationDTOOf(o tracker.Organisation) organisationDTO {
	return organisationDTO{ID: o.ID, Name: o.Name, ShortName: o.ShortName, Version: o.Version}
}

type organisationRequest struct {
	Name      string `json:"name"`
	ShortName string `json:"short_name"`
}

func (s *Server) apiOrganisations(c *gin.Context) {
	orgs, err := s.store.Organisations(c.Request.Context())
	if err != nil {
		s.apiFail(c, err)
		return
	}
	name := strings.ToLower(strings.TrimSpace(c.Query("name")))
	var kept []tracker.Organisation
	for _, o := range orgs {
		if name == "" || strings.Contains(strings.ToLower(o.Name), name) || strings.Contains(strings.ToLower(o.ShortName), name) {
			kept = append(kept, o)
		}
	}
	page := apiPage(c)
	out := listDTO[organisationDTO]{Items: []organisationDTO{}, Total: int64(len(kept)), Page: page.Number, PerPage: page.Size}
	for _, o := range pageOfSlice(kept, page) {
		out.Items = append(out.Items, organisationDTOOf(o))
	}
	c.JSON(http.StatusOK, out)
}

func (s *Server) apiOrganisation(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	o, err := s.store.Organisation(c.Request.Context(), id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	c.JSON(http.StatusOK, organisationDTOOf(o))
}

func (s *Server) apiCreateOrganisation(c *gin.Context) {
	if err := s.cmds(c).MayCreate("organisations"); err != nil {
		s.apiFail(c, err)
		return
	}
	var req organisationRequest
	if !apiBind(c, &req) {
		return
	}
	o, err := s.cmds(c).CreateOrganisation(c.Request.Context(), tracker.Organisation{Name: req.Name, ShortName: req.ShortName})
	if err != nil {
		s.apiFail(c, err)
		return
	}
	o, err = s.store.Organisation(c.Request.Context(), o.ID)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	apiCreated(c, "/organisations/"+request.IDString(o.ID), organisationDTOOf(o))
}

// organisationPatch renames an organisation; absent fields stay.
type organisationPatch struct {
	Version   int     `json:"version"`
	Name      *string `json:"name"`
	ShortName *string `json:"short_name"`
}

func (s *Server) apiUpdateOrganisation(c *gin.Context) {
	id, err := request.IDParam(c)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	ctx := c.Request.Context()
	o, err := s.store.Organisation(ctx, id)
	if err != nil {
		s.apiFail(c, err)
		return
	}
	if err := s.cmds(c).MayChangeOrganisation(ctx, o.ID); err != nil {
		s.apiFail(c, err)
		return
	}
	var req organisationPatch
	if !apiBind(c, &req) {
		return
	}
	errs := map[string]string{}
	apiNeedVersion(req.Version, "organisation", errs)
	if len(errs) > 0 {
		apiInvalid(c, errs)
		return
	}
	if req.Name != nil {
		o.Name = *req.Name
	}
	if req.ShortName != nil {
		o.ShortName = *req.ShortName
	}
	o.Version = req.Version
	_, err = s.cmds(c).UpdateOrganisation(ctx, o)
	current := func() (any, error) {
		cur, err := s.store.Organisation(ctx, id)
		return organisationDTOOf(cur), err
	}
	s.apiAnswerSaved(c, err, "organisation", current)
}

type orgDTO struct {
	ID        int64  `json:"id"`
	Name      string `json:"name"`
	ShortName string `json:"short_name,omitempty"`
}

func orgDTOOf(o tracker.Organisation) orgDTO {
	return orgDTO{ID: o.ID, Name: o.Name, ShortName: o.ShortName}
}

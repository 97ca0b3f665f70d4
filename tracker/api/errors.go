package api

import (
	"errors"
	"net/http"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/web/request"
	"github.com/gin-gonic/gin"
)

type apiError struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

// apiFail maps errors to JSON the way fail maps them to pages.
func (s *Server) apiFail(c *gin.Context, err error) {
	var invalid *tracker.ValidationError
	var conflict *store.ConflictError
	switch {
	case errors.Is(err, tracker.ErrNotFound):
		c.JSON(http.StatusNotFound, apiError{Error: "Not found."})
	case errors.Is(err, tracker.ErrForbidden):
		reason := tracker.ReasonOf(err)
		if reason == "" {
			reason = "Your account does not allow this."
		}
		c.JSON(http.StatusForbidden, apiError{Error: reason})
	case errors.As(err, &conflict):
		c.JSON(http.StatusConflict, gin.H{"error": "The action changed after you read it; read it again and resend.", "current": actionDTOOf(conflict.Current)})
	case errors.As(err, &invalid):
		apiInvalid(c, invalid.Fields)
	case errors.Is(err, tracker.ErrConflict):
		c.JSON(http.StatusConflict, apiError{Error: "The item changed after you read it; read it again and resend with its current version."})
	default:
		s.log.Error("API request failed", "request_id", request.ID(c), "path", c.Request.URL.Path, "error", err)
		c.JSON(http.StatusInternalServerError, apiError{Error: "Something went wrong. Reference: " + request.ID(c)})
	}
}

package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
	"github.com/gin-gonic/gin"
)

// bearer authenticates API requests with "Authorization: Bearer <token>".
func (s *Server) bearer() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		token, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(token) == "" {
			c.Header("WWW-Authenticate", `Bearer realm="tracker"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, apiError{Error: "Send an API token as Authorization: Bearer <token>. Create one on your account page or with tracker token create."})
			return
		}
		u, err := s.store.TokenUser(c.Request.Context(), strings.TrimSpace(token))
		if errors.Is(err, tracker.ErrNotFound) {
			c.Header("WWW-Authenticate", `Bearer realm="tracker", error="invalid_token"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, apiError{Error: "The API token is unknown or has been revoked."})
			return
		}
		if err != nil {
			s.apiFail(c, err)
			c.Abort()
			return
		}
		request.SetUser(c, &u)
		c.Header("Cache-Control", "no-store")
		c.Request = c.Request.WithContext(tracker.WithActor(c.Request.Context(), tracker.Actor{UserID: &u.ID, Name: u.Label(), Channel: tracker.ChannelAPI}))
		c.Next()
	}
}

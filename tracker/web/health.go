package web

import (
	"context"
	"net/http"
	"time"

	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/gin-gonic/gin"
)

// healthStore is what the health check asks the database.
type healthStore interface {
	Ping(ctx context.Context) error
	Dialect() string
	Schema(ctx context.Context) (store.SchemaState, error)
}

// health answers 200 with a small JSON body once the database answers, and
// 503 when it does not.
func (s *Server) health(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("health check failed", "error", err)
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": s.store.Dialect()})
		return
	}
	st, err := s.store.Schema(ctx)
	if err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "database": s.store.Dialect()})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "database": s.store.Dialect(), "schema": st.Current()})
}

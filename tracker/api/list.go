package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
	"github.com/gin-gonic/gin"
)

type listDTO[T any] struct {
	Items   []T   `json:"items"`
	Total   int64 `json:"total"`
	Page    int   `json:"page"`
	PerPage int   `json:"per_page"`
}

func dateString(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.Format("2006-01-02")
	return &s
}

// apiCheckPage answers 422 when ?page= is not a page number, so that no
// list wraps to page 1 or overflows; apiPage can then trust it.
func apiCheckPage() gin.HandlerFunc {
	return func(c *gin.Context) {
		if v, ok := c.GetQuery("page"); ok && v != "" {
			if n, err := strconv.Atoi(v); err != nil || n < 1 || n > request.MaxPage {
				msg := fmt.Sprintf("Send page as a whole number from 1 to %d, not %q", request.MaxPage, v)
				c.AbortWithStatusJSON(http.StatusUnprocessableEntity, apiError{Error: msg + ".", Fields: map[string]string{"page": msg}})
				return
			}
		}
		c.Next()
	}
}

// apiPage reads page and per_page (at most 200).
func apiPage(c *gin.Context) tracker.Page {
	n, _ := strconv.Atoi(c.Query("page"))
	size, _ := strconv.Atoi(c.Query("per_page"))
	if n < 1 {
		n = 1
	}
	if size < 1 || size > 200 {
		size = 50
	}
	return tracker.Page{Number: n, Size: size}
}

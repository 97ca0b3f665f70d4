package request

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
)

const (
	userKey = "user"
	idKey   = "request_id"
)

// User returns the signed-in person, or nil.
func User(c *gin.Context) *tracker.User {
	if u, ok := c.Get(userKey); ok {
		if user, ok := u.(*tracker.User); ok {
			return user
		}
	}
	return nil
}

// SetUser records who is making the request, for User and the handlers.
func SetUser(c *gin.Context, u *tracker.User) { c.Set(userKey, u) }

// Tag gives every request an id, in the context and in X-Request-Id, so a
// failure the person reports can be found in the log.
func Tag() gin.HandlerFunc {
	return func(c *gin.Context) {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		id := hex.EncodeToString(b)
		c.Set(idKey, id)
		c.Header("X-Request-Id", id)
		c.Next()
	}
}

// ID is the request's id given by Tag.
func ID(c *gin.Context) string { return c.GetString(idKey) }

// IDParam reads a positive numeric id from the path; anything else is not found.
func IDParam(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("id %q: %w", c.Param("id"), tracker.ErrNotFound)
	}
	return id, nil
}

// IDString is an id as text, or "" for none.
func IDString(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// ValidOption reports whether v is one of options' values.
func ValidOption(options []tracker.Option, v string) bool {
	for _, o := range options {
		if o.Value == v {
			return true
		}
	}
	return false
}

// WithDomainErrors adds the domain's messages to the form's own, so all
// show at once.
func WithDomainErrors(errs map[string]string, validate func() error) error {
	if err := validate(); err != nil {
		if v, ok := err.(*tracker.ValidationError); ok {
			for k, m := range v.Fields {
				if _, seen := errs[k]; !seen {
					errs[k] = m
				}
			}
		} else {
			return err
		}
	}
	if len(errs) > 0 {
		return &tracker.ValidationError{Fields: errs}
	}
	return nil
}

// MaxPage is the highest page number a list takes: far past the end of
// any list, and small enough that its offset cannot overflow.
const MaxPage = 1_000_000

// AddresseeParam reads the organisation the path's :org names and checks
// it is an addressee of r; anything else is not found, on the pages and
// in the API alike.
func AddresseeParam(c *gin.Context, r tracker.Recommendation) (int64, error) {
	org, err := strconv.ParseInt(c.Param("org"), 10, 64)
	if _, addressed := r.StatusOf(org); err != nil || !addressed {
		return 0, fmt.Errorf("addressee %q: %w", c.Param("org"), tracker.ErrNotFound)
	}
	return org, nil
}

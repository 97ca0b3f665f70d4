package web

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
)

const searchLimit = 100

type searchPage struct {
	Layout
	Query   string
	Hits    []tracker.SearchHit
	Limited bool
}

var entityLabels = map[string]string{
	"source": "Source", "recommendation": "Recommendation", "response": "Management response",
	"action": "Action", "update": "Progress update",
}

func (s *Server) search(c *gin.Context) {
	q := strings.TrimSpace(c.Query("q"))
	p := &searchPage{Layout: Layout{Title: "Search", Section: "search"}, Query: q}
	if q != "" {
		hits, err := s.store.Search(c.Request.Context(), q, searchLimit+1)
		if err != nil {
			s.fail(c, err)
			return
		}
		if len(hits) > searchLimit {
			hits, p.Limited = hits[:searchLimit], true
		}
		p.Hits = hits
		p.Title = "Search: " + q
	}
	s.render(c, http.StatusOK, pageSearch, p)
}

// hitHeading is the link text of a hit: the title of sources,
// recommendations and actions, the words of responses and updates (whose
// "title" is their author).
func hitHeading(h tracker.SearchHit) string {
	if h.Entity == "update" || h.Entity == "response" || h.Title == "" {
		return truncate(120, plain(h.Text))
	}
	return truncate(120, h.Title)
}

// hitDetail is the line under the link: more of the text, or the author.
func hitDetail(h tracker.SearchHit) string {
	if h.Entity == "update" || h.Entity == "response" {
		if h.Title != "" {
			return "By " + h.Title
		}
		return ""
	}
	return truncate(240, plain(h.Text))
}

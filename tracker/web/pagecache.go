package web

import (
	"context"
	"html/template"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/web/request"
)

// The list pages are read far more often than anything changes, by many
// people who see the same thing. pageCache keeps the body of each list
// page it rendered (what the page's "content" template wrote) under the
// data's version, the day, the address asked and what of the person the
// page depends on; the frame around it (the header with the person's name,
// "My actions", the sign-out form's token, a "saved" notice) is drawn
// afresh for every request. Any change to the tracker writes an audit event
// and so moves the version: nothing kept under an older version is used
// again, and the cache then starts afresh. The same request reaches the
// same handler and queries when nothing is kept; the cache only saves
// asking them again while nothing has changed.
type pageCache struct {
	mu      sync.Mutex
	version int64
	bytes   int
	bodies  map[string]cachedBody
	mine    map[string]int64
	// hits and kept count bodies served and kept, for the tests.
	hits, kept atomic.Int64
}

// cachedBody is a rendered page body and the parts of its frame its
// handler set.
type cachedBody struct {
	page        string
	title       string
	section     string
	breadcrumbs []Crumb
	content     template.HTML
}

// pageCacheBytes bounds the bodies kept for one version; past it the cache
// starts again.
const pageCacheBytes = 64 << 20

// pageCacheStore is what the cache asks the store.
type pageCacheStore interface {
	DataVersion(ctx context.Context) (version int64, settled bool, err error)
}

func newPageCache() *pageCache {
	return &pageCache{bodies: map[string]cachedBody{}, mine: map[string]int64{}}
}

// at forgets everything kept under another version.
func (p *pageCache) at(version int64) {
	if p.version != version {
		p.version, p.bytes = version, 0
		p.bodies, p.mine = map[string]cachedBody{}, map[string]int64{}
	}
}

func (p *pageCache) body(key string, version int64) (cachedBody, bool) {
	if p == nil {
		return cachedBody{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.version != version {
		return cachedBody{}, false
	}
	b, ok := p.bodies[key]
	if ok {
		p.hits.Add(1)
	}
	return b, ok
}

func (p *pageCache) keep(key string, version int64, b cachedBody) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if version < p.version {
		return
	}
	p.at(version)
	if p.bytes+len(b.content) > pageCacheBytes {
		p.bodies, p.bytes = map[string]cachedBody{}, 0
	}
	p.bodies[key] = b
	p.bytes += len(b.content)
	p.kept.Add(1)
}

func (p *pageCache) myActions(key string, version int64) (int64, bool) {
	if p == nil {
		return 0, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	n, ok := p.mine[key]
	return n, ok && p.version == version
}

func (p *pageCache) keepMyActions(key string, version int64, n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if version < p.version {
		return
	}
	p.at(version)
	if len(p.mine) > 10000 {
		p.mine = map[string]int64{}
	}
	p.mine[key] = n
}

// cacheSlot is where render keeps the page it draws, set by cached.
type cacheSlot struct {
	key     string
	version int64
	// settled: what is read now may be kept (DataVersion).
	settled bool
}

const ctxCacheSlot = "tracker.cache_slot"

// viewerKey names what of the signed-in person a page's body depends on:
// two people with the same key see the same body.
type viewerKey func(u *tracker.User) string

// anyone: the body is the same for everyone signed in.
func anyone(*tracker.User) string { return "" }

// byRole: the body offers adding to the list to those who may create.
func byRole(u *tracker.User) string {
	if u.CanCreate() {
		return "create"
	}
	return ""
}

// byNames: the body marks the person's own actions, by the names an
// owner may give them by (myNames).
func byNames(u *tracker.User) string {
	return strings.ToLower(strings.Join(myNames(u), "\x00"))
}

// cached serves a list page from the cache when its body for this version,
// day, address and viewer is kept, and otherwise lets the handler draw it
// and render keep it.
func (s *Server) cached(viewer viewerKey) gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.cache == nil {
			return
		}
		version, settled, err := s.store.DataVersion(c.Request.Context())
		if err != nil {
			s.log.Warn("read the data version", "request_id", request.ID(c), "error", err)
			return
		}
		key := strings.Join([]string{c.Request.URL.RequestURI(), s.today().Format("2006-01-02"), viewer(request.User(c))}, "\x00")
		if b, ok := s.cache.body(key, version); ok {
			l := &Layout{Title: b.title, Section: b.section, Breadcrumbs: b.breadcrumbs, Content: b.content}
			c.Set(ctxCacheSlot, cacheSlot{version: version})
			s.renderFrame(c, b.page, l)
			c.Abort()
			return
		}
		c.Set(ctxCacheSlot, cacheSlot{key: key, version: version, settled: settled})
	}
}

// slotOf is the cache slot cached set for this request, if any.
func slotOf(c *gin.Context) (cacheSlot, bool) {
	v, ok := c.Get(ctxCacheSlot)
	if !ok {
		return cacheSlot{}, false
	}
	slot, ok := v.(cacheSlot)
	return slot, ok
}

// myActionCount counts the person's open actions for the header, kept
// under the data's version on the pages that read it.
func (s *Server) myActionCount(c *gin.Context, u *tracker.User, today time.Time) (int64, error) {
	slot, ok := slotOf(c)
	key := byNames(u) + "\x00" + today.Format("2006-01-02")
	if ok {
		if n, hit := s.cache.myActions(key, slot.version); hit {
			return n, nil
		}
	}
	n, err := s.store.CountActions(c.Request.Context(), tracker.ActionFilter{OwnedBy: myNames(u), Open: true, Today: today})
	if err == nil && ok && slot.settled {
		s.cache.keepMyActions(key, slot.version, n)
	}
	return n, err
}

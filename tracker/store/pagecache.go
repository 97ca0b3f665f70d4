package store

import (
	"context"
	"fmt"
	"sync"
)

// pageCache remembers where the pages of a list begin and end, so that the
// page after (or before) one just read starts from its last (or first)
// row's keys instead of counting through every row before it. An entry
// holds only while the data is as it was: every change to a listed item
// writes an audit event, so the newest event's id is the data's version,
// and an entry of another version is not used. The pages are then the
// ones OFFSET would give, at the cost of a page whatever its number.
type pageCache struct {
	mu      sync.Mutex
	entries map[pageKey]pageEnds
}

type pageKey struct {
	list string // the list, its filter, sort and page size
	page int
}

type pageEnds struct {
	version     int64
	first, last string
}

// pageCacheSize bounds the entries kept; past it the cache starts again.
const pageCacheSize = 4096

func newPageCache() *pageCache { return &pageCache{entries: map[pageKey]pageEnds{}} }

func (c *pageCache) get(k pageKey, version int64) (pageEnds, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	return e, ok && e.version == version
}

func (c *pageCache) put(k pageKey, e pageEnds) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= pageCacheSize {
		c.entries = map[pageKey]pageEnds{}
	}
	c.entries[k] = e
}

// dataVersion is the id of the newest audit event.
func (s *Store) dataVersion(ctx context.Context) (int64, error) {
	var v int64
	err := s.q(ctx).Raw(`SELECT COALESCE(MAX(id), 0) FROM audit_events`).Row().Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read the data version: %w", err)
	}
	return v, nil
}

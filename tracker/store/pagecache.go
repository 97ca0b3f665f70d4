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

// DataVersion is the data's version: the id of the newest audit event,
// since every change to what the pages show writes one in the same
// transaction. settled says whether something cached under it stays
// right. On SQLite it always does: one writer at a time holds the lock
// from its first write to its commit, so a change not yet committed gets
// a larger id than any committed one. On PostgreSQL a transaction may take
// its id before another that commits first; while any transaction that
// writes is in progress, a newer id can still appear below the newest,
// so nothing is settled until none is (the snapshot lists none in
// progress). Caches keep what they read under a settled version only;
// what a later statement reads is never older than the version. Inside a
// transaction nothing is settled: it reads its own changes, which may yet
// be undone.
func (s *Store) DataVersion(ctx context.Context) (version int64, settled bool, err error) {
	if s.dialect != Postgres {
		v, err := s.dataVersion(ctx)
		return v, err == nil && !s.inTx(), err
	}
	err = s.q(ctx).Raw(`SELECT COALESCE((SELECT MAX(id) FROM audit_events), 0),
		pg_snapshot_xmin(pg_current_snapshot()) = pg_snapshot_xmax(pg_current_snapshot())`).Row().Scan(&version, &settled)
	if err != nil {
		return 0, false, fmt.Errorf("read the data version: %w", err)
	}
	return version, settled && !s.inTx(), nil
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

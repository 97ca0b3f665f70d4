package web

// PageCacheCounts says how many list page bodies the server has served
// from its page cache and how many it has kept there.
func (s *Server) PageCacheCounts() (hits, kept int64) {
	if s.cache == nil {
		return 0, 0
	}
	return s.cache.hits.Load(), s.cache.kept.Load()
}

// HoldLongPDFs takes every turn for long PDFs, as downloads under way
// would, until release is called.
func (s *Server) HoldLongPDFs() (release func()) {
	n := cap(s.long.slots)
	for range n {
		s.long.slots <- struct{}{}
	}
	return func() {
		for range n {
			<-s.long.slots
		}
	}
}

// LongPDFsWaiting is how many long PDFs are waiting for a turn.
func (s *Server) LongPDFsWaiting() int64 { return s.long.waiting.Load() }

package web

// PageCacheCounts says how many list page bodies the server has served
// from its page cache and how many it has kept there.
func (s *Server) PageCacheCounts() (hits, kept int64) {
	if s.cache == nil {
		return 0, 0
	}
	return s.cache.hits.Load(), s.cache.kept.Load()
}

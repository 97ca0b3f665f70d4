package report

// Items is how many items the report lists: the reference's
// recommendations, the source's recommendations, the outstanding
// recommendations and open actions, or the action log's rows. Zero means
// the report would say nothing, which the command line tells its user.
func (c *Contents) Items() int {
	switch c.req.Kind {
	case KindReference:
		return len(c.reference.Recommendations)
	case KindSource:
		return len(c.recs)
	case KindOutstanding:
		n := 0
		for _, g := range c.groups {
			n += len(g.Recommendations)
			for _, o := range g.Owners {
				n += len(o.Actions)
			}
		}
		return n
	case KindActions:
		return len(c.items)
	}
	return 0
}

package web

import (
	"context"
	"runtime"
	"sync/atomic"
)

// longPDFItems is the size from which a PDF counts as long: a report of
// more items waits for a turn (longPDFs). At 10,000 recommendations the
// long reports list 10,000 to 60,000 items and each holds about a
// gigabyte while it is set (gofpdf keeps every page until the end), so a
// few downloads at once could take the server's memory; a reply lists
// tens and is set in milliseconds, and never waits.
const longPDFItems = 1000

// longPDFs lets a fixed number of long PDFs be set at once. Setting one
// keeps a processor busy for seconds, so more at once would not finish
// sooner, only hold more memory.
type longPDFs struct {
	slots   chan struct{}
	waiting *atomic.Int64
}

func newLongPDFs(n int) longPDFs {
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	return longPDFs{slots: make(chan struct{}, n), waiting: &atomic.Int64{}}
}

// take waits for a turn for a PDF of the given number of items, when it
// is long, and returns what gives the turn back. It returns false when ctx
// ends first: the person has given up.
func (l longPDFs) take(ctx context.Context, items int) (release func(), ok bool) {
	if items <= longPDFItems {
		return func() {}, true
	}
	select {
	case l.slots <- struct{}{}:
		return func() { <-l.slots }, true
	default:
	}
	l.waiting.Add(1)
	defer l.waiting.Add(-1)
	select {
	case l.slots <- struct{}{}:
		return func() { <-l.slots }, true
	case <-ctx.Done():
		return nil, false
	}
}

package web_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker/store/storetest"
	"github.com/civic-tracker/tracker/tracker/web"
)

// TestLongPDFsTakeTurns: a long PDF waits while the turns for long PDFs
// are taken, and is sent once one is given back; a reply, short, does not
// wait; a person who gives up waiting leaves the queue.
func TestLongPDFsTakeTurns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.SQLite(t), 25, func(o *web.Options) { o.LongPDFs = 1 })
	src, err := e.s.FindSourceByTitle(t.Context(), "Duty of Care: Improving Support for Victims of Crime")
	if err != nil {
		t.Fatal(err)
	}
	storetest.BulkActions(t, e.s, src.ID, 1200) // the action log: over a thousand items
	c := e.login(viewer)
	download := func(path string) (int, []byte) {
		res, err := c.http.Get(e.ts.URL + path)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, body
	}
	release := e.srv.HoldLongPDFs()
	if code, body := download("/references/1/report.pdf"); code != http.StatusOK || !bytes.HasPrefix(body, []byte("%PDF")) {
		t.Errorf("the reply, while the long PDFs' turns are taken: %d %.40q", code, body)
	}
	type result struct {
		code int
		body []byte
	}
	done := make(chan result, 1)
	go func() {
		code, body := download("/reports/actions.pdf")
		done <- result{code, body}
	}()
	deadline := time.Now().Add(time.Minute)
	for e.srv.LongPDFsWaiting() != 1 {
		select {
		case r := <-done:
			release()
			t.Fatalf("the action log was answered (%d) without waiting for a turn", r.code)
		default:
		}
		if time.Now().After(deadline) {
			release()
			t.Fatal("the action log never waited for a turn")
		}
		time.Sleep(10 * time.Millisecond)
	}
	release()
	r := <-done
	if r.code != http.StatusOK || !bytes.HasPrefix(r.body, []byte("%PDF")) {
		t.Errorf("the action log, once given a turn: %d %.40q", r.code, r.body)
	}

	// Giving up while waiting: the download ends, and leaves the queue.
	release = e.srv.HoldLongPDFs()
	defer release()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.ts.URL+"/reports/actions.pdf", nil)
	gaveUp := make(chan error, 1)
	go func() {
		res, err := c.http.Do(req)
		if err == nil {
			res.Body.Close()
		}
		gaveUp <- err
	}()
	waitFor(t, e.srv, 1)
	cancel()
	if err := <-gaveUp; err == nil {
		t.Error("the action log was sent while every turn was taken")
	}
	waitFor(t, e.srv, 0)
}

// waitFor waits until n long PDFs are waiting for a turn.
func waitFor(t *testing.T, srv *web.Server, n int64) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); srv.LongPDFsWaiting() != n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d long PDFs waiting for a turn, want %d", srv.LongPDFsWaiting(), n)
		}
	}
}

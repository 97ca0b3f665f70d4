package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker/store"
	"github.com/civic-tracker/tracker/tracker/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestSeedTwice(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			db := b.Open(t)
			var out bytes.Buffer
			if err := run(context.Background(), []string{"seed", "--example", "--db", db}, &out, quiet); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "Loaded 3 source(s)") || !strings.Contains(out.String(), "13 recommendations") {
				t.Errorf("first seed said %q", out.String())
			}
			out.Reset()
			if err := run(context.Background(), []string{"seed", "--example", "--db", db}, &out, quiet); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(out.String(), "already loaded; nothing was added") {
				t.Errorf("second seed said %q", out.String())
			}
		})
	}
}

func TestConfigProblems(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"serve", "--addr", "nonsense"}, `--addr "nonsense" is not host:port`},
		{[]string{"serve", "--addr", "127.0.0.1:99999"}, "must be a number from 0 to 65535"},
		{[]string{"serve", "--db", " "}, "--db is empty"},
		{[]string{"serve", "--db", "/no/such/folder/tracker.db", "--addr", "127.0.0.1:0"}, `the folder "/no/such/folder" for the SQLite database does not exist`},
		{[]string{"seed"}, "tracker seed --example"},
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
	}
	for _, tt := range tests {
		err := run(context.Background(), tt.args, io.Discard, quiet)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want it to mention %q", tt.args, err, tt.want)
		}
	}
}

// TestServeRefusesNewerSchema: a database from a later version is refused
// at start-up with advice, and an outdated one with --migrate=false too.
func TestServeRefusesNewerSchema(t *testing.T) {
	db := filepath.Join(t.TempDir(), "t.db")
	s := storetest.OpenMigrated(t, db)
	if err := s.Exec(context.Background(), "INSERT INTO schema_migrations (id) VALUES ('9999_later')"); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	err := run(context.Background(), []string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, io.Discard, quiet)
	if err == nil || !strings.Contains(err.Error(), "newer version of the tracker") {
		t.Errorf("serve on a newer schema: %v", err)
	}

	old := filepath.Join(t.TempDir(), "old.db")
	s = storetest.OpenRaw(t, old)
	if err := s.MigrateTo(context.Background(), store.MigrationIDs()[0]); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	err = run(context.Background(), []string{"serve", "--db", old, "--addr", "127.0.0.1:0", "--migrate=false"}, io.Discard, quiet)
	if err == nil || !strings.Contains(err.Error(), "tracker migrate") {
		t.Errorf("serve --migrate=false on an old schema: %v", err)
	}
}

// TestServeAndShutDown starts the server, checks /healthz and stops it the
// way SIGINT does, by cancelling its context.
func TestServeAndShutDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out syncBuffer
	go func() {
		done <- run(ctx, []string{"demo", "--addr", addr, "--db", filepath.Join(t.TempDir(), "demo.db")}, &out, quiet)
	}()
	var res *http.Response
	for i := 0; i < 100; i++ {
		if res, err = http.Get("http://" + addr + "/healthz"); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("server never answered: %v\n%s", err, out.String())
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("healthz = %d", res.StatusCode)
	}
	if !strings.Contains(out.String(), "Tracker running at http://"+addr+"/") || !strings.Contains(out.String(), "Login:") {
		t.Errorf("demo printed %q", out.String())
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("shutdown: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
}

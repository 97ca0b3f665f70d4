// Package mailtest runs Mailpit, a real SMTP server with an HTTP API, for
// tests: they send through it and read the messages back. Tests skip when
// mailpit is not installed, except under CI=true, where it must be (see
// .ci/run: go install github.com/axllent/mailpit@v1.33.1).
package mailtest

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Server is one Mailpit process.
type Server struct {
	SMTPPort int
	API      string
}

// Binary finds mailpit on PATH or in ~/go/bin; the test is skipped when
// it is not there, or fails under CI=true.
func Binary(t testing.TB) string {
	t.Helper()
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p
	}
	if home, err := os.UserHomeDir(); err == nil {
		p := filepath.Join(home, "go", "bin", "mailpit")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("mailpit is required when CI=true: go install github.com/axllent/mailpit@v1.33.1")
	}
	t.Skip("mailpit is not on PATH or in ~/go/bin (go install github.com/axllent/mailpit@v1.33.1); skipping the test against a real SMTP server")
	return ""
}

// FreePort returns a loopback port nothing listens on now.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start runs Mailpit on free loopback ports until the test ends.
func Start(t testing.TB) *Server { return StartOn(t, FreePort(t)) }

// StartOn runs Mailpit with its SMTP server on port.
func StartOn(t testing.TB, smtpPort int) *Server {
	t.Helper()
	bin := Binary(t)
	httpPort := FreePort(t)
	cmd := exec.Command(bin, "--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--disable-version-check", "--quiet", "--smtp-auth-accept-any", "--smtp-auth-allow-insecure")
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	s := &Server{SMTPPort: smtpPort, API: fmt.Sprintf("http://127.0.0.1:%d/api/v1", httpPort)}
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", smtpPort), time.Second)
		if err == nil {
			_ = c.Close()
			if resp, err := http.Get(s.API + "/messages"); err == nil {
				_ = resp.Body.Close()
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not start on port %d", smtpPort)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is the TRACKER_SMTP_URL that reaches this server.
func (s *Server) URL() string {
	return fmt.Sprintf("smtp://127.0.0.1:%d?tls=none&from=tracker@example.org", s.SMTPPort)
}

// Address is a sender or recipient.
type Address struct {
	Name    string
	Address string
}

// Message is a message as Mailpit read it.
type Message struct {
	ID      string
	From    Address
	To      []Address
	Subject string
	Text    string
	HTML    string
}

func (s *Server) get(t testing.TB, path string, into any) {
	t.Helper()
	resp, err := http.Get(s.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("mailpit %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatalf("mailpit %s: %v", path, err)
	}
}

// Messages lists the messages received, newest first, with their bodies.
func (s *Server) Messages(t testing.TB) []Message {
	t.Helper()
	var list struct{ Messages []Message }
	s.get(t, "/messages?limit=1000", &list)
	out := make([]Message, len(list.Messages))
	for i, m := range list.Messages {
		s.get(t, "/message/"+m.ID, &out[i])
	}
	return out
}

// Headers reads a message's headers.
func (s *Server) Headers(t testing.TB, id string) map[string][]string {
	t.Helper()
	h := map[string][]string{}
	s.get(t, "/message/"+id+"/headers", &h)
	return h
}

// Wait waits until n messages have arrived, and returns them.
func (s *Server) Wait(t testing.TB, n int, within time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var list struct{ Total int }
		s.get(t, "/messages", &list)
		if list.Total >= n || time.Now().After(deadline) {
			msgs := s.Messages(t)
			if len(msgs) != n {
				t.Fatalf("mailpit has %d messages, want %d", len(msgs), n)
			}
			return msgs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// isLoopback reports whether host (a name or an address, without port) is
// this machine's loopback: 127.0.0.0/8, ::1 or the name localhost. Other
// names are refused without asking DNS what they mean.
func isLoopback(host string) bool {
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// checkTarget reads the tracker's address and refuses anything that is not
// on the loopback interface: the driver is for measuring a tracker on this
// machine, never someone else's.
func checkTarget(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("the target %q is not an address: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("the target %q must be an http:// or https:// address", raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("the target %q names no host", raw)
	}
	if !isLoopback(host) {
		return nil, fmt.Errorf("refusing the target %q: the load driver only runs against a tracker on this machine's loopback interface (127.0.0.0/8, ::1 or localhost), and %q is not one", raw, host)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host, Path: strings.TrimRight(u.Path, "/")}, nil
}

// loopbackDialer connects only to loopback addresses, whatever a name
// resolved to, so not even a strange hosts file sends load elsewhere.
func loopbackDialer(timeout time.Duration) func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		remote, ok := conn.RemoteAddr().(*net.TCPAddr)
		if !ok || !remote.IP.IsLoopback() {
			_ = conn.Close()
			return nil, fmt.Errorf("refusing to talk to %s: not a loopback address", conn.RemoteAddr())
		}
		return conn, nil
	}
}

package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/civic-tracker/tracker/tracker/store"
)

// config is the tracker's configuration, from flags first, then TRACKER_*
// and DATABASE_URL environment variables, then defaults.
type config struct {
	DB            string
	Addr          string
	Migrate       bool
	SecureCookies bool
	TrustProxy    bool
}

const (
	defaultDB   = "tracker.db"
	defaultAddr = "127.0.0.1:8080"
)

func envOr(def string, names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return def
}

// dbFlag adds --db to a sub-command's flags.
func dbFlag(fs *flag.FlagSet, c *config) {
	fs.StringVar(&c.DB, "db", envOr(defaultDB, "DATABASE_URL", "TRACKER_DB"),
		"database: a postgres:// URL, or the path of a SQLite file (env DATABASE_URL or TRACKER_DB)")
}

// serveFlags adds the flags of commands that serve the web app.
func serveFlags(fs *flag.FlagSet, c *config) error {
	dbFlag(fs, c)
	fs.StringVar(&c.Addr, "addr", envOr(defaultAddr, "TRACKER_ADDR"), "host:port to listen on (env TRACKER_ADDR)")
	migrate := envOr("true", "TRACKER_MIGRATE")
	m, err := strconv.ParseBool(migrate)
	if err != nil {
		return fmt.Errorf("TRACKER_MIGRATE must be true or false, not %q", migrate)
	}
	fs.BoolVar(&c.Migrate, "migrate", m, "bring the database schema up to date before serving (env TRACKER_MIGRATE); when false, an outdated schema is refused")
	for _, b := range []struct {
		target      *bool
		name, env   string
		description string
	}{
		{&c.SecureCookies, "secure-cookies", "TRACKER_SECURE_COOKIES", "mark cookies Secure on every response (env TRACKER_SECURE_COOKIES); without it they are Secure on TLS requests"},
		{&c.TrustProxy, "trust-proxy", "TRACKER_TRUST_PROXY", "believe X-Forwarded-Proto and X-Forwarded-For from a TLS-terminating proxy (env TRACKER_TRUST_PROXY)"},
	} {
		v := envOr("false", b.env)
		parsed, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("%s must be true or false, not %q", b.env, v)
		}
		fs.BoolVar(b.target, b.name, parsed, b.description)
	}
	return nil
}

// validate checks the configuration and says what to change.
func (c config) validate(needAddr bool) error {
	var problems []string
	if strings.TrimSpace(c.DB) == "" {
		problems = append(problems, "--db is empty: give a SQLite file path or a postgres:// URL")
	} else if store.IsPostgresURL(c.DB) {
		if u, err := url.Parse(c.DB); err != nil || u.Host == "" {
			problems = append(problems, "--db looks like a PostgreSQL URL but cannot be read; expected postgres://user@host:5432/database")
		}
	}
	if needAddr {
		host, port, err := net.SplitHostPort(c.Addr)
		if err != nil {
			problems = append(problems, fmt.Sprintf("--addr %q is not host:port, for example 127.0.0.1:8080", c.Addr))
		} else if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
			problems = append(problems, fmt.Sprintf("--addr port %q must be a number from 0 to 65535", port))
		} else if host != "" && net.ParseIP(host) == nil && host != "localhost" {
			if _, err := net.LookupHost(host); err != nil {
				problems = append(problems, fmt.Sprintf("--addr host %q cannot be resolved", host))
			}
		}
	}
	if len(problems) > 0 {
		return errors.New("configuration problem:\n  " + strings.Join(problems, "\n  "))
	}
	return nil
}

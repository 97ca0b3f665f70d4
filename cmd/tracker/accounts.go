package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/civic-tracker/tracker/tracker"
	"github.com/civic-tracker/tracker/tracker/store"
)

// listFlag collects a flag given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ", ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// stdinIsTerminal reports whether standard input is a terminal rather than
// a pipe or file.
func stdinIsTerminal(in *os.File) bool {
	st, err := in.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// generatedPassword is a random password of 20 URL-safe characters.
func generatedPassword() string { return store.GeneratedPassword() }

// findOrganisation matches a name or short name exactly (ignoring case),
// or else a unique part of a name; an unknown or ambiguous name is an error
// that lists the candidates.
func findOrganisation(orgs []tracker.Organisation, name string) (tracker.Organisation, error) {
	var hits []tracker.Organisation
	for _, o := range orgs {
		if strings.EqualFold(o.Name, name) || strings.EqualFold(o.ShortName, name) {
			return o, nil
		}
		if strings.Contains(strings.ToLower(o.Name), strings.ToLower(name)) {
			hits = append(hits, o)
		}
	}
	if len(hits) == 1 {
		return hits[0], nil
	}
	quoted := func(list []tracker.Organisation) string {
		names := make([]string, len(list))
		for i, o := range list {
			names[i] = fmt.Sprintf("%q", o.Name)
		}
		return strings.Join(names, ", ")
	}
	if len(hits) > 1 {
		return tracker.Organisation{}, fmt.Errorf("organisation %q is ambiguous; it could be %s", name, quoted(hits))
	}
	return tracker.Organisation{}, fmt.Errorf("no organisation called %q; the tracker has %s", name, quoted(orgs))
}

// userCmd adds an account. The password is read from in when it is not a
// terminal; otherwise (or when in is nil) one is generated and printed once.
func userCmd(ctx context.Context, args []string, in *os.File, out io.Writer) error {
	if len(args) > 0 && args[0] == "reset-password" {
		return resetPasswordCmd(ctx, args[1:], in, out)
	}
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: tracker user add --email EMAIL --role admin|secretary|editor|viewer [--name NAME] [--org NAME, once per organisation]\n" +
			"       tracker user reset-password --email EMAIL")
	}
	var c config
	var email, role, name string
	var orgNames listFlag
	fs := newFlags("user add", out)
	dbFlag(fs, &c)
	fs.StringVar(&email, "email", "", "the person's email address, used to sign in")
	fs.StringVar(&role, "role", "", "admin, secretary, editor or viewer")
	fs.StringVar(&name, "name", "", "the person's name as shown in the history")
	fs.Var(&orgNames, "org", "an organisation whose content the person may change (repeat for several)")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u := tracker.User{Email: tracker.NormaliseEmail(email), Name: name, Role: role}
	if len(orgNames) > 0 {
		orgs, err := s.Organisations(ctx)
		if err != nil {
			return err
		}
		for _, n := range orgNames {
			o, err := findOrganisation(orgs, n)
			if err != nil {
				return err
			}
			u.Organisations = append(u.Organisations, o.ID)
		}
	}
	password, generated, err := readPassword(in)
	if err != nil {
		return err
	}
	ctx = tracker.WithActor(ctx, tracker.Actor{Name: "tracker user add", Channel: tracker.ChannelCommand})
	u, err = s.CreateUser(ctx, u, password)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(out, "Created %s account for %s.\n", u.Role, u.Email)
	if generated {
		fmt.Fprintf(out, "Password (shown once): %s\n", password)
	}
	return nil
}

// readPassword reads a password from in when it is not a terminal;
// otherwise (or when in is nil, or nothing was piped in) it makes one up
// and says so, for the caller to print once.
func readPassword(in *os.File) (password string, generated bool, err error) {
	if in != nil && !stdinIsTerminal(in) {
		b, err := io.ReadAll(io.LimitReader(in, 4096))
		if err != nil {
			return "", false, fmt.Errorf("read the password from standard input: %w", err)
		}
		password = strings.TrimRight(string(b), "\r\n")
	}
	if password == "" {
		return generatedPassword(), true, nil
	}
	return password, false, nil
}

// userError turns a validation error into its messages for the terminal.
func userError(err error) error {
	var invalid *tracker.ValidationError
	if errors.As(err, &invalid) {
		var msgs []string
		for _, m := range invalid.Fields {
			msgs = append(msgs, m)
		}
		sort.Strings(msgs)
		return errors.New(strings.Join(msgs, "; "))
	}
	return err
}

// resetPasswordCmd sets a new password for an account, as the accounts
// page does: piped in, or made up and printed once. Every API token of the
// account is revoked and every session ended.
func resetPasswordCmd(ctx context.Context, args []string, in *os.File, out io.Writer) error {
	var c config
	var email string
	fs := newFlags("user reset-password", out)
	dbFlag(fs, &c)
	fs.StringVar(&email, "email", "", "the email address of the account")
	if err := parse(fs, args); err != nil {
		return err
	}
	if email == "" {
		return errors.New("say whose password to reset: tracker user reset-password --email EMAIL")
	}
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, tracker.ErrNotFound) {
		return fmt.Errorf("no account for %q; the accounts page lists them", email)
	}
	if err != nil {
		return err
	}
	password, generated, err := readPassword(in)
	if err != nil {
		return err
	}
	ctx = tracker.WithActor(ctx, tracker.Actor{Name: "tracker user reset-password", Channel: tracker.ChannelCommand})
	done, err := s.ResetPassword(ctx, u.ID, password)
	if err != nil {
		return userError(err)
	}
	fmt.Fprintf(out, "Reset the password of %s: signed out of %s, %s revoked.\n", u.Email,
		plural(done.Sessions, "session", "sessions"), plural(done.Tokens, "API token", "API tokens"))
	if generated {
		fmt.Fprintf(out, "Password (shown once): %s\n", password)
	}
	return nil
}

// plural is "1 session" or "3 sessions".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func tokenCmd(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		return errors.New("usage: tracker token create --user EMAIL [--name NAME]")
	}
	var c config
	var email, name string
	fs := newFlags("token create", out)
	dbFlag(fs, &c)
	fs.StringVar(&email, "user", "", "the email address of the account the token acts for")
	fs.StringVar(&name, "name", "command line", "what the token is for")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByEmail(ctx, email)
	if errors.Is(err, tracker.ErrNotFound) {
		return fmt.Errorf("no account for %q; create one with tracker user add", email)
	}
	if err != nil {
		return err
	}
	plain, _, err := s.CreateToken(ctx, u.ID, name)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, plain)
	return nil
}

// demoAccounts creates the demo's accounts on an empty tracker and returns
// the lines that tell how to sign in.
func demoAccounts(ctx context.Context, s *store.Store) (string, error) {
	n, err := s.CountUsers(ctx)
	if err != nil {
		return "", err
	}
	if n > 0 {
		return "Login: sign in with an account of this database.", nil
	}
	ctx = tracker.WithActor(ctx, tracker.Actor{Name: "tracker demo", Channel: tracker.ChannelCommand})
	admin := generatedPassword()
	if _, err := s.CreateUser(ctx, tracker.User{Email: "admin@example.org", Name: "Demo administrator", Role: tracker.RoleAdmin}, admin); err != nil {
		return "", err
	}
	colp, err := s.FindOrganisationByName(ctx, "City of London Police")
	if err != nil {
		return "", err
	}
	chair := generatedPassword()
	if _, err := s.CreateUser(ctx, tracker.User{Email: "chair@example.org", Name: "Detective Superintendent Crime", Role: tracker.RoleEditor, Organisations: []int64{colp.ID}}, chair); err != nil {
		return "", err
	}
	return fmt.Sprintf("Login: admin@example.org / %s (administrator)\n       chair@example.org / %s (editor for City of London Police)", admin, chair), nil
}

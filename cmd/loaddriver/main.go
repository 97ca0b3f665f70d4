// Command loaddriver puts a running tracker under the load of its three
// kinds of user and measures each kind of request.
//
// It signs in every client through the sign-in form (each client its own
// session), then, for a while, plays working-group chairs posting progress
// updates, secretaries downloading PDF reports and board members browsing
// lists and search, in the proportions of -mix, reading every id and form
// from the pages as a browser would. Last it asks /healthz at the same
// concurrency, for comparison. It prints, per endpoint, the requests,
// errors, median and 99th percentile time and requests per second.
//
// It only runs against a tracker on this machine's loopback interface, and
// creates no accounts: make one first with
//
//	tracker user add --email load@example.org --role admin
//
// Usage:
//
//	loaddriver -url http://127.0.0.1:8080 -email load@example.org -password … [-clients 8] [-duration 15s]
//	           [-requests N] [-mix chair=1,secretary=1,board=4 | -only board] [-healthz 3s] [-json]
//
// The password may come from LOADDRIVER_PASSWORD instead of -password.
// Ctrl+C stops the run and prints what it measured so far.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK          = 0
	exitErrors      = 1 // the run went through but some requests failed
	exitUsage       = 2
	exitInterrupted = 130
)

// checkFlags checks the flags run read into cfg and returns the mix of
// personas to play: -only's, or -mix's.
func checkFlags(cfg Config, only, mixFlag string, mixSet bool) ([]weight, error) {
	var mix []weight
	var err error
	switch {
	case only != "" && mixSet:
		err = errors.New("give -mix or -only, not both")
	case only != "":
		mix, err = parseOnly(only)
	default:
		mix, err = parseMix(mixFlag)
	}
	if err == nil {
		_, err = checkTarget(cfg.Target)
	}
	if err == nil && cfg.Clients < 1 {
		err = errors.New("-clients must be 1 or more")
	}
	if err == nil && (cfg.Duration < 0 || cfg.Requests < 0 || cfg.Healthz < 0) {
		err = errors.New("-duration, -requests and -healthz cannot be negative")
	}
	if err == nil && (cfg.Email == "" || cfg.Password == "") {
		err = errors.New("give the account to sign in with: -email and -password (or LOADDRIVER_PASSWORD); create one with `tracker user add --email load@example.org --role admin`")
	}
	return mix, err
}

// writeReport prints the results as a table, or as JSON.
func writeReport(w io.Writer, rep *Report, asJSON bool) error {
	if !asJSON {
		writeTable(w, rep)
		return nil
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("loaddriver", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("url", "http://127.0.0.1:8080", "the tracker's address; only 127.0.0.0/8, ::1 and localhost are accepted")
	email := fs.String("email", "", "the `email` of the account every client signs in as (make it with tracker user add); it must be allowed to post updates: an admin, say")
	password := fs.String("password", "", "its password; LOADDRIVER_PASSWORD when not given")
	clients := fs.Int("clients", 8, "how many clients run at once, each signed in with its own session")
	duration := fs.Duration("duration", 15*time.Second, "how long to play the mix of users")
	requests := fs.Int("requests", 0, "stop the mix after this many requests (0: no cap)")
	mixFlag := fs.String("mix", defaultMix, "visits of each persona per round: chair, secretary, board, lists")
	only := fs.String("only", "", "play only these personas, equally: board, or lists (the list pages alone), or chair,secretary")
	healthz := fs.Duration("healthz", 3*time.Second, "how long to ask /healthz at the same concurrency afterwards (0: not at all)")
	timeout := fs.Duration("timeout", time.Minute, "give up on a request after this long")
	seed := fs.Uint64("seed", 0, "seed of the random choices (0: a new one each run)")
	asJSON := fs.Bool("json", false, "print the results as JSON instead of a table")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: loaddriver -url http://127.0.0.1:8080 -email EMAIL -password PASSWORD [flags]")
		fmt.Fprintln(stderr, "Puts a tracker on this machine under the load of chairs, secretaries and board members and measures each endpoint.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "loaddriver: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	mixSet := false
	fs.Visit(func(f *flag.Flag) { mixSet = mixSet || f.Name == "mix" })
	if *password == "" {
		*password = os.Getenv("LOADDRIVER_PASSWORD")
	}
	var cfg Config
	cfg.Target, cfg.Email, cfg.Password = *target, *email, *password
	cfg.Clients, cfg.Duration, cfg.Requests, cfg.Healthz = *clients, *duration, *requests, *healthz
	mix, err := checkFlags(cfg, *only, *mixFlag, mixSet)
	cfg.Mix = mix
	if err != nil {
		fmt.Fprintln(stderr, "loaddriver:", err)
		return exitUsage
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	cfg.Timeout, cfg.Seed, cfg.Progress = *timeout, *seed, stderr

	// The first Ctrl+C stops the run and prints what it has; a second one,
	// once the handler is gone, ends the program at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	rep, err := Run(ctx, cfg)
	interrupted := ctx.Err() != nil
	stop()
	if err != nil {
		fmt.Fprintln(stderr, "loaddriver:", err)
		if interrupted {
			return exitInterrupted
		}
		return exitErrors
	}
	if err := writeReport(stdout, rep, *asJSON); err != nil {
		fmt.Fprintln(stderr, "loaddriver:", err)
		return exitErrors
	}
	switch {
	case rep.Interrupted:
		return exitInterrupted
	case rep.Errors() > 0:
		fmt.Fprintf(stderr, "loaddriver: %d errors\n", rep.Errors())
		return exitErrors
	}
	return exitOK
}

package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/civic-tracker/tracker/tracker/store"
)

// The whole-tracker backup: "tracker export --all FILE" and
// "tracker import --all FILE". The format is described in
// tracker/store/backup.go and in the README under "Backup and restore".

const exportUsage = `say what to export: "tracker export --all FILE" writes a backup of the whole tracker
(FILE ending in .gz is compressed; "-" writes to standard output).
Single lists download as CSV or XLSX from their pages (the links under each list)`

// parseWithFile parses flags that may come before or after one FILE
// argument, and returns FILE.
func parseWithFile(fs *flag.FlagSet, args []string, usage string) (string, error) {
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	switch len(files) {
	case 0:
		return "", errors.New(usage)
	case 1:
		return files[0], nil
	}
	return "", fmt.Errorf("give one file, not %d (%s)", len(files), strings.Join(files, ", "))
}

// sqliteMustExist stops a command that reads a database from creating an
// empty SQLite file when the path is mistyped.
func sqliteMustExist(dsn string) error {
	if store.IsPostgresURL(dsn) {
		return nil
	}
	if _, err := os.Stat(dsn); err != nil {
		return fmt.Errorf("there is no SQLite database at %s, and none was created: give the path of an existing tracker database with --db (or DATABASE_URL), or make one first, e.g. \"tracker seed --example --db %s\" for the example data", dsn, dsn)
	}
	return nil
}

func exportCmd(ctx context.Context, args []string, out io.Writer) error {
	var c config
	var all bool
	fs := newFlags("export", out)
	dbFlag(fs, &c)
	fs.BoolVar(&all, "all", false, "write the whole tracker, history and accounts included, as one backup file")
	file, err := parseWithFile(fs, args, exportUsage)
	if err != nil {
		return err
	}
	if !all {
		return errors.New(exportUsage)
	}
	if err := c.validate(false); err != nil {
		return err
	}
	if err := sqliteMustExist(c.DB); err != nil {
		return err
	}
	s, err := store.Open(ctx, c.DB, store.WithClock(clock))
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	if file == "-" {
		_, err := s.ExportAll(ctx, out)
		return err
	}
	sum, err := writeAtomically(file, func(w io.Writer) (store.BackupSummary, error) {
		if strings.HasSuffix(strings.ToLower(file), ".gz") {
			zw := gzip.NewWriter(w)
			sum, err := s.ExportAll(ctx, zw)
			if err != nil {
				return sum, err
			}
			return sum, zw.Close()
		}
		return s.ExportAll(ctx, w)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Wrote a backup of the whole tracker to %s: %d rows in %d tables, schema %s, in %s.\n",
		file, sum.Rows(), len(sum.Tables), sum.Schema, time.Since(start).Round(time.Millisecond))
	fmt.Fprintln(out, "Sign-ins are not part of a backup; after a restore everyone signs in again.")
	return nil
}

// writeAtomically writes to a temporary file beside path and renames it
// into place only when fn succeeds, so a failed backup never replaces or
// looks like a good one.
func writeAtomically(path string, fn func(io.Writer) (store.BackupSummary, error)) (store.BackupSummary, error) {
	var sum store.BackupSummary
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.partial")
	if err != nil {
		return sum, fmt.Errorf("cannot write the backup in %s: %w", filepath.Dir(path), err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 1<<16)
	if sum, err = fn(bw); err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return sum, fmt.Errorf("no backup was written: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return sum, fmt.Errorf("cannot put the backup at %s: %w", path, err)
	}
	return sum, nil
}

// importAllCmd restores a backup into an empty database; with requireAll
// it insists on --all, so "tracker import FILE" without it is not mistaken
// for a restore.
func importAllCmd(ctx context.Context, args []string, out io.Writer) error {
	const usage = `say what to import: "tracker import --all FILE" restores a backup made by "tracker export --all" into a new, empty database`
	var c config
	var all bool
	fs := newFlags("import", out)
	dbFlag(fs, &c)
	fs.BoolVar(&all, "all", false, "restore a whole-tracker backup made by \"tracker export --all\" into a new, empty database")
	file, err := parseWithFile(fs, args, usage)
	if err != nil {
		return err
	}
	in, err := openBackup(file)
	if err != nil {
		return err
	}
	defer in.Close()
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	sum, err := s.ImportAll(ctx, in)
	if err != nil {
		if errors.Is(err, store.ErrNotBackup) {
			return fmt.Errorf("%s: %w", file, err)
		}
		return err
	}
	fmt.Fprintf(out, "Restored %s: %d rows in %d tables (schema %s) in %s; the search index was rebuilt.\n",
		file, sum.Rows(), len(sum.Tables), sum.Schema, time.Since(start).Round(time.Millisecond))
	if sum.TruncatedTimes > 0 {
		fmt.Fprintf(out, "PostgreSQL keeps times to the microsecond: %d time(s) in the backup were more precise and were cut to the microsecond.\n", sum.TruncatedTimes)
	}
	if sum.StrippedNULs > 0 {
		fmt.Fprintf(out, "PostgreSQL cannot store the NUL character (U+0000): %d were removed from the backup's text.\n", sum.StrippedNULs)
	}
	fmt.Fprintln(out, "Sign-ins were not restored: everyone signs in again.")
	return nil
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r readCloser) Close() error { return r.close() }

// openBackup opens a backup file, or standard input for "-", and
// decompresses it when it is gzip, whatever its name.
func openBackup(file string) (io.ReadCloser, error) {
	var f io.ReadCloser = os.Stdin
	if file != "-" {
		var err error
		if f, err = os.Open(file); err != nil {
			return nil, fmt.Errorf("cannot read the backup: %w", err)
		}
	}
	br := bufio.NewReaderSize(f, 1<<16)
	head, _ := br.Peek(2)
	if !bytes.Equal(head, []byte{0x1f, 0x8b}) {
		return readCloser{br, f.Close}, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("%s looks compressed but cannot be read: %w", file, err)
	}
	return readCloser{zr, func() error { _ = zr.Close(); return f.Close() }}, nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/civic-tracker/tracker/tracker/example"
)

// generateCmd adds a large generated source for benchmarks and load tests.
func generateCmd(ctx context.Context, args []string, out io.Writer) error {
	var c config
	var size example.Size
	fs := newFlags("generate", out)
	dbFlag(fs, &c)
	fs.IntVar(&size.Recommendations, "recommendations", 1000, "how many recommendations")
	fs.IntVar(&size.Actions, "actions", 3000, "how many actions, spread over the recommendations")
	fs.IntVar(&size.Updates, "updates", 10000, "how many progress updates, spread over the actions")
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := c.openMigrated(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	start := time.Now()
	id, err := example.Generate(ctx, s, size)
	if err != nil {
		return err
	}
	if err := s.Analyze(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "Generated source %d: %d recommendations, %d actions, %d updates in %s.\n", id, size.Recommendations, size.Actions, size.Updates, time.Since(start).Round(time.Millisecond))
	return nil
}

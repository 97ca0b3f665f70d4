package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestReportNoActions: `tracker report reference --no-actions` prints the
// reply's recommendations and responses without their actions.
func TestReportNoActions(t *testing.T) {
	t.Parallel()
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext (poppler-utils) is required when CI=true")
		}
		t.Skip("pdftotext not found: install poppler-utils to read the PDFs back")
	}
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "t.db")
	if err := run(ctx, []string{"seed", "--example", "--db", db}, io.Discard, quiet); err != nil {
		t.Fatal(err)
	}
	text := func(extra ...string) string {
		out := filepath.Join(dir, "reply.pdf")
		args := append([]string{"report", "reference", "--db", db, "--ref", "13", "-o", out}, extra...)
		if err := run(ctx, args, io.Discard, quiet); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		b, err := exec.Command(pdftotext, "-enc", "UTF-8", out, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(b)), " ")
	}
	with, without := text(), text("--no-actions")
	if !strings.Contains(with, "Look at call handling") {
		t.Error("the reply lacks its actions")
	}
	if strings.Contains(without, "Look at call handling") || strings.Contains(without, "Latest update") || !strings.Contains(without, "Recommendation 2") {
		t.Errorf("--no-actions: %.400s", without)
	}
}

package main

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/civic-tracker/tracker/tracker"
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

// TestMeetingCommandsAndSchedule: `tracker meeting list|add|set` manage
// meetings through the commands, and `tracker report schedule` prints the
// example Sub-Committee meeting's schedule, as issued, with Outstanding
// Reference 13, the same bytes twice; a planned meeting's schedule freezes
// when its papers are issued.
func TestMeetingCommandsAndSchedule(t *testing.T) {
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
	cli := func(args ...string) string {
		t.Helper()
		var out strings.Builder
		if err := run(ctx, append(args, "--db", db), &out, quiet); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	list := cli("meeting", "list")
	if !strings.Contains(list, "Performance and Resource Management Sub-Committee") || !strings.Contains(list, "24 April 2022\tpapers 14 April 2022\tHeld\tOversight Board") {
		t.Fatalf("meeting list:\n%s", list)
	}
	prm := strings.Fields(cli("meeting", "list", "--body", "PRM Sub-Committee"))[0]
	pdf := func(id string) (string, []byte) {
		t.Helper()
		out := filepath.Join(dir, "schedule-"+id+".pdf")
		cli("report", "schedule", "--meeting", id, "-o", out)
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		b, err := exec.Command(pdftotext, "-enc", "UTF-8", out, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(strings.Fields(string(b)), " "), raw
	}
	text, first := pdf(prm)
	for _, want := range []string{"Schedule of outstanding references", "Outstanding Reference: 13 – Victim Satisfaction Action Plan", "City of London Police",
		"Detective Superintendent Crime", "Proposed for closure Yes", "Page 1 of", "15 July 2013"} {
		if !strings.Contains(text, want) {
			t.Errorf("the schedule lacks %q: %.600s", want, text)
		}
	}
	// The example meeting of 15 July 2013, recorded as held long after:
	// its schedule is the tracker as it stood at its papers deadline.
	for _, want := range []string{"As at 5 July 2013", "Issued: the references as they stood at the papers deadline, 5 July 2013 (recorded "} {
		if !strings.Contains(text, want) {
			t.Errorf("the schedule lacks %q: %.800s", want, text)
		}
	}
	if strings.Contains(text, "Issued "+tracker.FormatDate(time.Now())) {
		t.Errorf("the schedule says it is as at the day it was loaded: %.800s", text)
	}
	if !strings.Contains(string(first), "/Outlines") {
		t.Error("the schedule has no bookmarks")
	}
	if _, again := pdf(prm); string(again) != string(first) {
		t.Error("the same schedule printed twice gave different bytes")
	}

	added := cli("meeting", "add", "--body", "PRM Sub-Committee", "--date", "2099-03-12", "--papers", "01/03/2099", "--notes", "Guildhall – “Room 1”")
	if !strings.Contains(added, "Performance and Resource Management Sub-Committee, 12 March 2099, papers due 1 March 2099") {
		t.Fatalf("meeting add: %s", added)
	}
	id := strings.TrimSuffix(strings.Fields(added)[2], ":")
	if err := run(ctx, []string{"meeting", "set", "--db", db, "--meeting", id, "--papers", "2099-03-20"}, io.Discard, quiet); err == nil || !strings.Contains(err.Error(), "on or before the day of the meeting") {
		t.Errorf("a papers deadline after the meeting: %v", err)
	}
	if got := cli("meeting", "set", "--meeting", id, "--status", "papers_issued"); !strings.Contains(got, "papers issued") {
		t.Errorf("meeting set: %s", got)
	}
	if text, _ := pdf(id); !strings.Contains(text, "Victim Satisfaction Action Plan") || !strings.Contains(text, "Issued") {
		t.Errorf("the new meeting's issued schedule: %.400s", text)
	}
}

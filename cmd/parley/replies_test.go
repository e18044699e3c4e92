package main

import (
	"strings"
	"testing"
)

// TestReplyCommands adds, changes, lists and removes saved replies, and
// refuses a bad shortcut and a missing one.
func TestReplyCommands(t *testing.T) {
	t.Setenv("PARLEY_DATA_DIR", t.TempDir())
	if out := mustRun(t, "reply", "add", "--shortcut", "#shipping", "--text", "We ship in 2 days."); !strings.Contains(out, "added the saved reply #shipping of license 123") {
		t.Errorf("reply add printed %q", out)
	}
	mustRun(t, "reply", "add", "--shortcut", "hello", "--text", "Hello 👋")
	if out := mustRun(t, "reply", "add", "--shortcut", "shipping", "--text", "We ship in one day."); !strings.Contains(out, "changed") {
		t.Errorf("reply add of a taken shortcut printed %q", out)
	}
	out := mustRun(t, "reply", "list")
	if !strings.Contains(out, "#hello") || !strings.Contains(out, "We ship in one day.") || strings.Index(out, "#hello") > strings.Index(out, "#shipping") {
		t.Errorf("reply list printed %q", out)
	}
	if _, err := runCLI(t, "reply", "add", "--shortcut", "Not Valid", "--text", "x"); err == nil {
		t.Error("a bad shortcut: no error")
	}
	mustRun(t, "reply", "remove", "--shortcut", "shipping")
	if _, err := runCLI(t, "reply", "remove", "--shortcut", "shipping"); err == nil {
		t.Error("removing a missing reply: no error")
	}
	if out := mustRun(t, "reply", "list"); strings.Contains(out, "#shipping") {
		t.Errorf("after remove: %q", out)
	}
}

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterrupt: SIGINT while reading stops the run, removes partial
// outputs and exits 130 — even when a read is blocked on a pipe. It leaves
// nothing that was not there before: an existing output directory stays
// empty, one the export created is removed.
func TestInterrupt(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			out := t.TempDir()
			interruptExport(t, sig, out)
			if entries, _ := os.ReadDir(out); len(entries) > 0 {
				t.Errorf("the existing output directory is left with %v", entries)
			}
		})
		t.Run(sig.String()+"/new directory", func(t *testing.T) {
			base := t.TempDir()
			interruptExport(t, sig, filepath.Join(base, "new", "out"))
			if entries, _ := os.ReadDir(base); len(entries) > 0 {
				t.Errorf("the directories export created are left behind: %v", entries)
			}
		})
	}
}

// interruptExport starts an export to out reading a pipe that never
// closes, signals it once its output exists, and checks the exit.
func interruptExport(t *testing.T, sig syscall.Signal, out string) {
	cmd := exec.Command(os.Args[0], "export", "-o", out, "-")
	cmd.Env = append(os.Environ(), "KEYAUDIT_RUN_MAIN=1")
	stdin, err := cmd.StdinPipe() // held open, never written: the read blocks
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// wait until the export has its temporary output open
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if entries, _ := os.ReadDir(out); len(entries) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if entries, _ := os.ReadDir(out); len(entries) == 0 {
		t.Fatal("export never created its temporary output")
	}
	cmd.Process.Signal(sig)
	err = waitTimeout(cmd, 15*time.Second)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupt {
		t.Fatalf("exit: %v, want code %d; stderr:\n%s", err, exitInterrupt, stderr.String())
	}
	var left []string
	filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Fatalf("partial outputs left behind: %s", strings.Join(left, ", "))
	}
	if !strings.Contains(stderr.String(), "interrupted") {
		t.Errorf("stderr does not say it was interrupted: %s", stderr.String())
	}
}

func waitTimeout(cmd *exec.Cmd, d time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cmd.Process.Kill()
		return errors.New("timed out")
	}
}

// Command keyaudit audits AWS IAM access keys offline, from IAM credential
// reports and CloudTrail logs. See README.md.
package main

import (
	"os"
	"runtime/debug"
	"runtime/pprof"
)

// gcPercent trades a little GC work (about 1% of CPU at the default) for a
// smaller peak heap: event batches are short-lived, so the heap's live
// part is small and GOGC=100 would let it double. Measured with make bench:
// peak RSS -20%, no change in time. $GOGC still wins.
const gcPercent = 50

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	// KEYAUDIT_CPUPROFILE=FILE profiles a run (for developers; see docs/BENCH.md).
	if path := os.Getenv("KEYAUDIT_CPUPROFILE"); path != "" {
		if f, err := os.Create(path); err == nil && pprof.StartCPUProfile(f) == nil {
			code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
			pprof.StopCPUProfile()
			f.Close()
			os.Exit(code)
		}
	}
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

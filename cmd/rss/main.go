// Command rss runs a command and prints, on stderr (or to -o FILE), one
// line with its wall time, CPU time and peak RSS:
//
//	rss [-label L] [-o FILE] -- command [args...]
//	L wall_s=1.234 user_s=0.900 sys_s=0.100 maxrss_kb=51200 exit=0
//
// The command's exit status is passed through.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/keyaudit/keyaudit/internal/rss"
)

func main() {
	label := flag.String("label", "run", "label printed before the measurements")
	out := flag.String("o", "", "append the measurement line to this file instead of stderr")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: rss [-label L] [-o FILE] -- command [args...]")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	r, err := rss.Run(context.Background(), flag.Args(), os.Stdin, os.Stdout, os.Stderr, time.Now)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(127)
	}
	line := r.Format(*label) + "\n"
	if *out == "" {
		os.Stderr.WriteString(line)
	} else {
		f, err := os.OpenFile(*out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "rss:", err)
			os.Exit(127)
		}
		f.WriteString(line)
		f.Close()
	}
	if r.ExitCode < 0 {
		os.Exit(128)
	}
	os.Exit(r.ExitCode)
}

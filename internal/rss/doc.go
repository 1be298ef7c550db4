// Package rss runs a command and reports its wall time, CPU time and peak
// resident set size (from the wait4 rusage, which on Linux covers the
// largest of the command and its waited-for descendants). It stands in for
// GNU time, which is not installed everywhere.
package rss

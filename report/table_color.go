package report

import "strings"

// ANSI SGR sequences used by SeverityColorize.
const (
	ansiReset   = "\x1b[0m"
	ansiBoldRed = "\x1b[1;31m"
	ansiRed     = "\x1b[31m"
	ansiYellow  = "\x1b[33m"
	ansiCyan    = "\x1b[36m"
)

// SeverityColorize is the default Options.Colorize: in a column named
// "severity", the values critical, high, medium and low (any case) are
// coloured bold red, red, yellow and cyan. Everything else is returned
// unchanged.
func SeverityColorize(col, val string) string {
	if col != "severity" {
		return val
	}
	var code string
	switch strings.ToLower(val) {
	case "critical":
		code = ansiBoldRed
	case "high":
		code = ansiRed
	case "medium":
		code = ansiYellow
	case "low":
		code = ansiCyan
	default:
		return val
	}
	return code + val + ansiReset
}

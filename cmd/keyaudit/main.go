// Command keyaudit audits AWS IAM access keys offline, from IAM credential
// reports and CloudTrail logs. See README.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

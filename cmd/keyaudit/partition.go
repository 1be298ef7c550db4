package main

import (
	"fmt"
	"regexp"
	"time"

	"github.com/keyaudit/keyaudit/analyze/keyid"
)

// Partition values come from log records, which whoever can write to the
// bucket controls; they become path components only when they are what
// they claim to be. Anything else goes to Hive's default partition (the
// name Hive, Spark, Athena and Trino give a NULL partition value), and the
// rows keep their real value in the recipient_account_id column.
const hiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// dateRe is what a partition date must look like.
var dateRe = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// Why a value went to the default partition.
const (
	partOK = iota
	partMissing
	partInvalid
)

// accountPart returns the partition value for a recipientAccountId (valid
// false for a null) and why it is the default partition, if it is.
func accountPart(v string, valid bool) (string, int) {
	switch {
	case !valid || v == "":
		return hiveDefaultPartition, partMissing
	case keyid.IsAccountID(v):
		return v, partOK
	}
	return hiveDefaultPartition, partInvalid
}

// datePart formats a day number (days since 1970-01-01, UTC) as
// YYYY-MM-DD, or the default partition for years that do not fit four
// digits.
func datePart(day int64) string {
	d := time.Unix(day*86400, 0).UTC().Format("2006-01-02")
	if !dateRe.MatchString(d) {
		return hiveDefaultPartition
	}
	return d
}

// partitionReport says, in one line each, how many events went to a
// default partition and why; nil when none did.
func partitionReport(badAccount, noAccount, badDate int64) []string {
	var lines []string
	if noAccount > 0 {
		lines = append(lines, fmt.Sprintf("export: %s without recipientAccountId went to account_id=%s", plural(noAccount, "event"), hiveDefaultPartition))
	}
	if badAccount > 0 {
		lines = append(lines, fmt.Sprintf("export: %s whose recipientAccountId is not a 12-digit account ID went to account_id=%s (the value is kept in the recipient_account_id column)", plural(badAccount, "event"), hiveDefaultPartition))
	}
	if badDate > 0 {
		lines = append(lines, fmt.Sprintf("export: %s whose eventTime is not a date between years 0000 and 9999 went to date=%s", plural(badDate, "event"), hiveDefaultPartition))
	}
	return lines
}

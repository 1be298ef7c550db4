package inventory

import (
	"slices"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// Columns returns the event columns that Builder and Activity read: the
// union of BuilderColumns and ActivityColumns. A run that feeds only them
// may leave the other columns null (ingest.Options.OmitColumns with
// ct.OmitAllBut(Columns())), which saves copying them; TestColumns checks
// that the list is complete.
func Columns() []int {
	cols := append(BuilderColumns(), ActivityColumns()...)
	slices.Sort(cols)
	return slices.Compact(cols)
}

// BuilderColumns are the event columns whose values reach the Builder
// through the facts its Add makes: the columns of facts.EventColumns that
// make the key_use, session_use, key_lifecycle and event_accounts columns
// it reads, and their filters. The Aggregator reads the others too (for
// sts_issue, principals and the session grain), but the Builder ignores
// what they give.
func BuilderColumns() []int {
	return []int{
		// key_use and session_use: grain, filters, times; event_accounts.
		ct.ColEventTime, ct.ColEventSource, ct.ColAWSRegion, ct.ColSourceIPAddress, ct.ColUserAgent,
		ct.ColRecipientAccountID, ct.ColUIType, ct.ColUIARN, ct.ColUIAccountID, ct.ColUIAccessKeyID,
		ct.ColUIUserName,
		// key_lifecycle: every column (the replay order reads them all).
		ct.ColEventName, ct.ColEventID, ct.ColSharedEventID, ct.ColErrorCode,
		ct.ColReqUserName, ct.ColReqAccessKeyID, ct.ColReqStatus,
		ct.ColRespAccessKeyID, ct.ColRespAccessKeyCreateDate, ct.ColRespAccessKeyUserName,
	}
}

// ActivityColumns are the event columns Activity reads: it still reads
// events, not facts.
func ActivityColumns() []int {
	return []int{
		ct.ColEventTime, ct.ColEventSource, ct.ColEventName, ct.ColAWSRegion, ct.ColSourceIPAddress,
		ct.ColUserAgent, ct.ColErrorCode, ct.ColEventID, ct.ColSharedEventID, ct.ColRecipientAccountID,
		ct.ColUIType, ct.ColUIARN, ct.ColUIAccountID, ct.ColUIAccessKeyID, ct.ColUIUserName,
		ct.ColRespCredentialsAccessKeyID, ct.ColRespCredentialsExpiration, ct.ColRespAssumedRoleARN,
		ct.ColReqUserName, ct.ColReqAccessKeyID, ct.ColReqStatus, ct.ColRespAccessKeyID,
	}
}

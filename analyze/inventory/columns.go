package inventory

import ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"

// Columns returns the event columns that Builder and Activity read. A run
// that feeds only them may leave the other columns null
// (ingest.Options.OmitColumns with ct.OmitAllBut(Columns())), which saves
// copying them; TestColumns checks that the list is complete.
func Columns() []int {
	return []int{
		ct.ColEventTime, ct.ColEventSource, ct.ColEventName, ct.ColAWSRegion, ct.ColSourceIPAddress,
		ct.ColUserAgent, ct.ColErrorCode, ct.ColEventID, ct.ColSharedEventID, ct.ColRecipientAccountID,
		ct.ColUIType, ct.ColUIARN, ct.ColUIAccountID, ct.ColUIAccessKeyID, ct.ColUIUserName,
		ct.ColRespCredentialsAccessKeyID, ct.ColRespCredentialsExpiration, ct.ColRespAssumedRoleARN,
		ct.ColReqUserName, ct.ColReqAccessKeyID, ct.ColReqStatus,
		ct.ColRespAccessKeyID, ct.ColRespAccessKeyCreateDate, ct.ColRespAccessKeyUserName,
	}
}

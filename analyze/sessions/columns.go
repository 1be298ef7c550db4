package sessions

import ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"

// Columns returns the event columns that Builder reads. A run that feeds
// only a Builder may leave the other columns null
// (ingest.Options.OmitColumns with ct.OmitAllBut(Columns())), which saves
// copying them; TestColumns checks that the list is complete.
func Columns() []int {
	return []int{
		ct.ColEventTime, ct.ColEventName, ct.ColSourceIPAddress, ct.ColUserAgent, ct.ColErrorCode,
		ct.ColEventID, ct.ColSharedEventID, ct.ColRecipientAccountID, ct.ColRequestID,
		ct.ColUIType, ct.ColUIPrincipalID, ct.ColUIARN, ct.ColUIAccountID, ct.ColUIAccessKeyID, ct.ColUIInvokedBy,
		ct.ColUIIssuerType, ct.ColUIIssuerARN, ct.ColUISessionCreationDate, ct.ColUISourceIdentity,
		ct.ColSessionCredentialFromConsole,
		ct.ColRespCredentialsAccessKeyID, ct.ColRespAssumedRoleARN,
		ct.ColReqRoleARN, ct.ColReqRoleSessionName, ct.ColReqPrincipalARN, ct.ColReqSourceIdentity,
		ct.ColRespSubject, ct.ColRespProvider, ct.ColRespSubjectFromWebIdentityToken,
		ct.ColReqTargetPrincipal, ct.ColReqName,
	}
}

package inventory

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// ErrEventSchema is the cause of the error Add returns for a record that
// does not have cloudtrail.EventSchema's columns.
var ErrEventSchema = cloudtrail.ErrSchema

// Identity types and names that matter here.
const (
	typeIAMUser = "IAMUser"
	typeRoot    = "Root"
	iamSource   = "iam.amazonaws.com"

	// RootUser is the user name of the root row of a credential report and
	// of root keys in the inventory.
	RootUser = "<root_account>"

	errLimitExceeded = "LimitExceededException"
)

// events is the checked, typed view of one event record (cloudtrail.View)
// with the IAM helpers below. It is only valid during the Add call.
type events struct{ *cloudtrail.View }

func newEvents(rec arrow.Record) (*events, error) {
	v, err := cloudtrail.NewView(rec)
	if err != nil {
		return nil, err
	}
	return &events{v}, nil
}

// callerUser is the user a self-service IAM call acts on: the caller's own
// user name, <root_account> for root, "" for any other identity.
func (e *events) callerUser(i int) string {
	switch e.Str(cloudtrail.ColUIType, i) {
	case typeRoot:
		return RootUser
	case typeIAMUser:
		return e.Str(cloudtrail.ColUIUserName, i)
	}
	return ""
}

// targetUser is the user an IAM access-key call acts on:
// requestParameters.userName, else the caller (self-service).
func (e *events) targetUser(i int) string {
	if u := e.Str(cloudtrail.ColReqUserName, i); u != "" {
		return u
	}
	return e.callerUser(i)
}

// longTermKeyID reports whether id looks like a long-term access key ID:
// AKIA and 20 upper-case letters or digits. Pseudonymised IDs that are not
// valid base32 (a '0', '1', '8' or '9') still count, so their use is
// inventoried; sanitised placeholders such as AKIA**************** do not.
func longTermKeyID(id string) bool {
	if len(id) != 20 || !strings.HasPrefix(id, "AKIA") {
		return false
	}
	for i := 4; i < len(id); i++ {
		c := id[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

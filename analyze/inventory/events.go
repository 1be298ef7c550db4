package inventory

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"

	"github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// ErrEventSchema is the cause of the error Add returns for a record that
// does not have cloudtrail.EventSchema's columns.
var ErrEventSchema = errors.New("record is not a CloudTrail event record")

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

// events is a typed view of one event record's columns. It holds the
// record's arrays, so it is only valid during the Add call.
type events struct {
	n    int
	time *array.Timestamp
	str  [cloudtrail.NumColumns]*array.String
	ts   [cloudtrail.NumColumns]*array.Timestamp
}

func newEvents(rec arrow.Record) (*events, error) {
	if rec == nil {
		return nil, fmt.Errorf("%w: nil record", ErrEventSchema)
	}
	sc := rec.Schema()
	if sc.NumFields() < cloudtrail.NumColumns {
		return nil, fmt.Errorf("%w: %d columns, want %d", ErrEventSchema, sc.NumFields(), cloudtrail.NumColumns)
	}
	ev := &events{n: int(rec.NumRows())}
	for i := 0; i < cloudtrail.NumColumns; i++ {
		f := sc.Field(i)
		want := cloudtrail.EventSchema.Field(i)
		if f.Name != want.Name || !arrow.TypeEqual(f.Type, want.Type) {
			return nil, fmt.Errorf("%w: column %d is %s %s, want %s %s", ErrEventSchema, i, f.Name, f.Type, want.Name, want.Type)
		}
		switch c := rec.Column(i).(type) {
		case *array.String:
			ev.str[i] = c
		case *array.Timestamp:
			ev.ts[i] = c
		}
	}
	ev.time = ev.ts[cloudtrail.ColEventTime]
	return ev, nil
}

// s returns column col of row i; "" when null. The string points into the
// record's memory: clone it (strings.Clone) before keeping it.
func (e *events) s(col, i int) string {
	c := e.str[col]
	if c == nil || c.IsNull(i) {
		return ""
	}
	return c.Value(i)
}

// t returns timestamp column col of row i in Unix milliseconds; 0 when null.
func (e *events) t(col, i int) int64 {
	c := e.ts[col]
	if c == nil || c.IsNull(i) {
		return 0
	}
	return int64(c.Value(i))
}

// callerUser is the user a self-service IAM call acts on: the caller's own
// user name, <root_account> for root, "" for any other identity.
func (e *events) callerUser(i int) string {
	switch e.s(cloudtrail.ColUIType, i) {
	case typeRoot:
		return RootUser
	case typeIAMUser:
		return e.s(cloudtrail.ColUIUserName, i)
	}
	return ""
}

// targetUser is the user an IAM access-key call acts on:
// requestParameters.userName, else the caller (self-service).
func (e *events) targetUser(i int) string {
	if u := e.s(cloudtrail.ColReqUserName, i); u != "" {
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

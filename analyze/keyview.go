package analyze

import (
	"errors"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/keyaudit/keyaudit/ingest/credreport"
)

// ErrKeySchema is the cause of every error about a record that does not have
// the per-key view's columns (credreport.KeySchema).
var ErrKeySchema = errors.New("record is not a per-key view")

// Key is one row of the per-key view: one existing access-key slot of one
// user. Zero times are nulls.
type Key struct {
	AccountID      string
	User           string
	ARN            string
	IsRoot         bool
	Slot           int // 1 or 2
	Active         bool
	LastRotated    time.Time // creation or last rotation; zero if unknown
	LastUsed       time.Time // zero when never used or unknown
	LastUsedState  string    // credreport.StateUsed, StateNever or StateNoInformation
	UserKeyCount   int       // existing slots of this user: 1 or 2
	UserActiveKeys int       // active slots of this user: 0..2
}

// Status is "Active" or "Inactive", as IAM spells a key's status.
func (k Key) Status() string {
	if k.Active {
		return "Active"
	}
	return "Inactive"
}

// KeyView reads the rows of one per-key record (credreport.KeySchema) by
// column name, so extra columns or another column order do not matter. It
// does not retain the record: the caller keeps the record alive (and
// releases it) while the view is in use.
type KeyView struct {
	n             int
	account, user *array.String
	arn, state    *array.String
	isRoot        *array.Boolean
	active        *array.Boolean
	slot          *array.Int32
	keyCount      *array.Int32
	activeCount   *array.Int32
	rotated, used *array.Timestamp
	rotatedUnit   arrow.TimeUnit
	usedUnit      arrow.TimeUnit
}

// NewKeyView checks that rec has the per-key view's columns, with their
// types, and returns a view over it. The error wraps ErrKeySchema.
func NewKeyView(rec arrow.Record) (*KeyView, error) {
	if rec == nil {
		return nil, fmt.Errorf("%w: nil record", ErrKeySchema)
	}
	v := &KeyView{n: int(rec.NumRows())}
	sc := rec.Schema()
	col := func(name string, want arrow.Type) (arrow.Array, error) {
		idx := sc.FieldIndices(name)
		if len(idx) != 1 {
			return nil, fmt.Errorf("%w: want one column %q, have %d", ErrKeySchema, name, len(idx))
		}
		c := rec.Column(idx[0])
		if c.DataType().ID() != want {
			return nil, fmt.Errorf("%w: column %q has type %s, want %s", ErrKeySchema, name, c.DataType(), want)
		}
		return c, nil
	}
	var err error
	str := func(name string) *array.String {
		if err != nil {
			return nil
		}
		var c arrow.Array
		if c, err = col(name, arrow.STRING); err != nil {
			return nil
		}
		return c.(*array.String)
	}
	boolean := func(name string) *array.Boolean {
		if err != nil {
			return nil
		}
		var c arrow.Array
		if c, err = col(name, arrow.BOOL); err != nil {
			return nil
		}
		return c.(*array.Boolean)
	}
	i32 := func(name string) *array.Int32 {
		if err != nil {
			return nil
		}
		var c arrow.Array
		if c, err = col(name, arrow.INT32); err != nil {
			return nil
		}
		return c.(*array.Int32)
	}
	ts := func(name string) (*array.Timestamp, arrow.TimeUnit) {
		if err != nil {
			return nil, 0
		}
		var c arrow.Array
		if c, err = col(name, arrow.TIMESTAMP); err != nil {
			return nil, 0
		}
		return c.(*array.Timestamp), c.DataType().(*arrow.TimestampType).Unit
	}
	v.account = str(credreport.KColAccountID)
	v.user = str(credreport.KColUser)
	v.arn = str(credreport.KColARN)
	v.state = str(credreport.KColLastUsedState)
	v.isRoot = boolean(credreport.KColIsRoot)
	v.active = boolean(credreport.KColActive)
	v.slot = i32(credreport.KColKeySlot)
	v.keyCount = i32(credreport.KColUserKeyCount)
	v.activeCount = i32(credreport.KColUserActiveKeys)
	v.rotated, v.rotatedUnit = ts(credreport.KColLastRotated)
	v.used, v.usedUnit = ts(credreport.KColLastUsed)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Len is the number of rows.
func (v *KeyView) Len() int { return v.n }

// Row returns row i (0 <= i < Len()). Nulls read as zero values.
func (v *KeyView) Row(i int) Key {
	k := Key{
		AccountID:      strAt(v.account, i),
		User:           strAt(v.user, i),
		ARN:            strAt(v.arn, i),
		IsRoot:         v.isRoot.IsValid(i) && v.isRoot.Value(i),
		Active:         v.active.IsValid(i) && v.active.Value(i),
		LastUsedState:  strAt(v.state, i),
		Slot:           int(i32At(v.slot, i)),
		UserKeyCount:   int(i32At(v.keyCount, i)),
		UserActiveKeys: int(i32At(v.activeCount, i)),
	}
	if v.rotated.IsValid(i) {
		k.LastRotated = v.rotated.Value(i).ToTime(v.rotatedUnit)
	}
	if v.used.IsValid(i) {
		k.LastUsed = v.used.Value(i).ToTime(v.usedUnit)
	}
	return k
}

func strAt(a *array.String, i int) string {
	if a.IsNull(i) {
		return ""
	}
	return a.Value(i)
}

func i32At(a *array.Int32, i int) int32 {
	if a.IsNull(i) {
		return 0
	}
	return a.Value(i)
}

package credreport

import (
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// rowRef points at one row of one report.
type rowRef struct {
	rep *Report
	row *Row
}

// sortedRows returns the rows of reports sorted by account, user, line,
// then file name (nil reports are skipped).
func sortedRows(reports []*Report) []rowRef {
	var refs []rowRef
	for _, rep := range reports {
		if rep == nil {
			continue
		}
		for i := range rep.Rows {
			refs = append(refs, rowRef{rep, &rep.Rows[i]})
		}
	}
	sort.SliceStable(refs, func(i, j int) bool {
		a, b := refs[i], refs[j]
		switch {
		case a.row.AccountID != b.row.AccountID:
			return a.row.AccountID < b.row.AccountID
		case a.row.User != b.row.User:
			return a.row.User < b.row.User
		case a.row.Line != b.row.Line:
			return a.row.Line < b.row.Line
		}
		return a.rep.File < b.rep.File
	})
	return refs
}

// recordKeyColumns and recordCertColumns name the slot columns of
// CredentialSchema.
var (
	recordKeyColumns = [2]keyColumns{
		{ColKey1Active, ColKey1LastRotated, ColKey1LastUsed, ColKey1LastUsedRegion, ColKey1LastUsedService},
		{ColKey2Active, ColKey2LastRotated, ColKey2LastUsed, ColKey2LastUsedRegion, ColKey2LastUsedService},
	}
	recordCertColumns = [2][2]string{{ColCert1Active, ColCert1LastRotated}, {ColCert2Active, ColCert2LastRotated}}
)

// BuildCredentialRecord returns one record (schema CredentialSchema) with
// one row per Row of reports, sorted by account ID, then user name, then
// line (then file name). Zero times and nil booleans are nulls, as are
// empty last-used regions and services. It returns an empty record for no
// rows, never nil. The caller owns the record and must Release it.
func BuildCredentialRecord(mem memory.Allocator, reports []*Report) arrow.Record {
	refs := sortedRows(reports)
	b := array.NewRecordBuilder(mem, CredentialSchema)
	defer b.Release()
	for _, f := range b.Fields() {
		f.Reserve(len(refs))
	}
	col := func(name string) array.Builder { return b.Field(CredentialSchema.FieldIndices(name)[0]) }
	str := func(name string) *array.StringBuilder { return col(name).(*array.StringBuilder) }
	boolean := func(name string) *array.BooleanBuilder { return col(name).(*array.BooleanBuilder) }
	ts := func(name string) *array.TimestampBuilder { return col(name).(*array.TimestampBuilder) }
	var (
		account, user, arn    = str(ColAccountID), str(ColUser), str(ColARN)
		isRoot                = boolean(ColIsRoot)
		created               = ts(ColUserCreationTime)
		pwEnabled             = boolean(ColPasswordEnabled)
		pwLastUsed            = ts(ColPasswordLastUsed)
		pwState               = str(ColPasswordLastUsedState)
		pwChanged, pwNext     = ts(ColPasswordLastChanged), ts(ColPasswordNextRotation)
		mfa                   = boolean(ColMFAActive)
		generated             = ts(ColReportGeneratedTime)
		sourceFile            = str(ColSourceFile)
		sourceLine            = col(ColSourceLine).(*array.Int64Builder)
		keyActive, certActive [2]*array.BooleanBuilder
		keyRot, keyLastUsed   [2]*array.TimestampBuilder
		keyRegion, keyService [2]*array.StringBuilder
		certRotated           [2]*array.TimestampBuilder
	)
	for i, kc := range recordKeyColumns {
		keyActive[i], keyRot[i], keyLastUsed[i] = boolean(kc.active), ts(kc.lastRotated), ts(kc.lastUsed)
		keyRegion[i], keyService[i] = str(kc.region), str(kc.service)
	}
	for i, cc := range recordCertColumns {
		certActive[i], certRotated[i] = boolean(cc[0]), ts(cc[1])
	}

	for _, ref := range refs {
		r := ref.row
		account.Append(r.AccountID)
		user.Append(r.User)
		arn.Append(r.ARN)
		isRoot.Append(r.IsRoot)
		appendTime(created, r.UserCreationTime)
		appendBoolPtr(pwEnabled, r.PasswordEnabled)
		appendTime(pwLastUsed, r.PasswordLastUsed)
		pwState.Append(stateOrUnknown(r.PasswordLastUsedState))
		appendTime(pwChanged, r.PasswordLastChanged)
		appendTime(pwNext, r.PasswordNextRotation)
		appendBoolPtr(mfa, r.MFAActive)
		for i, k := range r.Keys {
			keyActive[i].Append(k.Active)
			appendTime(keyRot[i], k.LastRotated)
			appendTime(keyLastUsed[i], k.LastUsed)
			appendString(keyRegion[i], k.LastUsedRegion)
			appendString(keyService[i], k.LastUsedService)
		}
		for i, c := range r.Certs {
			certActive[i].Append(c.Active)
			appendTime(certRotated[i], c.LastRotated)
		}
		appendTime(generated, ref.rep.GeneratedTime)
		sourceFile.Append(ref.rep.File)
		sourceLine.Append(int64(r.Line))
	}
	return b.NewRecord()
}

// BuildKeyRecord returns one record (schema KeySchema) with one row per
// existing access-key slot (Exists: last_rotated is not N/A, even when the
// key is inactive) of every Row of reports, in the order of
// BuildCredentialRecord, slot 1 before slot 2. user_key_count and
// user_active_key_count count the existing and the active existing slots
// of the row's user. It returns an empty record for no keys, never nil.
// The caller owns the record and must Release it.
func BuildKeyRecord(mem memory.Allocator, reports []*Report) arrow.Record {
	refs := sortedRows(reports)
	b := array.NewRecordBuilder(mem, KeySchema)
	defer b.Release()
	col := func(name string) int { return KeySchema.FieldIndices(name)[0] }
	str := func(name string) *array.StringBuilder { return b.Field(col(name)).(*array.StringBuilder) }
	boolean := func(name string) *array.BooleanBuilder { return b.Field(col(name)).(*array.BooleanBuilder) }
	ts := func(name string) *array.TimestampBuilder { return b.Field(col(name)).(*array.TimestampBuilder) }
	i32 := func(name string) *array.Int32Builder { return b.Field(col(name)).(*array.Int32Builder) }
	var (
		account, user, arn = str(KColAccountID), str(KColUser), str(KColARN)
		isRoot, active     = boolean(KColIsRoot), boolean(KColActive)
		slot               = i32(KColKeySlot)
		rotated, lastUsed  = ts(KColLastRotated), ts(KColLastUsed)
		state              = str(KColLastUsedState)
		region, service    = str(KColLastUsedRegion), str(KColLastUsedService)
		keyCount, actCount = i32(KColUserKeyCount), i32(KColUserActiveKeys)
		generated          = ts(KColReportGenerated)
		sourceFile         = str(KColSourceFile)
		sourceLine         = b.Field(col(KColSourceLine)).(*array.Int64Builder)
	)
	for _, ref := range refs {
		r := ref.row
		var n, nActive int32
		for _, k := range r.Keys {
			if k.Exists {
				n++
				if k.Active {
					nActive++
				}
			}
		}
		for i, k := range r.Keys {
			if !k.Exists {
				continue
			}
			account.Append(r.AccountID)
			user.Append(r.User)
			arn.Append(r.ARN)
			isRoot.Append(r.IsRoot)
			slot.Append(int32(i + 1))
			active.Append(k.Active)
			// Parse only sets Exists with a last_rotated time; a Row built
			// by hand without one gets a null here.
			appendTime(rotated, k.LastRotated)
			appendTime(lastUsed, k.LastUsed)
			state.Append(stateOrUnknown(k.LastUsedState))
			appendString(region, k.LastUsedRegion)
			appendString(service, k.LastUsedService)
			keyCount.Append(n)
			actCount.Append(nActive)
			appendTime(generated, ref.rep.GeneratedTime)
			sourceFile.Append(ref.rep.File)
			sourceLine.Append(int64(r.Line))
		}
	}
	return b.NewRecord()
}

func appendTime(b *array.TimestampBuilder, t time.Time) {
	if t.IsZero() {
		b.AppendNull()
		return
	}
	b.Append(arrow.Timestamp(t.UnixMilli()))
}

func appendBoolPtr(b *array.BooleanBuilder, v *bool) {
	if v == nil {
		b.AppendNull()
		return
	}
	b.Append(*v)
}

func appendString(b *array.StringBuilder, s string) {
	if s == "" {
		b.AppendNull()
		return
	}
	b.Append(s)
}

// stateOrUnknown maps an unset state (a Row built by hand) to
// no_information, so the non-null state columns are never empty.
func stateOrUnknown(s string) string {
	if s == "" {
		return StateNoInformation
	}
	return s
}

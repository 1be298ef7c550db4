package analyze

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ErrNotFindings is the cause of the error FindingsFromJSON and
// FindingsFromRecord return for data that is not findings as keyaudit audit
// writes them: no rule, severity, account_id or user column, or not JSON
// objects at all.
var ErrNotFindings = errors.New("not a keyaudit audit findings file")

// MissingColumnsError says which FindingSchema columns findings read back
// lack (the rule, severity, account and user are there, so it is findings,
// written by a keyaudit that did not have these columns yet).
type MissingColumnsError struct {
	Missing []string
}

func (e *MissingColumnsError) Error() string {
	return fmt.Sprintf("findings lack the column%s %s (written by an older keyaudit? write them again with this version)",
		map[bool]string{true: "s"}[len(e.Missing) > 1], strings.Join(e.Missing, ", "))
}

// checkColumns fails unless has reports every FindingSchema column.
func checkColumns(has func(string) bool) error {
	var missing []string
	for _, f := range FindingSchema.Fields() {
		if !has(f.Name) {
			missing = append(missing, f.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	for _, key := range []string{FColRule, FColSeverity, FColAccountID, FColUser} {
		if !has(key) {
			return fmt.Errorf("%w: no %s column", ErrNotFindings, key)
		}
	}
	return &MissingColumnsError{Missing: missing}
}

// FindingsFromJSON reads findings as keyaudit audit -f json (one array of
// objects) or -f ndjson (one object per line) writes them: every
// FindingSchema column must be there; status and first_seen (a run with a
// baseline) are read when present, other keys are ignored. Errors name the
// record, counted from 1.
func FindingsFromJSON(r io.Reader) ([]Finding, error) {
	br := bufio.NewReader(r)
	first, err := firstByte(br)
	if err == io.EOF {
		return nil, nil // -f ndjson of no finding writes nothing
	}
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	array := first == '['
	switch {
	case array:
		if _, err := dec.Token(); err != nil {
			return nil, err
		}
	case first != '{':
		return nil, fmt.Errorf("%w: not JSON objects (it starts with %q)", ErrNotFindings, first)
	}
	var out []Finding
	for n := 1; ; n++ {
		if array && !dec.More() {
			break
		}
		var obj map[string]json.RawMessage
		if err := dec.Decode(&obj); err == io.EOF && !array {
			break
		} else if err != nil {
			var ute *json.UnmarshalTypeError
			if errors.As(err, &ute) {
				return nil, fmt.Errorf("%w: record %d is not a JSON object", ErrNotFindings, n)
			}
			return nil, fmt.Errorf("record %d: %w", n, err)
		}
		if err := checkColumns(func(k string) bool { _, ok := obj[k]; return ok }); err != nil {
			return nil, fmt.Errorf("record %d: %w", n, err)
		}
		f, err := findingFromJSON(obj)
		if err != nil {
			return nil, fmt.Errorf("record %d: %w", n, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			return c, br.UnreadByte()
		}
	}
}

func findingFromJSON(obj map[string]json.RawMessage) (Finding, error) {
	var f Finding
	var err error
	str := func(k string, dst *string) {
		if err != nil || isNull(obj[k]) {
			return
		}
		if e := json.Unmarshal(obj[k], dst); e != nil {
			err = fmt.Errorf("column %s: want a string", k)
		}
	}
	num := func(k string, null int64) int64 {
		if err != nil || isNull(obj[k]) {
			return null
		}
		var n int64
		if e := json.Unmarshal(obj[k], &n); e != nil {
			err = fmt.Errorf("column %s: want an integer", k)
		}
		return n
	}
	ts := func(k string, dst *time.Time) {
		var s string
		if str(k, &s); err != nil || s == "" {
			return
		}
		t, e := time.Parse(time.RFC3339Nano, s)
		if e != nil {
			err = fmt.Errorf("column %s: want an RFC 3339 time, got %q", k, truncateString(s, 40))
		}
		*dst = t.UTC()
	}
	var sev string
	str(FColRule, &f.Rule)
	str(FColSeverity, &sev)
	str(FColAccountID, &f.AccountID)
	str(FColUser, &f.User)
	str(FColARN, &f.ARN)
	f.KeySlot = int(num(FColKeySlot, 0))
	str(FColAccessKeyID, &f.AccessKeyID)
	str(FColKeyStatus, &f.KeyStatus)
	ts(FColLastRotated, &f.LastRotated)
	ts(FColLastUsed, &f.LastUsed)
	f.AgeDays = num(FColAgeDays, -1)
	str(FColDetail, &f.Detail)
	if err == nil && json.Unmarshal(obj[FColMuted], &f.Muted) != nil {
		err = fmt.Errorf("column %s: want true or false", FColMuted)
	}
	str(FColMuteReason, &f.MuteReason)
	str(FColStatus, &f.Status)
	ts(FColFirstSeen, &f.FirstSeen)
	if err != nil {
		return f, err
	}
	return f, finishRead(&f, sev)
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || bytes.Equal(raw, []byte("null")) }

// finishRead checks what every read finding needs and parses its severity.
func finishRead(f *Finding, sev string) error {
	s, err := ParseSeverity(sev)
	if err != nil {
		return fmt.Errorf("column %s: %w", FColSeverity, err)
	}
	f.Severity = s
	if f.Rule == "" {
		return fmt.Errorf("column %s: empty", FColRule)
	}
	switch f.Status {
	case "", StatusNew, StatusUnchanged, StatusResolved:
	default:
		return fmt.Errorf("column %s: %q is not new, unchanged or resolved", FColStatus, truncateString(f.Status, 20))
	}
	return nil
}

func truncateString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// FindingsFromRecord reads the findings of rec, a record of FindingSchema
// or FindingBaselineSchema as read back from Parquet: columns are found by
// name, extra ones ignored; strings may be large strings, integers of any
// width, timestamps of any unit. The caller keeps ownership of rec.
func FindingsFromRecord(rec arrow.Record) ([]Finding, error) {
	sc := rec.Schema()
	col := func(name string) arrow.Array {
		if idx := sc.FieldIndices(name); len(idx) == 1 {
			return rec.Column(idx[0])
		}
		return nil
	}
	if err := checkColumns(func(k string) bool { return col(k) != nil }); err != nil {
		return nil, err
	}
	var err error
	strAt := func(name string) func(int) string {
		switch a := col(name).(type) {
		case nil:
			return func(int) string { return "" }
		case *array.String:
			return func(i int) string { return nullOr(a, i, a.Value) }
		case *array.LargeString:
			return func(i int) string { return nullOr(a, i, a.Value) }
		default:
			err = fmt.Errorf("column %s: want strings, got %s", name, a.DataType())
			return nil
		}
	}
	intAt := func(name string, null int64) func(int) int64 {
		get := func(a arrow.Array, v func(int) int64) func(int) int64 {
			return func(i int) int64 {
				if a.IsNull(i) {
					return null
				}
				return v(i)
			}
		}
		switch a := col(name).(type) {
		case *array.Int32:
			return get(a, func(i int) int64 { return int64(a.Value(i)) })
		case *array.Int64:
			return get(a, a.Value)
		case *array.Int16:
			return get(a, func(i int) int64 { return int64(a.Value(i)) })
		default:
			err = fmt.Errorf("column %s: want integers, got %s", name, a.DataType())
			return nil
		}
	}
	timeAt := func(name string) func(int) time.Time {
		switch a := col(name).(type) {
		case nil:
			return func(int) time.Time { return time.Time{} }
		case *array.Timestamp:
			unit := a.DataType().(*arrow.TimestampType).Unit
			return func(i int) time.Time {
				if a.IsNull(i) {
					return time.Time{}
				}
				return a.Value(i).ToTime(unit).UTC()
			}
		default:
			err = fmt.Errorf("column %s: want timestamps, got %s", name, a.DataType())
			return nil
		}
	}
	rule, sev, account, user, arn := strAt(FColRule), strAt(FColSeverity), strAt(FColAccountID), strAt(FColUser), strAt(FColARN)
	slot, keyID, keyStatus := intAt(FColKeySlot, 0), strAt(FColAccessKeyID), strAt(FColKeyStatus)
	rotated, lastUsed, age, detail := timeAt(FColLastRotated), timeAt(FColLastUsed), intAt(FColAgeDays, -1), strAt(FColDetail)
	muteReason, status, firstSeen := strAt(FColMuteReason), strAt(FColStatus), timeAt(FColFirstSeen)
	muted, ok := col(FColMuted).(*array.Boolean)
	if !ok && err == nil {
		err = fmt.Errorf("column %s: want booleans, got %s", FColMuted, col(FColMuted).DataType())
	}
	if err != nil {
		return nil, err
	}
	out := make([]Finding, 0, rec.NumRows())
	for i := 0; i < int(rec.NumRows()); i++ {
		f := Finding{
			Rule: rule(i), AccountID: account(i), User: user(i), ARN: arn(i),
			KeySlot: int(slot(i)), AccessKeyID: keyID(i), KeyStatus: keyStatus(i),
			LastRotated: rotated(i), LastUsed: lastUsed(i), AgeDays: age(i), Detail: detail(i),
			Muted: muted.IsValid(i) && muted.Value(i), MuteReason: muteReason(i),
			Status: status(i), FirstSeen: firstSeen(i),
		}
		if err := finishRead(&f, sev(i)); err != nil {
			return nil, fmt.Errorf("row %d: %w", i+1, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func nullOr(a arrow.Array, i int, v func(int) string) string {
	if a.IsNull(i) {
		return ""
	}
	return v(i)
}

package cloudtrail

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Parser choice. BenchmarkParsers (parsers_bench_test.go) reads one S3
// file of 841 events (837 KB, from cmd/ctgen) on the project's 2-core VM
// (AMD EPYC, go1.26, a machine shared with other jobs, so MB per CPU-second
// is the steadier figure; three runs each):
//
//	KEYAUDIT_BENCH_FILE=ctgen-file.json go test ./ingest/cloudtrail -run X -bench Parsers -benchtime 2s -count 3
//
//	scanner-to-arrow      this decoder, every column, Arrow records   625-652 MB/s  634-669 MB/cpu-s
//	fastjson-extract      valyala/fastjson tree + 20 fields, no Arrow  470-595 MB/s  468-593 MB/cpu-s
//	jsontext-tokens       go-json-experiment tokens only, no fields    575-612 MB/s  578-611 MB/cpu-s
//	encoding-json-struct  encoding/json into a struct of the fields     85-95 MB/s    80-90 MB/cpu-s
//
// The scanner does strictly more work than the others and is still the
// fastest: it reads each event once, validates as it goes, matches keys
// without allocating, leaves strings without escapes where they are,
// keeps requestParameters/responseElements as the input bytes (fastjson
// would re-serialise them), checks UTF-8 only for events with non-ASCII
// bytes, and scans strings eight bytes at a time. Appending to Arrow
// builders value by value took about half the time, hence the column
// buffers of columns.go.

// RecordError is one event that was not used: its index in the file (and
// its line in line-oriented input), the JSON path of the offending field
// and the cause.
type RecordError struct {
	Index int
	Line  int
	Field string
	Err   error
}

func (e *RecordError) Error() string {
	loc := fmt.Sprintf("record %d", e.Index)
	if e.Line > 0 {
		loc = fmt.Sprintf("line %d", e.Line)
	}
	if e.Field != "" {
		return fmt.Sprintf("%s: %s: %v", loc, e.Field, e.Err)
	}
	return fmt.Sprintf("%s: %v", loc, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// Stats count the events a Decoder saw: Records = Used + Skipped +
// Rejected + Duplicate.
type Stats struct {
	Records, Used, Skipped, Rejected, Duplicate int64
}

const (
	kindString = iota
	kindTime
	kindBool
)

var colKind = func() (k [NumColumns]uint8) {
	for i := range k {
		switch columnType(i).ID() {
		case arrow.TIMESTAMP:
			k[i] = kindTime
		case arrow.BOOL:
			k[i] = kindBool
		}
	}
	return k
}()

// row is one event staged before it is appended: string values point into
// the input or the decoder's arena. Only the columns whose bit is set in
// mask have a value, so resetting a row costs nothing.
type row struct {
	mask uint64
	str  [NumColumns][]byte
	num  [NumColumns]int64
	bits [NumColumns]bool
}

// A column mask needs one bit per column.
var _ [64 - NumColumns]struct{}

func (r *row) has(col int) bool { return r.mask&(1<<col) != 0 }

func (r *row) setStr(col int, v []byte) {
	if len(v) == 0 { // empty strings are null
		r.mask &^= 1 << col
		return
	}
	r.str[col] = v
	r.mask |= 1 << col
}

func (r *row) setNum(col int, v int64) {
	r.num[col] = v
	r.mask |= 1 << col
}

func (r *row) setBool(col int, v bool) {
	r.bits[col] = v
	r.mask |= 1 << col
}

// Decoder turns CloudTrail JSON into rows of EventSchema. It is not safe
// for concurrent use; use one per goroutine.
//
// Ownership: every record the Decoder builds (when BatchRows rows are
// buffered, and on Flush) is passed to Emit, which then owns it and must
// Release it.
type Decoder struct {
	// Seen, if set, reports whether an eventID was seen before (the event
	// is then counted as a duplicate and not appended).
	// index is the record's index in its file.
	Seen func(eventID []byte, index int) bool
	// Reject, if set, is told about every rejected event.
	Reject func(*RecordError)
	// Emit receives every built record and owns it. An error stops the
	// decoding and is returned as fatal.
	Emit func(arrow.Record) error
	// BatchRows is the number of rows per record (0 = 8192).
	BatchRows int
	// Omit is a set of columns (bit i = column i) left null in every
	// record: callers that never read a wide column (the raw JSON ones)
	// save copying it. Events are still validated in full.
	Omit uint64

	Stats Stats

	cols   *columns
	st     *stream // the input of DecodeStream, nil in DecodeFile
	stream stream
	high   bool // the staged event has non-ASCII bytes
	s      scanner
	inner  scanner
	row    row
	err    *RecordError // first field error of the current event
	index  int
	line   int

	arena    []byte // unescaped strings of the current event
	innerBuf []byte // the unescaped CloudTrailEvent of lookup-events
	scrub    []byte // scrubbed raw JSON
	keyBuf   []byte
}

// NewDecoder returns a Decoder whose records are allocated from mem.
func NewDecoder(mem memory.Allocator) *Decoder {
	return &Decoder{cols: newColumns(mem)}
}

// Release drops the buffered rows that were not flushed. Buffers are plain
// Go memory until a record is built, so there is nothing else to free.
func (d *Decoder) Release() { d.cols.reset() }

// Flush emits the buffered rows, if any.
func (d *Decoder) Flush() error {
	if d.cols.n == 0 {
		return nil
	}
	rec := d.cols.record()
	if d.Emit == nil {
		rec.Release()
		return nil
	}
	return d.Emit(rec)
}

func (d *Decoder) batchRows() int {
	if d.BatchRows > 0 {
		return d.BatchRows
	}
	return 8192
}

// fieldErr records the first problem of the current event.
func (d *Decoder) fieldErr(col int, path string, err error) {
	if d.err == nil {
		if path == "" && col >= 0 {
			path = JSONPaths[col]
		}
		d.err = &RecordError{Index: d.index, Line: d.line, Field: path, Err: err}
	}
}

func (d *Decoder) wrongType(col int, path string, want string, c byte) {
	d.fieldErr(col, path, fmt.Errorf("%w: want %s, got %s", ErrWrongType, want, jsonType(c)))
}

// text returns the decoded content of a string value.
func (d *Decoder) text(raw []byte, esc bool) []byte {
	if !esc {
		return raw
	}
	n := len(d.arena)
	d.arena = unescape(d.arena, raw)
	return d.arena[n:len(d.arena):len(d.arena)]
}

// strField reads a string column. strict: any type but string and null
// rejects the event; otherwise it is null.
func (d *Decoder) strField(s *scanner, col int, depth int, strict bool) bool {
	switch c := s.buf[s.pos]; c {
	case '"':
		raw, esc, ok := s.str()
		if !ok {
			return false
		}
		d.row.setStr(col, d.text(raw, esc))
		return true
	case 'n':
		return s.lit("null")
	default:
		if strict {
			d.wrongType(col, "", "string", c)
		}
		return s.skip(depth, !strict)
	}
}

func (d *Decoder) timeField(s *scanner, col int, depth int, strict bool) bool {
	switch c := s.buf[s.pos]; c {
	case '"':
		raw, esc, ok := s.str()
		if !ok {
			return false
		}
		v := d.text(raw, esc)
		if ms, ok := ParseTime(v); ok {
			d.row.setNum(col, ms)
		} else if strict {
			d.fieldErr(col, "", fmt.Errorf("%w %s", ErrBadTime, safeQuote(v)))
		}
		return true
	case 'n':
		return s.lit("null")
	default:
		if strict {
			d.wrongType(col, "", "string", c)
		}
		return s.skip(depth, !strict)
	}
}

func (d *Decoder) boolField(s *scanner, col int, depth int) bool {
	switch c := s.buf[s.pos]; c {
	case 't':
		d.row.setBool(col, true)
		return s.lit("true")
	case 'f':
		d.row.setBool(col, false)
		return s.lit("false")
	case 'n':
		return s.lit("null")
	case '"':
		raw, esc, ok := s.str()
		if !ok {
			return false
		}
		v := d.text(raw, esc)
		switch {
		case asciiEqualFold(v, "true"):
			d.row.setBool(col, true)
		case asciiEqualFold(v, "false"):
			d.row.setBool(col, false)
		case len(v) == 0:
		default:
			d.fieldErr(col, "", fmt.Errorf("%w: want true or false, got %s", ErrWrongType, safeQuote(v)))
		}
		return true
	default:
		d.wrongType(col, "", "boolean", c)
		return s.skip(depth, false)
	}
}

// safeQuote quotes a short input value for an error message; long values
// (which could be secrets) are not echoed.
func safeQuote(v []byte) string {
	if len(v) > 32 {
		return fmt.Sprintf("(%d bytes)", len(v))
	}
	return fmt.Sprintf("%q", v)
}

// keyText returns the decoded key.
func (d *Decoder) keyText(key []byte, esc bool) []byte {
	if !esc {
		return key
	}
	d.keyBuf = unescape(d.keyBuf[:0], key)
	return d.keyBuf
}

// event decodes the event object at s.pos into d.row (and a field problem
// into d.err); the caller then calls finish. It returns false on a syntax
// error (s.err).
func (d *Decoder) event(s *scanner) bool {
	d.row.mask = 0
	d.err = nil
	d.arena = d.arena[:0]
	d.Stats.Records++
	s.high = false
	empty, ok := s.objStart(0)
	if !ok {
		return false
	}
	for more := !empty; more; {
		key, esc, ok := s.key()
		if !ok {
			return false
		}
		switch string(d.keyText(key, esc)) {
		case "eventTime":
			ok = d.timeField(s, ColEventTime, 1, true)
		case "eventSource":
			ok = d.strField(s, ColEventSource, 1, true)
		case "eventName":
			ok = d.strField(s, ColEventName, 1, true)
		case "awsRegion":
			ok = d.strField(s, ColAWSRegion, 1, true)
		case "sourceIPAddress":
			ok = d.strField(s, ColSourceIPAddress, 1, true)
		case "userAgent":
			ok = d.strField(s, ColUserAgent, 1, true)
		case "errorCode":
			ok = d.strField(s, ColErrorCode, 1, true)
		case "errorMessage":
			ok = d.strField(s, ColErrorMessage, 1, true)
		case "readOnly":
			ok = d.boolField(s, ColReadOnly, 1)
		case "eventType":
			ok = d.strField(s, ColEventType, 1, true)
		case "eventID":
			ok = d.strField(s, ColEventID, 1, true)
		case "sharedEventID":
			ok = d.strField(s, ColSharedEventID, 1, true)
		case "recipientAccountId":
			ok = d.strField(s, ColRecipientAccountID, 1, true)
		case "requestID":
			ok = d.strField(s, ColRequestID, 1, true)
		case "eventVersion":
			ok = d.strField(s, ColEventVersion, 1, true)
		case "sessionCredentialFromConsole":
			ok = d.boolField(s, ColSessionCredentialFromConsole, 1)
		case "userIdentity":
			ok = d.object(s, 1, userIdentityFields, "userIdentity", true)
		case "requestParameters":
			ok = d.raw(s, ColRequestParameters, requestFields)
		case "responseElements":
			ok = d.raw(s, ColResponseElements, responseFields)
		case "additionalEventData":
			ok = d.raw(s, ColAdditionalEventData, nil)
		default:
			ok = s.skip(1, false)
		}
		if !ok {
			return false
		}
		if more, ok = s.objNext(); !ok {
			return false
		}
	}
	if d.err == nil && !d.row.has(ColEventTime) {
		d.fieldErr(ColEventTime, "", ErrMissingTime)
	}
	d.high = s.high
	return true
}

// finish counts and appends (or rejects) the staged event.
func (d *Decoder) finish() {
	if d.err != nil {
		d.Stats.Rejected++
		if d.Reject != nil {
			d.Reject(d.err)
		}
		return
	}
	if d.Seen != nil && d.row.has(ColEventID) && d.Seen(d.row.str[ColEventID], d.index) {
		d.Stats.Duplicate++
		return
	}
	d.Stats.Used++
	d.appendRow()
}

// reject counts an event rejected as a whole (not a field problem).
func (d *Decoder) reject(err error) {
	d.Stats.Rejected++
	if d.Reject != nil {
		d.Reject(&RecordError{Index: d.index, Line: d.line, Err: err})
	}
}

func (d *Decoder) appendRow() {
	r := &d.row
	for i := 0; d.high && i < NumColumns; i++ {
		if colKind[i] == kindString && r.has(i) && !utf8.Valid(r.str[i]) {
			r.str[i] = bytes.ToValidUTF8(r.str[i], []byte("\uFFFD"))
		}
	}
	d.cols.appendRow(r, d.Omit, d.batchRows())
}

// field maps a key of a nested object to a column (col >= 0) or to a
// nested object (sub).
type field struct {
	name string
	col  int
	sub  []field
	path string // of sub
}

var userIdentityFields = []field{
	{name: "type", col: ColUIType},
	{name: "principalId", col: ColUIPrincipalID},
	{name: "arn", col: ColUIARN},
	{name: "accountId", col: ColUIAccountID},
	{name: "accessKeyId", col: ColUIAccessKeyID},
	{name: "userName", col: ColUIUserName},
	{name: "invokedBy", col: ColUIInvokedBy},
	{name: "sessionContext", col: -1, path: "userIdentity.sessionContext", sub: []field{
		{name: "sessionIssuer", col: -1, path: "userIdentity.sessionContext.sessionIssuer", sub: []field{
			{name: "type", col: ColUIIssuerType},
			{name: "arn", col: ColUIIssuerARN},
			{name: "accountId", col: ColUIIssuerAccountID},
			{name: "userName", col: ColUIIssuerUserName},
		}},
		{name: "attributes", col: -1, path: "userIdentity.sessionContext.attributes", sub: []field{
			{name: "creationDate", col: ColUISessionCreationDate},
			{name: "mfaAuthenticated", col: ColUIMFAAuthenticated},
		}},
		{name: "sourceIdentity", col: ColUISourceIdentity},
	}},
}

var requestFields = []field{
	{name: "roleArn", col: ColReqRoleARN},
	{name: "roleSessionName", col: ColReqRoleSessionName},
	{name: "userName", col: ColReqUserName},
	{name: "accessKeyId", col: ColReqAccessKeyID},
	{name: "status", col: ColReqStatus},
	{name: "principalArn", col: ColReqPrincipalARN},
	{name: "sourceIdentity", col: ColReqSourceIdentity},
	{name: "targetPrincipal", col: ColReqTargetPrincipal},
	{name: "name", col: ColReqName},
}

var responseFields = []field{
	{name: "credentials", col: -1, path: "responseElements.credentials", sub: []field{
		{name: "accessKeyId", col: ColRespCredentialsAccessKeyID},
		{name: "expiration", col: ColRespCredentialsExpiration},
	}},
	{name: "assumedRoleUser", col: -1, path: "responseElements.assumedRoleUser", sub: []field{
		{name: "arn", col: ColRespAssumedRoleARN},
	}},
	{name: "accessKey", col: -1, path: "responseElements.accessKey", sub: []field{
		{name: "accessKeyId", col: ColRespAccessKeyID},
		{name: "createDate", col: ColRespAccessKeyCreateDate},
		{name: "status", col: ColRespAccessKeyStatus},
		{name: "userName", col: ColRespAccessKeyUserName},
	}},
	{name: "subject", col: ColRespSubject},
	{name: "issuer", col: ColRespIssuer},
	{name: "provider", col: ColRespProvider},
	{name: "subjectFromWebIdentityToken", col: ColRespSubjectFromWebIdentityToken},
}

// object decodes the nested object at s.pos (depth is its depth) into the
// columns of fields. strict: a field of the wrong type rejects the event
// (userIdentity); otherwise it is null (API-specific request and response
// shapes). Keys naming a secret set s.secret.
func (d *Decoder) object(s *scanner, depth int, fields []field, path string, strict bool) bool {
	switch c := s.buf[s.pos]; c {
	case '{':
	case 'n':
		return s.lit("null")
	default:
		if strict {
			d.wrongType(-1, path, "object", c)
		}
		return s.skip(depth, !strict)
	}
	empty, ok := s.objStart(depth)
	if !ok {
		return false
	}
	for more := !empty; more; {
		key, esc, ok := s.key()
		if !ok {
			return false
		}
		k := d.keyText(key, esc)
		var f *field
		for i := range fields {
			if string(k) == fields[i].name {
				f = &fields[i]
				break
			}
		}
		switch {
		case f == nil:
			if !strict && !s.secret && isSecretKey(k, false) {
				s.secret = true
			}
			ok = s.skip(depth+1, !strict)
		case f.sub != nil:
			ok = d.object(s, depth+1, f.sub, f.path, strict)
		case colKind[f.col] == kindTime:
			ok = d.timeField(s, f.col, depth+1, strict)
		case colKind[f.col] == kindBool:
			ok = d.boolField(s, f.col, depth+1)
		default:
			ok = d.strField(s, f.col, depth+1, strict)
		}
		if !ok {
			return false
		}
		if more, ok = s.objNext(); !ok {
			return false
		}
	}
	return true
}

var redacted = []byte(`"REDACTED"`)

// raw keeps the value at s.pos whole as JSON text in column col, with the
// values of secret-named keys replaced by "REDACTED", and extracts the
// columns of fields from it.
func (d *Decoder) raw(s *scanner, col int, fields []field) bool {
	start := s.pos
	s.secret = false
	var ok bool
	switch c := s.buf[s.pos]; c {
	case 'n':
		return s.lit("null")
	case '{':
		ok = d.object(s, 1, fields, JSONPaths[col], false)
	case '"':
		raw, esc, sok := s.str()
		if !sok {
			return false
		}
		if containsSecretName(d.text(raw, esc)) {
			d.row.setStr(col, redacted)
			return true
		}
		ok = true
	default:
		ok = s.skip(1, true)
	}
	if !ok {
		return false
	}
	v := s.buf[start:s.pos]
	if s.secret {
		n := len(d.arena)
		d.arena = scrubJSON(d.arena, v)
		v = d.arena[n:len(d.arena):len(d.arena)]
		s.secret = false
	}
	d.row.setStr(col, v)
	return true
}

// containsSecretName reports whether b mentions secretAccessKey or
// sessionToken in any case.
func containsSecretName(b []byte) bool {
	for i := 0; i+len("sessiontoken") <= len(b); i++ {
		switch b[i] | 0x20 {
		case 's':
			if asciiEqualFold(b[i:i+len("sessiontoken")], "sessiontoken") ||
				(i+len("secretaccesskey") <= len(b) && asciiEqualFold(b[i:i+len("secretaccesskey")], "secretaccesskey")) {
				return true
			}
		}
	}
	return false
}

// scrubJSON appends v, a valid JSON value, to dst in compact form with the
// value of every secret-named key replaced by "REDACTED".
func scrubJSON(dst, v []byte) []byte {
	var s scanner
	s.reset(v)
	return scrubValue(dst, &s)
}

func scrubValue(dst []byte, s *scanner) []byte {
	switch s.peek() {
	case '{':
		s.pos++
		dst = append(dst, '{')
		if s.peek() == '}' {
			s.pos++
			return append(dst, '}')
		}
		for {
			s.ws()
			kstart := s.pos
			key, esc, _ := s.str()
			dst = append(dst, s.buf[kstart:s.pos]...)
			s.peek()
			s.pos++ // ':'
			dst = append(dst, ':')
			if isSecretKey(key, esc) {
				s.skip(0, false)
				dst = append(dst, redacted...)
			} else {
				dst = scrubValue(dst, s)
			}
			if s.peek() == ',' {
				s.pos++
				dst = append(dst, ',')
				continue
			}
			s.pos++
			return append(dst, '}')
		}
	case '[':
		s.pos++
		dst = append(dst, '[')
		if s.peek() == ']' {
			s.pos++
			return append(dst, ']')
		}
		for {
			dst = scrubValue(dst, s)
			if s.peek() == ',' {
				s.pos++
				dst = append(dst, ',')
				continue
			}
			s.pos++
			return append(dst, ']')
		}
	default:
		start := s.pos
		s.skip(0, false)
		return append(dst, s.buf[start:s.pos]...)
	}
}

package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
)

// Format is the layout of a file of CloudTrail events.
type Format uint8

// Formats recognised by Detect.
const (
	FormatUnknown      Format = iota
	FormatRecords             // S3 delivery file {"Records":[...]}
	FormatLookupEvents        // {"Events":[{"CloudTrailEvent":"<json>"}]}
	FormatArray               // [event, ...]
	FormatObjects             // event objects one after another (JSON lines, or one object)
	FormatDigest              // CloudTrail digest file (not events)
)

var formatNames = [...]string{"unknown", "records", "lookup-events", "array", "objects", "digest"}

func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return fmt.Sprintf("Format(%d)", f)
}

var bom = []byte{0xEF, 0xBB, 0xBF}

// TrimBOM returns b without a leading UTF-8 byte order mark.
func TrimBOM(b []byte) []byte { return bytes.TrimPrefix(b, bom) }

// Detect tells the format of a file from its first bytes (decompressed).
func Detect(head []byte) Format {
	var s scanner
	s.reset(TrimBOM(head))
	switch s.peek() {
	case '[':
		return FormatArray
	case '{':
	default:
		return FormatUnknown
	}
	if bytes.Contains(head, []byte(`"digestStartTime"`)) {
		return FormatDigest
	}
	if empty, ok := s.objStart(0); ok && !empty && s.peek() == '"' {
		if key, esc, ok := s.str(); ok && !esc && s.peek() == ':' {
			switch string(key) {
			case "Records":
				return FormatRecords
			case "Events":
				return FormatLookupEvents
			}
		}
	}
	return FormatObjects
}

// LooksLikeEvent reports whether obj, one JSON object, has an eventTime,
// eventName or eventSource member at its top level.
func LooksLikeEvent(obj []byte) bool {
	var s scanner
	s.reset(obj)
	empty, ok := s.objStart(0)
	for more := ok && !empty; more; {
		key, _, ok := s.key()
		if !ok {
			return false
		}
		switch string(key) {
		case "eventTime", "eventName", "eventSource":
			return true
		}
		if !s.skip(1, false) {
			return false
		}
		if more, ok = s.objNext(); !ok {
			return false
		}
	}
	return false
}

// IsCompleteValue reports whether b holds exactly one JSON value (and
// spaces).
func IsCompleteValue(b []byte) bool {
	var s scanner
	s.reset(b)
	return s.skip(0, false) && s.peek() == 0 && s.pos == len(b)
}

// DecodeFile decodes the events of data, one whole decompressed file of
// format f. Event-level problems are counted in d.Stats and passed to
// d.Reject; decoding goes on after them. A broken container (JSON syntax)
// stops the file: the events before it are kept, and inputErr (a
// *RecordError) says where. fatal is an error of d.Emit.
//
// For FormatObjects, a file holding a single object that does not look like
// an event returns ErrNotEvents before anything is counted.
func (d *Decoder) DecodeFile(data []byte, f Format) (inputErr, fatal error) {
	d.index, d.line = 0, 0
	s := &d.s
	s.reset(TrimBOM(data))
	defer s.reset(nil)
	switch f {
	case FormatRecords, FormatLookupEvents:
		name := "Records"
		if f == FormatLookupEvents {
			name = "Events"
		}
		empty, ok := s.objStart(0)
		found := false
		for more := ok && !empty; more; {
			key, _, kok := s.key()
			if !kok {
				break
			}
			if string(key) == name && !found {
				found = true
				if c := s.buf[s.pos]; c == 'n' {
					ok = s.lit("null")
				} else if c != '[' {
					return &RecordError{Index: -1, Field: name, Err: fmt.Errorf("%w: want array, got %s", ErrWrongType, jsonType(c))}, nil
				} else {
					var err error
					ok, err = d.array(s, f == FormatLookupEvents)
					if err != nil {
						return nil, err
					}
				}
			} else {
				ok = s.skip(1, false)
			}
			if !ok {
				break
			}
			more, ok = s.objNext()
		}
		if s.err == nil && s.peek() != 0 {
			s.fail("data after the end")
		}
		if s.err == nil && !found {
			return &RecordError{Index: -1, Err: fmt.Errorf("%w: no %q member", ErrNotEvents, name)}, nil
		}
	case FormatArray:
		if s.peek() != '[' {
			return &RecordError{Index: -1, Err: fmt.Errorf("%w: not a JSON array", ErrNotEvents)}, nil
		}
		if _, err := d.array(s, false); err != nil {
			return nil, err
		}
		if s.err == nil && s.peek() != 0 {
			s.fail("data after the end")
		}
	case FormatObjects:
		if c := s.peek(); c == '{' {
			// A lone object must look like an event.
			start := s.pos
			if s.skip(0, false) && s.peek() == 0 && !LooksLikeEvent(s.buf[start:s.pos]) {
				return &RecordError{Index: -1, Err: ErrNotEvents}, nil
			}
			s.pos, s.err = start, nil
		}
		for s.peek() != 0 {
			if s.buf[s.pos] != '{' {
				d.Stats.Records++
				d.Stats.Rejected++
				s.fail("expected an event object")
				break
			}
			if !d.event(s) {
				d.Stats.Rejected++
				break
			}
			d.finish()
			d.index++
			if err := d.maybeFlush(); err != nil {
				return nil, err
			}
		}
	default:
		return &RecordError{Index: -1, Err: fmt.Errorf("%w: format %v", ErrNotEvents, f)}, nil
	}
	if s.err != nil {
		e := &RecordError{Index: d.index, Err: s.err}
		var se *SyntaxError
		if errors.As(s.err, &se) && se.Offset <= len(s.buf) {
			e.Line = 1 + bytes.Count(s.buf[:se.Offset], []byte{'\n'})
		}
		return e, nil
	}
	return nil, nil
}

// maxBatchBytes bounds the string bytes of one record (offsets are int32).
const maxBatchBytes = 1 << 29

func (d *Decoder) maybeFlush() error {
	if d.cols.n >= d.batchRows() || d.cols.bytes >= maxBatchBytes {
		return d.Flush()
	}
	return nil
}

// array decodes the events of the array at s.pos. ok is false on a syntax
// error (counted as one rejected record when inside an element).
func (d *Decoder) array(s *scanner, lookup bool) (ok bool, fatal error) {
	empty, ok := s.arrStart(1)
	for more := ok && !empty; more; {
		switch c := s.peek(); c {
		case '{':
			if lookup {
				ok = d.lookupElem(s)
			} else if ok = d.event(s); ok {
				d.finish()
			}
			if !ok {
				d.Stats.Rejected++
				return false, nil
			}
		case 'n':
			d.Stats.Records++
			d.Stats.Skipped++
			if !s.lit("null") {
				d.Stats.Skipped--
				d.Stats.Rejected++
				return false, nil
			}
		default:
			d.Stats.Records++
			if !s.skip(2, false) {
				d.Stats.Rejected++
				return false, nil
			}
			d.reject(fmt.Errorf("%w: record is a JSON %s, want an object", ErrWrongType, jsonType(c)))
		}
		d.index++
		if err := d.maybeFlush(); err != nil {
			return false, err
		}
		if more, ok = s.arrNext(); !ok {
			return false, nil
		}
	}
	return ok, nil
}

// lookupElem decodes one element of lookup-events output: the event is the
// JSON text in its CloudTrailEvent string.
func (d *Decoder) lookupElem(s *scanner) bool {
	var inner []byte
	have := false
	empty, ok := s.objStart(1)
	for more := ok && !empty; more; {
		key, _, ok := s.key()
		if !ok {
			break
		}
		if string(key) == "CloudTrailEvent" && s.buf[s.pos] == '"' {
			raw, esc, ok := s.str()
			if !ok {
				break
			}
			if esc {
				d.innerBuf = unescape(d.innerBuf[:0], raw)
				inner = d.innerBuf
			} else {
				inner = raw
			}
			have = true
		} else if !s.skip(2, false) {
			break
		}
		if more, ok = s.objNext(); !ok {
			break
		}
	}
	if s.err != nil {
		d.Stats.Records++
		return false
	}
	if !have {
		d.Stats.Records++
		d.reject(fmt.Errorf("%w: no CloudTrailEvent string", ErrNotEvent))
		return true
	}
	d.decodeOne(inner)
	return true
}

// decodeOne decodes buf, which must hold one event object; any problem
// rejects only this event.
func (d *Decoder) decodeOne(buf []byte) {
	in := &d.inner
	in.reset(buf)
	defer in.reset(nil)
	if in.peek() != '{' {
		d.Stats.Records++
		d.reject(fmt.Errorf("%w: want a JSON object", ErrNotEvent))
		return
	}
	if d.event(in) && in.peek() == 0 {
		d.finish()
		return
	}
	in.fail("data after the event")
	d.Stats.Rejected++
	if d.Reject != nil {
		d.Reject(&RecordError{Index: d.index, Line: d.line, Err: in.err})
	}
}

// DecodeLine decodes one line of JSON lines input: index is the record's
// 0-based index and line its 1-based line number. Any problem rejects only
// this line. It returns Emit's error.
func (d *Decoder) DecodeLine(line []byte, index, lineNo int) error {
	d.index, d.line = index, lineNo
	d.decodeOne(line)
	return d.maybeFlush()
}

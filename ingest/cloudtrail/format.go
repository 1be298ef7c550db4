package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
	d.st = nil
	s := &d.s
	s.reset(TrimBOM(data))
	defer s.reset(nil)
	return d.decode(f)
}

// DecodeStream is DecodeFile over a stream: it reads r through a window of
// at least window bytes that grows, up to maxWindow, only to hold a single
// event (or container member) larger than it. Memory is therefore bounded
// by the largest event, not by the file. readErr is the error, other than
// io.EOF, that ended reading r (the events before it are decoded); an event
// larger than maxWindow ends the file with an inputErr wrapping
// ErrTooLarge. The results are those of DecodeFile on the whole stream.
func (d *Decoder) DecodeStream(r io.Reader, f Format, window, maxWindow int) (inputErr, readErr, fatal error) {
	st := &d.stream
	st.r, st.eof, st.readErr, st.base, st.lines = r, false, nil, 0, 0
	st.max = max(maxWindow, window, 64)
	if cap(st.win) < window || cap(st.win) > st.max {
		st.win = make([]byte, min(max(window, 64), st.max))
	}
	st.win = st.win[:cap(st.win)]
	n := st.read(0)
	d.st = st
	defer func() { d.st, st.r = nil, nil }()
	s := &d.s
	s.reset(TrimBOM(st.win[:n]))
	s.partial = !st.eof
	defer s.reset(nil)
	inputErr, fatal = d.decode(f)
	if cap(st.win) > keepWindow {
		st.win = nil
	}
	return inputErr, st.readErr, fatal
}

// ErrTooLarge is the cause of the error for a single value (an event, or a
// member of the file's top-level object) larger than DecodeStream's
// maxWindow.
var ErrTooLarge = errors.New("value larger than the largest read window")

// keepWindow: windows grown beyond this are dropped after the file.
const keepWindow = 16 << 20

// stream is the state of DecodeStream: s.buf is a window of st.win.
type stream struct {
	r       io.Reader
	win     []byte
	max     int
	eof     bool
	readErr error
	base    int // offset in the file of s.buf[0]
	lines   int // newlines before s.buf[0]
}

// read fills st.win from n on, until it is full or the input ends, and
// returns the new length.
func (st *stream) read(n int) int {
	for n < len(st.win) && !st.eof {
		m, err := st.r.Read(st.win[n:])
		n += m
		if err == io.EOF {
			st.eof = true
		} else if err != nil {
			st.eof, st.readErr = true, err
		}
	}
	return n
}

var newline = []byte{'\n'}

// refill moves the window so that it starts at s.buf[keep] and reads more
// input after it; s.pos is kept pointing at the same byte. It returns false
// when there is nothing more to read, or when the window already holds
// maxWindow bytes from keep (s.err then says so).
func (d *Decoder) refill(s *scanner, keep int) bool {
	st := d.st
	if st.eof {
		return false
	}
	rest := s.buf[keep:]
	if len(rest) >= len(st.win) && len(st.win) >= st.max {
		s.err = &RecordError{Index: d.index, Err: fmt.Errorf("%w (%d bytes)", ErrTooLarge, st.max)}
		s.short = false
		return false
	}
	// Count before the copy below overwrites s.buf[:keep] (same memory).
	st.lines += bytes.Count(s.buf[:keep], newline)
	st.base += keep
	if len(rest) >= len(st.win) { // grow
		win := make([]byte, min(2*len(st.win), st.max))
		copy(win, rest)
		st.win = win
	} else {
		copy(st.win, rest)
	}
	n := st.read(len(rest))
	pos := s.pos - keep
	s.buf, s.pos = st.win[:n], pos
	s.partial = !st.eof
	return true
}

// unit runs fn, which decodes one unit of input at s.pos: an event, a key,
// a separator. When the unit failed only because a partial window ended
// inside it, its effects on the counts are undone, the window is refilled
// from the unit's start and fn runs again. It returns the unit's start in
// s.buf.
func (d *Decoder) unit(s *scanner, fn func() bool) (start int, ok bool) {
	for {
		start, stats, index := s.pos, d.Stats, d.index
		if fn() && s.err == nil {
			return start, true
		}
		if d.st == nil || !s.short {
			return start, false
		}
		d.Stats, d.index = stats, index
		s.pos, s.err, s.short = start, nil, false
		if !d.refill(s, start) {
			// The unit is larger than maxWindow (s.err says so): run it
			// once more as if the input ended here, so that it is counted
			// (as rejected) like any other broken unit.
			s.partial = false
			start = s.pos
			ok := fn() && s.err == nil
			return start, ok
		}
	}
}

// atEnd reports whether only white space is left, reading on in a stream.
// With keep < s.pos, the bytes from keep on stay in the window (and move to
// its start); otherwise the white space read is dropped as it goes.
func (d *Decoder) atEnd(s *scanner, keep int) bool {
	retain := keep < s.pos
	for {
		s.ws()
		if s.pos < len(s.buf) {
			return false
		}
		if !retain {
			keep = s.pos
		}
		if d.st == nil || !d.refill(s, keep) {
			return true
		}
		keep = 0
	}
}

// base is the offset in the file of the window's start.
func (d *Decoder) base() int {
	if d.st == nil {
		return 0
	}
	return d.st.base
}

// decode decodes the events of d.s (see DecodeFile).
func (d *Decoder) decode(f Format) (inputErr, fatal error) {
	d.index, d.line = 0, 0
	s := &d.s
	switch f {
	case FormatRecords, FormatLookupEvents:
		name := "Records"
		if f == FormatLookupEvents {
			name = "Events"
		}
		var empty, more, ok bool
		_, ok = d.unit(s, func() bool { empty, ok = s.objStart(0); return ok })
		found := false
		for more = ok && !empty; more; {
			var key []byte
			if _, ok = d.unit(s, func() bool { key, _, ok = s.key(); return ok }); !ok {
				break
			}
			if string(key) == name && !found {
				found = true
				if c := s.buf[s.pos]; c == 'n' {
					_, ok = d.unit(s, func() bool { return s.lit("null") })
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
				_, ok = d.unit(s, func() bool { return s.skip(1, false) })
			}
			if !ok {
				break
			}
			_, ok = d.unit(s, func() bool { more, ok = s.objNext(); return ok })
			if !ok {
				break
			}
		}
		if s.err == nil && !d.atEnd(s, s.pos) {
			s.fail("data after the end")
		}
		if s.err == nil && !found {
			return &RecordError{Index: -1, Err: fmt.Errorf("%w: no %q member", ErrNotEvents, name)}, nil
		}
	case FormatArray:
		if d.atEnd(s, s.pos) || s.buf[s.pos] != '[' {
			return &RecordError{Index: -1, Err: fmt.Errorf("%w: not a JSON array", ErrNotEvents)}, nil
		}
		if _, err := d.array(s, false); err != nil {
			return nil, err
		}
		if s.err == nil && !d.atEnd(s, s.pos) {
			s.fail("data after the end")
		}
	case FormatObjects:
		if !d.atEnd(s, s.pos) && s.buf[s.pos] == '{' {
			// A lone object must look like an event.
			start, ok := d.unit(s, func() bool { return s.skip(0, false) })
			if ok && !LooksLikeEvent(s.buf[start:s.pos]) {
				base := d.base()
				if d.atEnd(s, start) {
					return &RecordError{Index: -1, Err: ErrNotEvents}, nil
				}
				start -= d.base() - base // atEnd may have moved the window
			}
			s.pos, s.err, s.short = start, nil, false
		}
		for !d.atEnd(s, s.pos) {
			if s.buf[s.pos] != '{' {
				d.Stats.Records++
				d.Stats.Rejected++
				s.fail("expected an event object")
				break
			}
			if _, ok := d.unit(s, func() bool {
				if !d.event(s) || s.err != nil {
					d.Stats.Rejected++
					return false
				}
				return true
			}); !ok {
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
		var re *RecordError
		if errors.As(s.err, &re) {
			return re, nil
		}
		e := &RecordError{Index: d.index, Err: s.err}
		var se *SyntaxError
		if errors.As(s.err, &se) && se.Offset <= len(s.buf) {
			e.Line = 1 + bytes.Count(s.buf[:se.Offset], newline)
			if d.st != nil {
				e.Line += d.st.lines
				se.Offset += d.st.base
			}
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
	var empty, more bool
	if _, ok = d.unit(s, func() bool { empty, ok = s.arrStart(1); return ok }); !ok {
		return false, nil
	}
	for more = !empty; more; {
		if _, ok = d.unit(s, func() bool { return d.element(s, lookup) }); !ok {
			return false, nil
		}
		d.index++
		if err := d.maybeFlush(); err != nil {
			return false, err
		}
		if _, ok = d.unit(s, func() bool { more, ok = s.arrNext(); return ok }); !ok {
			return false, nil
		}
	}
	return true, nil
}

// element decodes one element of an events array. It returns false on a
// syntax error, counting the element as a rejected record.
func (d *Decoder) element(s *scanner, lookup bool) bool {
	var ok bool
	switch c := s.peek(); c {
	case '{':
		if lookup {
			ok = d.lookupElem(s)
		} else if ok = d.event(s) && s.err == nil; ok {
			d.finish()
		}
		if !ok {
			d.Stats.Rejected++
		}
		return ok
	case 'n':
		d.Stats.Records++
		d.Stats.Skipped++
		if !s.lit("null") {
			d.Stats.Skipped--
			d.Stats.Rejected++
			return false
		}
		return true
	default:
		d.Stats.Records++
		if !s.skip(2, false) {
			d.Stats.Rejected++
			return false
		}
		d.reject(fmt.Errorf("%w: record is a JSON %s, want an object", ErrWrongType, jsonType(c)))
		return true
	}
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

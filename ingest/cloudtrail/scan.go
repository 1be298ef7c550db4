package cloudtrail

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"unicode/utf8"
)

// MaxDepth bounds the nesting of JSON containers. Deeper input is a syntax
// error, never a stack overflow.
const MaxDepth = 512

// Sentinel causes of decoding errors.
var (
	ErrSyntax      = errors.New("invalid JSON")
	ErrTooDeep     = fmt.Errorf("JSON nested deeper than %d levels", MaxDepth)
	ErrWrongType   = errors.New("wrong JSON type")
	ErrMissingTime = errors.New("missing eventTime")
	ErrBadTime     = errors.New("unparsable timestamp")
	ErrNotEvent    = errors.New("not a CloudTrail event")
	ErrNotEvents   = errors.New("no CloudTrail events")
)

// SyntaxError is a JSON syntax error at a byte offset of the decoded text.
type SyntaxError struct {
	Offset int
	Msg    string
	cause  error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%v at byte %d: %s", e.cause, e.Offset, e.Msg)
}

func (e *SyntaxError) Unwrap() error { return e.cause }

// strStop marks the bytes that end a fast run inside a JSON string.
var strStop = func() (t [256]bool) {
	for c := 0; c < 0x20; c++ {
		t[c] = true
	}
	t['"'] = true
	t['\\'] = true
	return t
}()

// scanner is a validating, allocation-free JSON tokenizer over one buffer.
// Every method returns false after recording the first syntax error in err.
type scanner struct {
	buf []byte
	pos int
	err error
	// secret is set when a key named like a secret (secretAccessKey,
	// sessionToken, any case) was seen by skip with check set.
	secret bool
	// high is set when a string had a non-ASCII byte (then values are
	// checked for valid UTF-8).
	high bool
	// partial is set when buf is a window of a stream that goes on after
	// it: reaching its end is then an error (short), not the end of input.
	partial bool
	// short is set with err when the error may only be that the window
	// ends too early: the decoder refills the window and tries again.
	short bool
}

// shortMargin: an error within this many bytes of the end of a partial
// window may come from a token cut by the window (a literal, a number, an
// escape) and is retried with more input.
const shortMargin = 8

func (s *scanner) reset(buf []byte) {
	s.buf, s.pos, s.err, s.secret, s.high = buf, 0, nil, false, false
	s.partial, s.short = false, false
}

func (s *scanner) fail(msg string) bool {
	if s.err == nil {
		s.err = &SyntaxError{Offset: s.pos, Msg: msg, cause: ErrSyntax}
		s.short = s.partial && s.pos >= len(s.buf)-shortMargin
	}
	return false
}

func (s *scanner) tooDeep() bool {
	if s.err == nil {
		s.err = &SyntaxError{Offset: s.pos, Msg: "too deep", cause: ErrTooDeep}
	}
	return false
}

func (s *scanner) ws() {
	b, i := s.buf, s.pos
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
			continue
		}
		break
	}
	s.pos = i
}

// peek returns the next non-space byte, or 0 at the end. In a partial
// window the callers that take 0 for the end of a value fail there (short);
// objStart and arrStart check for it themselves.
func (s *scanner) peek() byte {
	s.ws()
	if s.pos >= len(s.buf) {
		return 0
	}
	return s.buf[s.pos]
}

// str scans the string at pos (which must be '"') and returns its raw
// content (escapes kept) and whether it holds escapes.
func (s *scanner) str() (raw []byte, esc bool, ok bool) {
	b := s.buf
	i := s.pos + 1
	start := i
	var acc uint64 // OR of the bytes seen, to tell ASCII-only strings
	for {
		// Eight bytes at a time: stop at the first '"', '\\' or control
		// byte (SWAR; false positives only above the first true one).
		for i+8 <= len(b) {
			v := binary.LittleEndian.Uint64(b[i:])
			acc |= v
			m := hasZeroByte(v^(lsb*'"')) | hasZeroByte(v^(lsb*'\\')) | ((v - lsb*0x20) &^ v & msb)
			if m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(b) && !strStop[b[i]] {
			acc |= uint64(b[i])
			i++
		}
		if i >= len(b) {
			s.pos = i
			return nil, false, s.fail("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			s.pos = i + 1
			if acc&msb != 0 {
				s.high = true
			}
			return b[start:i], esc, true
		case c == '\\':
			esc = true
			if i+1 >= len(b) {
				s.pos = i
				return nil, false, s.fail("unterminated string")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex4(b[i+2:i+6]) {
					s.pos = i
					return nil, false, s.fail("bad \\u escape")
				}
				i += 6
			default:
				s.pos = i
				return nil, false, s.fail("bad escape")
			}
		default:
			s.pos = i
			return nil, false, s.fail("control character in string")
		}
	}
}

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

func hasZeroByte(v uint64) uint64 { return (v - lsb) &^ v & msb }

func isHex4(b []byte) bool {
	for _, c := range b[:4] {
		if hexVal(c) < 0 {
			return false
		}
	}
	return true
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// unescape appends the decoded form of raw, a validated string content, to
// dst. Lone surrogates become U+FFFD.
func unescape(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c != '\\' {
			j := i + 1
			for j < len(raw) && raw[j] != '\\' {
				j++
			}
			dst = append(dst, raw[i:j]...)
			i = j
			continue
		}
		e := raw[i+1]
		i += 2
		switch e {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hex4(raw[i:]))
			i += 4
			if r >= 0xD800 && r < 0xDC00 {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					r2 := rune(hex4(raw[i+2:]))
					if r2 >= 0xDC00 && r2 < 0xE000 {
						r = (r-0xD800)<<10 | (r2 - 0xDC00) + 0x10000
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			} else if r >= 0xDC00 && r < 0xE000 {
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
		default: // '"', '\\', '/'
			dst = append(dst, e)
		}
	}
	return dst
}

func hex4(b []byte) int {
	return hexVal(b[0])<<12 | hexVal(b[1])<<8 | hexVal(b[2])<<4 | hexVal(b[3])
}

func (s *scanner) lit(word string) bool {
	if len(s.buf)-s.pos < len(word) || string(s.buf[s.pos:s.pos+len(word)]) != word {
		return s.fail("invalid literal")
	}
	s.pos += len(word)
	return true
}

func (s *scanner) num() bool {
	b, i := s.buf, s.pos
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && b[i] >= '1' && b[i] <= '9':
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	default:
		s.pos = i
		return s.fail("invalid number")
	}
	if i < len(b) && b[i] == '.' {
		i++
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.pos = i
			return s.fail("invalid number")
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == d {
			s.pos = i
			return s.fail("invalid number")
		}
	}
	s.pos = i
	if s.partial && i == len(b) { // the number may go on in the next window
		return s.fail("number at the end of the window")
	}
	return true
}

// isSecretKey reports whether an object key names a secret.
func isSecretKey(key []byte, esc bool) bool {
	if esc {
		var tmp [64]byte
		if len(key) > 6*16 {
			return false
		}
		key = unescape(tmp[:0], key)
	}
	switch len(key) {
	case len("secretAccessKey"):
		return asciiEqualFold(key, "secretaccesskey")
	case len("sessionToken"):
		return asciiEqualFold(key, "sessiontoken")
	}
	return false
}

// asciiEqualFold compares b with lower, an ASCII lower-case word.
func asciiEqualFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// skip scans over one value at pos. With check set, object keys at any
// depth are checked for secret names (see scanner.secret).
func (s *scanner) skip(depth int, check bool) bool {
	s.ws()
	if s.pos >= len(s.buf) {
		return s.fail("unexpected end of input")
	}
	switch c := s.buf[s.pos]; c {
	case '"':
		_, _, ok := s.str()
		return ok
	case '{':
		if depth >= MaxDepth {
			return s.tooDeep()
		}
		s.pos++
		if s.peek() == '}' {
			s.pos++
			return true
		}
		for {
			if s.peek() != '"' {
				return s.fail("expected object key")
			}
			key, esc, ok := s.str()
			if !ok {
				return false
			}
			if check && !s.secret && isSecretKey(key, esc) {
				s.secret = true
			}
			if s.peek() != ':' {
				return s.fail("expected ':'")
			}
			s.pos++
			if !s.skip(depth+1, check) {
				return false
			}
			switch s.peek() {
			case ',':
				s.pos++
			case '}':
				s.pos++
				return true
			default:
				return s.fail("expected ',' or '}'")
			}
		}
	case '[':
		if depth >= MaxDepth {
			return s.tooDeep()
		}
		s.pos++
		if s.peek() == ']' {
			s.pos++
			return true
		}
		for {
			if !s.skip(depth+1, check) {
				return false
			}
			switch s.peek() {
			case ',':
				s.pos++
			case ']':
				s.pos++
				return true
			default:
				return s.fail("expected ',' or ']'")
			}
		}
	case 't':
		return s.lit("true")
	case 'f':
		return s.lit("false")
	case 'n':
		return s.lit("null")
	default:
		if c == '-' || (c >= '0' && c <= '9') {
			return s.num()
		}
		return s.fail("unexpected character")
	}
}

// objStart consumes the '{' at pos. It reports whether the object is
// empty (its '}' consumed too).
func (s *scanner) objStart(depth int) (empty bool, ok bool) {
	return s.open(depth, '{', '}', "expected object")
}

// arrStart consumes the '[' at pos; see objStart.
func (s *scanner) arrStart(depth int) (empty bool, ok bool) {
	return s.open(depth, '[', ']', "expected array")
}

// open consumes the opening bracket of a container at pos, and its
// closing one when the container is empty.
func (s *scanner) open(depth int, opening, closing byte, expected string) (empty bool, ok bool) {
	if depth >= MaxDepth {
		return false, s.tooDeep()
	}
	if s.peek() != opening {
		return false, s.fail(expected)
	}
	s.pos++
	if s.peek() == closing {
		s.pos++
		return true, true
	}
	if s.partial && s.pos >= len(s.buf) { // the closing bracket may be in the next window
		return false, s.fail("unexpected end of window")
	}
	return false, true
}

// key reads a member key and its ':'; pos is then at the value.
func (s *scanner) key() (key []byte, esc bool, ok bool) {
	if s.peek() != '"' {
		return nil, false, s.fail("expected object key")
	}
	key, esc, ok = s.str()
	if !ok {
		return nil, false, false
	}
	if s.peek() != ':' {
		return nil, false, s.fail("expected ':'")
	}
	s.pos++
	s.ws()
	if s.pos >= len(s.buf) {
		return nil, false, s.fail("unexpected end of input")
	}
	return key, esc, true
}

// objNext consumes the ',' or '}' after a member; more is true after ','.
func (s *scanner) objNext() (more bool, ok bool) { return s.next('}', "expected ',' or '}'") }

// arrNext consumes the ',' or ']' after an element.
func (s *scanner) arrNext() (more bool, ok bool) { return s.next(']', "expected ',' or ']'") }

// next consumes the ',' or the closing bracket after a container's item.
func (s *scanner) next(closing byte, expected string) (more bool, ok bool) {
	switch s.peek() {
	case ',':
		s.pos++
		return true, true
	case closing:
		s.pos++
		return false, true
	}
	return false, s.fail(expected)
}

// jsonType names the JSON type of the value starting with c.
func jsonType(c byte) string {
	switch c {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number"
}

package credreport

import (
	"errors"
	"fmt"
)

// Sentinel causes of a ParseError.
var (
	ErrHeader      = errors.New("not a credential report header")
	ErrColumnCount = errors.New("wrong number of columns")
	ErrTimestamp   = errors.New("unparsable timestamp")
	ErrBool        = errors.New("unparsable boolean")
	ErrNotReport   = errors.New("not a credential report")
	ErrEmpty       = errors.New("empty report")
)

// ParseError locates one problem in a credential report. Line is 1-based
// (0 when the whole file is affected); Column is a column name or "".
type ParseError struct {
	File   string
	Line   int
	Column string
	Err    error
}

func (e *ParseError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Column != "" {
		return fmt.Sprintf("%s: %s: %v", loc, e.Column, e.Err)
	}
	return fmt.Sprintf("%s: %v", loc, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// Superseded names a report not used because a newer one of the same
// account was given.
type Superseded struct {
	Report *Report
	By     *Report
}

package credreport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"time"
)

// csvParser reads the CSV text of one report. inContent is set when the
// CSV came from the Content field of a JSON file: its line numbers are
// lines of the decoded Content, and the messages say so.
type csvParser struct {
	name      string
	inContent bool
	errs      []*ParseError
	rowErrs   int // row errors, listed or not
}

// parseCSV parses the CSV text of a credential report. It returns nil and
// the reason when the header is unusable.
func parseCSV(name string, data []byte, format string, inContent bool) (*Report, []*ParseError) {
	p := &csvParser{name: name, inContent: inContent}
	data = bytes.TrimPrefix(data, []byte(bom))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, []*ParseError{p.fileErr(ErrEmpty)}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true

	header, err := r.Read()
	if err != nil {
		line := 1
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			line = pe.StartLine
		}
		return nil, []*ParseError{p.lineErr(line, "", p.csvErr(err))}
	}
	headerLine, _ := r.FieldPos(0) // after leading blank lines, if any
	cols, err := mapHeader(header)
	if err != nil {
		return nil, []*ParseError{p.lineErr(headerLine, "", err)}
	}

	rep := &Report{File: name, Format: format}
	seen := make(map[string]int) // user name → line of its row
	for {
		startOffset := r.InputOffset()
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				// Not a syntax error (cannot happen with an in-memory
				// reader): give up on the rest of the file.
				p.add(p.lineErr(0, "", fmt.Errorf("%w: %v", ErrCSV, err)))
				break
			}
			rep.RowsRead++
			rep.RowsRejected++
			p.rowErr(p.lineErr(pe.StartLine, "", p.csvErr(err)))
			if r.InputOffset() == startOffset {
				break // no progress: stop rather than loop
			}
			continue
		}
		line, _ := r.FieldPos(0)
		if isBlankRecord(rec) {
			continue // csv skips empty lines; a lone "" field is not a row
		}
		rep.RowsRead++
		if len(rec) != len(header) {
			rep.RowsRejected++
			p.rowErr(p.lineErr(line, "", fmt.Errorf("%w: got %d, want %d", ErrColumnCount, len(rec), len(header))))
			continue
		}
		row, column, err := parseRow(&cols, rec)
		if err != nil {
			rep.RowsRejected++
			p.rowErr(p.lineErr(line, column, err))
			continue
		}
		row.Line = line
		if first, dup := seen[row.User]; dup {
			rep.RowsRejected++
			p.rowErr(p.lineErr(line, csvUser, fmt.Errorf("%w: the user's first row is at line %d; this later row is left out", ErrDuplicateUser, first)))
			continue
		}
		seen[row.User] = line
		rep.Rows = append(rep.Rows, row)
	}
	if rep.RowsRead == 0 && len(p.errs) == 0 {
		return nil, []*ParseError{p.fileErr(fmt.Errorf("%w: header but no rows", ErrEmpty))}
	}
	p.settleAccount(rep)
	if n := p.rowErrs - MaxRowErrors; n > 0 {
		p.errs = append(p.errs, p.fileErr(fmt.Errorf("%w: %d", ErrTooManyErrors, n)))
	}
	sort.SliceStable(p.errs, func(i, j int) bool {
		a, b := p.errs[i], p.errs[j]
		if (a.Line == 0) != (b.Line == 0) {
			return b.Line == 0 // file-level errors last
		}
		return a.Line < b.Line
	})
	return rep, p.errs
}

// settleAccount sets the report account to the one most rows have (the
// first seen wins a tie) and rejects the rows of other accounts.
func (p *csvParser) settleAccount(rep *Report) {
	if len(rep.Rows) == 0 {
		return
	}
	counts := make(map[string]int)
	bestN := 0
	for _, row := range rep.Rows {
		counts[row.AccountID]++
		bestN = max(bestN, counts[row.AccountID])
	}
	// On a tie the account of the earliest row wins.
	best := ""
	for _, row := range rep.Rows {
		if counts[row.AccountID] == bestN {
			best = row.AccountID
			break
		}
	}
	rep.AccountID = best
	if len(counts) == 1 {
		return
	}
	kept := rep.Rows[:0]
	for _, row := range rep.Rows {
		if row.AccountID != best {
			rep.RowsRejected++
			p.rowErr(p.lineErr(row.Line, csvARN, fmt.Errorf("%w: row account %s, report account %s", ErrAccountMismatch, row.AccountID, best)))
			continue
		}
		kept = append(kept, row)
	}
	rep.Rows = kept
}

func isBlankRecord(rec []string) bool {
	return len(rec) == 1 && len(bytes.TrimSpace([]byte(rec[0]))) == 0
}

// parseRow converts one record. On error it returns the column at fault.
func parseRow(cols *columnMap, rec []string) (Row, string, error) {
	var row Row
	row.User = cols.get(rec, csvUser)
	if row.User == "" {
		return row, csvUser, ErrUser
	}
	row.ARN = cols.get(rec, csvARN)
	account, rootARN, err := parseARN(row.ARN)
	if err != nil {
		return row, csvARN, err
	}
	row.AccountID = account
	row.IsRoot = row.User == "<root_account>"
	if row.IsRoot != rootARN {
		if row.IsRoot {
			return row, csvARN, fmt.Errorf("%w: the <root_account> row has a user ARN", ErrARN)
		}
		return row, csvARN, fmt.Errorf("%w: a user row has the root ARN", ErrARN)
	}

	timeCell := func(col string) (time.Time, cellKind, error) {
		return parseTimeCell(cols.get(rec, col))
	}
	var kind cellKind
	if row.UserCreationTime, _, err = timeCell(csvUserCreationTime); err != nil {
		return row, csvUserCreationTime, err
	}
	if row.PasswordEnabled, err = parseBoolCell(cols.get(rec, csvPasswordEnabled), true); err != nil {
		return row, csvPasswordEnabled, err
	}
	if row.PasswordLastUsed, kind, err = timeCell(csvPasswordLastUsed); err != nil {
		return row, csvPasswordLastUsed, err
	}
	row.PasswordLastUsedState = usedState(kind)
	if row.PasswordLastChanged, _, err = timeCell(csvPasswordLastChanged); err != nil {
		return row, csvPasswordLastChanged, err
	}
	if row.PasswordNextRotation, _, err = timeCell(csvPasswordNextRotation); err != nil {
		return row, csvPasswordNextRotation, err
	}
	if row.MFAActive, err = parseBoolCell(cols.get(rec, csvMFAActive), true); err != nil {
		return row, csvMFAActive, err
	}
	for i, kc := range keySlotColumns {
		k := &row.Keys[i]
		active, err := parseBoolCell(cols.get(rec, kc.active), false)
		if err != nil {
			return row, kc.active, err
		}
		k.Active = *active
		if k.LastRotated, kind, err = timeCell(kc.lastRotated); err != nil {
			return row, kc.lastRotated, err
		}
		if kind != cellValue && kind != cellNA {
			// IAM writes a date or N/A here; a key slot that exists without
			// a rotation date cannot be represented (KeySchema's
			// last_rotated is not nullable).
			return row, kc.lastRotated, fmt.Errorf("%w: want an RFC 3339 time or N/A, not a no_information or not_supported sentinel", ErrTimestamp)
		}
		k.Exists = kind == cellValue
		if k.LastUsed, kind, err = timeCell(kc.lastUsed); err != nil {
			return row, kc.lastUsed, err
		}
		k.LastUsedState = usedState(kind)
		k.LastUsedRegion = textCell(cols.get(rec, kc.region))
		k.LastUsedService = textCell(cols.get(rec, kc.service))
	}
	for i, cc := range certSlotColumns {
		c := &row.Certs[i]
		active, err := parseBoolCell(cols.get(rec, cc[0]), false)
		if err != nil {
			return row, cc[0], err
		}
		c.Active = *active
		if c.LastRotated, _, err = timeCell(cc[1]); err != nil {
			return row, cc[1], err
		}
	}
	return row, "", nil
}

// usedState maps a last-used cell to its state: a time is used, N/A is
// never, no_information and not_supported are no_information.
func usedState(k cellKind) string {
	switch k {
	case cellValue:
		return StateUsed
	case cellNA:
		return StateNever
	default:
		return StateNoInformation
	}
}

func (p *csvParser) add(e *ParseError) { p.errs = append(p.errs, e) }

// rowErr records the error of a rejected row, up to MaxRowErrors.
func (p *csvParser) rowErr(e *ParseError) {
	p.rowErrs++
	if p.rowErrs <= MaxRowErrors {
		p.add(e)
	}
}

func (p *csvParser) fileErr(err error) *ParseError {
	return &ParseError{File: p.name, Err: err}
}

func (p *csvParser) lineErr(line int, column string, err error) *ParseError {
	if p.inContent && line > 0 {
		err = &contentLineError{line: line, err: err}
	}
	return &ParseError{File: p.name, Line: line, Column: column, Err: err}
}

// csvErr rewrites an encoding/csv error without its position (the
// ParseError carries the line) and without any input.
func (p *csvParser) csvErr(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %v (column %d)", ErrCSV, pe.Err, pe.Column)
	}
	return fmt.Errorf("%w: %v", ErrCSV, err)
}

// contentLineError marks a line number as one of the CSV text decoded from
// a JSON file's Content field, not a line of the JSON file.
type contentLineError struct {
	line int
	err  error
}

func (e *contentLineError) Error() string {
	return fmt.Sprintf("Content line %d: %v", e.line, e.err)
}

func (e *contentLineError) Unwrap() error { return e.err }

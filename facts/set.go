package facts

import "github.com/apache/arrow-go/v18/arrow"

// Set is a Sink that keeps every record it is given, per table, in
// memory: for tests and small inputs. Release releases them.
type Set struct {
	Records [NumTables][]arrow.Record
}

var _ Sink = (*Set)(nil)

// Facts retains rec and keeps it.
func (s *Set) Facts(t Table, rec arrow.Record) error {
	rec.Retain()
	s.Records[t] = append(s.Records[t], rec)
	return nil
}

// Rows is the number of rows held for table t.
func (s *Set) Rows(t Table) int64 {
	var n int64
	for _, r := range s.Records[t] {
		n += r.NumRows()
	}
	return n
}

// Replay hands every record to sinks, table by table in Table order.
// The Set keeps its records.
func (s *Set) Replay(sinks ...Sink) error {
	for t := range s.Records {
		for _, rec := range s.Records[t] {
			for _, k := range sinks {
				if err := k.Facts(Table(t), rec); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Release releases every record held and empties the Set.
func (s *Set) Release() {
	for t := range s.Records {
		for _, r := range s.Records[t] {
			r.Release()
		}
		s.Records[t] = nil
	}
}

package facts

import (
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	ct "github.com/keyaudit/keyaudit/ingest/cloudtrail"
)

// ViewSink consumes fact rows through Views: the Builders of stage 2.
// A View is valid only during the call.
type ViewSink interface {
	FactView(v *View) error
}

// SinkOf adapts a ViewSink to a Sink: each record is checked with NewView.
func SinkOf(s ViewSink) Sink { return viewSink{s} }

type viewSink struct{ s ViewSink }

func (v viewSink) Facts(t Table, rec arrow.Record) error {
	view, err := NewView(t, rec)
	if err != nil {
		return err
	}
	return v.s.FactView(view)
}

// Projector is the native path from events to stage 2 without grouping:
// an ingest.EventSink that shows every event to its sinks as one-event
// fact rows (calls = 1, first_time = last_time = eventTime) of each table
// the event belongs in, read in place from the event record. Rows with
// equal grain may repeat in any table, which every fact consumer folds
// (package doc), so the results are those of the grouped facts an
// Aggregator, or an engine, would produce from the same events: the
// tests of inventory and sessions hold the two paths to the same bytes.
//
// Use it from one goroutine. It allocates nothing per event.
type Projector struct {
	sinks  []ViewSink
	skip   [NumTables]bool
	sel    [NumTables][]int32
	events int64
}

// TableReader is implemented by a ViewSink that reads only some tables.
type TableReader interface {
	FactTables() []Table
}

// NewProjector returns a Projector showing events to sinks, in order.
// Only the tables some sink reads are shown: all of them, unless every
// sink is a TableReader.
func NewProjector(sinks []ViewSink) *Projector {
	p := &Projector{sinks: sinks}
	read := [NumTables]bool{}
	all := len(sinks) == 0
	for _, s := range sinks {
		tr, ok := s.(TableReader)
		if !ok {
			all = true
			break
		}
		for _, t := range tr.FactTables() {
			read[t] = true
		}
	}
	for t := range p.skip {
		p.skip[t] = !all && !read[t]
	}
	return p
}

// Columns are the event columns the Projector reads, given the tables it
// shows: a run feeding only Projectors may omit the others
// (ingest.Options.OmitColumns with cloudtrail.OmitAllBut).
func (p *Projector) Columns() []int {
	cols := []int{ct.ColEventTime}
	for t := Table(0); t < Manifest; t++ {
		if p.skip[t] {
			continue
		}
		for _, src := range eventSource[t] {
			if src >= 0 {
				cols = append(cols, src)
			}
		}
		switch t {
		case KeyUse, SessionUse:
			cols = append(cols, ct.ColUIAccessKeyID)
		case STSIssue:
			cols = append(cols, ct.ColErrorCode, ct.ColRespCredentialsAccessKeyID)
		case KeyLifecycle:
			cols = append(cols, ct.ColEventSource, ct.ColEventName)
		case Principals:
			cols = append(cols, ct.ColUIType, ct.ColUIPrincipalID, ct.ColUIARN)
		}
		if t == SessionUse {
			cols = append(cols, ct.ColSessionCredentialFromConsole, ct.ColUserAgent)
		}
	}
	slices.Sort(cols)
	return slices.Compact(cols)
}

// EventCount is the number of events shown so far.
func (p *Projector) EventCount() int64 { return p.events }

// Events shows the events of rec (schema cloudtrail.EventSchema) to the
// sinks, table by table. It does not retain rec.
func (p *Projector) Events(rec arrow.Record) error {
	if _, err := ct.NewView(rec); err != nil { // checks the schema
		return err
	}
	n := int(rec.NumRows())
	p.events += int64(n)
	str := func(col int) *array.String { return rec.Column(col).(*array.String) }
	key, errCode, issued := str(ct.ColUIAccessKeyID), str(ct.ColErrorCode), str(ct.ColRespCredentialsAccessKeyID)
	source, name, typ := str(ct.ColEventSource), str(ct.ColEventName), str(ct.ColUIType)
	pid, arn := str(ct.ColUIPrincipalID), str(ct.ColUIARN)
	for t := range p.sel {
		p.sel[t] = p.sel[t][:0]
	}
	get := func(a *array.String, i int) string {
		if a.IsNull(i) {
			return ""
		}
		return a.Value(i)
	}
	for i := 0; i < n; i++ {
		if p.skip[KeyUse] && p.skip[SessionUse] {
			// no usage table shown
		} else if k := get(key, i); k != "" {
			if IsTemporary(k) {
				p.sel[SessionUse] = append(p.sel[SessionUse], int32(i))
			} else {
				p.sel[KeyUse] = append(p.sel[KeyUse], int32(i))
			}
		}
		if !p.skip[STSIssue] && get(errCode, i) == "" && IsTemporary(get(issued, i)) {
			p.sel[STSIssue] = append(p.sel[STSIssue], int32(i))
		}
		if !p.skip[KeyLifecycle] && IsLifecycle(get(source, i), get(name, i)) {
			p.sel[KeyLifecycle] = append(p.sel[KeyLifecycle], int32(i))
		}
		if p.skip[Principals] {
			continue
		}
		if ty := get(typ, i); (ty == "IAMUser" || ty == "Root") && get(pid, i) != "" && get(arn, i) != "" {
			p.sel[Principals] = append(p.sel[Principals], int32(i))
		}
	}
	for t := Table(0); t < Manifest; t++ {
		if p.skip[t] {
			continue
		}
		var v *View
		if t == EventAccounts {
			v = eventView(rec, t, n, nil)
		} else if len(p.sel[t]) > 0 {
			v = eventView(rec, t, len(p.sel[t]), p.sel[t])
		} else {
			continue
		}
		for _, s := range p.sinks {
			if err := s.FactView(v); err != nil {
				return err
			}
		}
	}
	return nil
}

// from maps each column of a table to the event column it is read from,
// or to a derivation.
const (
	dOne  = -1 // the integer 1
	dDay  = -2 // the UTC day of event_time
	dHint = -3 // console_hint
)

var eventSource = [Manifest][]int{
	KeyUse: {
		KUAccessKeyID: ct.ColUIAccessKeyID, KUType: ct.ColUIType, KUARN: ct.ColUIARN, KUUserName: ct.ColUIUserName,
		KUAccountID: ct.ColUIAccountID, KURecipient: ct.ColRecipientAccountID, KUDay: dDay,
		KUEventSource: ct.ColEventSource, KURegion: ct.ColAWSRegion, KUSourceIP: ct.ColSourceIPAddress,
		KUUserAgent: ct.ColUserAgent, KUCalls: dOne, KUFirst: ct.ColEventTime, KULast: ct.ColEventTime,
	},
	SessionUse: {
		SUAccessKeyID: ct.ColUIAccessKeyID, SUType: ct.ColUIType, SUARN: ct.ColUIARN, SUUserName: ct.ColUIUserName,
		SUAccountID: ct.ColUIAccountID, SUIssuerType: ct.ColUIIssuerType, SUIssuerARN: ct.ColUIIssuerARN,
		SUCreationDate: ct.ColUISessionCreationDate, SUSourceIdentity: ct.ColUISourceIdentity,
		SUInvokedBy: ct.ColUIInvokedBy, SURecipient: ct.ColRecipientAccountID, SUConsoleHint: dHint,
		SUCalls: dOne, SUFirst: ct.ColEventTime, SULast: ct.ColEventTime,
	},
	STSIssue:     stsSource[:],
	KeyLifecycle: lifecycleSource[:],
	Principals:   {PRPrincipalID: ct.ColUIPrincipalID, PRARN: ct.ColUIARN},
	EventAccounts: {
		EARecipient: ct.ColRecipientAccountID, EAEvents: dOne, EAFirst: ct.ColEventTime, EALast: ct.ColEventTime,
	},
}

func eventView(rec arrow.Record, t Table, rows int, sel []int32) *View {
	cols := Columns(t)
	v := newView(t, rows, len(cols))
	v.sel = sel
	for c, src := range eventSource[t] {
		switch src {
		case dOne:
			v.one[c] = true
		case dDay:
			v.day[c] = rec.Column(ct.ColEventTime).(*array.Timestamp)
		case dHint:
			v.hint = c
			v.from = rec.Column(ct.ColSessionCredentialFromConsole).(*array.Boolean)
			v.agent = rec.Column(ct.ColUserAgent).(*array.String)
		default:
			switch a := rec.Column(src).(type) {
			case *array.String:
				v.str[c] = a
			case *array.Timestamp:
				v.ts[c] = a
			case *array.Boolean:
				v.bools[c] = a
			default:
				panic(fmt.Sprintf("facts: event column %d of %s is %T", src, t, a))
			}
		}
	}
	return v
}

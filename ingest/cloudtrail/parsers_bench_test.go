package cloudtrail

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/valyala/fastjson"

	"github.com/keyaudit/keyaudit/ingest/internal/synth"
)

// cpuTime is the process's user+system CPU time (MB per CPU-second stays
// meaningful on a loaded machine).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, size int, start time.Duration) {
	b.ReportMetric(float64(size)*float64(b.N)/1e6/(cpuTime()-start).Seconds(), "MB/cpu-s")
}

// benchFile is one synthetic S3 delivery file of 2,000 events (~2.3 MB),
// or the first file of KEYAUDIT_BENCH_FILE (e.g. a decompressed
// cmd/ctgen file).
func benchFile(b *testing.B) []byte {
	if p := os.Getenv("KEYAUDIT_BENCH_FILE"); p != "" {
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	var buf bytes.Buffer
	if _, err := synth.Records(&buf, 1, 0, 2000); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkParsers compares ways of reading CloudTrail JSON; see the
// numbers in the comment at the top of decode.go.
func BenchmarkParsers(b *testing.B) {
	data := benchFile(b)
	b.Run("scanner-to-arrow", func(b *testing.B) {
		d := NewDecoder(memory.NewGoAllocator())
		defer d.Release()
		d.Emit = func(r arrow.Record) error { r.Release(); return nil }
		b.SetBytes(int64(len(data)))
		start := cpuTime()
		defer reportCPU(b, len(data), start)
		for i := 0; i < b.N; i++ {
			if inErr, err := d.DecodeFile(data, FormatRecords); inErr != nil || err != nil {
				b.Fatal(inErr, err)
			}
		}
		_ = d.Flush()
	})
	b.Run("fastjson-extract", func(b *testing.B) {
		var p fastjson.Parser
		var raw []byte
		b.SetBytes(int64(len(data)))
		start := cpuTime()
		defer reportCPU(b, len(data), start)
		n := 0
		for i := 0; i < b.N; i++ {
			v, err := p.ParseBytes(data)
			if err != nil {
				b.Fatal(err)
			}
			for _, e := range v.GetArray("Records") {
				for _, k := range []string{"eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress",
					"userAgent", "errorCode", "errorMessage", "eventType", "eventID", "requestID", "eventVersion", "recipientAccountId"} {
					n += len(e.GetStringBytes(k))
				}
				for _, k := range []string{"type", "principalId", "arn", "accountId", "accessKeyId", "userName"} {
					n += len(e.GetStringBytes("userIdentity", k))
				}
				n += len(e.GetStringBytes("userIdentity", "sessionContext", "attributes", "creationDate"))
				for _, k := range []string{"requestParameters", "responseElements", "additionalEventData"} {
					if f := e.Get(k); f != nil {
						raw = f.MarshalTo(raw[:0])
						n += len(raw)
					}
				}
			}
		}
		_ = n
	})
	b.Run("encoding-json-struct", func(b *testing.B) {
		type ui struct {
			Type, PrincipalID, ARN, AccountID, AccessKeyID, UserName string
			SessionContext                                           *struct {
				Attributes struct{ CreationDate, MFAAuthenticated string }
			}
		}
		type ev struct {
			EventTime, EventSource, EventName, AWSRegion, SourceIPAddress, UserAgent string
			ErrorCode, ErrorMessage, EventType, EventID, RequestID, EventVersion     string
			RecipientAccountID                                                       string
			UserIdentity                                                             *ui
			RequestParameters, ResponseElements, AdditionalEventData                 json.RawMessage
		}
		b.SetBytes(int64(len(data)))
		start := cpuTime()
		defer reportCPU(b, len(data), start)
		for i := 0; i < b.N; i++ {
			var f struct{ Records []ev }
			if err := json.Unmarshal(data, &f); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("jsontext-tokens", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		r := bytes.NewReader(data)
		dec := jsontext.NewDecoder(r)
		start := cpuTime()
		defer reportCPU(b, len(data), start)
		for i := 0; i < b.N; i++ {
			r.Reset(data)
			dec.Reset(r)
			for {
				if _, err := dec.ReadToken(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

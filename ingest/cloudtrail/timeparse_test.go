package cloudtrail

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC, "" = unparsable
	}{
		{"2023-07-10T11:42:18Z", "2023-07-10T11:42:18Z"},
		{"2023-07-10T11:42:18.123Z", "2023-07-10T11:42:18.123Z"},
		{"2023-07-10T11:42:18.1Z", "2023-07-10T11:42:18.1Z"},
		{"2023-07-10T11:42:18.123456789Z", "2023-07-10T11:42:18.123Z"},
		{"2023-07-10T11:42:18+02:00", "2023-07-10T09:42:18Z"},
		{"2023-07-10T11:42:18-05:30", "2023-07-10T17:12:18Z"},
		{"2024-02-29T00:00:00Z", "2024-02-29T00:00:00Z"},
		{"1969-12-31T23:59:59Z", "1969-12-31T23:59:59Z"},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
		{"20131102T010628Z", "2013-11-02T01:06:28Z"},
		{"Jul 18, 2014 4:07:39 PM", "2014-07-18T16:07:39Z"},
		{"Jun 1, 2017 1:02:57 AM", "2017-06-01T01:02:57Z"},
		{"Jul 10, 2023, 12:09:47 PM", "2023-07-10T12:09:47Z"},
		{"Jul 10, 2023, 12:09:47 AM", "2023-07-10T00:09:47Z"},
		{"dec 31, 1999 11:59:59 pm", "1999-12-31T23:59:59Z"},
		{"", ""},
		{"yesterday", ""},
		{"2023-02-29T00:00:00Z", ""},
		{"2023-13-01T00:00:00Z", ""},
		{"2023-07-10T24:00:00Z", ""},
		{"2023-07-10T11:42:18", ""},
		{"2023-07-10T11:42:18.Z", ""},
		{"2023-07-10T11:42:18+2:00", ""},
		{"2023-07-10 11:42:18Z", "2023-07-10T11:42:18Z"},
		{"20131102T010628", ""},
		{"Foo 18, 2014 4:07:39 PM", ""},
		{"Jul 18, 2014 13:07:39 PM", ""},
		{"Jul 18, 2014 4:07:39 XM", ""},
		{"Jul 18 2014 4:07:39 PM", ""},
		{"ThisIsAWrongEventTime", ""},
	}
	for _, tt := range tests {
		ms, ok := ParseTime([]byte(tt.in))
		got := ""
		if ok {
			got = time.UnixMilli(ms).UTC().Format(time.RFC3339Nano)
		}
		if got != tt.want {
			t.Errorf("ParseTime(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if ok {
			// Cross-check against the standard library where it applies.
			if ref, err := time.Parse(time.RFC3339Nano, tt.in); err == nil && ref.UnixMilli() != ms {
				t.Errorf("ParseTime(%q) = %d, time.Parse says %d", tt.in, ms, ref.UnixMilli())
			}
		}
	}
}

func TestParseTimeMatchesStdlib(t *testing.T) {
	// Every second boundary of a few centuries' worth of days.
	for d := int64(-200000); d < 200000; d += 37 {
		tm := time.Unix(d*86400+d%86400, 0).UTC()
		in := tm.Format("2006-01-02T15:04:05Z")
		ms, ok := ParseTime([]byte(in))
		if !ok || ms != tm.UnixMilli() {
			t.Fatalf("ParseTime(%q) = %d, %v; want %d", in, ms, ok, tm.UnixMilli())
		}
	}
}

func BenchmarkParseTime(b *testing.B) {
	in := []byte("2023-07-10T11:42:18Z")
	for i := 0; i < b.N; i++ {
		if _, ok := ParseTime(in); !ok {
			b.Fatal("no")
		}
	}
}

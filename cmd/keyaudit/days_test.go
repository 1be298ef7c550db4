package main

import (
	"strings"
	"testing"
	"time"
)

// TestDaysValue: thresholds are days; 0 is zero days, never the default,
// and units below a day are refused rather than read as minutes.
func TestDaysValue(t *testing.T) {
	const day = 24 * time.Hour
	for _, tt := range []struct {
		in      string
		want    time.Duration
		wantErr string
	}{
		{in: "0", want: 0},
		{in: "0d", want: 0},
		{in: "90", want: 90 * day},
		{in: "90d", want: 90 * day},
		{in: "2160h", want: 90 * day}, // a whole number of days, in hours
		{in: "0h", want: 0},
		{in: "36h", wantErr: "36h is not a whole number of days"},
		{in: "3m", wantErr: "use days (90 or 90d); units below a day are not accepted"},
		{in: "1440m", wantErr: "units below a day are not accepted"},
		{in: "90s", wantErr: "units below a day are not accepted"},
		{in: "2160h0m0s", wantErr: "units below a day are not accepted"},
		{in: "1.5", wantErr: "use whole days"},
		{in: "-1", wantErr: "use whole days"},
		{in: "soon", wantErr: "use whole days"},
		{in: "", wantErr: "use whole days"},
	} {
		d := 7 * day
		err := daysValue{&d}.Set(tt.in)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("Set(%q): %v", tt.in, err)
		case tt.wantErr == "" && d != tt.want:
			t.Errorf("Set(%q) = %v, want %v", tt.in, d, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("Set(%q): error %v, want one saying %q", tt.in, err, tt.wantErr)
		}
	}
}

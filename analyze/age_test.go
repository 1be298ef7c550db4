package analyze

import (
	"testing"
	"time"
)

func TestFloorDays(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int64
	}{
		{0, 0},
		{time.Nanosecond, 0},
		{Day - time.Nanosecond, 0},
		{Day, 1},
		{90*Day + time.Millisecond, 90},
		{-time.Nanosecond, -1},
		{-Day, -1},
		{-Day - time.Nanosecond, -2},
		{-36 * time.Hour, -2},
	}
	for _, tt := range tests {
		if got := floorDays(tt.d); got != tt.want {
			t.Errorf("floorDays(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestPhrases(t *testing.T) {
	at := time.Date(2026, 12, 1, 23, 0, 0, 0, time.FixedZone("x", -3600))
	for _, tt := range []struct {
		got, want string
	}{
		{agoPhrase(at, -3), "on 2026-12-02, after the as-of time"},
		{agoPhrase(at, 0), "less than a day ago"},
		{agoPhrase(at, 1), "1 day ago"},
		{agoPhrase(at, 400), "400 days ago"},
		{limitPhrase(Day), "1 day"},
		{limitPhrase(90 * Day), "90 days"},
		{limitPhrase(90*Day + time.Hour), "2161h0m0s"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	if c := DefaultConfig(asOf); c.MaxKeyAge != 90*Day || c.MaxUnused != 45*Day || c.MaxRotation != 7*Day {
		t.Errorf("DefaultConfig = %+v", c)
	}
	if err := (Config{AsOf: asOf}).Validate(); err != nil {
		t.Errorf("zero thresholds: %v", err)
	}
	if err := (Config{AsOf: asOf, MaxRotation: -1}).Validate(); err == nil {
		t.Error("negative max rotation accepted")
	}
	if err := DefaultConfig(asOf).Validate(); err != nil {
		t.Error(err)
	}
}

func TestDaysSince(t *testing.T) {
	for _, tt := range []struct {
		t    time.Time
		want int64
		ok   bool
	}{
		{ago(90*Day + time.Hour), 90, true},
		{asOf, 0, true},
		{asOf.Add(time.Millisecond), 0, false}, // after the as-of time: no age, not -1
		{time.Time{}, 0, false},
	} {
		if got, ok := DaysSince(asOf, tt.t); got != tt.want || ok != tt.ok {
			t.Errorf("DaysSince(%v) = %d, %v; want %d, %v", tt.t, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := DaysSince(time.Time{}, asOf); ok {
		t.Error("an age without an as-of time")
	}
}

package ctgen

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestDecodePublicExample(t *testing.T) {
	got, err := DecodeAccount("ASIAY34FZKBOKMUTVV7A")
	if err != nil {
		t.Fatal(err)
	}
	if got != 609629065308 {
		t.Fatalf("DecodeAccount = %d, want 609629065308", got)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	tests := []struct {
		prefix  string
		account uint64
	}{
		{"AKIA", 609629065308},
		{"ASIA", 123456789012},
		{"AKIA", 1},
		{"ASIA", 999999999999},
		{"AROA", 100000000000},
	}
	for _, tc := range tests {
		for i := 0; i < 200; i++ {
			id := EncodeKeyID(tc.prefix, tc.account, r)
			if len(id) != 20 || !strings.HasPrefix(id, tc.prefix) {
				t.Fatalf("bad id %q", id)
			}
			if c := id[4]; !(c >= 'Q' && c <= 'Z' || c >= '2' && c <= '7') {
				t.Fatalf("%s: fifth char %q not in Q-Z or 2-7", id, c)
			}
			got, err := DecodeAccount(id)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.account {
				t.Fatalf("%s decodes to %d, want %d", id, got, tc.account)
			}
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	for _, id := range []string{"", "AKIA", "AKIAY34FZKBOKMUTVV7", "AKIAY34FZKBOKMUTVV71"} {
		if _, err := DecodeAccount(id); err == nil {
			t.Errorf("DecodeAccount(%q): want error", id)
		}
	}
}

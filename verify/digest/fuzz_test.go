package digest_test

import (
	"encoding/hex"
	"os"
	"testing"

	"github.com/keyaudit/keyaudit/verify/digest"
)

// FuzzParseDigest: Parse never panics, and what it accepts holds up: a
// chain link has a 64-digit hash and a hex signature, times are ordered,
// a second parse gives the same result.
func FuzzParseDigest(f *testing.F) {
	if b, err := os.ReadFile("testdata/aws-doc-sample.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(start))
	f.Add([]byte(`{"logFiles":[{"hashValue":"00"}]}`))
	f.Add([]byte(`{"awsAccountId":null}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := digest.Parse(data)
		if err != nil {
			if d != nil {
				t.Fatal("a digest with an error")
			}
			if _, ok := err.(*digest.ParseError); !ok {
				t.Fatalf("error %T, want *ParseError", err)
			}
			return
		}
		if d.EndTime.Before(d.StartTime) || d.AccountID == "" || d.S3Object == "" {
			t.Fatalf("accepted %+v", d)
		}
		if !d.IsStart() {
			if b, err := hex.DecodeString(d.PrevHash); err != nil || len(b) != 32 {
				t.Fatalf("accepted previous hash %q", d.PrevHash)
			}
			if _, err := hex.DecodeString(d.PrevSignature); err != nil || d.PrevSignature == "" {
				t.Fatalf("accepted signature %q", d.PrevSignature)
			}
		}
		for _, lf := range d.LogFiles {
			if lf.Err == nil {
				if b, err := hex.DecodeString(lf.Hash); err != nil || len(b) != 32 {
					t.Fatalf("accepted log hash %q", lf.Hash)
				}
			}
		}
		again, err := digest.Parse(data)
		if err != nil || again.PrevHash != d.PrevHash || len(again.LogFiles) != len(d.LogFiles) {
			t.Fatal("a second parse differs")
		}
	})
}

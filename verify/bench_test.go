package verify

import (
	"context"
	"testing"

	"github.com/keyaudit/keyaudit/internal/digestgen"
	"github.com/keyaudit/keyaudit/verify/digest"
)

// BenchmarkRun verifies ten days of one region (240 signed digests, 2,400
// logs) with signature checks.
func BenchmarkRun(b *testing.B) {
	tr := digestgen.New()
	logs := make([]int, 240)
	for i := range logs {
		logs[i] = 10
	}
	built := tr.Add(digestgen.Chain{Logs: logs})
	dir := b.TempDir()
	if err := tr.Write(dir); err != nil {
		b.Fatal(err)
	}
	keys, _, _ := digest.ParsePublicKeys(digestgen.PublicKeysJSON(keysFrom, keysUntil, false, &digestgen.Key().PublicKey))
	saved := &digest.Saved{ByKey: map[string]string{built.HeadKey: built.HeadSignature}}
	b.ResetTimer()
	for b.Loop() {
		res, err := Run(context.Background(), []string{dir}, Options{Keys: keys, Saved: saved})
		if err != nil || res.Counts()[Valid] != 2640 {
			b.Fatalf("%v %v", err, res.Counts())
		}
	}
}

package verify_test

import (
	"context"
	"fmt"
	"os"

	"github.com/keyaudit/keyaudit/verify"
	"github.com/keyaudit/keyaudit/verify/digest"
)

// Verify a bucket copy with the public keys and the chain heads' saved
// signatures, and print the summary.
func Example() {
	dir := "testdata/fixture/"
	keysJSON, _ := os.ReadFile(dir + "keys.json")
	keys, _, err := digest.ParsePublicKeys(keysJSON)
	if err != nil {
		fmt.Println(err)
		return
	}
	saved := &digest.Saved{}
	for _, f := range []string{"head-us-east-1.json", "head-eu-west-1.json"} {
		b, _ := os.ReadFile(dir + f)
		if err := saved.ParseSignatures(b); err != nil {
			fmt.Println(err)
			return
		}
	}
	res, err := verify.Run(context.Background(), []string{dir + "bucket"}, verify.Options{Keys: keys, Saved: saved})
	if err != nil {
		fmt.Println(err)
		return
	}
	res.WriteSummary(os.Stdout)
	fmt.Println("tampered:", res.Tampered())
	// Output:
	// chain 111122223333/eu-west-1/org-trail: 3 digests, 3 logs (2026-10-31T00:00:31Z to 2026-10-31T05:00:31Z): FAILED: 1 modified, 1 missing, 1 trailing-data, 1 unreferenced, 2 not-covered
	//   missing digests: 2026-10-31T02:00:31Z to 2026-10-31T04:00:31Z (2 hours)
	// chain 111122223333/us-east-1/org-trail: 4 digests, 4 logs (2026-10-31T00:00:31Z to 2026-10-31T04:00:31Z): valid
	// in no chain: 1 not-covered
	// verified: 19 files: 1 modified, 1 missing, 1 trailing-data, 1 unreferenced, 3 not-covered, 1 consistent, 11 valid; signatures checked
	// tampered: true
}

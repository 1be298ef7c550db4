package keyid_test

import (
	"fmt"

	"github.com/keyaudit/keyaudit/analyze/keyid"
)

func ExampleDecode() {
	info, err := keyid.Decode("ASIAY34FZKBOKMUTVV7A")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(info.Kind.Description)
	fmt.Println(info.Generation, info.Account)

	_, err = keyid.Decode("AKIATFQR7NSC8Q4X20BJ")
	fmt.Println(err)
	// Output:
	// temporary access key (AWS STS)
	// current 609629065308
	// invalid AWS identifier: character 13 ('8') is not base32 (A-Z, 2-7)
}

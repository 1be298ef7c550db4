package credreport_test

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/keyaudit/keyaudit/ingest/credreport"
)

func ExampleParse() {
	csv := strings.Join([]string{
		"user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated",
		"<root_account>,arn:aws:iam::111122223333:root,2020-01-02T03:04:05+00:00,not_supported,2026-11-01T10:00:00+00:00,not_supported,not_supported,true,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
		"alice,arn:aws:iam::111122223333:user/alice,2021-03-04T05:06:07Z,false,N/A,N/A,N/A,false,TRUE,2021-03-04T05:06:08Z,2026-11-20T12:00:00Z,eu-west-1,s3,false,2022-01-01T00:00:00Z,N/A,N/A,N/A,false,N/A,false,N/A",
		"bob,arn:aws:iam::111122223333:user/bob,yesterday,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
	}, "\r\n")

	rep, errs := credreport.Parse("report.csv", []byte(csv))
	for _, err := range errs {
		fmt.Println("error:", err)
	}
	fmt.Printf("account %s: %d rows read, %d rejected\n", rep.AccountID, rep.RowsRead, rep.RowsRejected)
	for _, row := range rep.Rows {
		fmt.Printf("%s root=%v password_last_used=%s", row.User, row.IsRoot, row.PasswordLastUsedState)
		for i, k := range row.Keys {
			if k.Exists {
				fmt.Printf(" key%d(active=%v last_used=%s)", i+1, k.Active, k.LastUsedState)
			}
		}
		fmt.Println()
	}

	mem := memory.NewGoAllocator()
	keys := credreport.BuildKeyRecord(mem, []*credreport.Report{rep})
	defer keys.Release() // the caller owns the record
	fmt.Println("key rows:", keys.NumRows())
	// Output:
	// error: report.csv:4: user_creation_time: unparsable timestamp "yesterday" (want RFC 3339, N/A, no_information or not_supported)
	// account 111122223333: 3 rows read, 1 rejected
	// <root_account> root=true password_last_used=used
	// alice root=false password_last_used=never key1(active=true last_used=used) key2(active=false last_used=never)
	// key rows: 2
}

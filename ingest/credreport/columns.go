package credreport

import (
	"fmt"
	"strings"
)

// Column names of a credential report as IAM writes them, in IAM's order.
// They are matched by name, so a report with reordered columns still parses.
const (
	csvUser                 = "user"
	csvARN                  = "arn"
	csvUserCreationTime     = "user_creation_time"
	csvPasswordEnabled      = "password_enabled"
	csvPasswordLastUsed     = "password_last_used"
	csvPasswordLastChanged  = "password_last_changed"
	csvPasswordNextRotation = "password_next_rotation"
	csvMFAActive            = "mfa_active"
	csvKey1Active           = "access_key_1_active"
	csvKey1LastRotated      = "access_key_1_last_rotated"
	csvKey1LastUsedDate     = "access_key_1_last_used_date"
	csvKey1LastUsedRegion   = "access_key_1_last_used_region"
	csvKey1LastUsedService  = "access_key_1_last_used_service"
	csvKey2Active           = "access_key_2_active"
	csvKey2LastRotated      = "access_key_2_last_rotated"
	csvKey2LastUsedDate     = "access_key_2_last_used_date"
	csvKey2LastUsedRegion   = "access_key_2_last_used_region"
	csvKey2LastUsedService  = "access_key_2_last_used_service"
	csvCert1Active          = "cert_1_active"
	csvCert1LastRotated     = "cert_1_last_rotated"
	csvCert2Active          = "cert_2_active"
	csvCert2LastRotated     = "cert_2_last_rotated"
)

// reportColumns lists the 22 columns in IAM's order; the index of a name is
// its field number in a columnMap.
var reportColumns = [...]string{
	csvUser, csvARN, csvUserCreationTime, csvPasswordEnabled, csvPasswordLastUsed,
	csvPasswordLastChanged, csvPasswordNextRotation, csvMFAActive,
	csvKey1Active, csvKey1LastRotated, csvKey1LastUsedDate, csvKey1LastUsedRegion, csvKey1LastUsedService,
	csvKey2Active, csvKey2LastRotated, csvKey2LastUsedDate, csvKey2LastUsedRegion, csvKey2LastUsedService,
	csvCert1Active, csvCert1LastRotated, csvCert2Active, csvCert2LastRotated,
}

const numColumns = len(reportColumns)

// headerPrefix is how every credential report starts (after a BOM).
const headerPrefix = "user,arn,user_creation_time"

// columnMap maps a report column (index into reportColumns) to the position
// of that column in the file's records.
type columnMap [numColumns]int

// keyColumns names the columns of one access-key slot.
type keyColumns struct {
	active, lastRotated, lastUsed, region, service string
}

var keySlotColumns = [2]keyColumns{
	{csvKey1Active, csvKey1LastRotated, csvKey1LastUsedDate, csvKey1LastUsedRegion, csvKey1LastUsedService},
	{csvKey2Active, csvKey2LastRotated, csvKey2LastUsedDate, csvKey2LastUsedRegion, csvKey2LastUsedService},
}

var certSlotColumns = [2][2]string{
	{csvCert1Active, csvCert1LastRotated},
	{csvCert2Active, csvCert2LastRotated},
}

var columnIndex = func() map[string]int {
	m := make(map[string]int, numColumns)
	for i, c := range reportColumns {
		m[c] = i
	}
	return m
}()

// mapHeader checks a header record and maps its columns by name. Names are
// compared after trimming spaces, ignoring case. Every column must be known,
// present and unique.
func mapHeader(header []string) (columnMap, error) {
	var m columnMap
	for i := range m {
		m[i] = -1
	}
	for pos, raw := range header {
		name := strings.ToLower(strings.TrimSpace(raw))
		if pos == 0 {
			name = strings.TrimPrefix(name, bom)
		}
		idx, ok := columnIndex[name]
		if !ok {
			return m, fmt.Errorf("%w: unknown column %s (column %d)", ErrHeader, safeValue(raw), pos+1)
		}
		if m[idx] >= 0 {
			return m, fmt.Errorf("%w: column %s appears twice (columns %d and %d)", ErrHeader, name, m[idx]+1, pos+1)
		}
		m[idx] = pos
	}
	var missing []string
	for idx, pos := range m {
		if pos < 0 {
			missing = append(missing, reportColumns[idx])
		}
	}
	if len(missing) > 0 {
		return m, fmt.Errorf("%w: missing column %s", ErrHeader, strings.Join(missing, ", "))
	}
	return m, nil
}

// get returns the cell of the named column.
func (m *columnMap) get(rec []string, column string) string {
	return rec[m[columnIndex[column]]]
}

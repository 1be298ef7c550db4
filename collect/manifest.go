package collect

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// ManifestVersion is the version of the collect-manifest.json document.
const ManifestVersion = 1

// Manifest is collect-manifest.json: what a run read, from where, and how
// each account and region went. It holds no secret: STS credentials stay
// in memory.
type Manifest struct {
	ManifestVersion int    `json:"manifest_version"`
	Tool            string `json:"tool"`
	Version         string `json:"keyaudit_version"`
	CallerARN       string `json:"caller_arn"`
	CallerAccount   string `json:"caller_account"`
	OrganizationID  string `json:"organization_id,omitempty"`
	Started         string `json:"started"`
	Finished        string `json:"finished"`
	Window          Window `json:"window"`
	TrailBucket     string `json:"trail_bucket,omitempty"`
	TrailPrefix     string `json:"trail_prefix,omitempty"`
	// Partial is true when an account, a credential report or a region
	// was not (fully) collected: status partial, denied, timeout or error.
	Partial  bool            `json:"partial"`
	Accounts []*AccountEntry `json:"accounts"`
	// Objects are the S3 objects present in the folder, by key, with the
	// size and ETag S3 gave: a later run fetches only new or changed ones.
	Objects []ObjectEntry `json:"objects"`
	Notes   []string      `json:"notes,omitempty"`
}

// Window is the CloudTrail time window [Since, Until), RFC 3339 UTC.
type Window struct {
	Since string `json:"since"`
	Until string `json:"until"`
}

// AccountEntry is one account of a run.
type AccountEntry struct {
	ID      string `json:"account_id"`
	Name    string `json:"name,omitempty"`
	State   string `json:"org_state,omitempty"` // the organization's State for the account
	RoleARN string `json:"role_arn,omitempty"`  // empty for the caller's own account
	Status  Status `json:"status"`
	Error   string `json:"error,omitempty"`
	// Check says what to look at when the account failed.
	Check            string         `json:"check,omitempty"`
	CredentialReport *ReportEntry   `json:"credential_report,omitempty"`
	Regions          []*RegionEntry `json:"regions,omitempty"`
}

// ReportEntry is the credential report of an account.
type ReportEntry struct {
	Status        Status `json:"status"`
	File          string `json:"file,omitempty"` // relative to the folder
	GeneratedTime string `json:"generated_time,omitempty"`
	// Reused: GenerateCredentialReport said COMPLETE at once, IAM had a
	// fresh report (less than four hours old) and did not make a new one.
	Reused    bool   `json:"reused"`
	Polls     int    `json:"polls"`     // GetCredentialReport calls
	Retries   int64  `json:"retries"`   // ReportInProgress, LimitExceeded and SDK retries
	Throttles int64  `json:"throttles"` // of which throttling
	Error     string `json:"error,omitempty"`
}

// RegionEntry is the CloudTrail of one account in one region.
type RegionEntry struct {
	Region string `json:"region"`
	Source string `json:"source"` // "s3" or "lookup-events"
	Status Status `json:"status"`
	// S3: objects listed in the window, fetched now, unchanged since the
	// previous run; digests among them.
	Objects   int   `json:"objects,omitempty"`
	Fetched   int   `json:"fetched,omitempty"`
	Unchanged int   `json:"unchanged,omitempty"`
	Digests   int   `json:"digests,omitempty"`
	Bytes     int64 `json:"bytes,omitempty"`
	// LookupEvents: days written now, days kept from a previous run, events.
	Days       int    `json:"days,omitempty"`
	DaysReused int    `json:"days_reused,omitempty"`
	Events     int64  `json:"events,omitempty"`
	Retries    int64  `json:"retries"`
	Throttles  int64  `json:"throttles"`
	Error      string `json:"error,omitempty"`
	Note       string `json:"note,omitempty"`

	c counters
}

// ObjectEntry is one S3 object in the folder.
type ObjectEntry struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	File   string `json:"file"` // relative to the folder, slash-separated
	Size   int64  `json:"size"`
	ETag   string `json:"etag"`
}

// Signature is the signature CloudTrail stored in a digest object's S3
// metadata; keyaudit verify reads the file of them (SignaturesName).
type Signature struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	Signature string `json:"signature"`
	Algorithm string `json:"signature_algorithm"`
}

// ReadManifest reads the collect-manifest.json of dir; a missing one is
// (nil, nil).
func ReadManifest(dir string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read %s: %w", ManifestName, err)
	}
	return &m, nil
}

func readSignatures(dir string) map[string]Signature {
	sigs := map[string]Signature{}
	if b, err := os.ReadFile(filepath.Join(dir, SignaturesName)); err == nil {
		json.Unmarshal(b, &sigs) // a damaged sidecar is rebuilt from what is fetched
	}
	return sigs
}

// finish derives the statuses, sorts and flags the manifest partial.
func (m *Manifest) finish() {
	sort.Slice(m.Accounts, func(i, j int) bool { return m.Accounts[i].ID < m.Accounts[j].ID })
	sort.Slice(m.Objects, func(i, j int) bool {
		if m.Objects[i].Bucket != m.Objects[j].Bucket {
			return m.Objects[i].Bucket < m.Objects[j].Bucket
		}
		return m.Objects[i].Key < m.Objects[j].Key
	})
	m.Partial = false
	for _, a := range m.Accounts {
		sort.Slice(a.Regions, func(i, j int) bool { return a.Regions[i].Region < a.Regions[j].Region })
		for _, r := range a.Regions {
			r.Retries, r.Throttles = r.c.retries.Load(), r.c.throttles.Load()
		}
		if a.Status == "" {
			a.Status = StatusOK
			parts := []Status{}
			if a.CredentialReport != nil {
				parts = append(parts, a.CredentialReport.Status)
			}
			for _, r := range a.Regions {
				parts = append(parts, r.Status)
			}
			for _, s := range parts {
				if s.failed() {
					a.Status = StatusPartial
				}
			}
		}
		if a.Status.failed() {
			m.Partial = true
		}
	}
}

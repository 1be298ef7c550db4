package ocsf

// Event is an OCSF 1.8.0 Compliance Finding, with the attributes keyaudit
// sets, in this order; zero times and empty strings are left out.
type Event struct {
	ActivityID   int         `json:"activity_id"`
	ActivityName string      `json:"activity_name"`
	CategoryUID  int         `json:"category_uid"`
	CategoryName string      `json:"category_name"`
	ClassUID     int         `json:"class_uid"`
	ClassName    string      `json:"class_name"`
	TypeUID      int64       `json:"type_uid"`
	TypeName     string      `json:"type_name"`
	SeverityID   int         `json:"severity_id"`
	Severity     string      `json:"severity"`
	StatusID     int         `json:"status_id"`
	Status       string      `json:"status"`
	StatusDetail string      `json:"status_detail,omitempty"`
	Time         int64       `json:"time"`
	StartTime    int64       `json:"start_time,omitempty"`
	EndTime      int64       `json:"end_time,omitempty"`
	Message      string      `json:"message"`
	Metadata     Metadata    `json:"metadata"`
	Cloud        Cloud       `json:"cloud"`
	FindingInfo  FindingInfo `json:"finding_info"`
	Compliance   Compliance  `json:"compliance"`
	Resources    []Resource  `json:"resources"`
	Unmapped     *Unmapped   `json:"unmapped,omitempty"`
}

// Metadata is the OCSF metadata object.
type Metadata struct {
	Version  string   `json:"version"`
	Product  Product  `json:"product"`
	Profiles []string `json:"profiles,omitempty"`
}

// Product is the OCSF product object.
type Product struct {
	Name       string `json:"name"`
	VendorName string `json:"vendor_name"`
	Version    string `json:"version,omitempty"`
}

// Cloud is the OCSF cloud object (profile cloud).
type Cloud struct {
	Provider string   `json:"provider"`
	Account  *Account `json:"account,omitempty"`
}

// Account is the OCSF account object.
type Account struct {
	UID    string `json:"uid"`
	Type   string `json:"type"`
	TypeID int    `json:"type_id"`
}

// FindingInfo is the OCSF finding_info object.
type FindingInfo struct {
	UID           string    `json:"uid"`
	Title         string    `json:"title"`
	Desc          string    `json:"desc,omitempty"`
	Types         []string  `json:"types,omitempty"`
	Analytic      *Analytic `json:"analytic,omitempty"`
	CreatedTime   int64     `json:"created_time,omitempty"`
	FirstSeenTime int64     `json:"first_seen_time,omitempty"`
	LastSeenTime  int64     `json:"last_seen_time,omitempty"`
}

// Analytic is the OCSF analytic object: the rule.
type Analytic struct {
	UID    string `json:"uid"`
	Name   string `json:"name"`
	Type   string `json:"type"`
	TypeID int    `json:"type_id"`
}

// Compliance is the OCSF compliance object.
type Compliance struct {
	Control      string   `json:"control"`
	Standards    []string `json:"standards,omitempty"`
	Requirements []string `json:"requirements,omitempty"`
	Checks       []Check  `json:"checks,omitempty"`
	Desc         string   `json:"desc,omitempty"`
	Status       string   `json:"status"`
	StatusID     int      `json:"status_id"`
}

// Check is the OCSF check object: one control of one standard.
type Check struct {
	UID       string   `json:"uid"`
	Name      string   `json:"name"`
	Standards []string `json:"standards"`
	Status    string   `json:"status"`
	StatusID  int      `json:"status_id"`
}

// Resource is the OCSF resource_details object.
type Resource struct {
	Type        string   `json:"type"`
	UID         string   `json:"uid,omitempty"`
	Name        string   `json:"name,omitempty"`
	CreatedTime int64    `json:"created_time,omitempty"`
	Data        *KeyData `json:"data,omitempty"`
}

// KeyData is the data of an access key resource.
type KeyData struct {
	KeySlot   int    `json:"key_slot,omitempty"`
	KeyStatus string `json:"key_status,omitempty"`
}

// Unmapped holds what OCSF has no attribute for.
type Unmapped struct {
	AgeDays        *int64 `json:"age_days,omitempty"`
	BaselineStatus string `json:"baseline_status,omitempty"`
}

package verify

// Status is the verdict on one file (one row).
type Status string

// Statuses, worst first (the order of rank).
const (
	// InvalidFormat: not readable as what its folder says (not gzip, not a
	// digest, a malformed field or name), or two files with one S3 key.
	InvalidFormat Status = "invalid-format"
	// Modified: the SHA-256 of the uncompressed bytes differs from the hash
	// the digest (for a log) or the successor digest (for a digest) holds.
	Modified Status = "modified"
	// Missing: listed by a digest, or linked to by its successor, but not
	// in PATH. A missing digest row covers the whole time range until the
	// next digest found.
	Missing Status = "missing"
	// SignatureInvalid: the digest's signature does not verify with the
	// public key it names, or no given key has that fingerprint.
	SignatureInvalid Status = "signature-invalid"
	// TrailingData: bytes after the end of the first gzip member. They are
	// neither hashed nor ignored: CloudTrail writes one member.
	TrailingData Status = "trailing-data"
	// Unreferenced: a log that no digest lists although a digest covers
	// its time (an injected file), or a digest that is not where it says
	// it is or that no successor links to.
	Unreferenced Status = "unreferenced"
	// NotCovered: a log outside every chain's time (validation off for its
	// account and region then, or digests missing).
	NotCovered Status = "not-covered"
	// Consistent: every hash matches, but the signature was not checked
	// (no --public-keys, or no signature: a chain head whose signature was
	// not saved, a digest whose successor is missing). Never "valid".
	Consistent Status = "consistent"
	// Valid: hashes match and the digest's signature (for a log: its
	// digest's) verifies with a given public key.
	Valid Status = "valid"
)

// Statuses lists every status, worst first.
func Statuses() []Status {
	return []Status{InvalidFormat, Modified, Missing, SignatureInvalid, TrailingData, Unreferenced, NotCovered, Consistent, Valid}
}

func (s Status) rank() int {
	for i, x := range Statuses() {
		if x == s {
			return i
		}
	}
	return len(Statuses())
}

// OK says whether s is valid or consistent: not a sign of tampering or
// of a gap in the evidence.
func (s Status) OK() bool { return s == Valid || s == Consistent }

// Signature states of a digest row (the signature column).
const (
	SigVerified    = "verified"
	SigInvalid     = "invalid"
	SigNoKeys      = "not-checked"  // no --public-keys
	SigNotSaved    = "not-saved"    // chain head without --signatures
	SigNoSuccessor = "no-successor" // the next digest is missing: nothing carries the signature
)

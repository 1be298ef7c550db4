package digest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Saved holds digest signatures saved from S3 object metadata, for chain
// heads: the newest digest of a chain has no successor to carry its
// signature.
type Saved struct {
	// ByKey maps a digest's key (Key.Path form, from AWSLogs/ on) to its
	// hex signature.
	ByKey map[string]string
	// Unnamed are signatures saved with 'aws s3api head-object', whose
	// output does not say which object it is of. The caller matches each
	// to the chain head it verifies.
	Unnamed []string
}

// ParseSignatures reads one saved-signature file into s: either the JSON
// of 'aws s3api head-object' (Metadata.signature, and
// Metadata.signature-algorithm when present, which must be SHA256withRSA),
// or a JSON object mapping digest keys or local paths to hex signatures
// (or, as keyaudit collect saves them, to objects with a signature and its
// signature_algorithm).
func (s *Saved) ParseSignatures(data []byte) error {
	if s.ByKey == nil {
		s.ByKey = map[string]string{}
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return fmt.Errorf("not a JSON object: %v", err)
	}
	if md, ok := doc["Metadata"]; ok {
		var meta map[string]string
		if err := json.Unmarshal(md, &meta); err != nil {
			return errors.New("Metadata is not an object of strings")
		}
		sig := meta["signature"]
		if sig == "" {
			return errors.New("Metadata has no signature: head-object of a digest file shows x-amz-meta-signature as Metadata.signature")
		}
		if alg, ok := meta["signature-algorithm"]; ok && alg != SignatureAlgorithm {
			return fmt.Errorf("Metadata.signature-algorithm is %q, not %s", clip(alg), SignatureAlgorithm)
		}
		if !isHex(sig, -1) {
			return errors.New("Metadata.signature is not hex")
		}
		s.Unnamed = append(s.Unnamed, sig)
		return nil
	}
	names := make([]string, 0, len(doc))
	for k := range doc {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		var sig string
		if err := json.Unmarshal(doc[k], &sig); err != nil {
			// keyaudit collect's sidecar: {"signature": ..., "signature_algorithm": ...}
			var saved struct {
				Signature string `json:"signature"`
				Algorithm string `json:"signature_algorithm"`
			}
			if err := json.Unmarshal(doc[k], &saved); err != nil || saved.Signature == "" {
				return fmt.Errorf("%s: want a hex signature string, an object with a signature (keyaudit collect), or the JSON of aws s3api head-object", clip(k))
			}
			if saved.Algorithm != "" && saved.Algorithm != SignatureAlgorithm {
				return fmt.Errorf("%s: signature_algorithm is %q, not %s", clip(k), clip(saved.Algorithm), SignatureAlgorithm)
			}
			sig = saved.Signature
		}
		if !isHex(sig, -1) {
			return fmt.Errorf("%s: signature is not hex", clip(k))
		}
		p := KeyPath(strings.ReplaceAll(k, "\\", "/"))
		if !strings.HasPrefix(p, "AWSLogs/") {
			return fmt.Errorf("%s: not a digest key or path (no AWSLogs/ folder)", clip(k))
		}
		s.ByKey[p] = sig
	}
	return nil
}

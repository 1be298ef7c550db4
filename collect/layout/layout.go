// Package layout names the files keyaudit collect writes beside the inputs
// it fetches, for the commands that read such a folder (the ingest skips
// them, verify uses the signatures and keys, audit warns on a partial
// manifest) without importing the collector and its AWS SDK.
package layout

import "strings"

// Names of the files and folders collect writes in its output folder.
const (
	ManifestName     = "collect-manifest.json"
	SignaturesName   = "collect-digest-signatures.json"
	PublicKeysPrefix = "collect-public-keys-" // + region + ".json"
	PublicKeysGlob   = PublicKeysPrefix + "*.json"
)

// IsPublicKeysFile reports whether base (a file name) is one of the
// public-key files, collect-public-keys-REGION.json.
func IsPublicKeysFile(base string) bool {
	return strings.HasPrefix(base, PublicKeysPrefix) && strings.HasSuffix(base, ".json")
}

package collect

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/keyaudit/keyaudit/collect/layout"
	"github.com/keyaudit/keyaudit/report"
)

// Names of the files and folders Run writes in Options.Out.
const (
	ManifestName       = layout.ManifestName
	SignaturesName     = layout.SignaturesName
	PublicKeysPrefix   = layout.PublicKeysPrefix // + region + ".json"
	ReportsDir         = "credential-reports"    // <account>.json
	S3Dir              = "s3"                    // <bucket>/<key>
	LookupEventsDir    = "lookup-events"         // <account>/<region>/<YYYY-MM-DD>.json
	dirMode            = 0o700
	manifestFileMode   = 0o600
	lookupEventsLayout = "2006-01-02"
)

// writeFile writes data to path atomically (a temporary name in the same
// folder, renamed when complete; 0600), creating folders 0700. An
// interrupted write leaves no file: report.AbortAll removes the temporary.
func writeFile(path string, data []byte) error {
	return writeFrom(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFrom is writeFile with the content written by fill.
func writeFrom(path string, fill func(io.Writer) error) error {
	if err := os.MkdirAll(filepath.Dir(path), dirMode); err != nil {
		return err
	}
	f, err := report.Create(path, nil)
	if err != nil {
		return err
	}
	if err := fill(f); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(path, append(b, '\n'))
}

// safeJoin joins an S3 key (or another name from AWS) under base, refusing
// one that would leave it: absolute, "..", empty or odd segments.
func safeJoin(base string, rel string) (string, error) {
	if rel == "" || strings.HasPrefix(rel, "/") || strings.ContainsAny(rel, "\\\x00") {
		return "", fmt.Errorf("unsafe name %q", rel)
	}
	for _, seg := range strings.Split(rel, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.HasPrefix(seg, ".") && strings.Contains(seg, ".tmp-") {
			return "", fmt.Errorf("unsafe name %q", rel)
		}
	}
	return filepath.Join(base, filepath.FromSlash(rel)), nil
}

package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/collect/layout"
	"github.com/keyaudit/keyaudit/internal/termtext"
	"github.com/keyaudit/keyaudit/report"
	"github.com/keyaudit/keyaudit/verify"
	"github.com/keyaudit/keyaudit/verify/digest"
)

type verifyOptions struct {
	in           inputFlags
	out          outputFlags
	publicKeys   []string
	signatures   []string
	failOnTamper bool
}

func newVerifyCmd(e *env) *cobra.Command {
	o := &verifyOptions{}
	c := &cobra.Command{
		Use:   "verify [flags] PATH...",
		Short: "Check CloudTrail log file integrity offline: digest chains, log hashes, signatures",
		Long: `verify validates CloudTrail log files offline, on a local copy of the bucket (aws s3 sync),
as 'aws cloudtrail validate-logs' does online. It walks every digest chain (account, region,
trail; standard and backfill digests apart) from its newest digest back: each previous digest
must be present, hash to previousDigestHashValue and end where the next starts. Every log a
digest lists must be present and its uncompressed bytes hash to hashValue. A local log that no
digest lists is unreferenced when a digest covers its hour, not-covered otherwise.

With --public-keys, every digest whose successor is present is signature-checked (the successor
carries its signature); the newest digest of a chain only with its signature saved for
--signatures, since S3 metadata is not copied by aws s3 sync. Without keys nothing is better
than consistent.

One row per file; status is one of:
  valid              hash matches and the digest's signature verifies
  consistent         hash matches; the signature was not checked (no keys, or no signature saved)
  modified           SHA-256 differs from the one its digest holds
  missing            listed or linked to, not in PATH (a missing digest row spans the whole range)
  unreferenced       a log no digest lists in a covered hour; a digest moved or not linked to
  trailing-data      bytes after the first gzip member
  invalid-format     not gzip, not a digest, a malformed field or file name
  not-covered        a log outside every chain (validation off, gap, missing digests)
  signature-invalid  the signature does not verify, or no given key has its fingerprint

Exit codes: 0 ran (whatever was found, unless --fail-on-tamper); 1 with --fail-on-tamper when any
file is neither valid nor consistent; 2 usage error (bad flag, unreadable --public-keys or
--signatures, no CloudTrail file in PATH); 130 interrupted.`,
		Example: `  # Check hashes and links only: at best "consistent, unsigned"
  keyaudit verify ./bucket-copy/

  # Check signatures too: save the keys and the newest digest's signature once, online
  aws cloudtrail list-public-keys --start-time 2026-10-01T00:00:00Z > keys.json
  aws s3api head-object --bucket my-trail-bucket --key AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2026/10/31/111122223333_CloudTrail-Digest_us-east-1_main_us-east-1_20261031T230031Z.json.gz > head-sig.json
  keyaudit verify --public-keys keys.json --signatures head-sig.json ./bucket-copy/

  # In CI: fail on anything not valid, keep the evidence as CSV
  keyaudit verify --fail-on-tamper --public-keys keys.json -o integrity.csv ./bucket-copy/`,
		Args: needArgs(1, "at least one PATH (a local copy of a CloudTrail bucket)"),
		RunE: func(c *cobra.Command, args []string) error { return runVerify(c, e, o, args) },
	}
	o.out.register(c, "table")
	fs := c.Flags()
	fs.StringArrayVar(&o.publicKeys, "public-keys", nil, "check signatures with the keys in `FILE`, the JSON of 'aws cloudtrail list-public-keys' (repeatable)")
	fs.StringArrayVar(&o.signatures, "signatures", nil, "chain-head signatures: the JSON of 'aws s3api head-object' of a digest, or a JSON map of digest key to hex signature, in `FILE` (repeatable)")
	fs.BoolVar(&o.failOnTamper, "fail-on-tamper", false, "exit 1 when any file is neither valid nor consistent")
	fs.BoolVarP(&o.in.quiet, "quiet", "q", false, "no summary on stderr (it is still printed under a table on stdout)")
	fs.IntVar(&o.in.workers, "workers", 0, "parallel file readers (default: number of CPUs)")
	fs.StringVar(&o.in.maxFileSize, "max-file-size", "4GiB", "a log that decompresses to more than `SIZE` is invalid-format (a guard against gzip bombs)")
	return c
}

func runVerify(c *cobra.Command, e *env, o *verifyOptions, paths []string) error {
	if err := checkPaths(paths); err != nil {
		return err
	}
	for _, p := range paths {
		if p == "-" {
			return usageErr("verify reads a folder tree, not stdin: give the local copy of the bucket")
		}
	}
	if err := o.out.check(e); err != nil {
		return err
	}
	useCollected(e, &o.in, paths, &o.publicKeys, &o.signatures)
	inputs := append(append(append([]string{}, paths...), o.publicKeys...), o.signatures...)
	if err := o.in.protect(inputs, o.out.output); err != nil {
		return err
	}
	maxFile, err := parseSize(o.in.maxFileSize)
	if err != nil {
		return err
	}
	opts := verify.Options{Workers: o.in.workers, MaxFileBytes: maxFile}
	if opts.Keys, err = loadPublicKeys(e.stderr, o.publicKeys); err != nil {
		return err
	}
	if opts.Saved, err = loadSignatures(o.signatures); err != nil {
		return err
	}
	res, err := verify.Run(c.Context(), paths, opts)
	if err != nil {
		return err
	}
	if len(res.Rows) == 0 {
		return usageErr("no CloudTrail log or digest file in %s (%s): nothing to verify", strings.Join(paths, " "), plural(int64(res.Ignored), "other file"))
	}
	mem := memory.DefaultAllocator
	rec := res.Record(mem)
	defer rec.Release()
	topts := report.Options{
		Columns:   []string{verify.ColStatus, verify.ColChain, verify.ColFile, verify.ColDetail},
		FreeText:  []string{verify.ColDetail},
		HideOrder: []string{verify.ColChain, verify.ColDetail},
		Colorize:  statusColorize,
	}
	topts.Color = e.colorTable(o.out.output)
	if err := writeOutput(e, &o.out, o.in.guard, verify.Schema, []arrow.Record{rec}, topts); err != nil {
		return err
	}
	var sw io.Writer = e.stderr
	if o.out.format == report.FormatTable && (o.out.output == "" || o.out.output == "-") {
		sw = e.stdout
		fmt.Fprintln(sw)
	}
	if !o.in.quiet || sw == e.stdout {
		res.WriteSummary(sw)
	}
	if o.failOnTamper && res.Tampered() {
		return &exitError{code: exitFindings}
	}
	return nil
}

// useCollected adds to publicKeys and signatures the files keyaudit
// collect saved anywhere under paths (collect-digest-signatures.json,
// collect-public-keys-REGION.json), and says which on stderr.
func useCollected(e *env, in *inputFlags, paths []string, publicKeys, signatures *[]string) {
	var found []string
	in.visit(paths, func(p string, _ fs.FileInfo) {
		switch base := filepath.Base(p); {
		case base == layout.SignaturesName && !slices.Contains(*signatures, p):
			*signatures = append(*signatures, p)
			found = append(found, p)
		case layout.IsPublicKeysFile(base) && !slices.Contains(*publicKeys, p):
			*publicKeys = append(*publicKeys, p)
			found = append(found, p)
		}
	})
	if len(found) > 0 && !in.quiet {
		fmt.Fprintf(e.stderr, "verify: using what keyaudit collect saved: %s\n", termtext.Escape(strings.Join(found, ", ")))
	}
}

// loadSignatures reads every --signatures file; nil when none is given.
func loadSignatures(files []string) (*digest.Saved, error) {
	if len(files) == 0 {
		return nil, nil
	}
	saved := &digest.Saved{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, usageErr("--signatures %s: %v", f, unwrapPathErr(err))
		}
		if err := saved.ParseSignatures(b); err != nil {
			return nil, usageErr("--signatures %s: %v", f, err)
		}
	}
	return saved, nil
}

// loadPublicKeys reads every --public-keys file; nil when none is given.
// A key that does not parse is reported and left out; a file with no
// usable key is a usage error.
func loadPublicKeys(stderr io.Writer, files []string) (map[string]*digest.PublicKey, error) {
	if len(files) == 0 {
		return nil, nil
	}
	all := map[string]*digest.PublicKey{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, usageErr("--public-keys %s: %v", f, unwrapPathErr(err))
		}
		keys, bad, err := digest.ParsePublicKeys(b)
		if err != nil {
			return nil, usageErr("--public-keys %s: %v", f, err)
		}
		for _, err := range bad {
			fmt.Fprintf(stderr, "keyaudit: --public-keys %s: %v (key left out)\n", f, err)
		}
		if len(keys) == 0 {
			return nil, usageErr("--public-keys %s: no usable public key", f)
		}
		for fp, k := range keys {
			all[fp] = k
		}
	}
	return all, nil
}

func unwrapPathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// statusColorize colours the status column on a terminal: green for
// valid, yellow for consistent, red for everything else.
func statusColorize(col, val string) string {
	if col != verify.ColStatus {
		return val
	}
	code := "\x1b[31m"
	switch verify.Status(val) {
	case verify.Valid:
		code = "\x1b[32m"
	case verify.Consistent:
		code = "\x1b[33m"
	}
	return code + val + "\x1b[0m"
}

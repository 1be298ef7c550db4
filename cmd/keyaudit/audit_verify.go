package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/report"
	"github.com/keyaudit/keyaudit/verify"
	"github.com/keyaudit/keyaudit/verify/digest"
)

// auditVerify is audit --verify: the CloudTrail logs are hashed while the
// ingest reads them, and verify checks those hashes against the digests.
type auditVerify struct {
	on           bool
	publicKeys   []string
	signatures   []string
	failOnTamper bool
	output       string // --verify-output: verify's rows

	opts verify.Options // keys and signatures, loaded by check
}

// colEvidenceVerified is the findings column audit --verify adds.
const colEvidenceVerified = "evidence_verified"

// Values of evidence_verified.
const (
	evidenceYes     = "yes"
	evidenceNo      = "no"
	evidencePartial = "partial"
)

func (v *auditVerify) register(c *cobra.Command) {
	fs := c.Flags()
	fs.BoolVar(&v.on, "verify", false, "check CloudTrail log integrity as 'keyaudit verify' does, hashing the logs in the same pass; the summary follows the findings and findings on CloudTrail evidence get an "+colEvidenceVerified+" column")
	fs.StringArrayVar(&v.publicKeys, "public-keys", nil, "with --verify: check digest signatures with the keys in `FILE` (as verify --public-keys)")
	fs.StringArrayVar(&v.signatures, "signatures", nil, "with --verify: chain-head signatures in `FILE` (as verify --signatures)")
	fs.BoolVar(&v.failOnTamper, "fail-on-tamper", false, "with --verify: exit 1 when any CloudTrail log or digest is neither valid nor consistent")
	fs.StringVar(&v.output, "verify-output", "", "with --verify: write verify's rows (one per file, as 'keyaudit verify -o') to `FILE`; the format is from its extension (.csv .json .ndjson .jsonl .parquet)")
}

// check refuses the verify flags without --verify, adds what keyaudit
// collect saved beside the inputs, and loads the keys and signatures, all
// before anything is read.
func (v *auditVerify) check(e *env, in *inputFlags, paths []string) error {
	if !v.on {
		for name, set := range map[string]bool{"--public-keys": len(v.publicKeys) > 0, "--signatures": len(v.signatures) > 0,
			"--fail-on-tamper": v.failOnTamper, "--verify-output": v.output != ""} {
			if set {
				return usageErr("%s needs --verify", name)
			}
		}
		return nil
	}
	if v.output != "" {
		if _, ok := report.FormatForPath(v.output); !ok {
			return usageErr("--verify-output %s: name a .csv, .json, .ndjson, .jsonl or .parquet file", v.output)
		}
		if err := checkOutputDir(filepath.Dir(v.output)); err != nil {
			return err
		}
	}
	useCollected(e, in, paths, &v.publicKeys, &v.signatures)
	maxFile, err := parseSize(in.maxFileSize)
	if err != nil {
		return err
	}
	v.opts = verify.Options{Workers: in.workers, MaxFileBytes: maxFile}
	if v.opts.Keys, err = loadPublicKeys(e.stderr, v.publicKeys); err != nil {
		return err
	}
	v.opts.Saved, err = loadSignatures(v.signatures)
	return err
}

// inputs are the files the verify flags read, to protect from outputs.
func (v *auditVerify) inputs() []string { return append(slices.Clone(v.publicKeys), v.signatures...) }

// hashFiles is ingest.Options.HashFiles: every file named like a
// CloudTrail log; nil without --verify.
func (v *auditVerify) hashFiles() func(string) bool {
	if !v.on {
		return nil
	}
	return func(p string) bool {
		k, err := digest.ParseKey(filepath.ToSlash(p))
		return err == nil && k.Kind == digest.KindLog
	}
}

// auditEvidence is what --verify found, and how much of the CloudTrail
// evidence rests on verified files. Which events a finding rests on is not
// tracked, so its evidence_verified is a statement about every event the
// run used: yes when all came from files verified valid or consistent, no
// when none did, partial otherwise.
type auditEvidence struct {
	res *verify.Result
	// events used from CloudTrail inputs; of them, those from files that
	// verified valid or consistent; those from files not named like a
	// CloudTrail log (no digest can list them) or standard input.
	events, verified, unnamed int64
	bad                       map[verify.Status]int // files with used events that did not verify
	badFiles                  int
}

// run verifies the CloudTrail files under paths with the hashes the ingest
// took; nil without --verify.
func (v *auditVerify) run(ctx context.Context, e *env, guard *report.InputSet, paths []string, in *ingest.Result) (*auditEvidence, error) {
	if !v.on {
		return nil, nil
	}
	v.opts.Hashes = map[string]ingest.FileHash{}
	for _, fh := range in.FileHashes {
		v.opts.Hashes[fh.Path] = fh
	}
	res, err := verify.Run(ctx, paths, v.opts)
	if err != nil {
		return nil, err
	}
	if v.output != "" {
		format, _ := report.FormatForPath(v.output)
		rec := res.Record(memory.DefaultAllocator)
		defer rec.Release()
		if err := writeOutput(e, &outputFlags{format: format, output: v.output}, guard, verify.Schema, []arrow.Record{rec}, report.Options{}); err != nil {
			return nil, err
		}
	}
	ev := &auditEvidence{res: res, bad: map[verify.Status]int{}}
	for k, c := range in.Stats {
		if k != ingest.KindCredentialReport && k != ingest.KindCredentialsFile {
			ev.events += c.Used
		}
	}
	status := map[string]verify.Status{}
	for _, r := range res.Rows {
		if r.Kind == digest.KindLog && r.Path != "" {
			status[r.Path] = r.Status
		}
	}
	hashed := int64(0)
	for _, fh := range in.FileHashes {
		hashed += fh.Events
		if fh.Events == 0 {
			continue
		}
		s, ok := status[fh.Path]
		switch {
		case ok && s.OK():
			ev.verified += fh.Events
		case ok:
			ev.bad[s]++
			ev.badFiles++
		default: // verify saw it under another path: not vouched for here
			ev.bad[verify.InvalidFormat]++
			ev.badFiles++
		}
	}
	ev.unnamed = ev.events - hashed
	return ev, nil
}

// value is evidence_verified for findings on CloudTrail evidence; "" when
// the run used no CloudTrail event.
func (ev *auditEvidence) value() string {
	switch {
	case ev.events == 0:
		return ""
	case ev.verified == ev.events:
		return evidenceYes
	case ev.verified == 0:
		return evidenceNo
	}
	return evidencePartial
}

// onCloudTrail says whether a finding rests on CloudTrail events: the
// inventory's rules, and the credential-report findings whose key ID was
// placed in its slot from CloudTrail (a report names slots, not keys).
func onCloudTrail(f *analyze.Finding) bool {
	return slices.Contains(inventory.RuleIDs(), f.Rule) || f.AccessKeyID != ""
}

// withEvidence returns rec (the findings fs, of schema) with the
// evidence_verified column after the others under --verify; without it,
// rec itself. It takes over the caller's reference to rec; the caller
// releases the record returned.
func (ev *auditEvidence) withEvidence(mem memory.Allocator, rec arrow.Record, schema *arrow.Schema, fs []analyze.Finding) (arrow.Record, *arrow.Schema) {
	if ev == nil {
		return rec, schema
	}
	defer rec.Release()
	b := array.NewStringBuilder(mem)
	defer b.Release()
	val := ev.value()
	for i := range fs {
		if val != "" && onCloudTrail(&fs[i]) {
			b.Append(val)
		} else {
			b.AppendNull()
		}
	}
	col := b.NewArray()
	defer col.Release()
	md := schema.Metadata()
	out := arrow.NewSchema(append(slices.Clone(schema.Fields()),
		arrow.Field{Name: colEvidenceVerified, Type: arrow.BinaryTypes.String, Nullable: true}), &md)
	return array.NewRecord(out, append(slices.Clone(rec.Columns()), col), rec.NumRows()), out
}

// table shows evidence_verified after the key ID, hidden first on a
// narrow terminal (the summary says the same for the whole run).
func (ev *auditEvidence) table(o report.Options) report.Options {
	if ev == nil {
		return o
	}
	i := slices.Index(o.Columns, "access_key_id") + 1
	o.Columns = slices.Insert(slices.Clone(o.Columns), i, colEvidenceVerified)
	o.HideOrder = append([]string{colEvidenceVerified}, o.HideOrder...)
	return o
}

// writeSummary prints verify's summary and what it means for the
// findings, under the audit summary.
func (ev *auditEvidence) writeSummary(w io.Writer) {
	if ev == nil {
		return
	}
	fmt.Fprintln(w, "\nCloudTrail integrity (--verify):")
	if len(ev.res.Rows) == 0 {
		fmt.Fprintf(w, "no CloudTrail log or digest file in the inputs: nothing verified\n")
	} else {
		ev.res.WriteSummary(w)
	}
	if n := ev.res.LogsRead; n > 0 {
		fmt.Fprintf(w, "note: %s read a second time: the ingest did not hash them (reached by another path, or not read)\n", plural(int64(n), "log"))
	}
	if ev.events == 0 {
		return
	}
	fmt.Fprintf(w, "evidence: %d of %s used came from log files that verified valid or consistent", ev.verified, plural(ev.events, "CloudTrail event"))
	if bad := ev.events - ev.verified - ev.unnamed; bad > 0 {
		var by []string
		for _, s := range verify.Statuses() {
			if n := ev.bad[s]; n > 0 {
				by = append(by, fmt.Sprintf("%d %s", n, s))
			}
		}
		fmt.Fprintf(w, "; %d from %s that did not (%s)", bad, plural(int64(ev.badFiles), "file"), strings.Join(by, ", "))
	}
	if ev.unnamed > 0 {
		fmt.Fprintf(w, "; %d from inputs not named like CloudTrail log files, which no digest can list", ev.unnamed)
	}
	fmt.Fprintf(w, "\n%s=%s on the findings from CloudTrail evidence", colEvidenceVerified, ev.value())
	switch ev.value() {
	case evidenceNo:
		fmt.Fprint(w, ": every event they can rest on is unverified")
	case evidencePartial:
		fmt.Fprint(w, ": they may rest on the unverified events (which events a finding rests on is not tracked)")
	}
	fmt.Fprintln(w)
}

// tampered is --fail-on-tamper's condition.
func (v *auditVerify) tampered(ev *auditEvidence) bool {
	return ev != nil && v.failOnTamper && ev.res.Tampered()
}

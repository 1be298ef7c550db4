package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/spf13/cobra"

	"github.com/keyaudit/keyaudit/analyze"
	"github.com/keyaudit/keyaudit/analyze/inventory"
	"github.com/keyaudit/keyaudit/report"
)

// asffFlags are audit's flags for -f asff.
type asffFlags struct {
	productARN string
	region     string
	changed    func() bool
}

func (f *asffFlags) register(c *cobra.Command) {
	fs := c.Flags()
	fs.StringVar(&f.productARN, "asff-product-arn", "", "with -f asff: the ProductArn of every finding (default: the custom integration of each finding's account, arn:aws:securityhub:REGION:ACCOUNT:product/ACCOUNT/default)")
	fs.StringVar(&f.region, "asff-region", "us-east-1", "with -f asff: the Security Hub `REGION` the findings are imported into")
	f.changed = func() bool { return fs.Changed("asff-product-arn") || fs.Changed("asff-region") }
}

var (
	productARNArg = regexp.MustCompile(`^arn:aws[a-z-]*:securityhub:[a-z0-9-]+:[0-9]{12}:product/[^/\s]+/[^/\s]+$`)
	regionArg     = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)
)

func (f *asffFlags) check(format string) error {
	if f.changed() && format != report.FormatASFF {
		return usageErr("--asff-product-arn and --asff-region apply to -f asff only, not %s", format)
	}
	if f.productARN != "" && !productARNArg.MatchString(f.productARN) {
		return usageErr("--asff-product-arn %q: want arn:aws:securityhub:REGION:ACCOUNT:product/COMPANY/PRODUCT", f.productARN)
	}
	if !regionArg.MatchString(f.region) {
		return usageErr("--asff-region %q: want a region name such as us-east-1", f.region)
	}
	return nil
}

// options describes every rule for the ASFF writer.
func (f *asffFlags) options(asOf time.Time) report.ASFFOptions {
	rules := map[string]report.ASFFRule{}
	for _, r := range append(analyze.RuleInfos(), inventory.RuleInfos()...) {
		rem, _ := analyze.RemediationFor(r.ID)
		rules[r.ID] = report.ASFFRule{Description: r.Description, CIS: r.CIS, SecurityHub: r.SecurityHub,
			Remediation: rem.Text, RemediationURL: rem.URL}
	}
	return report.ASFFOptions{AsOf: asOf, ProductARN: f.productARN, Region: f.region, Rules: rules}
}

// asffDir reports whether -o names a directory for ASFF batch files: it
// ends in a slash or is an existing directory.
func asffDir(output string) bool {
	if output == "" || output == "-" {
		return false
	}
	if strings.HasSuffix(output, "/") || strings.HasSuffix(output, string(filepath.Separator)) {
		return true
	}
	fi, err := os.Stat(output)
	return err == nil && fi.IsDir()
}

// asffBatchName is the file of batch n (1-based) in dir.
func asffBatchName(dir string, n int) string {
	return filepath.Join(dir, fmt.Sprintf("asff-%04d.json", n))
}

// writeASFFDir writes the findings to dir as files of at most 100
// findings each (asff-0001.json, ...), one BatchImportFindings call each.
// Every file is written to a temporary name; all are renamed into place
// once the last is complete, and none is when writing one fails.
func writeASFFDir(e *env, dir string, inputs *report.InputSet, rec arrow.Record, opts report.Options) error {
	var files []*report.File
	abort := func(err error) error {
		for _, f := range files {
			f.Abort()
		}
		return err
	}
	opts.ASFF.NextBatch = func(n int) (io.Writer, error) {
		f, err := report.Create(asffBatchName(dir, n), inputs)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		files = append(files, f)
		return f, nil
	}
	wr, err := report.NewWriter(report.FormatASFF, io.Discard, rec.Schema(), opts)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := wr.Write(rec); err != nil {
		return abort(fmt.Errorf("write asff: %w", err))
	}
	if err := wr.Close(); err != nil {
		return abort(fmt.Errorf("write asff: %w", err))
	}
	for _, f := range files {
		if err := f.Commit(); err != nil {
			return abort(fmt.Errorf("write asff: %w", err)) // Abort of a committed file is a no-op
		}
	}
	if len(files) == 0 {
		fmt.Fprintf(e.stderr, "keyaudit: no findings: no ASFF file written to %s\n", dir)
	}
	// A longer earlier run leaves higher-numbered batches: importing them
	// would bring back findings this run no longer has.
	for n := len(files) + 1; ; n++ {
		name := asffBatchName(dir, n)
		if _, err := os.Lstat(name); err != nil {
			break
		}
		fmt.Fprintf(e.stderr, "keyaudit: %s is from an earlier run (this one wrote %s): delete it before importing\n", name, plural(int64(len(files)), "batch file"))
	}
	return nil
}

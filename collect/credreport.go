package collect

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// Backoff of the credential report loop.
const (
	reportPollFirst = 2 * time.Second
	reportPollMax   = 30 * time.Second
)

// cliReport is the JSON `aws iam get-credential-report` prints, which the
// ingest reads (ingest/credreport: Format "json-base64").
type cliReport struct {
	Content       string `json:"Content"`
	ReportFormat  string `json:"ReportFormat"`
	GeneratedTime string `json:"GeneratedTime"`
}

// credentialReport has IAM generate the account's credential report (or
// reuse a fresh one) and writes it to credential-reports/<account>.json.
// ReportInProgress and LimitExceeded, which the SDK does not retry, are
// retried here with backoff until ReportTimeout.
func (r *runner) credentialReport(ctx context.Context, t target) {
	e := &ReportEntry{}
	t.entry.CredentialReport = e
	var c counters
	client := iam.NewFromConfig(t.cfg, func(o *iam.Options) { o.Retryer = r.retryer(&c) })
	defer func() {
		e.Retries += c.retries.Load()
		e.Throttles += c.throttles.Load()
	}()
	clock := r.opts.Clock
	deadline := clock.Now().Add(r.opts.ReportTimeout)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	wait := reportPollFirst
	backoff := func() error {
		d := wait + time.Duration(rand.Int64N(int64(wait)/4+1))
		wait = min(2*wait, reportPollMax)
		if clock.Now().Add(d).After(deadline) {
			return errTimeout
		}
		return clock.Sleep(ctx, d)
	}
	fail := func(op string, err error) {
		if ctx.Err() != nil {
			return
		}
		e.Status = statusOf(err)
		if e.Status == StatusOK || e.Status == StatusSkipped {
			e.Status = StatusError
		}
		if errors.Is(err, errTimeout) {
			e.Status = StatusTimeout
			e.Error = fmt.Sprintf("no credential report after %s (--report-timeout)", r.opts.ReportTimeout)
		} else {
			e.Error = "iam " + op + ": " + short(err)
		}
		r.note("account %s: credential report: %s", t.entry.ID, e.Error)
	}

	generate := true
	for {
		if generate {
			out, err := client.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
			if isThrottle(err) {
				e.Retries++
				e.Throttles++
				if err := backoff(); err != nil {
					fail("GenerateCredentialReport", err)
					return
				}
				continue
			}
			if err != nil {
				fail("GenerateCredentialReport", err)
				return
			}
			generate = false
			if out.State == iamtypes.ReportStateTypeComplete {
				e.Reused = true // a report of the last four hours
			} else if err := backoff(); err != nil {
				fail("GetCredentialReport", err)
				return
			}
		}
		e.Polls++
		out, err := client.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		if err == nil {
			r.saveReport(t, e, out)
			return
		}
		var inProgress *iamtypes.CredentialReportNotReadyException
		var notPresent *iamtypes.CredentialReportNotPresentException
		var expired *iamtypes.CredentialReportExpiredException
		switch {
		case errors.As(err, &inProgress), isThrottle(err):
			e.Retries++
			if isThrottle(err) {
				e.Throttles++
			}
		case errors.As(err, &notPresent), errors.As(err, &expired):
			e.Retries++
			generate = true
			e.Reused = false
		default:
			fail("GetCredentialReport", err)
			return
		}
		if err := backoff(); err != nil {
			fail("GetCredentialReport", err)
			return
		}
	}
}

var errTimeout = errors.New("deadline passed")

func (r *runner) saveReport(t target, e *ReportEntry, out *iam.GetCredentialReportOutput) {
	if out.ReportFormat != "" && out.ReportFormat != iamtypes.ReportFormatTypeTextCsv {
		e.Status = StatusError
		e.Error = "iam GetCredentialReport: unexpected ReportFormat " + string(out.ReportFormat)
		return
	}
	doc := cliReport{Content: base64.StdEncoding.EncodeToString(out.Content), ReportFormat: "text/csv"}
	if out.GeneratedTime != nil {
		doc.GeneratedTime = aws.ToTime(out.GeneratedTime).UTC().Format(time.RFC3339)
		e.GeneratedTime = doc.GeneratedTime
	}
	rel := filepath.ToSlash(filepath.Join(ReportsDir, t.entry.ID+".json"))
	if err := writeJSON(filepath.Join(r.opts.Out, filepath.FromSlash(rel)), doc); err != nil {
		e.Status = StatusError
		e.Error = "write credential report: " + err.Error()
		r.note("account %s: %s", t.entry.ID, e.Error)
		return
	}
	e.Status, e.File = StatusOK, rel
}

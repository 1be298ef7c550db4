package collect

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"
)

// Status of an account, a region or a credential report in the manifest.
type Status string

const (
	StatusOK      Status = "ok"      // everything asked for was collected
	StatusPartial Status = "partial" // some of it was
	StatusDenied  Status = "denied"  // access denied (role, policy, SCP, external ID)
	StatusTimeout Status = "timeout" // the deadline passed, or throttling outlasted the retries
	StatusSkipped Status = "skipped" // not read on purpose (suspended account, region not enabled)
	StatusError   Status = "error"   // any other failure
)

// failed reports whether s makes a run partial.
func (s Status) failed() bool {
	return s == StatusPartial || s == StatusDenied || s == StatusTimeout || s == StatusError
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// statusOf classifies an error of an AWS call.
func statusOf(err error) Status {
	if err == nil {
		return StatusOK
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return StatusTimeout
	}
	code := errorCode(err)
	switch {
	case strings.Contains(code, "AccessDenied"), code == "UnauthorizedOperation", code == "AuthorizationError",
		code == "AccessDeniedForDependencyException", code == "AWSOrganizationsNotInUseException":
		return StatusDenied
	case isThrottle(err), errors.Is(err, errRetriesExhausted):
		return StatusTimeout
	case code == "InvalidClientTokenId", code == "UnrecognizedClientException", code == "OptInRequired":
		// A region that is not enabled in the account refuses its tokens.
		return StatusSkipped
	}
	return StatusError
}

var errRetriesExhausted = errors.New("retries exhausted")

func isThrottle(err error) bool {
	if err == nil {
		return false
	}
	switch errorCode(err) {
	case "LimitExceeded", "LimitExceededException", "SlowDown", "TooManyRequestsException":
		return true
	}
	return retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool()
}

// short is a one-line, body-free description of an AWS error: the code and
// message the service sent, never a request or response dump.
func short(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if m := ae.ErrorMessage(); m != "" {
			return ae.ErrorCode() + ": " + oneLine(m)
		}
		return ae.ErrorCode()
	}
	return oneLine(err.Error())
}

func oneLine(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), "\n", " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// Package fakeaws is a fake of the AWS APIs keyaudit collect calls, for
// tests: an httptest server speaking the services' own wire protocols
// (IAM and STS awsQuery XML, Organizations and CloudTrail awsJson1_1, S3
// REST-XML through gofakes3), reached as AWS_ENDPOINT_URL by an SDK with
// fake static keys. The service and region come from the SigV4 credential
// scope of each request, the account from its access key: the caller's
// CallerKey is the management account, and AssumeRole returns per-account
// keys. Signatures are not checked. It never reads the clock: times it
// returns come from the data it was given.
package fakeaws

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// CallerKey and CallerSecret are the static credentials of the caller,
// a user of the management account.
const (
	CallerKey    = "AKIAFAKECALLER000001"
	CallerSecret = "fake-secret-of-the-caller"
)

// Account is one fake account.
type Account struct {
	ID, Name string
	State    string // organization State; "" is ACTIVE
	// Report is the credential report CSV; GeneratedTime its time.
	Report        []byte
	GeneratedTime time.Time
	// Fresh: GenerateCredentialReport answers COMPLETE (a report of the
	// last four hours exists).
	Fresh bool
	// InProgress: GetCredentialReport answers ReportInProgress this many
	// times first; LimitExceeded: GenerateCredentialReport answers
	// LimitExceeded this many times first.
	InProgress, LimitExceeded int
	// DenyAssume: AssumeRole into the account is AccessDenied.
	DenyAssume bool
	// Events by region, CloudTrail event JSON (with eventTime), for
	// LookupEvents; LookupThrottle: the first LookupEvents requests of
	// each region answer ThrottlingException.
	Events         map[string][]string
	LookupThrottle int
	// OptOut regions are not enabled: their calls are UnrecognizedClientException.
	OptOut []string
}

// Request is what the fake saw of one request.
type Request struct {
	Service, Action, Account, Region, AccessKey string
}

// Server is the fake.
type Server struct {
	*httptest.Server
	Management string // the caller's account
	OrgID      string
	// Page sizes, small so that every pagination is exercised.
	AccountsPage, EventsPage, KeysPage, S3Page int
	// SlowDown: this many GetObject requests answer 503 SlowDown first.
	SlowDown int
	// Stalled, when set, makes every GetObject send half of its first
	// write, close Stalled (once) and hang until the client goes away.
	Stalled   chan struct{}
	stallOnce sync.Once
	// PublicKeys returned by ListPublicKeys, for every region.
	PublicKeys []PublicKey
	// OnRequest, when set, is called with each request before it is served.
	OnRequest func(Request)
	S3        *s3mem.Backend

	mu       sync.Mutex
	accounts map[string]*Account
	order    []string
	keys     map[string]string // access key -> account
	calls    map[string]int    // "service.Action" -> count
	lookups  map[string]int    // account/region -> LookupEvents requests
	log      []Request
	s3       http.Handler
}

// PublicKey is a CloudTrail digest public key.
type PublicKey struct {
	Value       []byte
	Start, End  time.Time
	Fingerprint string
}

// New starts a fake whose caller belongs to management; Close it.
func New(management string) *Server {
	s := &Server{
		Management: management, OrgID: "o-fake12345",
		AccountsPage: 2, EventsPage: 3, KeysPage: 1, S3Page: 2,
		accounts: map[string]*Account{}, keys: map[string]string{CallerKey: management},
		calls: map[string]int{}, lookups: map[string]int{},
		S3: s3mem.New(),
	}
	s.s3 = gofakes3.New(s.S3, gofakes3.WithTimeSkewLimit(0)).Server()
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// Add adds accounts, in organization order.
func (s *Server) Add(accts ...*Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range accts {
		s.accounts[a.ID] = a
		s.order = append(s.order, a.ID)
	}
}

// Calls returns how many times service.Action was called ("iam.GetCredentialReport").
func (s *Server) Calls(action string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[action]
}

// Log returns every request seen so far.
func (s *Server) Log() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// PutObject stores an S3 object with user metadata (names without x-amz-meta-).
func (s *Server) PutObject(bucket, key string, body []byte, meta map[string]string) {
	s.S3.CreateBucket(bucket) // an error means it exists
	m := map[string]string{}
	for k, v := range meta {
		m["X-Amz-Meta-"+http.CanonicalHeaderKey(k)] = v
	}
	if _, err := s.S3.PutObject(bucket, key, m, bytes.NewReader(body), int64(len(body)), nil); err != nil {
		panic(err)
	}
}

var credScope = regexp.MustCompile(`Credential=([^/,\s]+)/\d{8}/([^/]+)/([^/]+)/aws4_request`)

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	m := credScope.FindStringSubmatch(r.Header.Get("Authorization"))
	if m == nil {
		http.Error(w, "unsigned request", http.StatusForbidden)
		return
	}
	key, region, service := m[1], m[2], m[3]
	s.mu.Lock()
	acct, known := s.keys[key]
	s.mu.Unlock()
	if service == "s3" {
		s.serveS3(w, r, acct, key)
		return
	}
	body, _ := io.ReadAll(r.Body)
	action := ""
	switch service {
	case "iam", "sts":
		form, _ := url.ParseQuery(string(body))
		action = form.Get("Action")
		req := Request{Service: service, Action: action, Account: acct, Region: region, AccessKey: key}
		s.record(req)
		if !known {
			queryError(w, 403, "InvalidClientTokenId", "The security token included in the request is invalid.")
			return
		}
		if service == "iam" {
			s.iam(w, action, acct)
		} else {
			s.sts(w, action, acct, form)
		}
	case "organizations", "cloudtrail":
		t := r.Header.Get("X-Amz-Target")
		action = t[strings.LastIndex(t, ".")+1:]
		req := Request{Service: service, Action: action, Account: acct, Region: region, AccessKey: key}
		s.record(req)
		if !known {
			jsonError(w, 400, "UnrecognizedClientException", "The security token included in the request is invalid.")
			return
		}
		var in map[string]any
		json.Unmarshal(body, &in)
		if service == "organizations" {
			s.organizations(w, action, acct, in)
		} else {
			s.cloudtrail(w, action, acct, region, in)
		}
	default:
		http.Error(w, "no such service "+service, http.StatusBadRequest)
	}
}

func (s *Server) record(req Request) {
	if s.OnRequest != nil {
		s.OnRequest(req)
	}
	s.mu.Lock()
	s.calls[req.Service+"."+req.Action]++
	s.log = append(s.log, req)
	s.mu.Unlock()
}

// ---- awsQuery: IAM and STS

func queryResponse(w http.ResponseWriter, action, ns, inner string) {
	w.Header().Set("Content-Type", "text/xml")
	fmt.Fprintf(w, `<%sResponse xmlns="%s"><%sResult>%s</%sResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></%sResponse>`,
		action, ns, action, inner, action, action)
}

func queryError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>`, code, esc(msg))
}

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

const iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"

func (s *Server) iam(w http.ResponseWriter, action, acct string) {
	s.mu.Lock()
	a := s.accounts[acct]
	s.mu.Unlock()
	if a == nil {
		queryError(w, 403, "AccessDenied", "no such fake account "+acct)
		return
	}
	switch action {
	case "GenerateCredentialReport":
		s.mu.Lock()
		limited := a.LimitExceeded > 0
		if limited {
			a.LimitExceeded--
		}
		s.mu.Unlock()
		if limited {
			queryError(w, 409, "LimitExceeded", "Rate exceeded for credential report generation.")
			return
		}
		state := "STARTED"
		if a.Fresh {
			state = "COMPLETE"
		}
		queryResponse(w, action, iamNS, "<State>"+state+"</State><Description>No report exists. Starting a new report generation task</Description>")
	case "GetCredentialReport":
		s.mu.Lock()
		busy := a.InProgress > 0
		if busy {
			a.InProgress--
		}
		s.mu.Unlock()
		if busy {
			queryError(w, 404, "ReportInProgress", "Report generation in progress.")
			return
		}
		queryResponse(w, action, iamNS, "<Content>"+base64.StdEncoding.EncodeToString(a.Report)+"</Content><ReportFormat>text/csv</ReportFormat><GeneratedTime>"+
			a.GeneratedTime.UTC().Format(time.RFC3339)+"</GeneratedTime>")
	default:
		queryError(w, 400, "InvalidAction", "not faked: "+action)
	}
}

const stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"

func (s *Server) sts(w http.ResponseWriter, action, acct string, form url.Values) {
	switch action {
	case "GetCallerIdentity":
		arn := "arn:aws:iam::" + acct + ":user/auditor"
		if acct != s.Management {
			arn = "arn:aws:sts::" + acct + ":assumed-role/role/keyaudit-collect"
		}
		queryResponse(w, action, stsNS, "<Arn>"+arn+"</Arn><UserId>AIDAFAKE</UserId><Account>"+acct+"</Account>")
	case "AssumeRole":
		roleARN := form.Get("RoleArn")
		parts := strings.Split(roleARN, ":")
		if len(parts) < 6 || form.Get("RoleSessionName") == "" {
			queryError(w, 400, "ValidationError", "bad RoleArn or RoleSessionName")
			return
		}
		target := parts[4]
		s.mu.Lock()
		a := s.accounts[target]
		s.mu.Unlock()
		if a == nil || a.DenyAssume || (a.State != "" && a.State != "ACTIVE") {
			queryError(w, 403, "AccessDenied", "User: arn:aws:iam::"+acct+":user/auditor is not authorized to perform: sts:AssumeRole on resource: "+roleARN)
			return
		}
		key := "ASIAFAKE" + target
		s.mu.Lock()
		s.keys[key] = target
		s.mu.Unlock()
		queryResponse(w, action, stsNS, "<Credentials><AccessKeyId>"+key+"</AccessKeyId><SecretAccessKey>fake-secret-"+target+
			"</SecretAccessKey><SessionToken>fake-token-"+target+"</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"+
			"<AssumedRoleUser><Arn>arn:aws:sts::"+target+":assumed-role/"+parts[5]+"/"+form.Get("RoleSessionName")+"</Arn><AssumedRoleId>AROAFAKE:"+
			form.Get("RoleSessionName")+"</AssumedRoleId></AssumedRoleUser>")
	default:
		queryError(w, 400, "InvalidAction", "not faked: "+action)
	}
}

// ---- awsJson1_1: Organizations and CloudTrail

func jsonReply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	json.NewEncoder(w).Encode(v)
}

func jsonError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"__type": code, "message": msg})
}

// page cuts items at the NextToken of in, n at a time.
func page[T any](items []T, in map[string]any, n int) ([]T, string) {
	start := 0
	if t, ok := in["NextToken"].(string); ok && t != "" {
		start, _ = strconv.Atoi(strings.TrimPrefix(t, "page-"))
	}
	start = min(start, len(items))
	end := min(start+n, len(items))
	next := ""
	if end < len(items) {
		next = "page-" + strconv.Itoa(end)
	}
	return items[start:end], next
}

func (s *Server) organizations(w http.ResponseWriter, action, acct string, in map[string]any) {
	if acct != s.Management {
		jsonError(w, 400, "AccessDeniedException", "You don't have permissions to access this resource.")
		return
	}
	switch action {
	case "DescribeOrganization":
		jsonReply(w, map[string]any{"Organization": map[string]any{"Id": s.OrgID, "MasterAccountId": s.Management,
			"Arn": "arn:aws:organizations::" + s.Management + ":organization/" + s.OrgID}})
	case "ListAccounts":
		s.mu.Lock()
		var all []map[string]any
		for _, id := range s.order {
			a := s.accounts[id]
			state := a.State
			if state == "" {
				state = "ACTIVE"
			}
			status := state
			if state != "ACTIVE" && state != "SUSPENDED" {
				status = "PENDING_CLOSURE"
			}
			all = append(all, map[string]any{"Id": a.ID, "Name": a.Name, "State": state, "Status": status,
				"Arn":   "arn:aws:organizations::" + s.Management + ":account/" + s.OrgID + "/" + a.ID,
				"Email": a.ID + "@example.com", "JoinedMethod": "CREATED", "JoinedTimestamp": 1.7e9})
		}
		s.mu.Unlock()
		items, next := page(all, in, s.AccountsPage)
		out := map[string]any{"Accounts": items}
		if next != "" {
			out["NextToken"] = next
		}
		jsonReply(w, out)
	default:
		jsonError(w, 400, "InvalidAction", "not faked: "+action)
	}
}

func epoch(v any) time.Time {
	f, _ := v.(float64)
	sec := int64(f)
	return time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
}

func (s *Server) cloudtrail(w http.ResponseWriter, action, acct, region string, in map[string]any) {
	s.mu.Lock()
	a := s.accounts[acct]
	s.mu.Unlock()
	if a == nil {
		jsonError(w, 400, "AccessDeniedException", "no such fake account")
		return
	}
	for _, r := range a.OptOut {
		if r == region {
			jsonError(w, 400, "UnrecognizedClientException", "The security token included in the request is invalid.")
			return
		}
	}
	switch action {
	case "LookupEvents":
		s.mu.Lock()
		s.lookups[acct+"/"+region]++
		throttled := s.lookups[acct+"/"+region] <= a.LookupThrottle
		s.mu.Unlock()
		if throttled {
			jsonError(w, 400, "ThrottlingException", "Rate exceeded")
			return
		}
		from, to := epoch(in["StartTime"]), epoch(in["EndTime"])
		type ev struct {
			t   time.Time
			raw string
			doc map[string]any
		}
		var evs []ev
		for _, raw := range a.Events[region] {
			var doc map[string]any
			json.Unmarshal([]byte(raw), &doc)
			t, _ := time.Parse(time.RFC3339, fmt.Sprint(doc["eventTime"]))
			if !t.Before(from) && t.Before(to) {
				evs = append(evs, ev{t, raw, doc})
			}
		}
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].t.After(evs[j].t) }) // newest first, as CloudTrail
		n := s.EventsPage
		if mr, ok := in["MaxResults"].(float64); ok && int(mr) < n {
			n = int(mr)
		}
		items, next := page(evs, in, n)
		out := []map[string]any{}
		for _, e := range items {
			out = append(out, map[string]any{"EventId": e.doc["eventID"], "EventName": e.doc["eventName"], "EventSource": e.doc["eventSource"],
				"EventTime": float64(e.t.Unix()), "ReadOnly": "true", "CloudTrailEvent": e.raw})
		}
		res := map[string]any{"Events": out}
		if next != "" {
			res["NextToken"] = next
		}
		jsonReply(w, res)
	case "ListPublicKeys":
		var keys []map[string]any
		for _, k := range s.PublicKeys {
			keys = append(keys, map[string]any{"Value": base64.StdEncoding.EncodeToString(k.Value),
				"ValidityStartTime": float64(k.Start.Unix()), "ValidityEndTime": float64(k.End.Unix()), "Fingerprint": k.Fingerprint})
		}
		items, next := page(keys, in, s.KeysPage)
		res := map[string]any{"PublicKeyList": items}
		if next != "" {
			res["NextToken"] = next
		}
		jsonReply(w, res)
	default:
		jsonError(w, 400, "InvalidAction", "not faked: "+action)
	}
}

// ---- S3 through gofakes3, with SlowDown and small list pages

func (s *Server) serveS3(w http.ResponseWriter, r *http.Request, acct, key string) {
	q := r.URL.Query()
	action := "GetObject"
	if q.Get("list-type") == "2" {
		action = "ListObjectsV2"
		if q.Get("max-keys") == "" {
			q.Set("max-keys", strconv.Itoa(s.S3Page))
			r.URL.RawQuery = q.Encode()
		}
	} else if r.Method != http.MethodGet {
		action = r.Method
	}
	s.record(Request{Service: "s3", Action: action, Account: acct, AccessKey: key})
	if action == "GetObject" {
		s.mu.Lock()
		slow := s.SlowDown > 0
		if slow {
			s.SlowDown--
		}
		s.mu.Unlock()
		if slow {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fake</RequestId></Error>`)
			return
		}
	}
	if action == "GetObject" && s.Stalled != nil {
		w = &stallWriter{ResponseWriter: w, s: s, r: r}
	}
	s.s3.ServeHTTP(w, r)
}

type stallWriter struct {
	http.ResponseWriter
	s    *Server
	r    *http.Request
	done bool
}

func (w *stallWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, io.ErrClosedPipe
	}
	w.done = true
	n, _ := w.ResponseWriter.Write(p[:len(p)/2])
	w.ResponseWriter.(http.Flusher).Flush()
	w.s.stallOnce.Do(func() { close(w.s.Stalled) })
	<-w.r.Context().Done()
	return n, w.r.Context().Err()
}

// Account returns the account id, to change it between runs.
func (s *Server) Account(id string) *Account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[id]
}

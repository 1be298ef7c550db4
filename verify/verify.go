package verify

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/keyaudit/keyaudit/ingest"
	"github.com/keyaudit/keyaudit/verify/digest"
)

// DefaultMaxFileBytes is the default Options.MaxFileBytes.
const DefaultMaxFileBytes = 4 << 30

// Options tune Run. The zero value checks hashes and links only.
type Options struct {
	// Keys are the public keys signatures are checked with, by fingerprint
	// (digest.ParsePublicKeys). Nil: no signature is checked and nothing
	// is better than Consistent.
	Keys map[string]*digest.PublicKey
	// Saved are the signatures of chain heads (digest.Saved.ParseSignatures).
	Saved *digest.Saved
	// Workers read files in parallel; 0 means one per CPU.
	Workers int
	// MaxFileBytes stops hashing a log that decompresses to more (a gzip
	// bomb); such a file is invalid-format. 0 means DefaultMaxFileBytes.
	MaxFileBytes int64
	// Hashes are log hashes taken by a reader that already read the logs
	// (ingest.Options.HashFiles), by path as walked: a log found here is
	// not read again. Logs missing from it are read as without it. Digests
	// are always read here.
	Hashes map[string]ingest.FileHash
}

// Row is the verdict on one file: a digest or log found in PATH, or one
// that a digest names and PATH lacks.
type Row struct {
	Chain    string // chain ID (see Chain.ID); "" for a file in no chain
	Kind     digest.Kind
	Status   Status
	Path     string // local path; "" when missing
	S3Object string // the key as the digest names it, or from AWSLogs/ on for files no digest names
	Account  string
	Region   string
	// Start and End: a digest's hour, a missing range (Start zero when no
	// older digest is in PATH), a log's oldest and newest event (from its
	// digest).
	Start, End time.Time
	ListedBy   string // the digest naming this file: a log's digest, a digest's successor
	Expected   string // hex SHA-256 the naming digest holds
	Actual     string // hex SHA-256 of the uncompressed first gzip member
	Signature  string // digests: one of the Sig* states
	Detail     string

	order time.Time // sort position within the chain
}

// mark records a problem: the row's status becomes the worse of the two.
func (r *Row) mark(s Status, detail string) {
	if s.rank() < r.Status.rank() {
		r.Status = s
	}
	r.note(detail)
}

func (r *Row) note(detail string) {
	if detail == "" {
		return
	}
	if r.Detail != "" {
		r.Detail += "; "
	}
	r.Detail += detail
}

// Range is a span of time; From is zero when it is not known.
type Range struct{ From, To time.Time }

// Chain is one digest chain: the digests of one trail for one account and
// region, standard or backfill.
type Chain struct {
	// ID is ACCOUNT/REGION/TRAIL, with /backfill for backfill digests (and
	// @HOMEREGION when two trails of one name write the same account and
	// region).
	ID                                 string
	Account, Region, Trail, HomeRegion string
	Backfill                           bool
	Digests                            int // digests of the chain in PATH that were walked
	Logs                               int // log files its digests list
	First, Last                        time.Time
	// Missing are the ranges whose digests are not in PATH (or unreadable);
	// Gaps the ranges between a chain start and the digest before it, when
	// validation or logging was off.
	Missing, Gaps []Range
	Counts        map[Status]int // rows of the chain by status
}

// Verdict is "valid", "consistent, unsigned (why)" or "FAILED: counts".
func (c *Chain) Verdict(signed bool) string {
	var bad []string
	for _, s := range Statuses() {
		if !s.OK() && c.Counts[s] > 0 {
			bad = append(bad, fmt.Sprintf("%d %s", c.Counts[s], s))
		}
	}
	switch {
	case len(bad) > 0:
		return "FAILED: " + strings.Join(bad, ", ")
	case c.Counts[Consistent] == 0:
		return "valid"
	case !signed:
		return "consistent, unsigned (no --public-keys)"
	}
	return fmt.Sprintf("consistent, unsigned (%d of its files hang on a signature that was not checked: save the chain head's signature, see --signatures)", c.Counts[Consistent])
}

// Result is what Run found.
type Result struct {
	Rows     []Row // sorted: by chain (rows in no chain last), time, digests before logs, key, path
	Chains   []*Chain
	Ignored  int      // files under PATH that are not CloudTrail logs or digests
	Warnings []string // inputs that could not be used (a saved signature matching no chain head)
	Signed   bool     // public keys were given
	LogsRead int      // logs hashed by reading them here, not found in Options.Hashes
}

// Tampered says whether any row is neither valid nor consistent.
func (r *Result) Tampered() bool {
	for _, row := range r.Rows {
		if !row.Status.OK() {
			return true
		}
	}
	return false
}

// Run verifies the CloudTrail logs and digests under paths (files and
// directories, walked recursively; other files are counted in Ignored).
// Problems with files are rows, never errors: the error is only ctx's.
func Run(ctx context.Context, paths []string, opts Options) (*Result, error) {
	if opts.MaxFileBytes <= 0 {
		opts.MaxFileBytes = DefaultMaxFileBytes
	}
	t := walk(paths)
	v := &run{opts: opts, res: &Result{Ignored: t.ignored, Signed: opts.Keys != nil}}
	v.rows = append(v.rows, t.bad...)
	digests, dupRows := dedup(t.digests)
	v.rows = append(v.rows, dupRows...)
	logs, dupRows := dedup(t.logs)
	v.rows = append(v.rows, dupRows...)

	if err := v.readDigests(ctx, digests); err != nil {
		return nil, err
	}
	v.walkChains()
	v.signatures()
	if err := v.checkLogs(ctx, logs); err != nil {
		return nil, err
	}
	v.finish()
	return v.res, nil
}

// run is the state of one Run.
type run struct {
	opts    Options
	res     *Result
	rows    []Row
	digests []*digestState
	chains  map[chainKey]*chainState
}

type chainKey struct {
	account, region, trail, home string
	backfill                     bool
}

type chainState struct {
	c       *Chain
	all     []*digestState // every digest file of the chain, readable or not
	usable  []*digestState // parsed and where they say they are, by end time
	visited []*digestState // reached by the walk, newest first
}

type digestState struct {
	f       *localFile
	c       content
	d       *digest.Digest // nil when unusable
	row     Row
	chain   *chainState
	succ    *digestState // the digest that links to this one
	sig     string       // hex signature: from succ, or saved
	visited bool
	head    bool // newest walked digest of its chain
}

func (v *run) readDigests(ctx context.Context, files []*localFile) error {
	v.digests = make([]*digestState, len(files))
	for i, f := range files {
		v.digests[i] = &digestState{f: f, row: Row{Kind: digest.KindDigest, Status: Valid, Path: f.path, S3Object: f.key.Path,
			Account: f.key.Account, Region: f.key.Region, End: f.key.Time, order: f.key.Time.Add(-time.Hour)}}
	}
	err := parallel(ctx, len(files), v.opts.Workers, func(i int) {
		ds := v.digests[i]
		ds.c = readGzip(ds.f.path, true, min(MaxDigestBytes, v.opts.MaxFileBytes))
	})
	if err != nil {
		return err
	}
	v.chains = map[chainKey]*chainState{}
	for _, ds := range v.digests {
		k := chainKey{ds.f.key.Account, ds.f.key.Region, ds.f.key.Trail, ds.f.key.HomeRegion, ds.f.key.Backfill}
		cs := v.chains[k]
		if cs == nil {
			cs = &chainState{c: &Chain{Account: k.account, Region: k.region, Trail: k.trail, HomeRegion: k.home, Backfill: k.backfill, Counts: map[Status]int{}}}
			v.chains[k] = cs
		}
		cs.all = append(cs.all, ds)
		ds.chain = cs
		v.parseDigest(ds)
		if ds.d != nil {
			cs.usable = append(cs.usable, ds)
		}
	}
	v.nameChains()
	return nil
}

// parseDigest parses a read digest and checks it is where it says it is;
// a digest that is not stays out of the chain walk (d nil).
func (v *run) parseDigest(ds *digestState) {
	r := &ds.row
	if ds.c.err != nil {
		r.mark(InvalidFormat, ds.c.err.Error())
		return
	}
	r.Actual = ds.c.hash()
	if ds.c.trailing > 0 {
		r.mark(TrailingData, ds.c.trailingDetail())
	}
	d, err := digest.Parse(ds.c.data)
	ds.c.data = nil
	if err != nil {
		r.mark(InvalidFormat, err.Error())
		return
	}
	r.Start, r.End, r.order = d.StartTime, d.EndTime, d.StartTime
	if p := digest.KeyPath(d.S3Object); p != ds.f.key.Path {
		r.mark(Unreferenced, "its digestS3Object is "+d.S3Object+": moved or copied from there, so no digest links to it here")
		return
	}
	r.S3Object = d.S3Object
	if d.AccountID != ds.f.key.Account {
		r.mark(InvalidFormat, fmt.Sprintf("awsAccountId %s in the folder of account %s", d.AccountID, ds.f.key.Account))
		return
	}
	ds.d = d
}

// nameChains sets each chain's ID, sorted, and sorts its digests.
func (v *run) nameChains() {
	ids := map[string]int{}
	id := func(k chainKey) string {
		s := k.account + "/" + k.region + "/" + k.trail
		if k.backfill {
			s += "/backfill"
		}
		return s
	}
	for k := range v.chains {
		ids[id(k)]++
	}
	for k, cs := range v.chains {
		cs.c.ID = id(k)
		if ids[cs.c.ID] > 1 {
			cs.c.ID += "@" + k.home
		}
		sort.SliceStable(cs.usable, func(i, j int) bool {
			a, b := cs.usable[i].d, cs.usable[j].d
			if !a.EndTime.Equal(b.EndTime) {
				return a.EndTime.Before(b.EndTime)
			}
			return cs.usable[i].f.path < cs.usable[j].f.path
		})
		for _, ds := range cs.all {
			ds.row.Chain = cs.c.ID
		}
		v.res.Chains = append(v.res.Chains, cs.c)
	}
	sort.Slice(v.res.Chains, func(i, j int) bool { return v.res.Chains[i].ID < v.res.Chains[j].ID })
}

package verify

import (
	"context"
	"fmt"
	"path"
	"sort"
	"time"

	"github.com/keyaudit/keyaudit/verify/digest"
)

// checkLogs checks every log file the walked digests list, then finds the
// local logs none lists.
func (v *run) checkLogs(ctx context.Context, logs []*localFile) error {
	local := map[string]*localFile{}
	for _, f := range logs {
		local[f.key.Path] = f
	}
	// Hash each listed local log once, in parallel.
	listed := map[string]bool{}
	var toHash []*localFile
	chains := v.sortedChains()
	for _, cs := range chains {
		for _, d := range cs.visited {
			for _, lf := range d.d.LogFiles {
				p := digest.KeyPath(lf.S3Object)
				if f := local[p]; f != nil && !listed[p] {
					toHash = append(toHash, f)
				}
				listed[p] = true
			}
		}
	}
	sums := make([]content, len(toHash))
	var reread []int
	for i, f := range toHash {
		if fh, ok := v.opts.Hashes[f.path]; ok {
			sums[i] = hashed(fh, v.opts.MaxFileBytes)
		} else {
			reread = append(reread, i)
		}
	}
	v.res.LogsRead = len(reread)
	if err := parallel(ctx, len(reread), v.opts.Workers, func(i int) {
		sums[reread[i]] = readGzip(toHash[reread[i]].path, false, v.opts.MaxFileBytes)
	}); err != nil {
		return err
	}
	byPath := map[string]content{}
	for i, f := range toHash {
		byPath[f.key.Path] = sums[i]
	}
	for _, cs := range chains {
		for _, d := range cs.visited {
			for _, lf := range d.d.LogFiles {
				v.rows = append(v.rows, v.logRow(cs, d, lf, local, byPath))
				cs.c.Logs++
			}
		}
	}
	cov := v.coverage()
	for _, f := range logs {
		if !listed[f.key.Path] {
			v.rows = append(v.rows, cov.unlisted(f))
		}
	}
	return nil
}

func (v *run) logRow(cs *chainState, d *digestState, lf digest.LogFile, local map[string]*localFile, sums map[string]content) Row {
	r := Row{Chain: cs.c.ID, Kind: digest.KindLog, Status: Valid, S3Object: lf.S3Object, Account: d.f.key.Account, Region: d.f.key.Region,
		Start: lf.OldestEventTime, End: lf.NewestEventTime, ListedBy: d.d.S3Object, Expected: lf.Hash, order: d.d.StartTime}
	if k, err := digest.ParseKey(lf.S3Object); err == nil {
		r.Account, r.Region = k.Account, k.Region
	}
	if lf.Err != nil {
		r.mark(InvalidFormat, "its digest's entry: "+lf.Err.Error())
	}
	f := local[digest.KeyPath(lf.S3Object)]
	if f == nil {
		r.mark(Missing, "listed by its digest, not in PATH")
		return r
	}
	r.Path = f.path
	c := sums[f.key.Path]
	if c.err != nil {
		r.mark(InvalidFormat, c.err.Error())
		return r
	}
	r.Actual = c.hash()
	if lf.Err == nil && r.Actual != lf.Hash {
		r.mark(Modified, "SHA-256 differs from the hashValue in its digest")
	}
	if lf.HashAlgorithm != "" && lf.HashAlgorithm != digest.HashAlgorithm {
		r.mark(InvalidFormat, fmt.Sprintf("its digest names hash algorithm %q", lf.HashAlgorithm))
	}
	if c.trailing > 0 {
		r.mark(TrailingData, c.trailingDetail())
	}
	// The log is as good as its digest's signature: a verified signature
	// vouches for the digest's first gzip member, whatever else its row
	// says (trailing data, say).
	if r.Status == Valid && d.row.Signature != SigVerified {
		r.Status = Consistent
		if d.row.Status.OK() {
			r.note("its digest's signature is not checked")
		} else {
			r.note("hash matches, but its digest is " + string(d.row.Status))
		}
	}
	return r
}

// window is the hour of one walked digest.
type window struct {
	from, to time.Time
	chain    string
	key      string
}

type acctRegion struct{ account, region string }

type coverage struct {
	windows map[acctRegion][]window // sorted by from
	missing map[acctRegion][]window // missing ranges and gaps (from zero: unknown start; key says which)
}

func (v *run) coverage() *coverage {
	c := &coverage{windows: map[acctRegion][]window{}, missing: map[acctRegion][]window{}}
	for _, cs := range v.sortedChains() {
		ar := acctRegion{cs.c.Account, cs.c.Region}
		for _, d := range cs.visited {
			c.windows[ar] = append(c.windows[ar], window{d.d.StartTime, d.d.EndTime, cs.c.ID, d.d.S3Object})
		}
		for _, m := range cs.c.Missing {
			c.missing[ar] = append(c.missing[ar], window{m.From, m.To, cs.c.ID, "during missing digests"})
		}
		for _, g := range cs.c.Gaps {
			c.missing[ar] = append(c.missing[ar], window{g.From, g.To, cs.c.ID, "in a gap between two chains (validation or logging off)"})
		}
	}
	for _, ws := range c.windows {
		sort.Slice(ws, func(i, j int) bool { return ws[i].from.Before(ws[j].from) })
	}
	return c
}

// covered says whether [from, to) lies within the union of the windows,
// and returns the window holding from.
func covered(ws []window, from, to time.Time) (window, bool) {
	var at window
	found := false
	reach := from // covered up to here
	for _, w := range ws {
		if w.from.After(reach) {
			break
		}
		if !w.from.After(from) && w.to.After(from) && !found {
			at, found = w, true
		}
		if w.to.After(reach) && !w.from.After(reach) {
			reach = w.to
		}
		if !reach.Before(to) {
			return at, found
		}
	}
	return window{}, false
}

// unlisted is the row of a local log no walked digest lists. Its name
// gives the minute it was delivered: when that whole minute lies inside
// the digests' hours, a digest should list it (unreferenced); otherwise
// no digest speaks for it (not-covered).
func (c *coverage) unlisted(f *localFile) Row {
	r := Row{Kind: digest.KindLog, Path: f.path, S3Object: f.key.Path, Account: f.key.Account, Region: f.key.Region, order: f.key.Time}
	ar := acctRegion{f.key.Account, f.key.Region}
	t := f.key.Time
	if w, ok := covered(c.windows[ar], t, t.Add(time.Minute)); ok {
		r.Chain = w.chain
		r.Status = Unreferenced
		r.Detail = fmt.Sprintf("in no digest, though delivered %s in the hour of %s: not written by CloudTrail", t.Format("15:04Z"), path.Base(w.key))
		return r
	}
	r.Status = NotCovered
	for _, m := range c.missing[ar] {
		if (m.from.IsZero() || !t.Before(m.from)) && !t.After(m.to) {
			r.Chain = m.chain
			r.Detail = fmt.Sprintf("delivered %s %s: no digest vouches for it", t.Format("15:04Z"), m.key)
			return r
		}
	}
	if len(c.windows[ar]) == 0 {
		r.Detail = fmt.Sprintf("no digest of %s %s in PATH (validation off, or digests not copied)", f.key.Account, f.key.Region)
	} else {
		r.Detail = fmt.Sprintf("delivered %s, outside the hours of the digests of %s %s (validation off then, or a newer digest not yet copied)", t.Format("2006-01-02T15:04Z"), f.key.Account, f.key.Region)
	}
	return r
}

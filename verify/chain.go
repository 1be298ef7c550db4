package verify

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/keyaudit/keyaudit/verify/digest"
)

const timeFmt = "2006-01-02T15:04:05Z"

// walkChains walks every chain from its newest digest back, link by link.
func (v *run) walkChains() {
	keys := make([]chainKey, 0, len(v.chains))
	for k := range v.chains {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return v.chains[keys[i]].c.ID < v.chains[keys[j]].c.ID })
	for _, k := range keys {
		v.walk(v.chains[k])
	}
}

// walk follows previousDigestS3Object from the newest digest. A link to a
// digest that is absent (or unreadable) becomes one missing range, from
// the newest older digest present to the linking digest's start: the
// whole range, not only the first digest of it. A digest that starts a
// chain (no previous digest) ends a segment; the walk goes on with the
// newest older digest as the head of the next. Digests the walk never
// reaches (no successor links to them) are unreferenced.
func (v *run) walk(cs *chainState) {
	ds := cs.usable
	byKey := map[string]int{}
	for i, d := range ds {
		byKey[d.f.key.Path] = i
	}
	unusable := map[string]*digestState{}
	for _, d := range cs.all {
		if d.d == nil {
			unusable[d.f.key.Path] = d
		}
	}
	// older returns the newest unvisited digest below i that ends by t.
	older := func(i int, t time.Time) int {
		for j := i - 1; j >= 0; j-- {
			if !ds[j].visited && !ds[j].d.EndTime.After(t) {
				return j
			}
		}
		return -1
	}
	i := len(ds) - 1
	if i >= 0 {
		ds[i].head = true
	}
	for i >= 0 {
		cur := ds[i]
		cur.visited = true
		cs.visited = append(cs.visited, cur)
		d := cur.d
		if d.IsStart() {
			j := older(i, d.StartTime)
			if j >= 0 {
				cs.c.Gaps = append(cs.c.Gaps, Range{ds[j].d.EndTime, d.StartTime})
				ds[j].head = true // the newest digest before the gap: no successor carries its signature
			}
			i = j
			continue
		}
		pk := digest.KeyPath(d.PrevS3Object)
		if j, ok := byKey[pk]; ok && !ds[j].visited && j < i {
			v.link(cur, ds[j])
			i = j
			continue
		}
		j := older(i, d.StartTime)
		r := Range{To: d.StartTime}
		if j >= 0 {
			r.From = ds[j].d.EndTime
		}
		cs.c.Missing = append(cs.c.Missing, r)
		switch jj, ok := byKey[pk]; {
		case ok: // a loop or a fork: the link goes to a digest already walked, or a newer one
			cur.row.mark(InvalidFormat, fmt.Sprintf("previousDigestS3Object %s is not an older digest of the chain still unlinked (it is linked from %s)", d.PrevS3Object, linkedFrom(ds[jj])))
		case unusable[pk] != nil:
			u := unusable[pk]
			u.row.ListedBy = d.S3Object
			u.row.Expected = d.PrevHash
			u.row.note("its successor links to it, so " + rangeText(r) + " has no usable digest")
		default:
			v.rows = append(v.rows, Row{Chain: cs.c.ID, Kind: digest.KindDigest, Status: Missing, S3Object: d.PrevS3Object,
				Account: cur.f.key.Account, Region: cur.f.key.Region, Start: r.From, End: r.To, ListedBy: d.S3Object,
				Expected: d.PrevHash, Detail: missingText(r), order: orderOf(r)})
		}
		i = j
	}
	for _, d := range ds {
		if !d.visited {
			d.row.mark(Unreferenced, "no digest of the chain links to it")
		}
	}
	for _, d := range cs.visited {
		cs.c.Digests++
		if cs.c.First.IsZero() || d.d.StartTime.Before(cs.c.First) {
			cs.c.First = d.d.StartTime
		}
		if d.d.EndTime.After(cs.c.Last) {
			cs.c.Last = d.d.EndTime
		}
	}
	sort.Slice(cs.c.Missing, func(a, b int) bool { return cs.c.Missing[a].To.Before(cs.c.Missing[b].To) })
	sort.Slice(cs.c.Gaps, func(a, b int) bool { return cs.c.Gaps[a].To.Before(cs.c.Gaps[b].To) })
}

func linkedFrom(d *digestState) string {
	if d.succ != nil {
		return d.succ.d.S3Object
	}
	return "no digest"
}

// link checks the link from cur to its previous digest p.
func (v *run) link(cur, p *digestState) {
	p.succ = cur
	p.sig = cur.d.PrevSignature
	p.row.ListedBy = cur.d.S3Object
	p.row.Expected = cur.d.PrevHash
	if p.row.Actual != cur.d.PrevHash {
		p.row.mark(Modified, "SHA-256 differs from previousDigestHashValue in the next digest")
	}
	if cur.d.PrevHashAlgorithm != "" && cur.d.PrevHashAlgorithm != digest.HashAlgorithm {
		p.row.mark(InvalidFormat, fmt.Sprintf("the next digest names hash algorithm %q", cur.d.PrevHashAlgorithm))
	}
	if !cur.d.StartTime.Equal(p.d.EndTime) {
		cur.row.mark(InvalidFormat, fmt.Sprintf("digestStartTime %s does not continue the previous digest's digestEndTime %s",
			cur.d.StartTime.Format(timeFmt), p.d.EndTime.Format(timeFmt)))
	}
}

func rangeText(r Range) string {
	if r.From.IsZero() {
		return "the time up to " + r.To.Format(timeFmt)
	}
	return fmt.Sprintf("%s to %s (%s)", r.From.Format(timeFmt), r.To.Format(timeFmt), hours(r.To.Sub(r.From)))
}

func missingText(r Range) string {
	if r.From.IsZero() {
		return "no older digest of the chain in PATH: every digest up to " + r.To.Format(timeFmt) + " is missing"
	}
	return "no digest from " + rangeText(r) + "; named here by the newest one's key"
}

func hours(d time.Duration) string {
	h := int(math.Round(d.Hours()))
	if h == 1 {
		return "1 hour"
	}
	return fmt.Sprintf("%d hours", h)
}

func orderOf(r Range) time.Time {
	if r.From.IsZero() {
		return r.To.Add(-time.Hour)
	}
	return r.From
}

// signatures checks every walked digest's signature: from its successor,
// or saved for a digest with none.
func (v *run) signatures() {
	var heads []*digestState
	for _, cs := range v.sortedChains() {
		for _, d := range cs.visited {
			if d.succ == nil {
				if s, ok := v.savedFor(d); ok {
					d.sig = s
				} else {
					heads = append(heads, d)
				}
			}
		}
	}
	v.matchUnnamed(heads)
	for _, cs := range v.sortedChains() {
		for _, d := range cs.visited {
			v.checkSignature(d)
		}
	}
}

func (v *run) sortedChains() []*chainState {
	out := make([]*chainState, 0, len(v.chains))
	for _, cs := range v.chains {
		out = append(out, cs)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].c.ID < out[j].c.ID })
	return out
}

func (v *run) savedFor(d *digestState) (string, bool) {
	if v.opts.Saved == nil {
		return "", false
	}
	s, ok := v.opts.Saved.ByKey[d.f.key.Path]
	return s, ok
}

// matchUnnamed gives each head-object signature (which does not say whose
// it is) to the digest without a signature that it verifies. With one
// such digest and one signature left, they are paired anyway, so that a
// saved signature that does not verify is signature-invalid, not ignored.
func (v *run) matchUnnamed(heads []*digestState) {
	if v.opts.Saved == nil || len(v.opts.Saved.Unnamed) == 0 || v.opts.Keys == nil {
		return // without keys no signature is checked, so none needs an owner
	}
	var left []string
	for _, sig := range v.opts.Saved.Unnamed {
		matched := false
		if v.opts.Keys != nil {
			for _, h := range heads {
				if h.sig == "" && digest.Verify(h.d, h.c.sum, sig, v.opts.Keys) == nil {
					h.sig, matched = sig, true
					break
				}
			}
		}
		if !matched {
			left = append(left, sig)
		}
	}
	var open []*digestState
	for _, h := range heads {
		if h.sig == "" {
			open = append(open, h)
		}
	}
	if len(left) == 1 && len(open) == 1 {
		open[0].sig = left[0]
		return
	}
	for range left {
		v.res.Warnings = append(v.res.Warnings, fmt.Sprintf("a signature saved with head-object verifies no digest without a signature (%d such digests): name its digest with the JSON map form of --signatures", len(open)))
	}
}

func (v *run) checkSignature(d *digestState) {
	r := &d.row
	switch {
	case v.opts.Keys == nil:
		r.Signature = SigNoKeys
	case d.sig == "" && d.head:
		r.Signature = SigNotSaved
	case d.sig == "":
		r.Signature = SigNoSuccessor
	default:
		if err := digest.Verify(d.d, d.c.sum, d.sig, v.opts.Keys); err != nil {
			r.Signature = SigInvalid
			r.mark(SignatureInvalid, sigReason(err))
		} else {
			r.Signature = SigVerified
		}
	}
	if r.Status == Valid && r.Signature != SigVerified {
		r.Status = Consistent
		switch r.Signature {
		case SigNoKeys:
			r.note("signature not checked: no --public-keys")
		case SigNotSaved:
			r.note("chain head: its signature is S3 metadata, not copied; save it for --signatures")
		case SigNoSuccessor:
			r.note("the next digest, which carries its signature, is missing")
		}
	}
}

func sigReason(err error) string {
	switch {
	case errors.Is(err, digest.ErrNoKey):
		return err.Error() + " among --public-keys"
	default:
		return err.Error()
	}
}

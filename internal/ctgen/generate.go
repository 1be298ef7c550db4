package ctgen

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Stats summarises a generated corpus.
type Stats struct {
	Files      int   // CloudTrail log files
	Events     int   // records in log files, duplicates included
	Duplicates int   // records that repeat an event of another file
	Sessions   int   // temporary keys in the ground truth
	AKIAKeys   int   // long-term keys in the key ground truth
	JSONBytes  int64 // decompressed bytes of the log files
	GzipBytes  int64 // compressed bytes of the log files
	ExtraFiles int   // digest and non-log files
}

// Generator holds a planned corpus. Build it with New, then write it with
// WriteTo / WriteTruth / WriteKeyTruth.
type Generator struct {
	p *plan
}

// New plans the corpus described by cfg. Memory is proportional to the
// number of sessions and files, not to the number of events.
func New(cfg Config) (*Generator, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	return &Generator{p: newPlan(cfg)}, nil
}

// Files returns the relative paths of the CloudTrail log files, sorted.
func (g *Generator) Files() []string {
	out := make([]string, len(g.p.files))
	for i := range g.p.files {
		out[i] = g.p.files[i].path
	}
	sort.Strings(out)
	return out
}

// RenderFile returns the decompressed JSON of log file i (in plan order).
func (g *Generator) RenderFile(i int) []byte {
	return newRenderer(g.p).renderFile(i, nil)
}

// WriteTo writes the corpus under dir, creating it as needed.
func (g *Generator) WriteTo(dir string) (Stats, error) {
	p := g.p
	st := Stats{Files: len(p.files), Sessions: len(g.truthRows()), AKIAKeys: len(p.keys)}
	for i := range p.files {
		st.Events += p.files[i].count
		for _, it := range p.files[i].items {
			if it.kind == itDup {
				st.Duplicates++
			}
		}
	}
	type result struct {
		json, gz int64
		err      error
	}
	jobs := make(chan int)
	results := make([]result, len(p.files))
	var wg sync.WaitGroup
	for w := 0; w < p.cfg.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x := newRenderer(p)
			zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression)
			bw := bufio.NewWriterSize(io.Discard, 256<<10)
			for fi := range jobs {
				res := &results[fi]
				res.json, res.gz, res.err = x.writeFile(fi, filepath.Join(dir, filepath.FromSlash(p.files[fi].path)), zw, bw)
			}
		}()
	}
	for i := range p.files {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	for i, r := range results {
		if r.err != nil {
			return st, fmt.Errorf("write %s: %w", p.files[i].path, r.err)
		}
		st.JSONBytes += r.json
		st.GzipBytes += r.gz
	}
	n, err := g.writeExtras(dir)
	st.ExtraFiles = n
	return st, err
}

// countWriter counts the bytes passing to w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// writeFile streams file fi, gzipped, to path; it returns the JSON and
// gzip sizes.
func (x *renderer) writeFile(fi int, path string, zw *gzip.Writer, bw *bufio.Writer) (int64, int64, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return 0, 0, err
	}
	f, err := os.Create(path)
	if err != nil {
		return 0, 0, err
	}
	cw := &countWriter{w: f}
	bw.Reset(cw)
	zw.Reset(bw)
	n, err := x.streamFile(fi, zw)
	if err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		st := x.p.files[fi].stamp
		err = os.Chtimes(path, st, st)
	}
	return n, cw.n, err
}

func writeFile(path string, data []byte, mtime time.Time) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return err
	}
	return os.Chtimes(path, mtime, mtime)
}

func gz(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// writeExtras writes files a reader must skip: one digest file per account
// and region, an AWS Config snapshot, the Config writability check file and
// a README at the top.
func (g *Generator) writeExtras(dir string) (int, error) {
	p := g.p
	n := 0
	put := func(rel string, data []byte, t time.Time) error {
		n++
		return writeFile(filepath.Join(dir, filepath.FromSlash(rel)), data, t)
	}
	prefix := "AWSLogs/"
	if p.cfg.Org != "" {
		prefix += p.cfg.Org + "/"
	}
	for a := range p.accts {
		acct := p.accts[a].id
		for ri := range p.groups[a] {
			fs := p.groups[a][ri]
			last := &p.files[fs[len(fs)-1]]
			t := last.stamp.Add(time.Hour).Truncate(time.Hour)
			reg := regions[ri]
			var w jw
			w.b = append(w.b, '{')
			w.str("awsAccountId", acct)
			w.isoTime("digestStartTime", t.Add(-time.Hour).Unix())
			w.isoTime("digestEndTime", t.Unix())
			w.str("digestS3Bucket", "acme-org-cloudtrail")
			w.str("digestS3Object", prefix+acct+"/CloudTrail-Digest/"+reg+"/"+t.Format("2006/01/02")+"/"+acct+"_CloudTrail-Digest_"+reg+"_org-trail_"+reg+"_"+t.Format("20060102T150405Z")+".json.gz")
			w.str("digestPublicKeyFingerprint", hexOf(acct+reg, 32))
			w.str("digestSignatureAlgorithm", "SHA256withRSA")
			w.str("newestEventTime", time.Unix(last.end-1, 0).UTC().Format("2006-01-02T15:04:05Z"))
			w.str("oldestEventTime", time.Unix(last.start, 0).UTC().Format("2006-01-02T15:04:05Z"))
			w.arr("logFiles")
			w.elemObj()
			w.str("s3Bucket", "acme-org-cloudtrail")
			w.str("s3Object", last.path)
			w.str("hashValue", hexOf(last.path, 64))
			w.str("hashAlgorithm", "SHA-256")
			w.end()
			w.endArr()
			w.end()
			rel := prefix + acct + "/CloudTrail-Digest/" + reg + "/" + t.Format("2006/01/02") + "/" + acct + "_CloudTrail-Digest_" + reg + "_org-trail_" + reg + "_" + t.Format("20060102T150405Z") + ".json.gz"
			if err := put(rel, gz(w.b), t); err != nil {
				return n, err
			}
		}
	}
	acct := p.accts[0].id
	t := p.end
	cfgSnap := `{"fileVersion":"1.0","configSnapshotId":"` + hexOf("snap"+acct, 8) + `-0000-4000-8000-000000000000","configurationItems":[]}`
	if err := put(prefix+acct+"/Config/us-east-1/"+t.Format("2006/1/2")+"/ConfigSnapshot/"+acct+"_Config_us-east-1_ConfigSnapshot_"+t.Format("20060102T150405Z")+"_"+hexOf(acct, 8)+".json.gz", gz([]byte(cfgSnap)), t); err != nil {
		return n, err
	}
	if err := put(prefix+acct+"/Config/ConfigWritabilityCheckFile", nil, t); err != nil {
		return n, err
	}
	readme := "Synthetic CloudTrail corpus written by ctgen. Not real data; every session token is a FAKE placeholder.\n"
	if err := put("README.txt", []byte(readme), t); err != nil {
		return n, err
	}
	return n, nil
}

func hexOf(s string, n int) string {
	var h uint64 = 1469598103934665603
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * 1099511628211
	}
	b := make([]byte, n)
	for i := range b {
		h = h*6364136223846793005 + 1442695040888963407
		b[i] = "0123456789abcdef"[h>>60]
	}
	return string(b)
}

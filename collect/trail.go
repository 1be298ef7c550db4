package collect

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3DayLayout is the date part of a CloudTrail key: .../REGION/YYYY/MM/DD/file.
const s3DayLayout = "2006/01/02"

// object is one S3 object to fetch.
type object struct {
	key, etag string
	size      int64
	digest    bool
	region    *RegionEntry
	done      *sync.WaitGroup
}

// downloads is the pool of S3 workers shared by every account.
type downloads struct {
	jobs chan object
	wg   sync.WaitGroup
}

func (r *runner) s3Client() *s3.Client {
	return s3.NewFromConfig(r.opts.Config, func(o *s3.Options) {
		// A custom endpoint (AWS_ENDPOINT_URL_S3, a local S3) is seldom a
		// wildcard DNS name: address buckets by path there.
		if o.BaseEndpoint != nil {
			o.UsePathStyle = true
		}
		// CloudTrail's objects carry no checksum: do not log that each time.
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

func (r *runner) startDownloads(ctx context.Context) *downloads {
	d := &downloads{jobs: make(chan object)}
	if r.opts.TrailBucket == "" {
		return d
	}
	client := r.s3Client()
	for range r.opts.S3Workers {
		d.wg.Add(1)
		go func() {
			defer d.wg.Done()
			for o := range d.jobs {
				r.fetch(ctx, client, o)
				o.done.Done()
			}
		}()
	}
	return d
}

func (d *downloads) close() {
	close(d.jobs)
	d.wg.Wait()
}

// trail copies the account's CloudTrail log and digest files of the window
// from the trail bucket into s3/<bucket>/<key>, fetching only objects that
// are new or whose size or ETag changed since the previous run.
func (r *runner) trail(ctx context.Context, t target, dl *downloads) {
	client := r.s3Client()
	bases, err := r.accountBases(ctx, client, t.entry.ID)
	if err != nil {
		for _, region := range r.opts.Regions {
			t.entry.Regions = append(t.entry.Regions, &RegionEntry{Region: region, Source: "s3", Status: statusOf(err),
				Error: fmt.Sprintf("s3 ListObjectsV2 s3://%s/%s: %s", r.opts.TrailBucket, r.opts.TrailPrefix, short(err))})
		}
		t.entry.Check = fmt.Sprintf("that %s may s3:ListBucket and s3:GetObject on bucket %s", r.m.CallerARN, r.opts.TrailBucket)
		return
	}
	var done sync.WaitGroup
	for _, region := range r.opts.Regions {
		re := &RegionEntry{Region: region, Source: "s3", Status: StatusOK}
		t.entry.Regions = append(t.entry.Regions, re)
		if len(bases) == 0 {
			re.Note = "no CloudTrail files for this account under the trail prefix"
			continue
		}
		for _, base := range bases {
			for _, kind := range []string{"CloudTrail", "CloudTrail-Digest"} {
				prefix := base + kind + "/" + region + "/"
				if err := r.list(ctx, client, prefix, kind == "CloudTrail-Digest", re, dl, &done); err != nil {
					if ctx.Err() != nil {
						return
					}
					st := statusOf(err)
					if st == StatusOK || st == StatusSkipped {
						st = StatusError
					}
					msg := fmt.Sprintf("s3 ListObjectsV2 %s: %s", prefix, short(err))
					r.mu.Lock()
					re.Status, re.Error = st, msg
					r.mu.Unlock()
					r.note("account %s region %s: %s", t.entry.ID, region, msg)
				}
			}
		}
	}
	done.Wait()
	for _, re := range t.entry.Regions {
		if re.Objects == 0 && re.Status == StatusOK && re.Note == "" {
			re.Note = "no CloudTrail files in the window"
		}
	}
}

// accountBases finds where the account's files are: AWSLogs/ACCT/ (an
// account trail) and AWSLogs/o-ID/ACCT/ (an organization trail).
func (r *runner) accountBases(ctx context.Context, client *s3.Client, account string) ([]string, error) {
	root := r.trailPrefix() + "AWSLogs/"
	var tops []string
	p := s3.NewListObjectsV2Paginator(client, &s3.ListObjectsV2Input{Bucket: aws.String(r.opts.TrailBucket), Prefix: aws.String(root), Delimiter: aws.String("/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, cp := range page.CommonPrefixes {
			tops = append(tops, aws.ToString(cp.Prefix))
		}
	}
	var bases []string
	for _, top := range tops {
		name := strings.TrimSuffix(strings.TrimPrefix(top, root), "/")
		switch {
		case name == account:
			bases = append(bases, top)
		case strings.HasPrefix(name, "o-"):
			bases = append(bases, top+account+"/")
		}
	}
	return bases, nil
}

func (r *runner) trailPrefix() string {
	p := strings.Trim(r.opts.TrailPrefix, "/")
	if p == "" {
		return ""
	}
	return p + "/"
}

// list lists prefix from the window's first day to its last (the day of
// Until included, for files delivered after midnight) and queues what is
// new. Keys sort by date, so StartAfter skips the days before the window
// and the listing stops at the first key past it.
func (r *runner) list(ctx context.Context, client *s3.Client, prefix string, digest bool, re *RegionEntry, dl *downloads, done *sync.WaitGroup) error {
	first := prefix + r.opts.Since.Format(s3DayLayout)
	last := prefix + r.opts.Until.Format(s3DayLayout) + "/\uffff"
	in := &s3.ListObjectsV2Input{Bucket: aws.String(r.opts.TrailBucket), Prefix: aws.String(prefix), StartAfter: aws.String(first)}
	p := s3.NewListObjectsV2Paginator(client, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx, func(o *s3.Options) { o.Retryer = r.retryer(&re.c) })
		if err != nil {
			return err
		}
		for _, obj := range page.Contents {
			key := aws.ToString(obj.Key)
			if key > last {
				return nil
			}
			if strings.HasSuffix(key, "/") {
				continue // a folder marker
			}
			o := object{key: key, etag: aws.ToString(obj.ETag), size: aws.ToInt64(obj.Size), digest: digest, region: re, done: done}
			r.mu.Lock()
			re.Objects++
			if digest {
				re.Digests++
			}
			r.mu.Unlock()
			if r.unchanged(o) {
				r.prog.objsKept.Add(1)
				continue
			}
			r.prog.objsQueued.Add(1)
			r.prog.bytesQueued.Add(o.size)
			done.Add(1)
			select {
			case dl.jobs <- o:
			case <-ctx.Done():
				done.Done()
				return ctx.Err()
			}
		}
	}
	return nil
}

func (r *runner) localPath(key string) (rel, full string, err error) {
	rel = path.Join(S3Dir, r.opts.TrailBucket, key)
	full, err = safeJoin(r.opts.Out, rel)
	return rel, full, err
}

// unchanged keeps an object of the previous run that is still on disk with
// the size and ETag S3 lists now.
func (r *runner) unchanged(o object) bool {
	prev, ok := r.prevObjs[r.opts.TrailBucket+"/"+o.key]
	if !ok || prev.Size != o.size || prev.ETag != o.etag {
		return false
	}
	_, full, err := r.localPath(o.key)
	if err != nil {
		return false
	}
	if fi, err := os.Stat(full); err != nil || fi.Size() != o.size {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if o.digest {
		if _, ok := r.sigs[prev.File]; !ok {
			return false // fetch again for its signature
		}
		r.digests[o.region.Region] = true
	}
	o.region.Unchanged++
	r.m.Objects = append(r.m.Objects, prev)
	return true
}

// fetch downloads one object to a temporary name and renames it into
// place; the ETag recorded is the one GetObject returned.
func (r *runner) fetch(ctx context.Context, client *s3.Client, o object) {
	re := o.region
	failf := func(format string, a ...any) {
		if ctx.Err() != nil {
			return
		}
		msg := fmt.Sprintf(format, a...)
		r.mu.Lock()
		re.Status = StatusPartial
		if re.Error == "" {
			re.Error = msg
		}
		r.mu.Unlock()
		r.note("%s", msg)
	}
	rel, full, err := r.localPath(o.key)
	if err != nil {
		failf("s3 object %s: %v", o.key, err)
		return
	}
	out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(r.opts.TrailBucket), Key: aws.String(o.key)},
		func(so *s3.Options) { so.Retryer = r.retryer(&re.c) })
	if err != nil {
		failf("s3 GetObject %s: %s", o.key, short(err))
		return
	}
	defer out.Body.Close()
	var n int64
	err = writeFrom(full, func(w io.Writer) error {
		var err error
		n, err = io.Copy(w, out.Body)
		if err == nil && out.ContentLength != nil && n != *out.ContentLength {
			err = fmt.Errorf("short read: %d of %d bytes", n, *out.ContentLength)
		}
		if err == nil {
			err = ctx.Err()
		}
		return err
	})
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			failf("s3 GetObject %s: %v", o.key, err)
		}
		return
	}
	etag := aws.ToString(out.ETag)
	if etag == "" {
		etag = o.etag
	}
	r.prog.objsDone.Add(1)
	r.prog.bytesDone.Add(n)
	r.mu.Lock()
	defer r.mu.Unlock()
	re.Fetched++
	re.Bytes += n
	r.m.Objects = append(r.m.Objects, ObjectEntry{Bucket: r.opts.TrailBucket, Key: o.key, File: rel, Size: n, ETag: etag})
	if o.digest {
		r.digests[re.Region] = true
		if sig := out.Metadata["signature"]; sig != "" {
			r.sigs[rel] = Signature{Bucket: r.opts.TrailBucket, Key: o.key, Signature: sig, Algorithm: out.Metadata["signature-algorithm"]}
		}
	}
}

// publicKeyList is the JSON `aws cloudtrail list-public-keys` prints.
type publicKeyList struct {
	PublicKeyList []publicKey `json:"PublicKeyList"`
}

type publicKey struct {
	Value             []byte `json:"Value"` // base64, as the CLI prints a blob
	ValidityStartTime string `json:"ValidityStartTime,omitempty"`
	ValidityEndTime   string `json:"ValidityEndTime,omitempty"`
	Fingerprint       string `json:"Fingerprint,omitempty"`
}

// publicKeys saves CloudTrail's digest-signing public keys of the window
// for each region whose digests were collected.
func (r *runner) publicKeys(ctx context.Context) {
	for _, region := range r.opts.Regions {
		if !r.digests[region] {
			continue
		}
		client := cloudtrail.NewFromConfig(r.opts.Config, func(o *cloudtrail.Options) {
			o.Region = region
			o.Retryer = r.retryer(&counters{})
		})
		doc := publicKeyList{PublicKeyList: []publicKey{}}
		in := &cloudtrail.ListPublicKeysInput{StartTime: aws.Time(r.opts.Since), EndTime: aws.Time(r.opts.Until)}
		var err error
		for {
			var out *cloudtrail.ListPublicKeysOutput
			if out, err = client.ListPublicKeys(ctx, in); err != nil {
				break
			}
			for _, k := range out.PublicKeyList {
				doc.PublicKeyList = append(doc.PublicKeyList, publicKey{Value: k.Value, Fingerprint: aws.ToString(k.Fingerprint),
					ValidityStartTime: fmtTime(k.ValidityStartTime), ValidityEndTime: fmtTime(k.ValidityEndTime)})
			}
			if out.NextToken == nil || *out.NextToken == "" {
				break
			}
			in.NextToken = out.NextToken
		}
		if err != nil {
			if ctx.Err() == nil {
				r.note("region %s: cloudtrail ListPublicKeys: %s (digest signatures cannot be checked offline without them)", region, short(err))
			}
			continue
		}
		if err := writeJSON(filepath.Join(r.opts.Out, PublicKeysPrefix+region+".json"), doc); err != nil {
			r.note("region %s: write public keys: %v", region, err)
		}
	}
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

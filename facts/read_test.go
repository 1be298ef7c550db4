package facts_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/keyaudit/keyaudit/facts"
)

// textTable is a fact table as text cells: the canonical CSV form (null
// is "", times decimal ms, dates YYYY-MM-DD).
type textTable struct {
	header []string
	rows   [][]string
}

type textSet [facts.NumTables]*textTable

func (ts textSet) clone() textSet {
	var out textSet
	for i, tt := range ts {
		c := &textTable{header: slices.Clone(tt.header)}
		for _, r := range tt.rows {
			c.rows = append(c.rows, slices.Clone(r))
		}
		out[i] = c
	}
	return out
}

// col is the index of a column in tt's header.
func (tt *textTable) col(t *testing.T, name string) int {
	t.Helper()
	i := slices.Index(tt.header, name)
	if i < 0 {
		t.Fatalf("no column %s in %v", name, tt.header)
	}
	return i
}

// textOf renders s as text, with a manifest counting its rows.
func textOf(t *testing.T, s *facts.Set, scope string) textSet {
	t.Helper()
	var ts textSet
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		tt := &textTable{}
		for _, c := range facts.Columns(tb) {
			tt.header = append(tt.header, c.Name)
		}
		for _, rec := range s.Records[tb] {
			v, err := facts.NewView(tb, rec)
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < v.N; i++ {
				row := make([]string, len(tt.header))
				for c, col := range facts.Columns(tb) {
					if rec.Column(c).IsNull(i) {
						continue
					}
					switch col.Kind {
					case facts.Str:
						row[c] = v.Str(c, i)
					case facts.Bool:
						row[c] = strconv.FormatBool(v.Bool(c, i))
					case facts.Date:
						row[c] = time.Unix(v.Int(c, i)*86400, 0).UTC().Format(time.DateOnly)
					default:
						row[c] = strconv.FormatInt(v.Int(c, i), 10)
					}
				}
				tt.rows = append(tt.rows, row)
			}
		}
		ts[tb] = tt
	}
	ts.recount(scope)
	return ts
}

// recount rewrites the manifest from the rows held.
func (ts textSet) recount(scope string) {
	m := ts[facts.Manifest]
	m.rows = nil
	for tb := facts.Table(0); tb < facts.Manifest; tb++ {
		m.rows = append(m.rows, []string{"1", tb.String(), strconv.Itoa(len(ts[tb].rows)), "test", "event_id", scope, ""})
	}
}

func csvCell(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func writeCSV(t *testing.T, path string, tt *textTable) {
	t.Helper()
	var b strings.Builder
	for _, r := range append([][]string{tt.header}, tt.rows...) {
		for i, c := range r {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(csvCell(c))
		}
		b.WriteByte('\n')
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func (ts textSet) write(t *testing.T, dir string) {
	t.Helper()
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		writeCSV(t, filepath.Join(dir, tb.String()+".csv"), ts[tb])
	}
}

// sortedDump is dump with the rows of each table sorted, for sets whose
// row order is not the written one.
func sortedDump(t *testing.T, s *facts.Set) string {
	var out []string
	var sec []string
	for _, line := range strings.Split(dump(t, s), "\n") {
		if strings.HasPrefix(line, "# ") {
			slices.Sort(sec)
			out = append(out, sec...)
			sec = nil
			out = append(out, line)
			continue
		}
		sec = append(sec, line)
	}
	slices.Sort(sec)
	return strings.Join(append(out, sec...), "\n")
}

// TestReadAthenaCSV: all-string CSV with a header, every cell quoted,
// columns in another order and case, times in every accepted form,
// booleans in any case, gives the same facts.
func TestReadAthenaCSV(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set := demoSet(t, mem)
	defer set.Release()
	ts := textOf(t, set, "")
	for tb := facts.Table(0); tb < facts.NumTables; tb++ {
		tt := ts[tb]
		cols := facts.Columns(tb)
		for ri, r := range tt.rows {
			for c, col := range cols {
				if r[c] == "" {
					continue
				}
				switch col.Kind {
				case facts.Time:
					ms, _ := strconv.ParseInt(r[c], 10, 64)
					at := time.UnixMilli(ms).UTC()
					switch (ri + c) % 4 {
					case 1:
						r[c] = at.Format("2006-01-02T15:04:05.000Z")
					case 2:
						r[c] = at.Format("2006-01-02 15:04:05.000") // Athena's timestamp text
					case 3:
						if ms%1000 == 0 {
							r[c] = at.Format("Jan 2, 2006 3:04:05 PM")
						}
					}
				case facts.Bool:
					if ri%2 == 0 {
						r[c] = strings.ToUpper(r[c])
					} else {
						r[c] = strings.ToUpper(r[c][:1]) + r[c][1:]
					}
				}
			}
		}
		// Reverse the columns; upper-case every other name.
		slices.Reverse(tt.header)
		for i := range tt.header {
			if i%2 == 1 {
				tt.header[i] = strings.ToUpper(tt.header[i])
			}
		}
		for _, r := range tt.rows {
			slices.Reverse(r)
		}
	}
	dir := t.TempDir()
	ts.write(t, dir)
	back, st := readSet(t, mem, 5, dir)
	defer back.Release()
	if got, want := dump(t, back), dump(t, set); got != want {
		t.Errorf("CSV facts differ:\n%s", firstDiff(got, want))
	}
	if st.Sets[0].Files[facts.KeyUse] != 1 || st.Sets[0].Rows[facts.KeyUse] != set.Rows(facts.KeyUse) {
		t.Errorf("stats %+v", st.Sets[0])
	}
}

// fileCol is one column of a hand-written Parquet file: the name in the
// file, its Arrow type, the canonical column it holds.
type fileCol struct {
	name string
	typ  arrow.DataType
	src  int
}

// writeParquet writes rows (canonical text) as a Parquet file with cols,
// storing the Arrow schema so that its types come back as written.
func writeParquet(t *testing.T, mem memory.Allocator, path string, cols []fileCol, rows [][]string) {
	t.Helper()
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: true}
	}
	sc := arrow.NewSchema(fs, nil)
	b := array.NewRecordBuilder(mem, sc)
	defer b.Release()
	for _, r := range rows {
		for i, c := range cols {
			v := r[c.src]
			fb := b.Field(i)
			if v == "" {
				fb.AppendNull()
				continue
			}
			n, _ := strconv.ParseInt(v, 10, 64)
			switch fb := fb.(type) {
			case *array.StringBuilder:
				fb.Append(v)
			case *array.LargeStringBuilder:
				fb.Append(v)
			case *array.BinaryDictionaryBuilder:
				fb.AppendString(v)
			case *array.Int32Builder:
				fb.Append(int32(n))
			case *array.Int64Builder:
				fb.Append(n)
			case *array.Float64Builder:
				fb.Append(float64(n))
			case *array.TimestampBuilder:
				fb.Append(arrow.Timestamp(n * 1000)) // µs
			case *array.Date32Builder:
				d, _ := time.Parse(time.DateOnly, v)
				fb.Append(arrow.Date32(d.Unix() / 86400))
			case *array.BooleanBuilder:
				fb.Append(v == "true")
			default:
				t.Fatalf("no case for %T", fb)
			}
		}
	}
	rec := b.NewRecord()
	defer rec.Release()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	fw, err := pqarrow.NewFileWriter(sc, f, parquet.NewWriterProperties(parquet.WithAllocator(mem)),
		pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem), pqarrow.WithStoreSchema()))
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); err != nil { // closes f
		t.Fatal(err)
	}
}

// TestReadHiveParquet: key_use as an Athena CTAS folder: extensionless
// Parquet files under day=/recipient_account_id= folders (a null
// recipient as __HIVE_DEFAULT_PARTITION__), columns of other types and
// order, marker files to ignore; the other tables as the Writer wrote
// them.
func TestReadHiveParquet(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set := demoSet(t, mem)
	defer set.Release()
	dir := filepath.Join(t.TempDir(), "athena")
	writeSet(t, mem, set, dir, facts.WriterOptions{})
	if err := os.Remove(filepath.Join(dir, "key_use.parquet")); err != nil {
		t.Fatal(err)
	}
	ku := textOf(t, set, "")[facts.KeyUse]
	day, recip := ku.col(t, "day"), ku.col(t, "recipient_account_id")
	groups := map[string][][]string{}
	var keys []string
	for _, r := range ku.rows {
		rv := r[recip]
		if rv == "" {
			rv = "__HIVE_DEFAULT_PARTITION__"
		}
		k := filepath.Join("day="+r[day], "recipient_account_id="+rv)
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], r)
	}
	if len(keys) < 2 {
		t.Fatalf("demo key_use has %d partitions; the test needs several", len(keys))
	}
	str := arrow.BinaryTypes.String
	dict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: str}
	for gi, k := range keys {
		var cols []fileCol
		for c, col := range facts.Columns(facts.KeyUse) {
			if c == day || c == recip {
				continue
			}
			fc := fileCol{name: col.Name, typ: col.Kind.ArrowType(), src: c}
			if gi%2 == 1 { // other types of the same family, upper-case names
				fc.name = strings.ToUpper(fc.name)
				switch {
				case c == facts.KUAccessKeyID:
					fc.typ = arrow.BinaryTypes.LargeString
				case c == facts.KUUserAgent || c == facts.KUEventSource:
					fc.typ = dict
				case c == facts.KUCalls:
					fc.typ = arrow.PrimitiveTypes.Int32
				case c == facts.KUFirst:
					fc.typ = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
				}
			}
			cols = append(cols, fc)
		}
		slices.Reverse(cols)
		writeParquet(t, mem, filepath.Join(dir, "key_use", k, fmt.Sprintf("20261003_000000_%05d_abcde", gi)), cols, groups[k])
	}
	for name, body := range map[string]string{
		"_SUCCESS": "", "part.crc": "x", ".hidden": "x", "key_use_$folder$": "", "x.metadata": "x",
		"_temporary/0/part-0": "garbage",
	} {
		p := filepath.Join(dir, "key_use", name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	back, st := readSet(t, mem, 0, dir)
	defer back.Release()
	if got, want := sortedDump(t, back), sortedDump(t, set); got != want {
		t.Errorf("Hive facts differ:\n%s", firstDiff(got, want))
	}
	if got := st.Sets[0].Files[facts.KeyUse]; got != len(keys) {
		t.Errorf("%d key_use files read, want %d", got, len(keys))
	}
}

// TestReadErrors: every check of the reader, each error naming the
// problem.
func TestReadErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set := demoSet(t, mem)
	defer set.Release()
	base := textOf(t, set, "")
	pqDir := filepath.Join(t.TempDir(), "pq")
	writeSet(t, mem, set, pqDir, facts.WriterOptions{})

	type edit func(t *testing.T, ts textSet, dir string)
	setCell := func(tb facts.Table, row int, col, v string) edit {
		return func(t *testing.T, ts textSet, dir string) { ts[tb].rows[row][ts[tb].col(t, col)] = v }
	}
	dropCol := func(tb facts.Table, col string) edit {
		return func(t *testing.T, ts textSet, dir string) {
			c := ts[tb].col(t, col)
			ts[tb].header = slices.Delete(ts[tb].header, c, c+1)
			for i := range ts[tb].rows {
				ts[tb].rows[i] = slices.Delete(ts[tb].rows[i], c, c+1)
			}
		}
	}
	addCol := func(tb facts.Table, col string) edit {
		return func(t *testing.T, ts textSet, dir string) {
			ts[tb].header = append(ts[tb].header, col)
			for i := range ts[tb].rows {
				ts[tb].rows[i] = append(ts[tb].rows[i], "x")
			}
		}
	}
	manifest := func(f func(rows [][]string) [][]string) edit {
		return func(t *testing.T, ts textSet, dir string) { ts[facts.Manifest].rows = f(ts[facts.Manifest].rows) }
	}
	file := func(rel, body string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			p := filepath.Join(dir, rel)
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	remove := func(rel string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			if err := os.RemoveAll(filepath.Join(dir, rel)); err != nil {
				t.Fatal(err)
			}
		}
	}
	// hive moves key_use.csv into key_use/<folder>/part.csv.
	hive := func(folder string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) {
			p := filepath.Join(dir, "key_use", folder, "part.csv")
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.Rename(filepath.Join(dir, "key_use.csv"), p); err != nil {
				t.Fatal(err)
			}
		}
	}
	kuRows := strconv.Itoa(len(base[facts.KeyUse].rows))
	cases := []struct {
		name    string
		parquet bool                           // start from the Writer's set, not CSV
		text    edit                           // edits the CSV set before it is written
		files   func(t *testing.T, dir string) // edits the directory after
		is      error
		want    []string
	}{
		{name: "no manifest", files: remove("manifest.csv"), is: facts.ErrNoManifest,
			want: []string{"is not a keyaudit fact set: no manifest"}},
		{name: "not a directory", files: func(t *testing.T, dir string) { os.RemoveAll(dir); os.WriteFile(dir, nil, 0o644) },
			is: facts.ErrNoManifest, want: []string{"not a directory"}},
		{name: "version 2", text: manifest(func(r [][]string) [][]string { r[2][0] = "2"; return r }), is: facts.ErrVersion,
			want: []string{"has facts_version 2; this keyaudit reads 1", "upgrade"}},
		{name: "table not in manifest", text: manifest(func(r [][]string) [][]string { return r[:len(r)-1] }), is: facts.ErrManifest,
			want: []string{"table event_accounts is not named"}},
		{name: "table named twice", text: manifest(func(r [][]string) [][]string { return append(r, slices.Clone(r[0])) }), is: facts.ErrManifest,
			want: []string{"table key_use is named twice"}},
		{name: "unknown table", text: manifest(func(r [][]string) [][]string {
			x := slices.Clone(r[0])
			x[1] = "keys"
			return append(r, x)
		}), is: facts.ErrManifest, want: []string{`unknown table "keys"`}},
		{name: "bad dedup", text: manifest(func(r [][]string) [][]string { r[0][4] = "maybe"; return r }), is: facts.ErrManifest,
			want: []string{`dedup "maybe"`}},
		{name: "manifest version not an integer", text: manifest(func(r [][]string) [][]string { r[1][0] = "one"; return r }), is: facts.ErrSyntax,
			want: []string{"manifest.csv: manifest.facts_version row 2 (line 3)", `"one" is not an integer`}},
		{name: "missing column", text: dropCol(facts.KeyUse, "calls"), is: facts.ErrColumns,
			want: []string{"key_use.csv: table key_use", "missing column calls"}},
		{name: "extra column", text: addCol(facts.SessionUse, "bogus"), is: facts.ErrColumns,
			want: []string{"session_use.csv: table session_use", `extra column "bogus"`}},
		{name: "column twice", text: func(t *testing.T, ts textSet, dir string) {
			addCol(facts.KeyUse, "CALLS")(t, ts, dir)
		}, is: facts.ErrColumns, want: []string{"column calls is there twice"}},
		{name: "fewer rows than the manifest (CSV)", text: func(t *testing.T, ts textSet, dir string) {
			ts[facts.KeyUse].rows = ts[facts.KeyUse].rows[1:]
		}, is: facts.ErrIncomplete, want: []string{"table key_use has", "the manifest says " + kuRows, "interrupted download?"}},
		{name: "more rows than the manifest (CSV)", text: func(t *testing.T, ts textSet, dir string) {
			ts[facts.KeyUse].rows = append(ts[facts.KeyUse].rows, ts[facts.KeyUse].rows[0])
		}, want: []string{"table key_use has", "the manifest says " + kuRows, "added after the manifest"}},
		{name: "fewer rows than the manifest (Parquet footers)", parquet: true, files: func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "manifest.parquet"))
			m := base.clone()
			m[facts.Manifest].rows[facts.STSIssue][2] = strconv.Itoa(len(base[facts.STSIssue].rows) + 5)
			writeCSV(t, filepath.Join(dir, "manifest.csv"), m[facts.Manifest])
		}, is: facts.ErrIncomplete, want: []string{"sts_issue.parquet: table sts_issue has", "interrupted download?"}},
		{name: "manifest twice", parquet: true, files: func(t *testing.T, dir string) {
			writeCSV(t, filepath.Join(dir, "manifest.csv"), base[facts.Manifest])
		}, want: []string{"table manifest is there 2 times"}},
		{name: "absent table with rows", files: remove("key_lifecycle.csv"), is: facts.ErrIncomplete,
			want: []string{"table key_lifecycle is missing", "the manifest says"}},
		{name: "bad integer", text: setCell(facts.KeyUse, 2, "calls", "abc"), is: facts.ErrSyntax,
			want: []string{"key_use.csv: key_use.calls row 3 (line 4)", `"abc" is not an integer`}},
		{name: "null integer", text: setCell(facts.KeyUse, 0, "calls", ""), is: facts.ErrNull,
			want: []string{"key_use.calls row 1", "cannot be null"}},
		{name: "bad time", text: setCell(facts.SessionUse, 0, "first_time", "yesterday"), is: facts.ErrSyntax,
			want: []string{"session_use.first_time row 1", `"yesterday" is not a time`}},
		{name: "bad date", text: setCell(facts.KeyUse, 0, "day", "2026-13-01"), is: facts.ErrSyntax,
			want: []string{"key_use.day row 1", "is not a date"}},
		{name: "bad boolean", text: setCell(facts.SessionUse, 0, "console_hint", "yes"), is: facts.ErrSyntax,
			want: []string{"session_use.console_hint row 1", `"yes" is not a boolean`}},
		{name: "ragged CSV", files: func(t *testing.T, dir string) {
			p := filepath.Join(dir, "principals.csv")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, append(b, []byte("a,b,c\n")...), 0o644)
		}, want: []string{"principals.csv", "wrong number of fields"}},
		{name: "empty CSV", files: file("principals.csv", ""), want: []string{"principals.csv: empty CSV file: no header"}},
		{name: "event twice in a set", text: func(t *testing.T, ts textSet, dir string) {
			ts[facts.STSIssue].rows = append(ts[facts.STSIssue].rows, ts[facts.STSIssue].rows[0])
			ts.recount("")
		}, is: facts.ErrDuplicate, want: []string{"event " + base[facts.STSIssue].rows[0][facts.SIEventID] + " is in sts_issue twice", "producer"}},
		{name: "two layouts of a table", files: file("key_use/part.csv", "x\n"), want: []string{"table key_use is there 2 times"}},
		{name: "neither Parquet nor CSV", files: func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "principals.csv"))
			file("principals/part-0", "user_identity_principal_id,user_identity_arn\n")(t, dir)
		}, want: []string{"principals/part-0: neither Parquet (no PAR1 magic) nor CSV"}},
		{name: "column in the path and the file", files: hive("day=2026-10-03"), is: facts.ErrColumns,
			want: []string{"column day is both in the file and in the folder day=2026-10-03"}},
		{name: "folder not a column", text: dropCol(facts.KeyUse, "day"), files: hive("week=3"), is: facts.ErrColumns,
			want: []string{"folder week=… is not a column"}},
		{name: "bad folder value", text: dropCol(facts.KeyUse, "day"), files: hive("day=soon"), is: facts.ErrColumns,
			want: []string{"folder day=soon", `"soon" is not a date`}},
		{name: "null folder value for a non-null column", text: dropCol(facts.KeyUse, "day"), files: hive("day=__HIVE_DEFAULT_PARTITION__"),
			is: facts.ErrColumns, want: []string{"folder day=__HIVE_DEFAULT_PARTITION__", "cannot be null"}},
		{name: "wrong type family", parquet: true, files: func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "event_accounts.parquet"))
			var cols []fileCol
			for c, col := range facts.Columns(facts.EventAccounts) {
				cols = append(cols, fileCol{name: col.Name, typ: col.Kind.ArrowType(), src: c})
			}
			cols[facts.EAEvents].typ = arrow.PrimitiveTypes.Float64
			writeParquet(t, mem, filepath.Join(dir, "event_accounts", "part-0"), cols, base[facts.EventAccounts].rows)
		}, is: facts.ErrColumns, want: []string{"event_accounts/part-0: table event_accounts", "column events is float64, want an integer"}},
		{name: "corrupt Parquet", parquet: true, files: file("principals.parquet", "PAR1 not really"),
			want: []string{"principals.parquet"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "set")
			if tc.parquet {
				if err := os.CopyFS(dir, os.DirFS(pqDir)); err != nil {
					t.Fatal(err)
				}
			} else {
				ts := base.clone()
				if tc.text != nil {
					tc.text(t, ts, dir)
				}
				ts.write(t, dir)
			}
			if tc.files != nil {
				tc.files(t, dir)
			}
			out := &facts.Set{}
			defer out.Release()
			_, err := facts.Read(context.Background(), mem, []string{dir}, out)
			if err == nil {
				t.Fatal("no error")
			}
			t.Log(err)
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %q", err, tc.is)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			// Sinks that take Views are read another way: the same error.
			_, verr := facts.Read(context.Background(), mem, []string{dir}, facts.SinkOf(&viewDump{}))
			if verr == nil || verr.Error() != err.Error() {
				t.Errorf("with a view sink: error %v, want %v", verr, err)
			}
		})
	}
}

// split returns two text sets holding alternate rows of ts.
func split(ts textSet) (textSet, textSet) {
	a, b := ts.clone(), ts.clone()
	for tb := facts.Table(0); tb < facts.Manifest; tb++ {
		a[tb].rows, b[tb].rows = nil, nil
		for i, r := range ts[tb].rows {
			if i%2 == 0 {
				a[tb].rows = append(a[tb].rows, r)
			} else {
				b[tb].rows = append(b[tb].rows, r)
			}
		}
	}
	a.recount("recipient_account_id in (A)")
	b.recount("recipient_account_id in (B)")
	return a, b
}

// TestReadMerge: disjoint sets merge into the whole; overlapping or
// incompatible sets are refused.
func TestReadMerge(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	set := demoSet(t, mem)
	defer set.Release()
	whole := textOf(t, set, "")
	base := t.TempDir()
	da, db, dw := filepath.Join(base, "a"), filepath.Join(base, "b"), filepath.Join(base, "whole")
	a, b := split(whole)
	a.write(t, da)
	b.write(t, db)
	writeSet(t, mem, set, dw, facts.WriterOptions{})

	merged, st := readSet(t, mem, 0, da, db)
	if got, want := sortedDump(t, merged), sortedDump(t, set); got != want {
		t.Errorf("merged halves differ from the whole:\n%s", firstDiff(got, want))
	}
	merged.Release()
	if len(st.Sets) != 2 || st.Sets[0].Rows[facts.STSIssue]+st.Sets[1].Rows[facts.STSIssue] != set.Rows(facts.STSIssue) ||
		st.Sets[1].Scope != "recipient_account_id in (B)" || len(st.Warnings) != 0 {
		t.Errorf("stats %+v, warnings %q", st.Sets, st.Warnings)
	}

	sts := whole[facts.STSIssue].rows[1][facts.SIEventID]
	for _, tc := range []struct {
		name string
		dirs []string
		prep func(t *testing.T, dir string)
		is   error
		want []string
	}{
		{name: "a set and a half of it", dirs: []string{dw, db}, is: facts.ErrOverlap,
			want: []string{"fact sets " + dw + " and " + db + " overlap: event " + sts + " is in both", "their inputs were not disjoint"}},
		{name: "the same set twice", dirs: []string{da, da}, is: facts.ErrMerge, want: []string{"are the same fact set"}},
		{name: "the same scope", dirs: []string{da, "c"}, prep: func(t *testing.T, dir string) {
			c := a.clone()
			for tb := facts.Table(0); tb < facts.Manifest; tb++ {
				c[tb].rows = nil
			}
			c.recount("recipient_account_id in (A)")
			c.write(t, dir)
		}, is: facts.ErrOverlap, want: []string{"both declare the scope recipient_account_id in (A)"}},
		{name: "dedup differs", dirs: []string{da, "c"}, prep: func(t *testing.T, dir string) {
			c := b.clone()
			for _, r := range c[facts.Manifest].rows {
				r[4] = facts.DedupNone
			}
			c.write(t, dir)
		}, is: facts.ErrMerge, want: []string{"has dedup event_id", "has none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dirs := slices.Clone(tc.dirs)
			for i, d := range dirs {
				if d == "c" {
					dirs[i] = filepath.Join(t.TempDir(), "c")
					tc.prep(t, dirs[i])
				}
			}
			out := &facts.Set{}
			defer out.Release()
			_, err := facts.Read(context.Background(), mem, dirs, out)
			if !errors.Is(err, tc.is) {
				t.Fatalf("error %v, want %v", err, tc.is)
			}
			t.Log(err)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			_, verr := facts.Read(context.Background(), mem, dirs, facts.SinkOf(&viewDump{}))
			if verr == nil || verr.Error() != err.Error() {
				t.Errorf("with a view sink: error %v, want %v", verr, err)
			}
		})
	}

	// Sets without a scope merge with a warning.
	x, y := split(whole)
	x.recount("")
	y.recount("")
	dx, dy := filepath.Join(base, "x"), filepath.Join(base, "y")
	x.write(t, dx)
	y.write(t, dy)
	merged, st = readSet(t, mem, 0, dx, dy)
	merged.Release()
	if len(st.Warnings) != 2 || !strings.Contains(st.Warnings[0], "declares no scope") {
		t.Errorf("warnings %q", st.Warnings)
	}
}

package facts

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// hiveNull is the folder value Hive, Athena and Spark write for null.
const hiveNull = "__HIVE_DEFAULT_PARTITION__"

// source is one data file of a table.
type source struct {
	path  string
	csv   bool
	parts []part // Hive folder values, outermost first
}

// part is one name=value folder above a file.
type part struct {
	name, value string // value: unescaped; hiveNull when null
	null        bool
}

// location is where a table's files are in a fact set directory.
type location struct {
	where string // DIR/key_use.parquet, DIR/key_use.csv or DIR/key_use/, for messages
	files []source
	found bool
}

// ignored reports whether a name in a table folder is not data: hidden
// and Hadoop/Spark marker files (_SUCCESS, _committed_*, _metadata),
// checksums, and S3 console folder markers.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
		strings.HasSuffix(name, ".crc") || strings.HasSuffix(name, ".metadata") ||
		strings.HasSuffix(name, "_$folder$")
}

// locate finds the files of table t in dir: DIR/<t>.parquet or
// DIR/<t>.csv alone, or the folder DIR/<t>/ (also DIR/<t>.parquet/ as
// Spark writes it) with files at any depth of Hive name=value folders.
func locate(dir string, t Table) (location, error) {
	var found []string
	for _, name := range []string{t.String() + ".parquet", t.String() + ".csv", t.String()} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			found = append(found, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			return location{}, err
		}
	}
	switch len(found) {
	case 0:
		return location{where: filepath.Join(dir, t.String())}, nil
	case 1:
	default:
		return location{}, fmt.Errorf("%s: table %s is there %d times (%s): keep one", dir, t, len(found), strings.Join(found, ", "))
	}
	p := found[0]
	fi, err := os.Stat(p)
	if err != nil {
		return location{}, err
	}
	if !fi.IsDir() {
		src, err := sniff(p)
		if err != nil {
			return location{}, err
		}
		return location{where: p, files: []source{src}, found: true}, nil
	}
	loc := location{where: p + string(filepath.Separator), found: true}
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == p {
			return nil
		}
		if ignored(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			fi, err := os.Stat(path)
			if err != nil {
				return err
			}
			if !fi.Mode().IsRegular() {
				return fmt.Errorf("%s: a symbolic link to something other than a file", path)
			}
		} else if !d.Type().IsRegular() {
			return fmt.Errorf("%s: not a regular file", path)
		}
		src, err := sniff(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(p, filepath.Dir(path))
		if src.parts, err = hiveParts(rel); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		loc.files = append(loc.files, src)
		return nil
	})
	if err != nil {
		return location{}, err
	}
	return loc, nil
}

// sniff tells Parquet (PAR1 magic) from CSV (a .csv name).
func sniff(path string) (source, error) {
	f, err := os.Open(path)
	if err != nil {
		return source{}, err
	}
	defer f.Close()
	var magic [4]byte
	n, err := io.ReadFull(f, magic[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return source{}, err
	}
	if n == 4 && bytes.Equal(magic[:], []byte("PAR1")) {
		return source{path: path}, nil
	}
	if strings.EqualFold(filepath.Ext(path), ".csv") {
		return source{path: path, csv: true}, nil
	}
	return source{}, fmt.Errorf("%s: neither Parquet (no PAR1 magic) nor CSV (.csv)", path)
}

// hiveParts parses the name=value folders of rel (folders without "="
// are plain folders). Values are unescaped as Hive escapes them (%XX).
func hiveParts(rel string) ([]part, error) {
	if rel == "." || rel == "" {
		return nil, nil
	}
	var parts []part
	for _, seg := range strings.Split(filepath.ToSlash(rel), "/") {
		name, value, ok := strings.Cut(seg, "=")
		if !ok {
			continue
		}
		if name == "" {
			return nil, fmt.Errorf("folder %q: a partition without a name", seg)
		}
		if n, err := url.PathUnescape(name); err == nil {
			name = n
		}
		for _, p := range parts {
			if strings.EqualFold(p.name, name) {
				return nil, fmt.Errorf("partition %s appears twice in the path", name)
			}
		}
		p := part{name: name, value: value, null: value == hiveNull}
		if !p.null {
			v, err := url.PathUnescape(value)
			if err != nil {
				return nil, fmt.Errorf("folder %q: %v", seg, err)
			}
			p.value = v
		}
		parts = append(parts, p)
	}
	return parts, nil
}

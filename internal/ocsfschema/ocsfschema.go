// Package ocsfschema checks JSON events against the OCSF schema source
// (the ocsf-schema repository's dictionary.json, events/, objects/,
// profiles/ and categories.json), for tests: no network, no compiled
// schema server.
//
// A class's attributes are its own file under events/ merged over the
// classes it extends (finding, base_event), each attribute merged over its
// dictionary.json entry; attributes of a profile ($include, or "profile":
// NAME) count only when metadata.profiles names that profile. Objects
// resolve the same way from objects/, following "extends". Validate checks
// that required attributes are present, that values have their type
// (string, integer, long, timestamp, float, boolean, object, array, and
// the string types' regex), that enum attributes hold a listed value and
// their sibling its caption, that no attribute is unknown, the objects'
// at_least_one and just_one constraints, and the class's category_uid,
// class_uid and type_uid.
package ocsfschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
)

// attr is an attribute of a class or object, merged from every layer.
type attr struct {
	Type        string
	IsArray     bool
	Requirement string
	Enum        map[string]string // value → caption
	Sibling     string
	Profile     string // "" unless only part of that profile
}

type def struct {
	name, caption string
	uid           int
	category      string
	attrs         map[string]*attr
	atLeastOne    []string
	justOne       []string
}

type typeDef struct {
	base   string
	regex  *regexp.Regexp
	maxLen int
	rng    []float64
}

// Schema is a loaded schema source directory.
type Schema struct {
	dir        string
	dict       map[string]map[string]any
	types      map[string]typeDef
	categories map[string]struct {
		UID     int    `json:"uid"`
		Caption string `json:"caption"`
	}
	objects map[string]*def
	classes map[string]*def
	files   []string // read, relative to dir
}

// Load reads dictionary.json and categories.json of the schema in dir;
// classes and objects are read when first needed.
func Load(dir string) (*Schema, error) {
	s := &Schema{dir: dir, types: map[string]typeDef{}, objects: map[string]*def{}, classes: map[string]*def{}}
	var dict struct {
		Attributes map[string]map[string]any `json:"attributes"`
		Types      struct {
			Attributes map[string]map[string]any `json:"attributes"`
		} `json:"types"`
	}
	if err := readJSON(filepath.Join(dir, "dictionary.json"), &dict); err != nil {
		return nil, err
	}
	s.dict = dict.Attributes
	for name, t := range dict.Types.Attributes {
		td := typeDef{base: name}
		if b, ok := t["type"].(string); ok {
			td.base = b
		}
		if re, ok := t["regex"].(string); ok {
			r, err := regexp.Compile(re)
			if err != nil {
				return nil, fmt.Errorf("type %s: regex: %w", name, err)
			}
			td.regex = r
		}
		if n, ok := t["max_len"].(float64); ok {
			td.maxLen = int(n)
		}
		if r, ok := t["range"].([]any); ok && len(r) == 2 {
			td.rng = []float64{r[0].(float64), r[1].(float64)}
		}
		s.types[name] = td
	}
	var cats struct {
		Attributes map[string]struct {
			UID     int    `json:"uid"`
			Caption string `json:"caption"`
		} `json:"attributes"`
	}
	if err := readJSON(filepath.Join(dir, "categories.json"), &cats); err != nil {
		return nil, err
	}
	s.categories = cats.Attributes
	return s, nil
}

func (s *Schema) read(path string, v any) error {
	if rel, err := filepath.Rel(s.dir, path); err == nil {
		s.files = append(s.files, rel)
	}
	return readJSON(path, v)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

type rawDef struct {
	Name        string                     `json:"name"`
	Caption     string                     `json:"caption"`
	UID         int                        `json:"uid"`
	Category    string                     `json:"category"`
	Extends     string                     `json:"extends"`
	Attributes  map[string]json.RawMessage `json:"attributes"`
	Constraints struct {
		AtLeastOne []string `json:"at_least_one"`
		JustOne    []string `json:"just_one"`
	} `json:"constraints"`
}

// layer merges the attributes of one file (and its $include profiles) into attrs.
func (s *Schema) layer(attrs map[string]*attr, raw map[string]json.RawMessage, profile string) error {
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if k == "$include" {
			var incs []string
			if err := json.Unmarshal(raw[k], &incs); err != nil {
				return err
			}
			for _, inc := range incs {
				var p rawDef
				if err := s.read(filepath.Join(s.dir, inc), &p); err != nil {
					return err
				}
				name := p.Name
				if name == "" {
					name = strings.TrimSuffix(filepath.Base(inc), ".json")
				}
				if err := s.layer(attrs, p.Attributes, name); err != nil {
					return err
				}
			}
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(raw[k], &m); err != nil {
			return fmt.Errorf("attribute %s: %w", k, err)
		}
		a := attrs[k]
		if a == nil {
			a = &attr{Profile: profile}
			s.apply(a, s.dict[k])
			attrs[k] = a
		}
		s.apply(a, m)
	}
	return nil
}

func (s *Schema) apply(a *attr, m map[string]any) {
	if m == nil {
		return
	}
	if t, ok := m["type"].(string); ok {
		a.Type = t
	}
	if b, ok := m["is_array"].(bool); ok {
		a.IsArray = b
	}
	if r, ok := m["requirement"].(string); ok {
		a.Requirement = r
	}
	if sib, ok := m["sibling"].(string); ok {
		a.Sibling = sib
	}
	if p, ok := m["profile"]; ok {
		if p == nil {
			a.Profile = ""
		} else if ps, ok := p.(string); ok {
			a.Profile = ps
		}
	}
	if e, ok := m["enum"].(map[string]any); ok {
		if a.Enum == nil {
			a.Enum = map[string]string{}
		}
		for v, c := range e {
			cap, _ := c.(map[string]any)["caption"].(string)
			a.Enum[v] = cap
		}
	}
}

// load resolves a class or object named name found by find.
func (s *Schema) load(cache map[string]*def, name string, find func(string) (string, error)) (*def, error) {
	if d, ok := cache[name]; ok {
		return d, nil
	}
	path, err := find(name)
	if err != nil {
		return nil, err
	}
	var r rawDef
	if err := s.read(path, &r); err != nil {
		return nil, err
	}
	d := &def{name: name, caption: r.Caption, uid: r.UID, category: r.Category, attrs: map[string]*attr{}}
	if r.Extends != "" {
		parent, err := s.load(cache, r.Extends, find)
		if err != nil {
			return nil, fmt.Errorf("%s extends %s: %w", name, r.Extends, err)
		}
		for k, a := range parent.attrs {
			c := *a
			c.Enum = maps(a.Enum)
			d.attrs[k] = &c
		}
		d.atLeastOne, d.justOne = parent.atLeastOne, parent.justOne
		if d.category == "" {
			d.category = parent.category
		}
	}
	if err := s.layer(d.attrs, r.Attributes, ""); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(r.Constraints.AtLeastOne) > 0 {
		d.atLeastOne = r.Constraints.AtLeastOne
	}
	if len(r.Constraints.JustOne) > 0 {
		d.justOne = r.Constraints.JustOne
	}
	cache[name] = d
	return d, nil
}

func maps(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (s *Schema) object(name string) (*def, error) {
	return s.load(s.objects, name, func(n string) (string, error) {
		p := filepath.Join(s.dir, "objects", n+".json")
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("object %s: %w", n, err)
		}
		return p, nil
	})
}

func (s *Schema) class(name string) (*def, error) {
	return s.load(s.classes, name, func(n string) (string, error) {
		var found string
		filepath.WalkDir(filepath.Join(s.dir, "events"), func(p string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && d.Name() == n+".json" {
				found = p
				return fs.SkipAll
			}
			return nil
		})
		if found == "" {
			return "", fmt.Errorf("class %s: not under %s/events", n, s.dir)
		}
		return found, nil
	})
}

// Validate checks one event (a JSON object) of the class named class (the
// file name under events/, e.g. "compliance_finding") and returns every
// problem found, each naming its attribute path; none means valid.
func (s *Schema) Validate(class string, event []byte) []error {
	dec := json.NewDecoder(bytes.NewReader(event))
	dec.UseNumber()
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		return []error{fmt.Errorf("not a JSON object: %w", err)}
	}
	c, err := s.class(class)
	if err != nil {
		return []error{err}
	}
	for _, k := range []string{"category_uid", "class_uid"} {
		if a := c.attrs[k]; a != nil {
			a.Enum = nil // base_event lists only 0; classIDs checks the class's own value
		}
	}
	v := &validation{s: s, profiles: map[string]bool{}}
	if md, ok := ev["metadata"].(map[string]any); ok {
		if ps, ok := md["profiles"].([]any); ok {
			for _, p := range ps {
				if name, ok := p.(string); ok {
					v.profiles[name] = true
				}
			}
		}
	}
	v.object("", c, ev)
	v.classIDs(c, ev)
	return v.errs
}

type validation struct {
	s        *Schema
	profiles map[string]bool
	errs     []error
}

func (v *validation) fail(path, format string, a ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", strings.TrimPrefix(path, "."), fmt.Sprintf(format, a...)))
}

func (v *validation) object(path string, d *def, obj map[string]any) {
	names := make([]string, 0, len(d.attrs))
	for k := range d.attrs {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		a := d.attrs[k]
		if a.Profile != "" && !v.profiles[a.Profile] {
			continue
		}
		if val, ok := obj[k]; (!ok || val == nil) && a.Requirement == "required" {
			v.fail(path+"."+k, "required attribute missing")
		}
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := path + "." + k
		a := d.attrs[k]
		if a == nil {
			v.fail(p, "not an attribute of %s", d.name)
			continue
		}
		if a.Profile != "" && !v.profiles[a.Profile] {
			v.fail(p, "attribute of profile %s, which metadata.profiles does not name", a.Profile)
			continue
		}
		v.value(p, a, obj[k], obj)
	}
	for _, group := range [][]string{d.atLeastOne, d.justOne} {
		if len(group) == 0 {
			continue
		}
		n := 0
		for _, k := range group {
			if obj[k] != nil {
				n++
			}
		}
		if n == 0 || (n > 1 && slices.Equal(group, d.justOne)) {
			v.fail(path, "%s wants %s of %s, has %d", d.name, map[bool]string{true: "one", false: "at least one"}[slices.Equal(group, d.justOne)], strings.Join(group, ", "), n)
		}
	}
}

func (v *validation) value(path string, a *attr, val any, parent map[string]any) {
	if val == nil {
		return
	}
	if a.IsArray {
		arr, ok := val.([]any)
		if !ok {
			v.fail(path, "want an array, got %s", kind(val))
			return
		}
		one := *a
		one.IsArray = false
		for i, x := range arr {
			v.value(fmt.Sprintf("%s[%d]", path, i), &one, x, parent)
		}
		return
	}
	if !strings.HasSuffix(a.Type, "_t") {
		obj, ok := val.(map[string]any)
		if !ok {
			v.fail(path, "want a %s object, got %s", a.Type, kind(val))
			return
		}
		if a.Type == "object" || a.Type == "" {
			return // any object
		}
		d, err := v.s.object(a.Type)
		if err != nil {
			v.fail(path, "%v", err)
			return
		}
		v.object(path, d, obj)
		return
	}
	td, ok := v.s.types[a.Type]
	if !ok {
		v.fail(path, "unknown type %s", a.Type)
		return
	}
	base := td.base // timestamp_t is a long_t, username_t a string_t
	switch base {
	case "string_t":
		str, ok := val.(string)
		if !ok {
			v.fail(path, "want a string (%s), got %s", a.Type, kind(val))
			return
		}
		if td.regex != nil && !td.regex.MatchString(str) {
			v.fail(path, "%q does not match %s", str, a.Type)
		}
		if td.maxLen > 0 && len(str) > td.maxLen {
			v.fail(path, "longer than %d", td.maxLen)
		}
	case "integer_t", "long_t":
		n, ok := val.(json.Number)
		if !ok {
			v.fail(path, "want an integer (%s), got %s", a.Type, kind(val))
			return
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			v.fail(path, "want an integer (%s), got %s", a.Type, n)
			return
		}
		if base == "integer_t" && (i > math.MaxInt32 || i < math.MinInt32) {
			v.fail(path, "%d does not fit integer_t (32 bits)", i)
		}
		if td.rng != nil && (float64(i) < td.rng[0] || float64(i) > td.rng[1]) {
			v.fail(path, "%d outside %v", i, td.rng)
		}
	case "float_t":
		if _, ok := val.(json.Number); !ok {
			v.fail(path, "want a number, got %s", kind(val))
		}
	case "boolean_t":
		if _, ok := val.(bool); !ok {
			v.fail(path, "want true or false, got %s", kind(val))
		}
	case "json_t":
	default:
		v.fail(path, "type %s has unknown base %s", a.Type, base)
	}
	if a.Enum != nil {
		key := fmt.Sprint(val)
		caption, ok := a.Enum[key]
		if !ok {
			v.fail(path, "%s is not one of the enum values %s", key, enumKeys(a.Enum))
			return
		}
		if a.Sibling != "" && key != "99" {
			if sib, ok := parent[a.Sibling]; ok && sib != caption {
				v.fail(path, "sibling %s is %v, want the caption %q", a.Sibling, sib, caption)
			}
		}
	}
}

// classIDs checks the classification attributes, which the source files
// leave to the schema compiler: category_uid from categories.json,
// class_uid = category_uid*1000 + the class's uid, type_uid = class_uid*100
// + activity_id, and their names.
func (v *validation) classIDs(c *def, ev map[string]any) {
	cat, ok := v.s.categories[c.category]
	if !ok {
		v.fail("category_uid", "class %s has unknown category %q", c.name, c.category)
		return
	}
	classUID := cat.UID*1000 + c.uid
	act := ev["activity_id"]
	activity, _ := strconv.Atoi(fmt.Sprint(act))
	want := map[string]any{
		"category_uid":  strconv.Itoa(cat.UID),
		"category_name": cat.Caption,
		"class_uid":     strconv.Itoa(classUID),
		"class_name":    c.caption,
		"type_uid":      strconv.Itoa(classUID*100 + activity),
	}
	if a := c.attrs["activity_id"]; a != nil && a.Enum != nil {
		want["type_name"] = c.caption + ": " + a.Enum[fmt.Sprint(act)]
	}
	for _, k := range []string{"category_uid", "category_name", "class_uid", "class_name", "type_uid", "type_name"} {
		got, ok := ev[k]
		if !ok {
			continue // a missing required one is already reported
		}
		if fmt.Sprint(got) != fmt.Sprint(want[k]) {
			v.fail(k, "%v, want %v", got, want[k])
		}
	}
}

func enumKeys(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		x, _ := strconv.Atoi(a)
		y, _ := strconv.Atoi(b)
		return x - y
	})
	return strings.Join(keys, ", ")
}

func kind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// Loaded lists the files read so far, relative to the schema directory,
// sorted: what a trimmed copy of the schema must hold.
func (s *Schema) Loaded() []string {
	out := []string{"categories.json", "dictionary.json"}
	out = append(out, s.files...)
	slices.Sort(out)
	return slices.Compact(out)
}

// Dir is the schema the tests validate against: $KEYAUDIT_OCSF_SCHEMA (a
// full ocsf-schema 1.8.0 checkout, say), else the trimmed copy in this
// package's testdata/ocsf-1.8.0.
func Dir() string {
	if d := os.Getenv("KEYAUDIT_OCSF_SCHEMA"); d != "" {
		return d
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "ocsf-1.8.0")
}

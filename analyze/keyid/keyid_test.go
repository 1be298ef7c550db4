package keyid

import (
	"bufio"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/keyaudit/keyaudit/internal/datasets"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		id      string
		prefix  string
		gen     Generation
		account string
		note    string
		errWant string // substring of the error; "" when valid
	}{
		{id: "ASIAY34FZKBOKMUTVV7A", prefix: "ASIA", gen: Current, account: "609629065308"},
		{id: "AKIAIOSFODNN7EXAMPLE", prefix: "AKIA", gen: Legacy, note: NoteLegacy},
		{id: "AKIAINMKIQ5AHTKJKVBA", prefix: "AKIA", gen: Legacy, note: NoteLegacy},
		{id: "AIDAJQABLZS4A3QDU576Q", prefix: "AIDA", gen: Legacy, note: NoteLegacy},
		{id: "AIDATFQR7NSC5AU2ZV3IE", prefix: "AIDA", gen: Current, account: "218007301253"},
		{id: "AKIAY34FZKBOKMUTVV7AB", errWant: "length 21, want 20 for prefix AKIA"},
		{id: "AIDAY34FZKBOKMUTVV7", errWant: "length 19"},
		{id: "AIDAY34FZKBOKMUTVV7AB2", errWant: "length 22"},
		{id: "AKIATFQR7NSC8Q4X20BJ", errWant: "character 13 ('8')"},
		{id: "AKIA****************", errWant: "character 5 ('*')"},
		{id: "akiaY34FZKBOKMUTVV7A", errWant: `unknown prefix "akia"`},
		{id: "AXYZY34FZKBOKMUTVV7A", errWant: `unknown prefix "AXYZ"`},
		{id: "ASIAY34FZKBOKMUTVV7a", errWant: "character 20 ('a')"},
		{id: "ASIAY34FZKBOKMUTVV71", errWant: "character 20 ('1')"},
		{id: "", errWant: "length 0"},
		{id: strings.Repeat("x", 40), errWant: "length 40"},
		{id: "ASIAY34FZKBOKMUTVV7\xff", errWant: "character 20 is not base32"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			info, err := Decode(tt.id)
			if tt.errWant != "" {
				if err == nil {
					t.Fatalf("Decode: no error, want %q", tt.errWant)
				}
				if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.errWant) {
					t.Fatalf("Decode error = %v, want ErrInvalid containing %q", err, tt.errWant)
				}
				if len(tt.id) > 8 && strings.Contains(err.Error(), tt.id) {
					t.Errorf("error quotes the input: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if info.Kind.Prefix != tt.prefix || info.Generation != tt.gen || info.Account != tt.account || info.NoAccountReason != tt.note {
				t.Errorf("Decode = %+v, want prefix %s gen %s account %q note %q", info, tt.prefix, tt.gen, tt.account, tt.note)
			}
		})
	}
}

func TestKnownPrefixes(t *testing.T) {
	want := []string{"ABIA", "ACCA", "AGPA", "AIDA", "AIPA", "AKIA", "ANPA", "ANVA", "APKA", "AROA", "ASCA", "ASIA"}
	ks := Kinds()
	if len(ks) != len(want) {
		t.Fatalf("Kinds has %d prefixes, want %d", len(ks), len(want))
	}
	for i, k := range ks {
		if k.Prefix != want[i] || k.Name == "" || k.Description == "" {
			t.Errorf("Kinds[%d] = %+v, want prefix %s with a name and description", i, k, want[i])
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	accounts := []string{"000000000000", "000000000001", "123456789012", "609629065308", "999999999999", "218007301253"}
	for i := 0; i < 200; i++ {
		accounts = append(accounts, strings.Repeat("0", 12)[:0]+pad12(r.Uint64N(1_000_000_000_000)))
	}
	seen := map[string]bool{}
	for _, k := range Kinds() {
		for _, acct := range accounts {
			id, err := Encode(k.Prefix, acct, randReader{r})
			if err != nil {
				t.Fatalf("Encode(%s, %s): %v", k.Prefix, acct, err)
			}
			info, err := Decode(id)
			if err != nil {
				t.Fatalf("Decode(Encode(%s, %s) = %s): %v", k.Prefix, acct, id, err)
			}
			if info.Account != acct || info.Kind.Prefix != k.Prefix || info.Generation != Current {
				t.Fatalf("Decode(%s) = %+v, want %s account %s", id, info, k.Prefix, acct)
			}
			if strings.IndexByte("QRSTUVWXYZ234567", id[4]) < 0 {
				t.Fatalf("Encode made %s whose fifth character is not Q-Z or 2-7", id)
			}
			seen[id] = true
		}
	}
	if len(seen) < 12*len(accounts)-1 {
		t.Errorf("Encode made only %d distinct IDs for %d calls", len(seen), 12*len(accounts))
	}
}

func TestEncodeErrors(t *testing.T) {
	r := randReader{rand.New(rand.NewPCG(3, 4))}
	for _, tc := range []struct{ prefix, acct string }{
		{"AXXX", "123456789012"}, {"AKIA", "12345678901"}, {"AKIA", "12345678901a"}, {"AKIA", "-12345678901"},
	} {
		if _, err := Encode(tc.prefix, tc.acct, r); err == nil {
			t.Errorf("Encode(%q, %q): no error", tc.prefix, tc.acct)
		}
	}
	if _, err := Encode("AKIA", "123456789012", strings.NewReader("short")); err == nil {
		t.Error("Encode with a short random source: no error")
	}
}

func TestAccount(t *testing.T) {
	if got := Account("ASIAY34FZKBOKMUTVV7A"); got != "609629065308" {
		t.Errorf("Account = %q", got)
	}
	if got := Account("AKIAIOSFODNN7EXAMPLE"); got != "" {
		t.Errorf("Account(legacy) = %q, want empty", got)
	}
	if got := Account("nonsense"); got != "" {
		t.Errorf("Account(nonsense) = %q, want empty", got)
	}
}

// TestOutOfRange: 40 bits hold numbers above 999999999999; such an ID is
// well formed but names no account.
func TestOutOfRange(t *testing.T) {
	// z with every account bit set: top bit 1, 40 ones, 7 zero bits.
	id := "AKIA" + enc.EncodeToString([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0, 0, 0})
	info, err := Decode(id)
	if err != nil {
		t.Fatalf("Decode(%s): %v", id, err)
	}
	if info.Account != "" || info.NoAccountReason != NoteOutOfRange {
		t.Errorf("Decode(%s) = %+v, want out-of-range note", id, info)
	}
}

// TestDatasets checks every key-like ID in the public sample logs: the
// grycap trail (2014–2018) holds only legacy IDs, and invictus's valid
// new-generation keys all decode to the account its files are named for,
// not the pseudonymised one written inside its events.
func TestDatasets(t *testing.T) {
	dir := datasetsDir(t)
	re := regexp.MustCompile(`"(A[A-Z]{3}[A-Z0-9]{16,17})"`)
	scan := func(sub string) map[string]bool {
		ids := map[string]bool{}
		root := filepath.Join(dir, "cloudtrail", sub)
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			var rd io.Reader = bufio.NewReader(f)
			if strings.HasSuffix(p, ".gz") {
				gz, err := gzip.NewReader(rd)
				if err != nil {
					return err
				}
				rd = gz
			}
			b, err := io.ReadAll(rd)
			if err != nil {
				return err
			}
			for _, m := range re.FindAllSubmatch(b, -1) {
				if _, ok := LookupPrefix(string(m[1][:4])); ok {
					ids[string(m[1])] = true
				}
			}
			return nil
		})
		if err != nil {
			t.Fatalf("scan %s: %v", sub, err)
		}
		return ids
	}
	grycap := scan("grycap-cloudtrail-tracker")
	if len(grycap) < 100 {
		t.Fatalf("found only %d identifiers in grycap", len(grycap))
	}
	for id := range grycap {
		info, err := Decode(id)
		if err != nil {
			t.Errorf("grycap %s: %v", id, err)
			continue
		}
		if info.Generation != Legacy || info.Account != "" || info.NoAccountReason != NoteLegacy {
			t.Errorf("grycap %s = %+v, want legacy", id, info)
		}
	}
	inv := scan("invictus-ir-aws-dataset")
	var current, invalid int
	for id := range inv {
		info, err := Decode(id)
		if err != nil {
			invalid++
			continue
		}
		if info.Generation == Current {
			current++
			if info.Account != "218007301253" {
				t.Errorf("invictus %s decodes to %s, want 218007301253", id, info.Account)
			}
		}
	}
	if current == 0 || invalid == 0 {
		t.Errorf("invictus: %d current IDs, %d invalid; want some of each", current, invalid)
	}
	if _, err := Decode("AKIATFQR7NSC8Q4X20BJ"); err == nil || !inv["AKIATFQR7NSC8Q4X20BJ"] {
		t.Errorf("invictus's pseudonymised key: present %v, Decode error %v", inv["AKIATFQR7NSC8Q4X20BJ"], err)
	}
	t.Logf("grycap: %d legacy identifiers; invictus: %d current, %d invalid", len(grycap), current, invalid)
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"ASIAY34FZKBOKMUTVV7A", "AKIAIOSFODNN7EXAMPLE", "AKIATFQR7NSC8Q4X20BJ", "", "AKIA", "AROA7777777777777777", "AKIAQ\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		info, err := Decode(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		if len(s) != Len && len(s) != MaxLen || info.ID != s {
			t.Fatalf("accepted %q", s)
		}
		if (info.Account == "") == (info.NoAccountReason == "") {
			t.Fatalf("Decode(%q): account %q and note %q", s, info.Account, info.NoAccountReason)
		}
		if info.Account != "" {
			id, err := Encode(info.Kind.Prefix, info.Account, strings.NewReader(strings.Repeat("\x00", 10)))
			if err != nil || Account(id) != info.Account {
				t.Fatalf("re-encode %q: %q %v", info.Account, id, err)
			}
		}
	})
}

type randReader struct{ r *rand.Rand }

func (r randReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.r.Uint32())
	}
	return len(p), nil
}

func pad12(n uint64) string {
	s := strings.Repeat("0", 12) + itoa(n)
	return s[len(s)-12:]
}

func itoa(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// datasetsDir finds the shared sample data, or skips the test.
func datasetsDir(t *testing.T) string { return datasets.Dir(t, "") }

// TestLookup: an ID shaped like one (known prefix, right length, upper-case
// letters and digits) is accepted even when its account cannot be decoded;
// anything else is refused as Decode refuses it.
func TestLookup(t *testing.T) {
	for _, tt := range []struct {
		id, account, note, errWant string
	}{
		{id: "ASIAY34FZKBOKMUTVV7A", account: "609629065308"},
		{id: "AKIAIOSFODNN7EXAMPLE", note: NoteLegacy},
		{id: "AKIATFQR7NSC8Q4X20BJ", note: "cannot be decoded (character 13 ('8') is not base32 (A-Z, 2-7))"},
		{id: "ASIAY34FZKBOKMUTVV71", note: "cannot be decoded (character 20 ('1') is not base32 (A-Z, 2-7))"},
		{id: "AKIA****************", errWant: "character 5 ('*')"},
		{id: "ASIAY34FZKBOKMUTVV7a", errWant: "character 20 ('a')"},
		{id: "AKIATFQR7NSC8Q4X20BJX", errWant: "length 21, want 20 for prefix AKIA"},
		{id: "AXYZY34FZKBOKMUTVV7A", errWant: `unknown prefix "AXYZ"`},
		{id: "AKIA12345", errWant: "length 9"},
	} {
		info, err := Lookup(tt.id)
		if tt.errWant != "" {
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.errWant) {
				t.Errorf("Lookup(%q) error = %v, want ErrInvalid containing %q", tt.id, err, tt.errWant)
			}
			continue
		}
		if err != nil {
			t.Errorf("Lookup(%q): %v", tt.id, err)
			continue
		}
		if info.ID != tt.id || info.Prefix != tt.id[:4] || info.Account != tt.account || info.NoAccountReason != tt.note {
			t.Errorf("Lookup(%q) = %+v, want account %q, reason %q", tt.id, info, tt.account, tt.note)
		}
	}
}

func TestIsAccountID(t *testing.T) {
	for s, want := range map[string]bool{
		"123456789012": true, "000000000000": true, "12345678901": false, "1234567890123": false,
		"12345678901a": false, "１２３４５６７８９０１２": false, "": false, "12345678901\n": false,
	} {
		if got := IsAccountID(s); got != want {
			t.Errorf("IsAccountID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestDecodePartial(t *testing.T) {
	const full = "AKIA3KF6UTOH246HKXHC" // account 777788889999
	want, _ := Decode(full)
	for n := 4; n <= Len; n++ {
		got, err := DecodePartial(full[:n])
		if err != nil {
			t.Fatalf("%d characters: %v", n, err)
		}
		if got.Prefix != "AKIA" {
			t.Errorf("%d characters: kind %q", n, got.Prefix)
		}
		switch {
		case n >= PartialMinLen && got.Account != want.Account:
			t.Errorf("%d characters: account %q, want %s", n, got.Account, want.Account)
		case got.Account != "" && got.Account != want.Account:
			t.Errorf("%d characters: account %q is wrong (want %s or none)", n, got.Account, want.Account)
		case got.Account == "" && got.NoAccountReason == "":
			t.Errorf("%d characters: no account and no reason", n)
		}
	}
	// Characters 5 to 12 leave the lowest bit of the account open.
	if got, _ := DecodePartial(full[:12]); got.Account != "" {
		t.Errorf("12 characters decoded to %s: the lowest bit is in character 13", got.Account)
	}
	if got, _ := DecodePartial("AKIAIOSFODNN"); got.Generation != Legacy || got.NoAccountReason != NoteLegacy {
		t.Errorf("legacy prefix: %+v", got)
	}
	for _, bad := range []string{"", "AKI", "AXYZ3KF6", "AKIA3KF1", "AKIA3kf6"} {
		if _, err := DecodePartial(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("DecodePartial(%q) = %v, want ErrInvalid", bad, err)
		}
	}
}

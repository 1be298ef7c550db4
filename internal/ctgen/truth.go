package ctgen

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// TruthRow is the ground truth of one temporary access key.
type TruthRow struct {
	AccessKeyID     string
	AccountID       string
	IssuedBy        string // ARN or principal that made the issuing call; "" without an issuing record
	RootKind        string // iam_user, root, saml, web_identity, aws_service, console, unattributed
	RootPrincipal   string
	RootAccessKeyID string // AKIA key at the root of the chain, if any
	ChainDepth      int    // 0 for unattributed (written empty)
}

// TruthHeader is the header line of the session truth CSV.
const TruthHeader = "access_key_id,account_id,issued_by,root_kind,root_principal,root_access_key_id,chain_depth"

func (g *Generator) truthRows() []TruthRow {
	p := g.p
	x := newRenderer(p)
	var rows []TruthRow
	for i := range p.sessions {
		s := &p.sessions[i]
		if !s.present {
			continue
		}
		row := TruthRow{AccessKeyID: s.key, AccountID: p.accts[s.acct].id, ChainDepth: s.depth}
		// Walk to the root.
		root := s
		for root.parent >= 0 {
			root = &p.sessions[root.parent]
		}
		row.RootKind = rootKindNames[root.kind]
		switch root.kind {
		case kindIAMUser:
			row.RootPrincipal = p.users[root.user].arn
			row.RootAccessKeyID = p.keys[root.issuerKey].id
		case kindRoot:
			row.RootPrincipal = rootARN(p.accts[root.acct].id)
			row.RootAccessKeyID = p.keys[root.issuerKey].id
		case kindSAML:
			// The provider's name (after ":saml-provider/"), as keyaudit reports it.
			name := root.provider[strings.LastIndexByte(root.provider, '/')+1:]
			row.RootPrincipal = "saml:" + name + ":" + root.subject
		case kindWeb:
			row.RootPrincipal = "web:" + root.provider + ":" + root.subject
		case kindService:
			row.RootPrincipal = root.provider
		case kindConsole:
			if root.user >= 0 {
				row.RootPrincipal = p.users[root.user].arn
			} else {
				row.RootPrincipal = rootARN(p.accts[root.acct].id)
			}
		case kindUnattributed:
			row.ChainDepth = 0
		}
		switch {
		case s.parent >= 0:
			row.IssuedBy = x.sessionSigner(s.parent).arn
		case s.api == "":
		case s.kind == kindIAMUser || s.kind == kindRoot:
			row.IssuedBy = row.RootPrincipal
		case s.kind == kindSAML || s.kind == kindWeb || s.kind == kindService:
			row.IssuedBy = s.provider
		}
		rows = append(rows, row)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].AccessKeyID < rows[j].AccessKeyID })
	return rows
}

// Truth returns the ground truth of every temporary key that appears in
// the corpus, sorted by access key ID.
func (g *Generator) Truth() []TruthRow { return g.truthRows() }

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// WriteTruth writes the session truth CSV (TruthHeader, then one row per
// temporary key).
func (g *Generator) WriteTruth(out io.Writer) error {
	bw := bufio.NewWriter(out)
	bw.WriteString(TruthHeader + "\n")
	for _, r := range g.truthRows() {
		depth := ""
		if r.ChainDepth > 0 {
			depth = strconv.Itoa(r.ChainDepth)
		}
		bw.WriteString(strings.Join([]string{r.AccessKeyID, r.AccountID, csvField(r.IssuedBy), r.RootKind,
			csvField(r.RootPrincipal), r.RootAccessKeyID, depth}, ",") + "\n")
	}
	return bw.Flush()
}

// KeyTruthHeader is the header line of the AKIA key truth CSV.
const KeyTruthHeader = "account_id,user,access_key_id,created,status"

// WriteKeyTruth writes one row per long-term key: its owner ("<root_account>"
// for the root user), creation time (RFC 3339, UTC) and status at the end
// of the corpus (Active, Inactive or Deleted). Sorted by access key ID.
func (g *Generator) WriteKeyTruth(out io.Writer) error {
	p := g.p
	type row struct{ acct, user, id, created, status string }
	rows := make([]row, 0, len(p.keys))
	for _, k := range p.keys {
		r := row{acct: p.accts[k.acct].id, id: k.id, created: k.created.UTC().Format("2006-01-02T15:04:05Z"), status: "Active"}
		if k.user < 0 {
			r.user = "<root_account>"
		} else {
			r.user = p.users[k.user].name
		}
		if !k.inactive.IsZero() {
			r.status = "Inactive"
		}
		if !k.deleted.IsZero() {
			r.status = "Deleted"
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].id < rows[j].id })
	bw := bufio.NewWriter(out)
	bw.WriteString(KeyTruthHeader + "\n")
	for _, r := range rows {
		bw.WriteString(r.acct + "," + csvField(r.user) + "," + r.id + "," + r.created + "," + r.status + "\n")
	}
	return bw.Flush()
}

// ReadTruth parses a session truth CSV written by WriteTruth.
func ReadTruth(in io.Reader) ([]TruthRow, error) {
	r := csv.NewReader(in)
	r.FieldsPerRecord = 7
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read truth: header: %w", err)
	}
	if strings.Join(head, ",") != TruthHeader {
		return nil, fmt.Errorf("read truth: header %.100q, want %q", strings.Join(head, ","), TruthHeader)
	}
	var rows []TruthRow
	for line := 2; ; line++ {
		f, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read truth: line %d: %w", line, err)
		}
		row := TruthRow{AccessKeyID: f[0], AccountID: f[1], IssuedBy: f[2], RootKind: f[3], RootPrincipal: f[4], RootAccessKeyID: f[5]}
		if f[6] != "" {
			if row.ChainDepth, err = strconv.Atoi(f[6]); err != nil || row.ChainDepth < 1 {
				return nil, fmt.Errorf("read truth: line %d: bad chain_depth %.20q", line, f[6])
			}
		}
		rows = append(rows, row)
	}
}

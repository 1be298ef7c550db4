package ctgen

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// regions used by the corpus; the first is every account's home region.
var regions = []string{"us-east-1", "eu-west-1", "us-west-2", "ap-southeast-2"}

var userNames = []string{
	"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
	"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter",
	"ci-deploy", "terraform", "backup-agent", "metrics-exporter", "jenkins", "svc-etl",
	"svc-reporting", "data-loader", "billing-sync",
}

type account struct {
	id    string
	num   uint64
	users []int // indexes into world.users
	roles []int // indexes into world.roles
	root  int   // root AKIA key index, or -1
	saml  []string
	oidc  string // OIDC provider ARN
	// stable keys: AKIA keys active for the whole corpus, for filler events
	stable []int
}

type user struct {
	acct       int
	name, id   string
	arn        string
	keys       []int // AKIA keys owned at corpus start
	mfaConsole bool
}

type roleKind uint8

const (
	roleApp roleKind = iota
	roleAdmin
	roleCross   // assumable from other accounts
	roleService // trusted by an AWS service
	roleSAML
	roleWeb
)

type role struct {
	acct    int
	name    string
	path    string
	id      string
	kind    roleKind
	service string // roleService: the trusted service principal
}

func (r *role) arn(w *world) string {
	return "arn:aws:iam::" + w.accts[r.acct].id + ":role" + r.path + r.name
}

type keyStatus uint8

type akia struct {
	id       string
	acct     int
	user     int // -1: root
	created  time.Time
	inactive time.Time // zero: never deactivated
	deleted  time.Time // zero: never deleted
}

type world struct {
	cfg   Config
	start time.Time
	end   time.Time
	accts []account
	users []user
	roles []role
	keys  []akia
	ids   map[string]bool // every ID handed out, to keep them unique
}

func (w *world) newID(prefix string, acct int, r *rand.Rand) string {
	for {
		id := EncodeKeyID(prefix, w.accts[acct].num, r)
		if prefix == "AIDA" || prefix == "AROA" {
			id += string(keyAlphabet[r.IntN(32)])
		}
		if !w.ids[id] {
			w.ids[id] = true
			return id
		}
	}
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

var servicePrincipals = []string{
	"ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com",
	"elasticmapreduce.amazonaws.com", "rds.amazonaws.com", "glue.amazonaws.com",
}

func newWorld(cfg Config, r *rand.Rand) *world {
	w := &world{cfg: cfg, start: cfg.Start, ids: map[string]bool{}}
	w.end = cfg.Start.Add(time.Duration(cfg.Days) * 24 * time.Hour)
	seen := map[uint64]bool{}
	for len(w.accts) < cfg.Accounts {
		n := uint64(100000000000 + r.Int64N(899999999999))
		if seen[n] {
			continue
		}
		seen[n] = true
		w.accts = append(w.accts, account{id: strconv.FormatUint(n, 10), num: n, root: -1})
	}
	for ai := range w.accts {
		a := &w.accts[ai]
		nu := 6 + r.IntN(10)
		perm := r.Perm(len(userNames))
		for _, ui := range perm[:nu] {
			u := user{acct: ai, name: userNames[ui], id: w.newID("AIDA", ai, r)}
			u.arn = "arn:aws:iam::" + a.id + ":user/" + u.name
			u.mfaConsole = r.IntN(3) > 0
			idx := len(w.users)
			nk := 1 + r.IntN(2)
			for k := 0; k < nk; k++ {
				ki := len(w.keys)
				w.keys = append(w.keys, akia{
					id: w.newID("AKIA", ai, r), acct: ai, user: idx,
					created: w.start.Add(-time.Duration(30+r.IntN(900)) * 24 * time.Hour).Add(time.Duration(r.IntN(86400)) * time.Second),
				})
				u.keys = append(u.keys, ki)
				a.stable = append(a.stable, ki)
			}
			w.users = append(w.users, u)
			a.users = append(a.users, idx)
		}
		if ai == 0 || r.IntN(3) == 0 {
			a.root = len(w.keys)
			w.keys = append(w.keys, akia{
				id: w.newID("AKIA", ai, r), acct: ai, user: -1,
				created: w.start.Add(-time.Duration(400+r.IntN(1500)) * 24 * time.Hour),
			})
		}
		add := func(name, path string, k roleKind, svc string) {
			a.roles = append(a.roles, len(w.roles))
			w.roles = append(w.roles, role{acct: ai, name: name, path: path, id: w.newID("AROA", ai, r), kind: k, service: svc})
		}
		add("app-reader", "/", roleApp, "")
		add("deploy", "/ci/", roleApp, "")
		add("AdminRole", "/", roleAdmin, "")
		add("OrganizationAccountAccessRole", "/", roleCross, "")
		add("audit-readonly", "/security/", roleCross, "")
		add("AWSReservedSSO_PowerUser_"+hex(r, 16), "/aws-reserved/sso.amazonaws.com/", roleSAML, "")
		add("okta-developers", "/", roleSAML, "")
		add("github-actions-deploy", "/", roleWeb, "")
		add("mobile-app-cognito", "/", roleWeb, "")
		for _, svc := range servicePrincipals {
			name := map[string]string{
				"ec2.amazonaws.com":              "ec2-instance-profile-web",
				"lambda.amazonaws.com":           "lambda-exec-orders",
				"ecs-tasks.amazonaws.com":        "ecs-task-api",
				"elasticmapreduce.amazonaws.com": "EMR_EC2_DefaultRole",
				"rds.amazonaws.com":              "rds-monitoring-role",
				"glue.amazonaws.com":             "AWSGlueServiceRole-etl",
			}[svc]
			add(name, "/service-role/", roleService, svc)
		}
		a.saml = []string{"Okta", "AzureAD"}
		a.oidc = "arn:aws:iam::" + a.id + ":oidc-provider/token.actions.githubusercontent.com"
	}
	return w
}

func (w *world) rolesOf(acct int, k roleKind) []int {
	var out []int
	for _, ri := range w.accts[acct].roles {
		if w.roles[ri].kind == k {
			out = append(out, ri)
		}
	}
	return out
}

func hex(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

func rootARN(acct string) string { return "arn:aws:iam::" + acct + ":root" }

func (w *world) String() string {
	return fmt.Sprintf("world{%d accounts, %d users, %d roles, %d keys}", len(w.accts), len(w.users), len(w.roles), len(w.keys))
}

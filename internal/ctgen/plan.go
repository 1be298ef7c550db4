package ctgen

import (
	"math/rand/v2"
	"sort"
	"strconv"
	"time"
)

type itemKind uint8

const (
	itFiller       itemKind = iota // AKIA call by a stable key (never stored)
	itUse                          // call signed by a session key; ref = session
	itIssue                        // issuing STS call in the caller's account; ref = session
	itIssueRole                    // role-account copy of a cross-account issue; ref = session
	itConsoleLogin                 // ConsoleLogin preceding a console session; ref = session
	itKeyUse                       // call signed by a lifecycle AKIA key; ref = key
	itKeyCreate                    // CreateAccessKey; ref = key
	itKeyUpdate                    // UpdateAccessKey to Inactive; ref = key
	itKeyDelete                    // DeleteAccessKey; ref = key
	itKeyLimit                     // CreateAccessKey failing with LimitExceededException; ref = user
	itFail                         // failed STS call; ref = failure index
	itDup                          // copy of (file ref, slot aux)
)

// item is one planned record; 16 bytes, as there are millions.
type item struct {
	ref  int32
	aux  int32
	at   uint32 // seconds since the corpus start
	kind itemKind
}

type fileSpec struct {
	acct, region int
	start, end   int64 // window, unix seconds
	count        int
	items        []item
	dupSrc       int // slots [count-dupSrc, count) are filler copied elsewhere
	path         string
	stamp        time.Time
}

type rootKind uint8

const (
	kindIAMUser rootKind = iota
	kindRoot
	kindSAML
	kindWeb
	kindService
	kindConsole
	kindUnattributed
)

var rootKindNames = [...]string{"iam_user", "root", "saml", "web_identity", "aws_service", "console", "unattributed"}

type session struct {
	key        string
	kind       rootKind
	api        string // issuing API, "" when there is no issuing record
	acct       int    // account the key belongs to
	callerAcct int    // account of the caller of the issuing API
	role       int    // -1: not a role session (GetSessionToken, console)
	user       int    // GetSessionToken/console/AssumeRole caller user; -1 root or none
	issuerKey  int    // AKIA key that signed the issuing call; -1 none
	parent     int    // parent session for chained calls; -1 none
	depth      int
	sessName   string
	issued     int64
	expires    int64
	duration   int
	token      int
	hidden     bool   // sessionToken HIDDEN_DUE_TO_SECURITY_REASONS
	cross      bool   // logged in both accounts
	shared     string // sharedEventID
	provider   string // SAML principalArn, web provider, or service principal
	subject    string // SAML subject or web subject
	issuer     string // SAML issuer
	srcIdent   string
	mfa        bool
	present    bool // at least one event mentions the key
	ip         string
	ua         int
}

// serviceIssued reports whether an AWS service called AssumeRole for s.
func (s *session) serviceIssued() bool { return s.kind == kindService && s.parent < 0 }

type failure struct {
	api  string
	acct int
	user int
	role int
}

type plan struct {
	*world
	files      []fileSpec
	groups     [][][]int // [acct][region] -> file indexes in time order
	capLeft    []int
	sessions   []session
	fails      []failure
	lifecycle  []int   // AKIA keys created inside the corpus
	chainable  []int32 // sessions that may call AssumeRole again
	limitUsers []int
}

func newPlan(cfg Config) *plan {
	r := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	p := &plan{world: newWorld(cfg, r)}
	p.layoutFiles(r)
	p.planSessions(r)
	p.planKeys(r)
	p.planFailures(r)
	p.planDups(r)
	return p
}

func (p *plan) layoutFiles(r *rand.Rand) {
	cfg := p.cfg
	A := len(p.accts)
	p.groups = make([][][]int, A)
	span := p.end.Unix() - p.start.Unix()
	for a := 0; a < A; a++ {
		n := cfg.Files / A
		if a < cfg.Files%A {
			n++
		}
		g := min(len(regions), n)
		weights := []int{4, 2, 1, 1}[:g]
		per := make([]int, g)
		left := n - g
		wsum := 0
		for _, w := range weights {
			wsum += w
		}
		for i := range per {
			per[i] = 1 + left*weights[i]/wsum
		}
		extra := n
		for _, v := range per {
			extra -= v
		}
		for i := 0; extra > 0; i, extra = (i+1)%g, extra-1 {
			per[i]++
		}
		p.groups[a] = make([][]int, g)
		for ri := 0; ri < g; ri++ {
			k := per[ri]
			for j := 0; j < k; j++ {
				s := p.start.Unix() + span*int64(j)/int64(k)
				e := p.start.Unix() + span*int64(j+1)/int64(k)
				p.groups[a][ri] = append(p.groups[a][ri], len(p.files))
				p.files = append(p.files, fileSpec{acct: a, region: ri, start: s, end: e})
			}
		}
	}
	// Record counts: jittered around Events/Files, summing exactly to Events.
	raw := make([]int, len(p.files))
	sum := 0
	for i := range raw {
		raw[i] = 70 + r.IntN(61)
		sum += raw[i]
	}
	total := 0
	for i := range p.files {
		p.files[i].count = int(int64(cfg.Events) * int64(raw[i]) / int64(sum))
		total += p.files[i].count
	}
	for i := 0; total < cfg.Events; i, total = (i+1)%len(p.files), total+1 {
		p.files[i].count++
	}
	p.capLeft = make([]int, len(p.files))
	for i := range p.files {
		p.capLeft[i] = p.files[i].count * 6 / 10
		f := &p.files[i]
		// Delivery stamp: a few minutes after the window ends, on a 5-minute boundary.
		st := time.Unix(f.end, 0).UTC().Add(time.Duration(5+r.IntN(10)) * time.Minute).Truncate(5 * time.Minute)
		f.stamp = st
		acct := p.accts[f.acct].id
		reg := regions[f.region]
		prefix := "AWSLogs/"
		if cfg.Org != "" {
			prefix += cfg.Org + "/"
		}
		f.path = prefix + acct + "/CloudTrail/" + reg + "/" + st.Format("2006/01/02") + "/" +
			acct + "_CloudTrail_" + reg + "_" + st.Format("20060102T1504Z") + "_" + alnum(r, 16) + ".json.gz"
	}
}

const alnumChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func alnum(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alnumChars[r.IntN(len(alnumChars))]
	}
	return string(b)
}

// fileAt returns the file of account a in region ri whose window holds t, or -1.
func (p *plan) fileAt(a, ri int, t int64) int {
	if ri >= len(p.groups[a]) {
		return -1
	}
	g := p.groups[a][ri]
	j := sort.Search(len(g), func(i int) bool { return p.files[g[i]].end > t })
	if j == len(g) || p.files[g[j]].start > t {
		return -1
	}
	return g[j]
}

// place adds it to a file of account a holding its time, preferring region ri,
// and returns the file, or -1 when every candidate is full.
func (p *plan) place(a, ri int, it item) int {
	g := len(p.groups[a])
	if ri < 0 || ri >= g {
		ri = 0
	}
	for k := 0; k < g; k++ {
		f := p.fileAt(a, (ri+k)%g, p.abs(it.at))
		if f >= 0 && p.capLeft[f] > 0 {
			p.capLeft[f]--
			p.files[f].items = append(p.files[f].items, it)
			return f
		}
	}
	return -1
}

// rel converts unix seconds to an item time; items never precede the start.
func (p *plan) rel(t int64) uint32 { return uint32(max(0, t-p.start.Unix())) }

// abs converts an item time to unix seconds.
func (p *plan) abs(at uint32) int64 { return p.start.Unix() + int64(at) }

func (p *plan) fits(a, ri int, t int64) bool {
	g := len(p.groups[a])
	if ri < 0 || ri >= g {
		ri = 0
	}
	for k := 0; k < g; k++ {
		if f := p.fileAt(a, (ri+k)%g, t); f >= 0 && p.capLeft[f] > 0 {
			return true
		}
	}
	return false
}

func (p *plan) homeRegion(r *rand.Rand, a int) int {
	g := len(p.groups[a])
	if r.IntN(2) == 0 {
		return 0
	}
	return r.IntN(g)
}

type sessKind uint8

const (
	skUserAssume sessKind = iota
	skUserAssumeCross
	skChain
	skSAML
	skWeb
	skService
	skGSTUser
	skGSTRoot
	skConsoleUser
	skConsoleRoot
	skUnattributed
	numSessKinds
)

var sessWeights = [numSessKinds]int{18, 8, 14, 12, 8, 16, 5, 1, 8, 1, 5}

func (p *plan) planSessions(r *rand.Rand) {
	N := p.cfg.Events
	S := max(80, N/80)
	meanUses := min(20, max(2, N/(S*3)))
	wsum := 0
	for _, w := range sessWeights {
		wsum += w
	}
	for i := 0; i < S; i++ {
		var k sessKind
		if i < 2*int(numSessKinds) {
			k = sessKind(i % int(numSessKinds))
		} else {
			x := r.IntN(wsum)
			for k = 0; x >= sessWeights[k]; k++ {
				x -= sessWeights[k]
			}
		}
		p.addSession(r, k, meanUses)
	}
}

func durationOf(r *rand.Rand, choices ...int) int { return choices[r.IntN(len(choices))] }

// addSession plans one session of kind k; it silently gives up when the
// files it needs are full.
func (p *plan) addSession(r *rand.Rand, k sessKind, meanUses int) {
	A := len(p.accts)
	span := p.end.Unix() - p.start.Unix()
	s := session{role: -1, user: -1, issuerKey: -1, parent: -1, depth: 1, token: len(p.sessions) + 1}
	s.ua = r.IntN(uaGeneric) // programmatic clients; flows below override
	s.ip = publicIP(r)
	t0 := p.start.Unix() + 60 + r.Int64N(span-3*3600)
	pickUser := func(a int) int { us := p.accts[a].users; return us[r.IntN(len(us))] }
	switch k {
	case skUserAssume, skUserAssumeCross:
		s.kind, s.api = kindIAMUser, "AssumeRole"
		s.callerAcct = r.IntN(A)
		s.user = pickUser(s.callerAcct)
		ks := p.users[s.user].keys
		s.issuerKey = ks[r.IntN(len(ks))]
		s.acct = s.callerAcct
		if k == skUserAssumeCross && A > 1 {
			s.acct = (s.callerAcct + 1 + r.IntN(A-1)) % A
			s.cross = true
			rs := p.rolesOf(s.acct, roleCross)
			s.role = rs[r.IntN(len(rs))]
		} else {
			rs := append(p.rolesOf(s.acct, roleApp), p.rolesOf(s.acct, roleAdmin)...)
			s.role = rs[r.IntN(len(rs))]
		}
		s.duration = durationOf(r, 900, 3600, 3600, 3600, 7200, 43200)
		s.sessName = sessionNameFor(r, p.users[s.user].name)
		if r.IntN(5) == 0 {
			s.srcIdent = p.users[s.user].name
		}
	case skChain:
		cands := p.chainable
		if len(cands) == 0 {
			return
		}
		pi := int(cands[r.IntN(len(cands))])
		par := &p.sessions[pi]
		s.parent, s.depth, s.kind, s.api = pi, par.depth+1, par.kind, "AssumeRole"
		s.callerAcct = par.acct
		s.user, s.issuerKey = -1, -1
		hi := min(par.expires, p.end.Unix()-120)
		t0 = par.issued + 60 + r.Int64N(max(1, hi-par.issued-60))
		s.acct = s.callerAcct
		if A > 1 && r.IntN(2) == 0 {
			s.acct = (s.callerAcct + 1 + r.IntN(A-1)) % A
			s.cross = true
			rs := p.rolesOf(s.acct, roleCross)
			s.role = rs[r.IntN(len(rs))]
		} else {
			rs := append(p.rolesOf(s.acct, roleApp), p.rolesOf(s.acct, roleAdmin)...)
			s.role = rs[r.IntN(len(rs))]
		}
		s.duration = durationOf(r, 900, 3600)
		s.sessName = "chain-" + strconv.Itoa(s.depth) + "-" + hex(r, 8)
		s.srcIdent = par.srcIdent
		s.ua, s.ip = par.ua, par.ip
	case skSAML:
		s.kind, s.api = kindSAML, "AssumeRoleWithSAML"
		s.acct = r.IntN(A)
		s.callerAcct = s.acct
		rs := p.rolesOf(s.acct, roleSAML)
		s.role = rs[r.IntN(len(rs))]
		name := p.accts[s.acct].saml[r.IntN(2)]
		s.provider = "arn:aws:iam::" + p.accts[s.acct].id + ":saml-provider/" + name
		s.subject = userNames[r.IntN(19)] + "@example.com"
		if name == "Okta" {
			s.issuer = "http://www.okta.com/exk" + alnum(r, 17)
		} else {
			s.issuer = "https://sts.windows.net/" + uuid(r) + "/"
		}
		s.sessName = s.subject
		s.duration = durationOf(r, 3600, 3600, 28800, 43200)
		s.ua = uaBrowser
	case skWeb:
		s.kind, s.api = kindWeb, "AssumeRoleWithWebIdentity"
		s.acct = r.IntN(A)
		s.callerAcct = s.acct
		rs := p.rolesOf(s.acct, roleWeb) // [github-actions-deploy, mobile-app-cognito]
		s.role = rs[0]
		switch r.IntN(3) {
		case 0, 1:
			s.provider = p.accts[s.acct].oidc
			repo := []string{"acme/payments-api", "acme/infra", "acme/web-frontend", "acme/data-pipeline"}[r.IntN(4)]
			if r.IntN(2) == 0 {
				s.subject = "repo:" + repo + ":ref:refs/heads/main"
			} else {
				s.subject = "repo:" + repo + ":environment:prod"
			}
			s.sessName = "GitHubActions-" + strconv.Itoa(1000000000+r.IntN(900000000))
			s.ua = uaGitHub
		default:
			s.role = rs[1]
			s.provider = "cognito-identity.amazonaws.com"
			s.subject = regions[0] + ":" + uuid(r)
			s.sessName = "CognitoIdentityCredentials"
			s.ua = uaMobile
		}
		s.duration = 3600
	case skService:
		s.kind, s.api = kindService, "AssumeRole"
		s.acct = r.IntN(A)
		s.callerAcct = s.acct
		rs := p.rolesOf(s.acct, roleService)
		s.role = rs[r.IntN(len(rs))]
		s.provider = p.roles[s.role].service
		s.hidden = r.IntN(3) == 0
		switch s.provider {
		case "ec2.amazonaws.com", "elasticmapreduce.amazonaws.com":
			s.sessName = "i-0" + hex(r, 16)
			s.duration = 21600
		case "lambda.amazonaws.com":
			s.sessName = "orders-handler"
			s.duration = 43200
		default:
			s.sessName = hex(r, 32)
			s.duration = 3600
		}
		s.ua = uaSDKServiceSide
	case skGSTUser, skGSTRoot:
		s.api = "GetSessionToken"
		s.acct = r.IntN(A)
		if k == skGSTRoot && p.accts[s.acct].root < 0 {
			s.acct = 0
		}
		s.callerAcct = s.acct
		if k == skGSTRoot {
			s.kind = kindRoot
			s.issuerKey = p.accts[s.acct].root
			s.duration = 3600
		} else {
			s.kind = kindIAMUser
			s.user = pickUser(s.acct)
			ks := p.users[s.user].keys
			s.issuerKey = ks[r.IntN(len(ks))]
			s.duration = durationOf(r, 43200, 43200, 129600, 3600)
		}
		s.mfa = r.IntN(2) == 0
	case skConsoleUser, skConsoleRoot:
		s.kind = kindConsole
		s.acct = r.IntN(A)
		s.callerAcct = s.acct
		if k == skConsoleUser {
			s.user = pickUser(s.acct)
			s.mfa = p.users[s.user].mfaConsole
		} else {
			s.mfa = true
		}
		s.duration = 43200
		s.ua = uaConsole
	case skUnattributed:
		s.kind = kindUnattributed
		s.acct = r.IntN(A)
		s.callerAcct = s.acct
		rs := append(p.rolesOf(s.acct, roleApp), p.rolesOf(s.acct, roleService)...)
		s.role = rs[r.IntN(len(rs))]
		t0 = p.start.Unix() - 3600 - r.Int64N(5*3600)
		s.duration = 43200
		s.sessName = "prestart-" + hex(r, 10)
	}
	s.issued = t0
	s.expires = t0 + int64(s.duration)
	idx := int32(len(p.sessions))
	region := p.homeRegion(r, s.callerAcct)
	if s.kind == kindConsole {
		region = 0
	}
	// Issuing records first; give up if they cannot be placed.
	if s.api != "" {
		if !p.fits(s.callerAcct, region, t0) || (s.cross && !p.fits(s.acct, region, t0)) {
			return
		}
		s.key = p.newID("ASIA", s.acct, r)
		s.present = true
		if s.cross || s.serviceIssued() {
			s.shared = uuid(r)
		}
		p.place(s.callerAcct, region, item{kind: itIssue, ref: idx, at: p.rel(t0)})
		if s.cross {
			p.place(s.acct, region, item{kind: itIssueRole, ref: idx, at: p.rel(t0)})
		}
	} else {
		s.key = p.newID("ASIA", s.acct, r)
	}
	if s.kind == kindConsole && r.IntN(2) == 0 && t0 >= p.start.Unix() {
		if p.place(s.acct, 0, item{kind: itConsoleLogin, ref: idx, at: p.rel(t0)}) >= 0 {
			// ConsoleLogin does not carry the session key; it is context only.
		}
	}
	nUses := 1 + r.IntN(2*meanUses)
	if s.serviceIssued() && r.IntN(4) == 0 {
		nUses = 0 // issued but never used inside the corpus
	}
	lo := max(t0+1, p.start.Unix())
	hi := min(s.expires, p.end.Unix()-1)
	if hi > lo {
		for u := 0; u < nUses; u++ {
			t := lo + r.Int64N(hi-lo)
			if p.place(s.acct, p.homeRegion(r, s.acct), item{kind: itUse, ref: idx, at: p.rel(t)}) >= 0 {
				s.present = true
			}
		}
	}
	if s.present && s.depth < 3 && s.api != "" && s.kind != kindRoot && s.expires-s.issued >= 600 && s.issued+300 < p.end.Unix() {
		p.chainable = append(p.chainable, idx)
	}
	p.sessions = append(p.sessions, s)
}

// planKeys plans CreateAccessKey / UpdateAccessKey / DeleteAccessKey
// lifecycles and one failing CreateAccessKey per account.
func (p *plan) planKeys(r *rand.Rand) {
	span := p.end.Unix() - p.start.Unix()
	per := 2 + p.cfg.Events/200000
	for a := range p.accts {
		for i := 0; i < per; i++ {
			us := p.accts[a].users
			u := us[r.IntN(len(us))]
			t1 := p.start.Unix() + 60 + r.Int64N(span/2)
			ki := len(p.keys)
			k := akia{acct: a, user: u, created: time.Unix(t1, 0).UTC()}
			if !p.fits(a, 0, t1) {
				continue
			}
			k.id = p.newID("AKIA", a, r)
			p.keys = append(p.keys, k)
			p.lifecycle = append(p.lifecycle, ki)
			p.place(a, 0, item{kind: itKeyCreate, ref: int32(ki), at: p.rel(t1)})
			last := p.end.Unix() - 1
			if r.IntN(3) > 0 {
				t2 := t1 + 3600 + r.Int64N((p.end.Unix()-t1)/2)
				if p.place(a, 0, item{kind: itKeyUpdate, ref: int32(ki), at: p.rel(t2)}) >= 0 {
					p.keys[ki].inactive = time.Unix(t2, 0).UTC()
					last = t2 - 1
					if r.IntN(2) == 0 {
						t3 := t2 + 60 + r.Int64N(max(1, (p.end.Unix()-t2)/2))
						if p.place(a, 0, item{kind: itKeyDelete, ref: int32(ki), at: p.rel(t3)}) >= 0 {
							p.keys[ki].deleted = time.Unix(t3, 0).UTC()
						}
					}
				}
			}
			for n := 3 + r.IntN(8); n > 0 && last > t1+1; n-- {
				t := t1 + 1 + r.Int64N(last-t1-1)
				p.place(a, p.homeRegion(r, a), item{kind: itKeyUse, ref: int32(ki), at: p.rel(t)})
			}
		}
		// A user already holding two keys fails to get a third.
		for _, u := range p.accts[a].users {
			if len(p.users[u].keys) == 2 {
				t := p.start.Unix() + 60 + r.Int64N(span-120)
				if p.place(a, 0, item{kind: itKeyLimit, ref: int32(u), at: p.rel(t)}) >= 0 {
					p.limitUsers = append(p.limitUsers, u)
				}
				break
			}
		}
	}
}

var failAPIs = []string{"AssumeRole", "AssumeRoleWithWebIdentity", "GetSessionToken", "AssumeRoleWithSAML"}

func (p *plan) planFailures(r *rand.Rand) {
	n := max(4, len(p.sessions)/20)
	span := p.end.Unix() - p.start.Unix()
	for i := 0; i < n; i++ {
		a := r.IntN(len(p.accts))
		f := failure{api: failAPIs[i%len(failAPIs)], acct: a, user: p.accts[a].users[r.IntN(len(p.accts[a].users))]}
		switch f.api {
		case "AssumeRole":
			rs := p.rolesOf(a, roleAdmin)
			f.role = rs[0]
		case "AssumeRoleWithWebIdentity":
			f.role = p.rolesOf(a, roleWeb)[0]
		case "AssumeRoleWithSAML":
			f.role = p.rolesOf(a, roleSAML)[0]
		}
		t := p.start.Unix() + 60 + r.Int64N(span-120)
		if p.place(a, p.homeRegion(r, a), item{kind: itFail, ref: int32(len(p.fails)), at: p.rel(t)}) >= 0 {
			p.fails = append(p.fails, f)
		}
	}
}

// planDups copies records of a file into another file of the same account,
// as overlapping exports do: mostly filler, a quarter planned records.
func (p *plan) planDups(r *rand.Rand) {
	want := int(p.cfg.Dups * float64(p.cfg.Events))
	for tries := 0; want > 0 && tries < 4*want+100; tries++ {
		src := r.IntN(len(p.files))
		fs := &p.files[src]
		var cand []int
		for _, g := range p.groups[fs.acct] {
			for _, f := range g {
				if f != src {
					cand = append(cand, f)
				}
			}
		}
		if len(cand) == 0 {
			continue
		}
		dst := cand[r.IntN(len(cand))]
		if p.capLeft[dst] <= 0 || p.files[dst].count-p.files[dst].dupSrc <= len(p.files[dst].items)+1 {
			continue // the destination has no room
		}
		var slot int
		if n := len(fs.items); n > 0 && r.IntN(4) == 0 {
			// Copy a planned record (an issuance, a session use...): item
			// slots never move, as items are only appended.
			slot = r.IntN(n)
			if fs.items[slot].kind == itDup {
				continue
			}
		} else {
			// Copy filler from the end of the file, which no later item
			// can reach because of the room check above.
			slot = fs.count - 1 - fs.dupSrc
			if slot <= len(fs.items) {
				continue
			}
			fs.dupSrc++
		}
		p.capLeft[dst]--
		p.files[dst].items = append(p.files[dst].items, item{kind: itDup, ref: int32(src), aux: int32(slot)})
		want--
	}
}

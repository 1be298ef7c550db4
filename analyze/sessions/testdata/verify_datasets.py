# Independent re-count of ASIA-key attribution over raw CloudTrail files, for
# dataset_test.go. It reads the JSON itself (no keyaudit code) and applies the
# rules of doc.go: usage: python3 verify_datasets.py 'GLOB' [out.csv]
# Prints counts per root kind ('unattributed/forwarded' is the unattributed
# reason "seen only in calls AWS services made on its behalf").
import json, gzip, glob, sys, collections
def load(pattern):
    recs = []
    for f in sorted(glob.glob(pattern, recursive=True)):
        op = gzip.open if f.endswith('.gz') else open
        with op(f, 'rt') as fh:
            recs += json.load(fh)['Records']
    seen, out = set(), []
    for r in recs:
        if r.get('eventID') in seen: continue
        seen.add(r.get('eventID')); out.append(r)
    return out
def classify(recs):
    issue = {}   # key -> record (earliest, then eventID)
    uses = collections.defaultdict(list)
    for r in recs:
        ui = r.get('userIdentity') or {}
        k = ui.get('accessKeyId') or ''
        if k.startswith('ASIA'): uses[k].append(r)
        ik = (((r.get('responseElements') or {}).get('credentials')) or {}).get('accessKeyId') or ''
        if ik.startswith('ASIA') and not r.get('errorCode'):
            if ik not in issue or (r['eventTime'], r['eventID']) < (issue[ik]['eventTime'], issue[ik]['eventID']):
                issue[ik] = r
    keys = set(issue) | set(uses)
    def marker(r):
        ui = r['userIdentity']
        return str(r.get('sessionCredentialFromConsole')).lower() == 'true' or ui.get('invokedBy') == 'signin.amazonaws.com' \
            or r.get('userAgent') in ('console.amazonaws.com', 'signin.amazonaws.com')
    def ident(k):  # smallest (arn,...) identity; keys here have one identity each
        ui = sorted(uses[k], key=lambda r: r['userIdentity'].get('arn') or '')[0]['userIdentity']
        return ui.get('type'), ui.get('arn'), ((ui.get('sessionContext') or {}).get('attributes') or {}).get('creationDate')
    groups = set()
    for k in keys:
        if k in issue: continue
        typ, arn, cd = ident(k)
        if typ in ('IAMUser', 'Root') and cd and any(marker(r) for r in uses[k]): groups.add((arn, cd))
    kinds = {}
    def kind(k, depth=0):
        if depth > 100: return 'unattributed'
        if k in issue:
            r = issue[k]; ui = r.get('userIdentity') or {}
            ik = ui.get('accessKeyId') or ''
            if ik.startswith('ASIA'): return kind(ik, depth + 1).split('/')[0]
            if r['eventName'] == 'AssumeRoleWithSAML': return 'saml'
            if r['eventName'] == 'AssumeRoleWithWebIdentity': return 'web_identity'
            if ui.get('invokedBy') == 'signin.amazonaws.com' or str(r.get('sessionCredentialFromConsole')).lower() == 'true': return 'console'
            if ik: return 'root' if ui.get('type') == 'Root' else 'iam_user'
            if ui.get('type') == 'AWSService' or ui.get('invokedBy'): return 'aws_service'
            return 'unattributed'
        if k not in uses: return 'unattributed'
        typ, arn, cd = ident(k)
        if typ in ('IAMUser', 'Root') and (any(marker(r) for r in uses[k]) or (cd and (arn, cd) in groups)): return 'console'
        if typ in ('IAMUser', 'Root') and all(r['userIdentity'].get('invokedBy') for r in uses[k]): return 'unattributed/forwarded'
        return 'unattributed'
    recips = set(r.get('recipientAccountId') for r in recs if r.get('recipientAccountId'))
    total_events = 0
    for k in keys:
        kinds[k] = kind(k)
    c = collections.Counter(kinds.values())
    kinds = {k: v.split('/')[0] for k, v in kinds.items()}
    used_issued = collections.Counter(kinds[k] for k in keys if k in uses and k in issue)
    # event counts: distinct sharedEventID (or eventID) per key
    calls = sum(len(set(r.get('sharedEventID') or r['eventID'] for r in rs)) for rs in uses.values())
    print(json.dumps({'keys': len(keys), 'used': len(uses), 'issued': len(issue), 'issued_and_used': len(set(issue) & set(uses)),
                      'by_kind': dict(sorted(c.items())), 'issued_and_used_by_kind': dict(sorted(used_issued.items())),
                      'calls': calls, 'uses': sum(len(v) for v in uses.values()),
                      'by_issuer_kind_issued': dict(sorted(collections.Counter(kinds[k] for k in issue).items()))}, indent=1))
    return kinds
if __name__ == '__main__':
    kinds = classify(load(sys.argv[1]))
    if len(sys.argv) > 2:
        with open(sys.argv[2], 'w') as f:
            for k in sorted(kinds): f.write(f"{k},{kinds[k]}\n")

// Package sessions attributes every temporary access key (ASIA…) seen in
// CloudTrail to the long-term principal behind it.
//
// A Builder reads fact records (package facts, docs/FACTS.md): it is a
// facts.Sink, and folds session_use (uses of temporary keys), sts_issue
// (issuing records), principals (the ARN of each IAM user and root
// principal ID) and event_accounts (the recipient accounts of the input);
// it does not read key_use, key_lifecycle or manifest. Finish resolves the
// chains and returns one Session per key, sorted by access key ID.
// SessionsRecord turns them into an Arrow record (SessionSchema), and
// Result.Chain lists the hops of one key for `keyaudit trace`.
//
// Add (and Events, its ingest.EventSink name) take CloudTrail event records
// (cloudtrail.EventSchema) instead: a facts.Projector shows each event to
// the Builder's FactView as one-event fact rows, read in place, so the
// events path and a fact set read back run the same folds (the tests hold
// them to the same bytes, whatever the grouping and order of the facts). Feed a
// Builder events or facts of one input, not both: the same events through
// Add and through Facts count twice. Facts of inputs with disjoint eventIDs
// may be fed together (merging fact sets is concatenation).
//
// Ownership: neither Add nor Facts retains its record; the caller may
// release it as soon as the call returns. Add allocates no Arrow memory.
//
// # Which keys
//
// A key has a row when CloudTrail shows it issued (it is the
// responseElements.credentials.accessKeyId of a call with no errorCode) or
// used (it is the userIdentity.accessKeyId of any call, failed calls
// included). Failed STS calls issue nothing; GetCallerIdentity and other
// calls only use the key that signs them.
//
// # Root kinds
//
// The chain of a key is followed through its issuing records: when the
// record that issued K was signed with a temporary key P, P is K's parent,
// and so on up to a record not signed with a temporary key. That record
// (or, with no issuing record, the key's own uses) decides the root:
//
//   - iam_user: signed with a long-term key by an IAM user; root_principal
//     is the user's ARN, root_access_key_id the AKIA key.
//   - root: signed with the account root user's long-term key;
//     root_principal is arn:aws:iam::<account>:root.
//   - saml: AssumeRoleWithSAML; saml:<provider>:<subject>, the provider
//     being the name after ":saml-provider/" in requestParameters.principalArn.
//   - web_identity: AssumeRoleWithWebIdentity;
//     web:<responseElements.provider>:<subjectFromWebIdentityToken>, both
//     verbatim (the subject may contain ':').
//   - aws_service: called by an AWS service (userIdentity.type AWSService or
//     invokedBy set, no access key); the principal is invokedBy, e.g.
//     ec2.amazonaws.com.
//   - console: a console sign-in. No STS record issues these keys; a key
//     with no issuing record whose uses are by an IAM user or the root user
//     is a console session when a use carries a console marker
//     (sessionCredentialFromConsole true; in older logs invokedBy or
//     userAgent signin.amazonaws.com, or userAgent console.amazonaws.com),
//     or when another marked key belongs to the same sign-in (same
//     principal ARN and same sessionContext creationDate: the console hands
//     out several keys per sign-in; the row then says "inferred"). The
//     principal is the uses' userIdentity.arn. An issuing record made by a
//     console sign-in (invokedBy signin.amazonaws.com, e.g. the root user's
//     GetSessionToken in 2014 logs, which has no access key) is console too,
//     with the caller as principal.
//   - unattributed: the root cannot be known from the input; root_principal
//     and chain_depth are null and note says why (Unattributed.Reasons):
//     no issuing record (issued before the logs begin); an IAM user or root
//     session with neither issuing record nor console marker; such a
//     session seen only in calls that AWS services made on its behalf
//     (every use has invokedBy, e.g. secretsmanager.amazonaws.com — forward
//     access sessions); a parent that is itself unattributed; a cycle.
//
// A cross-account copy of an issuing record may name its caller only as
// type AWSAccount with a principal ID: the ID is looked up among the IAM
// user and root identities seen anywhere in the input (an ID equal to the
// account ID is the root user).
//
// chain_depth is 1 for a key issued by the root principal itself (and for
// console keys), plus one per temporary key in between.
//
// # Other columns
//
// account_id is the role's account (from the role ARN) for AssumeRole*,
// the target account for AssumeRoot, the caller's account for
// GetSessionToken and GetFederationToken, else the uses'
// userIdentity.accountId. issuer_access_key_id is the key that signed the
// issuing record (empty for SAML, web identity, services and console).
// With no issuing record, role_arn, session_name and source_identity come
// from the uses' sessionContext. used_by_arn is the uses' userIdentity.arn.
//
// event_count is the number of distinct calls signed with the key. The
// ingest drops duplicate eventIDs, but a call that touches another account
// is logged in both (two eventIDs, one sharedEventID). Rather than keep a
// set of sharedEventIDs (memory growing with events), the Builder counts,
// per key, the copies logged in the caller's own account (recipientAccountId
// equal to userIdentity.accountId, or absent) and the copies logged
// elsewhere; Finish adds the latter only when the caller's account is not
// among the recipient accounts of the input, i.e. when those copies are
// the only trace of the calls. Limits: if the caller's account is in the
// input but its trail misses some of the calls (other regions, other
// time), their copies elsewhere are not counted; if it is absent and one
// call was logged in two other accounts, that call counts twice.
// first_seen and last_seen span the uses; they are null for a key that was
// issued and never used.
//
// # Conflicts and cycles
//
// When several records issue one key, the one kept is the earliest, then
// the one that names its caller by ARN, then the smallest eventID, then the
// least by the other sts_issue columns. Copies of the kept record (same
// sharedEventID or requestID) are not a conflict; any other record is, and
// the row's note says so. The uses' identity is the
// smallest (ARN, type, account, ...) tuple seen. A key that issues itself,
// or keys that issue each other, form a cycle: each key on it is
// unattributed with a note naming the cycle from its smallest key, and keys
// issued from the cycle are unattributed too. None of this hangs: chain
// resolution is iterative and memoized, each key is walked once.
//
// # Order independence and memory
//
// Files are read in parallel, so a key's uses may arrive before the record
// that issued it, and copies in any order; fact tables may come in any
// order, any record size, and with repeated grain rows (partial flushes,
// merged sets). The Builder folds session_use rows with order-free
// operations (sums, min, max, or, the least identity under a total order)
// and keeps the sts_issue rows, which Finish replays per key in the order
// above: "copy of" is not transitive, so the conflict flag of a key with
// three or more issuing records used to depend on their arrival order; it
// no longer does. Chains are resolved only in Finish, so the result does
// not depend on record order or batching.
//
// Memory grows with the number of temporary keys and issuing records
// (about one per key, plus cross-account copies), never with uses: per key
// a small struct, per issuing record its columns; repeated strings (ARNs,
// role and session names, agents, accounts) are interned, event and
// request IDs copied. Every string kept is copied out of the records.
package sessions

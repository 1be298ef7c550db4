// Package keyid decodes AWS unique identifiers (access key IDs such as
// AKIA… and ASIA…, and user, role, group, policy … IDs) offline.
//
// An access key ID is 20 characters, a principal ID (AIDA, AROA, …) 21: a
// 4-character prefix that says what it
// identifies (AKIA long-term access key, ASIA temporary access key, AIDA
// IAM user, AROA role, AGPA group, ANPA managed policy, ANVA managed policy
// version, AIPA EC2 instance profile, ABIA STS bearer token, ACCA
// context-specific credential, APKA public key, ASCA certificate) and 16
// or 17 base32 characters (A–Z, 2–7). Decode rejects anything else, e.g. a
// pseudonymised key with a '0', '1', '8' or '9' in it.
//
// Newer identifiers carry the owning account: when the fifth character is
// Q–Z or 2–7, base32-decode the 16 characters after the prefix, read the
// first 6 bytes as a big-endian integer z, and the account is
// (z & 0x7fffffffff80) >> 7, printed as 12 digits. Older ("legacy")
// identifiers, fifth character A–P, do not: Decode says so in
// Info.NoAccountReason instead of guessing.
//
// The decoded account is a fact about the identifier, not about a log: a
// log rewritten for publication (pseudonymised account IDs) can disagree
// with it, and the disagreement is worth reporting.
package keyid

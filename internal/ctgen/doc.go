// Package ctgen generates a deterministic, realistic synthetic CloudTrail
// corpus in the S3 delivery layout, together with the ground truth of every
// temporary (ASIA) and long-term (AKIA) access key it contains.
//
// The corpus is planned first (accounts, IAM users, roles, identity
// providers, STS sessions and where each of their events lands), which
// needs memory proportional to the number of sessions, not events. Each log
// file is then rendered independently from the plan and from a random
// stream seeded by (seed, file, slot), so files can be written in parallel
// and a given seed always yields the same bytes.
//
// Every session token written is a marked placeholder
// ("FAKE-SESSION-TOKEN-<n>") or the literal
// "HIDDEN_DUE_TO_SECURITY_REASONS"; no secret-looking value is produced.
package ctgen

// Package digest parses the files of CloudTrail log file integrity
// validation, offline: digest files, the S3 keys CloudTrail writes logs and
// digests under, the public keys of 'aws cloudtrail list-public-keys', and
// saved digest signatures. It reads no file itself and holds no state;
// package verify walks a local copy of a bucket with it.
//
// # Digest files
//
// Parse takes the uncompressed bytes of a digest file (the JSON of AWS's
// "CloudTrail digest file structure") and returns a Digest, or a
// *ParseError naming the field and wrapping ErrSyntax, ErrMissing or
// ErrInvalid. Checks are strict where a value is signed or compared:
// awsAccountId is 12 digits, times are RFC 3339, hashes are 64 hex digits
// (SHA-256), signatures are hex. A digest either starts a chain (every
// previousDigest* field null or absent) or links to its predecessor
// (previousDigestS3Object, previousDigestHashValue and
// previousDigestSignature all set). A malformed entry of logFiles does not
// fail the digest: the entry keeps its error in LogFile.Err so the other
// entries are still checked.
//
// # Signatures
//
// CloudTrail signs each digest with RSASSA-PKCS1-v1_5 and SHA-256 over
// SigningString: digestEndTime, "\n", digestS3Bucket "/" digestS3Object,
// "\n", the hex SHA-256 of the uncompressed digest, "\n", and
// previousDigestSignature (the literal "null" when there is none). The
// signature itself is S3 object metadata (x-amz-meta-signature), which
// copies of a bucket lose, but each digest's successor carries it as
// previousDigestSignature. ParsePublicKeys reads the list-public-keys JSON
// (Value is base64 DER, PKCS#1 or SPKI; the fingerprint is the hex MD5 of
// those DER bytes); ParseSignatures reads signatures saved with
// 'aws s3api head-object' or a JSON map of key to hex signature.
//
// # Object keys
//
// ParseKey recognises log and digest files by their key, from AWSLogs/ on:
// anything before it (an S3 prefix, local folders) is kept in Key.Prefix
// and ignored when keys are compared, so that a digest's s3Object finds the
// local copy wherever the bucket was synced to.
package digest

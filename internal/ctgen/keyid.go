package ctgen

import (
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
)

// keyEnc is the base32 alphabet of AWS access key IDs (A-Z, 2-7), unpadded.
var keyEnc = base32.StdEncoding.WithPadding(base32.NoPadding)

// accountMask selects the 40 account bits of the 48-bit prefix of a
// new-generation key ID.
const accountMask = 0x7fffffffff80

// EncodeKeyID returns a new-generation identifier: prefix ("AKIA", "ASIA",
// "AIDA", "AROA") followed by 16 base32 characters. The first 6 of the 10
// encoded bytes hold z = 1<<47 | account<<7 | 7 random bits, big-endian;
// the last 4 are random. Bit 47 is set as in IDs issued by AWS, which puts
// the fifth character in Q-Z or 2-7.
func EncodeKeyID(prefix string, account uint64, r *rand.Rand) string {
	var raw [10]byte
	z := uint64(1)<<47 | (account<<7)&accountMask | uint64(r.IntN(128))
	var b8 [8]byte
	binary.BigEndian.PutUint64(b8[:], z)
	copy(raw[:6], b8[2:])
	binary.BigEndian.PutUint32(raw[6:], r.Uint32())
	return prefix + keyEnc.EncodeToString(raw[:])
}

// DecodeAccount returns the account encoded in a new-generation key ID
// (20 characters: a 4-character prefix and 16 base32 characters).
func DecodeAccount(id string) (uint64, error) {
	if len(id) != 20 {
		return 0, fmt.Errorf("decode key id: length %d, want 20", len(id))
	}
	raw, err := keyEnc.DecodeString(id[4:])
	if err != nil {
		return 0, fmt.Errorf("decode key id %.4s...: %w", id, err)
	}
	var b8 [8]byte
	copy(b8[2:], raw[:6])
	z := binary.BigEndian.Uint64(b8[:])
	return (z & accountMask) >> 7, nil
}

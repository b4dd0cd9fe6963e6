package identity

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/polex-org/polex/internal/errs"
)

// Argon2id parameters (OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
)

// MinPasswordLen is the shortest password accepted.
const MinPasswordLen = 12

// ValidatePassword returns an errs.Invalid error when pw is too short, too long or not UTF-8.
func ValidatePassword(pw string) error {
	const op = "identity.ValidatePassword"
	switch {
	case !utf8.ValidString(pw):
		return errs.Invalidf(op, "password", "password must be valid UTF-8")
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return errs.Invalidf(op, "password", "password must have at least %d characters", MinPasswordLen)
	case len(pw) > 1024:
		return errs.Invalidf(op, "password", "password must have at most 1024 bytes")
	}
	return nil
}

// HashPassword returns pw hashed with argon2id in the PHC string format.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", errs.E("identity.HashPassword", errs.Internal, err)
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches the PHC-format hash. A malformed
// hash never matches.
func CheckPassword(hash, pw string) bool {
	p, ok := parsePHC(hash)
	if !ok {
		return false
	}
	key := argon2.IDKey([]byte(pw), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	return subtle.ConstantTimeCompare(key, p.key) == 1
}

type phc struct {
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parsePHC parses "$argon2id$v=19$m=M,t=T,p=P$salt$key".
func parsePHC(s string) (phc, bool) {
	var p phc
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, false
	}
	var m, t, th uint64
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || n != 3 {
		return p, false
	}
	if m < 8 || m > 1<<22 || t < 1 || t > 16 || th < 1 || th > 16 || fmt.Sprintf("m=%d,t=%d,p=%d", m, t, th) != parts[3] {
		return p, false
	}
	var err error
	b64 := base64.RawStdEncoding
	if p.salt, err = b64.DecodeString(parts[4]); err != nil || len(p.salt) < 8 || len(p.salt) > 64 {
		return p, false
	}
	if p.key, err = b64.DecodeString(parts[5]); err != nil || len(p.key) < 16 || len(p.key) > 64 {
		return p, false
	}
	p.memory, p.time, p.threads = uint32(m), uint32(t), uint8(th)
	return p, true
}

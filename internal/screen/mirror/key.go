package mirror

import (
	"github.com/polex-org/polex/internal/audit"
)

// KeyFile is the name of the mirror signing key in the data directory.
const KeyFile = "mirror.key"

// KeyName is the name of the mirror key in signatures and verifier keys.
const KeyName = "polex-mirror"

// Key is the Ed25519 key that signs mirror files.
type Key = audit.Key

// LoadOrCreateKey reads the mirror signer key at path, creating it (mode
// 0600, directory 0700) with a new Ed25519 key named KeyName when the file
// does not exist. It returns an Invalid error when the file is malformed,
// named otherwise or readable by others, and an Internal error when it
// cannot be read or written.
func LoadOrCreateKey(path string) (*Key, error) {
	return audit.LoadOrCreateNamedKey(path, KeyName, "mirror")
}

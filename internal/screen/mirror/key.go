package mirror

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
)

// KeyFile is the name of the mirror signing key in the data directory.
const KeyFile = "mirror.key"

// KeyName is the name of the mirror key in signatures and verifier keys.
const KeyName = "polex-mirror"

// Key is the Ed25519 key that signs mirror files.
type Key = audit.Key

// LoadOrCreateKey reads the mirror signer key at path, creating it (mode
// 0600, directory 0700) with a new Ed25519 key named KeyName when the file
// does not exist. It returns an Invalid error when the file is malformed or
// readable by others, and an Internal error when it cannot be read or
// written.
func LoadOrCreateKey(path string) (*Key, error) {
	const op = "mirror.LoadOrCreateKey"
	k, err := loadKey(path)
	if !errs.Is(errs.NotFound, err) {
		return k, err
	}
	skey, _, err := note.GenerateKey(rand.Reader, KeyName)
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	// A temporary file linked into place: a concurrent export never reads
	// a partial key and never overwrites another's.
	tmp, err := os.CreateTemp(dir, ".mirror-key-*")
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(skey + "\n")
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, errs.E(op, errs.Internal, err)
	}
	return loadKey(path)
}

func loadKey(path string) (*Key, error) {
	const op = "mirror.loadKey"
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.E(op, errs.NotFound, "no mirror key at "+path, err)
	}
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("mirror key %s is accessible by others (mode %v); chmod 600 it", path, fi.Mode().Perm()))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	k, err := audit.ParseSignerKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, errs.E(op, "mirror key "+path+" is malformed", err)
	}
	if k.Signer.Name() != KeyName {
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("mirror key %s is named %q, not %q", path, k.Signer.Name(), KeyName))
	}
	return k, nil
}

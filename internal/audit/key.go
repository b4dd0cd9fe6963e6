package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/polex-org/polex/internal/errs"
)

// KeyFile is the name of the checkpoint signing key in the data directory.
const KeyFile = "audit.key"

// KeyName is the name of the key in signatures and in the verifier key.
const KeyName = "polex-audit"

// Key is the Ed25519 key that signs checkpoints.
type Key struct {
	Signer      note.Signer
	Verifier    note.Verifier
	VerifierKey string // the public verifier key, "polex-audit+<hash>+<base64>", to publish
}

// LoadOrCreateKey reads the signer key at path, creating it (mode 0600,
// directory 0700) with a new Ed25519 key when the file does not exist. It
// returns an Invalid error when the file is malformed or readable by others,
// and an Internal error when it cannot be read or written.
func LoadOrCreateKey(path string) (*Key, error) { return LoadOrCreateNamedKey(path, KeyName, "audit") }

// LoadOrCreateNamedKey is LoadOrCreateKey for a note signing key named name
// (what names its use in errors: "audit", "mirror"). A key at path with
// another name is an Invalid error.
func LoadOrCreateNamedKey(path, name, what string) (*Key, error) {
	op := what + ".LoadOrCreateKey"
	k, err := loadNamedKey(path, name, what)
	if !errs.Is(errs.NotFound, err) {
		return k, err
	}
	skey, _, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	// Write a temporary file and link it into place, so that a concurrent
	// process never reads a partial key and never overwrites another's.
	tmp, err := os.CreateTemp(dir, "."+what+"-key-*")
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(skey + "\n"); err != nil {
		tmp.Close()
		return nil, errs.E(op, errs.Internal, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, errs.E(op, errs.Internal, err)
	}
	if err := tmp.Close(); err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, errs.E(op, errs.Internal, err)
	}
	return loadNamedKey(path, name, what)
}

// LoadKey reads the signer key at path. It returns a NotFound error when the
// file does not exist, an Invalid error when it is malformed or readable by
// others, and an Internal error when it cannot be read.
func LoadKey(path string) (*Key, error) { return loadNamedKey(path, "", "audit") }

// loadNamedKey is LoadKey for a key that must be named name ("" for any).
func loadNamedKey(path, name, what string) (*Key, error) {
	op := what + ".LoadKey"
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.E(op, errs.NotFound, "no "+what+" key at "+path, err)
	}
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("%s key %s is accessible by others (mode %v); chmod 600 it", what, path, fi.Mode().Perm()))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	k, err := ParseSignerKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, errs.E(op, what+" key "+path+" is malformed", err)
	}
	if name != "" && k.Signer.Name() != name {
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("%s key %s is named %q, not %q", what, path, k.Signer.Name(), name))
	}
	return k, nil
}

// ParseSignerKey returns the Key of an Ed25519 signer key in the format of
// note.GenerateKey ("PRIVATE+KEY+name+hash+base64"), or an Invalid error.
func ParseSignerKey(skey string) (*Key, error) {
	const op = "audit.ParseSignerKey"
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, errs.E(op, errs.Invalid, "malformed signer key", err)
	}
	// note.NewSigner checked the format and that the key is Ed25519 (algorithm 1).
	parts := strings.SplitN(skey, "+", 5) // base64 may hold "+" too
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		return nil, errs.E(op, errs.Invalid, "malformed signer key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	verifier, err := NewVerifier(vkey)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return &Key{Signer: signer, Verifier: verifier, VerifierKey: vkey}, nil
}

// NewVerifier returns the verifier of a public verifier key such as
// Key.VerifierKey, or an Invalid error.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, errs.E("audit.NewVerifier", errs.Invalid, "malformed verifier key", err)
	}
	return v, nil
}

package mirror

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/polex-org/polex/internal/errs"
)

// A signed mirror cannot tell by itself that it is the newest: an older
// snapshot, or a chain cut short of its last deltas, verifies as well as
// the current one, and a check against it misses everything reported since
// (a passport stolen yesterday). The post therefore keeps, outside the
// mirror directory, the newest mirror it has checked with (Seen) and
// refuses one older than that: rolled back.

// Seen is the newest mirror a post has checked with, for one post and key.
type Seen struct {
	Created  time.Time `json:"created"`
	Sequence int       `json:"sequence"`
	Salt     string    `json:"salt"`   // hex: the chain (one snapshot and its deltas)
	Digest   string    `json:"digest"` // hex SHA-256 of the newest file's signed note
}

// seenFile is the state file: the newest mirror seen by post and key.
type seenFile map[string]Seen

// seenKey names a mirror's post and the key that signed it in the state.
func (m *Mirror) seenKey() string { return m.post + "|" + m.country + "|" + m.keyName }

// Guard refuses m when the state file at path records a newer mirror for
// the same post and key than m's newest file (an older snapshot, fewer
// deltas of the same chain, or another file with the same sequence), and
// when maxAge > 0 and m's newest file is older than maxAge at now; then
// it records m as the newest seen, atomically. A missing state file is
// an empty one. It returns an errs.Invalid error starting with "refused"
// for a mirror it refuses, and an errs.Unavailable one when the state
// cannot be read or written.
func (m *Mirror) Guard(path string, maxAge time.Duration, now time.Time) error {
	const op = "mirror.Guard"
	last := m.files[len(m.files)-1]
	if maxAge > 0 && now.Sub(last.h.Created) > maxAge {
		return errs.E(op, errs.Invalid, fmt.Sprintf("refused: the mirror is %s old (created %s), more than --max-age %s: export a new one",
			now.Sub(last.h.Created).Round(time.Minute), last.h.Created.Format(time.RFC3339), maxAge))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return errs.E(op, errs.Unavailable, "cannot create the mirror state's directory", err)
	}
	unlock, err := lockDir(filepath.Dir(path))
	if err != nil {
		return errs.E(op, errs.Unavailable, "cannot lock the mirror state", err)
	}
	defer unlock()
	st := seenFile{}
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return errs.E(op, errs.Unavailable, "cannot read the mirror state "+path, err)
	default:
		if err := json.Unmarshal(b, &st); err != nil {
			return errs.E(op, errs.Unavailable, fmt.Sprintf("the mirror state %s is damaged (%v): restore it from a backup; removing it would let an older mirror in unnoticed", path, err))
		}
	}
	cur := Seen{Created: last.h.Created, Sequence: last.h.Sequence, Salt: hex.EncodeToString(m.salt), Digest: hex.EncodeToString(last.digest[:])}
	k := m.seenKey()
	if prev, ok := st[k]; ok {
		rolled := ""
		switch {
		case cur.Salt == prev.Salt && cur.Sequence < prev.Sequence:
			rolled = "has fewer deltas than"
		case cur.Salt == prev.Salt && cur.Sequence == prev.Sequence && cur.Digest != prev.Digest:
			rolled = "differs from"
		case cur.Created.Before(prev.Created):
			rolled = "is older than"
		}
		if rolled != "" {
			return errs.E(op, errs.Invalid, fmt.Sprintf("refused: rolled back: the mirror (sequence %d, created %s) %s the one this post last checked with (sequence %d, created %s)",
				cur.Sequence, cur.Created.Format(time.RFC3339), rolled, prev.Sequence, prev.Created.Format(time.RFC3339)))
		}
		if prev == cur {
			return nil
		}
	}
	st[k] = cur
	out, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	if err := writeAtomic(filepath.Dir(path), filepath.Base(path), append(out, '\n')); err != nil {
		return errs.E(op, errs.Unavailable, "cannot write the mirror state "+path, err)
	}
	return nil
}

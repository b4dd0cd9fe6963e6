package mirror

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
)

// Mirror is a verified mirror directory, held in memory for checks.
type Mirror struct {
	dir     string
	files   []*file
	salt    []byte
	post    string
	country string
	keyName string // the verifier key's name and hash
	// touched maps each record ID a delta adds or removes to the index in
	// files of the newest file that does: older copies are hidden.
	touched map[string]int
}

var deltaName = regexp.MustCompile(`^delta-([0-9]{6})\.pxm$`)

// Open reads and verifies the mirror in dir with the verifier key vkey (a
// note verifier key, "polex-mirror+hash+base64"); with vkey "" it uses the
// key in dir/mirror.pub, which an attacker who can change the files can
// change too: give the key to pin it. Every file's signature, data digest
// and layout are checked, and the chain: one snapshot, then deltas numbered
// from 1 with no gap, each naming the digest of the file before it.
//
// It returns an errs.Invalid error whose message starts with "refused" or
// says what is missing when anything fails.
func Open(dir, vkey string) (*Mirror, error) {
	const op = "mirror.Open"
	if vkey == "" {
		b, err := os.ReadFile(filepath.Join(dir, PubFile))
		if err != nil {
			return nil, errs.E(op, errs.Invalid, fmt.Sprintf("no mirror in %s: cannot read %s (give --key)", dir, PubFile), err)
		}
		vkey = strings.TrimSpace(string(b))
	}
	v, err := audit.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, errs.E(op, errs.Invalid, "malformed mirror verifier key", "key", err)
	}
	if v.Name() != KeyName {
		return nil, errs.Invalidf(op, "key", "the verifier key is named %q, not %q", v.Name(), KeyName)
	}
	return open(dir, v)
}

func open(dir string, v note.Verifier) (*Mirror, error) {
	const op = "mirror.Open"
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, errs.E(op, errs.Invalid, "cannot read mirror directory "+dir, err)
	}
	var seqs []int
	hasSnapshot := false
	for _, e := range ents {
		if e.Name() == SnapshotFile {
			hasSnapshot = true
		}
		if m := deltaName.FindStringSubmatch(e.Name()); m != nil {
			n, _ := strconv.Atoi(m[1])
			seqs = append(seqs, n)
		}
	}
	if !hasSnapshot {
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("no mirror in %s: %s is missing", dir, SnapshotFile))
	}
	slices.Sort(seqs)
	for i, n := range seqs {
		if n != i+1 {
			return nil, errs.E(op, errs.Invalid, fmt.Sprintf("refused: the chain is broken: %s without %s", deltaFile(n), deltaFile(i+1)))
		}
	}
	m := &Mirror{dir: dir, touched: map[string]int{}, keyName: fmt.Sprintf("%s+%08x", v.Name(), v.KeyHash())}
	for i := 0; i <= len(seqs); i++ {
		name := SnapshotFile
		if i > 0 {
			name = deltaFile(i)
		}
		f, err := readFile(dir, name, v)
		if err != nil {
			return nil, err
		}
		refuse := func(what string) error {
			return errs.E(op, errs.Invalid, fmt.Sprintf("refused: %s %s", name, what))
		}
		if i == 0 {
			if f.h.Delta {
				return nil, refuse("is a delta, not a snapshot")
			}
			m.salt, m.post, m.country = f.h.Salt, f.h.Post, f.h.Country
		} else {
			prev := m.files[i-1]
			switch {
			case !f.h.Delta || f.h.Sequence != i:
				return nil, refuse(fmt.Sprintf("is not delta %d", i))
			case f.h.Prev != prev.digest:
				return nil, refuse("does not follow " + prev.name + " (chain link broken)")
			case f.h.Post != m.post || f.h.Country != m.country:
				return nil, refuse("belongs to another post")
			case f.h.Created.Before(prev.h.Created):
				return nil, refuse("is older than " + prev.name)
			}
			for _, id := range f.removes {
				m.touched[id] = i
			}
			if err := f.each(func(r entry, _ []byte) error {
				m.touched[r.RecordID] = i
				return nil
			}); err != nil {
				return nil, refuse("data is malformed: " + err.Error())
			}
		}
		m.files = append(m.files, f)
	}
	return m, nil
}

// Post returns the username and country of the post the mirror is for.
func (m *Mirror) Post() (username, country string) { return m.post, m.country }

// Info describes the newest file of the mirror.
func (m *Mirror) Info() Info {
	last := m.files[len(m.files)-1]
	return Info{Created: last.h.Created, Sequence: last.h.Sequence}
}

// Check looks q up in the mirror. It returns an errs.Invalid error naming
// the field when q is malformed.
func (m *Mirror) Check(q Query) (Result, error) {
	const op = "mirror.Check"
	if q.Kind != KindDocument && q.Kind != KindVehicle {
		return Result{}, errs.Invalidf(op, "kind", "kind must be document or vehicle")
	}
	if q.Country != "" && (len(q.Country) != 2 || strings.Trim(strings.ToUpper(q.Country), "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "") {
		return Result{}, errs.Invalidf(op, "country", "give an ISO 3166-1 alpha-2 country code, not %q", q.Country)
	}
	if normalizeKey(q.Key) == "" {
		return Result{}, errs.Invalidf(op, "number", "give a number with letters or digits")
	}
	k := keyHash(m.salt, q.Kind, q.lookup())
	res := Result{Result: "no-hit", Hits: []Hit{}, Mirror: m.Info()}
	for i := len(m.files) - 1; i >= 0; i-- {
		for _, r := range m.files[i].lookup(k) {
			if t, ok := m.touched[r.RecordID]; ok && t > i {
				continue // a newer delta replaced or removed it
			}
			res.Hits = append(res.Hits, r.Hit)
		}
	}
	if len(res.Hits) > 0 {
		res.Result = "hit"
		slices.SortFunc(res.Hits, func(a, b Hit) int { return strings.Compare(a.RecordID, b.RecordID) })
	}
	return res, nil
}

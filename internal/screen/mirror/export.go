package mirror

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
)

// Row is a stored travel document or vehicle as an export reads it.
type Row struct {
	Kind     string // KindDocument or KindVehicle; set by Export
	ID       string
	Owner    string
	OwnerOrg string
	Ref      string
	K1       string // document number, VIN
	K2       string // issuing country, plate
	K3       string // document type, plate country
	Env      []byte // the stored envelope (property.EncodeEnvelope)
	Status   string // the content's status ("" for vehicles)
}

// Source streams the stored records an export reads (store/sqldb
// implements it).
type Source interface {
	// MirrorRows calls fn with every stored record of kind (KindDocument
	// or KindVehicle), in any order, one at a time, never holding them all
	// in memory; it stops at fn's first error and returns it.
	MirrorRows(ctx context.Context, kind string, fn func(Row) error) error
}

// ExportRequest is one export of a post's mirror.
type ExportRequest struct {
	Dir       string             // the mirror directory, created when missing
	Principal identity.Principal // the post's user: a border system or officer of a member country
	Purpose   string             // why; required (exports are audited with a purpose)
	Key       *Key               // the mirror signing key
	Now       time.Time
}

// ExportResult says what an export wrote.
type ExportResult struct {
	File     string `json:"file"`
	Sequence int    `json:"sequence"`
	Delta    bool   `json:"delta"`
	Records  int    `json:"records"` // records written (added or changed)
	Keys     int    `json:"keys"`
	Removes  int    `json:"removes"`
	Total    int    `json:"total"` // records in the mirror after it
	Bytes    int64  `json:"bytes"` // size of the file written
}

// Export writes the next file of the mirror in req.Dir: a snapshot when the
// directory holds none, else a delta against the state its snapshot and
// deltas describe — the records req.Principal may now search that are new
// or changed, and the IDs of those it may no longer see or that are gone.
// It is authorised and audited once, as mirror.export with the purpose.
//
// It returns an errs.Invalid error for a missing purpose or a directory
// whose files fail verification or belong to another post, an
// errs.Permission error when the principal is no border system or officer
// of a member country, the policy's refusal, and the Source's errors.
func Export(ctx context.Context, src Source, log record.Auditor, req ExportRequest) (ExportResult, error) {
	const op = "mirror.Export"
	p := req.Principal
	if strings.TrimSpace(req.Dir) == "" {
		return ExportResult{}, errs.Invalidf(op, "out", "give the mirror directory")
	}
	if p.User.Country == "" || !(p.User.HasRole(identity.BorderSystem) || p.User.HasRole(identity.Officer)) {
		return ExportResult{}, errs.E(op, errs.Permission, fmt.Sprintf("%s is not a border system or officer of a member country", p.User.Username), "as")
	}
	detail, _ := json.Marshal(map[string]string{"post": p.User.Username, "dir": req.Dir})
	if err := record.Authorize(ctx, log, p, record.Access{Op: op, Action: policy.ActionSearch, Audit: "mirror.export",
		Resource: policy.Resource{Kind: KindDocument}, Target: "mirror:" + p.User.Username, Purpose: req.Purpose, Detail: string(detail)}); err != nil {
		return ExportResult{}, err
	}
	if err := os.MkdirAll(req.Dir, 0o700); err != nil {
		return ExportResult{}, errs.E(op, errs.Invalid, "cannot create "+req.Dir, err)
	}
	unlock, err := lockDir(req.Dir)
	if err != nil {
		return ExportResult{}, err
	}
	defer unlock()

	h := header{Created: req.Now.UTC(), Post: p.User.Username, Country: p.User.Country}
	state := map[string]uint64{} // record ID → digest of its stored form
	if _, err := os.Stat(filepath.Join(req.Dir, SnapshotFile)); err == nil {
		m, err := open(req.Dir, req.Key.Verifier)
		if err != nil {
			return ExportResult{}, err
		}
		if m.post != p.User.Username {
			return ExportResult{}, errs.Invalidf(op, "out", "%s holds the mirror of %s, not %s: export to another directory", req.Dir, m.post, p.User.Username)
		}
		last := m.files[len(m.files)-1]
		h.Delta, h.Sequence, h.Prev, h.Salt = true, last.h.Sequence+1, last.digest, m.salt
		if h.Created.Before(last.h.Created) {
			h.Created = last.h.Created
		}
		for _, f := range m.files {
			for _, id := range f.removes {
				delete(state, id)
			}
			if err := f.each(func(r entry, raw []byte) error {
				state[r.RecordID] = digest(raw)
				return nil
			}); err != nil {
				return ExportResult{}, errs.E(op, errs.Internal, err)
			}
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return ExportResult{}, errs.E(op, errs.Internal, err)
	} else {
		h.Salt = make([]byte, saltLen)
		if _, err := rand.Read(h.Salt); err != nil {
			return ExportResult{}, errs.E(op, errs.Internal, err)
		}
	}

	tmp, err := os.CreateTemp(req.Dir, ".export-*")
	if err != nil {
		return ExportResult{}, errs.E(op, errs.Internal, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	sum := sha256.New()
	w := &countWriter{w: bufio.NewWriterSize(io.MultiWriter(tmp, sum), 1<<20)}
	var index []indexKey
	seen := visibility{}
	total := 0
	var buf []byte
	for _, kind := range []string{KindDocument, KindVehicle} {
		err := src.MirrorRows(ctx, kind, func(r Row) error {
			r.Kind = kind
			ok, err := seen.visible(p, kind, r)
			if err != nil {
				return errs.E(op, errs.Internal, err)
			}
			if !ok {
				return nil
			}
			keys := keysOf(r)
			if len(keys) == 0 {
				return nil
			}
			total++
			hashes := make([][16]byte, len(keys))
			for i, k := range keys {
				hashes[i] = keyHash(h.Salt, kind, k)
			}
			status := r.Status
			if status == "" && kind == KindVehicle {
				status = "stolen"
			}
			buf = encodeRecord(buf[:0], hashes, Hit{Kind: kind, RecordID: r.ID, Owner: r.Owner, Ref: r.Ref, Status: status})
			d := digest(buf)
			if old, ok := state[r.ID]; ok {
				delete(state, r.ID)
				if old == d {
					return nil
				}
			}
			if w.n+int64(len(buf)) > math.MaxUint32 {
				return errs.E(op, errs.Invalid, "the mirror would exceed 4 GB of records")
			}
			for i, k := range hashes {
				index = append(index, indexKey{hash: k, off: uint32(w.n), slot: uint8(i)})
			}
			h.Records++
			_, err = w.Write(buf)
			return err
		})
		if err != nil {
			return ExportResult{}, errs.E(op, err)
		}
	}
	slices.SortFunc(index, func(a, b indexKey) int {
		if c := bytes.Compare(a.hash[:], b.hash[:]); c != 0 {
			return c
		}
		return int(a.off) - int(b.off)
	})
	h.Keys = len(index)
	var e [indexEntry]byte
	for _, k := range index {
		binary.BigEndian.PutUint32(e[:], k.off)
		e[4] = k.slot
		w.Write(e[:])
	}
	index = nil
	removes := make([]string, 0, len(state))
	for id := range state {
		removes = append(removes, id)
	}
	sort.Strings(removes)
	h.Removes = len(removes)
	for _, id := range removes {
		w.Write(binary.AppendUvarint(nil, uint64(len(id))))
		w.Write([]byte(id))
	}
	if err := w.flush(); err != nil {
		return ExportResult{}, errs.E(op, errs.Internal, err)
	}
	h.Size = w.n
	copy(h.Data[:], sum.Sum(nil))

	msg, err := note.Sign(&note.Note{Text: h.text()}, req.Key.Signer)
	if err != nil {
		return ExportResult{}, errs.E(op, errs.Internal, err)
	}
	name := SnapshotFile
	if h.Delta {
		name = deltaFile(h.Sequence)
	}
	size, err := writeSigned(req.Dir, name, msg, tmp)
	if err != nil {
		return ExportResult{}, errs.E(op, errs.Internal, err)
	}
	if err := writeAtomic(req.Dir, PubFile, []byte(req.Key.VerifierKey+"\n")); err != nil {
		return ExportResult{}, errs.E(op, errs.Internal, err)
	}
	return ExportResult{File: name, Sequence: h.Sequence, Delta: h.Delta, Records: h.Records, Keys: h.Keys,
		Removes: h.Removes, Total: total, Bytes: size}, nil
}

// visibility caches the policy's answer per distinct owner, organisation
// and stored envelope: millions of rows share a few dozen of them, and
// decoding each envelope dominated an export.
type visibility map[string]bool

func (v visibility) visible(p identity.Principal, kind string, r Row) (bool, error) {
	k := r.Owner + "\x00" + r.OwnerOrg + "\x00" + string(r.Env)
	if ok, hit := v[k]; hit {
		return ok, nil
	}
	m := record.Meta{ID: r.ID, Owner: r.Owner, OwnerOrg: r.OwnerOrg}
	if err := property.DecodeEnvelope(r.Env, &m); err != nil {
		return false, fmt.Errorf("record %s: envelope: %w", r.ID, err)
	}
	ok := record.Visible(p, policy.ActionSearch, m.Resource(kind))
	if len(v) >= 4096 {
		clear(v)
	}
	v[k] = ok
	return ok, nil
}

type indexKey struct {
	hash [16]byte
	off  uint32
	slot uint8
}

// digest is what an export compares to tell a changed record.
func digest(raw []byte) uint64 {
	s := sha256.Sum256(raw)
	return binary.BigEndian.Uint64(s[:8])
}

type countWriter struct {
	w *bufio.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func (c *countWriter) flush() error { return c.w.Flush() }

// writeSigned writes dir/name as the first line, the signed note msg and
// the data in tmp, synced, through a temporary file renamed into place. It
// returns the file's size.
func writeSigned(dir, name string, msg []byte, data *os.File) (int64, error) {
	if _, err := data.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	out, err := os.CreateTemp(dir, ".file-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(out.Name())
	bw := bufio.NewWriterSize(out, 1<<20)
	fmt.Fprintf(bw, "%s %d\n", magic, len(msg))
	bw.Write(msg)
	_, err = io.Copy(bw, data)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	fi, err := os.Stat(out.Name())
	if err != nil {
		return 0, err
	}
	if err := os.Rename(out.Name(), filepath.Join(dir, name)); err != nil {
		return 0, err
	}
	return fi.Size(), syncDir(dir)
}

// writeAtomic writes dir/name with b through a synced temporary file.
func writeAtomic(dir, name string, b []byte) error {
	out, err := os.CreateTemp(dir, ".file-*")
	if err != nil {
		return err
	}
	defer os.Remove(out.Name())
	_, err = out.Write(b)
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(out.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err // EINVAL: this file system cannot sync a directory
	}
	return nil
}

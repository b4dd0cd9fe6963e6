package mirror

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/polex-org/polex/internal/errs"
)

// Names of the files of a mirror directory.
const (
	SnapshotFile = "snapshot.pxm"
	PubFile      = "mirror.pub"
	OutboxFile   = "outbox.jsonl"
	UploadedFile = "uploaded.jsonl"
)

// deltaFile returns the name of delta seq.
func deltaFile(seq int) string { return fmt.Sprintf("delta-%06d.pxm", seq) }

const (
	magic      = "polex-mirror"
	noteHeader = "polex-mirror v1"
	saltLen    = 32
	indexEntry = 5
)

// header is the signed text of a file.
type header struct {
	Delta    bool
	Sequence int
	Created  time.Time
	Post     string // username
	Country  string // the post's country
	Salt     []byte // snapshot only; deltas inherit the chain's
	Prev     [32]byte
	Data     [32]byte
	Size     int64
	Records  int
	Keys     int
	Removes  int
}

func (h header) text() string {
	var b strings.Builder
	b.WriteString(noteHeader + "\n")
	kind, prev, salt := "snapshot", "-", hex.EncodeToString(h.Salt)
	if h.Delta {
		kind, prev, salt = "delta", hex.EncodeToString(h.Prev[:]), "-"
	}
	fmt.Fprintf(&b, "%s %d\n", kind, h.Sequence)
	fmt.Fprintf(&b, "created %s\n", h.Created.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(&b, "post %s %s\n", h.Post, h.Country)
	fmt.Fprintf(&b, "salt %s\n", salt)
	fmt.Fprintf(&b, "prev %s\n", prev)
	fmt.Fprintf(&b, "data %s %d\n", hex.EncodeToString(h.Data[:]), h.Size)
	fmt.Fprintf(&b, "records %d keys %d removes %d\n", h.Records, h.Keys, h.Removes)
	return b.String()
}

func parseHeader(text string) (header, error) {
	var h header
	bad := fmt.Errorf("malformed header")
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 8 || lines[0] != noteHeader {
		return h, bad
	}
	var kind, created, salt, prev, data string
	if _, err := fmt.Sscanf(lines[1], "%s %d", &kind, &h.Sequence); err != nil || kind != "snapshot" && kind != "delta" {
		return h, bad
	}
	h.Delta = kind == "delta"
	if _, err := fmt.Sscanf(lines[2], "created %s", &created); err != nil {
		return h, bad
	}
	t, err := time.Parse(time.RFC3339Nano, created)
	if err != nil {
		return h, bad
	}
	h.Created = t
	f := strings.Fields(lines[3])
	if len(f) != 3 || f[0] != "post" {
		return h, bad
	}
	h.Post, h.Country = f[1], f[2]
	if _, err := fmt.Sscanf(lines[4], "salt %s", &salt); err != nil {
		return h, bad
	}
	if _, err := fmt.Sscanf(lines[5], "prev %s", &prev); err != nil {
		return h, bad
	}
	if _, err := fmt.Sscanf(lines[6], "data %s %d", &data, &h.Size); err != nil {
		return h, bad
	}
	if _, err := fmt.Sscanf(lines[7], "records %d keys %d removes %d", &h.Records, &h.Keys, &h.Removes); err != nil {
		return h, bad
	}
	if h.Delta {
		if salt != "-" || !hex32(prev, &h.Prev) || h.Sequence < 1 {
			return h, bad
		}
	} else {
		s, err := hex.DecodeString(salt)
		if err != nil || len(s) != saltLen || prev != "-" || h.Sequence != 0 || h.Removes != 0 {
			return h, bad
		}
		h.Salt = s
	}
	if !hex32(data, &h.Data) || h.Size < 0 || h.Records < 0 || h.Keys < 0 || h.Removes < 0 {
		return h, bad
	}
	return h, nil
}

func hex32(s string, out *[32]byte) bool {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return false
	}
	copy(out[:], b)
	return true
}

// file is one verified file of a mirror, in memory.
type file struct {
	name    string
	h       header
	digest  [32]byte // SHA-256 of the signed note: what the next delta names
	data    []byte
	records []byte // the records section of data
	index   []byte // the index section
	removes []string
}

// readFile reads and verifies one file: its signature by v, its data's
// digest and size, and the layout of its sections. It returns an
// errs.Invalid error saying what failed.
func readFile(dir, name string, v note.Verifier) (*file, error) {
	const op = "mirror.Open"
	refuse := func(what string) error {
		return errs.E(op, errs.Invalid, fmt.Sprintf("refused: %s %s", name, what))
	}
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return nil, errs.E(op, errs.Invalid, fmt.Sprintf("cannot read %s", name), err)
	}
	first, rest, ok := bytes.Cut(b, []byte("\n"))
	n, err := strconv.Atoi(strings.TrimPrefix(string(first), magic+" "))
	if !ok || !bytes.HasPrefix(first, []byte(magic+" ")) || err != nil || n <= 0 || n > len(rest) {
		return nil, refuse("is not a mirror file")
	}
	msg := rest[:n]
	nt, err := note.Open(msg, note.VerifierList(v))
	if err != nil || !canonicalSigs(msg, nt) {
		return nil, refuse("has no valid signature by the mirror key " + v.Name())
	}
	h, err := parseHeader(nt.Text)
	if err != nil {
		return nil, refuse("has a malformed header")
	}
	data := rest[n:]
	if int64(len(data)) != h.Size || sha256.Sum256(data) != h.Data {
		return nil, refuse("data does not match its signed digest")
	}
	f := &file{name: name, h: h, digest: sha256.Sum256(msg), data: data}
	if err := f.split(); err != nil {
		return nil, refuse("data is malformed: " + err.Error())
	}
	return f, nil
}

// split finds the sections of f's data and checks their layout.
func (f *file) split() error {
	off := 0
	for i := 0; i < f.h.Records; i++ {
		next, err := skipRecord(f.data, off)
		if err != nil {
			return err
		}
		off = next
	}
	f.records = f.data[:off]
	end := off + f.h.Keys*indexEntry
	if end > len(f.data) {
		return fmt.Errorf("index cut short")
	}
	f.index = f.data[off:end]
	for i := 0; i < f.h.Keys; i++ {
		e := f.index[i*indexEntry:]
		at := int(binary.BigEndian.Uint32(e))
		if at >= off || int(e[4]) >= int(f.data[at]) {
			return fmt.Errorf("index entry %d points nowhere", i)
		}
	}
	rest := f.data[end:]
	for i := 0; i < f.h.Removes; i++ {
		s, n := binary.Uvarint(rest)
		if n <= 0 || s > uint64(len(rest)-n) {
			return fmt.Errorf("removes cut short")
		}
		f.removes = append(f.removes, string(rest[n:n+int(s)]))
		rest = rest[n+int(s):]
	}
	if len(rest) != 0 {
		return fmt.Errorf("%d bytes after the last section", len(rest))
	}
	return nil
}

// entry is a decoded record.
type entry struct {
	keys [][16]byte
	Hit
}

// encodeRecord appends the stored form of a record to b.
func encodeRecord(b []byte, keys [][16]byte, h Hit) []byte {
	b = append(b, byte(len(keys)))
	for _, k := range keys {
		b = append(b, k[:]...)
	}
	kind := byte('d')
	if h.Kind == KindVehicle {
		kind = 'v'
	}
	b = append(b, kind)
	for _, s := range []string{h.RecordID, h.Owner, h.Ref, h.Status} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// skipRecord checks the layout of the record at off in data and returns
// the offset after it, without allocating.
func skipRecord(data []byte, off int) (int, error) {
	start := off
	short := func() (int, error) { return 0, fmt.Errorf("record at %d cut short", start) }
	if off >= len(data) {
		return short()
	}
	nk := int(data[off])
	off += 1 + nk*16
	if nk == 0 || nk > 4 || off >= len(data) || data[off] != 'd' && data[off] != 'v' {
		return short()
	}
	off++
	for i := 0; i < 4; i++ {
		n, w := binary.Uvarint(data[off:])
		if w <= 0 || n > uint64(len(data)-off-w) || i == 0 && n == 0 {
			return short()
		}
		off += w + int(n)
	}
	return off, nil
}

// decodeRecord decodes the record at off in data and returns it and the
// offset after it.
func decodeRecord(data []byte, off int) (entry, int, error) {
	var r entry
	start := off
	short := func() (entry, int, error) { return entry{}, 0, fmt.Errorf("record at %d cut short", start) }
	if off < 0 || off >= len(data) {
		return short()
	}
	nk := int(data[off])
	off++
	if nk == 0 || nk > 4 || off+nk*16+1 > len(data) {
		return short()
	}
	r.keys = make([][16]byte, nk)
	for i := range r.keys {
		copy(r.keys[i][:], data[off:])
		off += 16
	}
	switch data[off] {
	case 'd':
		r.Kind = KindDocument
	case 'v':
		r.Kind = KindVehicle
	default:
		return r, 0, fmt.Errorf("record at %d has an unknown kind", off)
	}
	off++
	for _, p := range []*string{&r.RecordID, &r.Owner, &r.Ref, &r.Status} {
		n, w := binary.Uvarint(data[off:])
		if w <= 0 || n > uint64(len(data)-off-w) {
			return short()
		}
		off += w
		*p = string(data[off : off+int(n)])
		off += int(n)
	}
	if r.RecordID == "" {
		return r, 0, fmt.Errorf("record at %d has no ID", off)
	}
	return r, off, nil
}

// lookup returns the records of f whose key slot holds k.
func (f *file) lookup(k [16]byte) []entry {
	n := len(f.index) / indexEntry
	key := func(i int) []byte {
		e := f.index[i*indexEntry:]
		off := int(binary.BigEndian.Uint32(e)) + 1 + int(e[4])*16
		return f.data[off : off+16]
	}
	lo, hi := 0, n
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bytes.Compare(key(m), k[:]) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	var out []entry
	for i := lo; i < n && bytes.Equal(key(i), k[:]); i++ {
		r, _, err := decodeRecord(f.data, int(binary.BigEndian.Uint32(f.index[i*indexEntry:])))
		if err == nil { // split checked every entry
			out = append(out, r)
		}
	}
	return out
}

// each calls fn with every record of f, in file order.
func (f *file) each(fn func(r entry, raw []byte) error) error {
	off := 0
	for off < len(f.records) {
		r, next, err := decodeRecord(f.records, off)
		if err != nil {
			return err
		}
		if err := fn(r, f.records[off:next]); err != nil {
			return err
		}
		off = next
	}
	return nil
}

// canonicalSigs reports whether msg is exactly its text and the canonical
// encoding of its verified signatures. note.Open decodes signatures with
// lenient base64, which accepts other spellings of the same bytes (a
// changed padding bit); a mirror file must be byte for byte what was
// signed.
func canonicalSigs(msg []byte, n *note.Note) bool {
	var b bytes.Buffer
	b.WriteString(n.Text)
	b.WriteString("\n")
	for _, sig := range n.Sigs {
		raw, err := base64.StdEncoding.Strict().DecodeString(sig.Base64)
		if err != nil || base64.StdEncoding.EncodeToString(raw) != sig.Base64 {
			return false
		}
		fmt.Fprintf(&b, "\u2014 %s %s\n", sig.Name, sig.Base64)
	}
	return bytes.Equal(b.Bytes(), msg)
}

package audit

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/polex-org/polex/internal/errs"
)

// A Journal is a file in which a Log makes its entries durable before they
// are in its Store (Options.Journal): the Log appends a batch of entries to
// the file and flushes it (a small write, on a file whose size does not
// change), acknowledges the batch, and moves the journaled entries into the
// Store in large transactions a little later, numbering them then. A store
// commit of a few entries writes every page its indexes touch; a batch of a
// thousand writes each page once.
//
// The file is a header (JournalHeaderSize bytes: a magic line, the lap's
// random generation and a checksum) and records: the length of the payload
// and a CRC-32C of the generation and the payload, each 4 bytes, then the
// payload, the entry's leaf (Entry.AppendLeaf) with seq 0. Reading stops at
// the first record that does not check, which is where writing stopped:
// records are written in order and a batch is acknowledged only once the
// file is flushed. Once every record of a lap is in the Store, durably,
// with the Store's mark of it (JournalMark), the Log rewinds the file: a
// new generation in the header, and the old lap's records, which no
// longer check, are overwritten. Extend writes zeros ahead of the records,
// up to JournalLap, so that appending does not change the file's size
// (a flush then writes no metadata: 110 µs against 210 µs here).
//
// Write only encodes records in memory; Sync writes them. It writes whole
// blocks (journalBlock): the last block of the records so far, padded with
// zeros, is written again, unchanged where it was written before, by the
// next Sync. Where the file system allows, the writes are direct and
// synchronous, one system call a flush.
//
// One process at a time holds a journal (an exclusive flock); NewLog's
// Store, shared by other processes, numbers entries when they are stored,
// so the order of the tree is the order of storing, not of appending.
type Journal struct {
	f     *os.File // opened, read and locked; written when direct is nil
	path  string
	found []Entry

	// direct is the file opened again for direct, synchronous writes
	// (O_DIRECT|O_DSYNC on Linux): a flush is one write of whole blocks
	// that returns once they are on the disk, 80 µs here against 130 µs
	// for a write to the page cache and fdatasync, and half their CPU
	// time (dd, 4 KB at a time, with oflag=direct,dsync against dsync).
	// It is nil where the file system refuses it; the journal then writes
	// through f and flushes with fdatasync. directFile is what Close
	// closes.
	direct     atomic.Pointer[os.File]
	directFile *os.File

	// flushMu orders the writes to the file (flush, Rewind, Close) and
	// guards wbuf.
	flushMu sync.Mutex
	wbuf    []byte // block-aligned buffer of the flush

	mu        sync.Mutex // guards the fields below and orders Write
	gen       uint64
	off       int64  // where the next record goes
	synced    int64  // the end of the records on the disk
	count     int64  // records of this lap
	size      int64  // the file's size
	tail      []byte // the lap's bytes from the start of synced's block to off
	extending int64  // the offset Extend is writing zeros at, 0 when none
	extended  *sync.Cond
	closed    bool
}

// JournalMark says how far a Store has taken in a Journal: the first Count
// records of the lap with generation Gen.
type JournalMark struct {
	Gen   uint64
	Count int64
}

const (
	journalMagic = "polex audit journal 1\n"
	// JournalHeaderSize is the size of a journal's header; records follow.
	JournalHeaderSize = 4096
	// JournalLap is the size up to which a journal is extended ahead of
	// its records, and the offset past which the Log rewinds it once its
	// records are stored.
	JournalLap = 64 << 20
	// journalStep is what Extend writes at a time, and the size of a new
	// journal's first records area.
	journalStep = 1 << 20
	// maxJournalRecord bounds a record's payload when reading: an entry is
	// far smaller (see Entry.Validate).
	maxJournalRecord = 1 << 20
	// journalBlock is the unit of the journal's writes: direct I/O
	// writes whole blocks at block offsets from block-aligned memory.
	journalBlock = 4096
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// OpenJournal opens the journal at path, creating it when missing, takes
// its lock (a Conflict error when another process holds it) and reads the
// records of its current lap (Found).
func OpenJournal(path string) (*Journal, error) {
	const op = "audit.OpenJournal"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, errs.E(op, errs.Internal, "cannot open the audit journal "+path, err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, errs.E(op, errs.Conflict, "the audit journal "+path+" is in use by another process", err)
	}
	j := &Journal{f: f, path: path}
	j.extended = sync.NewCond(&j.mu)
	if err := j.open(); err != nil {
		f.Close()
		return nil, err
	}
	if d := openDirect(path); d != nil {
		j.directFile = d
		j.direct.Store(d)
	}
	return j, nil
}

func (j *Journal) open() error {
	st, err := j.f.Stat()
	if err != nil {
		return errs.E("audit.OpenJournal", errs.Internal, err)
	}
	if st.Size() == 0 {
		return j.create()
	}
	j.size = st.Size()
	hdr := make([]byte, JournalHeaderSize)
	if _, err := io.ReadFull(io.NewSectionReader(j.f, 0, JournalHeaderSize), hdr); err != nil {
		return errs.E("audit.OpenJournal", errs.Internal, fmt.Sprintf("%s is no audit journal: its header is cut short", j.path), err)
	}
	n := len(journalMagic)
	if string(hdr[:n]) != journalMagic || crc32.Checksum(hdr[:n+8], castagnoli) != binary.LittleEndian.Uint32(hdr[n+8:]) {
		return errs.E("audit.OpenJournal", errs.Internal, fmt.Sprintf("%s is no audit journal or its header is damaged", j.path))
	}
	j.gen = binary.LittleEndian.Uint64(hdr[n:])
	return j.read(st.Size())
}

// create writes a new journal: a header and journalStep of zeros, flushed
// with its directory.
func (j *Journal) create() error {
	if _, err := j.f.WriteAt(make([]byte, JournalHeaderSize+journalStep), 0); err != nil {
		return errs.E("audit.OpenJournal", errs.Internal, "cannot write the audit journal", err)
	}
	j.size = JournalHeaderSize + journalStep
	if err := j.Rewind(); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(j.path))
	if err != nil {
		return errs.E("audit.OpenJournal", errs.Internal, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return errs.E("audit.OpenJournal", errs.Internal, "cannot flush the audit journal's directory", err)
	}
	return nil
}

// read reads the records of the current lap into found, and the bytes
// before the next record in its block into tail: the next flush writes
// that block again.
func (j *Journal) read(size int64) error {
	if err := j.readRecords(size); err != nil {
		return err
	}
	j.synced = j.off
	at := alignDown(j.off)
	j.tail = make([]byte, j.off-at)
	if _, err := j.f.ReadAt(j.tail, at); err != nil {
		return errs.E("audit.OpenJournal", errs.Internal, fmt.Sprintf("cannot read %s", j.path), err)
	}
	return nil
}

func (j *Journal) readRecords(size int64) error {
	r := bufio.NewReaderSize(io.NewSectionReader(j.f, JournalHeaderSize, size-JournalHeaderSize), 1<<20)
	j.off, j.count, j.found = JournalHeaderSize, 0, nil
	var head [8]byte
	var payload []byte
	for {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return nil
		}
		n := binary.LittleEndian.Uint32(head[:])
		if n == 0 || n > maxJournalRecord {
			return nil
		}
		payload = append(payload[:0], make([]byte, n)...)
		if _, err := io.ReadFull(r, payload); err != nil {
			return nil
		}
		if j.checksum(payload) != binary.LittleEndian.Uint32(head[4:]) {
			return nil
		}
		e, err := ParseLeaf(payload)
		if err != nil {
			return errs.E("audit.OpenJournal", errs.Internal, fmt.Sprintf("%s: record %d checks but does not parse", j.path, j.count), err)
		}
		j.found = append(j.found, e)
		j.off += int64(len(head) + len(payload))
		j.count++
	}
}

func (j *Journal) checksum(payload []byte) uint32 {
	var g [8]byte
	binary.LittleEndian.PutUint64(g[:], j.gen)
	return crc32.Update(crc32.Checksum(g[:], castagnoli), castagnoli, payload)
}

// Found returns the entries of the lap that OpenJournal found, in order.
func (j *Journal) Found() []Entry { return j.found }

// Gen returns the current lap's generation.
func (j *Journal) Gen() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.gen
}

// Offset returns the offset of the next record.
func (j *Journal) Offset() int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.off
}

// Extend writes zeros after the file's end, journalStep at a time, until
// it reaches ahead bytes past the next record or JournalLap, and flushes
// them. Records flushed past the end grow the file, so Extend is only a
// matter of speed. It does not hold up flushes: only one that would
// write into the step being written waits for it.
func (j *Journal) Extend(ahead int64) error {
	const op = "audit.Journal.Extend"
	var zeros []byte
	for {
		j.mu.Lock()
		start := alignUp(max(j.size, j.off))
		if j.closed || start >= JournalLap || start >= j.off+ahead {
			j.mu.Unlock()
			return nil
		}
		j.extending = start
		j.mu.Unlock()
		if zeros == nil {
			zeros = alignedBuffer(journalStep)
		}
		err := j.writeAt(zeros, start)
		j.mu.Lock()
		j.extending = 0
		if err == nil {
			j.size = max(j.size, start+journalStep)
		}
		j.extended.Broadcast()
		j.mu.Unlock()
		if err != nil {
			return errs.E(op, errs.Unavailable, "cannot extend the audit journal", err)
		}
	}
}

// Write appends es as the next records, in memory: they reach the file at
// the next Sync (or Close).
func (j *Journal) Write(es []Entry) error {
	const op = "audit.Journal.Write"
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return errs.E(op, errs.Unavailable, "the audit journal is closed")
	}
	b := j.tail
	for _, e := range es {
		e.Seq = 0
		start := len(b)
		b = append(b, make([]byte, 8)...)
		b = e.AppendLeaf(b)
		payload := b[start+8:]
		binary.LittleEndian.PutUint32(b[start:], uint32(len(payload)))
		binary.LittleEndian.PutUint32(b[start+4:], j.checksum(payload))
	}
	j.off += int64(len(b) - len(j.tail))
	j.count += int64(len(es))
	j.tail = b
	return nil
}

// Sync writes the records written so far to the file and flushes them to
// the disk. A failed Sync is tried again by the next: the records stay
// in memory until a Sync succeeds.
func (j *Journal) Sync() error {
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	if err := j.flush(); err != nil {
		return errs.E("audit.Journal.Sync", errs.Unavailable, "cannot flush the audit journal", err)
	}
	return nil
}

// flush writes the blocks from the one holding synced to off, the last
// one padded with zeros (which read as the end of the lap), and keeps the
// bytes of that last block for the next flush. A write that tears leaves
// the bytes already flushed as they were: they are written again
// unchanged. The caller holds flushMu.
func (j *Journal) flush() error {
	j.mu.Lock()
	at, end := alignDown(j.synced), j.off
	if end == j.synced || j.closed {
		j.mu.Unlock()
		return nil
	}
	n := alignUp(end - at)
	for j.extending != 0 && at+n > j.extending {
		j.extended.Wait()
	}
	if int64(cap(j.wbuf)) < n {
		j.wbuf = alignedBuffer(max(n, 2*int64(cap(j.wbuf))))
	}
	w := j.wbuf[:n]
	clear(w[copy(w, j.tail):])
	j.mu.Unlock()
	if err := j.writeAt(w, at); err != nil {
		return err
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.size = max(j.size, at+n)
	j.synced = end
	if keep := alignDown(end); keep > at {
		j.tail = append(j.tail[:0], j.tail[keep-at:]...)
	}
	return nil
}

// writeAt writes b at off durably: one direct, synchronous write, or a
// write through the page cache and fdatasync. A file system that refuses
// the direct write (EINVAL) has the journal write through the page cache
// from then on.
func (j *Journal) writeAt(b []byte, off int64) error {
	if d := j.direct.Load(); d != nil {
		_, err := d.WriteAt(b, off)
		if !errors.Is(err, syscall.EINVAL) {
			return err
		}
		j.direct.Store(nil)
	}
	if _, err := j.f.WriteAt(b, off); err != nil {
		return err
	}
	return datasync(j.f)
}

// Rewind starts a new lap: a new generation in the header, flushed, and
// the next record at the start. The caller must have every record of the
// lap stored durably first, with its JournalMark.
func (j *Journal) Rewind() error {
	const op = "audit.Journal.Rewind"
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	if err := j.flush(); err != nil {
		return errs.E(op, errs.Unavailable, "cannot flush the audit journal", err)
	}
	var g [8]byte
	if _, err := rand.Read(g[:]); err != nil {
		return errs.E(op, errs.Internal, err)
	}
	gen := binary.LittleEndian.Uint64(g[:])
	n := len(journalMagic)
	hdr := alignedBuffer(JournalHeaderSize)
	copy(hdr, journalMagic)
	binary.LittleEndian.PutUint64(hdr[n:], gen)
	binary.LittleEndian.PutUint32(hdr[n+8:], crc32.Checksum(hdr[:n+8], castagnoli))
	// Once the write begins, the header on disk may hold either
	// generation: records go with the new one, and a failed write is
	// reported.
	j.mu.Lock()
	j.gen, j.off, j.count, j.found = gen, JournalHeaderSize, 0, nil
	j.tail, j.synced = j.tail[:0], JournalHeaderSize
	j.mu.Unlock()
	if err := j.writeAt(hdr, 0); err != nil {
		return errs.E(op, errs.Unavailable, "cannot write the audit journal", err)
	}
	return nil
}

// Close writes and flushes the records not yet flushed, closes the file
// and releases its lock.
func (j *Journal) Close() error {
	j.flushMu.Lock()
	defer j.flushMu.Unlock()
	j.mu.Lock()
	closed := j.closed
	j.mu.Unlock()
	if closed {
		return nil
	}
	err := j.flush()
	j.mu.Lock()
	j.closed = true
	j.mu.Unlock()
	if j.directFile != nil {
		j.directFile.Close()
	}
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// alignDown rounds n down to a multiple of journalBlock.
func alignDown(n int64) int64 { return n / journalBlock * journalBlock }

// alignUp rounds n up to a multiple of journalBlock.
func alignUp(n int64) int64 { return (n + journalBlock - 1) / journalBlock * journalBlock }

// alignedBuffer returns n zero bytes (a multiple of journalBlock) whose
// address is a multiple of journalBlock, as direct I/O needs.
func alignedBuffer(n int64) []byte {
	b := make([]byte, n+journalBlock)
	skip := int((journalBlock - uintptr(unsafe.Pointer(&b[0]))%journalBlock) % journalBlock)
	return b[skip : skip+int(n) : skip+int(n)]
}

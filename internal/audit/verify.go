package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/errs"
)

// ProblemKind says how the stored log fails to match.
type ProblemKind string

// The kinds of Problem.
const (
	// EntryMissing: no entry is stored with this Seq, although later
	// entries or a checkpoint say there should be.
	EntryMissing ProblemKind = "entry_missing"
	// EntryChanged: the entry's columns do not hash to its stored leaf hash.
	EntryChanged ProblemKind = "entry_changed"
	// HashChanged: a stored interior hash differs from the one recomputed
	// from the entries (or its column has the wrong length).
	HashChanged ProblemKind = "hash_changed"
	// CheckpointSignature: a checkpoint is not validly signed by the key.
	CheckpointSignature ProblemKind = "checkpoint_signature"
	// CheckpointChanged: a checkpoint's columns differ from its signed
	// note, or the note is malformed.
	CheckpointChanged ProblemKind = "checkpoint_changed"
	// CheckpointRoot: a validly signed checkpoint's root differs from the
	// root recomputed from the entries: some entry in [From, To) was
	// rewritten together with its stored hashes.
	CheckpointRoot ProblemKind = "checkpoint_root"
)

// Problem is the first mismatch Verify finds.
type Problem struct {
	Kind       ProblemKind `json:"kind"`
	Seq        int64       `json:"seq"`        // the entry at fault, or -1 when not known (the fault lies in a checkpoint or a range of entries)
	From       int64       `json:"from"`       // the fault lies in entries From..To-1
	To         int64       `json:"to"`         //
	Checkpoint int64       `json:"checkpoint"` // the size of the checkpoint at fault, or -1
	Msg        string      `json:"msg"`
}

// String describes p for people.
func (p *Problem) String() string {
	if p.Checkpoint < 0 || p.Kind == EntryMissing {
		return fmt.Sprintf("entry %d: %s", p.Seq, p.Msg)
	}
	return fmt.Sprintf("checkpoint of size %d: %s", p.Checkpoint, p.Msg)
}

// Report is the result of Verify.
type Report struct {
	Entries     int64     `json:"entries"`     // entries checked and found to match
	Root        tlog.Hash `json:"root"`        // the tree hash of all entries, when OK
	Checkpoints int64     `json:"checkpoints"` // checkpoints checked and found to match
	Signed      int64     `json:"signed"`      // the size of the latest matching checkpoint
	Problem     *Problem  `json:"problem"`     // the first mismatch; nil when everything matches
}

// OK reports whether the log matched throughout.
func (r Report) OK() bool { return r.Problem == nil }

// verifyPage is how many entries or checkpoints Verify reads at once.
const verifyPage = 1000

// Verify reads every entry and checkpoint of the log in s, recomputes every
// leaf from the entry's columns and every stored hash from the leaves,
// compares them with the stored ones, checks each checkpoint's signature by
// v and that its root is the root recomputed at its size, and stops at the
// first mismatch, which Report.Problem names. Memory stays bounded: it
// keeps only the tree's frontier and one page of rows. progress, when not
// nil, is called with the number of entries checked so far after each page.
// Entries appended while it runs are checked up to the size read at the
// start. It returns an error only when the store cannot be read.
func Verify(ctx context.Context, s Store, v note.Verifier, progress func(n int64)) (Report, error) {
	const op = "audit.Verify"
	size, err := s.AuditSize(ctx)
	if err != nil {
		return Report{}, errs.E(op, err)
	}
	vr := &verifier{ctx: ctx, s: s, v: v, f: &frontier{}, after: -1}
	rep := &vr.rep
	if p, err := vr.checkpointsAt(); p != nil || err != nil {
		rep.Problem = p
		return *rep, err
	}
	buf := make([]byte, 0, 64*tlog.HashSize)
	for n := int64(0); n < size; {
		recs, err := s.AuditRecords(ctx, n, int(min(verifyPage, size-n)))
		if err != nil {
			return *rep, errs.E(op, err)
		}
		if len(recs) == 0 {
			rep.Problem = &Problem{Kind: EntryMissing, Seq: n, From: n, To: n + 1, Checkpoint: -1,
				Msg: fmt.Sprintf("missing: the log's size is %d but no entry is stored from here on", size)}
			return *rep, nil
		}
		for _, r := range recs {
			if r.Entry.Seq != n {
				rep.Problem = &Problem{Kind: EntryMissing, Seq: n, From: n, To: n + 1, Checkpoint: -1,
					Msg: fmt.Sprintf("missing: the next stored entry is %d", r.Entry.Seq)}
				return *rep, nil
			}
			leaf := r.Entry.LeafHash()
			if len(r.Hashes) < tlog.HashSize || !bytes.Equal(r.Hashes[:tlog.HashSize], leaf[:]) {
				rep.Problem = &Problem{Kind: EntryChanged, Seq: n, From: n, To: n + 1, Checkpoint: -1,
					Msg: "changed: its columns do not match its stored leaf hash"}
				return *rep, nil
			}
			buf = vr.f.add(leaf, buf[:0])
			if !bytes.Equal(buf, r.Hashes) {
				rep.Problem = hashProblem(n, buf, r.Hashes)
				return *rep, nil
			}
			n++
			rep.Entries = n
			if p, err := vr.checkpointsAt(); p != nil || err != nil {
				rep.Problem = p
				return *rep, err
			}
		}
		if progress != nil {
			progress(n)
		}
	}
	rep.Root = vr.f.root()
	// A checkpoint beyond the size read at the start is either newer than
	// that, or a sign that entries were removed.
	c, err := vr.next()
	if err != nil || c == nil {
		return *rep, err
	}
	now, err := s.AuditSize(ctx)
	if err != nil {
		return *rep, errs.E(op, err)
	}
	if c.Size <= now { // appended meanwhile: the latest checkpoint may still be beyond
		last, err := s.AuditCheckpoint(ctx, Latest)
		if err != nil {
			return *rep, errs.E(op, err)
		}
		c = &last
	}
	if c.Size > now {
		if rep.Problem = vr.checkNote(c); rep.Problem == nil {
			rep.Problem = &Problem{Kind: EntryMissing, Seq: now, From: now, To: c.Size, Checkpoint: c.Size,
				Msg: fmt.Sprintf("missing: the log holds %d entries but a checkpoint covers %d", now, c.Size)}
		}
	}
	return *rep, nil
}

// hashProblem describes the first difference between the hashes computed
// for entry n and those stored.
func hashProblem(n int64, want, got []byte) *Problem {
	if len(want) != len(got) {
		return &Problem{Kind: HashChanged, Seq: n, From: n, To: n + 1, Checkpoint: -1,
			Msg: fmt.Sprintf("changed: %d bytes of stored hashes, want %d", len(got), len(want))}
	}
	level := 0
	for bytes.Equal(want[level*tlog.HashSize:(level+1)*tlog.HashSize], got[level*tlog.HashSize:(level+1)*tlog.HashSize]) {
		level++
	}
	from := n + 1 - 1<<uint(level)
	return &Problem{Kind: HashChanged, Seq: n, From: from, To: n + 1, Checkpoint: -1,
		Msg: fmt.Sprintf("changed: its stored hash of level %d (over entries %d to %d) does not match", level, from, n)}
}

// verifier holds Verify's state: the recomputed tree and the checkpoints
// not yet checked.
type verifier struct {
	ctx   context.Context
	s     Store
	v     note.Verifier
	f     *frontier
	rep   Report
	cps   []Checkpoint // fetched, not yet checked, by size
	after int64        // the size of the last checkpoint fetched
	done  bool         // no more checkpoints to fetch
}

// next returns the next checkpoint to check, or nil.
func (vr *verifier) next() (*Checkpoint, error) {
	if len(vr.cps) == 0 && !vr.done {
		cps, err := vr.s.AuditCheckpoints(vr.ctx, vr.after, verifyPage)
		if err != nil {
			return nil, errs.E("audit.Verify", err)
		}
		vr.cps, vr.done = cps, len(cps) < verifyPage
		if len(cps) > 0 {
			vr.after = cps[len(cps)-1].Size
		}
	}
	if len(vr.cps) == 0 {
		return nil, nil
	}
	return &vr.cps[0], nil
}

// checkpointsAt checks the checkpoints of the tree's current size.
func (vr *verifier) checkpointsAt() (*Problem, error) {
	for {
		c, err := vr.next()
		if err != nil || c == nil || c.Size > vr.f.size {
			return nil, err
		}
		vr.cps = vr.cps[1:]
		if p := vr.checkNote(c); p != nil {
			return p, nil
		}
		if c.Size < vr.f.size {
			// Only a checkpoint of size 0 can be behind; anything else is a bug.
			return nil, errs.E("audit.Verify", errs.Internal, fmt.Sprintf("checkpoint %d skipped", c.Size))
		}
		if c.Root != vr.f.root() {
			p := vr.problem(c, CheckpointRoot, fmt.Sprintf("its signed root differs from the entries' root: an entry from %d to %d was rewritten", vr.rep.Signed, c.Size-1))
			if p.To-p.From == 1 {
				p.Seq = p.From // only one entry can be at fault
				p.Msg = fmt.Sprintf("its signed root differs from the entries' root: entry %d was rewritten", p.Seq)
			}
			return p, nil
		}
		vr.rep.Checkpoints++
		vr.rep.Signed = c.Size
	}
}

// checkNote checks that c is validly signed and that its columns are those
// of its signed note.
func (vr *verifier) checkNote(c *Checkpoint) *Problem {
	got, err := OpenCheckpoint(c.Note, vr.v)
	switch {
	case errors.Is(err, ErrBadSignature):
		return vr.problem(c, CheckpointSignature, "not validly signed by the log's key")
	case err != nil:
		return vr.problem(c, CheckpointChanged, "malformed signed note: "+errs.Message(err))
	case got.Size != c.Size || got.Root != c.Root || !got.Time.Equal(c.Time):
		return vr.problem(c, CheckpointChanged, "changed: its columns differ from its signed note")
	}
	return nil
}

func (vr *verifier) problem(c *Checkpoint, kind ProblemKind, msg string) *Problem {
	return &Problem{Kind: kind, Seq: -1, From: vr.rep.Signed, To: c.Size, Checkpoint: c.Size, Msg: msg}
}

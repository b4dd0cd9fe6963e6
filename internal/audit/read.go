package audit

import (
	"context"
	"fmt"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/errs"
)

// Query returns the entries matching f (every entry journaled before the
// call first moved into the Store), ordered by Seq, at most f.Limit
// (default DefaultLimit, at most MaxLimit). It returns an Invalid error for
// a bad filter.
func (l *Log) Query(ctx context.Context, f Filter) ([]Entry, error) {
	f, err := f.Normalize()
	if err != nil {
		return nil, errs.E("audit.Query", err)
	}
	if err := l.drain(ctx); err != nil {
		return nil, errs.E("audit.Query", err)
	}
	es, err := l.store.AuditEntries(ctx, f)
	if err != nil {
		return nil, errs.E("audit.Query", err)
	}
	return es, nil
}

// Entry returns the entry numbered seq, or a NotFound error.
func (l *Log) Entry(ctx context.Context, seq int64) (Entry, error) {
	const op = "audit.Entry"
	if seq < 0 {
		return Entry{}, errs.E(op, errs.NotFound, "no such entry")
	}
	if err := l.drain(ctx); err != nil {
		return Entry{}, errs.E(op, err)
	}
	es, err := l.store.AuditEntries(ctx, Filter{Start: seq, Limit: 1})
	if err != nil {
		return Entry{}, errs.E(op, err)
	}
	if len(es) == 0 || es[0].Seq != seq {
		return Entry{}, errs.E(op, errs.NotFound, "no such entry")
	}
	return es[0], nil
}

// Size returns the number of entries committed (every entry journaled
// before the call first moved into the Store).
func (l *Log) Size(ctx context.Context) (int64, error) {
	if err := l.drain(ctx); err != nil {
		return 0, errs.E("audit.Size", err)
	}
	n, err := l.store.AuditSize(ctx)
	if err != nil {
		return 0, errs.E("audit.Size", err)
	}
	return n, nil
}

// LatestCheckpoint returns the newest signed checkpoint, or a NotFound error
// when none was signed yet.
func (l *Log) LatestCheckpoint(ctx context.Context) (Checkpoint, error) {
	c, err := l.store.AuditCheckpoint(ctx, Latest)
	if err != nil {
		return Checkpoint{}, errs.E("audit.LatestCheckpoint", err)
	}
	return c, nil
}

// Checkpoint returns the signed checkpoint of the given size, or a NotFound
// error when no checkpoint has that size.
func (l *Log) Checkpoint(ctx context.Context, size int64) (Checkpoint, error) {
	if size < 0 {
		return Checkpoint{}, errs.E("audit.Checkpoint", errs.NotFound, "no such checkpoint")
	}
	c, err := l.store.AuditCheckpoint(ctx, size)
	if err != nil {
		return Checkpoint{}, errs.E("audit.Checkpoint", err)
	}
	return c, nil
}

// InclusionProof returns the proof that entry seq is in the tree of the
// first treeSize entries; check it with tlog.CheckRecord(p, treeSize, root,
// seq, entry.LeafHash()). It returns an Invalid error unless
// 0 <= seq < treeSize <= Size.
func (l *Log) InclusionProof(ctx context.Context, seq, treeSize int64) (tlog.RecordProof, error) {
	const op = "audit.InclusionProof"
	if err := l.checkSizes(ctx, op, seq, treeSize, true); err != nil {
		return nil, err
	}
	p, err := tlog.ProveRecord(treeSize, seq, l.hashReader(ctx))
	if err != nil {
		return nil, errs.E(op, err)
	}
	return p, nil
}

// ConsistencyProof returns the proof that the tree of the first oldSize
// entries is a prefix of the tree of the first newSize; check it with
// tlog.CheckTree(p, newSize, newRoot, oldSize, oldRoot). It returns an
// Invalid error unless 0 < oldSize <= newSize <= Size.
func (l *Log) ConsistencyProof(ctx context.Context, oldSize, newSize int64) (tlog.TreeProof, error) {
	const op = "audit.ConsistencyProof"
	if err := l.checkSizes(ctx, op, oldSize, newSize, false); err != nil {
		return nil, err
	}
	p, err := tlog.ProveTree(newSize, oldSize, l.hashReader(ctx))
	if err != nil {
		return nil, errs.E(op, err)
	}
	return p, nil
}

// checkSizes checks 0 <= a < b (strict) or 0 < a <= b, and b <= Size.
func (l *Log) checkSizes(ctx context.Context, op string, a, b int64, strict bool) error {
	if strict && (a < 0 || a >= b) {
		return errs.Invalidf(op, "seq", "the entry must be in the tree")
	}
	if !strict && (a <= 0 || a > b) {
		return errs.Invalidf(op, "size", "the old size must be between 1 and the new size")
	}
	n, err := l.store.AuditSize(ctx)
	if err != nil {
		return errs.E(op, err)
	}
	if b > n {
		return errs.Invalidf(op, "size", "the log holds only %d entries", n)
	}
	return nil
}

// hashReader reads committed hashes from the store.
func (l *Log) hashReader(ctx context.Context) tlog.HashReader {
	return storeReader(ctx, l.store)
}

func storeReader(ctx context.Context, s Store) tlog.HashReader {
	return tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		hs, err := s.AuditHashes(ctx, idx)
		if err == nil && len(hs) != len(idx) {
			err = errs.E("audit.hashReader", errs.Internal, fmt.Sprintf("%d hashes for %d indexes", len(hs), len(idx)))
		}
		return hs, err
	})
}

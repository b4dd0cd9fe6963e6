package audit

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/errs"
)

// Options tune a Log. The zero value is usable.
type Options struct {
	// MaxBatch is the most entries written in one transaction; 0 means 4096.
	MaxBatch int
	// CheckpointInterval is how often at most a checkpoint is signed while
	// entries are appended; the last entries are covered by a checkpoint at
	// most this long after they were appended, and at Close. 0 means one
	// second; a negative value signs one with every batch.
	CheckpointInterval time.Duration
	// GroupWait is how long the writer waits for another entry before it
	// commits a batch, so that concurrent appenders share a commit: while
	// some Append call has not yet handed over its entry, each arrival
	// within GroupWait extends the wait, up to 8 GroupWaits in all. A lone
	// appender never waits. 0 means 100µs; a negative value never waits.
	GroupWait time.Duration
	// Now is the clock for entries without a time and for checkpoints.
	Now func() time.Time
	// Logger receives failures of background checkpoints; nil discards them.
	Logger *slog.Logger
}

// Log appends entries to a Store with group commit and answers auditors'
// queries and proof requests. Several Logs, in several processes, may share
// one Store.
type Log struct {
	store  Store
	signer note.Signer
	opts   Options

	reqs    chan *request
	quit    chan struct{} // closed by Close
	stopped chan struct{} // closed when run returns
	ctx     context.Context
	cancel  context.CancelFunc

	mu        sync.RWMutex // held for reading while sending to reqs
	closed    bool
	closeOnce sync.Once

	batches, entries, failures atomic.Int64
	arriving                   atomic.Int64 // Append calls that have not yet handed their entry to the writer

	acks  chan ack      // a committed batch for acknowledge, handed over once the previous one is durable
	acked chan struct{} // closed when acknowledge returns

	// Owned by run.
	cache    *frontier // the tree as this Log last committed it
	lastSign time.Time
	dirty    bool // entries appended since the last checkpoint
}

// ack is a committed batch whose Appends return once durable does.
type ack struct {
	reqs    []*request
	durable func() error
}

type request struct {
	e    Entry
	with any // written in the entry's transaction (AppendWith)
	seq  int64
	err  error
	done chan struct{}
}

// NewLog returns a Log writing to store and signing checkpoints with signer,
// and starts its writer; Close stops it.
func NewLog(store Store, signer note.Signer, opts Options) *Log {
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 4096
	}
	if opts.CheckpointInterval == 0 {
		opts.CheckpointInterval = time.Second
	}
	if opts.GroupWait == 0 {
		opts.GroupWait = 100 * time.Microsecond
	}
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Now().UTC() }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	l := &Log{
		store: store, signer: signer, opts: opts,
		reqs: make(chan *request, opts.MaxBatch), quit: make(chan struct{}), stopped: make(chan struct{}),
		ctx: ctx, cancel: cancel, acks: make(chan ack), acked: make(chan struct{}),
	}
	go l.run()
	go l.acknowledge()
	return l
}

// Append adds e to the log and returns its Seq once the transaction holding
// it has committed. A zero e.Time is set to now; e.Seq is ignored. It returns
// an Invalid error when e breaks the rules (see Entry.Validate), an
// Unavailable error when the log is closed, ctx ends first (the entry may
// still be stored then) or the database is down, and an Internal error
// when the database fails otherwise.
func (l *Log) Append(ctx context.Context, e Entry) (int64, error) {
	return l.append(ctx, e, nil)
}

// AppendWith appends e like Append and has the Store write with (a value
// of a type the Store knows, such as the hits of a check) in the same
// transaction: an action and its audit entry commit together, sharing the
// group commit's flush of the disk, and fail together; a failure of with
// fails the other entries of its batch too. with must not be nil.
func (l *Log) AppendWith(ctx context.Context, e Entry, with any) (int64, error) {
	if with == nil {
		return 0, errs.E("audit.AppendWith", errs.Internal, "nothing attached")
	}
	return l.append(ctx, e, with)
}

func (l *Log) append(ctx context.Context, e Entry, with any) (int64, error) {
	const op = "audit.Append"
	// Counted until the entry is handed over, not until the call returns:
	// calls whose batch is committed but that have not yet run again
	// made the writer wait for entries that would never come (up to 8
	// GroupWaits a batch, most of a check's latency at 4 in flight).
	l.arriving.Add(1)
	handed := false
	defer func() {
		if !handed {
			l.arriving.Add(-1)
		}
	}()
	if e.Time.IsZero() {
		e.Time = l.opts.Now()
	}
	e.Time = e.Time.UTC()
	e.Seq = 0
	if err := e.Validate(); err != nil {
		return 0, errs.E(op, err)
	}
	r := &request{e: e, with: with, done: make(chan struct{})}
	l.mu.RLock()
	if l.closed {
		l.mu.RUnlock()
		return 0, errs.E(op, errs.Unavailable, "the audit log is closed")
	}
	select {
	case l.reqs <- r:
		handed = true
		l.arriving.Add(-1)
		l.mu.RUnlock()
	case <-ctx.Done():
		l.mu.RUnlock()
		return 0, errs.E(op, errs.Unavailable, ctx.Err())
	}
	select {
	case <-r.done:
		if r.err != nil {
			return 0, errs.E(op, r.err)
		}
		return r.seq, nil
	case <-ctx.Done():
		return 0, errs.E(op, errs.Unavailable, ctx.Err())
	}
}

// Close stops accepting entries, writes those pending and a last checkpoint,
// and stops the writer. If ctx ends first, pending writes are abandoned (their
// Appends fail) and an Unavailable error is returned.
func (l *Log) Close(ctx context.Context) error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		close(l.quit)
	})
	select {
	case <-l.stopped:
		return nil
	case <-ctx.Done():
		l.cancel()
		<-l.stopped
		return errs.E("audit.Close", errs.Unavailable, ctx.Err())
	}
}

// run is the writer: it takes every pending entry (up to MaxBatch), writes
// them in one transaction, and wakes their Appends; entries that arrive
// meanwhile wait for the next transaction (group commit).
func (l *Log) run() {
	defer close(l.stopped)
	defer func() {
		close(l.acks)
		<-l.acked
	}()
	defer l.cancel()
	batch := make([]*request, 0, l.opts.MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		select {
		case r := <-l.reqs:
			batch = l.fill(append(batch[:0], r), linger)
			l.write(batch)
			clear(batch)
			if l.dirty {
				timer.Reset(l.opts.CheckpointInterval - l.opts.Now().Sub(l.lastSign))
			}
		case <-timer.C:
			if l.dirty {
				l.write(nil)
			}
			if l.dirty { // the checkpoint failed: try again later
				timer.Reset(max(l.opts.CheckpointInterval, time.Second))
			}
		case <-l.quit:
			// Close holds no more senders: drain what is left.
			for {
				batch = l.fill(batch[:0], nil)
				if len(batch) == 0 {
					break
				}
				l.write(batch)
				clear(batch)
			}
			if l.dirty {
				l.write(nil)
			}
			return
		}
	}
}

// fill appends pending requests to batch, up to MaxBatch: those waiting,
// then, while some Append call under way has not handed over its entry,
// those arriving less than GroupWait apart, for at most 8 GroupWaits.
func (l *Log) fill(batch []*request, linger *time.Timer) []*request {
	var deadline time.Time
	for len(batch) < l.opts.MaxBatch {
		select {
		case r := <-l.reqs:
			batch = append(batch, r)
			continue
		default:
		}
		if l.opts.GroupWait < 0 || linger == nil || l.arriving.Load() == 0 {
			return batch
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(8 * l.opts.GroupWait)
		}
		wait := min(l.opts.GroupWait, time.Until(deadline))
		if wait <= 0 {
			return batch
		}
		linger.Reset(wait)
		select {
		case r := <-l.reqs:
			linger.Stop()
			batch = append(batch, r)
		case <-linger.C:
			return batch
		}
	}
	return batch
}

// write stores the entries of batch in one transaction, with a checkpoint
// when one is due (always when batch is empty), and wakes their Appends.
func (l *Log) write(batch []*request) {
	now := l.opts.Now().UTC()
	sign := len(batch) == 0 || l.opts.CheckpointInterval < 0 || now.Sub(l.lastSign) >= l.opts.CheckpointInterval
	var (
		first int64
		next  *frontier
	)
	guess := int64(-1)
	if l.cache != nil {
		guess = l.cache.size
	}
	var attached []any
	for _, r := range batch {
		if r.with != nil {
			attached = append(attached, r.with)
		}
	}
	durable, err := l.store.AppendAudit(l.ctx, guess, len(attached) > 0, func(size int64, hr tlog.HashReader) (*Batch, error) {
		first = size
		var f *frontier
		if l.cache != nil && l.cache.size == size {
			f = l.cache.clone()
		} else {
			var err error
			if f, err = readFrontier(size, hr); err != nil {
				return nil, errs.E("audit.write", errs.Internal, "cannot read the tree", err)
			}
		}
		b := &Batch{Records: make([]Record, len(batch)), Attached: attached}
		var leaf []byte
		for i, r := range batch {
			e := r.e
			e.Seq = size + int64(i)
			leaf = e.AppendLeaf(leaf[:0])
			b.Records[i] = Record{Entry: e, Hashes: f.add(tlog.RecordHash(leaf), make([]byte, 0, tlog.HashSize*StoredHashCount(e.Seq)))}
		}
		if sign && f.size > 0 {
			c, err := SignCheckpoint(Checkpoint{Size: f.size, Root: f.root(), Time: now}, l.signer)
			if err != nil {
				return nil, err
			}
			b.Checkpoint = &c
		}
		next = f
		return b, nil
	})
	if err != nil {
		l.failures.Add(1)
		l.cache = nil
		if len(batch) == 0 {
			l.opts.Logger.Error("audit: cannot write checkpoint", "err", err)
		}
	} else {
		if len(batch) > 0 {
			l.batches.Add(1)
			l.entries.Add(int64(len(batch)))
		}
		l.cache = next
		if sign {
			l.lastSign = now
			l.dirty = false
		} else {
			l.dirty = true
		}
	}
	for i, r := range batch {
		r.seq, r.err = first+int64(i), err
	}
	if err == nil && durable != nil {
		l.acks <- ack{reqs: slices.Clone(batch), durable: durable}
		return
	}
	for _, r := range batch {
		close(r.done)
	}
}

// acknowledge wakes the Appends of committed batches, in order, once each
// batch is durable. The writer goes on with the next batch meanwhile: the
// flush of one batch overlaps the transaction of the next. acks is
// unbuffered, so the writer hands over a batch only once the previous
// flush is done and gathers the entries arriving meanwhile into its next
// batch: with a queue of committed batches it committed nearly every
// entry alone (1.2 entries a commit), and the commits' own work cut
// document checks from 7,000 to 1,800 a second.
func (l *Log) acknowledge() {
	defer close(l.acked)
	for a := range l.acks {
		if err := a.durable(); err != nil {
			l.failures.Add(1)
			for _, r := range a.reqs {
				r.err = err
			}
		}
		for _, r := range a.reqs {
			close(r.done)
		}
	}
}

// Stats counts a Log's work since NewLog.
type Stats struct {
	Batches  int64 // committed transactions that appended entries
	Entries  int64 // entries in them
	Failures int64 // transactions that failed (with or without entries)
}

// Stats returns the Log's counters.
func (l *Log) Stats() Stats {
	return Stats{Batches: l.batches.Load(), Entries: l.entries.Load(), Failures: l.failures.Load()}
}

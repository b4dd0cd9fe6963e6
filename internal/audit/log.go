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
	// most this long after they were stored, and at Close. 0 means one
	// second; a negative value signs one with every batch.
	CheckpointInterval time.Duration
	// GroupWait is how long the writer waits for another entry before it
	// commits a batch, so that concurrent appenders share a commit: while
	// some Append call has not yet handed over its entry, each arrival
	// within GroupWait extends the wait, up to 8 GroupWaits in all. A lone
	// appender never waits, nor does a Log with a Journal (see fill). 0
	// means 100µs; a negative value never waits.
	GroupWait time.Duration
	// Journal, when not nil, makes entries durable in that file, which
	// the Log then owns (Close closes it): a batch of entries without
	// attached writes is acknowledged once the journal is flushed, and
	// its entries are moved into the Store within IngestInterval, in one
	// transaction with every other entry journaled meanwhile; Append
	// returns Unnumbered for them. Entries found in the journal at NewLog
	// (a process that stopped before moving them) are moved first. Query,
	// Entry and Size first move every entry journaled before them; proofs
	// and checkpoints cover what is stored (a size learned from Size).
	Journal *Journal
	// IngestInterval is how long at most journaled entries wait before they
	// are moved into the Store; 0 means 200 ms. Longer intervals mean
	// fewer, larger transactions and less of the database's log to write
	// and copy back, which the journal's flushes share the disk with: at
	// 200 ms rather than 50 the flush's p99 fell from 1.7-2.0 to 1.6 ms and
	// the document check's p99 from 2.05-2.23 to 1.59-1.87 ms (three
	// alternating pairs at 10 M).
	IngestInterval time.Duration
	// Now is the clock for entries without a time and for checkpoints.
	Now func() time.Time
	// Logger receives failures of background checkpoints; nil discards them.
	Logger *slog.Logger
}

// Unnumbered is the Seq that Append returns for an entry made durable in
// the Log's Journal: it is numbered when it is moved into the Store.
const Unnumbered = -1

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

	// Journaled requests wait in flushes for acknowledge's next flush of
	// the journal, which writes every record written before it began.
	flushes waiting
	// With a journal, requests with attached writes wait in stores for the
	// committer, which stores all that wait in one transaction; run closes
	// squit at Close.
	stores waiting
	squit  chan struct{}
	sdone  chan struct{} // closed when the committer returns (or at once without a journal)

	// The tree as this Log last stored it; the writer and the ingester
	// both store.
	treeMu   sync.Mutex
	cache    *frontier
	stored   int64 // the largest size this Log stored
	signed   int64 // the largest size a checkpoint of this Log covers
	lastSign time.Time

	// With a journal (Options.Journal): run writes it and ingest moves its
	// entries into the store.
	journal  *Journal // owned by run; nil when the journal could not be recovered
	ingMu    sync.Mutex
	pending  []Entry // journaled, not yet stored, in order
	gen      uint64  // the journal lap of pending
	taken    int64   // records of that lap stored
	drains   chan chan error
	ingQuit  chan struct{}
	ingDone  chan struct{} // closed when ingest returns (or at once without a journal)
	ingested atomic.Int64  // journaled entries stored, including those found at NewLog
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
	if opts.IngestInterval <= 0 {
		opts.IngestInterval = 200 * time.Millisecond
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
		flushes: newWaiting(), stores: newWaiting(), squit: make(chan struct{}), sdone: make(chan struct{}),
		drains: make(chan chan error), ingQuit: make(chan struct{}), ingDone: make(chan struct{}),
	}
	go l.run()
	go l.acknowledge()
	return l
}

// Append adds e to the log and returns its Seq once the transaction holding
// it has committed durably, or Unnumbered once the Log's Journal holds it
// durably. A zero e.Time is set to now; e.Seq is ignored. It returns
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
// fails the other entries of its batch too. with must not be nil. Such a
// batch goes to the Store at once, journal or not.
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

// Close stops accepting entries, writes those pending (moving journaled
// ones into the Store) and a last checkpoint, and stops the writer. If ctx
// ends first, pending writes are abandoned (their Appends fail; journaled
// entries stay in the journal for the next NewLog) and an Unavailable
// error is returned.
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
// them in one transaction or to the journal, and wakes their Appends;
// entries that arrive meanwhile wait for the next batch (group commit).
func (l *Log) run() {
	defer close(l.stopped)
	defer l.cancel()
	if j := l.opts.Journal; j != nil {
		defer j.Close()
		if err := l.recoverJournal(j); err != nil {
			// Its entries stay in the file for the next start.
			l.opts.Logger.Error("audit: cannot move the journal's entries into the log; appending without the journal", "journal", j.path, "err", err)
			close(l.ingDone)
			close(l.sdone)
		} else {
			l.journal = j
			go l.ingest()
			go l.committer()
		}
	} else {
		close(l.ingDone)
		close(l.sdone)
	}
	batch := make([]*request, 0, l.opts.MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	for {
		select {
		case r := <-l.reqs:
			batch = l.fill(append(batch[:0], r), linger)
			l.put(batch)
			clear(batch)
			if wait, ok := l.signDue(); ok {
				timer.Reset(wait)
			}
		case <-timer.C:
			if _, ok := l.signDue(); ok {
				l.checkpoint()
			}
			if _, ok := l.signDue(); ok { // the checkpoint failed: try again later
				timer.Reset(max(l.opts.CheckpointInterval, time.Second))
			}
		case <-l.quit:
			// Close holds no more senders: drain what is left.
			for {
				batch = l.fill(batch[:0], nil)
				if len(batch) == 0 {
					break
				}
				l.put(batch)
				clear(batch)
			}
			close(l.squit)
			<-l.sdone
			close(l.acks)
			<-l.acked
			if l.journal != nil {
				close(l.ingQuit)
				<-l.ingDone
			}
			if _, ok := l.signDue(); ok {
				l.checkpoint()
			}
			return
		}
	}
}

// fill appends pending requests to batch, up to MaxBatch: those waiting,
// then, while some Append call under way has not handed over its entry,
// those arriving less than GroupWait apart, for at most 8 GroupWaits.
// With a journal it does not wait: writing there costs little, and the
// journal's flushes and the committer's transactions each gather whatever
// arrived while the last one ran.
func (l *Log) fill(batch []*request, linger *time.Timer) []*request {
	var deadline time.Time
	for len(batch) < l.opts.MaxBatch {
		select {
		case r := <-l.reqs:
			batch = append(batch, r)
			continue
		default:
		}
		if l.opts.GroupWait < 0 || linger == nil || l.arriving.Load() == 0 || l.journal != nil {
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

// put writes batch to the Store when there is no journal; with one, it
// has the committer store the requests with attached writes and writes
// the others to the journal.
func (l *Log) put(batch []*request) {
	if l.journal == nil {
		l.storeBatch(batch)
		return
	}
	plain := batch[:0] // in place: run reuses batch only after put
	for _, r := range batch {
		if r.with != nil {
			l.stores.add(r)
		} else {
			plain = append(plain, r)
		}
	}
	if len(plain) > 0 {
		l.journalize(plain)
	}
}

// storeBatch writes batch to the Store in one transaction and hands it to
// acknowledge.
func (l *Log) storeBatch(batch []*request) {
	es := make([]Entry, len(batch))
	var attached []any
	for i, r := range batch {
		es[i] = r.e
		if r.with != nil {
			attached = append(attached, r.with)
		}
	}
	first, durable, err := l.commit(es, attached, nil)
	for i, r := range batch {
		r.seq, r.err = first+int64(i), err
	}
	l.finish(batch, durable, err)
}

// committer stores the requests with attached writes that wait in stores,
// all of them at a time, so that the journal's batches never wait for a
// transaction: in the writer, one that waited for the database's write
// lock while the ingester stored a few thousand entries (about 7 µs each)
// held every check behind it.
func (l *Log) committer() {
	defer close(l.sdone)
	for {
		select {
		case <-l.stores.kick:
			l.storeWaiting()
		case <-l.squit:
			l.storeWaiting()
			return
		}
	}
}

// storeWaiting stores the requests waiting in stores, MaxBatch at a time.
func (l *Log) storeWaiting() {
	for {
		batch := l.stores.take(l.opts.MaxBatch)
		if len(batch) == 0 {
			return
		}
		l.storeBatch(batch)
	}
}

// journalize writes batch, whose requests have no attached writes, to the
// journal and has acknowledge flush it.
func (l *Log) journalize(batch []*request) {
	es := make([]Entry, len(batch))
	for i, r := range batch {
		es[i] = r.e
	}
	j := l.journal
	if j.Offset() >= JournalLap {
		l.rewind(j)
	}
	err := j.Write(es)
	for _, r := range batch {
		r.seq, r.err = Unnumbered, err
	}
	if err != nil {
		l.failures.Add(1)
		l.finish(batch, nil, err)
		return
	}
	l.ingMu.Lock()
	l.pending = append(l.pending, es...)
	l.ingMu.Unlock()
	l.entries.Add(int64(len(es)))
	l.flushes.add(batch...)
}

// waiting is a queue of requests for a goroutine that takes all of them
// at a time: add signals kick, which holds at most one signal.
type waiting struct {
	mu   sync.Mutex
	reqs []*request
	kick chan struct{}
}

func newWaiting() waiting { return waiting{kick: make(chan struct{}, 1)} }

func (w *waiting) add(rs ...*request) {
	w.mu.Lock()
	w.reqs = append(w.reqs, rs...)
	w.mu.Unlock()
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// take removes and returns up to max of the waiting requests (all when
// max <= 0), oldest first.
func (w *waiting) take(max int) []*request {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := len(w.reqs)
	if max > 0 {
		n = min(n, max)
	}
	rs := w.reqs[:n:n]
	w.reqs = w.reqs[n:]
	if len(w.reqs) == 0 {
		w.reqs = nil
	}
	return rs
}

// finish hands a written batch to acknowledge, or wakes its Appends at
// once when it failed or needs no flush.
func (l *Log) finish(batch []*request, durable func() error, err error) {
	if err == nil && durable != nil {
		l.acks <- ack{reqs: slices.Clone(batch), durable: durable}
		return
	}
	for _, r := range batch {
		close(r.done)
	}
}

// checkpoint stores a signed checkpoint of the tree as last stored.
func (l *Log) checkpoint() {
	if _, _, err := l.commit(nil, nil, nil); err != nil {
		l.opts.Logger.Error("audit: cannot write checkpoint", "err", err)
	}
}

// signDue reports whether entries stored by this Log wait for a
// checkpoint, and how long until one is due.
func (l *Log) signDue() (time.Duration, bool) {
	l.treeMu.Lock()
	defer l.treeMu.Unlock()
	return l.opts.CheckpointInterval - l.opts.Now().Sub(l.lastSign), l.stored > l.signed
}

// commit stores es, numbered from the Store's size on, and the attached
// writes in one transaction, with a checkpoint when one is due (always
// when es is empty) and the journal mark, and returns the first entry's
// Seq and the Store's durable step. The writer and the ingester both
// commit; the Store serialises them and the cache of the tree is
// checked against the Store's size.
func (l *Log) commit(es []Entry, attached []any, mark *JournalMark) (int64, func() error, error) {
	now := l.opts.Now().UTC()
	l.treeMu.Lock()
	sign := len(es) == 0 || l.opts.CheckpointInterval < 0 || now.Sub(l.lastSign) >= l.opts.CheckpointInterval
	guess := int64(-1)
	if l.cache != nil {
		guess = l.cache.size
	}
	l.treeMu.Unlock()
	var (
		first int64
		next  *frontier
	)
	durable, err := l.store.AppendAudit(l.ctx, guess, len(attached) > 0, func(size int64, hr tlog.HashReader) (*Batch, error) {
		first = size
		var f *frontier
		l.treeMu.Lock()
		if l.cache != nil && l.cache.size == size {
			f = l.cache.clone()
		}
		l.treeMu.Unlock()
		if f == nil {
			var err error
			if f, err = readFrontier(size, hr); err != nil {
				return nil, errs.E("audit.write", errs.Internal, "cannot read the tree", err)
			}
		}
		b := &Batch{Records: make([]Record, len(es)), Attached: attached, Journal: mark}
		var leaf []byte
		for i, e := range es {
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
	l.treeMu.Lock()
	defer l.treeMu.Unlock()
	if err != nil {
		l.failures.Add(1)
		l.cache = nil
		return first, nil, err
	}
	if len(es) > 0 && mark == nil {
		l.batches.Add(1)
		l.entries.Add(int64(len(es)))
	}
	if l.cache == nil || next.size > l.cache.size {
		l.cache = next
	}
	l.stored = max(l.stored, next.size)
	if sign {
		l.signed = max(l.signed, next.size)
		l.lastSign = now
	}
	return first, durable, nil
}

// acknowledge wakes the Appends of committed batches, in order, once each
// batch is durable. The writer (with a journal, the committer) goes on
// with the next batch meanwhile: the flush of one batch overlaps the
// transaction of the next. acks is unbuffered, so it hands over a batch
// only once the previous
// flush is done and gathers the entries arriving meanwhile into its next
// batch: with a queue of committed batches it committed nearly every
// entry alone (1.2 entries a commit), and the commits' own work cut
// document checks from 7,000 to 1,800 a second.
//
// Batches written to the journal are not handed over: their requests wait
// in flushes, and each flush of the journal takes all of them. A request
// written while a flush runs waits for that flush and the next one, not
// for a batch already formed and waiting its turn behind them, as when
// journal batches were handed over too (Append then waited 0.69 ms at 32
// checks in flight, two and a half flushes).
func (l *Log) acknowledge() {
	defer close(l.acked)
	for {
		select {
		case a, ok := <-l.acks:
			if !ok {
				l.syncJournal()
				return
			}
			if err := a.durable(); err != nil {
				l.failures.Add(1)
				for _, r := range a.reqs {
					r.err = err
				}
			}
			for _, r := range a.reqs {
				close(r.done)
			}
		case <-l.flushes.kick:
			l.syncJournal()
		}
	}
}

// syncJournal flushes the journal for the requests waiting in flushes
// and wakes them.
func (l *Log) syncJournal() {
	reqs := l.flushes.take(0)
	if len(reqs) == 0 {
		return
	}
	l.batches.Add(1)
	err := l.journal.Sync()
	if err != nil {
		l.failures.Add(1)
	}
	for _, r := range reqs {
		if err != nil {
			r.err = err
		}
		close(r.done)
	}
}

// recoverJournal moves the entries that j holds and the Store does not
// (after the Store's mark of j's lap) into the Store, then starts a new lap.
func (l *Log) recoverJournal(j *Journal) error {
	found := j.Found()
	m, err := l.store.AuditJournalMark(l.ctx)
	if err != nil {
		return err
	}
	skip := int64(0)
	if m.Gen == j.Gen() {
		skip = min(m.Count, int64(len(found)))
	}
	l.ingMu.Lock()
	l.pending, l.gen, l.taken = slices.Clone(found[skip:]), j.Gen(), skip
	l.ingMu.Unlock()
	if err := l.ingestAll(); err != nil {
		return err
	}
	if n := int64(len(found)) - skip; n > 0 {
		l.opts.Logger.Info("audit: moved entries left in the journal into the log", "entries", n, "journal", j.path)
	}
	return l.newLap(j)
}

// newLap rewinds j and has the ingester count the new lap's records from
// zero; the generation changes even when the flush fails (Journal.Rewind).
func (l *Log) newLap(j *Journal) error {
	err := j.Rewind()
	l.ingMu.Lock()
	l.gen, l.taken = j.Gen(), 0
	l.ingMu.Unlock()
	return err
}

// rewind starts a new lap of j once every entry journaled is stored; when
// that fails, j grows past JournalLap and the next batch tries again.
func (l *Log) rewind(j *Journal) {
	if err := l.drain(l.ctx); err != nil {
		l.opts.Logger.Error("audit: cannot rewind the journal", "err", err)
		return
	}
	if err := l.newLap(j); err != nil {
		l.opts.Logger.Error("audit: cannot rewind the journal", "err", err)
	}
}

// journalAhead is how far ahead of its records the ingester keeps the
// journal extended: a few seconds of entries at the rates measured.
const journalAhead = 4 << 20

// ingest moves journaled entries into the Store every IngestInterval and
// when asked (drain), and signs checkpoints when due.
func (l *Log) ingest() {
	defer close(l.ingDone)
	tick := time.NewTicker(l.opts.IngestInterval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if err := l.ingestAll(); err != nil {
				l.opts.Logger.Error("audit: cannot move journaled entries into the log", "err", err)
			}
			if err := l.journal.Extend(journalAhead); err != nil {
				l.opts.Logger.Error("audit: cannot extend the journal", "err", err)
			}
		case w := <-l.drains:
			w <- l.ingestAll()
		case <-l.ingQuit:
			if err := l.ingestAll(); err != nil {
				l.opts.Logger.Error("audit: cannot move journaled entries into the log; they stay in the journal", "err", err)
			}
			return
		}
		if wait, ok := l.signDue(); ok && wait <= 0 {
			l.checkpoint()
		}
	}
}

// ingestAll stores every pending entry, MaxBatch at a time, each
// transaction with the journal mark of its last entry, and waits until it
// is durable.
func (l *Log) ingestAll() error {
	for {
		l.ingMu.Lock()
		n := min(len(l.pending), l.opts.MaxBatch)
		es, mark := l.pending[:n:n], JournalMark{Gen: l.gen, Count: l.taken + int64(n)}
		l.ingMu.Unlock()
		if n == 0 {
			return nil
		}
		_, durable, err := l.commit(es, nil, &mark)
		if err == nil && durable != nil {
			err = durable()
		}
		if err != nil {
			// A failed flush or a connection lost at commit leaves the
			// batch's fate unknown: the Store's mark tells.
			if m, merr := l.store.AuditJournalMark(l.ctx); merr != nil || m != mark {
				return err
			}
		}
		l.ingested.Add(int64(n))
		l.ingMu.Lock()
		l.pending = l.pending[n:]
		if len(l.pending) == 0 {
			l.pending = nil
		}
		l.taken += int64(n)
		l.ingMu.Unlock()
	}
}

// drain has the ingester store every entry journaled so far; without a
// journal it returns at once.
func (l *Log) drain(ctx context.Context) error {
	w := make(chan error, 1)
	select {
	case l.drains <- w:
	case <-l.ingDone:
		return nil
	case <-ctx.Done():
		return errs.E("audit.drain", errs.Unavailable, ctx.Err())
	}
	select {
	case err := <-w:
		return err
	case <-ctx.Done():
		return errs.E("audit.drain", errs.Unavailable, ctx.Err())
	}
}

// Stats counts a Log's work since NewLog.
type Stats struct {
	Batches  int64 // committed transactions that appended entries, and flushes of the journal
	Entries  int64 // entries in them
	Ingested int64 // journaled entries moved into the Store
	Failures int64 // transactions that failed (with or without entries)
}

// Stats returns the Log's counters.
func (l *Log) Stats() Stats {
	return Stats{Batches: l.batches.Load(), Entries: l.entries.Load(), Ingested: l.ingested.Load(), Failures: l.failures.Load()}
}

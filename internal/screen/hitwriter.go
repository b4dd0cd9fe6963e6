package screen

import (
	"context"
	"sync"

	"github.com/polex-org/polex/internal/notify"
)

// hitWriter stores the hits of concurrent checks in shared transactions
// (group commit): each check still returns only once its hits and their
// notifications are committed, but checks that hit at the same time share
// one write instead of queueing one transaction each behind the
// database's single writer (SQLite) and its disk flush.
//
// No goroutine runs between writes: the first caller to find no write in
// progress becomes the leader, writes everything queued, answers each
// request of its batch, and hands the lead to the first request queued
// meanwhile, so that no caller waits for more than two batches.
type hitWriter struct {
	store Store

	mu      sync.Mutex
	busy    bool
	pending []*hitReq
}

type hitReq struct {
	hits []HitRecord
	evs  []notify.Event
	done chan error    // the outcome of the write that carried the request
	lead chan struct{} // closed when the request must lead the next write
}

// maxHitBatch bounds the hits of one transaction.
const maxHitBatch = 2000

// write stores hits and evs, with the hits of concurrent callers.
func (w *hitWriter) write(ctx context.Context, hits []HitRecord, evs []notify.Event) error {
	r := &hitReq{hits: hits, evs: evs, done: make(chan error, 1), lead: make(chan struct{})}
	w.mu.Lock()
	w.pending = append(w.pending, r)
	if w.busy {
		w.mu.Unlock()
		select {
		case err := <-r.done:
			return err
		case <-r.lead:
		}
		w.mu.Lock()
	}
	w.busy = true
	// Lead: take the queue (this request first, as it is the oldest or
	// was handed the lead), up to maxHitBatch hits.
	var batch []*hitReq
	n := 0
	for len(w.pending) > 0 && (len(batch) == 0 || n+len(w.pending[0].hits) <= maxHitBatch) {
		batch = append(batch, w.pending[0])
		n += len(w.pending[0].hits)
		w.pending = w.pending[1:]
	}
	w.mu.Unlock()

	var all []HitRecord
	var allEvs []notify.Event
	for _, b := range batch {
		all = append(all, b.hits...)
		allEvs = append(allEvs, b.evs...)
	}
	_, err := w.store.InsertHits(context.WithoutCancel(ctx), all, allEvs)
	for _, b := range batch {
		b.done <- err
	}

	w.mu.Lock()
	if len(w.pending) > 0 {
		close(w.pending[0].lead) // the next leader takes it from here
	} else {
		w.busy = false
	}
	w.mu.Unlock()
	return <-r.done
}

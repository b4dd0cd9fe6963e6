package notify

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/polex-org/polex/internal/errs"
)

// Source reads committed events in seq order: those after seq after, of
// org, or of every organisation when org is "". Its store implements it.
type Source interface {
	EventsAfter(ctx context.Context, org string, after int64, limit int) ([]Event, error)
	LastSeq(ctx context.Context) (int64, error)
}

// Hub fans the events committed to the database — by this process or any
// other — out to this process's live subscribers. It polls the events table
// by seq (the source of truth), and polls at once when woken (PostgreSQL
// NOTIFY, or a commit in this process).
//
// Sequence values may commit out of order on PostgreSQL: a gap below a seen
// seq may be a transaction still in flight. The hub dispatches in seq order,
// waiting up to GapWait for a gap to fill; a gap still open then is taken
// for a rolled-back transaction, but watched for a minute more, and an event
// that fills it late is still dispatched (out of order) rather than lost.
type Hub struct {
	src     Source
	log     *slog.Logger
	poll    time.Duration
	gapWait time.Duration
	buffer  int
	wake    chan struct{}

	mu        sync.Mutex
	running   bool
	subs      map[*Sub]struct{}
	next      int64               // every seq <= next is dispatched or given up
	maxSeen   int64               // highest seq read
	pending   map[int64]Event     // read above a gap, not yet dispatched
	gaps      map[int64]time.Time // missing seqs below maxSeen: when first seen missing
	abandoned map[int64]time.Time // gaps given up: when
	lateCheck time.Time
}

// Sub is one live subscriber: C yields its organisation's events and is
// closed when the hub stops (shutdown) or the subscriber falls too far
// behind; the client then resumes from the last seq it got.
type Sub struct {
	C     <-chan Event
	c     chan Event
	org   string
	hub   *Hub
	floor int64
	late  map[int64]bool
	once  sync.Once
}

// NewHub returns a hub reading src.
func NewHub(src Source, log *slog.Logger) *Hub {
	return &Hub{src: src, log: log, buffer: 1024, wake: make(chan struct{}, 1),
		subs: map[*Sub]struct{}{}, pending: map[int64]Event{}, gaps: map[int64]time.Time{}, abandoned: map[int64]time.Time{}}
}

// Wake makes the hub poll now; it never blocks.
func (h *Hub) Wake() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Subscribe returns a live subscription to org's events committed from now
// on. It returns an errs.Unavailable error when the hub is not running
// (the process does not serve, or is shutting down).
func (h *Hub) Subscribe(org string) (*Sub, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.running {
		return nil, errs.E("notify.Subscribe", errs.Unavailable, "live events are not available: the server is not running its jobs")
	}
	c := make(chan Event, h.buffer)
	s := &Sub{C: c, c: c, org: org, hub: h, floor: h.next, late: map[int64]bool{}}
	for seq := range h.abandoned {
		s.late[seq] = true
	}
	h.subs[s] = struct{}{}
	return s, nil
}

// mayComeLive reports whether an event of seq, read from the store after
// subscribing, may also arrive on C.
func (s *Sub) mayComeLive(seq int64) bool { return seq > s.floor || s.late[seq] }

// Close ends the subscription.
func (s *Sub) Close() {
	s.hub.mu.Lock()
	defer s.hub.mu.Unlock()
	s.closeLocked()
}

func (s *Sub) closeLocked() {
	s.once.Do(func() {
		delete(s.hub.subs, s)
		close(s.c)
	})
}

// Start makes the hub accept subscribers from the current end of the
// events table and polls in the background until ctx ends, then closes
// every subscription; done is closed then. It reads every poll and when
// woken, and waits gapWait for out-of-order commits. It returns an error
// when it cannot read the table.
func (h *Hub) Start(ctx context.Context, poll, gapWait time.Duration) (done <-chan struct{}, err error) {
	last, err := h.src.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.running, h.next, h.maxSeen = true, last, last
	h.poll, h.gapWait = poll, gapWait
	clear(h.pending)
	clear(h.gaps)
	clear(h.abandoned)
	h.mu.Unlock()
	c := make(chan struct{})
	go func() {
		defer close(c)
		h.loop(ctx)
	}()
	return c, nil
}

func (h *Hub) loop(ctx context.Context) {
	defer func() {
		h.mu.Lock()
		h.running = false
		for s := range h.subs {
			s.closeLocked()
		}
		h.mu.Unlock()
	}()
	t := time.NewTicker(h.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-h.wake:
		case <-t.C:
		}
		if err := h.step(ctx); err != nil && ctx.Err() == nil {
			h.log.Warn("notify: polling events", "err", err)
		}
	}
}

// step reads what was committed since the last step and dispatches it.
func (h *Hub) step(ctx context.Context) error {
	for {
		h.mu.Lock()
		from := h.next
		h.mu.Unlock()
		evs, err := h.src.EventsAfter(ctx, "", from, 1000)
		if err != nil {
			return err
		}
		now := time.Now()
		h.mu.Lock()
		for _, e := range evs {
			if e.Seq > h.next {
				h.pending[e.Seq] = e
				delete(h.gaps, e.Seq)
			}
			if e.Seq > h.maxSeen {
				for s := h.maxSeen + 1; s < e.Seq; s++ {
					if _, ok := h.pending[s]; !ok {
						h.gaps[s] = now
					}
				}
				h.maxSeen = e.Seq
			}
		}
		for h.next < h.maxSeen {
			s := h.next + 1
			if e, ok := h.pending[s]; ok {
				delete(h.pending, s)
				h.dispatchLocked(e)
			} else if since, ok := h.gaps[s]; ok && now.Sub(since) >= h.gapWait {
				delete(h.gaps, s)
				h.abandoned[s] = now
			} else if !ok {
				// read in an earlier step and dispatched already
			} else {
				break
			}
			h.next = s
		}
		check := len(h.abandoned) > 0 && now.Sub(h.lateCheck) >= time.Second
		h.mu.Unlock()
		if check {
			if err := h.checkLate(ctx, now); err != nil {
				return err
			}
		}
		if len(evs) < 1000 {
			return nil
		}
	}
}

// checkLate dispatches events that filled a gap after it was given up, and
// forgets gaps older than a minute.
func (h *Hub) checkLate(ctx context.Context, now time.Time) error {
	h.mu.Lock()
	h.lateCheck = now
	low := h.next
	for s, at := range h.abandoned {
		if now.Sub(at) > time.Minute {
			delete(h.abandoned, s)
		} else if s < low {
			low = s
		}
	}
	upto := h.next
	h.mu.Unlock()
	for low < upto {
		evs, err := h.src.EventsAfter(ctx, "", low-1, 1000)
		if err != nil {
			return err
		}
		h.mu.Lock()
		for _, e := range evs {
			if _, ok := h.abandoned[e.Seq]; ok {
				delete(h.abandoned, e.Seq)
				h.dispatchLocked(e)
			}
		}
		h.mu.Unlock()
		if len(evs) < 1000 {
			break
		}
		low = evs[len(evs)-1].Seq + 1
	}
	return nil
}

func (h *Hub) dispatchLocked(e Event) {
	for s := range h.subs {
		if s.org != e.Org {
			continue
		}
		select {
		case s.c <- e:
		default:
			h.log.Info("notify: live subscriber too slow; closing it, it resumes from its last event", "org", s.org)
			s.closeLocked()
		}
	}
}

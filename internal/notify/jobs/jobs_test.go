package jobs_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/notify/jobs"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// blocker is a retainer that counts its runs and how many run at once, and
// can be held inside Retain.
type blocker struct {
	runs, inside, most atomic.Int32
	entered            chan struct{}
	release            chan struct{}
}

func (b *blocker) Retain(ctx context.Context, now time.Time) (int, int, error) {
	n := b.inside.Add(1)
	defer b.inside.Add(-1)
	for {
		m := b.most.Load()
		if n <= m || b.most.CompareAndSwap(m, n) {
			break
		}
	}
	b.runs.Add(1)
	if b.entered != nil {
		b.entered <- struct{}{}
		<-b.release
	}
	return 1, 2, nil
}

// TestRetentionLease: the retention job runs every retainer, and the lease
// keeps a second process (same database) from running it at the same time;
// an expired lease is taken over.
func TestRetentionLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		b := &blocker{entered: make(chan struct{}), release: make(chan struct{})}
		other := &blocker{}
		// p1's lease is short: it must renew it while its retainers run.
		p1 := &jobs.Retention{DB: db, Holder: "p1", Retainers: []jobs.Retainer{b, other}, Lease: 150 * time.Millisecond, Log: log}
		p2 := &jobs.Retention{DB: db, Holder: "p2", Retainers: []jobs.Retainer{b, other}, Lease: time.Hour, Log: log}

		var wg sync.WaitGroup
		var ran1 bool
		wg.Go(func() {
			var err error
			if ran1, err = p1.Once(ctx); err != nil {
				t.Error(err)
			}
		})
		<-b.entered                        // p1 is inside the first retainer, holding the lease
		time.Sleep(500 * time.Millisecond) // several lease terms
		if ran, err := p2.Once(ctx); err != nil || ran {
			t.Fatalf("second process ran retention while the first held the lease: %v %v", ran, err)
		}
		close(b.release)
		wg.Wait()
		if !ran1 || b.runs.Load() != 1 || other.runs.Load() != 1 || b.most.Load() != 1 {
			t.Fatalf("ran=%v runs=%d/%d most=%d", ran1, b.runs.Load(), other.runs.Load(), b.most.Load())
		}

		// Released at the end: the other process may run it now.
		b.entered = nil
		if ran, err := p2.Once(ctx); err != nil || !ran || b.runs.Load() != 2 {
			t.Fatalf("after release: %v %v %d", ran, err, b.runs.Load())
		}

		// A holder that died keeps the lease until it expires.
		if ok, err := db.AcquireLease(ctx, jobs.LeaseName, "dead", db.Now().Add(-2*time.Hour), time.Hour); err != nil || !ok {
			t.Fatalf("take expired-to-be lease: %v %v", ok, err)
		}
		if ok, err := db.AcquireLease(ctx, jobs.LeaseName, "p3", db.Now().Add(-90*time.Minute), time.Hour); err != nil || ok {
			t.Fatalf("lease taken before expiry: %v %v", ok, err)
		}
		if ran, err := p2.Once(ctx); err != nil || !ran {
			t.Fatalf("expired lease not taken over: %v %v", ran, err)
		}
	})
}

// TestBackoff: delays double from the base, stay within ±25 %, and are
// capped.
func TestBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 10: time.Minute} {
		for range 50 {
			d := jobs.Backoff(time.Second, time.Minute, n)
			if d < want-want/4 || d > want+want/4 {
				t.Fatalf("attempt %d: %s, want %s ±25%%", n, d, want)
			}
		}
	}
}

// Package jobs runs Polex's background work in a serving process: the live
// hub that feeds Server-Sent Events, the webhook dispatcher and delivery
// workers, and the retention scheduler. Webhook deliveries are River jobs
// (github.com/riverqueue/river) in the application's own database, SQLite or
// PostgreSQL, so they survive restarts and are shared by every process of
// one PostgreSQL database without double dispatch.
package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/store/sqldb"
)

// QueueWebhooks is the River queue of webhook deliveries.
const QueueWebhooks = "webhooks"

func driver(db *sqldb.DB) riverdriver.Driver[*sql.Tx] {
	if db.Engine == sqldb.Postgres {
		return riverdatabasesql.New(db.SQL)
	}
	return riversqlite.New(db.SQL)
}

// Migrate applies River's own migrations to db (the river_* tables). The
// application runs it when it opens the database.
func Migrate(ctx context.Context, db *sqldb.DB) error {
	const op = "jobs.Migrate"
	m, err := rivermigrate.New(driver(db), nil)
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return errs.E(op, errs.Internal, err)
	}
	return nil
}

// Holder returns an identifier of this process for leases: host, pid and
// a random part.
func Holder() string {
	h, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return h + ":" + strconv.Itoa(os.Getpid()) + ":" + hex.EncodeToString(b[:])
}

// Start starts the background work and returns a function that stops it
// and waits for it. The live hub ends (closing every stream) as soon as ctx
// ends, so that a shutting-down server is not held by its streams;
// deliveries in flight finish within the stop's grace.
func Start(ctx context.Context, db *sqldb.DB, svc *notify.Service, retainers []record.Retainer, log *slog.Logger) (stop func(), err error) {
	const op = "jobs.Start"
	opts := svc.Opts
	workers := river.NewWorkers()
	dw := newDeliverWorker(svc.Store(), opts)
	if err := river.AddWorkerSafely(workers, dw); err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	client, err := river.NewClient(driver(db), &river.Config{
		Workers:           workers,
		Queues:            map[string]river.QueueConfig{QueueWebhooks: {MaxWorkers: 16}},
		FetchPollInterval: opts.Poll,
		FetchCooldown:     opts.Poll / 4,
		MaxAttempts:       opts.MaxAttempts,
		Logger:            log.With("component", "river"),
	})
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return nil, errs.E(op, errs.Unavailable, err)
	}
	jctx, cancel := context.WithCancel(ctx)
	d := &dispatcher{db: db, client: client, opts: opts, log: log, wake: make(chan struct{}, 1)}
	r := &Retention{DB: db, Holder: Holder(), Retainers: retainers, Lease: opts.RetentionLease, Log: log}
	hub := svc.Hub()
	hubDone, err := hub.Start(jctx, opts.LivePoll, opts.GapWait)
	if err != nil {
		cancel()
		_ = client.Stop(context.Background())
		return nil, err
	}
	var wg sync.WaitGroup
	wg.Go(func() { <-hubDone })
	wg.Go(func() {
		db.ListenEvents(jctx, func() { hub.Wake(); d.Wake() }, func(err error) { log.Warn("notify: listening for events", "err", err) })
	})
	wg.Go(func() { d.run(jctx) })
	wg.Go(func() { r.Run(jctx, opts.RetentionEvery) })
	return func() {
		cancel()
		sctx, done := context.WithTimeout(context.Background(), opts.Timeout+5*time.Second)
		defer done()
		if err := client.Stop(sctx); err != nil {
			log.Warn("notify: stopping webhook workers", "err", err)
		}
		wg.Wait()
	}, nil
}

// dispatcher turns new inbox events into delivery jobs, one per matching
// webhook, in the transaction that marks the events dispatched: an event is
// dispatched exactly once, whichever process claims it.
type dispatcher struct {
	db     *sqldb.DB
	client *river.Client[*sql.Tx]
	opts   notify.Options
	log    *slog.Logger
	wake   chan struct{}
}

// Wake makes the dispatcher look now; it never blocks.
func (d *dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) run(ctx context.Context) {
	t := time.NewTicker(d.opts.Poll)
	defer t.Stop()
	for {
		for {
			n, err := d.step(ctx)
			if err != nil && ctx.Err() == nil {
				d.log.Warn("notify: dispatching webhook deliveries", "err", err)
			}
			if err != nil || n == 0 {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-d.wake:
			// Let the commits of a burst (a check's hits, a diffusion)
			// gather for a moment: one step then dispatches them all, where
			// a step per commit held the database's write lock away from
			// the checks' audit commits hundreds of times a second.
			select {
			case <-ctx.Done():
				return
			case <-time.After(dispatchGather):
			}
		case <-t.C:
		}
	}
}

// dispatchGather is how long the dispatcher lets new events gather after a
// wake-up before it dispatches them; it adds as much to a webhook's
// latency, which River's own polling already makes tenths of a second.
const dispatchGather = 50 * time.Millisecond

// step dispatches one batch and returns how many events it claimed.
func (d *dispatcher) step(ctx context.Context) (int, error) {
	if some, err := d.db.HasUndispatched(ctx); err != nil || !some {
		return 0, err
	}
	var n int
	err := d.db.Tx(ctx, func(tx *sql.Tx) error {
		evs, err := sqldb.ClaimUndispatched(ctx, tx, d.db.Engine, 200)
		if err != nil || len(evs) == 0 {
			return err
		}
		n = len(evs)
		hooks := map[string][]notify.Webhook{}
		var params []river.InsertManyParams
		seqs := make([]int64, 0, len(evs))
		for _, e := range evs {
			seqs = append(seqs, e.Seq)
			ws, ok := hooks[e.Org]
			if !ok {
				if ws, err = sqldb.WebhooksTx(ctx, tx, e.Org); err != nil {
					return err
				}
				hooks[e.Org] = ws
			}
			for _, w := range ws {
				if w.Wants(e.Type) {
					params = append(params, river.InsertManyParams{Args: DeliverArgs{Event: e.ID, Webhook: w.ID},
						InsertOpts: &river.InsertOpts{Queue: QueueWebhooks, MaxAttempts: d.opts.MaxAttempts}})
				}
			}
		}
		if len(params) > 0 {
			if _, err := d.client.InsertManyTx(ctx, tx, params); err != nil {
				return errs.E("jobs.dispatch", errs.Unavailable, err)
			}
		}
		return sqldb.MarkDispatched(ctx, tx, seqs, d.db.Now())
	})
	return n, err
}

// Retention runs the retention of every Retainer, in one process at a
// time: the one holding the lease "retention" in the database.
type Retention struct {
	DB        *sqldb.DB
	Holder    string
	Retainers []Retainer
	Lease     time.Duration
	Log       *slog.Logger
}

// LeaseName is the lease of the retention job.
const LeaseName = "retention"

// Run runs the retention now, then every period, until ctx ends.
func (r *Retention) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.Log.Error("retention", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once runs every retainer if this process gets the lease (renewing it
// while they run, releasing it after), and reports whether it ran. A
// retainer's error is logged, the others still run, and the first error is
// returned.
func (r *Retention) Once(ctx context.Context) (bool, error) {
	now := r.DB.Now()
	ok, err := r.DB.AcquireLease(ctx, LeaseName, r.Holder, now, r.Lease)
	if err != nil || !ok {
		return false, err
	}
	// Renew the lease while the retainers run, so that a long run is not
	// joined by another process when the first term ends.
	rctx, stopRenew := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(max(r.Lease/3, time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-rctx.Done():
				return
			case <-t.C:
				if ok, err := r.DB.AcquireLease(rctx, LeaseName, r.Holder, r.DB.Now(), r.Lease); err != nil || !ok {
					r.Log.Warn("retention: renewing the lease", "held", ok, "err", err)
				}
			}
		}
	}()
	defer func() {
		stopRenew()
		<-renewed
		if err := r.DB.ReleaseLease(context.WithoutCancel(ctx), LeaseName, r.Holder); err != nil {
			r.Log.Warn("retention: releasing the lease", "err", err)
		}
	}()
	var first error
	for _, rt := range r.Retainers {
		expired, reminded, err := rt.Retain(ctx, now)
		if err != nil {
			r.Log.Error("retention", "retainer", fmt.Sprintf("%T", rt), "err", err)
			if first == nil {
				first = err
			}
			continue
		}
		r.Log.Info("retention", "expired", expired, "reminded", reminded)
	}
	return true, first
}

// Retainer is record.Retainer: a service whose records expire.
type Retainer = record.Retainer

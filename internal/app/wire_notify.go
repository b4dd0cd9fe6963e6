package app

import (
	"context"
	"time"

	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/notify/jobs"
	"github.com/polex-org/polex/internal/store/sqldb"
)

// openNotify builds the notification service and applies the job queue's
// migrations (River's tables).
func (a *App) openNotify(ctx context.Context) error {
	if err := jobs.Migrate(ctx, a.DB); err != nil {
		return err
	}
	opts := notify.Options{AllowLoopbackHTTP: a.Config.DemoMode}
	if a.DB.Engine == sqldb.Postgres {
		// PostgreSQL wakes the readers at every commit (LISTEN/NOTIFY); the
		// poll is only the safety net. SQLite has no such signal: its hub is
		// woken after each commit of this process (below) and also reads the
		// (indexed) tail of events every 10 ms.
		opts.LivePoll, opts.Poll = 500*time.Millisecond, 500*time.Millisecond
	}
	a.Notify = notify.New(a.DB, a.DB, a.Audit, a.Log, opts)
	if a.DB.Engine == sqldb.SQLite {
		// One process owns an SQLite file: waking the hub after each commit
		// delivers its events at once; the poll stays as the safety net.
		a.DB.OnCommit = a.Notify.Hub().Wake
	}
	return nil
}

// startJobs starts the background work of a serving process — the live
// hub behind the event streams, the webhook dispatcher and workers, the
// retention scheduler — and returns a function that stops it and waits.
// Streams end as soon as ctx ends, before the server's shutdown waits for
// requests in flight.
func (a *App) startJobs(ctx context.Context) (stop func()) {
	stopScreen := a.runScreen(ctx)
	stopJobs, err := jobs.Start(ctx, a.DB, a.Notify, a.retainers(), a.Log)
	if err != nil {
		a.Log.Error("background jobs not started", "err", err)
		return stopScreen
	}
	return func() {
		stopJobs()
		stopScreen()
	}
}

package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"time"
)

// CheckpointEvery is how often the background checkpointer copies the
// committed pages of the write-ahead log back into the database file.
const CheckpointEvery = 500 * time.Millisecond

// rewindFrames is the log length (4 KB frames; 256 MB) from which the
// checkpointer, once everything is copied, waits briefly for readers to
// leave the log so that the next writer starts it again from the top.
// Writers wait while it does (35 ms at the median under person checks, up
// to 100), so it is not done more often than needed: at 16 MB it came
// twice a second under person checks, whose hits write 30-60 MB of log a
// second, at 64 MB once a second, and the checks it held (13-25 ms in
// their audit append) clustered at the same point of every second among
// the slowest 1 %. At 256 MB it comes, at those rates, every 4-8 s (the
// name screen's p99 in four pairs of fresh runs at 1 M persons: 12.42,
// 8.96, 13.18, 11.24 ms against 13.61, 10.68, 13.49, 11.95 at 64 MB).
const rewindFrames = 65536

// rewindLeft is the most frames (4 MB) a RESTART may have left to copy:
// readers in the middle of a snapshot keep the newest frames from a
// passive pass, and writers wait while RESTART copies them.
const rewindLeft = 1024

// rewindWait bounds the wait for readers: writers wait while it lasts.
const rewindWait = 50 * time.Millisecond

// restartRetry is how long a RESTART checkpoint waits before it tries
// again to find no reader in the log. Readers' transactions last well
// under a millisecond or two; with SQLite's own busy handler (sleeps of
// 1, 2, 5, 10, 15 … ms) each RESTART held the writers back 15 to 30 ms,
// twice a second under person checks, and those waits were the checks'
// 99th percentile.
const restartRetry = 200 * time.Microsecond

// checkpointer runs passive checkpoints every CheckpointEvery on conn
// until ctx ends, so that no commit waits for one. SQLite's own automatic
// checkpoint runs inside the commit that crosses its threshold: with a
// 64 MB threshold that commit (an audit batch, a check's hits) waited for
// tens of megabytes to be copied and the database file synced. A passive
// checkpoint takes no lock that writers or readers wait for.
//
// Copying is not enough: the log is started again from the top only by a
// writer that finds it copied whole and no reader in it, which under a
// steady load of checks (commits every millisecond, reads all the time)
// hardly ever happens. In `polex bench checks` the log grew to the 256 MB
// backstop: every commit appended to a growing file (its flush also
// journals the new size) and every page read searched the log's index of
// 65,000 frames. So once a passive pass has copied all but rewindLeft
// frames of a log over rewindFrames, a RESTART checkpoint copies the rest
// and waits up to rewindWait for the readers to move on (writers wait
// meanwhile, queued on this process's write lock, which the RESTART holds
// so that they wait in line rather than in SQLite's busy handler), and the
// next writer rewinds the log; journal_size_limit trims
// the file then.
func checkpointer(ctx context.Context, conn *sql.Conn, lock func(context.Context) (func(), error), log *slog.Logger, done chan<- struct{}) {
	defer close(done)
	defer conn.Close()
	t := time.NewTicker(CheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		_, frames, copied, err := checkpoint(ctx, conn, "PASSIVE")
		if err == nil && frames >= rewindFrames && frames-copied <= rewindLeft {
			// Copy what was written during the pass before holding the
			// writers back, so that the RESTART has little left to copy.
			if _, _, _, err = checkpoint(ctx, conn, "PASSIVE"); err == nil {
				var unlock func()
				if unlock, err = lock(ctx); err == nil {
					err = restartCheckpoint(ctx, conn)
					unlock()
				}
			}
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("sqlite: background checkpoint failed", "err", err)
		}
	}
}

// restartCheckpoint runs RESTART checkpoints, every restartRetry for up
// to rewindWait, until one finds no reader left in the log (the next
// writer then starts it from the top). The caller holds the write lock.
// Giving up is not an error: the next pass tries again.
func restartCheckpoint(ctx context.Context, conn *sql.Conn) error {
	deadline := time.Now().Add(rewindWait)
	for {
		busy, _, _, err := checkpoint(ctx, conn, "RESTART")
		if err != nil || !busy || time.Now().After(deadline) {
			return err
		}
		time.Sleep(restartRetry)
	}
}

// checkpoint runs one checkpoint of mode and returns whether it was kept
// from finishing (a RESTART that found readers in the log; the connection
// has no busy timeout), the log's frames and how many of them are copied.
func checkpoint(ctx context.Context, conn *sql.Conn, mode string) (busy bool, frames, copied int64, err error) {
	var b int64
	err = conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&b, &frames, &copied)
	return b != 0, frames, copied, err
}

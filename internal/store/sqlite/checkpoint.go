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

// rewindFrames is the log length (4 KB frames; 64 MB) from which the
// checkpointer, once everything is copied, waits briefly for readers to
// leave the log so that the next writer starts it again from the top.
// Writers wait while it does (35 ms at the median under person checks, up
// to 100), so it is not done more often than needed: at 16 MB it came
// twice a second under person checks, whose hits write 30 MB of log a
// second.
const rewindFrames = 16384

// rewindLeft is the most frames (4 MB) a RESTART may have left to copy:
// readers in the middle of a snapshot keep the newest frames from a
// passive pass, and writers wait while RESTART copies them.
const rewindLeft = 1024

// rewindWait bounds the wait for readers: writers wait while it lasts.
const rewindWait = 50 * time.Millisecond

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
		frames, copied, err := checkpoint(ctx, conn, "PASSIVE")
		if err == nil && frames >= rewindFrames && frames-copied <= rewindLeft {
			var unlock func()
			if unlock, err = lock(ctx); err == nil {
				_, _, err = checkpoint(ctx, conn, "RESTART")
				unlock()
			}
		}
		if err != nil && ctx.Err() == nil {
			log.Warn("sqlite: background checkpoint failed", "err", err)
		}
	}
}

// checkpoint runs one checkpoint of mode and returns the log's frames and
// how many of them are copied. A RESTART that could not finish within the
// connection's busy timeout reports busy, not an error: the next pass
// tries again.
func checkpoint(ctx context.Context, conn *sql.Conn, mode string) (frames, copied int64, err error) {
	var busy int64
	err = conn.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &frames, &copied)
	return frames, copied, err
}

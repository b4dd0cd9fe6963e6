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

// checkpointer runs passive checkpoints every CheckpointEvery until ctx
// ends, so that no commit waits for one. SQLite's own automatic checkpoint
// runs inside the commit that crosses its threshold: with a 64 MB
// threshold that commit (an audit batch, a check's hits) waited for tens
// of megabytes to be copied and the database file synced, the tail of
// every latency. A passive checkpoint takes no lock that writers or
// readers wait for; the next writer rewinds the log once it has been
// copied whole. The automatic checkpoint stays as a backstop at a higher
// threshold (autoCheckpointPages) for when this one falls behind.
func checkpointer(ctx context.Context, db *sql.DB, log *slog.Logger, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(CheckpointEvery)
	defer t.Stop()
	var lastFrames int64 = -1
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var busy, frames, copied int64
		err := db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn("sqlite: background checkpoint failed", "err", err)
		case frames > 0 && frames == lastFrames && copied < frames:
			// A reader holds an old snapshot: the next passes will copy
			// the rest once it is done.
			log.Debug("sqlite: checkpoint waits for a reader", "frames", frames, "copied", copied)
		}
		lastFrames = frames
	}
}

package sqldb

import (
	"context"
	"database/sql"

	"github.com/polex-org/polex/internal/notify"
)

// InsertEventsForTest exposes the prepared insert of a batch of hits' events.
func InsertEventsForTest(ctx context.Context, db *DB, tx *sql.Tx, evs []notify.Event) error {
	return db.insertEvents(ctx, tx, evs)
}

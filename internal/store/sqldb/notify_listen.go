package sqldb

import (
	"context"
	"database/sql/driver"
	"time"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/polex-org/polex/internal/errs"
)

// ListenEvents calls wake every time a transaction that inserted inbox
// events commits in this database, in any process, until ctx ends. It
// holds one connection of the pool listening on PostgreSQL's channel
// polex_events (notified by a trigger of migration 0008), and reconnects
// after failures. On SQLite, which has no such channel, it returns at once:
// there the readers poll.
func (db *DB) ListenEvents(ctx context.Context, wake func(), onErr func(error)) {
	if db.Engine != Postgres {
		return
	}
	for ctx.Err() == nil {
		err := db.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		onErr(err)
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (db *DB) listenOnce(ctx context.Context, wake func()) error {
	const op = "sqldb.ListenEvents"
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return wrap(op, err)
	}
	defer conn.Close()
	var schema string
	if err := conn.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return wrap(op, err)
	}
	return conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errs.E(op, errs.Internal, "not a pgx connection")
		}
		pc := sc.Conn()
		if _, err := pc.Exec(ctx, `LISTEN polex_events`); err != nil {
			return wrap(op, err)
		}
		// A commit may have happened before LISTEN took effect.
		wake()
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				// The connection may be mid-wait or broken: the pool must
				// discard it rather than hand it out again.
				_ = pc.Close(context.Background())
				return driver.ErrBadConn
			}
			if n.Payload == schema {
				wake()
			}
		}
	})
}

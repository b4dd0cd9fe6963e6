package sqldb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
)

// eventsPerInsert is how many events one INSERT statement writes.
const eventsPerInsert = 100

// InsertEvents writes evs to their organisations' inboxes inside tx, the
// transaction of the change they announce, so that a committed change always
// has its notifications. An event without ID gets one; every event must have
// its Time. The events are written with multi-row INSERTs, in order (a
// diffusion to a region notifies some fifty organisations at once).
func InsertEvents(ctx context.Context, tx *sql.Tx, evs []notify.Event) error {
	const op = "sqldb.InsertEvents"
	if len(evs) == 0 {
		return nil
	}
	hooked, err := webhookOrgs(ctx, tx)
	if err != nil {
		return err
	}
	for len(evs) > 0 {
		batch := evs[:min(len(evs), eventsPerInsert)]
		evs = evs[len(batch):]
		var q strings.Builder
		q.WriteString(`INSERT INTO events (id, org, type, subject, title, data, created_at, dispatched_at) VALUES `)
		args := make([]any, 0, 8*len(batch))
		for i, e := range batch {
			if err := readyEvent(op, &e); err != nil {
				return err
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for j := range 8 {
				if j > 0 {
					q.WriteString(", ")
				}
				q.WriteString("$" + strconv.Itoa(len(args)+j+1))
			}
			q.WriteString(")")
			args = append(args, e.ID, e.Org, e.Type, e.Subject, e.Title, string(e.Data), Nanos(e.Time), dispatched(hooked, e))
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return wrap(op, err)
		}
	}
	return nil
}

// insertEvents is InsertEvents for the many events of a group-committed
// batch of checks' hits. On SQLite it runs one prepared single-row INSERT
// per event: a multi-row INSERT is parsed anew for each batch size and
// keeps a statement journal, together half the cost of writing the events
// of hits.
func (db *DB) insertEvents(ctx context.Context, tx *sql.Tx, evs []notify.Event) error {
	const op = "sqldb.InsertEvents"
	if db.Engine != SQLite || len(evs) < 2 {
		return InsertEvents(ctx, tx, evs)
	}
	hooked, err := webhookOrgs(ctx, db.txQuerier(tx))
	if err != nil {
		return err
	}
	const ins = `INSERT INTO events (id, org, type, subject, title, data, created_at, dispatched_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	st, err := db.txPrepared(ctx, tx, ins)
	if err != nil {
		return wrap(op, err)
	}
	for _, e := range evs {
		if err := readyEvent(op, &e); err != nil {
			return err
		}
		if _, err := st.ExecContext(ctx, e.ID, e.Org, e.Type, e.Subject, e.Title, string(e.Data), Nanos(e.Time), dispatched(hooked, e)); err != nil {
			return wrap(op, err)
		}
	}
	return nil
}

// webhookOrgs returns, inside a transaction, the organisations that have
// webhooks.
func webhookOrgs(ctx context.Context, tx querier) (map[string]bool, error) {
	const op = "sqldb.webhookOrgs"
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT org FROM webhooks`)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var org string
		if err := rows.Scan(&org); err != nil {
			return nil, wrap(op, err)
		}
		out[org] = true
	}
	return out, wrap(op, rows.Err())
}

// dispatched is an event's dispatched_at as inserted: 0 (for the webhook
// dispatcher) when its organisation has webhooks, else its time, as there
// is nothing to dispatch. Marking each event dispatched afterwards was a
// write transaction of the dispatcher after nearly every commit that
// carried events, each holding the write lock from the checks' audit
// commits. A webhook registered while the event's transaction runs may
// miss it, as it would an event of a moment before.
func dispatched(hooked map[string]bool, e notify.Event) int64 {
	if hooked[e.Org] {
		return 0
	}
	return Nanos(e.Time)
}

// readyEvent gives e an ID if it has none and checks that it has a time.
func readyEvent(op string, e *notify.Event) error {
	if e.Time.IsZero() {
		return errs.E(op, errs.Internal, "event without time")
	}
	if e.ID == "" {
		e.ID = eventID(e.Time)
	}
	return nil
}

// eventID is a new event's ID: "evt_", then its time and 8 random bytes in
// hex, so that IDs grow with time. The unique index on events.id then takes
// new IDs at its end; entirely random IDs landed on a random page of an
// index larger than the writer's page cache, which cost a read of the page
// from the file and a page of log at every event (most of the cost of
// writing a manifest's hits).
func eventID(t time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(t.UnixNano()))
	_, _ = rand.Read(b[8:])
	return "evt_" + hex.EncodeToString(b[:])
}

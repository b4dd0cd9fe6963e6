package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
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
	for len(evs) > 0 {
		batch := evs[:min(len(evs), eventsPerInsert)]
		evs = evs[len(batch):]
		var q strings.Builder
		q.WriteString(`INSERT INTO events (id, org, type, subject, title, data, created_at) VALUES `)
		args := make([]any, 0, 7*len(batch))
		for i, e := range batch {
			if e.ID == "" {
				id, err := identity.NewID("evt")
				if err != nil {
					return err
				}
				e.ID = id
			}
			if e.Time.IsZero() {
				return errs.E(op, errs.Internal, "event without time")
			}
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for j := range 7 {
				if j > 0 {
					q.WriteString(", ")
				}
				q.WriteString("$" + strconv.Itoa(len(args)+j+1))
			}
			q.WriteString(")")
			args = append(args, e.ID, e.Org, e.Type, e.Subject, e.Title, string(e.Data), Nanos(e.Time))
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return wrap(op, err)
		}
	}
	return nil
}

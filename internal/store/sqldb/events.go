package sqldb

import (
	"context"
	"database/sql"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notify"
)

// InsertEvents writes evs to their organisations' inboxes inside tx, the
// transaction of the change they announce, so that a committed change always
// has its notifications. An event without ID or Time gets one.
func InsertEvents(ctx context.Context, tx *sql.Tx, evs []notify.Event) error {
	const op = "sqldb.InsertEvents"
	for _, e := range evs {
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
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (id, org, type, subject, title, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			e.ID, e.Org, e.Type, e.Subject, e.Title, string(e.Data), Nanos(e.Time)); err != nil {
			return wrap(op, err)
		}
	}
	return nil
}

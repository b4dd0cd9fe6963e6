package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
)

var _ notify.Store = (*DB)(nil)

const eventCols = `seq, id, org, type, subject, title, data, created_at, read_at`

func scanEvent(r scanner) (notify.Event, error) {
	var e notify.Event
	var data string
	var at, read int64
	if err := r.Scan(&e.Seq, &e.ID, &e.Org, &e.Type, &e.Subject, &e.Title, &data, &at, &read); err != nil {
		return e, err
	}
	if data != "" {
		e.Data = json.RawMessage(data)
	}
	e.Time, e.ReadAt = Time(at), Time(read)
	return e, nil
}

// EventsAfter returns the events with seq > after, of org or of every
// organisation when org is "", in seq order, at most limit.
func (db *DB) EventsAfter(ctx context.Context, org string, after int64, limit int) ([]notify.Event, error) {
	const op = "sqldb.EventsAfter"
	if org == "" {
		return queryAll(ctx, db, op, scanEvent, `SELECT `+eventCols+` FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	}
	return queryAll(ctx, db, op, scanEvent, `SELECT `+eventCols+` FROM events WHERE org = $1 AND seq > $2 ORDER BY seq LIMIT $3`, org, after, limit)
}

// LastSeq returns the highest event seq, 0 when there is none.
func (db *DB) LastSeq(ctx context.Context) (int64, error) {
	var n sql.NullInt64
	if err := db.SQL.QueryRowContext(ctx, `SELECT max(seq) FROM events`).Scan(&n); err != nil {
		return 0, wrap("sqldb.LastSeq", err)
	}
	return n.Int64, nil
}

// Inbox returns org's events newest first below before (all when 0).
func (db *DB) Inbox(ctx context.Context, org string, before int64, limit int) ([]notify.Event, error) {
	const op = "sqldb.Inbox"
	if before <= 0 {
		return queryAll(ctx, db, op, scanEvent, `SELECT `+eventCols+` FROM events WHERE org = $1 ORDER BY seq DESC LIMIT $2`, org, limit)
	}
	return queryAll(ctx, db, op, scanEvent, `SELECT `+eventCols+` FROM events WHERE org = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, org, before, limit)
}

// Event returns the event with id.
func (db *DB) Event(ctx context.Context, id string) (notify.Event, error) {
	e, err := scanEvent(db.SQL.QueryRowContext(ctx, `SELECT `+eventCols+` FROM events WHERE id = $1`, id))
	return e, wrap("sqldb.Event", err)
}

// Unread counts org's unread events.
func (db *DB) Unread(ctx context.Context, org string) (int, error) {
	var n int
	err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM events WHERE org = $1 AND read_at = 0`, org).Scan(&n)
	return n, wrap("sqldb.Unread", err)
}

// MarkRead marks org's event id read at t, keeping the first reading time.
func (db *DB) MarkRead(ctx context.Context, org, id string, t time.Time) error {
	const op = "sqldb.MarkRead"
	res, err := db.exec(ctx, `UPDATE events SET read_at = CASE WHEN read_at = 0 THEN $1 ELSE read_at END WHERE org = $2 AND id = $3`, Nanos(t), org, id)
	if err != nil {
		return wrap(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(op, errs.NotFound, "no such event")
	}
	return nil
}

// MarkAllRead marks org's unread events read at t.
func (db *DB) MarkAllRead(ctx context.Context, org string, t time.Time) (int, error) {
	res, err := db.exec(ctx, `UPDATE events SET read_at = $1 WHERE org = $2 AND read_at = 0`, Nanos(t), org)
	if err != nil {
		return 0, wrap("sqldb.MarkAllRead", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

const webhookCols = `id, org, url, secret, types, created_by, created_at`

func scanWebhook(r scanner) (notify.Webhook, error) {
	var w notify.Webhook
	var types string
	var at int64
	if err := r.Scan(&w.ID, &w.Org, &w.URL, &w.Secret, &types, &w.CreatedBy, &at); err != nil {
		return w, err
	}
	if types != "" {
		w.Types = strings.Split(types, ",")
	}
	w.CreatedAt = Time(at)
	return w, nil
}

// CreateWebhook stores a webhook.
func (db *DB) CreateWebhook(ctx context.Context, w notify.Webhook) error {
	_, err := db.exec(ctx, `INSERT INTO webhooks (`+webhookCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		w.ID, w.Org, w.URL, w.Secret, strings.Join(w.Types, ","), w.CreatedBy, Nanos(w.CreatedAt))
	return wrap("sqldb.CreateWebhook", err)
}

// Webhook returns webhook id.
func (db *DB) Webhook(ctx context.Context, id string) (notify.Webhook, error) {
	w, err := scanWebhook(db.SQL.QueryRowContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE id = $1`, id))
	return w, wrap("sqldb.Webhook", err)
}

// Webhooks returns org's webhooks, oldest first.
func (db *DB) Webhooks(ctx context.Context, org string) ([]notify.Webhook, error) {
	return queryAll(ctx, db, "sqldb.Webhooks", scanWebhook, `SELECT `+webhookCols+` FROM webhooks WHERE org = $1 ORDER BY created_at, id`, org)
}

// DeleteWebhook removes org's webhook id.
func (db *DB) DeleteWebhook(ctx context.Context, org, id string) error {
	const op = "sqldb.DeleteWebhook"
	res, err := db.exec(ctx, `DELETE FROM webhooks WHERE org = $1 AND id = $2`, org, id)
	if err != nil {
		return wrap(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(op, errs.NotFound, "no such webhook")
	}
	return nil
}

// AddDelivery appends to the delivery log.
func (db *DB) AddDelivery(ctx context.Context, d notify.Delivery) error {
	_, err := db.exec(ctx, `INSERT INTO webhook_deliveries (webhook, org, event, event_type, attempt, outcome, status_code, error, duration_ns, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		d.Webhook, d.Org, d.Event, d.EventType, d.Attempt, d.Outcome, d.StatusCode, d.Error, int64(d.Duration), Nanos(d.At))
	return wrap("sqldb.AddDelivery", err)
}

// Deliveries returns org's delivery log (of webhook when not ""), newest first.
func (db *DB) Deliveries(ctx context.Context, org, webhook string, limit int) ([]notify.Delivery, error) {
	scan := func(r scanner) (notify.Delivery, error) {
		var d notify.Delivery
		var dur, at int64
		err := r.Scan(&d.ID, &d.Webhook, &d.Org, &d.Event, &d.EventType, &d.Attempt, &d.Outcome, &d.StatusCode, &d.Error, &dur, &at)
		d.Duration, d.At = time.Duration(dur), Time(at)
		return d, err
	}
	const cols = `SELECT id, webhook, org, event, event_type, attempt, outcome, status_code, error, duration_ns, at FROM webhook_deliveries`
	if webhook == "" {
		return queryAll(ctx, db, "sqldb.Deliveries", scan, cols+` WHERE org = $1 ORDER BY id DESC LIMIT $2`, org, limit)
	}
	return queryAll(ctx, db, "sqldb.Deliveries", scan, cols+` WHERE org = $1 AND webhook = $2 ORDER BY id DESC LIMIT $3`, org, webhook, limit)
}

// ClaimUndispatched returns, inside tx, at most limit events not yet
// turned into webhook deliveries, oldest first, locked against other
// processes' dispatchers (on PostgreSQL rows another transaction holds are
// skipped; SQLite transactions are serialised).
func ClaimUndispatched(ctx context.Context, tx *sql.Tx, engine Engine, limit int) ([]notify.Event, error) {
	const op = "sqldb.ClaimUndispatched"
	q := `SELECT ` + eventCols + ` FROM events WHERE dispatched_at = 0 ORDER BY seq LIMIT $1`
	if engine == Postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := tx.QueryContext(ctx, q, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []notify.Event
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, e)
	}
	return out, wrap(op, rows.Err())
}

// MarkDispatched records inside tx that the events with seqs were turned
// into deliveries at t.
func MarkDispatched(ctx context.Context, tx *sql.Tx, seqs []int64, t time.Time) error {
	for len(seqs) > 0 {
		chunk := seqs[:min(len(seqs), 500)]
		seqs = seqs[len(chunk):]
		var c conds
		at := c.arg(Nanos(t))
		ph := make([]string, len(chunk))
		for i, s := range chunk {
			ph[i] = c.arg(s)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET dispatched_at = `+at+` WHERE seq IN (`+strings.Join(ph, ", ")+`)`, c.args...); err != nil {
			return wrap("sqldb.MarkDispatched", err)
		}
	}
	return nil
}

// WebhooksTx returns org's webhooks inside tx.
func WebhooksTx(ctx context.Context, tx *sql.Tx, org string) ([]notify.Webhook, error) {
	const op = "sqldb.WebhooksTx"
	rows, err := tx.QueryContext(ctx, `SELECT `+webhookCols+` FROM webhooks WHERE org = $1 ORDER BY created_at, id`, org)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []notify.Webhook
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, w)
	}
	return out, wrap(op, rows.Err())
}

// AcquireLease takes or renews the lease name for holder until now+ttl
// when it is free, expired or already holder's, and reports whether holder
// has it. Processes sharing the database use it to run singleton jobs.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := db.exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.expires_at <= $4 OR leases.holder = excluded.holder`, name, holder, Nanos(now.Add(ttl)), Nanos(now))
	if err != nil {
		return false, wrap("sqldb.AcquireLease", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseLease gives up holder's lease name.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := db.exec(ctx, `UPDATE leases SET expires_at = 0 WHERE name = $1 AND holder = $2`, name, holder)
	return wrap("sqldb.ReleaseLease", err)
}

// HasUndispatched reports, without locking, whether some event awaits
// webhook dispatch; the dispatcher asks before opening a write transaction.
func (db *DB) HasUndispatched(ctx context.Context) (bool, error) {
	var n int
	err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM events WHERE dispatched_at = 0 LIMIT 1) x`).Scan(&n)
	return n > 0, wrap("sqldb.HasUndispatched", err)
}

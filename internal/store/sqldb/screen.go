package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/screen"
)

var _ screen.Store = (*DB)(nil)

// RecordsByID returns the rows of kind with these IDs; missing IDs are
// left out.
func (db *DB) RecordsByID(ctx context.Context, kind string, ids []string) ([]property.Row, error) {
	return db.recordsIn(ctx, "sqldb.RecordsByID", kind, "id", ids)
}

// recordsIn returns the rows of kind whose column col is one of vals, in
// any order: one query per inChunk values, up to inParallel of them at
// once on connections of their own. A manifest's candidates (some 900
// rows) read by one connection took 190 ms of CPU on one core, much of it
// reading pages back from the file.
func (db *DB) recordsIn(ctx context.Context, op, kind, col string, vals []string) ([]property.Row, error) {
	t, err := propertyTable(op, kind)
	if err != nil {
		return nil, err
	}
	query := func(chunk []string) ([]property.Row, error) {
		ph, args := inList(chunk, 1)
		return queryAll(ctx, db, op, scanPropertyRow, `SELECT `+propertyCols+` FROM `+t+` WHERE `+col+` IN (`+ph+`)`, args...)
	}
	if len(vals) <= inChunk {
		return query(vals)
	}
	var (
		mu    sync.Mutex
		out   []property.Row
		first error
		wg    sync.WaitGroup
	)
	sem := make(chan struct{}, inParallel)
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return first != nil
	}
	for len(vals) > 0 && !failed() {
		chunk := vals[:min(len(vals), inChunk)]
		vals = vals[len(chunk):]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			rows, err := query(chunk)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
			out = append(out, rows...)
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}

// inChunk is how many values one query of recordsIn takes, and inParallel
// how many such queries run at once.
const (
	inChunk    = 128
	inParallel = 4
)

// RecordsByK1 returns the records of kind whose first key is one of keys,
// in any order.
func (db *DB) RecordsByK1(ctx context.Context, kind string, keys []string) ([]property.Row, error) {
	return db.recordsIn(ctx, "sqldb.RecordsByK1", kind, "k1", keys)
}

// RecordKeys calls fn with every record of kind changed at or after since.
func (db *DB) RecordKeys(ctx context.Context, kind string, since time.Time, body bool, fn func(screen.KeyRow) error) error {
	const op = "sqldb.RecordKeys"
	t, err := propertyTable(op, kind)
	if err != nil {
		return err
	}
	cols := `id, k1, k2, k3, updated_at`
	if body {
		cols += `, body`
	}
	q := `SELECT ` + cols + ` FROM ` + t
	var args []any
	if !since.IsZero() {
		q += ` WHERE updated_at >= $1`
		args = append(args, Nanos(since))
	}
	rows, err := db.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	var r screen.KeyRow
	var updated int64
	var b sql.RawBytes
	for rows.Next() {
		dest := []any{&r.ID, &r.K1, &r.K2, &r.K3, &updated}
		if body {
			dest = append(dest, &b)
		}
		if err := rows.Scan(dest...); err != nil {
			return wrap(op, err)
		}
		r.Updated = Time(updated)
		r.Body = b
		if err := fn(r); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

// NoticeKeys calls fn with every notice changed at or after since.
func (db *DB) NoticeKeys(ctx context.Context, since time.Time, fn func(id string, body []byte, updated time.Time) error) error {
	const op = "sqldb.NoticeKeys"
	rows, err := db.SQL.QueryContext(ctx, `SELECT id, body, updated_at FROM notices WHERE updated_at >= $1`, Nanos(since))
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	var id string
	var body sql.RawBytes
	var updated int64
	for rows.Next() {
		if err := rows.Scan(&id, &body, &updated); err != nil {
			return wrap(op, err)
		}
		if err := fn(id, body, Time(updated)); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

const hitCols = `id, check_id, kind, record_id, owner, owner_org, ref, searcher, searcher_org, searcher_country, purpose, location,
	priority, query, matched, score, status, deadline, escalated_at, decided_at, decided_by, reason, offline_id, checked_at`

func scanHit(s scanner) (screen.HitRecord, error) {
	var h screen.HitRecord
	var query, matched string
	var deadline, escalated, decided, checked int64
	err := s.Scan(&h.ID, &h.CheckID, &h.Kind, &h.RecordID, &h.Owner, &h.OwnerOrg, &h.Ref, &h.Searcher, &h.SearcherOrg, &h.SearcherCountry,
		&h.Purpose, &h.Location, &h.Priority, &query, &matched, &h.Score, &h.Status, &deadline, &escalated, &decided, &h.DecidedBy,
		&h.Reason, &h.OfflineID, &checked)
	if err != nil {
		return h, err
	}
	h.Query = []byte(query)
	if matched != "" {
		h.Matched = []byte(matched)
	}
	h.Deadline, h.EscalatedAt, h.DecidedAt, h.CheckedAt = Time(deadline), Time(escalated), Time(decided), Time(checked)
	h.Offline = h.OfflineID != ""
	return h, nil
}

// InsertHits stores hits and their events in one transaction, skipping
// offline hits already stored (and their events).
func (db *DB) InsertHits(ctx context.Context, hits []screen.HitRecord, evs []notify.Event) (int, error) {
	n := 0
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = db.insertHits(ctx, tx, hits, evs)
		return err
	})
	return n, err
}

// writeAttached writes the writes attached to an audit batch in its
// transaction (audit.Log.AppendWith).
func (db *DB) writeAttached(ctx context.Context, tx *sql.Tx, attached []any) error {
	var hits []screen.HitRecord
	var evs []notify.Event
	for _, a := range attached {
		switch w := a.(type) {
		case screen.HitWrite:
			hits = append(hits, w.Hits...)
			evs = append(evs, w.Events...)
		default:
			return errs.E("sqldb.AppendAudit", errs.Internal, fmt.Sprintf("cannot write a %T attached to audit entries", a))
		}
	}
	if len(hits) == 0 && len(evs) == 0 {
		return nil
	}
	_, err := db.insertHits(ctx, tx, hits, evs)
	return err
}

// insertHits stores hits and their events in tx (see InsertHits).
func (db *DB) insertHits(ctx context.Context, tx *sql.Tx, hits []screen.HitRecord, evs []notify.Event) (int, error) {
	const op = "sqldb.InsertHits"
	n := 0
	skip := map[string]bool{}
	q := `INSERT INTO hits (` + hitCols + `) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
		$13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)`
	exec := func(args ...any) error { _, err := tx.ExecContext(ctx, q, args...); return err }
	// SQLite parses each statement it is given (pgx caches them):
	// parsing the 24 columns again for each hit of a manifest took a
	// fifth of the insert.
	if st, err := db.txStmt(ctx, tx, q); err != nil {
		return n, wrap(op, err)
	} else if st != nil {
		exec = func(args ...any) error { _, err := st.ExecContext(ctx, args...); return err }
	}
	for _, h := range hits {
		if h.OfflineID != "" {
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM hits WHERE offline_id = $1`, h.OfflineID).Scan(&one)
			if err == nil {
				skip[h.ID] = true
				continue
			}
			if err != sql.ErrNoRows {
				return n, wrap(op, err)
			}
		}
		err := exec(h.ID, h.CheckID, h.Kind, h.RecordID, h.Owner, h.OwnerOrg, h.Ref, h.Searcher, h.SearcherOrg, h.SearcherCountry,
			h.Purpose, h.Location, h.Priority, string(h.Query), string(h.Matched), h.Score, h.Status, Nanos(h.Deadline),
			Nanos(h.EscalatedAt), Nanos(h.DecidedAt), h.DecidedBy, h.Reason, h.OfflineID, Nanos(h.CheckedAt))
		if err != nil {
			return n, wrap(op, err)
		}
		n++
	}
	var keep []notify.Event
	for _, e := range evs {
		if !skip[strings.TrimPrefix(e.Subject, "hit:")] {
			keep = append(keep, e)
		}
	}
	return n, db.insertEvents(ctx, tx, keep)
}

// Hit returns one hit.
func (db *DB) Hit(ctx context.Context, id string) (screen.HitRecord, error) {
	const op = "sqldb.Hit"
	h, err := scanHit(db.SQL.QueryRowContext(ctx, `SELECT `+hitCols+` FROM hits WHERE id = $1`, id))
	if err != nil {
		return h, wrap(op, err)
	}
	return h, nil
}

// Hits returns the hits matching f, newest first.
func (db *DB) Hits(ctx context.Context, f screen.HitFilter) ([]screen.HitRecord, error) {
	const op = "sqldb.Hits"
	var c conds
	if f.Owner != "" {
		c.and("owner = " + c.arg(f.Owner))
	}
	if f.SearcherCountry != "" {
		c.and("searcher_country = " + c.arg(f.SearcherCountry))
	}
	if f.Status != "" {
		c.and("status = " + c.arg(f.Status))
	}
	if f.Before != "" {
		c.and("id < " + c.arg(f.Before))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	return queryAll(ctx, db, op, scanHit, `SELECT `+hitCols+` FROM hits`+c.where()+` ORDER BY id DESC LIMIT `+itoa(limit), c.args...)
}

// DecideHit sets a pending hit's decision and writes evs in one transaction.
func (db *DB) DecideHit(ctx context.Context, id, status, by, reason string, at time.Time, evs []notify.Event) error {
	const op = "sqldb.DecideHit"
	return db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE hits SET status = $1, decided_by = $2, reason = $3, decided_at = $4 WHERE id = $5 AND status = 'pending'`,
			status, by, reason, Nanos(at), id)
		if err != nil {
			return wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(op, errs.Conflict, "the hit was decided meanwhile")
		}
		return InsertEvents(ctx, tx, evs)
	})
}

// OverdueHits returns up to limit pending, never escalated hits whose
// deadline is before now.
func (db *DB) OverdueHits(ctx context.Context, now time.Time, limit int) ([]screen.HitRecord, error) {
	const op = "sqldb.OverdueHits"
	return queryAll(ctx, db, op, scanHit, `SELECT `+hitCols+` FROM hits WHERE status = 'pending' AND escalated_at = 0 AND deadline < $1
		ORDER BY deadline LIMIT `+itoa(limit), Nanos(now))
}

// EscalateHits implements screen.Store: in one transaction, each hit is
// marked escalated and its events written unless it no longer is pending
// and unescalated (another process was first).
func (db *DB) EscalateHits(ctx context.Context, at time.Time, es []screen.Escalation) ([]string, error) {
	const op = "sqldb.EscalateHits"
	var done []string
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		done = done[:0]
		var evs []notify.Event
		for _, e := range es {
			res, err := tx.ExecContext(ctx, `UPDATE hits SET escalated_at = $1 WHERE id = $2 AND escalated_at = 0 AND status = 'pending'`, Nanos(at), e.Hit)
			if err != nil {
				return wrap(op, err)
			}
			if n, _ := res.RowsAffected(); n == 1 {
				done = append(done, e.Hit)
				evs = append(evs, e.Events...)
			}
		}
		return InsertEvents(ctx, tx, evs)
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// AddCheckStats adds check counts.
func (db *DB) AddCheckStats(ctx context.Context, rows []screen.StatRow) error {
	const op = "sqldb.AddCheckStats"
	return db.Tx(ctx, func(tx *sql.Tx) error {
		for _, r := range rows {
			_, err := tx.ExecContext(ctx, `INSERT INTO check_stats (day, country, kind, checks) VALUES ($1, $2, $3, $4)
				ON CONFLICT (day, country, kind) DO UPDATE SET checks = check_stats.checks + excluded.checks`, r.Day, r.Country, r.Kind, r.Checks)
			if err != nil {
				return wrap(op, err)
			}
		}
		return nil
	})
}

// CheckStats returns checks and hits per day, country and kind.
func (db *DB) CheckStats(ctx context.Context, from, to time.Time, country string) ([]screen.StatRow, error) {
	const op = "sqldb.CheckStats"
	fromDay, toDay := from.UTC().Format(time.DateOnly), to.UTC().Format(time.DateOnly)
	type key struct{ day, country, kind string }
	acc := map[key]*screen.StatRow{}
	get := func(k key) *screen.StatRow {
		r := acc[k]
		if r == nil {
			r = &screen.StatRow{Day: k.day, Country: k.country, Kind: k.kind}
			acc[k] = r
		}
		return r
	}
	var c conds
	c.and("day >= " + c.arg(fromDay))
	c.and("day <= " + c.arg(toDay))
	if country != "" {
		c.and("country = " + c.arg(country))
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT day, country, kind, checks FROM check_stats`+c.where(), c.args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	for rows.Next() {
		var k key
		var n int64
		if err := rows.Scan(&k.day, &k.country, &k.kind, &n); err != nil {
			rows.Close()
			return nil, wrap(op, err)
		}
		get(k).Checks += n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(op, err)
	}
	// Hits by day of the check, searching country (hits) and owner (hits_on).
	start := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, time.UTC)
	end := time.Date(to.Year(), to.Month(), to.Day(), 0, 0, 0, 0, time.UTC).Add(24 * time.Hour)
	for _, side := range []string{"searcher_country", "owner"} {
		var hc conds
		hc.and("checked_at >= " + hc.arg(Nanos(start)))
		hc.and("checked_at < " + hc.arg(Nanos(end)))
		hc.and("status <> 'silent'")
		if country != "" {
			hc.and(side + " = " + hc.arg(country))
		}
		rs, err := db.SQL.QueryContext(ctx, `SELECT `+side+`, kind, checked_at FROM hits`+hc.where(), hc.args...)
		if err != nil {
			return nil, wrap(op, err)
		}
		for rs.Next() {
			var cc, kind string
			var at int64
			if err := rs.Scan(&cc, &kind, &at); err != nil {
				rs.Close()
				return nil, wrap(op, err)
			}
			r := get(key{Time(at).Format(time.DateOnly), cc, kind})
			if side == "owner" {
				r.HitsOn++
			} else {
				r.Hits++
			}
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, wrap(op, err)
		}
	}
	out := make([]screen.StatRow, 0, len(acc))
	for _, r := range acc {
		out = append(out, *r)
	}
	sortStats(out)
	return out, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

// sortStats orders statistics by day, country and kind.
func sortStats(rs []screen.StatRow) {
	slices.SortFunc(rs, func(a, b screen.StatRow) int {
		return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Country, b.Country), cmp.Compare(a.Kind, b.Kind))
	})
}

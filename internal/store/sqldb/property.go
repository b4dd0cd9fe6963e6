package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
)

var _ property.Store = (*DB)(nil)

// propertyTable returns the table of a property kind.
func propertyTable(op, kind string) (string, error) {
	switch kind {
	case property.KindDocument, property.KindVehicle, property.KindArtwork, property.KindPerson:
		return "property_" + kind + "s", nil
	}
	return "", errs.E(op, errs.Internal, "unknown property kind "+strconv.Quote(kind))
}

const propertyCols = `id, owner, ref, owner_org, k1, k2, k3, body, env, review_at, version, created_at, created_by, updated_at, updated_by`

func scanPropertyRow(s scanner) (property.Row, error) {
	var r property.Row
	var body, env string
	var review, created, updated int64
	m := &r.Meta
	if err := s.Scan(&m.ID, &m.Owner, &m.Ref, &m.OwnerOrg, &r.Keys.K1, &r.Keys.K2, &r.Keys.K3, &body, &env, &review, &m.Version,
		&created, &m.CreatedBy, &updated, &m.UpdatedBy); err != nil {
		return r, err
	}
	r.Body, r.Env = []byte(body), []byte(env)
	m.ReviewAt, m.CreatedAt, m.UpdatedAt = Time(review), Time(created), Time(updated)
	if err := property.DecodeEnvelope(r.Env, m); err != nil {
		return r, fmt.Errorf("record %s: envelope: %w", m.ID, err)
	}
	return r, nil
}

func envOf(r property.Row) string {
	if r.Env != nil {
		return string(r.Env)
	}
	return string(property.EncodeEnvelope(r.Meta))
}

// propertyConflict names the field of a unique violation of a property
// table: the owner's ref, or a document's number.
func propertyConflict(op string, err error) error {
	if dbKind(err) != errs.Conflict {
		return wrap(op, err)
	}
	if strings.Contains(err.Error(), "ref") {
		return errs.E(op, errs.Conflict, "a record with this ref already exists", "ref", err)
	}
	return errs.E(op, errs.Conflict, "a document with this number, type and issuing country is already recorded under another ref", "number", err)
}

// InsertRecord inserts a new property record.
func (db *DB) InsertRecord(ctx context.Context, kind string, r property.Row) error {
	const op = "sqldb.InsertRecord"
	t, err := propertyTable(op, kind)
	if err != nil {
		return err
	}
	m := r.Meta
	_, err = db.exec(ctx, `INSERT INTO `+t+` (`+propertyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		m.ID, m.Owner, m.Ref, m.OwnerOrg, r.Keys.K1, r.Keys.K2, r.Keys.K3, string(r.Body), envOf(r), Nanos(m.ReviewAt), m.Version,
		Nanos(m.CreatedAt), m.CreatedBy, Nanos(m.UpdatedAt), m.UpdatedBy)
	if err != nil {
		return propertyConflict(op, err)
	}
	return nil
}

func insertHistory(ctx context.Context, tx *sql.Tx, kind, id string, c record.Change) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO property_history (kind, record_id, version, at, by_user, action, note) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		kind, id, c.Version, Nanos(c.At), c.By, c.Action, c.Note)
	return err
}

// UpdateRecord replaces a record whose stored version is prev.
func (db *DB) UpdateRecord(ctx context.Context, kind string, r property.Row, prev int, c record.Change) error {
	const op = "sqldb.UpdateRecord"
	t, err := propertyTable(op, kind)
	if err != nil {
		return err
	}
	m := r.Meta
	return db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE `+t+` SET ref = $1, k1 = $2, k2 = $3, k3 = $4, body = $5, env = $6, review_at = $7, version = $8,
			updated_at = $9, updated_by = $10 WHERE id = $11 AND version = $12`,
			m.Ref, r.Keys.K1, r.Keys.K2, r.Keys.K3, string(r.Body), envOf(r), Nanos(m.ReviewAt), m.Version, Nanos(m.UpdatedAt), m.UpdatedBy, m.ID, prev)
		if err != nil {
			return propertyConflict(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(op, errs.Conflict, "the record changed or was deleted meanwhile", "version")
		}
		return wrap(op, insertHistory(ctx, tx, kind, m.ID, c))
	})
}

// DeleteRecord deletes a record and records c in its history.
func (db *DB) DeleteRecord(ctx context.Context, kind, id string, c record.Change) error {
	const op = "sqldb.DeleteRecord"
	t, err := propertyTable(op, kind)
	if err != nil {
		return err
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE id = $1`, id)
		if err != nil {
			return wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(op, errs.NotFound, "no such record")
		}
		return wrap(op, insertHistory(ctx, tx, kind, id, c))
	})
}

// Record returns one record.
func (db *DB) Record(ctx context.Context, kind, id string) (property.Row, error) {
	const op = "sqldb.Record"
	t, err := propertyTable(op, kind)
	if err != nil {
		return property.Row{}, err
	}
	r, err := scanPropertyRow(db.SQL.QueryRowContext(ctx, `SELECT `+propertyCols+` FROM `+t+` WHERE id = $1`, id))
	if err != nil {
		return r, wrap(op, err)
	}
	return r, nil
}

// Records returns the rows matching f ordered by ID.
func (db *DB) Records(ctx context.Context, kind string, f property.Filter) ([]property.Row, error) {
	const op = "sqldb.Records"
	t, err := propertyTable(op, kind)
	if err != nil {
		return nil, err
	}
	var c conds
	add := func(cond string, v any) { c.and(strings.ReplaceAll(cond, "?", c.arg(v))) }
	if f.Owner != "" {
		add("owner = ?", f.Owner)
	}
	if f.K1 != "" {
		add("k1 = ?", f.K1)
	}
	if f.K2 != "" {
		add("k2 = ?", f.K2)
	}
	if f.Text != "" {
		add(`k1 LIKE ? ESCAPE '\'`, "%"+likeEscape(f.Text)+"%")
	}
	if f.After != "" {
		add("id > ?", f.After)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q := `SELECT ` + propertyCols + ` FROM ` + t
	q += c.where()
	q += ` ORDER BY id LIMIT ` + strconv.Itoa(limit)
	return queryAll(ctx, db, op, scanPropertyRow, q, c.args...)
}

// History returns a record's changes, oldest first: its creation (from the
// row) then the stored changes.
func (db *DB) History(ctx context.Context, kind, id string) ([]record.Change, error) {
	const op = "sqldb.History"
	var out []record.Change
	if r, err := db.Record(ctx, kind, id); err == nil {
		out = append(out, record.Change{Version: 1, At: r.Meta.CreatedAt, By: r.Meta.CreatedBy, Action: "created"})
	} else if !errs.Is(errs.NotFound, err) {
		return nil, errs.E(op, err)
	}
	cs, err := queryAll(ctx, db, op, func(s scanner) (record.Change, error) {
		var c record.Change
		var at int64
		err := s.Scan(&c.Version, &at, &c.By, &c.Action, &c.Note)
		c.At = Time(at)
		return c, err
	}, `SELECT version, at, by_user, action, note FROM property_history WHERE kind = $1 AND record_id = $2 ORDER BY version, at`, kind, id)
	if err != nil {
		return nil, err
	}
	out = append(out, cs...)
	if len(out) == 0 {
		return nil, errs.E(op, errs.NotFound, "no such record")
	}
	return out, nil
}

// upsertChunk is how many rows one multi-row INSERT carries (7 parameters
// a row, well under both engines' limits).
const upsertChunk = 1000

// sqlString returns s as an SQL string literal (standard quoting, which
// both engines use).
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// valuesSQL writes the VALUES rows of n rows of one owner into b. The
// values every row shares (owner, organisation, review date, time, user)
// are literals; each row has 7 parameters, positional ("?") on SQLite,
// whose driver resolves numbered parameters in time proportional to their
// count (quadratic for a large statement), "$N" on PostgreSQL.
func (db *DB) valuesSQL(b *strings.Builder, n int, m record.Meta) {
	owner, org := sqlString(m.Owner), sqlString(m.OwnerOrg)
	shared := fmt.Sprintf("%d,1,%d,%s,%d,%s)", Nanos(m.ReviewAt), Nanos(m.CreatedAt), sqlString(m.CreatedBy), Nanos(m.CreatedAt), sqlString(m.CreatedBy))
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		if db.Engine == SQLite {
			b.WriteString("(?," + owner + ",?," + org + ",?,?,?,?,?,")
		} else {
			p := 1 + 7*i
			fmt.Fprintf(b, "($%d,%s,$%d,%s,$%d,$%d,$%d,$%d,$%d,", p, owner, p+1, org, p+2, p+3, p+4, p+5, p+6)
		}
		b.WriteString(shared)
	}
}

// insertSQL returns the multi-row INSERT of n new rows into table t. On
// SQLite it is INSERT OR ROLLBACK: a violation of a unique key rolls the
// whole batch back (it is then retried row by row), so SQLite keeps no
// statement journal for these large statements.
func (db *DB) insertSQL(t string, n int, m record.Meta) string {
	var b strings.Builder
	b.Grow(64 * n)
	if db.Engine == SQLite {
		b.WriteString(`INSERT OR ROLLBACK INTO ` + t + ` (` + propertyCols + `) VALUES `)
	} else {
		b.WriteString(`INSERT INTO ` + t + ` (` + propertyCols + `) VALUES `)
	}
	db.valuesSQL(&b, n, m)
	return b.String()
}

// upsertSQL returns the upsert of n rows into table t: insert, or update
// the row of the same (owner, ref) when its content or envelope differ.
func (db *DB) upsertSQL(t string, n int, m record.Meta) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO ` + t + ` (` + propertyCols + `) VALUES `)
	db.valuesSQL(&b, n, m)
	b.WriteString(` ON CONFLICT (owner, ref) DO UPDATE SET k1 = excluded.k1, k2 = excluded.k2, k3 = excluded.k3, body = excluded.body,
		env = excluded.env, version = ` + t + `.version + 1, updated_at = excluded.updated_at, updated_by = excluded.updated_by
		WHERE ` + t + `.body <> excluded.body OR ` + t + `.env <> excluded.env RETURNING id, version`)
	return b.String()
}

// UpsertRecords inserts or updates a batch of one owner's rows keyed by
// (owner, ref) and stores the import's progress, in one transaction. When a
// row breaks another unique key the batch is retried row by row, each in a
// savepoint, and the refused rows are reported in Failed.
func (db *DB) UpsertRecords(ctx context.Context, kind string, rows []property.Row, note string, p *property.Import) (property.BatchResult, error) {
	const op = "sqldb.UpsertRecords"
	t, err := propertyTable(op, kind)
	if err != nil || len(rows) == 0 {
		return property.BatchResult{}, err
	}
	var res property.BatchResult
	try := func(oneByOne bool) error {
		res = property.BatchResult{}
		return db.Tx(ctx, func(tx *sql.Tx) error {
			var changed []idVersion
			var err error
			if oneByOne {
				changed, err = db.upsertOneByOne(ctx, tx, t, rows, &res)
			} else {
				changed, err = db.upsertChunks(ctx, tx, t, rows)
			}
			if err != nil {
				return err
			}
			for _, c := range changed {
				if c.version == 1 {
					res.Inserted++
				} else {
					res.Updated++
				}
			}
			res.Unchanged = len(rows) - len(changed) - len(res.Failed)
			if err := insertHistories(ctx, tx, kind, changed, rows[0].Meta, note); err != nil {
				return err
			}
			if p != nil {
				next := *p
				next.Inserted += int64(res.Inserted)
				next.Changed += int64(res.Updated)
				next.Unchanged += int64(res.Unchanged)
				next.Bad += int64(len(res.Failed))
				if err := saveImport(ctx, tx, next); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err = try(false)
	if err != nil && errs.Is(errs.Conflict, err) {
		err = try(true)
	}
	if err != nil {
		return property.BatchResult{}, errs.E(op, err)
	}
	if p != nil {
		p.Inserted += int64(res.Inserted)
		p.Changed += int64(res.Updated)
		p.Unchanged += int64(res.Unchanged)
		p.Bad += int64(len(res.Failed))
	}
	return res, nil
}

type idVersion struct {
	id      string
	version int64
}

func rowArgs(args []any, rows []property.Row) []any {
	args = args[:0]
	for i := range rows {
		r := &rows[i]
		args = append(args, r.Meta.ID, r.Meta.Ref, r.Keys.K1, r.Keys.K2, r.Keys.K3, string(r.Body), envOf(*r))
	}
	return args
}

func collect(rs *sql.Rows, out []idVersion) ([]idVersion, error) {
	defer rs.Close()
	for rs.Next() {
		var iv idVersion
		if err := rs.Scan(&iv.id, &iv.version); err != nil {
			return out, err
		}
		out = append(out, iv)
	}
	return out, rs.Err()
}

// upsertChunks writes a batch in chunks of multi-row statements and
// returns the rows inserted (version 1) or changed. On PostgreSQL each chunk
// is one INSERT … ON CONFLICT (owner, ref) DO UPDATE … RETURNING. On
// SQLite, where a large upsert keeps a statement journal and each row's
// RETURNING is a step of the driver, it reads the chunk's stored rows by
// ref first, inserts the new ones with one plain multi-row INSERT, updates
// the changed ones and leaves the unchanged alone (a re-import of
// unchanged data writes nothing); the write lock is held from BEGIN
// (_txlock=immediate), so nothing changes in between.
func (db *DB) upsertChunks(ctx context.Context, tx *sql.Tx, t string, rows []property.Row) ([]idVersion, error) {
	if db.Engine == Postgres {
		return db.upsertChunksReturning(ctx, tx, t, rows)
	}
	const op = "sqldb.UpsertRecords"
	var changed []idVersion
	m := rows[0].Meta
	// Statements of a full chunk are prepared once per batch.
	var update, selectFull, insertFull *sql.Stmt
	defer func() {
		for _, st := range []*sql.Stmt{update, selectFull, insertFull} {
			if st != nil {
				st.Close()
			}
		}
	}()
	selectSQL := func(n int) string {
		var q strings.Builder
		q.WriteString(`SELECT ref, id, version, body, env FROM ` + t + ` WHERE owner = ` + sqlString(m.Owner) + ` AND ref IN (?`)
		q.WriteString(strings.Repeat(",?", n-1))
		q.WriteByte(')')
		return q.String()
	}
	args := make([]any, 0, 7*upsertChunk)
	fresh := make([]property.Row, 0, upsertChunk)
	for start := 0; start < len(rows); start += upsertChunk {
		chunk := rows[start:min(start+upsertChunk, len(rows))]
		// The rows of these refs that exist already.
		args = args[:0]
		for i := range chunk {
			args = append(args, chunk[i].Meta.Ref)
		}
		var rs *sql.Rows
		var err error
		if len(chunk) == upsertChunk {
			if selectFull == nil {
				if selectFull, err = tx.PrepareContext(ctx, selectSQL(upsertChunk)); err != nil {
					return nil, wrap(op, err)
				}
			}
			rs, err = selectFull.QueryContext(ctx, args...)
		} else {
			rs, err = tx.QueryContext(ctx, selectSQL(len(chunk)), args...)
		}
		type stored struct {
			id        string
			version   int64
			body, env string
		}
		have := map[string]stored{}
		if err != nil {
			return nil, wrap(op, err)
		}
		for rs.Next() {
			var ref string
			var st stored
			if err := rs.Scan(&ref, &st.id, &st.version, &st.body, &st.env); err != nil {
				rs.Close()
				return nil, wrap(op, err)
			}
			have[ref] = st
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, wrap(op, err)
		}
		fresh = fresh[:0]
		for i := range chunk {
			r := &chunk[i]
			st, ok := have[r.Meta.Ref]
			if !ok {
				fresh = append(fresh, *r)
				continue
			}
			env := envOf(*r)
			if st.body == string(r.Body) && st.env == env {
				continue // unchanged
			}
			if update == nil {
				if update, err = tx.PrepareContext(ctx, `UPDATE `+t+` SET k1 = $1, k2 = $2, k3 = $3, body = $4, env = $5, version = version + 1,
					updated_at = $6, updated_by = $7 WHERE id = $8`); err != nil {
					return nil, wrap(op, err)
				}
			}
			if _, err := update.ExecContext(ctx, r.Keys.K1, r.Keys.K2, r.Keys.K3, string(r.Body), env, Nanos(m.CreatedAt), m.CreatedBy, st.id); err != nil {
				return nil, propertyConflict(op, err)
			}
			changed = append(changed, idVersion{st.id, st.version + 1})
		}
		if len(fresh) == 0 {
			continue
		}
		args = rowArgs(args, fresh)
		if len(fresh) == upsertChunk {
			if insertFull == nil {
				if insertFull, err = tx.PrepareContext(ctx, db.insertSQL(t, upsertChunk, m)); err != nil {
					return nil, wrap(op, err)
				}
			}
			_, err = insertFull.ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, db.insertSQL(t, len(fresh), m), args...)
		}
		if err != nil {
			return nil, propertyConflict(op, err)
		}
		for i := range fresh {
			changed = append(changed, idVersion{fresh[i].Meta.ID, 1})
		}
	}
	return changed, nil
}

func (db *DB) upsertChunksReturning(ctx context.Context, tx *sql.Tx, t string, rows []property.Row) ([]idVersion, error) {
	const op = "sqldb.UpsertRecords"
	var changed []idVersion
	var full *sql.Stmt
	args := make([]any, 0, 7*upsertChunk)
	for start := 0; start < len(rows); start += upsertChunk {
		chunk := rows[start:min(start+upsertChunk, len(rows))]
		args = rowArgs(args, chunk)
		var rs *sql.Rows
		var err error
		if len(chunk) == upsertChunk {
			if full == nil {
				if full, err = tx.PrepareContext(ctx, db.upsertSQL(t, upsertChunk, rows[0].Meta)); err != nil {
					return nil, wrap(op, err)
				}
				defer full.Close()
			}
			rs, err = full.QueryContext(ctx, args...)
		} else {
			rs, err = tx.QueryContext(ctx, db.upsertSQL(t, len(chunk), rows[0].Meta), args...)
		}
		if err != nil {
			return nil, propertyConflict(op, err)
		}
		if changed, err = collect(rs, changed); err != nil {
			return nil, propertyConflict(op, err)
		}
	}
	return changed, nil
}

func (db *DB) upsertOneByOne(ctx context.Context, tx *sql.Tx, t string, rows []property.Row, res *property.BatchResult) ([]idVersion, error) {
	const op = "sqldb.UpsertRecords"
	var changed []idVersion
	q := db.upsertSQL(t, 1, rows[0].Meta)
	args := make([]any, 0, 7)
	for i := range rows {
		if _, err := tx.ExecContext(ctx, `SAVEPOINT row`); err != nil {
			return nil, wrap(op, err)
		}
		args = rowArgs(args, rows[i:i+1])
		rs, err := tx.QueryContext(ctx, q, args...)
		if err == nil {
			var got []idVersion
			got, err = collect(rs, nil)
			if err == nil {
				changed = append(changed, got...)
			}
		}
		if err != nil {
			if dbKind(err) != errs.Conflict {
				return nil, wrap(op, err)
			}
			if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT row`); err != nil {
				return nil, wrap(op, err)
			}
			if res.Failed == nil {
				res.Failed = map[int]error{}
			}
			res.Failed[i] = propertyConflict(op, err)
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT row`); err != nil {
			return nil, wrap(op, err)
		}
	}
	return changed, nil
}

// insertHistories adds an "updated" history entry for each changed row
// (version > 1), in multi-row INSERTs.
func insertHistories(ctx context.Context, tx *sql.Tx, kind string, changed []idVersion, m record.Meta, note string) error {
	const op = "sqldb.UpsertRecords"
	var ups []idVersion
	for _, c := range changed {
		if c.version > 1 {
			ups = append(ups, c)
		}
	}
	for start := 0; start < len(ups); start += upsertChunk {
		chunk := ups[start:min(start+upsertChunk, len(ups))]
		var b strings.Builder
		b.WriteString(`INSERT INTO property_history (kind, record_id, version, at, by_user, action, note) VALUES `)
		args := []any{kind, Nanos(m.UpdatedAt), m.UpdatedBy, note}
		for i, c := range chunk {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "($1,$%d,$%d,$2,$3,'updated',$4)", len(args)+1, len(args)+2)
			args = append(args, c.id, c.version)
		}
		if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
			return wrap(op, err)
		}
	}
	return nil
}

// DueRecords returns records whose review date is before until: all of
// them when expired is true, else those not yet reminded for that date.
func (db *DB) DueRecords(ctx context.Context, kind string, until time.Time, expired bool, limit int) ([]property.Row, error) {
	const op = "sqldb.DueRecords"
	t, err := propertyTable(op, kind)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + propertyCols + ` FROM ` + t + ` WHERE review_at <= $1`
	if !expired {
		q += ` AND reminded_for <> review_at`
	}
	q += ` ORDER BY review_at, id LIMIT ` + strconv.Itoa(limit)
	return queryAll(ctx, db, op, scanPropertyRow, q, Nanos(until))
}

// ExpireRecord deletes a record whose review date is still reviewAt,
// records c and writes ev, in one transaction.
func (db *DB) ExpireRecord(ctx context.Context, kind, id string, reviewAt time.Time, c record.Change, ev notify.Event) error {
	const op = "sqldb.ExpireRecord"
	t, err := propertyTable(op, kind)
	if err != nil {
		return err
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE id = $1 AND review_at = $2`, id, Nanos(reviewAt))
		if err != nil {
			return wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(op, errs.NotFound, "no such record due")
		}
		if err := insertHistory(ctx, tx, kind, id, c); err != nil {
			return wrap(op, err)
		}
		return InsertEvents(ctx, tx, []notify.Event{ev})
	})
}

// MarkReminded notes the reminder of a record's review date and writes ev.
func (db *DB) MarkReminded(ctx context.Context, kind, id string, reviewAt time.Time, ev notify.Event) (bool, error) {
	const op = "sqldb.MarkReminded"
	t, err := propertyTable(op, kind)
	if err != nil {
		return false, err
	}
	done := false
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE `+t+` SET reminded_for = review_at WHERE id = $1 AND review_at = $2 AND reminded_for <> review_at`, id, Nanos(reviewAt))
		if err != nil {
			return wrap(op, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		done = true
		return InsertEvents(ctx, tx, []notify.Event{ev})
	})
	return done, err
}

// PutImage stores an image (idempotent: the name is the content's hash).
func (db *DB) PutImage(ctx context.Context, im property.Image, data []byte) error {
	const op = "sqldb.PutImage"
	_, err := db.exec(ctx, `INSERT INTO property_images (sha256, content_type, size, data, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (sha256) DO NOTHING`, im.SHA256, im.ContentType, im.Size, data, Nanos(db.Now()))
	return wrap(op, err)
}

// Image returns a stored image.
func (db *DB) Image(ctx context.Context, sha string) (property.Image, []byte, error) {
	const op = "sqldb.Image"
	var im property.Image
	var data []byte
	err := db.SQL.QueryRowContext(ctx, `SELECT sha256, content_type, size, data FROM property_images WHERE sha256 = $1`, sha).
		Scan(&im.SHA256, &im.ContentType, &im.Size, &data)
	if err != nil {
		return im, nil, wrap(op, err)
	}
	return im, data, nil
}

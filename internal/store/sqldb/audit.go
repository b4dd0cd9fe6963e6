package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
)

var _ audit.Store = (*DB)(nil)

// auditCols are the columns of an audit.Entry, in the order scanEntry reads them.
const auditCols = `seq, at, actor, actor_org, action, target, outcome, purpose, request_id, detail`

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// AppendAudit implements audit.Store. On PostgreSQL, when guess is known
// and nothing is attached, it first stores the batch in one statement that
// advances audit_head only if it still holds guess (one round trip, no lock
// held across a second one). Otherwise, and when the guess was wrong, it
// runs a transaction that first locks audit_head's one row (SQLite
// transactions begin IMMEDIATE, which takes the database's write lock), so
// that appenders in every process take turns. The attached writes it knows
// are a check's hits (screen.HitWrite).
func (db *DB) AppendAudit(ctx context.Context, guess int64, attached bool, build func(size int64, r tlog.HashReader) (*audit.Batch, error)) (func() error, error) {
	const op = "sqldb.AppendAudit"
	if db.Engine == Postgres && guess >= 0 && !db.AuditAsync && !attached {
		done, err := db.appendAuditIf(ctx, guess, build)
		if err != nil || done {
			return nil, err
		}
	}
	durable, err := db.auditTx(ctx, attached, func(tx *sql.Tx) error {
		q := `SELECT size FROM audit_head WHERE id = 1`
		if db.Engine == Postgres {
			q += ` FOR UPDATE`
		}
		var size int64
		row, err := db.txQueryRow(ctx, tx, q)
		if err != nil {
			return wrap(op, err)
		}
		if err := row.Scan(&size); err != nil {
			return wrap(op, err)
		}
		b, err := build(size, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
			return readAuditHashes(ctx, tx, idx)
		}))
		if err != nil {
			return err
		}
		if err := checkAuditSeqs(b, size); err != nil {
			return err
		}
		if len(b.Records) > 0 {
			if err := db.insertAudit(ctx, tx, b.Records); err != nil {
				return wrap(op, err)
			}
			if _, err := db.txExec(ctx, tx, `UPDATE audit_head SET size = $1 WHERE id = 1`, size+int64(len(b.Records))); err != nil {
				return wrap(op, err)
			}
		}
		if c := b.Checkpoint; c != nil {
			if _, err := db.txExec(ctx, tx, insertCheckpoint, c.Size, c.Root[:], Nanos(c.Time), string(c.Note)); err != nil {
				return wrap(op, err)
			}
		}
		if m := b.Journal; m != nil {
			if _, err := db.txExec(ctx, tx, `UPDATE audit_journal SET gen = $1, records = $2 WHERE id = 1`, int64(m.Gen), m.Count); err != nil {
				return wrap(op, err)
			}
		}
		if len(b.Attached) > 0 && !attached {
			return errs.E(op, errs.Internal, "writes attached to a batch announced without")
		}
		return db.writeAttached(ctx, tx, b.Attached)
	})
	var e *errs.Error
	if err != nil && !errors.As(err, &e) {
		return nil, wrap(op, err)
	}
	return durable, err
}

// auditTx runs fn in the transaction of an audit append and returns,
// when not nil, the function that makes it durable: an ordinary
// transaction, or with AuditAsync and nothing attached one whose commit
// does not wait for the disk (on PostgreSQL synchronous_commit off for the
// transaction; on SQLite the writer's commit is left unflushed, and
// becomes durable with the next flush of any writer or the next
// checkpoint). Only writes attached to entries (hits and their events)
// insert events, so only their commits wake the notification hub
// (OnCommit): it read the events table after every batch of entries,
// nearly every commit of document checks (3 % of their CPU).
func (db *DB) auditTx(ctx context.Context, attached bool, fn func(*sql.Tx) error) (durable func() error, err error) {
	async := db.AuditAsync && !attached
	if db.Engine == Postgres {
		run := fn
		if async {
			run = func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `SET LOCAL synchronous_commit TO OFF`); err != nil {
					return wrap("sqldb.auditTx", err)
				}
				return fn(tx)
			}
		}
		if err := db.tx(ctx, run); err != nil {
			return nil, err
		}
		if attached {
			db.announce()
		}
		return nil, nil
	}
	if err := db.tx(ctx, fn); err != nil {
		return nil, err
	}
	switch {
	case async:
		return nil, nil
	case attached:
		return db.committed, nil
	}
	return func() error { return db.flush("sqldb.Tx") }, nil
}

const insertCheckpoint = `INSERT INTO audit_checkpoints (size, root, created_at, note)
	VALUES ($1, $2, $3, $4) ON CONFLICT (size) DO NOTHING`

// checkAuditSeqs checks that b's records are numbered from size on.
func checkAuditSeqs(b *audit.Batch, size int64) error {
	for i, r := range b.Records {
		if r.Entry.Seq != size+int64(i) {
			return errs.E("sqldb.AppendAudit", errs.Internal, fmt.Sprintf("record %d has seq %d, want %d", i, r.Entry.Seq, size+int64(i)))
		}
	}
	return nil
}

// appendAuditIf stores build(guess) on PostgreSQL in one statement if the
// log holds exactly guess entries, and reports whether it did.
func (db *DB) appendAuditIf(ctx context.Context, guess int64, build func(size int64, r tlog.HashReader) (*audit.Batch, error)) (bool, error) {
	const op = "sqldb.AppendAudit"
	// Stored hashes never change once committed, so reading them outside
	// the statement is safe.
	b, err := build(guess, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		return readAuditHashes(ctx, db.SQL, idx)
	}))
	if err != nil {
		return false, err
	}
	if err := checkAuditSeqs(b, guess); err != nil {
		return false, err
	}
	if b.Journal != nil { // stored by the transaction
		return false, nil
	}
	if len(b.Records) == 0 {
		// A checkpoint alone is true whatever was appended since.
		if c := b.Checkpoint; c != nil {
			if _, err := db.exec(ctx, insertCheckpoint, c.Size, c.Root[:], Nanos(c.Time), string(c.Note)); err != nil {
				return false, wrap(op, err)
			}
		}
		return true, nil
	}
	args := append(pgAuditArrays(b.Records), guess+int64(len(b.Records)), guess)
	q := `WITH h AS (UPDATE audit_head SET size = $12 WHERE id = 1 AND size = $13 RETURNING size)`
	if c := b.Checkpoint; c != nil {
		q += `, c AS (INSERT INTO audit_checkpoints (size, root, created_at, note)
			SELECT $14::bigint, $15::bytea, $16::bigint, $17::text FROM h ON CONFLICT (size) DO NOTHING)`
		args = append(args, c.Size, c.Root[:], Nanos(c.Time), string(c.Note))
	}
	q += ` INSERT INTO audit_entries (` + auditCols + `, hashes) SELECT u.* FROM ` + pgUnnest + ` AS u WHERE EXISTS (SELECT 1 FROM h)`
	res, err := db.exec(ctx, q, args...)
	if err != nil {
		return false, wrap(op, err)
	}
	n, err := res.RowsAffected()
	switch {
	case err != nil:
		return false, wrap(op, err)
	case n == 0: // another appender moved the head
		return false, nil
	case n != int64(len(b.Records)):
		return false, errs.E(op, errs.Internal, fmt.Sprintf("stored %d of %d entries", n, len(b.Records)))
	}
	return true, nil
}

// pgUnnest turns the arrays of pgAuditArrays ($1 to $11) into rows.
const pgUnnest = `unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
	$7::text[], $8::text[], $9::text[], $10::text[], $11::bytea[])`

// pgAuditArrays returns the columns of recs as arrays, in auditCols order
// then hashes.
func pgAuditArrays(recs []audit.Record) []any {
	n := len(recs)
	seq, at := make([]int64, n), make([]int64, n)
	actor, org, action, target := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	outcome, purpose, reqID, detail := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	hashes := make([][]byte, n)
	for i, r := range recs {
		e := r.Entry
		seq[i], at[i] = e.Seq, Nanos(e.Time)
		actor[i], org[i], action[i], target[i] = e.Actor, e.ActorOrg, e.Action, e.Target
		outcome[i], purpose[i], reqID[i], detail[i] = e.Outcome, e.Purpose, e.RequestID, e.Detail
		hashes[i] = r.Hashes
	}
	return []any{seq, at, actor, org, action, target, outcome, purpose, reqID, detail, hashes}
}

// insertAudit inserts records inside tx: on PostgreSQL in one statement
// over arrays, on SQLite with kept prepared statements (see stmts) of
// auditRowsPerInsert rows, then of one row for the rest (SQLite binds "?"
// parameters in constant time, numbered ones cost a scan each). A
// statement of many rows saves database/sql's and the driver's work per
// statement, a third of the insert when the audit journal moves hundreds
// of entries at a time.
func (db *DB) insertAudit(ctx context.Context, tx *sql.Tx, recs []audit.Record) error {
	if db.Engine == Postgres {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_entries (`+auditCols+`, hashes) SELECT * FROM `+pgUnnest,
			pgAuditArrays(recs)...)
		return err
	}
	insert := func(q string, recs []audit.Record) error {
		st, err := db.txPrepared(ctx, tx, q)
		if err != nil {
			return err
		}
		args := make([]any, 0, 11*len(recs))
		for _, r := range recs {
			e := r.Entry
			args = append(args, e.Seq, Nanos(e.Time), e.Actor, e.ActorOrg, e.Action, e.Target,
				e.Outcome, e.Purpose, e.RequestID, e.Detail, r.Hashes)
		}
		_, err = st.ExecContext(ctx, args...)
		return err
	}
	for ; len(recs) >= auditRowsPerInsert; recs = recs[auditRowsPerInsert:] {
		if err := insert(insertAuditRows, recs[:auditRowsPerInsert]); err != nil {
			return err
		}
	}
	for i := range recs {
		if err := insert(insertAuditRow, recs[i:i+1]); err != nil {
			return err
		}
	}
	return nil
}

// auditRowsPerInsert is the number of rows of insertAuditRows.
const auditRowsPerInsert = 16

var (
	insertAuditRow  = `INSERT INTO audit_entries (` + auditCols + `, hashes) VALUES (?,?,?,?,?,?,?,?,?,?,?)`
	insertAuditRows = insertAuditRow + strings.Repeat(`, (?,?,?,?,?,?,?,?,?,?,?)`, auditRowsPerInsert-1)
)

// readAuditHashes reads the stored hashes at tlog storage indexes idx.
func readAuditHashes(ctx context.Context, q querier, idx []int64) ([]tlog.Hash, error) {
	const op = "sqldb.AuditHashes"
	if len(idx) == 0 {
		return nil, nil
	}
	rows := map[int64][]byte{}
	var sb strings.Builder
	args := make([]any, 0, len(idx))
	for _, i := range idx {
		if i < 0 {
			return nil, errs.E(op, errs.NotFound, fmt.Sprintf("no hash %d", i))
		}
		seq, _ := audit.HashLocation(i)
		if _, dup := rows[seq]; dup {
			continue
		}
		rows[seq] = nil
		if len(args) > 0 {
			sb.WriteByte(',')
		}
		args = append(args, seq)
		sb.WriteString("$" + strconv.Itoa(len(args)))
	}
	rs, err := q.QueryContext(ctx, `SELECT seq, hashes FROM audit_entries WHERE seq IN (`+sb.String()+`)`, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rs.Close()
	for rs.Next() {
		var seq int64
		var b []byte
		if err := rs.Scan(&seq, &b); err != nil {
			return nil, wrap(op, err)
		}
		rows[seq] = b
	}
	if err := rs.Err(); err != nil {
		return nil, wrap(op, err)
	}
	out := make([]tlog.Hash, len(idx))
	for k, i := range idx {
		seq, off := audit.HashLocation(i)
		b := rows[seq]
		if b == nil {
			return nil, errs.E(op, errs.NotFound, fmt.Sprintf("no audit entry %d", seq))
		}
		if len(b) < off+tlog.HashSize {
			return nil, errs.E(op, errs.Internal, fmt.Sprintf("audit entry %d holds %d bytes of hashes", seq, len(b)))
		}
		copy(out[k][:], b[off:])
	}
	return out, nil
}

// AuditSize implements audit.Store.
func (db *DB) AuditSize(ctx context.Context) (int64, error) {
	var n int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT size FROM audit_head WHERE id = 1`).Scan(&n); err != nil {
		return 0, wrap("sqldb.AuditSize", err)
	}
	return n, nil
}

// AuditJournalMark implements audit.Store.
func (db *DB) AuditJournalMark(ctx context.Context) (audit.JournalMark, error) {
	var gen, n int64
	if err := db.SQL.QueryRowContext(ctx, `SELECT gen, records FROM audit_journal WHERE id = 1`).Scan(&gen, &n); err != nil {
		return audit.JournalMark{}, wrap("sqldb.AuditJournalMark", err)
	}
	return audit.JournalMark{Gen: uint64(gen), Count: n}, nil
}

// AuditHashes implements audit.Store.
func (db *DB) AuditHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error) {
	return readAuditHashes(ctx, db.SQL, indexes)
}

// AuditEntries implements audit.Store.
func (db *DB) AuditEntries(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	const op = "sqldb.AuditEntries"
	q := `SELECT ` + auditCols + ` FROM audit_entries WHERE seq >= $1`
	args := []any{f.Start}
	and := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + cond + " $" + strconv.Itoa(len(args))
	}
	if f.Actor != "" {
		and("actor =", f.Actor)
	}
	if f.ActorOrg != "" {
		and("actor_org =", f.ActorOrg)
	}
	if f.Action != "" {
		and("action =", f.Action)
	}
	if f.Target != "" {
		and("target =", f.Target)
	}
	if !f.From.IsZero() {
		and("at >=", Nanos(f.From))
	}
	if !f.To.IsZero() {
		and("at <", Nanos(f.To))
	}
	args = append(args, f.Limit)
	q += " ORDER BY seq LIMIT $" + strconv.Itoa(len(args))
	rs, err := db.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rs.Close()
	var out []audit.Entry
	for rs.Next() {
		var e audit.Entry
		if err := scanEntry(rs, &e); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, e)
	}
	if err := rs.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

func scanEntry(rs *sql.Rows, e *audit.Entry, more ...any) error {
	var at int64
	dest := append([]any{&e.Seq, &at, &e.Actor, &e.ActorOrg, &e.Action, &e.Target, &e.Outcome,
		&e.Purpose, &e.RequestID, &e.Detail}, more...)
	if err := rs.Scan(dest...); err != nil {
		return err
	}
	e.Time = Time(at)
	return nil
}

// AuditRecords implements audit.Store.
func (db *DB) AuditRecords(ctx context.Context, start int64, limit int) ([]audit.Record, error) {
	const op = "sqldb.AuditRecords"
	rs, err := db.SQL.QueryContext(ctx, `SELECT `+auditCols+`, hashes FROM audit_entries
		WHERE seq >= $1 ORDER BY seq LIMIT $2`, start, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rs.Close()
	var out []audit.Record
	for rs.Next() {
		var r audit.Record
		if err := scanEntry(rs, &r.Entry, &r.Hashes); err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, r)
	}
	if err := rs.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

const checkpointCols = `size, root, created_at, note`

// AuditCheckpoint implements audit.Store.
func (db *DB) AuditCheckpoint(ctx context.Context, size int64) (audit.Checkpoint, error) {
	const op = "sqldb.AuditCheckpoint"
	q, args := `SELECT `+checkpointCols+` FROM audit_checkpoints WHERE size = $1`, []any{size}
	if size == audit.Latest {
		q, args = `SELECT `+checkpointCols+` FROM audit_checkpoints ORDER BY size DESC LIMIT 1`, nil
	}
	rs, err := db.SQL.QueryContext(ctx, q, args...)
	if err != nil {
		return audit.Checkpoint{}, wrap(op, err)
	}
	cs, err := scanCheckpoints(rs)
	if err != nil {
		return audit.Checkpoint{}, errs.E(op, err)
	}
	if len(cs) == 0 {
		return audit.Checkpoint{}, errs.E(op, errs.NotFound, "no such checkpoint")
	}
	return cs[0], nil
}

// AuditCheckpoints implements audit.Store.
func (db *DB) AuditCheckpoints(ctx context.Context, after int64, limit int) ([]audit.Checkpoint, error) {
	const op = "sqldb.AuditCheckpoints"
	rs, err := db.SQL.QueryContext(ctx, `SELECT `+checkpointCols+` FROM audit_checkpoints
		WHERE size > $1 ORDER BY size LIMIT $2`, after, limit)
	if err != nil {
		return nil, wrap(op, err)
	}
	cs, err := scanCheckpoints(rs)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return cs, nil
}

// scanCheckpoints reads and closes rs.
func scanCheckpoints(rs *sql.Rows) ([]audit.Checkpoint, error) {
	const op = "sqldb.scanCheckpoints"
	defer rs.Close()
	var out []audit.Checkpoint
	for rs.Next() {
		var c audit.Checkpoint
		var root []byte
		var at int64
		var note string
		if err := rs.Scan(&c.Size, &root, &at, &note); err != nil {
			return nil, wrap(op, err)
		}
		if len(root) != len(c.Root) {
			return nil, errs.E(op, errs.Internal, fmt.Sprintf("checkpoint %d: root is %d bytes", c.Size, len(root)))
		}
		copy(c.Root[:], root)
		c.Time, c.Note = Time(at), []byte(note)
		out = append(out, c)
	}
	if err := rs.Err(); err != nil {
		return nil, wrap(op, err)
	}
	return out, nil
}

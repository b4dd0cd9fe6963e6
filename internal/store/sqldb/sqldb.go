// Package sqldb is the SQL implementation of Polex's storage contracts,
// shared by both engines. The sqlite and postgres packages open a connection,
// apply their own numbered migrations and hand a *DB to the application.
//
// Queries use $N placeholders, which both modernc.org/sqlite and pgx accept,
// and portable SQL; times are stored as BIGINT Unix nanoseconds (UTC). Where
// the engines differ (locking, bulk inserts) the code branches on DB.Engine.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
)

// Engine names a storage engine.
type Engine string

// The engines.
const (
	SQLite   Engine = "sqlite"
	Postgres Engine = "postgres"
)

// DB is an open database of either engine.
type DB struct {
	SQL    *sql.DB
	Engine Engine
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// OnCommit, when set before use, is called after every transaction
	// of Tx commits. It must not block: the live notification hub uses it to
	// read new inbox events at once on SQLite, which has no LISTEN/NOTIFY.
	OnCommit func()
	// AuditAsync, when set before use, lets audit appends commit without
	// waiting for the disk: an append survives a crash of the process but
	// a power loss may take the last fraction of a second of entries
	// (PostgreSQL: at most three wal_writer_delay; SQLite: those since the
	// last synchronous commit or checkpoint). Off by default.
	AuditAsync bool
	// OnClose, when set, is called by Close before the database closes, to
	// stop the engine's background work (SQLite's checkpointer).
	OnClose func()
	// writerSetup is run on SQLite's writer's connection when it opens;
	// flush, when set, is called after every commit of the writer, outside
	// the write lock (see SetWriter).
	writerSetup string
	flushLog    func() error

	// writer is SQLite's write lock within this process (a semaphore of
	// one; nil on PostgreSQL): see LockWrite. Its holder writes on wconn.
	writer chan struct{}
	wconn  *sql.Conn

	prep stmts // SQLite's prepared statements (stmt.go)
}

// New wraps an open *sql.DB.
func New(db *sql.DB, engine Engine) *DB {
	d := &DB{SQL: db, Engine: engine, Now: func() time.Time { return time.Now().UTC() }}
	if engine == SQLite {
		d.writer = make(chan struct{}, 1)
	}
	return d
}

// LockWrite waits for this process's turn to write on SQLite, which lets
// one write transaction at a time into the database, and returns the
// function that ends the turn; on PostgreSQL it returns at once. Every
// write of this package takes its turn here, in the order they asked,
// before SQLite's own lock: without it, a writer that found the lock taken
// slept in SQLite's busy handler (1, 2, 5, 10, … 100 ms, polling) however
// soon the lock was free again: under person checks at 4 in flight the
// audit writer waited 10.6 ms (p99) and up to 56 ms to begin, behind the
// webhook dispatcher's short transactions. Other processes on the same
// file (a CLI command beside the server) still meet the busy handler.
func (db *DB) LockWrite(ctx context.Context) (unlock func(), err error) {
	if db.writer == nil {
		return func() {}, nil
	}
	select {
	case db.writer <- struct{}{}:
		return db.unlockWrite, nil
	case <-ctx.Done():
		return nil, errs.E("sqldb.LockWrite", errs.Unavailable, ctx.Err())
	}
}

func (db *DB) unlockWrite() { <-db.writer }

// writeConn is the connection on which the holder of the write lock writes
// on SQLite, always the same one: a connection's page cache stays valid
// across its own commits and is dropped whole at its next read after
// anyone else's, so writers taking turns on the pool's connections read
// the indexes' pages from the file again at every transaction (about half
// of the cost of inserting the events of person checks' hits). The caller
// holds the write lock.
func (db *DB) writeConn(ctx context.Context) (*sql.Conn, error) {
	if db.wconn == nil {
		c, err := db.SQL.Conn(context.WithoutCancel(ctx))
		if err != nil {
			return nil, errs.E("sqldb.writeConn", errs.Unavailable, err)
		}
		if db.writerSetup != "" {
			if _, err := c.ExecContext(ctx, db.writerSetup); err != nil {
				c.Close()
				return nil, wrap("sqldb.writeConn", err)
			}
		}
		db.wconn = c
	}
	return db.wconn, nil
}

// dropWriteConn closes the writer's connection after a failure that may
// have broken it; the next writer opens another. The caller holds the
// write lock.
func (db *DB) dropWriteConn() {
	if db.wconn != nil {
		db.wconn.Close()
		db.wconn = nil
	}
}

// exec runs one statement that writes, in its turn (LockWrite).
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	unlock, err := db.LockWrite(ctx)
	if err != nil {
		return nil, err
	}
	if db.writer == nil { // PostgreSQL: unlock is a no-op
		return db.SQL.ExecContext(ctx, query, args...)
	}
	c, err := db.writeConn(ctx)
	if err != nil {
		unlock()
		return nil, err
	}
	res, err := c.ExecContext(ctx, query, args...)
	if errors.Is(err, driver.ErrBadConn) {
		db.dropWriteConn()
	}
	unlock()
	if err == nil {
		err = db.flush("sqldb.exec")
	}
	return res, err
}

// begin starts a write transaction: on SQLite on the writer's connection,
// the caller holding the write lock.
func (db *DB) begin(ctx context.Context) (*sql.Tx, error) {
	if db.writer == nil {
		return db.SQL.BeginTx(ctx, nil)
	}
	c, err := db.writeConn(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := c.BeginTx(ctx, nil)
	if err != nil && ctx.Err() == nil {
		db.dropWriteConn()
	}
	return tx, err
}

// Prepare wraps an opened *sql.DB of engine: it checks that the database
// answers and applies the pending migrations, closing sdb on failure. what
// names the database in the error.
func Prepare(ctx context.Context, sdb *sql.DB, engine Engine, ms []Migration, what string) (*DB, error) {
	const op = "sqldb.Prepare"
	db := New(sdb, engine)
	if err := db.Ping(ctx); err != nil {
		sdb.Close()
		return nil, errs.E(op, "cannot open "+what, err)
	}
	if _, err := db.Migrate(ctx, ms); err != nil {
		sdb.Close()
		return nil, errs.E(op, err)
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	if db.OnClose != nil {
		db.OnClose()
	}
	if db.writer != nil {
		db.writer <- struct{}{}
		db.dropWriteConn()
		<-db.writer
	}
	db.closeStmts()
	return db.SQL.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.SQL.PingContext(ctx); err != nil {
		return errs.E("sqldb.Ping", errs.Unavailable, err)
	}
	return nil
}

// Tx runs fn in a transaction, committing when it returns nil. It returns
// once the commit is durable (see SetWriter).
func (db *DB) Tx(ctx context.Context, fn func(*sql.Tx) error) error {
	if err := db.tx(ctx, fn); err != nil {
		return err
	}
	return db.committed()
}

// committed makes the writer's last commit durable (flush) and announces
// it (OnCommit): the second half of Tx, which the audit log's writer
// leaves to a goroutine of its own while it writes the next batch.
func (db *DB) committed() error {
	if err := db.flush("sqldb.Tx"); err != nil {
		return err
	}
	db.announce()
	return nil
}

func (db *DB) announce() {
	if db.OnCommit != nil {
		db.OnCommit()
	}
}

// tx runs fn in a transaction in the writer's turn and commits it.
func (db *DB) tx(ctx context.Context, fn func(*sql.Tx) error) error {
	unlock, err := db.LockWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	tx, err := db.begin(ctx)
	if err != nil {
		return errs.E("sqldb.Tx", errs.Unavailable, err)
	}
	defer func() {
		// A panic in fn must not leave the transaction open on the
		// writer's connection, which every later write waits for.
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		if errors.Is(err, sql.ErrTxDone) && ctx.Err() != nil {
			// ctx ended after fn's last statement and database/sql
			// rolled the transaction back before Commit: nothing is
			// stored, as when it ends sooner.
			return errs.E("sqldb.Tx", errs.Unavailable, ctx.Err())
		}
		return errs.E("sqldb.Tx", dbKind(err), err)
	}
	return nil
}

// SetWriter sets how SQLite's writer's connection commits: setup is run on
// it when it opens (the current one is closed), and flush after every
// commit of the writer, outside the write lock; a write is acknowledged
// once flush returns. sqlite.Open sets them so that the writer commits
// without waiting for the disk (synchronous=NORMAL) and flush flushes the
// write-ahead log, one flush for all the commits that finished before it
// began, while the next writer goes on.
func (db *DB) SetWriter(ctx context.Context, setup string, flush func() error) error {
	unlock, err := db.LockWrite(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	db.dropWriteConn()
	db.writerSetup, db.flushLog = setup, flush
	return nil
}

// flush makes the writer's last commits durable when the engine commits
// without waiting for the disk (SetWriter); a failure leaves the commit's
// fate unknown, as a failed commit would.
func (db *DB) flush(op string) error {
	if db.flushLog == nil {
		return nil
	}
	if err := db.flushLog(); err != nil {
		return errs.E(op, err)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs a query and scans every row with scan.
func queryAll[T any](ctx context.Context, db *DB, op string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return nil, wrap(op, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(op, err)
		}
		out = append(out, v)
	}
	return out, wrap(op, rows.Err())
}

// Nanos converts t to the stored form; the zero time is stored as 0.
func Nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// Time converts a stored value back; 0 is the zero time.
func Time(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// wrap turns a driver error into an *errs.Error for op: sql.ErrNoRows
// becomes NotFound, unique violations Conflict.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.E(op, errs.NotFound, err)
	}
	return errs.E(op, dbKind(err), err)
}

// dbKind classifies a driver error by its text, which works for both drivers
// without importing them here.
func dbKind(err error) errs.Kind {
	s := err.Error()
	switch {
	case strings.Contains(s, "UNIQUE constraint failed"), strings.Contains(s, "SQLSTATE 23505"),
		strings.Contains(s, "PRIMARY KEY constraint failed"):
		return errs.Conflict
	case strings.Contains(s, "FOREIGN KEY constraint failed"), strings.Contains(s, "SQLSTATE 23503"):
		return errs.Invalid
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return errs.Unavailable
	case strings.Contains(s, "database is locked"), strings.Contains(s, "SQLITE_BUSY"),
		strings.Contains(s, "connection refused"), strings.Contains(s, "sql: database is closed"):
		return errs.Unavailable
	}
	return errs.Internal
}

// Migration is one numbered SQL file.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads files named NNNN_name.sql from fsys, sorted by number.
func LoadMigrations(fsys fs.FS) ([]Migration, error) {
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		return nil, errs.E("sqldb.LoadMigrations", errs.Internal, err)
	}
	var ms []Migration
	seen := map[int]string{}
	for _, n := range names {
		num, _, ok := strings.Cut(n, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, errs.E("sqldb.LoadMigrations", errs.Internal, fmt.Sprintf("bad migration file name %q", n))
		}
		if prev, dup := seen[v]; dup {
			return nil, errs.E("sqldb.LoadMigrations", errs.Internal, fmt.Sprintf("migrations %q and %q share number %d", prev, n, v))
		}
		seen[v] = n
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return nil, errs.E("sqldb.LoadMigrations", errs.Internal, err)
		}
		ms = append(ms, Migration{Version: v, Name: n, SQL: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	return ms, nil
}

// MigrationsIn loads the migrations in directory dir of fsys (an engine's
// embedded files).
func MigrationsIn(fsys fs.FS, dir string) ([]Migration, error) {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		return nil, errs.E("sqldb.MigrationsIn", errs.Internal, err)
	}
	return LoadMigrations(sub)
}

// Migrate applies every migration not yet recorded in schema_migrations,
// each in its own transaction, and returns the names applied. lock, when not
// empty, is a statement run first inside each transaction to serialise
// concurrent migrators (PostgreSQL advisory lock).
func (db *DB) Migrate(ctx context.Context, ms []Migration) ([]string, error) {
	const op = "sqldb.Migrate"
	if _, err := db.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
		return nil, errs.E(op, errs.Unavailable, err)
	}
	var applied []string
	for _, m := range ms {
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			if db.Engine == Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7305001)`); err != nil {
					return err
				}
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.Version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("migration %s: %w", m.Name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.Version, m.Name, Nanos(db.Now())); err != nil {
				return err
			}
			applied = append(applied, m.Name)
			return nil
		})
		if err != nil {
			return applied, errs.E(op, errs.Internal, err)
		}
	}
	return applied, nil
}

package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"sync"
)

// maxStmts bounds the statements a DB keeps prepared; past it, queries
// are parsed at every call as before. Callers that build their text
// (IN lists) round the number of values up (inList) so that a few texts
// serve every size.
const maxStmts = 256

// stmts keeps SQLite's statements prepared. modernc.org/sqlite parses and
// compiles a query at every call of database/sql's Query or Exec; in a
// profile of document checks at 10 M that was a tenth of the CPU (the
// notification hub's read of new events alone 5 %, the audit writer's
// three statements 4 % of the process, all of it on the writer's one
// goroutine). A *sql.Stmt is prepared by database/sql once on each
// connection that runs it and kept for the connection's life. PostgreSQL
// needs none of this: pgx caches its prepared statements per connection.
//
// Every query looks its text up, so the kept statements are read without
// a lock (sync.Map); mu only orders the preparing of new ones.
type stmts struct {
	kept sync.Map // query text → *sql.Stmt
	mu   sync.Mutex
	n    int // statements in kept, under mu
}

// stmt returns query prepared, or nil on PostgreSQL or when maxStmts
// statements are kept already (the caller then runs the text itself).
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if db.Engine != SQLite {
		return nil, nil
	}
	if st, ok := db.prep.kept.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	db.prep.mu.Lock()
	defer db.prep.mu.Unlock()
	if st, ok := db.prep.kept.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	if db.prep.n >= maxStmts {
		return nil, nil
	}
	st, err := db.SQL.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil, err
	}
	db.prep.kept.Store(query, st)
	db.prep.n++
	return st, nil
}

// closeStmts closes the prepared statements (Close).
func (db *DB) closeStmts() {
	db.prep.mu.Lock()
	defer db.prep.mu.Unlock()
	db.prep.kept.Range(func(q, st any) bool {
		st.(*sql.Stmt).Close()
		db.prep.kept.Delete(q)
		return true
	})
	db.prep.n = 0
}

// query runs query on the pool, prepared on SQLite.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := db.stmt(ctx, query)
	switch {
	case err != nil:
		return nil, err
	case st != nil:
		return st.QueryContext(ctx, args...)
	}
	return db.SQL.QueryContext(ctx, query, args...)
}

// txStmt returns query prepared for tx, or nil as stmt does.
func (db *DB) txStmt(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, err := db.stmt(ctx, query)
	if err != nil || st == nil {
		return nil, err
	}
	return tx.StmtContext(ctx, st), nil
}

// txPrepared returns query prepared for tx: the kept statement, or past
// maxStmts one prepared for the transaction alone (closed with it). For
// statements run many times in one transaction.
func (db *DB) txPrepared(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	st, err := db.txStmt(ctx, tx, query)
	if err == nil && st == nil {
		st, err = tx.PrepareContext(ctx, query)
	}
	return st, err
}

// txQueryRow runs query in tx, prepared on SQLite.
func (db *DB) txQueryRow(ctx context.Context, tx *sql.Tx, query string, args ...any) (*sql.Row, error) {
	st, err := db.txStmt(ctx, tx, query)
	switch {
	case err != nil:
		return nil, err
	case st != nil:
		return st.QueryRowContext(ctx, args...), nil
	}
	return tx.QueryRowContext(ctx, query, args...), nil
}

// txExec runs query in tx, prepared on SQLite.
func (db *DB) txExec(ctx context.Context, tx *sql.Tx, query string, args ...any) (sql.Result, error) {
	st, err := db.txStmt(ctx, tx, query)
	switch {
	case err != nil:
		return nil, err
	case st != nil:
		return st.ExecContext(ctx, args...)
	}
	return tx.ExecContext(ctx, query, args...)
}

// inList returns the placeholders $from, $from+1, … for vals, and the
// arguments, with the last value repeated up to the next power of two
// (IN ignores the repeats) so that lists of any length share a handful
// of prepared texts.
func inList(vals []string, from int) (placeholders string, args []any) {
	if len(vals) == 0 {
		return "", nil
	}
	n := 1
	for n < len(vals) {
		n *= 2
	}
	args = make([]any, n)
	b := make([]byte, 0, n*5)
	for i := range n {
		args[i] = vals[min(i, len(vals)-1)]
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(from+i), 10)
	}
	return string(b), args
}

// txQuerier returns tx as a querier whose queries are prepared on SQLite.
func (db *DB) txQuerier(tx *sql.Tx) querier { return txQueries{db, tx} }

type txQueries struct {
	db *DB
	tx *sql.Tx
}

func (q txQueries) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := q.db.txStmt(ctx, q.tx, query)
	switch {
	case err != nil:
		return nil, err
	case st != nil:
		return st.QueryContext(ctx, args...)
	}
	return q.tx.QueryContext(ctx, query, args...)
}

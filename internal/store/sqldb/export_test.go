package sqldb

import (
	"context"
	"database/sql"

	"github.com/polex-org/polex/internal/notify"
)

// InsertEventsForTest exposes the prepared insert of a batch of hits' events.
func InsertEventsForTest(ctx context.Context, db *DB, tx *sql.Tx, evs []notify.Event) error {
	return db.insertEvents(ctx, tx, evs)
}

// PreparedForTest counts the statements db keeps prepared.
func PreparedForTest(db *DB) int {
	db.prep.mu.Lock()
	defer db.prep.mu.Unlock()
	return db.prep.n
}

// QueryForTest runs query as queryAll's callers do.
func QueryForTest(ctx context.Context, db *DB, query string, args ...any) ([]int64, error) {
	return queryAll(ctx, db, "sqldb.QueryForTest", func(s scanner) (int64, error) {
		var n int64
		return n, s.Scan(&n)
	}, query, args...)
}

// InListForTest exposes inList.
func InListForTest(vals []string, from int) (string, []any) { return inList(vals, from) }

// MaxStmts is maxStmts.
const MaxStmts = maxStmts

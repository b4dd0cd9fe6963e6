package sqlite

import (
	"context"
	"fmt"
	"testing"
	"unsafe"

	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// TestPageCachePool: the connections' pages come from the process-wide
// pool given to SQLite before its first connection (when a connection of
// the test binary opened first, the pool is refused and this test fails).
func TestPageCachePool(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		if _, err := db.SQL.ExecContext(ctx, `INSERT INTO t (v) VALUES (?)`, fmt.Sprintf("%0300d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	if err := db.SQL.QueryRowContext(ctx, `SELECT count(*) FROM t WHERE v <> ''`).Scan(&n); err != nil || n != 2000 {
		t.Fatalf("count = %d %v", n, err)
	}
	used, highest := pageCachePool()
	if highest < 100 || used > pageSlots {
		t.Fatalf("page-cache pool: %d slots in use, %d at most: the pool is not used", used, highest)
	}
}

// statusCur and statusHigh receive sqlite3_status's counts (package
// variables, whose addresses do not move).
var statusCur, statusHigh int64

// pageCachePool returns how many slots of the page-cache pool are in use
// now and at most since the process began.
func pageCachePool() (used, highest int64) {
	tls := libc.NewTLS()
	defer tls.Close()
	lib.Xsqlite3_status64(tls, lib.SQLITE_STATUS_PAGECACHE_USED, uintptr(unsafe.Pointer(&statusCur)), uintptr(unsafe.Pointer(&statusHigh)), 0)
	return statusCur, statusHigh
}

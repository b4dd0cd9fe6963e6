package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/store/sqldb"
)

// TestWritersTakeTurns: the write transactions of one process take turns
// in sqldb.DB's write lock, so that none of them meets SQLite's busy
// handler. With a busy timeout of zero, writers that raced for SQLite's
// own lock would fail with SQLITE_BUSY at once; here every one succeeds.
// A transaction whose function panics is rolled back and the lock freed.
func TestWritersTakeTurns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), FileName)
	sdb, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=busy_timeout(0)&_txlock=immediate")
	if err != nil {
		t.Fatal(err)
	}
	sdb.SetMaxOpenConns(8)
	db := sqldb.New(sdb, sqldb.SQLite)
	defer db.Close()
	if _, err := sdb.ExecContext(ctx, `CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 40
	var wg sync.WaitGroup
	errc := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				errc <- db.Tx(ctx, func(tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, `INSERT INTO n (v) VALUES ($1)`, w*each+i); err != nil {
						return err
					}
					// Reads of other connections meanwhile must not
					// block or be blocked.
					var c int
					return sdb.QueryRowContext(ctx, `SELECT count(*) FROM n`).Scan(&c)
				})
			}
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatalf("a writer failed: %v", err)
		}
	}
	var n int
	if err := sdb.QueryRowContext(ctx, `SELECT count(*) FROM n`).Scan(&n); err != nil || n != writers*each {
		t.Fatalf("rows = %d, %v; want %d", n, err, writers*each)
	}

	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the caller")
			}
		}()
		_ = db.Tx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO n (v) VALUES (-1)`); err != nil {
				return err
			}
			panic("in a transaction")
		})
	}()
	tctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err = db.Tx(tctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(tctx, `SELECT count(*) FROM n WHERE v = -1`).Scan(&n)
	})
	if err != nil || n != 0 {
		t.Fatalf("after a panic: %v, %d rows of the panicked transaction (want 0)", err, n)
	}
}

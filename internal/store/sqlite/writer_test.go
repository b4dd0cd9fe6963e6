package sqlite

import (
	"context"
	"database/sql"
	"os"
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

// TestWriterFlushes: the writer's connection commits with
// synchronous=NORMAL (reading connections keep FULL), and Tx flushes the
// write-ahead log itself before it returns.
func TestWriterFlushes(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var inTx, outside int
	err = db.Tx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&inTx)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SQL.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&outside); err != nil {
		t.Fatal(err)
	}
	if inTx != 1 || outside != 2 {
		t.Fatalf("synchronous: writer %d, readers %d; want 1 (NORMAL) and 2 (FULL)", inTx, outside)
	}
}

// TestLogSyncFollowsTheFile: the flusher opens the log file when it
// appears, again when SQLite replaces it, and flushes nothing (no error)
// when there is none.
func TestLogSyncFollowsTheFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), FileName)
	s := newLogSync(db)
	defer s.Close()
	if err := s.Sync(); err != nil || s.f != nil {
		t.Fatalf("no log: %v, file %v", err, s.f)
	}
	if err := os.WriteFile(db+"-wal", []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil || s.f == nil {
		t.Fatalf("a log: %v, file %v", err, s.f)
	}
	first := s.fi
	if err := os.Remove(db + "-wal"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db+"-wal", []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil || s.f == nil {
		t.Fatalf("a new log: %v, file %v", err, s.f)
	}
	if os.SameFile(first, s.fi) {
		t.Fatal("the flusher kept the replaced file")
	}
	now, _ := os.Stat(db + "-wal")
	if !os.SameFile(now, s.fi) {
		t.Fatal("the flusher does not hold the current file")
	}
	if n := s.commits.Load(); s.synced != n {
		t.Fatalf("synced %d of %d commits", s.synced, n)
	}
}

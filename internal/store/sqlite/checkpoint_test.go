package sqlite

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBackgroundCheckpoint: a commit leaves its pages in the write-ahead
// log (far below the automatic threshold), and the background
// checkpointer copies them into the database file without any further
// write; Close stops it.
func TestBackgroundCheckpoint(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	main := filepath.Join(dir, FileName)
	if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE blobs (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	// Let the checkpointer copy what the migrations wrote, then measure.
	time.Sleep(2 * CheckpointEvery)
	before := size(t, main)
	const n = 2 << 20
	if _, err := db.SQL.ExecContext(ctx, `INSERT INTO blobs (b) VALUES ($1)`, []byte(strings.Repeat("x", n))); err != nil {
		t.Fatal(err)
	}
	if got := size(t, main); got >= before+n {
		t.Fatalf("the commit wrote the database file itself (%d → %d bytes): the checkpoint ran in the commit", before, got)
	}
	deadline := time.Now().Add(10 * CheckpointEvery)
	for size(t, main) < before+n {
		if time.Now().After(deadline) {
			t.Fatalf("the database file stayed at %d bytes: no background checkpoint copied the 2 MB commit", size(t, main))
		}
		time.Sleep(CheckpointEvery / 5)
	}
	done := make(chan error, 1)
	go func() { done <- db.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return: the checkpointer did not stop")
	}
}

func size(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// TestLogRewound: while commits and reads never stop, the write-ahead log
// is still started again from the top once copied (without the
// checkpointer's RESTART no writer ever finds it copied whole and no
// reader in it, and it grows without end).
func TestLogRewound(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SQL.ExecContext(ctx, `CREATE TABLE blobs (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	// One commit of half as many frames again as rewindFrames.
	if _, err := db.SQL.ExecContext(ctx, `INSERT INTO blobs (b) VALUES ($1)`, []byte(strings.Repeat("x", rewindFrames*3/2*4096))); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	errc := make(chan error, 5)
	go func() { // small commits, one every millisecond
		for {
			select {
			case <-stop:
				errc <- nil
				return
			default:
			}
			// Through the write path (DB.Tx and its write lock), as every
			// write of Polex: a RESTART holds that lock so that no frame
			// is added while it waits for the readers. Written straight to
			// the pool, commits slipped in between its tries and readers
			// took the new frames, so that it seldom found the log free
			// within rewindWait (4 failures in 5 on a slow disk).
			if err := db.Tx(ctx, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO blobs (b) VALUES (x'00')`)
				return err
			}); err != nil {
				errc <- err
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	const readers = 4
	for range readers { // reads all the time, overlapping: a reader is always in the log
		go func() {
			for {
				select {
				case <-stop:
					errc <- nil
					return
				default:
				}
				tx, err := db.SQL.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
				if err != nil {
					errc <- err
					return
				}
				var n int
				err = tx.QueryRowContext(ctx, `SELECT count(*) FROM blobs`).Scan(&n)
				time.Sleep(3 * time.Millisecond)
				tx.Rollback()
				if err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	time.Sleep(8 * CheckpointEvery)
	var busy, frames, copied int64
	err = db.SQL.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
	close(stop)
	for range 1 + readers {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if frames >= rewindFrames {
		t.Fatalf("the log holds %d frames: it was never started again from the top", frames)
	}
}

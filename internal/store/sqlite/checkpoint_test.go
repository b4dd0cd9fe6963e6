package sqlite

import (
	"context"
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

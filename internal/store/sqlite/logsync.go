package sqlite

import (
	"errors"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"

	"github.com/polex-org/polex/internal/errs"
)

// logSync makes the commits of the writer's connection durable. That
// connection commits with synchronous=NORMAL: a commit writes its frames
// to the write-ahead log and returns without waiting for the disk. The
// writer then leaves the write lock and calls Sync, which flushes the log
// file before the caller is told that its transaction is stored: the next
// writer's transaction runs while the disk flushes, and one flush covers
// every commit that finished before it began (group commit of the flush).
// With synchronous=FULL each commit flushed inside the write lock, and the
// flush (about 0.9 ms here) was three quarters of an audit batch's turn.
//
// Correctness rests on SQLite's log format: frames carry checksums and
// recovery keeps the commits up to the first frame that fails, so frames
// flushed late can lose only commits that were never acknowledged. A log
// is started again from the top only after a checkpoint has copied it
// into the database file and flushed that (which SQLite does in every
// synchronous mode but OFF), so rewinding loses nothing either.
type logSync struct {
	path    string
	commits atomic.Uint64 // commits made (counted after their frames are written)

	mu     sync.Mutex
	synced uint64   // commits covered by the last flush
	f      *os.File // the log file, opened for flushing only
	fi     fs.FileInfo
}

func newLogSync(dbPath string) *logSync { return &logSync{path: dbPath + "-wal"} }

// Sync returns once a flush of the log that began after the caller's
// commit has completed.
func (s *logSync) Sync() error {
	mine := s.commits.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.synced >= mine {
		return nil // a flush begun after this commit covered it
	}
	upto := s.commits.Load()
	f, err := s.file()
	if err != nil {
		return errs.E("sqlite.Sync", errs.Unavailable, "cannot flush the write-ahead log", err)
	}
	if f != nil {
		if err := datasync(f); err != nil {
			return errs.E("sqlite.Sync", errs.Unavailable, "cannot flush the write-ahead log", err)
		}
	}
	s.synced = upto
	return nil
}

// file returns the log file, opened again when SQLite has replaced it
// (after the last connection closed), or nil when there is none: SQLite
// removes the log only once it is copied into the database file and that
// is flushed.
func (s *logSync) file() (*os.File, error) {
	fi, err := os.Stat(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		s.close()
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if s.f != nil && os.SameFile(fi, s.fi) {
		return s.f, nil
	}
	s.close()
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	if fi, err = f.Stat(); err != nil {
		f.Close()
		return nil, err
	}
	s.f, s.fi = f, fi
	return f, nil
}

func (s *logSync) close() {
	if s.f != nil {
		s.f.Close()
		s.f, s.fi = nil, nil
	}
}

// Close closes the log file.
func (s *logSync) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.close()
}

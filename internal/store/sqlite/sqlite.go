// Package sqlite opens Polex's embedded default engine: a SQLite database
// file in the data directory, through modernc.org/sqlite (pure Go), in WAL
// mode with foreign keys on and full fsync at commit, so that nothing
// acknowledged is lost on a crash.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/store/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// FileName is the database file's name inside the data directory.
const FileName = "polex.db"

// Migrations returns the engine's numbered migrations.
func Migrations() ([]sqldb.Migration, error) { return sqldb.MigrationsIn(migrationFiles, "migrations") }

// Open opens (creating when missing) the database in dir, applies every
// pending migration and starts the background checkpointer, which Close
// stops; log (nil discards) receives its failures.
func Open(ctx context.Context, dir string, log *slog.Logger) (*sqldb.DB, error) {
	const op = "sqlite.Open"
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, errs.E(op, errs.Invalid, "cannot create data directory "+dir, err)
	}
	path := filepath.Join(dir, FileName)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	q := url.Values{}
	// cache_size: bulk imports touch many index pages; each connection may
	// cache up to 32 MB (allocated as used) instead of SQLite's 2 MB.
	// wal_autocheckpoint: the background checkpointer copies the log back
	// every CheckpointEvery; a commit checkpoints only when the log passes
	// autoCheckpointPages all the same. journal_size_limit: a rewound log
	// file is cut back to rewindFrames and a little more (the checkpointer
	// rewinds it at about that size), so that commits overwrite a file
	// already allocated rather than grow it, which makes each flush of the
	// log journal the file's new size too.
	for _, p := range []string{"journal_mode(WAL)", "foreign_keys(1)", "busy_timeout(10000)", "synchronous(FULL)",
		"cache_size(-" + strconv.Itoa(cacheKiB) + ")", "temp_store(MEMORY)", "wal_autocheckpoint(" + strconv.Itoa(autoCheckpointPages) + ")", "journal_size_limit(" + strconv.Itoa(journalSizeLimit) + ")"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	configurePageCache(log)
	sdb, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	// Eight connections for reading, one for writing (sqldb.DB's write
	// lock), one for the checkpointer.
	sdb.SetMaxOpenConns(maxConns)
	sdb.SetMaxIdleConns(maxConns)
	db, err := sqldb.Prepare(ctx, sdb, sqldb.SQLite, ms, "database "+path)
	if err != nil {
		return nil, err
	}
	// The checkpointer's own connection, with no busy timeout: a RESTART
	// checkpoint holds writers back while it waits for readers, and
	// SQLite's busy handler sleeps 1, 2, 5, 10 … ms between its tries
	// (restartCheckpoint tries every restartRetry instead).
	conn, err := sdb.Conn(ctx)
	if err == nil {
		_, err = conn.ExecContext(ctx, `PRAGMA busy_timeout = 0`)
	}
	if err != nil {
		db.Close()
		return nil, errs.E(op, errs.Unavailable, "cannot open the checkpointer's connection", err)
	}
	ls := newLogSync(path)
	if err := db.SetWriter(ctx, `PRAGMA synchronous=NORMAL`, ls.Sync); err != nil {
		conn.Close()
		db.Close()
		return nil, err
	}
	cctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go checkpointer(cctx, conn, db.LockWrite, log, done)
	db.OnClose = func() {
		stop()
		<-done
		ls.Close()
	}
	return db, nil
}

// maxConns is the most connections of a database: eight for reading,
// one for writing (sqldb.DB's write lock), one for the checkpointer.
const maxConns = 10

// cacheKiB is each connection's page cache (cache_size), allocated as used.
const cacheKiB = 32 << 10

// autoCheckpointPages is the log size (4 KB pages; 512 MB) at which a
// commit checkpoints itself, should the background checkpointer fall
// behind.
const autoCheckpointPages = 2 * rewindFrames

// journalSizeLimit is the size (bytes) a rewound log file is cut back to.
const journalSizeLimit = rewindFrames*4096 + 32<<20

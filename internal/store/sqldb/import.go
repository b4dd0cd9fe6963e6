package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/property"
)

const importCols = `id, kind, owner, actor, actor_org, file, format, state, message, started, updated, finished, lines, inserted, changed, unchanged, bad, errors`

// execer is a *sql.DB or *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func errorsJSON(im property.Import) string {
	if len(im.Errors) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(im.Errors)
	return string(b)
}

// CreateImport records a new import job.
func (db *DB) CreateImport(ctx context.Context, im property.Import) error {
	const op = "sqldb.CreateImport"
	_, err := db.exec(ctx, `INSERT INTO imports (`+importCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		im.ID, im.Kind, im.Owner, im.Actor, im.ActorOrg, im.File, im.Format, im.State, im.Message, Nanos(im.Started), Nanos(im.Updated),
		Nanos(im.Finished), im.Lines, im.Inserted, im.Changed, im.Unchanged, im.Bad, errorsJSON(im))
	return wrap(op, err)
}

func saveImport(ctx context.Context, ex execer, im property.Import) error {
	const op = "sqldb.SaveImport"
	res, err := ex.ExecContext(ctx, `UPDATE imports SET state = $1, message = $2, updated = $3, finished = $4, lines = $5, inserted = $6,
		changed = $7, unchanged = $8, bad = $9, errors = $10 WHERE id = $11`,
		im.State, im.Message, Nanos(im.Updated), Nanos(im.Finished), im.Lines, im.Inserted, im.Changed, im.Unchanged, im.Bad, errorsJSON(im), im.ID)
	if err != nil {
		return wrap(op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.E(op, errs.NotFound, "no such import")
	}
	return nil
}

// SaveImport stores an import's state, counts and errors.
func (db *DB) SaveImport(ctx context.Context, im property.Import) error {
	return saveImport(ctx, db.SQL, im)
}

func scanImport(s scanner) (property.Import, error) {
	var im property.Import
	var started, updated, finished int64
	var errsJSON string
	if err := s.Scan(&im.ID, &im.Kind, &im.Owner, &im.Actor, &im.ActorOrg, &im.File, &im.Format, &im.State, &im.Message,
		&started, &updated, &finished, &im.Lines, &im.Inserted, &im.Changed, &im.Unchanged, &im.Bad, &errsJSON); err != nil {
		return im, err
	}
	im.Started, im.Updated, im.Finished = Time(started), Time(updated), Time(finished)
	if err := json.Unmarshal([]byte(errsJSON), &im.Errors); err != nil {
		return im, err
	}
	return im, nil
}

// Import returns one import job.
func (db *DB) Import(ctx context.Context, id string) (property.Import, error) {
	im, err := scanImport(db.SQL.QueryRowContext(ctx, `SELECT `+importCols+` FROM imports WHERE id = $1`, id))
	return im, wrap("sqldb.Import", err)
}

// Imports returns the import jobs of owner ("" for all), newest first.
func (db *DB) Imports(ctx context.Context, owner string, limit int) ([]property.Import, error) {
	return queryAll(ctx, db, "sqldb.Imports", scanImport, `SELECT `+importCols+` FROM imports WHERE ($1 = '' OR owner = $1) ORDER BY started DESC, id DESC LIMIT `+strconv.Itoa(limit), owner)
}

// TouchImport sets the last update of a running import (its heartbeat).
func (db *DB) TouchImport(ctx context.Context, id string, at time.Time) error {
	_, err := db.exec(ctx, `UPDATE imports SET updated = $1 WHERE id = $2 AND state = $3`, Nanos(at), id, property.ImportRunning)
	return wrap("sqldb.TouchImport", err)
}

// RunningImports returns the imports in state running.
func (db *DB) RunningImports(ctx context.Context) ([]property.Import, error) {
	return queryAll(ctx, db, "sqldb.RunningImports", scanImport, `SELECT `+importCols+` FROM imports WHERE state = $1 ORDER BY started, id`, property.ImportRunning)
}

// InterruptImport marks a running import whose last update is before
// stale as interrupted.
func (db *DB) InterruptImport(ctx context.Context, id string, stale, at time.Time, message string) (bool, error) {
	res, err := db.exec(ctx, `UPDATE imports SET state = $1, message = $2, finished = $3 WHERE id = $4 AND state = $5 AND updated < $6`,
		property.ImportInterrupted, message, Nanos(at), id, property.ImportRunning, Nanos(stale))
	if err != nil {
		return false, wrap("sqldb.InterruptImport", err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap("sqldb.InterruptImport", err)
}

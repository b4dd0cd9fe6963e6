// Package postgres opens Polex's production engine, PostgreSQL, through pgx
// v5 (database/sql adapter), and applies its numbered migrations. Several
// polex processes may share one database: migrations take an advisory lock,
// and no state the processes need is held only in memory.
package postgres

import (
	"context"
	"database/sql"
	"embed"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/store/sqldb"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations returns the engine's numbered migrations.
func Migrations() ([]sqldb.Migration, error) { return sqldb.MigrationsIn(migrationFiles, "migrations") }

// Open connects to the database at url (postgres://...) and applies every
// pending migration.
func Open(ctx context.Context, url string) (*sqldb.DB, error) {
	const op = "postgres.Open"
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	sdb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, errs.E(op, errs.Invalid, "bad database URL", err)
	}
	sdb.SetMaxOpenConns(32)
	sdb.SetMaxIdleConns(32)
	return sqldb.Prepare(ctx, sdb, sqldb.Postgres, ms, "PostgreSQL database")
}

// Package postgres opens Polex's production engine, PostgreSQL, through pgx
// v5 (database/sql adapter), and applies its numbered migrations. Several
// polex processes may share one database: migrations take an advisory lock,
// and no state the processes need is held only in memory.
package postgres

import (
	"context"
	"database/sql"
	"embed"

	"github.com/jackc/pgx/v5/stdlib"

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
	sdb, err := sql.Open("pgx", url)
	if err != nil {
		return nil, errs.E(op, errs.Invalid, "bad database URL", err)
	}
	_ = stdlib.GetDefaultDriver()
	sdb.SetMaxOpenConns(32)
	sdb.SetMaxIdleConns(32)
	db := sqldb.New(sdb, sqldb.Postgres)
	if err := db.Ping(ctx); err != nil {
		sdb.Close()
		return nil, errs.E(op, "cannot connect to PostgreSQL", err)
	}
	ms, err := Migrations()
	if err != nil {
		sdb.Close()
		return nil, err
	}
	if _, err := db.Migrate(ctx, ms); err != nil {
		sdb.Close()
		return nil, errs.E(op, err)
	}
	return db, nil
}

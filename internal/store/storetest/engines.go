// Package storetest runs Polex's storage contracts against every engine: a
// real SQLite file in a temporary directory, and a real PostgreSQL server
// when POLEX_TEST_POSTGRES holds a URL (CI sets it). Each test gets a fresh
// database (a new schema on PostgreSQL), so tests never see each other's data.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/polex-org/polex/internal/store/postgres"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/sqlite"
)

// EnvPostgres is the variable holding the URL of a PostgreSQL server for tests.
const EnvPostgres = "POLEX_TEST_POSTGRES"

// Engine opens a fresh, migrated database for one test.
type Engine struct {
	Name string
	Open func(t testing.TB) *sqldb.DB
}

// Engines returns SQLite, and PostgreSQL when EnvPostgres is set.
func Engines() []Engine {
	es := []Engine{{Name: "sqlite", Open: OpenSQLite}}
	if os.Getenv(EnvPostgres) != "" {
		es = append(es, Engine{Name: "postgres", Open: OpenPostgres})
	}
	return es
}

// Each runs fn once per engine as a subtest named after the engine.
func Each(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	if os.Getenv(EnvPostgres) == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set in CI: the PostgreSQL engine must be tested", EnvPostgres)
		}
		t.Logf("%s is not set: PostgreSQL engine not tested", EnvPostgres)
	}
	for _, e := range Engines() {
		t.Run(e.Name, func(t *testing.T) { fn(t, e.Open(t)) })
	}
}

// OpenSQLite opens a fresh SQLite database in a temporary directory.
func OpenSQLite(t testing.TB) *sqldb.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir(), nil)
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// PostgresURL returns a URL for a fresh schema on the test server, and a
// function that drops it. It skips the test when EnvPostgres is not set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" && os.Getenv("CI") == "true" {
		t.Fatalf("%s is not set in CI", EnvPostgres)
	}
	if base == "" {
		t.Skipf("%s is not set", EnvPostgres)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		admin, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer admin.Close()
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("postgres: bad %s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens a fresh schema on the PostgreSQL test server.
func OpenPostgres(t testing.TB) *sqldb.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), PostgresURL(t))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

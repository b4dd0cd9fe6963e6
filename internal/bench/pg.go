package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/polex-org/polex/internal/errs"
)

// baseline loads the same documents and persons into a fresh schema of the
// PostgreSQL server at o.Postgres (dropped after) and measures what a user
// would build there at the same client concurrency: documents by primary
// key, names by pg_trgm similarity or an equal double metaphone.
func baseline(ctx context.Context, o *Options, docs *Documents, ps []Person, qs []PersonQuery, res *Result) error {
	const op = "bench.postgres"
	var rb [6]byte
	_, _ = rand.Read(rb[:])
	schema := "polex_bench_" + hex.EncodeToString(rb[:])

	// Extensions live in their own schema (public by default), shared by
	// every schema of the database.
	conn, err := pgx.Connect(ctx, o.Postgres)
	if err != nil {
		return errs.E(op, errs.Unavailable, "cannot connect to --postgres", err)
	}
	extSchemas := []string{}
	for _, ext := range []string{"pg_trgm", "fuzzystrmatch"} {
		create := "CREATE EXTENSION IF NOT EXISTS " + ext + " SCHEMA public"
		if _, err := conn.Exec(ctx, create); err != nil {
			// Two runs creating it at once: the other one won.
			if _, err2 := conn.Exec(ctx, create); err2 != nil {
				conn.Close(ctx)
				return errs.E(op, errs.Unavailable, "cannot create extension "+ext, err)
			}
		}
		var s string
		if err := conn.QueryRow(ctx, "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1", ext).Scan(&s); err != nil {
			conn.Close(ctx)
			return errs.E(op, errs.Unavailable, "cannot find extension "+ext, err)
		}
		extSchemas = append(extSchemas, pgx.Identifier{s}.Sanitize())
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		conn.Close(ctx)
		return errs.E(op, errs.Unavailable, "cannot create schema", err)
	}
	conn.Close(ctx)
	defer func() {
		c, err := pgx.Connect(context.WithoutCancel(ctx), o.Postgres)
		if err == nil {
			_, _ = c.Exec(context.WithoutCancel(ctx), "DROP SCHEMA "+schema+" CASCADE")
			c.Close(context.WithoutCancel(ctx))
		}
	}()

	pc, err := pgxpool.ParseConfig(o.Postgres)
	if err != nil {
		return errs.E(op, errs.Invalid, "bad --postgres URL", err, "postgres")
	}
	pc.MaxConns = int32(o.Concurrency)
	pc.MinConns = int32(o.Concurrency)
	pc.ConnConfig.RuntimeParams["search_path"] = schema + "," + strings.Join(extSchemas, ",")
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return errs.E(op, errs.Unavailable, err)
	}
	defer pool.Close()

	start := time.Now()
	if err := pgLoad(ctx, o, pool, docs, ps); err != nil {
		return errs.E(op, errs.Unavailable, err)
	}
	res.PGLoadSeconds = ptr(time.Since(start).Seconds())

	o.logf("postgres: document checks by primary key")
	warm := phase{conc: o.Concurrency, count: 500}
	// docCheckBy runs query for a random document (issuing country and
	// number as $1 and $2, then more) and reads its rows.
	docCheckBy := func(query string, more ...any) func(context.Context, *mrand.Rand, int) error {
		return func(ctx context.Context, r *mrand.Rand, i int) error {
			cc, n, _ := pickDocument(r, docs)
			rows, err := pool.Query(ctx, query, append([]any{cc, n}, more...)...)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			rows.Close()
			return rows.Err()
		}
	}
	docCheck := docCheckBy("SELECT ref, type, status FROM documents WHERE issuing_country = $1 AND number = $2")
	if _, err := warm.run(ctx, o.Seed+100, docCheck); err != nil {
		return fail(op, err, res)
	}
	st, err := o.phase(DefaultChecks).run(ctx, o.Seed+200, docCheck)
	if err != nil {
		return fail(op, err, res)
	}
	res.PGDocChecks = st.n()
	res.PGDocChecksPerS, res.PGDocCheckP50, res.PGDocCheckP99 = ptr(st.perSecond(st.n())), ptr(st.pct(0.5)), ptr(st.pct(0.99))
	o.logf("  %d checks: p50 %.2f ms, p99 %.2f ms, %.0f checks/s", st.n(), st.pct(0.5), st.pct(0.99), st.perSecond(st.n()))

	// What Polex also does for each check: keep a record of it. One
	// statement reads the document and appends the log row; each is its
	// own durable commit, which concurrent sessions share (PostgreSQL
	// flushes its log once for every commit waiting).
	o.logf("postgres: document checks by primary key, each with a log row committed")
	st, err = o.phase(DefaultChecks).run(ctx, o.Seed+300, docCheckBy(pgAuditedCheck, "bench", "border control"))
	if err != nil {
		return fail(op, err, res)
	}
	res.PGDocAuditedPerS, res.PGDocAuditedP50, res.PGDocAuditedP99 = ptr(st.perSecond(st.n())), ptr(st.pct(0.5)), ptr(st.pct(0.99))
	o.logf("  %d checks: p50 %.2f ms, p99 %.2f ms, %.0f checks/s", st.n(), st.pct(0.5), st.pct(0.99), st.perSecond(st.n()))

	if len(ps) == 0 {
		res.skip("no persons (--persons 0)", "pg_name_screen_p50_ms", "pg_name_screen_p99_ms", "pg_name_found_top10")
		return nil
	}
	o.logf("postgres: name screens (pg_trgm similarity or dmetaphone)")
	var found, derived atomic.Int64
	st, err = o.phase(len(qs)).run(ctx, o.Seed+400, func(ctx context.Context, r *mrand.Rand, i int) error {
		q := qs[i%len(qs)]
		rows, err := pool.Query(ctx, pgNameQuery, q.Name)
		if err != nil {
			return err
		}
		want, hit := personRef(q.From), false
		for rows.Next() {
			var ref string
			var sim float32
			if err := rows.Scan(&ref, &sim); err != nil {
				rows.Close()
				return err
			}
			hit = hit || ref == want
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if q.From >= 0 {
			derived.Add(1)
			if hit {
				found.Add(1)
			}
		}
		return nil
	})
	if err != nil {
		return fail(op, err, res)
	}
	res.PGNameScreens = st.n()
	res.PGNameScreenP50, res.PGNameScreenP99, res.PGNameScreensPer = ptr(st.pct(0.5)), ptr(st.pct(0.99)), ptr(st.perSecond(st.n()))
	if d := derived.Load(); d > 0 {
		res.PGNameFoundTop10 = ptr(float64(found.Load()) / float64(d))
	}
	o.logf("  %d screens: p50 %.2f ms, p99 %.2f ms, %.0f/s", st.n(), st.pct(0.5), st.pct(0.99), st.perSecond(st.n()))
	return nil
}

// pgAuditedCheck reads a document by primary key and appends a row to
// check_log saying who looked for what and whether it was found.
const pgAuditedCheck = `WITH d AS (SELECT ref, type, status FROM documents WHERE issuing_country = $1 AND number = $2),
l AS (INSERT INTO check_log (actor, purpose, query, found) SELECT $3, $4, $1 || ' ' || $2, count(*) FROM d)
SELECT ref, type, status FROM d`

// pgNameQuery is the name screen a competent PostgreSQL user writes: the
// trigram similarity operator (GIN index) or the same double metaphone
// (B-tree index), best similarity first.
const pgNameQuery = `SELECT p.ref, similarity(n.name, $1) AS sim
FROM person_names n JOIN persons p ON p.id = n.person_id
WHERE n.name % $1 OR n.dmeta = dmetaphone($1)
ORDER BY sim DESC LIMIT 10`

// pgLoad creates the tables, copies the data in and indexes it.
func pgLoad(ctx context.Context, o *Options, pool *pgxpool.Pool, docs *Documents, ps []Person) error {
	ddl := []string{
		`CREATE TABLE documents (issuing_country text NOT NULL, number text NOT NULL, ref text NOT NULL, type text NOT NULL, status text NOT NULL)`,
		`CREATE TABLE persons (id integer PRIMARY KEY, ref text NOT NULL, birth_date text, nationality text, sex text)`,
		`CREATE TABLE person_names (person_id integer NOT NULL, name text NOT NULL, dmeta text GENERATED ALWAYS AS (dmetaphone(name)) STORED)`,
		`CREATE TABLE check_log (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor text NOT NULL, purpose text NOT NULL, query text NOT NULL, found integer NOT NULL)`,
	}
	for _, q := range ddl {
		if _, err := pool.Exec(ctx, q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	start := time.Now()
	o.logf("postgres: copying %d documents", docs.n)
	c, j := 0, 0
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"documents"}, []string{"issuing_country", "number", "ref", "type", "status"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for c < len(issuers) && j >= docs.count[c] {
				c, j = c+1, 0
			}
			if c == len(issuers) {
				return nil, nil
			}
			cc := issuers[c].cc
			row := []any{cc, docs.number(c, j), "BD-" + cc + "-" + fmt.Sprint(j), documentTypes[j%len(documentTypes)], documentStatuses[j%len(documentStatuses)]}
			j++
			return row, nil
		}))
	if err != nil {
		return fmt.Errorf("copy documents: %w", err)
	}
	o.logf("postgres: %d documents copied in %.1f s; indexing", n, time.Since(start).Seconds())
	if _, err := pool.Exec(ctx, `ALTER TABLE documents ADD PRIMARY KEY (issuing_country, number)`); err != nil {
		return err
	}
	if len(ps) > 0 {
		i := 0
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"persons"}, []string{"id", "ref", "birth_date", "nationality", "sex"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if i == len(ps) {
					return nil, nil
				}
				p := ps[i]
				i++
				return []any{i - 1, personRef(i - 1), p.BirthDate, p.Nationality, p.Sex}, nil
			})); err != nil {
			return fmt.Errorf("copy persons: %w", err)
		}
		i, k := 0, 0
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"person_names"}, []string{"person_id", "name"},
			pgx.CopyFromFunc(func() ([]any, error) {
				for i < len(ps) && k >= len(ps[i].Names) {
					i, k = i+1, 0
				}
				if i == len(ps) {
					return nil, nil
				}
				k++
				return []any{i, ps[i].Names[k-1]}, nil
			})); err != nil {
			return fmt.Errorf("copy person names: %w", err)
		}
		for _, q := range []string{
			`CREATE INDEX person_names_trgm ON person_names USING gin (name gin_trgm_ops)`,
			`CREATE INDEX person_names_dmeta ON person_names (dmeta)`,
			`CREATE INDEX person_names_person ON person_names (person_id)`,
		} {
			if _, err := pool.Exec(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
	}
	if _, err := pool.Exec(ctx, `ANALYZE documents, persons, person_names`); err != nil {
		return err
	}
	o.logf("postgres: loaded and indexed in %.1f s", time.Since(start).Seconds())
	return nil
}

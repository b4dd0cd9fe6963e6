package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/polex-org/polex/internal/bench"
	"github.com/polex-org/polex/internal/config"
)

const benchUsage = `usage: polex bench checks --documents N --persons M [--postgres URL] [--json]
       [--concurrency C] [--data DIR] [--seed S] [--duration D] [--cpuprofile FILE]

Builds N synthetic travel documents and M persons (deterministic for a seed)
in an embedded SQLite data directory through the import path, serves Polex on
127.0.0.1 with audit on, and measures its checks over HTTP at concurrency C:
single document checks (1 % of them stored documents), batches of 1,000
documents, person screens and 300-passenger manifests. Then the loopback
ceilings: the same client against a handler that does no check, plain and
waiting for a durable audit entry (a journal and database of its own beside
the data directory), for half a phase each. With --postgres, the same data
goes into a fresh schema of that server (dropped after) for the baseline:
documents by primary key, names by pg_trgm similarity or dmetaphone, at the
same concurrency.

Without --data the data directory is temporary. With --data DIR it is kept,
and reused when it already holds the same data (N, M, seed), so a large run
can be repeated without loading again; a directory holding anything else is
refused. Without --duration each phase runs a fixed number of requests.

Prints a table, or with --json one object; a figure whose part did not run
is null and "skipped" says why. Progress goes to stderr. Any answer other
than 2xx fails the run (exit 1).`

// runBench runs a benchmark: bench checks.
func runBench(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("bench")
	docs := fs.Int("documents", 100000, "travel documents `N` to store")
	persons := fs.Int("persons", 10000, "persons `M` to store")
	pg := fs.String("postgres", "", "PostgreSQL `URL` of the baseline (a fresh schema is created and dropped)")
	asJSON := fs.Bool("json", false, "print one JSON object")
	conc := fs.Int("concurrency", bench.DefaultConcurrency, "client requests in flight")
	seed := fs.Int64("seed", 1, "seed of the synthetic data")
	dur := fs.Duration("duration", 0, "run each phase this long (e.g. 20s) instead of a fixed count")
	prof := fs.String("cpuprofile", "", "write CPU, block, mutex and heap profiles of the single document checks to `FILE`(.block, .mutex, .heap) and of the batches to FILE.batch(…); server and client are one process")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, benchUsage)
		fs.PrintDefaults()
	}
	if len(args) == 0 || args[0] != "checks" {
		return usagef("give what to measure: bench checks\n%s", benchUsage)
	}
	before := env.Config.DataDir
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	if env.Config.DatabaseURL != "" {
		return usagef("the bench serves Polex on its embedded SQLite store: give the PostgreSQL baseline as --postgres, not --database")
	}
	switch {
	case *docs < 100:
		return usagef("--documents must be at least 100")
	case *persons < 0:
		return usagef("--persons must not be negative")
	case *conc < 1 || *conc > 1024:
		return usagef("--concurrency must be between 1 and 1024")
	case *dur < 0:
		return usagef("--duration must not be negative")
	}
	// The data directory is kept only when given, on the command line
	// (before or after the command) or in POLEX_DATA.
	dataDir := ""
	given := env.Getenv("POLEX_DATA") != "" || before != config.Default().DataDir
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "data" })
	if given {
		dataDir = env.Config.DataDir
	}
	res, err := bench.Run(ctx, bench.Options{Documents: *docs, Persons: *persons, Seed: *seed, Concurrency: *conc, Duration: *dur,
		DataDir: dataDir, Postgres: *pg, CPUProfile: *prof, Config: env.Config, Progress: env.Stderr})
	if res != nil && (err == nil || res.Errors > 0) {
		if *asJSON {
			enc := json.NewEncoder(env.Stdout)
			enc.SetIndent("", "  ")
			if werr := enc.Encode(res); werr != nil {
				return werr
			}
		} else if werr := res.WriteTable(env.Stdout); werr != nil {
			return werr
		}
	}
	if err != nil {
		return err
	}
	return nil
}

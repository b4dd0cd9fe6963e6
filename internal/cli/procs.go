package cli

import (
	"runtime"
	"strconv"
)

// sqliteProcs raises GOMAXPROCS to twice its default for a process that
// serves on the embedded SQLite store, unless the GOMAXPROCS variable
// sets it, and returns the value in effect. modernc.org/sqlite is Go that
// calls the file system directly: a goroutine in pread, pwrite or
// fdatasync holds its processor until the scheduler's monitor takes it
// back, and with two processors on two cores one of them often waits in
// the disk. Measured on 2 cores at 10 M documents (alternating runs of
// polex bench checks, and wrk against polex serve): 4 gave more document
// checks a second in 7 of 8 pairs (server alone +14.5 %, whole bench
// 12,695 and 11,504 against 9,140 and 11,043) and a lower doc p99 in
// every pair; 8 gave nothing more. PostgreSQL's driver waits in the
// network poller, which holds no processor, so that engine keeps the
// default.
func sqliteProcs(getenv func(string) string) int {
	if v := getenv("GOMAXPROCS"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	runtime.SetDefaultGOMAXPROCS() // from the default, however often it is called
	n := 2 * runtime.GOMAXPROCS(0)
	runtime.GOMAXPROCS(n)
	return n
}

// procs sets GOMAXPROCS for a serving process (sqliteProcs on the
// embedded store) and returns the value in effect.
func (env *Env) procs() int {
	if env.Config.DatabaseURL != "" {
		return runtime.GOMAXPROCS(0)
	}
	return sqliteProcs(env.Getenv)
}

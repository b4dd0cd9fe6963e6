package cli

import (
	"runtime"
	"testing"
)

// TestSQLiteProcs: a process serving on SQLite runs with twice the default
// GOMAXPROCS, however often it is set, and the GOMAXPROCS variable wins.
func TestSQLiteProcs(t *testing.T) {
	defer runtime.SetDefaultGOMAXPROCS()
	runtime.SetDefaultGOMAXPROCS()
	def := runtime.GOMAXPROCS(0)
	none := func(string) string { return "" }
	for range 3 {
		if got := sqliteProcs(none); got != 2*def || runtime.GOMAXPROCS(0) != 2*def {
			t.Fatalf("sqliteProcs = %d, GOMAXPROCS = %d, want %d", got, runtime.GOMAXPROCS(0), 2*def)
		}
	}
	runtime.SetDefaultGOMAXPROCS()
	set := func(k string) string {
		if k == "GOMAXPROCS" {
			return "3"
		}
		return ""
	}
	if got := sqliteProcs(set); got != 3 || runtime.GOMAXPROCS(0) != def {
		t.Fatalf("with GOMAXPROCS=3: sqliteProcs = %d and GOMAXPROCS changed to %d (default %d)", got, runtime.GOMAXPROCS(0), def)
	}
	env := &Env{Getenv: none}
	env.Config.DatabaseURL = "postgres://x"
	if got := env.procs(); got != def || runtime.GOMAXPROCS(0) != def {
		t.Fatalf("on PostgreSQL: procs = %d, GOMAXPROCS = %d, want the default %d", got, runtime.GOMAXPROCS(0), def)
	}
}

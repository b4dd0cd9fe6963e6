package main

import "runtime"

// procsPerCPU is how many Go processors (GOMAXPROCS) Polex runs for each
// CPU it may use, unless the environment sets GOMAXPROCS. A check's
// goroutine blocks in system calls that the network poller does not cover
// (the audit journal's flush, SQLite's reads and log flushes), and the
// journal's ingester and the collector's mark workers run for tens of
// milliseconds at a time. With one processor a CPU, a goroutine returning
// from such a call, and every goroutine it wakes, waited in a run queue
// behind them: the woken checks' appends waited 0.27 ms after their
// flush. With two, the kernel shares the CPUs among the threads that
// have work. On 2 CPUs (BenchmarkLoopbackCeiling/http+audit, GOMAXPROCS
// 2 against 4, two alternating pairs): 23,393 and 23,957 checks/s against
// 27,600 and 26,866, p99 6.3 and 6.1 ms against 4.3 and 4.6. In `polex
// bench checks` at 10 M documents and 1 M persons (two alternating pairs
// on one data directory), 2 against 4: document checks 12,272 and 11,319/s
// against 13,388 and 20,968; name screen p99 18.9 and 19.4 ms against 16.8
// and 13.9; manifest 203 and 205 ms against 165 and 142.
const procsPerCPU = 2

// tuneProcs sets GOMAXPROCS to procsPerCPU times the runtime's default
// (the CPUs this process may use, cgroup limits included) unless the
// environment sets it.
func tuneProcs(getenv func(string) string) {
	if getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(procsPerCPU * runtime.GOMAXPROCS(0))
	}
}

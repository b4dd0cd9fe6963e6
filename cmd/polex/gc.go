package main

import (
	"bufio"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
)

// gcPercent is the garbage collector's target (GOGC) unless the
// environment sets one. Polex holds its check indexes in memory (about
// 400 MB live at 1 M documents and 1 M persons), so with Go's default of
// 100 a collection came every 2-3 s under person checks, marking for
// 150-200 ms on one of two cores; a screen during one was six times as
// likely to take over 8 ms (17 of 84 such screens in 3.4 % of the time). At 400 a collection comes a quarter as often; the heap may grow
// to five times what is live, bounded by memoryLimit. Name screen p99 in
// three pairs of fresh runs at 1 M persons: 8.23, 11.64 and 9.80 ms
// against 11.17, 12.26 and 11.37 at 100.
const gcPercent = 400

// tuneGC sets gcPercent and a soft memory limit of half the machine's
// memory (or of the cgroup's limit, when lower), each unless the
// environment sets GOGC or GOMEMLIMIT: near the limit the collector runs
// as often as it needs to, whatever the percentage.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		if n := memoryLimit(readFile("/proc/meminfo"), readFile("/sys/fs/cgroup/memory.max")); n > 0 {
			debug.SetMemoryLimit(n)
		}
	}
}

// memoryLimit is half the smaller of MemTotal in meminfo (/proc/meminfo)
// and the cgroup v2 limit cgroupMax ("max" or empty when there is none),
// or 0 when neither can be read.
func memoryLimit(meminfo, cgroupMax string) int64 {
	var total int64
	sc := bufio.NewScanner(strings.NewReader(meminfo))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 3 && f[0] == "MemTotal:" && f[2] == "kB" {
			if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil && kb > 0 {
				total = kb << 10
			}
		}
	}
	if c, err := strconv.ParseInt(strings.TrimSpace(cgroupMax), 10, 64); err == nil && c > 0 && (total == 0 || c < total) {
		total = c
	}
	return total / 2
}

func readFile(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return string(b)
}

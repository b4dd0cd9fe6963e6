package main

import (
	"runtime"
	"testing"
)

func TestMemoryLimit(t *testing.T) {
	const meminfo = "MemTotal:       24683724 kB\nMemFree:        19046424 kB\n"
	for _, tc := range []struct {
		name, meminfo, cgroup string
		want                  int64
	}{
		{"machine", meminfo, "max\n", 24683724 << 10 / 2},
		{"no cgroup file", meminfo, "", 24683724 << 10 / 2},
		{"lower cgroup", meminfo, "4294967296\n", 2 << 30},
		{"higher cgroup", meminfo, "107374182400\n", 24683724 << 10 / 2},
		{"cgroup only", "", "4294967296", 2 << 30},
		{"nothing", "", "", 0},
		{"garbage", "MemTotal: lots kB\n", "max", 0},
	} {
		if got := memoryLimit(tc.meminfo, tc.cgroup); got != tc.want {
			t.Errorf("%s: memoryLimit = %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestTuneProcs(t *testing.T) {
	was := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(was)
	tuneProcs(func(string) string { return "3" }) // the environment decides
	if got := runtime.GOMAXPROCS(0); got != was {
		t.Fatalf("with GOMAXPROCS set, tuneProcs changed it: %d, was %d", got, was)
	}
	tuneProcs(func(string) string { return "" })
	if got := runtime.GOMAXPROCS(0); got != procsPerCPU*was {
		t.Fatalf("GOMAXPROCS %d, want %d", got, procsPerCPU*was)
	}
}

package names

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// benchPersons is the size of BenchmarkSearch1M's index; NAMES_BENCH_N
// overrides it for quicker runs.
func benchPersons() int {
	if v, err := strconv.Atoi(os.Getenv("NAMES_BENCH_N")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

var bench struct {
	once    sync.Once
	x       *Index
	persons []Person
	queries []SyntheticQuery
	bytes   float64
	build   time.Duration
}

// benchIndex builds the benchmark index once per process and measures the
// heap it takes.
func benchIndex(b *testing.B) {
	bench.once.Do(func() {
		n := benchPersons()
		persons := Synthetic(1, n)
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		start := time.Now()
		x := NewIndex()
		for i, p := range persons {
			x.Add(strconv.Itoa(i), p.Names, p.Evidence())
		}
		bench.build = time.Since(start)
		bench.queries = SyntheticQueries(2, persons, 5000)
		bench.persons = persons[:0:0]
		persons = nil
		runtime.GC()
		runtime.ReadMemStats(&m1)
		bench.x = x
		bench.bytes = float64(m1.HeapAlloc-m0.HeapAlloc) / float64(n)
	})
}

// BenchmarkSearch1M screens synthetic queries against one million synthetic
// persons, single-threaded, and reports the latency percentiles and the
// index's heap bytes per person.
func BenchmarkSearch1M(b *testing.B) {
	benchIndex(b)
	b.Logf("index of %d persons built in %v, %.0f bytes/person", bench.x.Len(), bench.build, bench.bytes)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	lat := make([]time.Duration, 0, b.N)
	cpu := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		q := bench.queries[i%len(bench.queries)]
		t, c := time.Now(), threadCPU()
		bench.x.Search(q.Query, 10)
		cpu = append(cpu, threadCPU()-c)
		lat = append(lat, time.Since(t))
	}
	b.StopTimer()
	pct := func(d []time.Duration, p float64) float64 {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(d[min(len(d)-1, int(p*float64(len(d))))].Microseconds()) / 1000
	}
	mean := func(d []time.Duration) float64 {
		var t time.Duration
		for _, x := range d {
			t += x
		}
		return float64(t.Microseconds()) / 1000 / float64(len(d))
	}
	b.ReportMetric(pct(lat, 0.50), "p50-ms")
	b.ReportMetric(pct(lat, 0.99), "p99-ms")
	// The same on the thread's CPU clock: the search's own work, without
	// the time the shared machine made it wait.
	b.ReportMetric(mean(cpu), "cpu-mean-ms")
	b.ReportMetric(pct(cpu, 0.50), "cpu-p50-ms")
	b.ReportMetric(pct(cpu, 0.99), "cpu-p99-ms")
	b.ReportMetric(bench.bytes, "bytes/person")
}

// BenchmarkCompare compares two names in different scripts with evidence.
func BenchmarkCompare(b *testing.B) {
	ea := Evidence{BirthDate: "1942-06-07", Nationality: "LY", Sex: "M"}
	eb := Evidence{BirthDate: "1942", Nationality: "LY"}
	for i := 0; i < b.N; i++ {
		Compare("Муаммар Мухаммад Абу Миньяр Каддафи", "Muammar Mohammed Abu Minyar al-Gaddafi", ea, eb)
	}
}

// TestSyntheticRecall screens perturbed synthetic queries against 100,000
// synthetic persons with the common-key cap on and off: the cap must not
// lose targets.
func TestSyntheticRecall(t *testing.T) {
	if testing.Short() {
		t.Skip("indexes 100,000 persons")
	}
	persons := Synthetic(7, 100_000)
	queries := SyntheticQueries(8, persons, 3000)
	x := NewIndex()
	for i, p := range persons {
		x.Add(strconv.Itoa(i), p.Names, p.Evidence())
	}
	run := func() (map[string][2]int, int) {
		res := map[string][2]int{}
		falseHits := 0
		for _, q := range queries {
			cands := x.Search(q.Query, 10)
			v := res[q.Variation]
			v[0]++
			if q.Target < 0 {
				for _, c := range cands {
					if c.Score >= DefaultThreshold {
						falseHits++
						break
					}
				}
			} else {
				// Another person with the same names and evidence is as good
				// an answer as the target.
				for _, c := range cands {
					if c.ID == strconv.Itoa(q.Target) || sameAs(persons[q.Target], persons[atoi(c.ID)]) {
						v[1]++
						break
					}
				}
			}
			res[q.Variation] = v
		}
		return res, falseHits
	}
	capped, fh := run()
	x.commonShare = 2 // no key counts as common
	uncapped, _ := run()
	for _, v := range []string{"exact", "typo", "reordered", "transliteration", "dropped-middle"} {
		c, u := capped[v], uncapped[v]
		t.Logf("%-16s n=%4d recall@10 capped %.3f uncapped %.3f", v, c[0], float64(c[1])/float64(c[0]), float64(u[1])/float64(u[0]))
		if c[1] < u[1]-u[0]/100 {
			t.Errorf("%s: the common-key cap loses targets: %d vs %d", v, c[1], u[1])
		}
		if float64(c[1]) < 0.9*float64(c[0]) {
			t.Errorf("%s: recall@10 %d of %d", v, c[1], c[0])
		}
	}
	t.Logf("made-up queries with a candidate at the threshold: %d of %d", fh, capped["none"][0])
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func sameAs(a, b Person) bool {
	return fmt.Sprint(a.Names) == fmt.Sprint(b.Names) && (a.BirthDate == "" || a.BirthDate == b.BirthDate)
}

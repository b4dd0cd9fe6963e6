package audit_test

import (
	"context"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/store/storetest"
)

// BenchmarkAppend64 measures durable appends per second with 64 concurrent
// writers, each waiting for its entry to commit before appending the next,
// on every engine (PostgreSQL when POLEX_TEST_POSTGRES is set). Run it with
//
//	go test -run x -bench Append64 -benchtime 100000x ./internal/audit/
func BenchmarkAppend64(b *testing.B) {
	const writers = 64
	for _, eng := range storetest.Engines() {
		b.Run(eng.Name, func(b *testing.B) {
			db := eng.Open(b)
			benchAppends(b, audit.NewLog(db, newKey(b).Signer, audit.Options{}), writers)
		})
	}
}

// BenchmarkVerify measures how fast Verify checks a log of 100,000 entries.
func BenchmarkVerify(b *testing.B) {
	const n = 100_000
	for _, eng := range storetest.Engines() {
		b.Run(eng.Name, func(b *testing.B) {
			db := eng.Open(b)
			k := newKey(b)
			l := audit.NewLog(db, k.Signer, audit.Options{})
			appendAll(b, l, 64, n)
			closeLog(b, l)
			ctx := context.Background()
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				rep, err := audit.Verify(ctx, db, k.Verifier, nil)
				if err != nil || !rep.OK() || rep.Entries != n {
					b.Fatalf("Verify = %+v, %v", rep, err)
				}
			}
			b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "entries/s")
		})
	}
}

// BenchmarkAppendJournal measures appends with the journal (SQLite) by 32
// concurrent writers, as the document checks of `polex bench checks` make
// them, each waiting for its entry to be durable before appending the
// next; it reports appends a second, the latency's p50 and p99, and
// entries per flush. Run it with
//
//	go test -run x -bench AppendJournal -benchtime 200000x ./internal/audit/
func BenchmarkAppendJournal(b *testing.B) {
	const writers = 32
	eng := storetest.Engines()[0]
	db := eng.Open(b)
	j, err := audit.OpenJournal(filepath.Join(b.TempDir(), "audit.journal"))
	if err != nil {
		b.Fatal(err)
	}
	benchAppends(b, audit.NewLog(db, newKey(b).Signer, audit.Options{Journal: j}), writers)
}

// benchAppends has writers goroutines append b.N entries to l, each
// waiting for its entry before appending the next, then closes l and
// reports appends a second, the latency's p50 and p99, and entries per
// batch (a transaction, or a flush of the journal).
func benchAppends(b *testing.B, l *audit.Log, writers int) {
	ctx := context.Background()
	var next atomic.Int64
	var wg sync.WaitGroup
	lat := make([]time.Duration, b.N+1)
	b.ResetTimer()
	start := time.Now()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				t0 := time.Now()
				if _, err := l.Append(ctx, entryN(int(i))); err != nil {
					b.Error(err)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	lat = lat[1:]
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "appends/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
	st := l.Stats()
	b.ReportMetric(float64(st.Entries)/float64(max(st.Batches, 1)), "entries/batch")
	closeLog(b, l)
}

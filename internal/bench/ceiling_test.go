package bench

import (
	"context"
	"testing"

	"github.com/polex-org/polex/internal/audit"
)

// BenchmarkLoopbackCeiling measures the loopback ceilings of ceiling.go
// (the document-check phase of `polex bench checks` against a handler
// that does no check) as a benchmark: "http" only reads the body and
// answers a no-hit of the same size; "http+audit" also appends an audit
// entry through the journal (SQLite) and answers once it is durable.
// append_ms is the mean time a handler waits in Append, and entries/flush
// the journal's batches. Run it with
//
//	go test -run x -bench LoopbackCeiling -benchtime 200000x ./internal/bench/
func BenchmarkLoopbackCeiling(b *testing.B) {
	ctx := context.Background()
	for _, name := range []string{"http", "http+audit"} {
		b.Run(name, func(b *testing.B) {
			var log *audit.Log
			if name == "http+audit" {
				l, closeLog, err := ceilingLog(ctx, b.TempDir())
				if err != nil {
					b.Fatal(err)
				}
				defer closeLog()
				log = l
			}
			s, err := serveCeiling(log)
			if err != nil {
				b.Fatal(err)
			}
			defer s.close()
			docs := NewDocuments(1, 100000)
			b.ResetTimer()
			st, err := ceilingChecks(ctx, s, phase{conc: DefaultConcurrency, count: b.N}, 1, docs)
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(st.perSecond(st.n()), "checks/s")
			if s.log != nil {
				as := s.log.Stats()
				b.ReportMetric(s.appendMs(), "append_ms")
				b.ReportMetric(float64(as.Entries)/float64(max(as.Batches, 1)), "entries/flush")
			}
			b.ReportMetric(st.pct(0.5), "p50_ms")
			b.ReportMetric(st.pct(0.99), "p99_ms")
		})
	}
}

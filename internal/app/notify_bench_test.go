package app_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/store/storetest"
)

// BenchmarkSSELatency measures the time from the start of the committing
// transaction of an event (sqldb.InsertEvents, as record stores write
// them) to its arrival at an SSE client connected over loopback HTTP, with
// the production settings: SQLite's hub is woken after each commit of its
// process (and polls every 10 ms); PostgreSQL's is woken by LISTEN/NOTIFY. "postgres-cross" writes through one App and reads
// from a second App on the same database, as two `polex serve` processes.
func BenchmarkSSELatency(b *testing.B) {
	prod := func(o *notify.Options) {
		d := notify.DefaultOptions()
		o.GapWait, o.LivePoll = d.GapWait, d.LivePoll
	}
	for _, name := range []string{"sqlite", "postgres", "postgres-cross"} {
		b.Run(name, func(b *testing.B) {
			engine, url := "sqlite", ""
			if name != "sqlite" {
				if os.Getenv(storetest.EnvPostgres) == "" {
					b.Skipf("%s not set", storetest.EnvPostgres)
				}
				engine, url = "postgres", storetest.PostgresURL(b)
			}
			dir := b.TempDir()
			writer := serveApp(b, notifyConfig(b, engine, url, dir), func(o *notify.Options) {
				prod(o)
				if engine == "postgres" {
					o.Poll, o.LivePoll = 500*time.Millisecond, 500*time.Millisecond
				}
			})
			reader := writer
			if name == "postgres-cross" {
				reader = serveApp(b, notifyConfig(b, engine, url, dir), func(o *notify.Options) { prod(o); o.Poll, o.LivePoll = 500*time.Millisecond, 500*time.Millisecond })
			}
			tok := benchToken(b, writer)
			st := openStream(b, reader.base, tok, "")
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for range b.N {
				start := time.Now()
				want := emit(b, writer.App, "ncb-fr", notify.NoticePublished)[0]
				if got := st.next(b); got.ID != want.ID {
					b.Fatalf("got %s, want %s", got.ID, want.ID)
				}
				lat = append(lat, time.Since(start))
			}
			b.StopTimer()
			slices.Sort(lat)
			q := func(p float64) float64 {
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(q(0.50), "p50-ms")
			b.ReportMetric(q(0.99), "p99-ms")
		})
	}
}

package mirror_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/screen/mirror"
	"github.com/polex-org/polex/internal/store/storetest"
)

// benchDocs returns n synthetic French travel documents as JSON Lines;
// every tenth is denied to Kenya.
func benchDocs(n int) []byte {
	var b bytes.Buffer
	st := []string{"stolen", "lost", "revoked", "stolen-blank"}
	for i := range n {
		restr := ""
		if i%10 == 9 {
			restr = `,"restrictions":{"deny_countries":["KE"]}`
		}
		fmt.Fprintf(&b, `{"ref":"FR-%09d","number":"%02dFR%07d","type":"passport","issuing_country":"FR","status":"%s"%s}`+"\n",
			i, i%97, i, st[i%4], restr)
	}
	return b.Bytes()
}

// BenchmarkMirror measures, on SQLite with POLEX_BENCH_MIRROR_DOCS
// documents (default 1,000,000; one in ten denied to the post's country):
// export — a snapshot of the post's mirror (docs/s, bytes/doc on disk);
// check — offline lookups in an opened mirror (p50, p99); open+check — what
// one `polex check --mirror` does: verify every file, then look up; delta —
// an export with nothing changed (read DIR's state, compare every row).
//
//	go test ./internal/screen/mirror -run XXX -bench Mirror -benchtime 1x
func BenchmarkMirror(b *testing.B) {
	n := 1000000
	if s := os.Getenv("POLEX_BENCH_MIRROR_DOCS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	db := storetest.OpenSQLite(b)
	f := newFixture(b, db)
	svc := property.New(db, f.log)
	svc.BatchRows = 50000
	start := time.Now()
	im, err := svc.Import(ctx, frOfficer, property.ImportRequest{Kind: property.KindDocument, Owner: "FR", Format: property.FormatJSONL, File: "bench.jsonl"},
		io.NopCloser(bytes.NewReader(benchDocs(n))), nil)
	if err != nil || im.Inserted != int64(n) {
		b.Fatalf("import: %v %+v", err, im)
	}
	b.Logf("imported %d documents in %v", n, time.Since(start).Round(time.Millisecond))
	dir := b.TempDir()
	visible := n - n/10

	b.Run("export", func(b *testing.B) {
		var size int64
		for i := 0; i < b.N; i++ {
			out := filepath.Join(dir, fmt.Sprint("x", i))
			res, err := mirror.Export(ctx, db, f.log, mirror.ExportRequest{Dir: out, Principal: keBorder, Purpose: "bench", Key: f.key, Now: time.Now()})
			if err != nil || res.Total != visible {
				b.Fatalf("export: %v %+v", err, res)
			}
			size = res.Bytes
		}
		b.ReportMetric(float64(visible*b.N)/b.Elapsed().Seconds(), "docs/s")
		b.ReportMetric(float64(size)/float64(visible), "bytes/doc")
	})
	out := filepath.Join(dir, "x0")
	if _, err := os.Stat(out); err != nil {
		if _, err := mirror.Export(ctx, db, f.log, mirror.ExportRequest{Dir: out, Principal: keBorder, Purpose: "bench", Key: f.key, Now: time.Now()}); err != nil {
			b.Fatal(err)
		}
	}
	b.Run("check", func(b *testing.B) {
		m, err := mirror.Open(out, "")
		if err != nil {
			b.Fatal(err)
		}
		const per = 100000
		lat := make([]time.Duration, 0, per*b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			for k := range per {
				j := (k * 7919) % n
				q := mirror.Query{Kind: mirror.KindDocument, Country: "FR", Key: fmt.Sprintf("%02dFR%07d", j%97, j)}
				t0 := time.Now()
				res, err := m.Check(q)
				lat = append(lat, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if (len(res.Hits) == 1) != (j%10 != 9) {
					b.Fatalf("document %d: %+v", j, res)
				}
			}
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1e3, "p99-µs")
		b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "checks/s")
	})
	b.Run("open+check", func(b *testing.B) {
		const per = 5
		for i := 0; i < b.N; i++ {
			for range per {
				m, err := mirror.Open(out, "")
				if err != nil {
					b.Fatal(err)
				}
				if res, err := m.Check(mirror.Query{Kind: mirror.KindDocument, Key: "00FR0000000"}); err != nil || len(res.Hits) != 1 {
					b.Fatalf("check: %v %+v", err, res)
				}
			}
		}
		b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(per*b.N), "ms/open+check")
	})
	b.Run("delta", func(b *testing.B) {
		// A delta against the snapshot, with nothing changed: the cost of
		// reading the state of DIR and comparing every row.
		for i := 0; i < b.N; i++ {
			res, err := mirror.Export(ctx, db, f.log, mirror.ExportRequest{Dir: out, Principal: keBorder, Purpose: "bench", Key: f.key, Now: time.Now()})
			if err != nil || !res.Delta || res.Records != 0 || res.Removes != 0 {
				b.Fatalf("delta: %v %+v", err, res)
			}
		}
		b.ReportMetric(float64(visible*b.N)/b.Elapsed().Seconds(), "docs/s")
	})
}

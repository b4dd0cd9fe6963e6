package property_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/polex-org/polex/internal/store/storetest"
)

// docLines returns n synthetic travel-document lines of France.
func docLines(from, n int) []byte {
	var b bytes.Buffer
	types := []string{"passport", "id-card", "visa", "residence-permit"}
	st := []string{"stolen", "lost", "revoked", "stolen-blank"}
	for i := from; i < from+n; i++ {
		fmt.Fprintf(&b, `{"ref":"FR-%09d","number":"%02dFR%07d","type":"%s","issuing_country":"FR","status":"%s"}`+"\n",
			i, i%97, i, types[i%4], st[i%4])
	}
	return b.Bytes()
}

// BenchmarkImportDocuments imports synthetic travel documents from a JSON
// Lines stream through Service.Import (the path of the CLI and the API)
// into a fresh database of each engine, and reports documents per second.
func BenchmarkImportDocuments(b *testing.B) {
	const n = 1000000
	data := docLines(0, n)
	for _, e := range storetest.Engines() {
		b.Run(e.Name, func(b *testing.B) {
			var total int64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := e.Open(b)
				svc, _ := newService(b, db)
				b.StartTimer()
				im, err := svc.Import(context.Background(), officer("FR", "europe"), importReq("documents", "FR", "bench.jsonl"), io.NopCloser(bytes.NewReader(data)), nil)
				b.StopTimer()
				if err != nil || im.Inserted != n {
					b.Fatalf("import: %v, %+v", err, im)
				}
				total += im.Inserted
			}
			b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "docs/s")
		})
	}
}

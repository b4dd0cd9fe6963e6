package bench

import (
	"context"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/store/storetest"
)

// BenchmarkLoopbackCeiling measures what the document-check phase of
// `polex bench checks` could reach at best on this machine: the same
// client, concurrency (32) and loopback HTTP/1.1 against a handler that
// does no check. "http" only reads the body and answers a no-hit of the
// same size; "http+audit" also appends an audit entry through the journal
// (SQLite), as every check does, and answers once it is durable. The gap
// between these and doc_checks_per_s is what Polex's own work costs (the
// policy, the index, the JSON); set beside pg_doc_checks_per_s,
// "http+audit" shows how far any check over HTTP that waits for a durable
// audit entry stands from a bare primary-key lookup on this machine;
// append_ms is the mean time a handler waits in Append, and
// entries/flush the journal's batches. Run it with
//
//	go test -run x -bench LoopbackCeiling -benchtime 200000x ./internal/bench/
func BenchmarkLoopbackCeiling(b *testing.B) {
	answer := []byte(`{"check_id":"chk_0000000000000000000000","kind":"document","outcome":"no_hit","matches":null}`)
	for _, withAudit := range []bool{false, true} {
		name := "http"
		if withAudit {
			name = "http+audit"
		}
		b.Run(name, func(b *testing.B) {
			var log *audit.Log
			if withAudit {
				dir := b.TempDir()
				key, err := audit.LoadOrCreateKey(filepath.Join(dir, audit.KeyFile))
				if err != nil {
					b.Fatal(err)
				}
				j, err := audit.OpenJournal(filepath.Join(dir, "audit.journal"))
				if err != nil {
					b.Fatal(err)
				}
				log = audit.NewLog(storetest.OpenSQLite(b), key.Signer, audit.Options{Journal: j})
				b.Cleanup(func() { log.Close(context.Background()) })
			}
			var n, waited atomic.Int64
			srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, err := io.ReadAll(r.Body)
				if err != nil || len(body) == 0 {
					http.Error(w, "no body", http.StatusBadRequest)
					return
				}
				if log != nil {
					start := time.Now()
					_, err := log.Append(r.Context(), audit.Entry{Actor: "usr_bench", ActorOrg: "GR", Action: "document.check",
						Target: "document:*", Outcome: audit.OutcomeOK, Purpose: "bench: border control",
						RequestID: "req-" + strconv.FormatInt(n.Add(1), 10), Detail: string(body)})
					waited.Add(int64(time.Since(start)))
					if err != nil {
						http.Error(w, err.Error(), http.StatusServiceUnavailable)
						return
					}
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write(answer)
			})}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			go srv.Serve(ln)
			b.Cleanup(func() { srv.Close() })
			const conc = 32
			cl := newClient("http://"+ln.Addr().String(), "token", conc)
			defer cl.close()
			docs := NewDocuments(1, 100000)
			b.ResetTimer()
			st, err := (phase{conc: conc, count: b.N}).run(context.Background(), 1, func(ctx context.Context, r *rand.Rand, i int) error {
				cc, num, _ := pickDocument(r, docs)
				var out struct {
					Outcome string `json:"outcome"`
				}
				if err := cl.post(ctx, "/checks/documents", docBody(cc, num), &out); err != nil {
					return err
				}
				if out.Outcome != "no_hit" {
					b.Errorf("outcome %q", out.Outcome)
				}
				return nil
			})
			b.StopTimer()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(st.perSecond(st.n()), "checks/s")
			if log != nil {
				as := log.Stats()
				b.ReportMetric(float64(waited.Load())/float64(n.Load())/1e6, "append_ms")
				b.ReportMetric(float64(as.Entries)/float64(max(as.Batches, 1)), "entries/flush")
			}
			b.ReportMetric(st.pct(0.5), "p50_ms")
			b.ReportMetric(st.pct(0.99), "p99_ms")
		})
	}
}

package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/identity"
)

// BenchmarkCheckDocumentHTTP measures single document checks over HTTP on
// loopback, audit on, SQLite, 32 concurrent clients (no hit). The whole
// figure set at scale is `polex bench checks`; this one is for profiling.
func BenchmarkCheckDocumentHTTP(b *testing.B) {
	cfg := config.Default()
	cfg.DataDir = b.TempDir()
	a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close(context.Background())
	t := &testing.T{}
	tok, _ := user(t, a, "ke.border", "ncb-ke", []identity.Role{identity.BorderSystem}, "check")
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	body := []byte(`{"purpose":"bench","issuing_country":"FR","number":"99FR00001"}`)
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	c := &http.Client{Transport: tr}
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/checks/documents", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/json")
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
}

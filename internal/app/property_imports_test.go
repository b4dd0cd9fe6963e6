package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/store/storetest"
)

// TestOpenInterruptsImports: opening the App marks as interrupted the
// imports a stopped process left running — on SQLite those silent for
// more than 45 s, on PostgreSQL for more than property.DefaultStaleAfter —
// and leaves alone one whose process still beats.
func TestOpenInterruptsImports(t *testing.T) {
	for _, e := range []string{"sqlite", "postgres"} {
		t.Run(e, func(t *testing.T) {
			ctx := context.Background()
			cfg := config.Default()
			cfg.DataDir = t.TempDir()
			quiet := time.Minute // silent that long: stale on SQLite only
			if e == "postgres" {
				cfg.DatabaseURL = storetest.PostgresURL(t)
				quiet = property.DefaultStaleAfter + time.Minute
			}
			open := func() *app.App {
				a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
				if err != nil {
					t.Fatal(err)
				}
				return a
			}
			a := open()
			now := time.Now().UTC()
			base := property.Import{Kind: property.KindDocument, Owner: "FR", Actor: app.ImportActor, ActorOrg: "ncb-fr", File: "x.jsonl",
				Format: property.FormatJSONL, State: property.ImportRunning, Started: now.Add(-time.Hour), Inserted: 20000}
			crashed, alive := base, base
			crashed.ID, crashed.Updated = "imp_crashed", now.Add(-quiet)
			alive.ID, alive.Updated = "imp_alive", now.Add(-5*time.Second)
			for _, im := range []property.Import{crashed, alive} {
				if err := a.DB.CreateImport(ctx, im); err != nil {
					t.Fatal(err)
				}
			}
			a.Close(ctx)

			a = open()
			defer a.Close(ctx)
			for id, want := range map[string]string{crashed.ID: property.ImportInterrupted, alive.ID: property.ImportRunning} {
				im, err := a.DB.Import(ctx, id)
				if err != nil || im.State != want || im.Inserted != 20000 {
					t.Fatalf("after reopening, %s = %+v %v, want %s", id, im, err, want)
				}
			}
		})
	}
}

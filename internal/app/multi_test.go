package app_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"sync"
	"testing"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/store/storetest"
)

// TestTwoServersOnePostgres runs two Apps — as two `polex serve` processes
// would — on one PostgreSQL database: both append to one audit log, a
// session opened on one is valid on the other, and a suspension made on one
// takes effect on the other at the next request.
func TestTwoServersOnePostgres(t *testing.T) {
	if os.Getenv(storetest.EnvPostgres) == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not set in CI", storetest.EnvPostgres)
		}
		t.Skipf("%s not set", storetest.EnvPostgres)
	}
	url := storetest.PostgresURL(t)
	keyDir := t.TempDir() // both processes sign with the same key, given by path
	open := func() *app.App {
		cfg := config.Default()
		cfg.DataDir = t.TempDir()
		cfg.DatabaseURL = url
		cfg.AuditKey = keyDir + "/audit.key"
		cfg.DemoMode = true
		a, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a1, a2 := open(), open()
	ctx := context.Background()
	if _, err := a1.Admin.CreateUser(ctx, app.System("test"), admin.NewUser{Username: "ke.officer", DisplayName: "K", Org: "ncb-ke",
		Roles: []identity.Role{identity.Officer}, Clearance: identity.Official, Password: "a-long-enough-password"}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errc := make(chan error, 400)
	for i, a := range []*app.App{a1, a2} {
		for w := 0; w < 8; w++ {
			wg.Add(1)
			go func(a *app.App, i int) {
				defer wg.Done()
				for n := 0; n < 25; n++ {
					_, err := a.Audit.Append(ctx, audit.Entry{Actor: "test", Action: "test.append", Outcome: audit.OutcomeOK, Detail: string(rune('a' + i))})
					if err != nil {
						errc <- err
					}
				}
			}(a, i)
		}
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}

	_, cookie, _, err := a1.Identity.Login(ctx, "ke.officer", "a-long-enough-password", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a2.Identity.SessionPrincipal(ctx, cookie); err != nil {
		t.Fatalf("session from server 1 on server 2: %v", err)
	}
	if err := a1.Admin.SetCountryStatus(ctx, app.System("test"), "KE", member.Suspended); err != nil {
		t.Fatal(err)
	}
	if _, err := a2.Identity.SessionPrincipal(ctx, cookie); err == nil {
		t.Fatal("server 2 still accepts a session of a member suspended on server 1")
	}

	for _, a := range []*app.App{a1, a2} {
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	key, err := audit.LoadKey(keyDir + "/audit.key")
	if err != nil {
		t.Fatal(err)
	}
	db, err := app.OpenDB(ctx, config.Config{DatabaseURL: url}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := audit.Verify(ctx, db, key.Verifier, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Entries < 400 || rep.Signed != rep.Entries {
		t.Fatalf("after two servers appended: %+v (problem %v)", rep, rep.Problem)
	}
}

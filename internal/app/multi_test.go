package app_test

import (
	"context"
	"fmt"
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

// TestTwoAppsOneDataDirectory opens two Apps on one embedded data directory,
// as a command run beside `polex serve` does: the first holds the audit
// journal, the second appends straight to the database, and every entry
// of both is stored once in one log that verifies.
func TestTwoAppsOneDataDirectory(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *app.App {
		cfg := config.Default()
		cfg.DataDir = dir
		cfg.DemoMode = true
		a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	a1, a2 := open(), open()
	if _, err := os.Stat(dir + "/audit.journal"); err != nil {
		t.Fatalf("no audit journal in the data directory: %v", err)
	}
	before, err := a1.Audit.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range []*app.App{a1, a2} {
		for n := range 20 {
			seq, err := a.Audit.Append(ctx, audit.Entry{Actor: "test", Action: "test.append", Outcome: audit.OutcomeOK, RequestID: fmt.Sprintf("app%d-%d", i, n)})
			if err != nil {
				t.Fatal(err)
			}
			if journaled := seq == audit.Unnumbered; journaled != (i == 0) {
				t.Fatalf("App %d: Append = seq %d; want Unnumbered only from the App holding the journal", i+1, seq)
			}
		}
	}
	if n, err := a1.Audit.Size(ctx); err != nil || n != before+40 {
		t.Fatalf("Size = %d, %v; want %d", n, err, before+40)
	}
	if st := a1.Audit.Stats(); st.Ingested < 20 {
		t.Fatalf("the first App moved %d journaled entries, want at least 20", st.Ingested)
	}
	for _, a := range []*app.App{a2, a1} {
		if err := a.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	a3 := open() // takes the journal again, with nothing left in it
	defer a3.Close(ctx)
	es, err := a3.Audit.Query(ctx, audit.Filter{Action: "test.append", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range es {
		if seen[e.RequestID] {
			t.Fatalf("%s stored twice", e.RequestID)
		}
		seen[e.RequestID] = true
	}
	if len(seen) != 40 {
		t.Fatalf("%d entries stored, want 40", len(seen))
	}
	key, err := audit.LoadKey(dir + "/audit.key")
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.Verify(ctx, a3.DB, key.Verifier, nil); err != nil || !rep.OK() {
		t.Fatalf("Verify = %+v, %v", rep, err)
	}
}

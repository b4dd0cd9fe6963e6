package property_test

import (
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// TestImportStale: an import left running by a process that stopped (its
// last update older than StaleAfter) is shown interrupted by GetImport and
// Imports and marked interrupted in storage by InterruptStale; a running
// import with a recent update, and one running in this process however old
// its last update, are left running; the one of this process ends done.
func TestImportStale(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		svc, _ := newService(t, db)
		fr := officer("FR", "europe")
		now := time.Now().UTC().Truncate(time.Millisecond)
		// The clock is read by the running import's goroutines.
		var offset atomic.Int64
		svc.SetClock(func() time.Time { return now.Add(time.Duration(offset.Load())) })
		// Two imports another process left in the table: one crashed ten
		// minutes ago, one still beating.
		crashed := property.Import{ID: "imp_crashed", Kind: property.KindDocument, Owner: "FR", Actor: fr.User.ID, ActorOrg: fr.User.Org,
			File: "a.jsonl", Format: property.FormatJSONL, State: property.ImportRunning, Started: now.Add(-20 * time.Minute),
			Updated: now.Add(-10 * time.Minute), Lines: 40000, Inserted: 40000}
		alive := crashed
		alive.ID, alive.Updated = "imp_alive", now.Add(-time.Minute)
		for _, im := range []property.Import{crashed, alive} {
			must(t, db.CreateImport(ctx, im))
		}
		// One running here, blocked on its input, stale by its clock.
		pr, pw := io.Pipe()
		local, err := svc.StartImport(ctx, fr, importReq("documents", "FR", "local.jsonl"), pr)
		must(t, err)
		offset.Store(int64(time.Hour))
		for _, c := range []struct {
			id, state string
		}{{crashed.ID, property.ImportInterrupted}, {alive.ID, property.ImportInterrupted}, {local.ID, property.ImportRunning}} {
			got, err := svc.GetImport(ctx, fr, c.id)
			if err != nil || got.State != c.state {
				t.Fatalf("an hour later, GetImport(%s) = %s %v, want %s", c.id, got.State, err, c.state)
			}
		}
		offset.Store(0)
		got, err := svc.GetImport(ctx, fr, crashed.ID)
		if err != nil || got.State != property.ImportInterrupted || got.Message == "" || got.Inserted != 40000 {
			t.Fatalf("GetImport(crashed) = %+v %v", got, err)
		}
		if got, err := svc.GetImport(ctx, fr, alive.ID); err != nil || got.State != property.ImportRunning {
			t.Fatalf("GetImport(alive) = %+v %v", got, err)
		}
		list, err := svc.Imports(ctx, fr)
		must(t, err)
		states := map[string]string{}
		for _, im := range list {
			states[im.ID] = im.State
		}
		if states[crashed.ID] != property.ImportInterrupted || states[alive.ID] != property.ImportRunning || states[local.ID] != property.ImportRunning {
			t.Fatalf("Imports states = %v", states)
		}

		// Marked in storage: only the crashed one.
		n, err := svc.InterruptStale(ctx)
		if err != nil || n != 1 {
			t.Fatalf("InterruptStale = %d %v, want 1", n, err)
		}
		stored, err := db.Import(ctx, crashed.ID)
		if err != nil || stored.State != property.ImportInterrupted || !stored.Finished.Equal(now) || stored.Inserted != 40000 {
			t.Fatalf("stored crashed import = %+v %v", stored, err)
		}
		for _, id := range []string{alive.ID, local.ID} {
			if stored, err := db.Import(ctx, id); err != nil || stored.State != property.ImportRunning {
				t.Fatalf("stored %s = %+v %v", id, stored, err)
			}
		}
		// A heartbeat never revives an interrupted import.
		must(t, db.TouchImport(ctx, crashed.ID, now))
		if stored, _ := db.Import(ctx, crashed.ID); stored.State != property.ImportInterrupted || !stored.Updated.Equal(crashed.Updated) {
			t.Fatalf("touched interrupted import = %+v", stored)
		}
		must(t, db.TouchImport(ctx, alive.ID, now))
		if stored, _ := db.Import(ctx, alive.ID); !stored.Updated.Equal(now) {
			t.Fatalf("heartbeat not stored: %v, want %v", stored.Updated, now)
		}

		// Later still, the local import is marked by no rule; the other
		// process's import, now silent, is.
		offset.Store(int64(time.Hour))
		if n, err := svc.InterruptStale(ctx); err != nil || n != 1 {
			t.Fatalf("InterruptStale an hour later = %d %v, want 1 (alive)", n, err)
		}
		_, _ = pw.Write(docLines(0, 3))
		must(t, pw.Close())
		svc.Wait()
		if got, err := svc.GetImport(ctx, fr, local.ID); err != nil || got.State != property.ImportDone || got.Inserted != 3 {
			t.Fatalf("local import = %+v %v", got, err)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

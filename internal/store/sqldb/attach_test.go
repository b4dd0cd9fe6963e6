package sqldb_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/screen"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// TestAuditAttachedHits: a check's hits attached to its audit entry
// (audit.Log.AppendWith) are stored in the entry's transaction, also when
// audit entries alone commit without waiting for the disk; a write the
// store does not know fails its batch and stores nothing, neither the
// entry nor the hits of the entries batched with it.
func TestAuditAttachedHits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		for _, async := range []bool{false, true} {
			db.AuditAsync = async
			ctx := context.Background()
			key, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"))
			if err != nil {
				t.Fatal(err)
			}
			log := audit.NewLog(db, key.Signer, audit.Options{})
			now := time.Now().UTC().Truncate(time.Millisecond)
			id := "hit_attached_" + map[bool]string{false: "sync", true: "async"}[async]
			h := screen.HitRecord{ID: id, CheckID: "chk_1", Kind: screen.KindDocument, RecordID: "doc_1", Owner: "FR", OwnerOrg: "ncb-fr",
				Searcher: "usr_1", SearcherOrg: "ncb-ke", SearcherCountry: "KE", Purpose: "entry", Priority: screen.Urgent,
				Query: []byte(`{}`), Matched: []byte(`{}`), Score: 1, Status: screen.StatusPending, CheckedAt: now, Deadline: now.Add(time.Minute)}
			ev := notify.Event{Org: "ncb-fr", Type: notify.HitRaised, Subject: "hit:" + id, Title: "hit", Data: []byte(`{}`), Time: now}
			e := audit.Entry{Actor: "usr_1", ActorOrg: "ncb-ke", Action: "document.check", Target: "document:*", Purpose: "entry", Outcome: audit.OutcomeAllow}
			before, err := db.AuditSize(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := log.AppendWith(ctx, e, screen.HitWrite{Hits: []screen.HitRecord{h}, Events: []notify.Event{ev}}); err != nil {
				t.Fatalf("async %v: %v", async, err)
			}
			if got, err := db.Hit(ctx, id); err != nil || got.Owner != "FR" || got.Status != screen.StatusPending {
				t.Fatalf("async %v: attached hit: %+v %v", async, got, err)
			}
			evs, err := db.EventsAfter(ctx, "ncb-fr", 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			told := 0
			for _, x := range evs {
				if x.Subject == "hit:"+id {
					told++
				}
			}
			if told != 1 {
				t.Fatalf("async %v: the owner was told %d times", async, told)
			}
			if n, err := db.AuditSize(ctx); err != nil || n != before+1 {
				t.Fatalf("async %v: audit size %d → %d (%v)", async, before, n, err)
			}

			if _, err := log.AppendWith(ctx, e, "not a write the store knows"); !errs.Is(errs.Internal, err) {
				t.Fatalf("async %v: unknown attachment: %v", async, err)
			}
			if n, err := db.AuditSize(ctx); err != nil || n != before+1 {
				t.Fatalf("async %v: a failed batch stored its entry: size %d → %d (%v)", async, before+1, n, err)
			}
			if err := log.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestAuditWakesOnlyForEvents: a batch of audit entries alone does not
// call OnCommit (the notification hub's wake-up, which reads the events
// table), one with hits and their events attached does, sync or async.
func TestAuditWakesOnlyForEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		var wakes atomic.Int64
		db.OnCommit = func() { wakes.Add(1) }
		defer func() { db.OnCommit = nil }()
		for _, async := range []bool{false, true} {
			db.AuditAsync = async
			ctx := context.Background()
			key, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"))
			if err != nil {
				t.Fatal(err)
			}
			log := audit.NewLog(db, key.Signer, audit.Options{CheckpointInterval: time.Hour})
			e := audit.Entry{Actor: "usr_1", ActorOrg: "ncb-ke", Action: "document.check", Target: "document:*", Purpose: "entry", Outcome: audit.OutcomeAllow}
			before := wakes.Load()
			for range 5 {
				if _, err := log.Append(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			if n := wakes.Load() - before; n != 0 {
				t.Fatalf("async %v: entries alone woke the hub %d times", async, n)
			}
			now := time.Now().UTC()
			id := "hit_wake_" + map[bool]string{false: "sync", true: "async"}[async]
			h := screen.HitRecord{ID: id, CheckID: "chk_1", Kind: screen.KindDocument, RecordID: "doc_1", Owner: "FR", OwnerOrg: "ncb-fr",
				Searcher: "usr_1", SearcherOrg: "ncb-ke", SearcherCountry: "KE", Purpose: "entry", Priority: screen.Urgent,
				Query: []byte(`{}`), Matched: []byte(`{}`), Score: 1, Status: screen.StatusPending, CheckedAt: now, Deadline: now.Add(time.Minute)}
			ev := notify.Event{Org: "ncb-fr", Type: notify.HitRaised, Subject: "hit:" + id, Title: "hit", Data: []byte(`{}`), Time: now}
			if _, err := log.AppendWith(ctx, e, screen.HitWrite{Hits: []screen.HitRecord{h}, Events: []notify.Event{ev}}); err != nil {
				t.Fatal(err)
			}
			if n := wakes.Load() - before; n != 1 {
				t.Fatalf("async %v: a batch with events woke the hub %d times, want 1", async, n)
			}
			if err := log.Close(ctx); err != nil {
				t.Fatal(err)
			}
		}
		db.AuditAsync = false
	})
}

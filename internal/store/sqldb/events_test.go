package sqldb_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// TestEventsDispatchedWithoutWebhooks: an event for an organisation with
// no webhook is stored as dispatched, so that the webhook dispatcher has
// nothing to claim or mark; one for an organisation with a webhook waits
// for the dispatcher. Both insert paths (multi-row, and prepared for a
// batch of hits) agree.
func TestEventsDispatchedWithoutWebhooks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		if err := db.CreateWebhook(ctx, notify.Webhook{ID: "whk_1", Org: "ncb-fr", URL: "https://example.org/hook", Secret: "s", CreatedBy: "u", CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
		evs := []notify.Event{
			{Org: "ncb-fr", Type: "hit.raised", Subject: "hit:1", Title: "t", Time: now},
			{Org: "ncb-de", Type: "hit.raised", Subject: "hit:2", Title: "t", Time: now},
			{Org: "ncb-fr", Type: "hit.raised", Subject: "hit:3", Title: "t", Time: now},
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return sqldb.InsertEvents(ctx, tx, evs) }); err != nil {
			t.Fatal(err)
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return sqldb.InsertEventsForTest(ctx, db, tx, evs) }); err != nil {
			t.Fatal(err)
		}
		var waiting []string
		err := db.Tx(ctx, func(tx *sql.Tx) error {
			got, err := sqldb.ClaimUndispatched(ctx, tx, db.Engine, 100)
			for _, e := range got {
				waiting = append(waiting, e.Org+" "+e.Subject)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"ncb-fr hit:1", "ncb-fr hit:3", "ncb-fr hit:1", "ncb-fr hit:3"}
		if len(waiting) != len(want) {
			t.Fatalf("undispatched = %v, want %v", waiting, want)
		}
		for i := range want {
			if waiting[i] != want[i] {
				t.Fatalf("undispatched = %v, want %v", waiting, want)
			}
		}
	})
}

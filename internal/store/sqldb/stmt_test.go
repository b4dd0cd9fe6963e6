package sqldb_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// TestPreparedStatements: on SQLite, the queries of the hot paths (the
// hub's read of new events, the audit writer's statements) are prepared
// once and then reused, with the same answers; past maxStmts texts,
// queries still answer, unprepared. PostgreSQL keeps none (pgx caches its
// own).
func TestPreparedStatements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		sqlite := db.Engine == sqldb.SQLite
		count := func() int { return sqldb.PreparedForTest(db) }
		now := time.Now().UTC().Truncate(time.Millisecond)
		var evs []notify.Event
		for i := range 3 {
			evs = append(evs, notify.Event{Org: "ncb-fr", Type: "hit.raised", Subject: fmt.Sprintf("hit:p%d", i), Title: "t", Time: now})
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return sqldb.InsertEventsForTest(ctx, db, tx, evs) }); err != nil {
			t.Fatal(err)
		}
		before := count()
		var firstRead []string
		for round := range 3 {
			subjects := frSubjects(t, db)
			if round == 0 {
				firstRead = subjects
				if want := "hit:p0 hit:p1 hit:p2"; strings.Join(subjects, " ") != want {
					t.Fatalf("events = %v, want %s", subjects, want)
				}
				if sqlite && count() != before+1 {
					t.Fatalf("after the first read %d statements are prepared, want %d", count(), before+1)
				}
			} else if strings.Join(subjects, " ") != strings.Join(firstRead, " ") {
				t.Fatalf("read %d: events = %v, want %v", round, subjects, firstRead)
			}
		}
		if !sqlite && count() != 0 {
			t.Fatalf("PostgreSQL keeps %d statements prepared, want 0", count())
		}

		// The audit writer: many batches, one set of statements, and a
		// log that verifies.
		key, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "audit.key"))
		if err != nil {
			t.Fatal(err)
		}
		log := audit.NewLog(db, key.Signer, audit.Options{GroupWait: -1})
		e := audit.Entry{Actor: "usr_1", ActorOrg: "ncb-ke", Action: "document.check", Target: "document:*", Purpose: "entry", Outcome: audit.OutcomeAllow}
		if _, err := log.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
		afterOne := count()
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 25 {
					if _, err := log.Append(ctx, e); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if err := log.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if st := log.Stats(); st.Batches < 2 {
			t.Fatalf("%d batches: the test did not repeat the writer's transaction", st.Batches)
		}
		if sqlite && count() > afterOne+1 { // +1: the checkpoint's insert, once due
			t.Fatalf("the audit writer prepared %d statements after its first batch, want at most 1", count()-afterOne)
		}
		rep, err := audit.Verify(ctx, db, key.Verifier, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.OK() || rep.Entries != 201 {
			t.Fatalf("verify: %+v", rep)
		}

		// The bound: distinct texts past maxStmts still answer.
		for i := 0; count() < sqldb.MaxStmts && i < 2*sqldb.MaxStmts; i++ {
			if _, err := sqldb.QueryForTest(ctx, db, fmt.Sprintf("SELECT $1 + %d", i), 1); err != nil {
				t.Fatal(err)
			}
		}
		if sqlite && count() != sqldb.MaxStmts {
			t.Fatalf("%d statements prepared, want the bound %d", count(), sqldb.MaxStmts)
		}
		got, err := sqldb.QueryForTest(ctx, db, "SELECT $1 + 1000000", 7)
		if err != nil || len(got) != 1 || got[0] != 1000007 {
			t.Fatalf("a query past the bound = %v, %v, want [1000007]", got, err)
		}
		if sqlite && count() != sqldb.MaxStmts {
			t.Fatalf("%d statements prepared past the bound %d", count(), sqldb.MaxStmts)
		}
	})
}

// TestInList: IN lists are padded to a power of two with the last value,
// so that a few texts serve every length.
func TestInList(t *testing.T) {
	vals := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i"}
	for n, want := range map[int]int{1: 1, 2: 2, 3: 4, 4: 4, 5: 8, 8: 8, 9: 16} {
		ph, args := sqldb.InListForTest(vals[:n], 3)
		if got := strings.Count(ph, "$"); got != want || len(args) != want {
			t.Fatalf("%d values: %d placeholders and %d args, want %d", n, got, len(args), want)
		}
		if !strings.HasPrefix(ph, "$3, ") && n > 1 || n == 1 && ph != "$3" {
			t.Fatalf("%d values: placeholders %q do not start at $3", n, ph)
		}
		for i, a := range args {
			if w := vals[min(i, n-1)]; a != w {
				t.Fatalf("%d values: arg %d = %v, want %s", n, i, a, w)
			}
		}
	}
	if ph, args := sqldb.InListForTest(nil, 1); ph != "" || args != nil {
		t.Fatalf("no values: %q %v", ph, args)
	}
}

// TestTxCancelledBeforeCommit: a context that ends after a transaction's
// last statement but before its commit (database/sql then rolls it back
// by itself) fails the transaction as unavailable with the context's
// error, not as an internal "transaction has already been committed or
// rolled back"; nothing is stored, and the next transaction works.
func TestTxCancelledBeforeCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		ev := func(s string) notify.Event {
			return notify.Event{Org: "ncb-fr", Type: "hit.raised", Subject: "hit:" + s, Title: "t", Time: now}
		}
		cctx, cancel := context.WithCancel(ctx)
		err := db.Tx(cctx, func(tx *sql.Tx) error {
			if err := sqldb.InsertEvents(cctx, tx, []notify.Event{ev("cancelled")}); err != nil {
				return err
			}
			cancel()
			time.Sleep(50 * time.Millisecond) // database/sql rolls back when cctx ends
			return nil
		})
		if !errs.Is(errs.Unavailable, err) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Tx = %v, want unavailable: context canceled", err)
		}
		if err := db.Tx(ctx, func(tx *sql.Tx) error { return sqldb.InsertEvents(ctx, tx, []notify.Event{ev("after")}) }); err != nil {
			t.Fatal(err)
		}
		if subjects := frSubjects(t, db); strings.Join(subjects, " ") != "hit:after" {
			t.Fatalf("events = %v, want only hit:after", subjects)
		}
	})
}

// frSubjects returns the subjects of ncb-fr's events, oldest first.
func frSubjects(t *testing.T, db *sqldb.DB) []string {
	t.Helper()
	got, err := db.EventsAfter(context.Background(), "ncb-fr", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, e := range got {
		subjects = append(subjects, e.Subject)
	}
	return subjects
}

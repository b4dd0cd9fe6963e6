package audit_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

var actions = []string{"notice.read", "person.search", "notice.update", "notice.export", "user.login", "admin.user.create"}

// entryN returns a valid entry, different for every n, with every field set.
func entryN(n int) audit.Entry {
	return audit.Entry{
		Actor:     fmt.Sprintf("user-%d", n%7),
		ActorOrg:  fmt.Sprintf("ncb-%d", n%3),
		Action:    actions[n%len(actions)],
		Target:    fmt.Sprintf("notice:%d", n%11),
		Outcome:   audit.OutcomeOK,
		Purpose:   fmt.Sprintf("case %d", n),
		RequestID: fmt.Sprintf("req-%d", n),
		Detail:    fmt.Sprintf("detail of %d", n),
	}
}

func newKey(t testing.TB) *audit.Key {
	t.Helper()
	k, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), audit.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func closeLog(t testing.TB, l *audit.Log) {
	t.Helper()
	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// appendAll appends n entries from w goroutines and returns their seqs.
func appendAll(t testing.TB, l *audit.Log, w, n int) []int64 {
	t.Helper()
	ctx := context.Background()
	seqs := make([]int64, n)
	errc := make(chan error, w)
	var wg sync.WaitGroup
	for g := range w {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := g; i < n; i += w {
				seq, err := l.Append(ctx, entryN(i))
				if err != nil {
					errc <- err
					return
				}
				seqs[i] = seq
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	return seqs
}

func mustVerify(t testing.TB, db *sqldb.DB, k *audit.Key) audit.Report {
	t.Helper()
	rep, err := audit.Verify(context.Background(), db, k.Verifier, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

func TestAppendConcurrentThenVerify(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		for _, async := range []bool{false, true} {
			t.Run(map[bool]string{false: "sync", true: "async"}[async], func(t *testing.T) {
				if async {
					// A fresh log: the async commit mode is one connection of its own on SQLite.
					if _, err := db.SQL.Exec(`DELETE FROM audit_entries`); err != nil {
						t.Fatal(err)
					}
					db.SQL.Exec(`DELETE FROM audit_checkpoints`)
					db.SQL.Exec(`UPDATE audit_head SET size = 0`)
				}
				db.AuditAsync = async
				appendConcurrentThenVerify(t, db)
			})
		}
	})
}

func appendConcurrentThenVerify(t *testing.T, db *sqldb.DB) {
	{
		ctx := context.Background()
		k := newKey(t)
		// Two Logs on one store stand for two processes sharing a database.
		l1 := audit.NewLog(db, k.Signer, audit.Options{MaxBatch: 50})
		l2 := audit.NewLog(db, k.Signer, audit.Options{CheckpointInterval: -1})
		const n = 2000
		var seqs []int64
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, l := range []*audit.Log{l1, l2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := appendAll(t, l, 32, n/2)
				mu.Lock()
				seqs = append(seqs, s...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		closeLog(t, l1)
		closeLog(t, l2)
		sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
		for i, s := range seqs {
			if s != int64(i) {
				t.Fatalf("seqs[%d] = %d: seqs are not 0..%d", i, s, n-1)
			}
		}
		rep := mustVerify(t, db, k)
		if !rep.OK() || rep.Entries != n || rep.Signed != n || rep.Checkpoints == 0 {
			t.Fatalf("Verify = %+v, want %d entries all signed", rep, n)
		}
		root, err := tlog.TreeHash(n, tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return db.AuditHashes(ctx, idx) }))
		if err != nil || root != rep.Root {
			t.Fatalf("root %v, %v; Verify says %v", root, err, rep.Root)
		}
		var progress []int64
		if _, err := audit.Verify(ctx, db, k.Verifier, func(n int64) { progress = append(progress, n) }); err != nil {
			t.Fatal(err)
		}
		if len(progress) != 2 || progress[1] != n {
			t.Fatalf("progress calls %v", progress)
		}
		// Every entry comes back as appended.
		for _, seq := range []int64{0, 1, 999, n - 1} {
			e, err := l1.Entry(ctx, seq)
			if err != nil || e.Seq != seq || e.Time.IsZero() || e.Purpose == "" {
				t.Fatalf("Entry(%d) = %+v, %v", seq, e, err)
			}
		}
	}
}

func TestCloseFlushes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := newKey(t)
		l := audit.NewLog(db, k.Signer, audit.Options{CheckpointInterval: time.Hour})
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, closed := 0, 0
		for g := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ; i++ {
					_, err := l.Append(ctx, entryN(g*1000+i))
					mu.Lock()
					switch {
					case err == nil:
						ok++
					case errs.Is(errs.Unavailable, err):
						closed++
					default:
						t.Errorf("Append: %v", err)
					}
					mu.Unlock()
					if err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(50 * time.Millisecond)
		closeLog(t, l)
		wg.Wait()
		if ok == 0 || closed != 16 {
			t.Fatalf("%d appended, %d refused; want some appended and 16 refused", ok, closed)
		}
		size, err := l.Size(ctx)
		if err != nil || size != int64(ok) || l.Stats().Entries != size {
			t.Fatalf("size %d, %v; %d Appends succeeded", size, err, ok)
		}
		// The first batch was signed; Close signed the rest.
		c, err := l.LatestCheckpoint(ctx)
		if err != nil || c.Size != size {
			t.Fatalf("latest checkpoint %+v, %v; want size %d", c, err, size)
		}
		if rep := mustVerify(t, db, k); !rep.OK() || rep.Signed != size {
			t.Fatalf("Verify = %+v", rep)
		}
		if _, err := l.Append(ctx, entryN(1)); !errs.Is(errs.Unavailable, err) {
			t.Fatalf("Append after Close = %v, want Unavailable", err)
		}
		if err := l.Close(ctx); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
}

func TestCheckpointTimer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := newKey(t)
		l := audit.NewLog(db, k.Signer, audit.Options{CheckpointInterval: 50 * time.Millisecond})
		defer closeLog(t, l)
		appendAll(t, l, 1, 1) // signed at once: the first batch
		appendAll(t, l, 4, 20)
		deadline := time.Now().Add(5 * time.Second)
		for {
			c, err := l.LatestCheckpoint(ctx)
			if err == nil && c.Size == 21 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no checkpoint of size 21 in time: %+v, %v", c, err)
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

func TestAppendRefusesInvalid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		l := audit.NewLog(db, newKey(t).Signer, audit.Options{})
		defer closeLog(t, l)
		e := entryN(1) // person.search
		e.Purpose = ""
		if _, err := l.Append(context.Background(), e); !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "purpose" {
			t.Fatalf("Append without purpose = %v, want Invalid purpose", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := l.Append(ctx, entryN(2)); !errs.Is(errs.Unavailable, err) {
			t.Fatalf("Append with a cancelled context = %v, want Unavailable", err)
		}
	})
}

func TestQuery(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		l := audit.NewLog(db, newKey(t).Signer, audit.Options{})
		defer closeLog(t, l)
		for i := range 60 {
			e := entryN(i)
			e.Time = base.Add(time.Duration(i) * time.Minute)
			if seq, err := l.Append(ctx, e); err != nil || seq != int64(i) {
				t.Fatalf("Append %d = %d, %v", i, seq, err)
			}
		}
		tests := []struct {
			name string
			f    audit.Filter
			want func(i int) bool
		}{
			{"all", audit.Filter{}, func(int) bool { return true }},
			{"actor", audit.Filter{Actor: "user-3"}, func(i int) bool { return i%7 == 3 }},
			{"org", audit.Filter{ActorOrg: "ncb-2"}, func(i int) bool { return i%3 == 2 }},
			{"action", audit.Filter{Action: "person.search"}, func(i int) bool { return i%len(actions) == 1 }},
			{"target", audit.Filter{Target: "notice:5"}, func(i int) bool { return i%11 == 5 }},
			{"time", audit.Filter{From: base.Add(10 * time.Minute), To: base.Add(20 * time.Minute)}, func(i int) bool { return i >= 10 && i < 20 }},
			{"from", audit.Filter{From: base.Add(55 * time.Minute)}, func(i int) bool { return i >= 55 }},
			{"actor and time", audit.Filter{Actor: "user-1", To: base.Add(30 * time.Minute)}, func(i int) bool { return i%7 == 1 && i < 30 }},
			{"start", audit.Filter{Start: 50}, func(i int) bool { return i >= 50 }},
			{"limit", audit.Filter{Limit: 5}, func(i int) bool { return i < 5 }},
			{"target page", audit.Filter{Target: "notice:5", Start: 17, Limit: 2}, func(i int) bool { return i == 27 || i == 38 }},
			{"none", audit.Filter{Actor: "nobody"}, func(int) bool { return false }},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := l.Query(ctx, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var gotSeqs, wantSeqs []int64
				for _, e := range got {
					gotSeqs = append(gotSeqs, e.Seq)
					want := entryN(int(e.Seq))
					want.Seq, want.Time = e.Seq, base.Add(time.Duration(e.Seq)*time.Minute)
					if e != want {
						t.Fatalf("entry %d = %+v, want %+v", e.Seq, e, want)
					}
				}
				for i := range 60 {
					if tt.want(i) {
						wantSeqs = append(wantSeqs, int64(i))
					}
				}
				if fmt.Sprint(gotSeqs) != fmt.Sprint(wantSeqs) {
					t.Fatalf("Query = %v, want %v", gotSeqs, wantSeqs)
				}
			})
		}
		if _, err := l.Query(ctx, audit.Filter{Start: -1}); !errs.Is(errs.Invalid, err) {
			t.Fatalf("Query with a negative start = %v, want Invalid", err)
		}
		if _, err := l.Entry(ctx, 60); !errs.Is(errs.NotFound, err) {
			t.Fatalf("Entry(60) = %v, want NotFound", err)
		}
		if _, err := l.Checkpoint(ctx, 59); !errs.Is(errs.NotFound, err) {
			t.Fatalf("Checkpoint(59) = %v, want NotFound", err)
		}
	})
}

func TestProofs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := newKey(t)
		l := audit.NewLog(db, k.Signer, audit.Options{CheckpointInterval: -1})
		if _, err := l.LatestCheckpoint(ctx); !errs.Is(errs.NotFound, err) {
			t.Fatalf("LatestCheckpoint of an empty log = %v, want NotFound", err)
		}
		// Sequential appends: one checkpoint per entry, at every size.
		for i := range 37 {
			if _, err := l.Append(ctx, entryN(i)); err != nil {
				t.Fatal(err)
			}
		}
		closeLog(t, l)
		latest, err := l.LatestCheckpoint(ctx)
		if err != nil || latest.Size != 37 {
			t.Fatalf("LatestCheckpoint = %+v, %v", latest, err)
		}
		open := func(size int64) audit.Checkpoint {
			c, err := l.Checkpoint(ctx, size)
			if err != nil {
				t.Fatalf("Checkpoint(%d): %v", size, err)
			}
			o, err := audit.OpenCheckpoint(c.Note, k.Verifier)
			if err != nil || o.Size != size || o.Root != c.Root {
				t.Fatalf("OpenCheckpoint(%d) = %+v, %v", size, o, err)
			}
			return o
		}
		for _, size := range []int64{1, 2, 5, 16, 17, 37} {
			c := open(size)
			for seq := range size {
				e, err := l.Entry(ctx, seq)
				if err != nil {
					t.Fatal(err)
				}
				p, err := l.InclusionProof(ctx, seq, size)
				if err != nil {
					t.Fatalf("InclusionProof(%d, %d): %v", seq, size, err)
				}
				if err := tlog.CheckRecord(p, size, c.Root, seq, e.LeafHash()); err != nil {
					t.Fatalf("CheckRecord(%d, %d): %v", seq, size, err)
				}
				other := e
				other.Detail += "!"
				if tlog.CheckRecord(p, size, c.Root, seq, other.LeafHash()) == nil {
					t.Fatalf("proof of %d accepts a changed entry", seq)
				}
			}
			for _, old := range []int64{1, 3, 8, size} {
				if old > size {
					continue
				}
				p, err := l.ConsistencyProof(ctx, old, size)
				if err != nil {
					t.Fatalf("ConsistencyProof(%d, %d): %v", old, size, err)
				}
				if err := tlog.CheckTree(p, size, c.Root, old, open(old).Root); err != nil {
					t.Fatalf("CheckTree(%d, %d): %v", old, size, err)
				}
			}
		}
		for _, bad := range [][2]int64{{-1, 5}, {5, 5}, {0, 38}} {
			if _, err := l.InclusionProof(ctx, bad[0], bad[1]); !errs.Is(errs.Invalid, err) {
				t.Errorf("InclusionProof(%d, %d) = %v, want Invalid", bad[0], bad[1], err)
			}
		}
		for _, bad := range [][2]int64{{0, 5}, {6, 5}, {1, 38}} {
			if _, err := l.ConsistencyProof(ctx, bad[0], bad[1]); !errs.Is(errs.Invalid, err) {
				t.Errorf("ConsistencyProof(%d, %d) = %v, want Invalid", bad[0], bad[1], err)
			}
		}
	})
}

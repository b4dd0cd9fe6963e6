package audit_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

func openJournal(t *testing.T, path string) *audit.Journal {
	t.Helper()
	j, err := audit.OpenJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

// journaled returns entryN(from) … entryN(to-1) with times, as a journal
// gives them back.
func journaled(from, to int) []audit.Entry {
	var es []audit.Entry
	for n := from; n < to; n++ {
		e := entryN(n)
		e.Time = time.Unix(1_800_000_000, int64(n)).UTC()
		es = append(es, e)
	}
	return es
}

// storedRequests counts the stored entries by request ID (entryN(n) has
// its own).
func storedRequests(t *testing.T, db *sqldb.DB) map[string]int {
	t.Helper()
	stored := map[string]int{}
	for start := int64(0); ; {
		es, err := db.AuditEntries(context.Background(), audit.Filter{Start: start, Limit: audit.MaxLimit})
		if err != nil {
			t.Fatal(err)
		}
		if len(es) == 0 {
			return stored
		}
		for _, e := range es {
			stored[e.RequestID]++
		}
		start = es[len(es)-1].Seq + 1
	}
}

// reopensWith closes j, opens path again and checks that it finds want.
func reopensWith(t *testing.T, j *audit.Journal, path string, want []audit.Entry) {
	t.Helper()
	j.Close()
	j = openJournal(t, path)
	defer j.Close()
	sameEntries(t, j.Found(), want)
}

func sameEntries(t *testing.T, got, want []audit.Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

// TestJournalReadsBackWhatWasWritten: records survive a close and are read
// back exactly, even with quotes, control characters and other scripts.
func TestJournalReadsBackWhatWasWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.journal")
	j := openJournal(t, path)
	if len(j.Found()) != 0 || j.Offset() != audit.JournalHeaderSize {
		t.Fatalf("a new journal: %d found, offset %d", len(j.Found()), j.Offset())
	}
	es := journaled(0, 100)
	es[3].Detail = `{"query":"Муаммар \"Каддафи\"\n\t\u0001"}`
	es[4].Purpose = "محمد"
	if err := j.Write(es[:60]); err != nil {
		t.Fatal(err)
	}
	if err := j.Write(es[60:]); err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	reopensWith(t, j, path, es)
}

// TestJournalStopsAtTheFirstBadRecord: a damaged or torn record ends the
// lap there, as a write that never completed does.
func TestJournalStopsAtTheFirstBadRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.journal")
	j := openJournal(t, path)
	es := journaled(0, 10)
	var ends []int64
	for i := range es {
		if err := j.Write(es[i : i+1]); err != nil {
			t.Fatal(err)
		}
		ends = append(ends, j.Offset())
	}
	j.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[ends[6]+20] ^= 1 // a byte of record 7's payload
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	j = openJournal(t, path)
	sameEntries(t, j.Found(), es[:7])
	if j.Offset() != ends[6] {
		t.Fatalf("offset %d, want the end of record 6, %d", j.Offset(), ends[6])
	}
	// The next record overwrites the damaged one.
	if err := j.Write(es[9:]); err != nil {
		t.Fatal(err)
	}
	j.Close()
	if err := os.Truncate(path, ends[6]+10); err != nil { // cut inside the new record
		t.Fatal(err)
	}
	j = openJournal(t, path)
	defer j.Close()
	sameEntries(t, j.Found(), es[:7])
}

// TestJournalRewind: after a rewind the old lap's records are gone, even
// where the new lap has not overwritten them.
func TestJournalRewind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.journal")
	j := openJournal(t, path)
	if err := j.Write(journaled(0, 50)); err != nil {
		t.Fatal(err)
	}
	gen := j.Gen()
	if err := j.Rewind(); err != nil {
		t.Fatal(err)
	}
	if j.Gen() == gen || j.Offset() != audit.JournalHeaderSize {
		t.Fatalf("after Rewind: gen %d (was %d), offset %d", j.Gen(), gen, j.Offset())
	}
	if err := j.Write(journaled(100, 103)); err != nil {
		t.Fatal(err)
	}
	reopensWith(t, j, path, journaled(100, 103))
}

// TestJournalExtend: Extend writes zeros ahead of the records, which read
// as the end of the lap.
func TestJournalExtend(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.journal")
	j := openJournal(t, path)
	if err := j.Write(journaled(0, 5)); err != nil {
		t.Fatal(err)
	}
	if err := j.Extend(3 << 20); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() < j.Offset()+3<<20 {
		t.Fatalf("size %d after Extend(3 MB) at offset %d", st.Size(), j.Offset())
	}
	if err := j.Write(journaled(5, 8)); err != nil {
		t.Fatal(err)
	}
	reopensWith(t, j, path, journaled(0, 8))
}

// TestJournalRefusals: a second holder and a file that is no journal.
func TestJournalRefusals(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.journal")
	j := openJournal(t, path)
	if _, err := audit.OpenJournal(path); !errs.Is(errs.Conflict, err) {
		t.Fatalf("a second OpenJournal = %v, want Conflict", err)
	}
	j.Close()
	j = openJournal(t, path) // released by Close
	j.Close()
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("not a journal at all, but long enough to have a header\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.OpenJournal(other); !errs.Is(errs.Internal, err) {
		t.Fatalf("OpenJournal of another file = %v, want Internal", err)
	}
	if b, _ := os.ReadFile(other); string(b) != "not a journal at all, but long enough to have a header\n" {
		t.Fatalf("OpenJournal changed a file that is no journal: %q", b)
	}
}

// TestLogWithJournal: journaled entries are acknowledged Unnumbered, read
// back by Query and Size at once, stored in order with the journal's mark,
// and the log verifies.
func TestLogWithJournal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := newKey(t)
		j := openJournal(t, filepath.Join(t.TempDir(), "audit.journal"))
		l := audit.NewLog(db, k.Signer, audit.Options{Journal: j, IngestInterval: time.Hour, CheckpointInterval: time.Hour})
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 25 {
					if seq, err := l.Append(ctx, entryN(w*25+i)); err != nil || seq != audit.Unnumbered {
						t.Errorf("Append = %d, %v; want Unnumbered", seq, err)
					}
				}
			}()
		}
		wg.Wait()
		if n, err := db.AuditSize(ctx); err != nil || n != 0 {
			t.Fatalf("the store holds %d entries (%v) before the ingest interval", n, err)
		}
		if n, err := l.Size(ctx); err != nil || n != 200 {
			t.Fatalf("Size = %d, %v; want 200", n, err)
		}
		if m, err := db.AuditJournalMark(ctx); err != nil || m.Gen != j.Gen() || m.Count != 200 {
			t.Fatalf("mark = %+v, %v; want gen %d, 200", m, err, j.Gen())
		}
		if st := l.Stats(); st.Entries != 200 || st.Ingested != 200 || st.Failures != 0 {
			t.Fatalf("Stats = %+v", st)
		}
		if _, err := l.Append(ctx, entryN(500)); err != nil {
			t.Fatal(err)
		}
		closeLog(t, l)
		if rep := mustVerify(t, db, k); !rep.OK() || rep.Entries != 201 || rep.Signed != 201 {
			t.Fatalf("Verify = %+v, %v", rep, rep.Problem)
		}
		stored := storedRequests(t, db)
		for id, c := range stored {
			if c != 1 {
				t.Fatalf("%s stored %d times", id, c)
			}
		}
		if len(stored) != 201 {
			t.Fatalf("%d distinct entries stored, want 201", len(stored))
		}
	})
}

// TestLogRecoversTheJournal: entries journaled by a Log that could not
// move them into the store (here a store that fails, as a process killed
// does not) are moved by the next Log, once each: those already stored
// (the store's mark) are skipped.
func TestLogRecoversTheJournal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := newKey(t)
		path := filepath.Join(t.TempDir(), "audit.journal")
		s := &flakyStore{Store: db}
		l := audit.NewLog(s, k.Signer, audit.Options{Journal: openJournal(t, path), IngestInterval: time.Hour})
		appendAll(t, l, 4, 20)
		if n, err := l.Size(ctx); err != nil || n != 20 { // stored, with the mark
			t.Fatalf("Size = %d, %v", n, err)
		}
		for n := 20; n < 50; n++ {
			if _, err := l.Append(ctx, entryN(n)); err != nil {
				t.Fatal(err)
			}
		}
		s.fail.Store(true)
		closeLog(t, l) // cannot move entries 20..49: they stay in the journal
		if n, err := db.AuditSize(ctx); err != nil || n != 20 {
			t.Fatalf("store size %d, %v after a failed Close; want 20", n, err)
		}

		j := openJournal(t, path)
		if len(j.Found()) != 50 {
			t.Fatalf("the journal holds %d entries, want 50", len(j.Found()))
		}
		l = audit.NewLog(db, k.Signer, audit.Options{Journal: j})
		if n, err := l.Size(ctx); err != nil || n != 50 {
			t.Fatalf("Size after recovery = %d, %v; want 50", n, err)
		}
		if st := l.Stats(); st.Ingested != 30 {
			t.Fatalf("recovered %d entries, want 30", st.Ingested)
		}
		if _, err := l.Append(ctx, entryN(50)); err != nil {
			t.Fatal(err)
		}
		closeLog(t, l)
		if rep := mustVerify(t, db, k); !rep.OK() || rep.Entries != 51 || rep.Signed != 51 {
			t.Fatalf("Verify = %+v, %v", rep, rep.Problem)
		}
		seen := storedRequests(t, db)
		for n := range 51 {
			if c := seen[entryN(n).RequestID]; c != 1 {
				t.Fatalf("entry %d stored %d times", n, c)
			}
		}
		// Recovered and rewound: a third Log finds nothing to move.
		j = openJournal(t, path)
		if len(j.Found()) != 1 {
			t.Fatalf("after recovery the journal holds %d entries, want the 1 appended since", len(j.Found()))
		}
		l = audit.NewLog(db, k.Signer, audit.Options{Journal: j})
		if n, err := l.Size(ctx); err != nil || n != 51 {
			t.Fatalf("Size = %d, %v; want 51", n, err)
		}
		closeLog(t, l)
	})
}

// TestJournalSyncsRewriteTheLastBlock: records synced a few at a time
// share blocks, each Sync writing the last block again; what is read back
// after a reopen, and after appending in the block where the last lap
// stopped, is every record, in order.
func TestJournalSyncsRewriteTheLastBlock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.journal")
	j := openJournal(t, path)
	es := journaled(0, 300)
	es[7].Detail = strings.Repeat("x", 5000) // a record longer than a block
	for i := 0; i < 200; i += 3 {
		if err := j.Write(es[i:min(i+3, 200)]); err != nil {
			t.Fatal(err)
		}
		if err := j.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Sync(); err != nil { // nothing new
		t.Fatal(err)
	}
	// A reopened journal goes on inside the block where the lap stopped.
	reopensWith(t, j, path, es[:200])
	j = openJournal(t, path)
	if j.Offset()%4096 == 0 {
		t.Fatalf("offset %d: the test wants the last record to end inside a block", j.Offset())
	}
	for i := 200; i < 300; i++ {
		if err := j.Write(es[i : i+1]); err != nil {
			t.Fatal(err)
		}
		if err := j.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	reopensWith(t, j, path, es)
}

// TestJournalExtendsWhileWriting: Extend writing zeros ahead while records
// are written and synced loses none of them, even when the records reach
// the part being extended.
func TestJournalExtendsWhileWriting(t *testing.T) {
	es := journaled(0, 4000)
	for i := range es {
		es[i].Detail = strings.Repeat("d", 900) // 4,000 records, about 4 MB
	}
	for round := range 5 { // the race it checks is not lost every time
		path := filepath.Join(t.TempDir(), fmt.Sprintf("audit%d.journal", round))
		j := openJournal(t, path)
		done := make(chan struct{})
		extended := make(chan error, 1)
		go func() {
			defer close(extended)
			for {
				select {
				case <-done:
					return
				default:
				}
				if err := j.Extend(64 << 10); err != nil { // close behind the records
					extended <- err
					return
				}
			}
		}()
		for i := 0; i < len(es); i += 10 {
			if err := j.Write(es[i : i+10]); err != nil {
				t.Fatal(err)
			}
			if err := j.Sync(); err != nil {
				t.Fatal(err)
			}
		}
		close(done)
		if err := <-extended; err != nil {
			t.Fatal(err)
		}
		reopensWith(t, j, path, es)
	}
}

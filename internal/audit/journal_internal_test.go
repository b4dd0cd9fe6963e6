package audit

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// TestJournalWithoutDirectWrites: where the file system refuses direct
// I/O, the journal writes through the page cache and flushes with
// fdatasync, and reads back the same records.
func TestJournalWithoutDirectWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit.journal")
	open := func() *Journal {
		t.Helper()
		j, err := OpenJournal(path)
		if err != nil {
			t.Fatal(err)
		}
		j.direct.Store(nil) // as openDirect returns where it is refused
		return j
	}
	var es []Entry
	for n := range 120 {
		es = append(es, Entry{Time: time.Unix(1_800_000_000, int64(n)).UTC(), Actor: "usr_test", ActorOrg: "FR",
			Action: "document.check", Target: "document:*", Outcome: OutcomeOK, Purpose: "border control",
			RequestID: fmt.Sprintf("req-%d", n), Detail: fmt.Sprintf(`{"n":%d}`, n)})
	}
	j := open()
	for i := 0; i < 60; i += 7 {
		if err := j.Write(es[i:min(i+7, 60)]); err != nil {
			t.Fatal(err)
		}
		if err := j.Sync(); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Rewind(); err != nil {
		t.Fatal(err)
	}
	if err := j.Write(es[60:90]); err != nil {
		t.Fatal(err)
	}
	if err := j.Sync(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	j = open()
	if err := j.Write(es[90:]); err != nil { // after the records found, in their last block
		t.Fatal(err)
	}
	j.Close()
	j = open()
	defer j.Close()
	got := j.Found()
	if len(got) != 60 {
		t.Fatalf("%d records found after the rewind, want 60", len(got))
	}
	for i, e := range got {
		if e != es[60+i] {
			t.Fatalf("record %d = %+v, want %+v", i, e, es[60+i])
		}
	}
}

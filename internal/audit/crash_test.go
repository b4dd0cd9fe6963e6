package audit_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/store/postgres"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/sqlite"
	"github.com/polex-org/polex/internal/store/storetest"
)

// The child process of TestKillMidAppend reads its database and key from
// these variables.
const (
	envCrashDB  = "POLEX_AUDIT_CRASH_DB" // "sqlite:DIR" or a postgres:// URL
	envCrashKey = "POLEX_AUDIT_CRASH_KEY"
	// envCrashFirst is the child's first entry number: the children's
	// entries differ.
	envCrashFirst = "POLEX_AUDIT_CRASH_FIRST"
)

func openCrashDB(ctx context.Context, target string) (*sqldb.DB, error) {
	if dir, ok := strings.CutPrefix(target, "journal:"); ok {
		return sqlite.Open(ctx, dir, nil)
	}
	if dir, ok := strings.CutPrefix(target, "sqlite:"); ok {
		return sqlite.Open(ctx, dir, nil)
	}
	return postgres.Open(ctx, target)
}

// crashJournal opens the journal of a "journal:DIR" target, or returns nil:
// for other targets, and for the second process, which finds it held (and
// appends straight to the database, as a command run beside the server).
func crashJournal(target string) (*audit.Journal, error) {
	dir, ok := strings.CutPrefix(target, "journal:")
	if !ok {
		return nil, nil
	}
	j, err := audit.OpenJournal(filepath.Join(dir, "audit.journal"))
	if errs.Is(errs.Conflict, err) {
		return nil, nil
	}
	return j, err
}

// maxJournalBacklog is how many entries the journaling child of
// TestKillMidAppend lets wait for its ingester.
const maxJournalBacklog = 256

// crashChild appends from 16 goroutines and prints "seq n" for every
// acknowledged entry (seq -1 when journaled), until it is killed.
func crashChild() {
	ctx := context.Background()
	db, err := openCrashDB(ctx, os.Getenv(envCrashDB))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	k, err := audit.LoadKey(os.Getenv(envCrashKey))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	j, err := crashJournal(os.Getenv(envCrashDB))
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	l := audit.NewLog(db, k.Signer, audit.Options{CheckpointInterval: 20 * time.Millisecond, Journal: j})
	var mu sync.Mutex
	var next atomic.Int64
	first, _ := strconv.Atoi(os.Getenv(envCrashFirst))
	next.Store(int64(first))
	out := bufio.NewWriter(os.Stdout)
	for range 16 {
		go func() {
			for {
				// The journaling child appends no faster than its ingester
				// moves entries into the database, as a server does below
				// saturation. Unpaced under the race detector, the
				// ingester's transactions ran back to back and the other
				// child, waiting on SQLite's busy handler (which polls and
				// is not fair), failed with SQLITE_BUSY after 10 s.
				for j != nil {
					st := l.Stats()
					if st.Entries-st.Ingested < maxJournalBacklog {
						break
					}
					time.Sleep(time.Millisecond)
				}
				n := int(next.Add(1))
				seq, err := l.Append(ctx, entryN(n))
				mu.Lock()
				if err != nil {
					fmt.Fprintln(out, "error", err)
				} else {
					fmt.Fprintln(out, "seq", seq, n)
				}
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	time.Sleep(time.Minute)
	os.Exit(2)
}

// TestKillMidAppend runs two processes appending to one database at once,
// kills both (SIGKILL), then checks that no seq was acknowledged twice, that
// every acknowledged entry is stored as appended, that the log verifies, and
// that a new Log carries on from there.
func TestKillMidAppend(t *testing.T) {
	if os.Getenv(envCrashDB) != "" {
		crashChild()
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	targets := map[string]string{"sqlite": "sqlite:" + t.TempDir(), "journal": "journal:" + t.TempDir()}
	if os.Getenv(storetest.EnvPostgres) != "" {
		targets["postgres"] = storetest.PostgresURL(t)
	}
	for name, target := range targets {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			keyPath := filepath.Join(t.TempDir(), audit.KeyFile)
			k, err := audit.LoadOrCreateKey(keyPath)
			if err != nil {
				t.Fatal(err)
			}
			// Two processes append to the same database at once.
			type ack struct {
				child int
				seq   int64
				n     int
				err   string
			}
			// Migrate first: two processes creating one SQLite file at once
			// is not what this test is about.
			db0, err := openCrashDB(ctx, target)
			if err != nil {
				t.Fatal(err)
			}
			db0.Close()
			acks := make(chan ack)
			var readers sync.WaitGroup
			var cmds []*exec.Cmd
			for child := range 2 {
				cmd := exec.Command(os.Args[0], "-test.run=^TestKillMidAppend$")
				cmd.Env = append(os.Environ(), envCrashDB+"="+target, envCrashKey+"="+keyPath, fmt.Sprintf("%s=%d", envCrashFirst, child*10_000_000))
				stdout, err := cmd.StdoutPipe()
				if err != nil {
					t.Fatal(err)
				}
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				cmds = append(cmds, cmd)
				readers.Add(1)
				go func() {
					defer readers.Done()
					sc := bufio.NewScanner(stdout)
					for sc.Scan() {
						a := ack{child: child}
						if _, err := fmt.Sscanf(sc.Text(), "seq %d %d", &a.seq, &a.n); err != nil {
							a.err = sc.Text()
						}
						acks <- a
					}
					acks <- ack{err: "a child exited"}
				}()
			}
			acked := map[int64]int{} // seq -> n of entryN(n)
			var journaled []int      // n of entryN(n), acknowledged Unnumbered
			var perChild [2]int
			var failure string
			for a := range acks {
				if a.err != "" {
					failure = a.err
					break
				}
				if a.seq == audit.Unnumbered {
					journaled = append(journaled, a.n)
					perChild[a.child]++
					continue
				}
				if _, dup := acked[a.seq]; dup {
					failure = fmt.Sprintf("seq %d acknowledged twice", a.seq)
					break
				}
				acked[a.seq] = a.n
				perChild[a.child]++
				if perChild[0] >= 1000 && perChild[1] >= 1000 {
					break
				}
			}
			for _, cmd := range cmds {
				if err := cmd.Process.Kill(); err != nil {
					t.Fatal(err)
				}
				_ = cmd.Wait()
			}
			go func() {
				readers.Wait()
				close(acks)
			}()
			for range acks { // let the readers finish
			}
			if failure != "" {
				t.Fatalf("children stopped after %v entries: %s", perChild, failure)
			}

			db, err := openCrashDB(ctx, target)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if name == "journal" {
				checkJournalCrash(t, db, k, target, journaled, len(acked))
			}
			rep := mustVerify(t, db, k)
			if !rep.OK() || rep.Entries < int64(len(acked)) {
				t.Fatalf("Verify after the kill = %+v, %v; %d entries acknowledged", rep, rep.Problem, len(acked))
			}
			l := audit.NewLog(db, k.Signer, audit.Options{})
			for seq, n := range acked {
				e, err := l.Entry(ctx, seq)
				want := entryN(n)
				want.Seq, want.Time = seq, e.Time
				if err != nil || e != want {
					t.Fatalf("acknowledged entry %d = %+v, %v; want %+v", seq, e, err, want)
				}
			}
			if seq, err := l.Append(ctx, entryN(0)); err != nil || seq != rep.Entries {
				t.Fatalf("Append after the kill = %d, %v; want %d", seq, err, rep.Entries)
			}
			closeLog(t, l)
			if rep := mustVerify(t, db, k); !rep.OK() || rep.Signed != rep.Entries {
				t.Fatalf("Verify after appending again = %+v, %v", rep, rep.Problem)
			}
		})
	}
}

// checkJournalCrash checks, after the kill, that a new Log moves the
// journal's entries into the database, and that every entry acknowledged
// by either child is then stored exactly once.
func checkJournalCrash(t *testing.T, db *sqldb.DB, k *audit.Key, target string, journaled []int, direct int) {
	t.Helper()
	ctx := context.Background()
	if len(journaled) < 1000 || direct < 1000 {
		t.Fatalf("%d entries journaled and %d stored directly; want both children at work", len(journaled), direct)
	}
	j, err := crashJournal(target)
	if err != nil || j == nil {
		t.Fatalf("reopening the journal: %v", err)
	}
	l := audit.NewLog(db, k.Signer, audit.Options{Journal: j})
	if _, err := l.Size(ctx); err != nil {
		t.Fatal(err)
	}
	recovered := l.Stats().Ingested
	closeLog(t, l)
	stored := storedRequests(t, db)
	for _, n := range journaled {
		if c := stored[entryN(n).RequestID]; c != 1 {
			t.Fatalf("journaled entry %d stored %d times", n, c)
		}
	}
	t.Logf("%d entries acknowledged from the journal, %d stored directly; the new Log moved %d entries left in the journal (acknowledged or not)", len(journaled), direct, recovered)
}

// flakyStore fails AppendAudit while fail is set, after running build (as a
// database that fails at commit would).
type flakyStore struct {
	audit.Store
	fail atomic.Bool
}

var errInjected = errors.New("injected failure")

func (s *flakyStore) AppendAudit(ctx context.Context, guess int64, attached bool, build func(int64, tlog.HashReader) (*audit.Batch, error)) (func() error, error) {
	if s.fail.Load() {
		size, err := s.AuditSize(ctx)
		if err != nil {
			return nil, err
		}
		r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) { return s.AuditHashes(ctx, idx) })
		if _, err := build(size, r); err != nil {
			return nil, err
		}
		return nil, errs.E("flaky", errs.Unavailable, errInjected)
	}
	return s.Store.AppendAudit(ctx, guess, attached, build)
}

// TestAppendFailure checks that a failed batch fails its Appends, stores
// nothing, and that the Log carries on correctly afterwards.
func TestAppendFailure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := newKey(t)
		s := &flakyStore{Store: db}
		l := audit.NewLog(s, k.Signer, audit.Options{CheckpointInterval: -1})
		appendAll(t, l, 4, 10)
		s.fail.Store(true)
		for i := range 3 {
			if _, err := l.Append(ctx, entryN(i)); !errs.Is(errs.Unavailable, err) || !errors.Is(err, errInjected) {
				t.Fatalf("Append on a failing store = %v", err)
			}
		}
		if st := l.Stats(); st.Failures != 3 || st.Entries != 10 {
			t.Fatalf("Stats = %+v", st)
		}
		s.fail.Store(false)
		if seq, err := l.Append(ctx, entryN(99)); err != nil || seq != 10 {
			t.Fatalf("Append after recovery = %d, %v; want 10", seq, err)
		}
		closeLog(t, l)
		if rep := mustVerify(t, db, k); !rep.OK() || rep.Entries != 11 || rep.Signed != 11 {
			t.Fatalf("Verify = %+v, %v", rep, rep.Problem)
		}
	})
}

// gatedStore wraps a Store so that every batch's durable step waits for
// the test: committed, not yet acknowledged.
type gatedStore struct {
	audit.Store
	gate    chan error // one value releases one batch's durable step with that result
	commits atomic.Int64
}

func (s *gatedStore) AppendAudit(ctx context.Context, guess int64, attached bool, build func(int64, tlog.HashReader) (*audit.Batch, error)) (func() error, error) {
	durable, err := s.Store.AppendAudit(ctx, guess, attached, build)
	if err != nil {
		return nil, err
	}
	s.commits.Add(1)
	return func() error {
		if err := <-s.gate; err != nil {
			return err
		}
		if durable != nil {
			return durable()
		}
		return nil
	}, nil
}

// TestAppendWaitsForDurable: an Append returns only once its batch's
// durable step has, and with its error when it fails; the writer commits
// the next batch while an earlier one waits for the disk.
func TestAppendWaitsForDurable(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := newKey(t)
		s := &gatedStore{Store: db, gate: make(chan error)}
		l := audit.NewLog(s, k.Signer, audit.Options{CheckpointInterval: time.Hour, GroupWait: -1})
		type result struct {
			seq int64
			err error
		}
		first := make(chan result, 1)
		go func() {
			seq, err := l.Append(ctx, entryN(0))
			first <- result{seq, err}
		}()
		waitFor(t, func() bool { return s.commits.Load() == 1 })
		second := make(chan result, 1)
		go func() {
			seq, err := l.Append(ctx, entryN(1))
			second <- result{seq, err}
		}()
		// The second batch commits while the first waits for its flush.
		waitFor(t, func() bool { return s.commits.Load() == 2 })
		select {
		case r := <-first:
			t.Fatalf("Append returned before its batch was durable: %+v", r)
		case <-time.After(50 * time.Millisecond):
		}
		s.gate <- nil
		if r := <-first; r.err != nil || r.seq != 0 {
			t.Fatalf("first Append = %+v", r)
		}
		s.gate <- errInjected
		if r := <-second; !errors.Is(r.err, errInjected) {
			t.Fatalf("second Append with a failed flush = %+v", r)
		}
		go func() { s.gate <- nil }() // the last checkpoint at Close
		closeLog(t, l)
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}

package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/store/sqlite"
)

// The loopback ceilings answer what any document check over HTTP could
// reach on this machine, in the same run as Polex's checks and the
// PostgreSQL baseline: the same client, concurrency and loopback HTTP/1.1
// against a handler that does no check. The plain ceiling only reads the
// body and answers a no-hit of a check's size. The audited one also
// appends an audit entry through the journal (a fresh SQLite database and
// journal beside the data directory) and answers once the entry is
// durable, as every Polex check does. The gap between these and
// doc_checks_per_s is what Polex's own work costs (the policy, the index,
// the JSON); set beside pg_doc_checks_per_s, the audited ceiling shows how
// far any check that waits for a durable audit entry stands from a bare
// primary-key lookup.

// noHit is the answer of a ceiling handler: a document check's no-hit.
var noHit = []byte(`{"check_id":"chk_0000000000000000000000","kind":"document","outcome":"no_hit","matches":null}` + "\n")

// ceilingLog is an audit Log with a journal, on a fresh SQLite database in
// a new directory under parent; close closes it and removes the directory.
func ceilingLog(ctx context.Context, parent string) (l *audit.Log, close func(), err error) {
	const op = "bench.ceiling"
	dir, err := os.MkdirTemp(parent, ".polex-bench-ceiling-")
	if err != nil {
		return nil, nil, errs.E(op, errs.Unavailable, "cannot make the audited ceiling's directory", err)
	}
	undo := func() { os.RemoveAll(dir) }
	key, err := audit.LoadOrCreateKey(filepath.Join(dir, audit.KeyFile))
	if err != nil {
		undo()
		return nil, nil, err
	}
	db, err := sqlite.Open(ctx, dir, nil)
	if err != nil {
		undo()
		return nil, nil, err
	}
	j, err := audit.OpenJournal(filepath.Join(dir, "audit.journal"))
	if err != nil {
		db.Close()
		undo()
		return nil, nil, err
	}
	l = audit.NewLog(db, key.Signer, audit.Options{Journal: j})
	return l, func() {
		l.Close(context.WithoutCancel(ctx))
		db.Close()
		undo()
	}, nil
}

// ceilingServer serves the ceiling handler on a loopback port: with log,
// each request appends an entry and waits until it is durable. appended
// counts the entries and waited adds up the time spent in Append.
type ceilingServer struct {
	log              *audit.Log
	appended, waited atomic.Int64
	srv              *http.Server
	addr             string
}

func serveCeiling(log *audit.Log) (*ceilingServer, error) {
	s := &ceilingServer{log: log}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, errs.E("bench.ceiling", errs.Unavailable, err)
	}
	s.addr = ln.Addr().String()
	go s.srv.Serve(ln)
	return s, nil
}

func (s *ceilingServer) close() { s.srv.Close() }

func (s *ceilingServer) serveHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil || len(body) == 0 {
		http.Error(w, "no body", http.StatusBadRequest)
		return
	}
	if s.log != nil {
		start := time.Now()
		_, err := s.log.Append(r.Context(), audit.Entry{Actor: "usr_bench", ActorOrg: "KE", Action: "document.check",
			Target: "document:*", Outcome: audit.OutcomeOK, Purpose: "bench: border control",
			RequestID: "req-" + strconv.FormatInt(s.appended.Add(1), 10), Detail: string(body)})
		s.waited.Add(int64(time.Since(start)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(noHit)
}

// appendMs is the mean time a request waited in Append, in milliseconds.
func (s *ceilingServer) appendMs() float64 {
	return float64(s.waited.Load()) / float64(max(s.appended.Load(), 1)) / 1e6
}

// ceilingChecks runs ph's document checks against s and checks each
// answer; with a log, it also checks that every answered check appended
// its entry (a non-2xx answer already fails the phase), so the figure is
// of audited checks.
func ceilingChecks(ctx context.Context, s *ceilingServer, ph phase, seed int64, docs *Documents) (stats, error) {
	cl := newClient("http://"+s.addr, "ceiling", ph.conc)
	defer cl.close()
	st, err := ph.run(ctx, seed, func(ctx context.Context, r *rand.Rand, i int) error {
		cc, num, _ := pickDocument(r, docs)
		var out struct {
			Outcome string `json:"outcome"`
		}
		if err := cl.post(ctx, "/checks/documents", docBody(cc, num), &out); err != nil {
			return err
		}
		if out.Outcome != "no_hit" {
			return fmt.Errorf("the ceiling answered outcome %q", out.Outcome)
		}
		return nil
	})
	if err == nil && s.log != nil {
		if got := s.log.Stats().Entries; got < int64(st.n()) {
			err = fmt.Errorf("%d checks answered but %d audit entries appended", st.n(), got)
		}
	}
	return st, err
}

// ceilings measures both loopback ceilings, each for half a phase, with
// the audited one's journal and database in a new directory under parent.
func ceilings(ctx context.Context, o *Options, parent string, docs *Documents, res *Result) error {
	const op = "bench.ceiling"
	ph := phase{conc: o.Concurrency, count: DefaultChecks, dur: o.Duration / 2}
	measure := func(name string, log *audit.Log) (*ceilingServer, stats, error) {
		o.logf("%s (concurrency %d)", name, ph.conc)
		s, err := serveCeiling(log)
		if err != nil {
			return nil, stats{}, err
		}
		defer s.close()
		st, err := ceilingChecks(ctx, s, ph, o.Seed+600, docs)
		return s, st, err
	}

	_, st, err := measure("loopback ceiling: HTTP only", nil)
	if err != nil {
		return fail(op, err, res)
	}
	res.CeilingPerS = ptr(st.perSecond(st.n()))
	o.logf("  %d checks: p50 %.2f ms, p99 %.2f ms, %.0f checks/s", st.n(), st.pct(0.5), st.pct(0.99), *res.CeilingPerS)

	log, closeLog, err := ceilingLog(ctx, parent)
	if err != nil {
		return fail(op, err, res)
	}
	defer closeLog()
	s, st, err := measure("loopback ceiling: HTTP and a durable audit entry", log)
	if err != nil {
		return fail(op, err, res)
	}
	res.CeilingAuditedPerS = ptr(st.perSecond(st.n()))
	o.logf("  %d checks: p50 %.2f ms, p99 %.2f ms, %.0f checks/s (%.2f ms in Append)", st.n(), st.pct(0.5), st.pct(0.99),
		*res.CeilingAuditedPerS, s.appendMs())
	return nil
}

// Package bench measures Polex's checks end to end: `polex bench checks`.
//
// It builds deterministic synthetic data (travel documents of many member
// countries in their own number formats, persons with names in several
// scripts) in an embedded SQLite data directory through the real import
// path, serves the normal App (audit on) on loopback, and drives its API
// over HTTP with keep-alive connections at a fixed concurrency: single
// document checks, batches of documents, person screens and passenger
// manifests. With a PostgreSQL URL it loads the same data into a fresh
// schema and runs the baseline a user would otherwise build (primary-key
// lookups for documents, pg_trgm similarity plus dmetaphone for names) at
// the same concurrency. Every non-2xx answer is an error that stops the
// run.
package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/property"
)

// Defaults of a run.
const (
	// DefaultConcurrency is the client's requests in flight: enough to keep
	// both cores of a small server busy across loopback round trips and
	// audit group commits, and what a busy airport's border systems put in
	// flight at once.
	DefaultConcurrency = 32
	// Without a duration each phase runs a fixed count of requests, sized
	// for a quick run (a test); figures worth quoting come from --duration.
	DefaultChecks  = 5000 // single document checks
	DefaultBatches = 20   // batches of BatchSize documents
	DefaultScreens = 1000 // person screens
	BatchSize      = 1000
	ManifestSize   = 300
	ManifestRuns   = 7
	HitShare       = 0.01 // single checks and batch documents that are stored documents
)

// Options configure a run.
type Options struct {
	Documents   int
	Persons     int
	Seed        int64
	Concurrency int
	// Duration, when set, runs each phase for this long instead of a fixed
	// count of requests.
	Duration time.Duration
	// DataDir, when set, keeps the data directory there and reuses it when
	// it already holds the same data; otherwise a temporary one is removed
	// after the run.
	DataDir  string
	Postgres string // the baseline's server; none when empty
	// CPUProfile names the CPU profile of the single document checks
	// (FILE) and of the batches (FILE.batch), with block and mutex
	// profiles beside them; client and server are one process.
	CPUProfile string
	Config     config.Config
	Progress   io.Writer // progress lines; nil for none
}

// Result is a run's figures. A figure whose part did not run is nil (null
// in JSON), and Skipped says why.
type Result struct {
	DocCheckP50      *float64 `json:"doc_check_p50_ms" doc:"at latency_concurrency"`
	DocCheckP99      *float64 `json:"doc_check_p99_ms" doc:"at latency_concurrency"`
	DocThroughputP50 *float64 `json:"doc_check_throughput_p50_ms" doc:"during the throughput phase, at concurrency"`
	DocThroughputP99 *float64 `json:"doc_check_throughput_p99_ms" doc:"during the throughput phase, at concurrency"`
	DocChecksPerS    *float64 `json:"doc_checks_per_s"`
	DocBatchPerS     *float64 `json:"doc_batch_per_s"`
	DocIndexBytes    *float64 `json:"doc_index_bytes_per_doc"`
	PGDocChecksPerS  *float64 `json:"pg_doc_checks_per_s"`
	PGDocCheckP50    *float64 `json:"pg_doc_check_p50_ms"`
	PGDocCheckP99    *float64 `json:"pg_doc_check_p99_ms"`
	// The baseline again with what Polex does besides the lookup: each
	// check also appends a row to a log table, in the same statement,
	// committed durably (synchronous_commit on, PostgreSQL's default).
	PGDocAuditedPerS *float64 `json:"pg_doc_checks_audited_per_s" doc:"PostgreSQL lookup plus a durably committed log row per check"`
	PGDocAuditedP50  *float64 `json:"pg_doc_check_audited_p50_ms"`
	PGDocAuditedP99  *float64 `json:"pg_doc_check_audited_p99_ms"`
	// What any document check over HTTP could reach here (ceiling.go).
	CeilingPerS        *float64 `json:"loopback_ceiling_per_s" doc:"the same client against a loopback handler that does no check"`
	CeilingAuditedPerS *float64 `json:"loopback_audited_ceiling_per_s" doc:"the same, each request waiting for a durable audit entry (journal, SQLite)"`
	NameScreenP50      *float64 `json:"name_screen_p50_ms" doc:"at latency_concurrency"`
	NameScreenP99      *float64 `json:"name_screen_p99_ms" doc:"at latency_concurrency"`
	NameThroughputP50  *float64 `json:"name_screen_throughput_p50_ms" doc:"during the throughput phase, at concurrency"`
	NameThroughputP99  *float64 `json:"name_screen_throughput_p99_ms" doc:"during the throughput phase, at concurrency"`
	NameScreensPerS    *float64 `json:"name_screens_per_s"`
	NameFoundTop10     *float64 `json:"name_found_top10" doc:"share of screens derived from a stored person that found it in the top 10"`
	Manifest300        *float64 `json:"manifest300_ms"`
	PGNameScreenP50    *float64 `json:"pg_name_screen_p50_ms"`
	PGNameScreenP99    *float64 `json:"pg_name_screen_p99_ms"`
	PGNameScreensPer   *float64 `json:"pg_name_screens_per_s"`
	PGNameFoundTop10   *float64 `json:"pg_name_found_top10"`

	Documents        int               `json:"documents"`
	Persons          int               `json:"persons"`
	Seed             int64             `json:"seed"`
	Concurrency      int               `json:"concurrency"`
	LatencyConc      int               `json:"latency_concurrency"`
	AuditCommit      string            `json:"audit_commit" doc:"sync or async (polex --audit-commit)"`
	DocChecks        int               `json:"doc_checks"`
	DocCheckHits     int               `json:"doc_check_hits" doc:"single checks of stored documents that hit"`
	DocCheckMisses   int               `json:"doc_check_misses" doc:"single checks of stored documents that did not hit (0 when correct)"`
	DocCheckFalse    int               `json:"doc_check_false_hits" doc:"single checks of unknown documents that hit (0 when correct)"`
	BatchDocs        int               `json:"batch_documents"`
	BatchHits        int               `json:"batch_hits"`
	BatchMisses      int               `json:"batch_misses"`
	NameScreens      int               `json:"name_screens"`
	PGDocChecks      int               `json:"pg_doc_checks"`
	PGNameScreens    int               `json:"pg_name_screens"`
	IndexDocuments   int               `json:"index_documents"`
	IndexBytes       int               `json:"index_document_bytes"`
	LoadSeconds      *float64          `json:"load_s" doc:"import of the data into SQLite; null when reused"`
	DataReused       bool              `json:"data_reused"`
	IndexLoadSeconds float64           `json:"index_load_s"`
	DocAuditBatch    float64           `json:"doc_audit_entries_per_commit" doc:"audit entries per group commit during the single document checks"`
	PGLoadSeconds    *float64          `json:"pg_load_s"`
	Errors           int               `json:"errors"`
	GoVersion        string            `json:"go_version"`
	CPUs             int               `json:"cpus"`
	GOMAXPROCS       int               `json:"gomaxprocs" doc:"Go processors (polex sets two a CPU unless GOMAXPROCS is set)"`
	GOGC             int64             `json:"gogc" doc:"the garbage collector's target percentage (polex sets 400 unless GOGC is set)"`
	GOMEMLIMIT       int64             `json:"gomemlimit_bytes" doc:"the soft memory limit (polex sets half the memory unless GOMEMLIMIT is set)"`
	Skipped          map[string]string `json:"skipped,omitempty" doc:"why a part did not run"`
}

func (r *Result) skip(why string, keys ...string) {
	if r.Skipped == nil {
		r.Skipped = map[string]string{}
	}
	for _, k := range keys {
		r.Skipped[k] = why
	}
}

func ptr(v float64) *float64 { return &v }

// marker is the file in a kept data directory that says what it holds.
const marker = "bench.json"

// generator is the version of the synthetic data: a kept directory of
// another version is not reused.
const generator = 2 // 2: persons from names.Synthetic

type markerFile struct {
	Generator int   `json:"generator"`
	Seed      int64 `json:"seed"`
	Documents int   `json:"documents"`
	Persons   int   `json:"persons"`
	Complete  bool  `json:"complete"`
}

func (o *Options) logf(format string, a ...any) {
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "bench: "+format+"\n", a...)
	}
}

// Run runs the benchmark. It fails on the first non-2xx answer or
// transport error.
func Run(ctx context.Context, o Options) (*Result, error) {
	const op = "bench.Run"
	if o.Documents < 100 {
		return nil, errs.Invalidf(op, "documents", "--documents must be at least 100")
	}
	if o.Persons < 0 {
		return nil, errs.Invalidf(op, "persons", "--persons must not be negative")
	}
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency
	}
	res := &Result{Documents: o.Documents, Persons: o.Persons, Seed: o.Seed, Concurrency: o.Concurrency, AuditCommit: o.Config.AuditCommit,
		GoVersion: runtime.Version(), CPUs: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOGC: gcSetting("/gc/gogc:percent"), GOMEMLIMIT: gcSetting("/gc/gomemlimit:bytes")}

	dir := o.DataDir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "polex-bench-")
		if err != nil {
			return nil, errs.E(op, errs.Internal, err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	want := markerFile{Generator: generator, Seed: o.Seed, Documents: o.Documents, Persons: o.Persons}
	reuse, err := checkDataDir(dir, want)
	if err != nil {
		return nil, err
	}
	cfg := o.Config
	cfg.DataDir, cfg.DatabaseURL, cfg.Addr = dir, "", "127.0.0.1:0"
	cfg.TLSCert, cfg.TLSKey, cfg.ClientCA, cfg.DemoMode = "", "", "", false
	logOut := io.Discard
	if o.Progress != nil {
		logOut = o.Progress
	}
	logger := slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: slog.LevelWarn}))
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return nil, err
	}
	defer a.Close(context.WithoutCancel(ctx))

	docs := NewDocuments(o.Seed, o.Documents)
	ps := people(o.Seed, o.Persons)
	if reuse {
		o.logf("reusing the data in %s", dir)
		res.DataReused = true
	} else {
		start := time.Now()
		if err := writeMarker(dir, want); err != nil {
			return nil, err
		}
		if err := load(ctx, &o, a, docs, ps); err != nil {
			return nil, err
		}
		want.Complete = true
		if err := writeMarker(dir, want); err != nil {
			return nil, err
		}
		res.LoadSeconds = ptr(time.Since(start).Seconds())
	}
	// The client keeps only its queries, and ps is dead from here on: the
	// persons (made again for the baseline) would otherwise be scanned by
	// every garbage collection of the server under test, which shares this
	// process.
	qs := personQueries(o.Seed+1, ps, screensFor(&o))

	// A border system of Kenya's NCB: checks are urgent, and most documents
	// are other countries'.
	sys := app.System("bench")
	c, err := a.Admin.CreateUser(ctx, sys, admin.NewUser{Username: fmt.Sprintf("bench.border.%d", time.Now().UnixNano()), DisplayName: "bench border system",
		Org: "ncb-ke", Roles: []identity.Role{identity.BorderSystem}, Clearance: identity.Confidential, Password: "bench-password-not-used-" + fmt.Sprint(o.Seed)})
	if err != nil {
		return nil, err
	}
	token, _, err := a.Admin.IssueToken(ctx, sys, c.User.ID, "bench", []string{"check"}, 24*time.Hour)
	if err != nil {
		return nil, err
	}

	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	ready := make(chan string, 1)
	served := make(chan error, 1)
	start := time.Now()
	o.logf("loading the check indexes and serving on loopback")
	go func() { served <- a.Serve(sctx, func(addr string) { ready <- addr }) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-served:
		stop()
		return nil, err
	case <-ctx.Done():
		stop()
		<-served
		return nil, ctx.Err()
	}
	defer func() {
		stop()
		<-served
	}()
	res.IndexLoadSeconds = time.Since(start).Seconds()
	st := a.Screen.IndexStats()
	res.IndexDocuments, res.IndexBytes = st.Documents, st.DocumentBytes
	if st.Documents > 0 {
		res.DocIndexBytes = ptr(float64(st.DocumentBytes) / float64(st.Documents))
	}

	cl := newClient("http://"+addr, token, o.Concurrency)
	defer cl.close()
	before := a.Audit.Stats()
	if err := documentChecks(ctx, &o, cl, docs, res); err != nil {
		return res, err
	}
	if after := a.Audit.Stats(); after.Batches > before.Batches {
		res.DocAuditBatch = float64(after.Entries-before.Entries) / float64(after.Batches-before.Batches)
	}
	if err := documentBatches(ctx, &o, cl, docs, res); err != nil {
		return res, err
	}
	if err := personScreens(ctx, &o, cl, o.Persons, qs, docs, res); err != nil {
		return res, err
	}
	if err := ceilings(ctx, &o, filepath.Dir(dir), docs, res); err != nil {
		return res, err
	}
	if o.Postgres == "" {
		res.skip("no --postgres given", "pg_doc_checks_per_s", "pg_doc_check_p50_ms", "pg_doc_check_p99_ms",
			"pg_doc_checks_audited_per_s", "pg_doc_check_audited_p50_ms", "pg_doc_check_audited_p99_ms",
			"pg_name_screen_p50_ms", "pg_name_screen_p99_ms", "pg_name_found_top10")
	} else if err := baseline(ctx, &o, docs, people(o.Seed, o.Persons), qs, res); err != nil {
		return res, err
	}
	return res, nil
}

func screensFor(o *Options) int {
	if o.Duration > 0 {
		return 20000
	}
	return DefaultScreens
}

// checkDataDir reports whether dir already holds the data of want, and
// refuses a directory that holds anything else.
func checkDataDir(dir string, want markerFile) (bool, error) {
	const op = "bench.data"
	b, err := os.ReadFile(filepath.Join(dir, marker))
	if os.IsNotExist(err) {
		ents, rerr := os.ReadDir(dir)
		if rerr == nil && len(ents) > 0 {
			return false, errs.Invalidf(op, "data", "%s is not empty and holds no bench data: give a new or empty directory", dir)
		}
		return false, nil
	}
	if err != nil {
		return false, errs.E(op, errs.Invalid, "cannot read "+filepath.Join(dir, marker), err, "data")
	}
	var got markerFile
	if err := json.Unmarshal(b, &got); err != nil {
		return false, errs.Invalidf(op, "data", "%s is not a bench marker: %v", filepath.Join(dir, marker), err)
	}
	complete := got.Complete
	got.Complete = false
	if got != want {
		return false, errs.Invalidf(op, "data", "%s holds other bench data (%d documents, %d persons, seed %d, generator %d): remove it or give another directory",
			dir, got.Documents, got.Persons, got.Seed, got.Generator)
	}
	// An interrupted load is completed by loading again: imports are
	// idempotent by the owner's reference.
	return complete, nil
}

func writeMarker(dir string, m markerFile) error {
	b, _ := json.Marshal(m)
	if err := os.WriteFile(filepath.Join(dir, marker), b, 0o600); err != nil {
		return errs.E("bench.data", errs.Internal, err)
	}
	return nil
}

// load imports the documents, per issuing country, and the persons, per
// nationality, through the property service's import (the path of `polex
// import`), as each country's NCB.
func load(ctx context.Context, o *Options, a *app.App, docs *Documents, ps []Person) error {
	a.Property.BatchRows = 50000
	start := time.Now()
	done := 0
	for c := range issuers {
		if docs.count[c] == 0 {
			continue
		}
		err := importLines(ctx, a, property.KindDocument, issuers[c].cc, func(w io.Writer) error { return docs.WriteJSONL(w, c) })
		if err != nil {
			return err
		}
		done += docs.count[c]
		o.logf("documents: %d of %d imported (%s, %.0f/s)", done, docs.n, issuers[c].cc, float64(done)/time.Since(start).Seconds())
	}
	// A person is entered by the country of its nationality when that is
	// a member, else by France (Hong Kong, Taiwan, … are no members).
	members := map[string]bool{}
	if cs, err := member.Members(); err == nil {
		for _, c := range cs {
			members[c.Alpha2] = true
		}
	}
	byOwner := map[string][]int{}
	var owners []string
	for i, p := range ps {
		owner := p.Nationality
		if !members[owner] {
			owner = "FR"
		}
		if byOwner[owner] == nil {
			owners = append(owners, owner)
		}
		byOwner[owner] = append(byOwner[owner], i)
	}
	start, done = time.Now(), 0
	for _, cc := range owners {
		idx := byOwner[cc]
		err := importLines(ctx, a, property.KindPerson, cc, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			for _, i := range idx {
				p := ps[i]
				if err := enc.Encode(personLine{Ref: personRef(i), Names: p.Names, BirthDate: p.BirthDate, Nationality: p.Nationality, Sex: p.Sex}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		done += len(idx)
	}
	if len(ps) > 0 {
		o.logf("persons: %d imported (%.0f/s)", done, float64(done)/time.Since(start).Seconds())
	}
	return nil
}

type personLine struct {
	Ref         string   `json:"ref"`
	Names       []string `json:"names"`
	BirthDate   string   `json:"birth_date,omitempty"`
	Nationality string   `json:"nationality,omitempty"`
	Sex         string   `json:"sex,omitempty"`
}

func personRef(i int) string { return fmt.Sprintf("BP-%d", i) }

// importLines imports what write writes, as JSON Lines of kind for owner,
// and fails on any bad line.
func importLines(ctx context.Context, a *app.App, kind, owner string, write func(io.Writer) error) error {
	const op = "bench.load"
	p, err := a.ImportPrincipal(ctx, owner)
	if err != nil {
		return err
	}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	im, err := a.Property.Import(ctx, p, property.ImportRequest{Kind: kind, Owner: owner, Format: property.FormatJSONL, File: "bench.jsonl"}, pr, nil)
	pr.CloseWithError(io.ErrClosedPipe)
	if err != nil {
		return err
	}
	if im.Bad > 0 {
		msg := ""
		if len(im.Errors) > 0 {
			msg = fmt.Sprintf(": line %d: %s %s", im.Errors[0].Line, im.Errors[0].Field, im.Errors[0].Message)
		}
		return errs.E(op, errs.Internal, fmt.Sprintf("%d bad %s lines of %s%s", im.Bad, kind, owner, msg))
	}
	return nil
}

// profile starts a CPU profile (FILE+suffix) when asked, with block and
// mutex profiles (FILE+suffix.block, .mutex: where requests wait rather
// than compute) and a heap profile at the end (FILE+suffix.heap: what the
// garbage collector scans); the returned function stops them and writes
// the files.
func (o *Options) profile(suffix string) (func(), error) {
	if o.CPUProfile == "" {
		return func() {}, nil
	}
	name := o.CPUProfile + suffix
	f, err := os.Create(name)
	if err != nil {
		return nil, errs.E("bench.profile", errs.Invalid, "cannot create the CPU profile", err, "cpuprofile")
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, errs.E("bench.profile", errs.Internal, err)
	}
	runtime.SetBlockProfileRate(100000)
	runtime.SetMutexProfileFraction(10)
	return func() {
		pprof.StopCPUProfile()
		f.Close()
		for _, name := range []string{"block", "mutex", "heap"} {
			if w, err := os.Create(o.CPUProfile + suffix + "." + name); err == nil {
				_ = pprof.Lookup(name).WriteTo(w, 0)
				w.Close()
			}
		}
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
	}, nil
}

// gcSetting reads a uint64 runtime metric (a GC setting), or -1.
func gcSetting(name string) int64 {
	s := []metrics.Sample{{Name: name}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return -1
	}
	return int64(min(s[0].Value.Uint64(), math.MaxInt64))
}

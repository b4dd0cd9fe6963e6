package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/polex-org/polex/internal/errs"
)

// client calls the API over keep-alive HTTP/1.1 connections with a token,
// like a load generator (wrk, hey): each call writes its request on an idle
// connection of its own and reads the answer with http.ReadResponse in the
// calling goroutine. net/http's Transport would add two goroutines and
// their hand-offs to every call, CPU that the server under test shares on
// the same machine.
type client struct {
	host, prefix, auth string
	idle               chan *conn
}

type conn struct {
	c   net.Conn
	br  *bufio.Reader
	bw  *bufio.Writer
	buf bytes.Buffer
}

// newClient calls base ("http://host:port") with token; at most conc
// connections are kept idle.
func newClient(base, token string, conc int) *client {
	host := strings.TrimPrefix(base, "http://")
	return &client{host: host, prefix: "/api/v1", auth: "Bearer " + token, idle: make(chan *conn, max(conc, 1))}
}

func (c *client) close() {
	for {
		select {
		case cn := <-c.idle:
			cn.c.Close()
		default:
			return
		}
	}
}

// statusError is a non-2xx answer.
type statusError struct {
	path   string
	status int
	code   string
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("POST %s answered %d: %s", e.path, e.status, e.body)
}

func (c *client) conn(ctx context.Context) (cn *conn, reused bool, err error) {
	select {
	case cn = <-c.idle:
		return cn, true, nil
	default:
	}
	d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", c.host)
	if err != nil {
		return nil, false, err
	}
	return &conn{c: nc, br: bufio.NewReaderSize(nc, 16<<10), bw: bufio.NewWriterSize(nc, 16<<10)}, false, nil
}

func (c *client) release(cn *conn) {
	select {
	case c.idle <- cn:
	default:
		cn.c.Close()
	}
}

// post posts body as JSON and decodes a 2xx answer into out; any other
// status is a *statusError. A connection the server closed while idle is
// replaced once, before anything was read from it.
func (c *client) post(ctx context.Context, path string, body []byte, out any) error {
	for attempt := 0; ; attempt++ {
		cn, reused, err := c.conn(ctx)
		if err != nil {
			return err
		}
		raw, status, err := c.roundTrip(ctx, cn, path, body)
		if err != nil {
			cn.c.Close()
			if reused && attempt == 0 && errors.Is(err, errIdleClosed) && ctx.Err() == nil {
				continue
			}
			return err
		}
		err = c.decode(path, status, raw, out)
		c.release(cn)
		return err
	}
}

var errIdleClosed = errors.New("the connection was closed while idle")

// roundTrip writes one request on cn and reads its answer into cn.buf.
func (c *client) roundTrip(ctx context.Context, cn *conn, path string, body []byte) ([]byte, int, error) {
	stop := context.AfterFunc(ctx, func() { cn.c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if err := cn.c.SetDeadline(time.Now().Add(2 * time.Minute)); err != nil {
		return nil, 0, err
	}
	w := cn.bw
	w.WriteString("POST ")
	w.WriteString(c.prefix)
	w.WriteString(path)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(c.host)
	w.WriteString("\r\nAuthorization: ")
	w.WriteString(c.auth)
	w.WriteString("\r\nContent-Type: application/json\r\nContent-Length: ")
	w.WriteString(strconv.Itoa(len(body)))
	w.WriteString("\r\n\r\n")
	w.Write(body)
	if err := w.Flush(); err != nil {
		return nil, 0, c.ctxErr(ctx, err)
	}
	if _, err := cn.br.Peek(1); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) {
			return nil, 0, errIdleClosed
		}
		return nil, 0, c.ctxErr(ctx, err)
	}
	resp, err := http.ReadResponse(cn.br, nil)
	if err != nil {
		return nil, 0, c.ctxErr(ctx, err)
	}
	cn.buf.Reset()
	_, err = cn.buf.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, 0, c.ctxErr(ctx, err)
	}
	if resp.Close {
		return nil, 0, fmt.Errorf("POST %s: the server closed the connection", path)
	}
	return cn.buf.Bytes(), resp.StatusCode, nil
}

// ctxErr reports the context's end rather than the deadline it forced.
func (c *client) ctxErr(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (c *client) decode(path string, status int, raw []byte, out any) error {
	if status/100 != 2 {
		var p struct {
			Code string `json:"code"`
		}
		_ = json.Unmarshal(raw, &p)
		if len(raw) > 300 {
			raw = raw[:300]
		}
		return &statusError{path: path, status: status, code: p.Code, body: string(raw)}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("POST %s: answer is not the expected JSON: %w", path, err)
	}
	return nil
}

// phase is one measured load: conc workers call do, count times in all
// (or until dur has passed when dur > 0), and each call's latency is
// kept. The first error stops every worker and is returned.
type phase struct {
	conc  int
	count int
	dur   time.Duration
}

type stats struct {
	lat     []time.Duration // sorted
	elapsed time.Duration
}

func (s stats) n() int { return len(s.lat) }

func (s stats) pct(p float64) float64 {
	if len(s.lat) == 0 {
		return 0
	}
	i := int(p*float64(len(s.lat))+0.5) - 1
	i = min(max(i, 0), len(s.lat)-1)
	return float64(s.lat[i]) / float64(time.Millisecond)
}

func (s stats) perSecond(units int) float64 { return float64(units) / s.elapsed.Seconds() }

func (ph phase) run(ctx context.Context, seed int64, do func(ctx context.Context, r *rand.Rand, i int) error) (stats, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		mu       sync.Mutex
		all      []time.Duration
		firstErr error
		wg       sync.WaitGroup
	)
	var deadline time.Time
	start := time.Now()
	if ph.dur > 0 {
		deadline = start.Add(ph.dur)
	}
	for w := 0; w < ph.conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(seed), uint64(w)))
			lat := make([]time.Duration, 0, 1024)
			defer func() {
				mu.Lock()
				all = append(all, lat...)
				mu.Unlock()
			}()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if ph.dur > 0 && time.Now().After(deadline) || ph.dur <= 0 && i >= ph.count {
					return
				}
				t := time.Now()
				err := do(ctx, r, i)
				if err != nil {
					mu.Lock()
					if firstErr == nil && !(errors.Is(err, context.Canceled) && ctx.Err() != nil) {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
				lat = append(lat, time.Since(t))
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	slices.Sort(all)
	return stats{lat: all, elapsed: elapsed}, firstErr
}

func (o *Options) phase(count int) phase {
	return phase{conc: o.Concurrency, count: count, dur: o.Duration}
}

// docBody is a single document check.
func docBody(cc, number string) []byte {
	b := make([]byte, 0, 128)
	b = append(b, `{"purpose":"bench: border control","location":"loopback","issuing_country":"`...)
	b = append(b, cc...)
	b = append(b, `","number":"`...)
	b = append(b, number...)
	return append(b, `"}`...)
}

// pickDocument returns a stored document HitShare of the time, an unknown
// one otherwise.
func pickDocument(r *rand.Rand, docs *Documents) (cc, number string, known bool) {
	if r.Float64() < HitShare {
		cc, number = docs.Known(r)
		return cc, number, true
	}
	cc, number = docs.Unknown(r)
	return cc, number, false
}

// documentChecks measures single document checks.
func documentChecks(ctx context.Context, o *Options, cl *client, docs *Documents, res *Result) error {
	const op = "bench.documents"
	o.logf("warming up: 500 document checks")
	if _, err := (phase{conc: o.Concurrency, count: 500}).run(ctx, o.Seed+100, func(ctx context.Context, r *rand.Rand, i int) error {
		cc, n, _ := pickDocument(r, docs)
		return cl.post(ctx, "/checks/documents", docBody(cc, n), nil)
	}); err != nil {
		return fail(op, err, res)
	}
	what := fmt.Sprintf("%d", DefaultChecks)
	if o.Duration > 0 {
		what = "for " + o.Duration.String()
	}
	o.logf("single document checks (%s, concurrency %d, %.0f%% stored documents)", what, o.Concurrency, HitShare*100)
	var hits, misses, falseHits atomic.Int64
	stopProfile, err := o.profile("")
	if err != nil {
		return err
	}
	st, err := o.phase(DefaultChecks).run(ctx, o.Seed+200, func(ctx context.Context, r *rand.Rand, i int) error {
		cc, n, known := pickDocument(r, docs)
		var out struct {
			Outcome string `json:"outcome"`
		}
		if err := cl.post(ctx, "/checks/documents", docBody(cc, n), &out); err != nil {
			return err
		}
		switch {
		case known && out.Outcome == "hit":
			hits.Add(1)
		case known:
			misses.Add(1)
		case out.Outcome == "hit":
			falseHits.Add(1)
		}
		return nil
	})
	stopProfile()
	if err != nil {
		return fail(op, err, res)
	}
	res.DocChecks = st.n()
	res.DocCheckHits, res.DocCheckMisses, res.DocCheckFalse = int(hits.Load()), int(misses.Load()), int(falseHits.Load())
	res.DocThroughputP50, res.DocThroughputP99, res.DocChecksPerS = ptr(st.pct(0.50)), ptr(st.pct(0.99)), ptr(st.perSecond(st.n()))
	o.logf("  %d checks: p50 %.2f ms, p99 %.2f ms, %.0f checks/s; %d hits", st.n(), st.pct(0.5), st.pct(0.99), st.perSecond(st.n()), hits.Load())

	// A single check's latency, at a load well below saturation: at
	// saturation a request's latency is mostly its wait in the queue
	// (Little's law: 32 in flight at 20,000/s is 1.6 ms on average).
	lp := phase{conc: LatencyConcurrency, count: DefaultChecks / 2, dur: o.Duration / 2}
	o.logf("single document checks for latency (concurrency %d)", LatencyConcurrency)
	lst, err := lp.run(ctx, o.Seed+250, func(ctx context.Context, r *rand.Rand, i int) error {
		cc, n, _ := pickDocument(r, docs)
		return cl.post(ctx, "/checks/documents", docBody(cc, n), nil)
	})
	if err != nil {
		return fail(op, err, res)
	}
	res.LatencyConc = LatencyConcurrency
	res.DocCheckP50, res.DocCheckP99 = ptr(lst.pct(0.50)), ptr(lst.pct(0.99))
	o.logf("  %d checks: p50 %.2f ms, p99 %.2f ms, %.0f checks/s", lst.n(), lst.pct(0.5), lst.pct(0.99), lst.perSecond(lst.n()))
	return nil
}

// LatencyConcurrency is the client's requests in flight while a single
// check's latency is measured.
const LatencyConcurrency = 4

// documentBatches measures batches of BatchSize documents.
func documentBatches(ctx context.Context, o *Options, cl *client, docs *Documents, res *Result) error {
	const op = "bench.batches"
	o.logf("document batches of %d", BatchSize)
	var hits, misses atomic.Int64
	stopProfile, err := o.profile(".batch")
	if err != nil {
		return err
	}
	st, err := o.phase(DefaultBatches).run(ctx, o.Seed+300, func(ctx context.Context, r *rand.Rand, i int) error {
		known := map[int]bool{}
		b := bytes.NewBufferString(`{"purpose":"bench: passenger list","documents":[`)
		for j := 0; j < BatchSize; j++ {
			cc, n, k := pickDocument(r, docs)
			if k {
				known[j] = true
			}
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`{"issuing_country":"` + cc + `","number":"` + n + `"}`)
		}
		b.WriteString("]}")
		var out struct {
			Checked int `json:"checked"`
			Hits    []struct {
				Index int `json:"index"`
			} `json:"hits"`
		}
		if err := cl.post(ctx, "/checks/documents/batch", b.Bytes(), &out); err != nil {
			return err
		}
		if out.Checked != BatchSize {
			return fmt.Errorf("a batch of %d answered checked %d", BatchSize, out.Checked)
		}
		found := 0
		for _, h := range out.Hits {
			if known[h.Index] {
				found++
			}
		}
		hits.Add(int64(found))
		misses.Add(int64(len(known) - found))
		return nil
	})
	stopProfile()
	if err != nil {
		return fail(op, err, res)
	}
	res.BatchDocs = st.n() * BatchSize
	res.BatchHits, res.BatchMisses = int(hits.Load()), int(misses.Load())
	res.DocBatchPerS = ptr(st.perSecond(res.BatchDocs))
	o.logf("  %d batches: %.0f documents/s (p50 %.1f ms a batch)", st.n(), *res.DocBatchPerS, st.pct(0.5))
	return nil
}

type personBody struct {
	Purpose     string `json:"purpose"`
	Name        string `json:"name"`
	BirthDate   string `json:"birth_date,omitempty"`
	Nationality string `json:"nationality,omitempty"`
	Limit       int    `json:"limit,omitempty"`
}

type candidates struct {
	Matches []struct {
		Ref string `json:"ref"`
	} `json:"matches"`
}

// personScreens measures single person screens and 300-passenger
// manifests; both are skipped (null) while the server answers 503.
func personScreens(ctx context.Context, o *Options, cl *client, persons int, qs []PersonQuery, docs *Documents, res *Result) error {
	const op = "bench.persons"
	keys := []string{"name_screen_p50_ms", "name_screen_p99_ms", "name_screen_throughput_p50_ms", "name_screen_throughput_p99_ms", "name_found_top10", "manifest300_ms"}
	if persons == 0 {
		res.skip("no persons (--persons 0)", keys...)
		return nil
	}
	probe, _ := json.Marshal(personBody{Purpose: "bench: probe", Name: qs[0].Name})
	var se *statusError
	if err := cl.post(ctx, "/checks/persons", probe, nil); errors.As(err, &se) && se.status == http.StatusServiceUnavailable {
		res.skip("the server answered 503 "+se.code+" to person screens: the name engine is not in this build", keys...)
		o.logf("person screens skipped: the server answers 503 %s", se.code)
		return nil
	} else if err != nil {
		return fail(op, err, res)
	}
	o.logf("person screens (%d persons stored, concurrency %d)", persons, o.Concurrency)
	var found, derived atomic.Int64
	stopProfile, err := o.profile(".persons")
	if err != nil {
		return err
	}
	st, err := o.phase(len(qs)).run(ctx, o.Seed+400, func(ctx context.Context, r *rand.Rand, i int) error {
		q := qs[i%len(qs)]
		b, _ := json.Marshal(personBody{Purpose: "bench: border control", Name: q.Name, BirthDate: q.BirthDate, Nationality: q.Nationality, Limit: 10})
		var out candidates
		if err := cl.post(ctx, "/checks/persons", b, &out); err != nil {
			return err
		}
		if q.From >= 0 {
			derived.Add(1)
			want := personRef(q.From)
			for _, m := range out.Matches {
				if m.Ref == want {
					found.Add(1)
					break
				}
			}
		}
		return nil
	})
	stopProfile()
	if err != nil {
		return fail(op, err, res)
	}
	res.NameScreens = st.n()
	res.NameThroughputP50, res.NameThroughputP99, res.NameScreensPerS = ptr(st.pct(0.5)), ptr(st.pct(0.99)), ptr(st.perSecond(st.n()))
	if d := derived.Load(); d > 0 {
		res.NameFoundTop10 = ptr(float64(found.Load()) / float64(d))
	}
	o.logf("  %d screens: p50 %.2f ms, p99 %.2f ms, %.0f/s", st.n(), st.pct(0.5), st.pct(0.99), st.perSecond(st.n()))

	// A single screen's latency, below saturation (as for documents).
	o.logf("person screens for latency (concurrency %d)", LatencyConcurrency)
	lp := phase{conc: LatencyConcurrency, count: len(qs) / 2, dur: o.Duration / 2}
	lst, err := lp.run(ctx, o.Seed+450, func(ctx context.Context, r *rand.Rand, i int) error {
		q := qs[(i+len(qs)/2)%len(qs)]
		b, _ := json.Marshal(personBody{Purpose: "bench: border control", Name: q.Name, BirthDate: q.BirthDate, Nationality: q.Nationality, Limit: 10})
		return cl.post(ctx, "/checks/persons", b, nil)
	})
	if err != nil {
		return fail(op, err, res)
	}
	res.NameScreenP50, res.NameScreenP99 = ptr(lst.pct(0.5)), ptr(lst.pct(0.99))
	o.logf("  %d screens: p50 %.2f ms, p99 %.2f ms, %.0f/s", lst.n(), lst.pct(0.5), lst.pct(0.99), lst.perSecond(lst.n()))

	o.logf("passenger manifests of %d, one at a time, %d runs", ManifestSize, ManifestRuns)
	type passenger struct {
		Name        string `json:"name"`
		BirthDate   string `json:"birth_date,omitempty"`
		Nationality string `json:"nationality,omitempty"`
		Document    struct {
			IssuingCountry string `json:"issuing_country"`
			Number         string `json:"number"`
		} `json:"document"`
	}
	r := rand.New(rand.NewPCG(uint64(o.Seed), 500))
	var runs []float64
	stopProfile, err = o.profile(".manifest")
	if err != nil {
		return err
	}
	defer stopProfile()
	for run := 0; run < ManifestRuns; run++ {
		m := struct {
			Purpose    string      `json:"purpose"`
			Passengers []passenger `json:"passengers"`
		}{Purpose: "bench: flight manifest"}
		for j := 0; j < ManifestSize; j++ {
			q := qs[r.IntN(len(qs))]
			p := passenger{Name: q.Name, BirthDate: q.BirthDate, Nationality: q.Nationality}
			p.Document.IssuingCountry, p.Document.Number, _ = pickDocument(r, docs)
			m.Passengers = append(m.Passengers, p)
		}
		b, _ := json.Marshal(m)
		t := time.Now()
		var out struct {
			Checked int `json:"checked"`
		}
		if err := cl.post(ctx, "/checks/manifest", b, &out); err != nil {
			return fail(op, err, res)
		}
		runs = append(runs, float64(time.Since(t))/float64(time.Millisecond))
		if out.Checked != ManifestSize {
			return errs.E(op, errs.Internal, fmt.Sprintf("a manifest of %d answered checked %d", ManifestSize, out.Checked))
		}
	}
	sort.Float64s(runs)
	res.Manifest300 = ptr(runs[len(runs)/2])
	o.logf("  manifest of %d: median %.1f ms", ManifestSize, *res.Manifest300)
	return nil
}

// fail counts an error of a phase and returns it, loudly.
func fail(op string, err error, res *Result) error {
	res.Errors++
	var se *statusError
	if errors.As(err, &se) {
		return errs.E(op, errs.Internal, "the server answered "+strconv.Itoa(se.status)+" ("+se.code+"): "+se.body, err)
	}
	return errs.E(op, errs.Internal, err)
}

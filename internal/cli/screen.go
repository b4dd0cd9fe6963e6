package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/screen"
)

const screenUsage = `usage: polex screen persons --in QUERIES --out RESULTS [--limit K] [--as USER] [--purpose TEXT]

Screens every query of QUERIES (JSON Lines, one a line:
{"qid":"Q1","name":"...","birth_date":"...","nationality":"..."}, birth_date
and nationality optional) against the persons database and writes RESULTS
(JSON Lines, one line per query in input order):
{"qid":"Q1","candidates":[{"ref":"R1","owner":"LY","score":0.97,"match":true}]}
best first, at most K candidates; match is true at or above the alert
threshold. A bad query line is reported on standard error with its line number
and answered with {"qid":...,"candidates":[],"error":"..."}.

Each query is a check: audited with its purpose, and each match is a hit told
to the record's owner. Without --as the operator screens with the oversight
body's read-only rights (every record) as system:screen; with --as USER, with
that user's rights.

Exit status: 0 when every query was screened, 1 when some lines were bad or
the screening failed, 2 for bad usage.`

// screenQuery is one line of QUERIES.
type screenQuery struct {
	QID         string `json:"qid"`
	Name        string `json:"name"`
	BirthDate   string `json:"birth_date"`
	Nationality string `json:"nationality"`
	Sex         string `json:"sex"`
}

// screenCandidate is one candidate of a RESULTS line.
type screenCandidate struct {
	Ref   string  `json:"ref"`
	Owner string  `json:"owner"`
	Score float64 `json:"score"`
	Match bool    `json:"match"`
}

// screenResult is one line of RESULTS.
type screenResult struct {
	QID        string            `json:"qid"`
	Candidates []screenCandidate `json:"candidates"`
	Error      string            `json:"error,omitempty"`
}

// runScreen screens a file of names against the persons database.
func runScreen(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("screen")
	in := fs.String("in", "", "the queries `FILE` (JSON Lines)")
	out := fs.String("out", "", "the results `FILE` (JSON Lines), overwritten")
	limit := fs.Int("limit", 10, "at most `K` candidates per query (1 to 50)")
	as := fs.String("as", "", "screen with this `USER`'s rights (default: every record, as system:screen)")
	purpose := fs.String("purpose", "batch screening (CLI)", "the purpose recorded in the audit log")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, screenUsage)
		fs.PrintDefaults()
	}
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "persons" {
		return usagef("screen what? polex screen persons --in QUERIES --out RESULTS\n%s", screenUsage)
	}
	if *in == "" || *out == "" {
		return usagef("--in and --out are required")
	}
	if *limit < 1 || *limit > screen.MaxPersonK {
		return usagef("--limit must be between 1 and %d", screen.MaxPersonK)
	}
	if strings.TrimSpace(*purpose) == "" {
		return usagef("--purpose must not be empty")
	}
	inf, err := os.Open(*in)
	if err != nil {
		return errs.E("cli.screen", errs.Invalid, fmt.Sprintf("cannot open %s: %v", *in, err), "in")
	}
	defer inf.Close()
	a, err := env.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	p, err := a.ScreenPrincipal(ctx, *as)
	if err != nil {
		return err
	}
	start := time.Now()
	if err := a.LoadScreen(ctx); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "persons index loaded: %d persons in %s\n", a.Screen.IndexStats().Persons, time.Since(start).Round(time.Millisecond))
	outf, err := os.Create(*out)
	if err != nil {
		return errs.E("cli.screen", errs.Invalid, fmt.Sprintf("cannot create %s: %v", *out, err), "out")
	}
	defer outf.Close()
	w := bufio.NewWriterSize(outf, 1<<16)

	// Workers screen the lines; the writer puts the answers back in order.
	type job struct {
		n    int
		line []byte
		res  chan screenResult
	}
	jobs := make(chan job, 256)
	order := make(chan job, 256)
	var wg sync.WaitGroup
	var bad, done int
	var mu sync.Mutex
	c := screen.Context{Purpose: *purpose, Priority: screen.Routine, Location: "polex screen (CLI)"}
	for range max(1, runtime.GOMAXPROCS(0)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				j.res <- screenOne(ctx, a.Screen, p, c, j.n, j.line, *limit, env.Stderr, &mu, &bad)
			}
		}()
	}
	readErr := make(chan error, 1)
	go func() {
		defer close(jobs)
		defer close(order)
		sc := bufio.NewScanner(inf)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		n := 0
		for sc.Scan() {
			n++
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			j := job{n: n, line: append([]byte(nil), line...), res: make(chan screenResult, 1)}
			select {
			case jobs <- j:
			case <-ctx.Done():
				readErr <- ctx.Err()
				return
			}
			order <- j
		}
		readErr <- sc.Err()
	}()
	var werr error
	last := time.Now()
	for j := range order {
		r := <-j.res
		b, _ := json.Marshal(r)
		if werr == nil {
			_, werr = w.Write(append(b, '\n'))
		}
		done++
		if time.Since(last) > time.Second {
			fmt.Fprintf(env.Stderr, "\r%d queries screened", done)
			last = time.Now()
		}
	}
	wg.Wait()
	if err := <-readErr; err != nil {
		return errs.E("cli.screen", errs.Invalid, "reading "+*in, err)
	}
	if werr == nil {
		werr = w.Flush()
	}
	if werr != nil {
		return errs.E("cli.screen", errs.Internal, "writing "+*out, werr)
	}
	if err := outf.Sync(); err != nil {
		return errs.E("cli.screen", errs.Internal, "writing "+*out, err)
	}
	if err := flushStats(ctx, a); err != nil {
		return err
	}
	fmt.Fprintf(env.Stderr, "\r%d queries screened in %s, %d bad lines\n", done, time.Since(start).Round(time.Millisecond), bad)
	if bad > 0 {
		return errs.E("cli.screen", errs.Conflict, fmt.Sprintf("%d bad lines were answered with an error", bad))
	}
	return nil
}

// screenOne screens one line; a bad line is reported and answered with
// its error.
func screenOne(ctx context.Context, s *screen.Service, p identity.Principal, c screen.Context, n int, line []byte, limit int,
	stderr io.Writer, mu *sync.Mutex, bad *int) screenResult {
	var q screenQuery
	fail := func(field, msg string) screenResult {
		mu.Lock()
		*bad++
		if field != "" {
			fmt.Fprintf(stderr, "line %d: %s: %s\n", n, field, msg)
		} else {
			fmt.Fprintf(stderr, "line %d: %s\n", n, msg)
		}
		mu.Unlock()
		return screenResult{QID: q.QID, Candidates: []screenCandidate{}, Error: msg}
	}
	d := json.NewDecoder(bytes.NewReader(line))
	d.DisallowUnknownFields()
	if err := d.Decode(&q); err != nil {
		return fail("", "not a valid query: "+strings.TrimPrefix(err.Error(), "json: "))
	}
	if strings.TrimSpace(q.QID) == "" {
		return fail("qid", "qid is required")
	}
	res, err := s.CheckPerson(ctx, p, c, screen.PersonQuery{Name: q.Name, BirthDate: q.BirthDate, Nationality: q.Nationality, Sex: q.Sex, Limit: limit})
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid {
			return fail("", errs.Message(err)+": "+err.Error())
		}
		return fail(errs.FieldOf(err), errs.Message(err))
	}
	out := screenResult{QID: q.QID, Candidates: make([]screenCandidate, 0, len(res.Matches))}
	for _, m := range res.Matches {
		out.Candidates = append(out.Candidates, screenCandidate{Ref: m.Ref, Owner: m.Owner, Score: m.Score, Match: m.Match})
	}
	return out
}

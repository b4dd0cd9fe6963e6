package property

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/reqid"
)

// Import limits.
const (
	DefaultBatchRows = 20000   // rows committed per transaction
	MaxLineErrors    = 100     // bad lines listed in a report; all are counted
	MaxLineBytes     = 1 << 20 // longest line accepted
)

// Import formats.
const (
	FormatJSONL = "jsonl"
	FormatCSV   = "csv"
)

// Import states.
const (
	ImportRunning     = "running"
	ImportDone        = "done"
	ImportFailed      = "failed"      // stopped by an error of its data or storage
	ImportInterrupted = "interrupted" // cancelled, or its process stopped: re-run it to complete it
)

// Heartbeat and staleness of running imports. A running import's report
// (its last_update) is stored after every batch and, in between, every
// HeartbeatEvery. An import that is running in no live process — its
// process crashed or was killed — is recognised by a last update older than
// the service's StaleAfter, and shown (GetImport, Imports) and marked
// (InterruptStale) as interrupted.
const (
	HeartbeatEvery    = 15 * time.Second
	DefaultStaleAfter = 3 * time.Minute
)

// Messages of interrupted imports.
const (
	msgCancelled = "interrupted before the end: what it counts is stored; run the same import again to complete it"
	msgStale     = "no progress stored for a while: the process running it stopped; run the same import again to complete it"
)

// LineError is a bad line of an import: its number (from 1, the CSV
// header being line 1), the field at fault and why.
type LineError struct {
	Line    int64  `json:"line"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// Import is an import job and its report. Counts are of committed batches
// only: what they say is stored.
type Import struct {
	ID        string      `json:"id"`
	Kind      string      `json:"kind" enum:"document,vehicle,artwork,person"`
	Owner     string      `json:"owner"`
	Actor     string      `json:"actor" doc:"who ran it (user ID)"`
	ActorOrg  string      `json:"actor_org"`
	File      string      `json:"file,omitempty" doc:"the file name given"`
	Format    string      `json:"format" enum:"jsonl,csv"`
	State     string      `json:"state" enum:"running,done,failed,interrupted" doc:"interrupted: cancelled, or the process running it stopped (no progress stored for a few minutes); re-run it to complete it"`
	Message   string      `json:"message,omitempty" doc:"why it failed or was interrupted"`
	Started   time.Time   `json:"started"`
	Updated   time.Time   `json:"last_update" doc:"when the report was last stored"`
	Finished  time.Time   `json:"finished,omitzero"`
	Lines     int64       `json:"lines" doc:"lines read (committed), including bad lines and the CSV header"`
	Inserted  int64       `json:"inserted"`
	Changed   int64       `json:"updated" doc:"existing records (same owner and ref) whose content changed"`
	Unchanged int64       `json:"unchanged"`
	Bad       int64       `json:"bad" doc:"bad lines, all counted"`
	Errors    []LineError `json:"errors,omitempty" doc:"the first bad lines"`
}

// ImportRequest describes an import.
type ImportRequest struct {
	Kind   string // document, vehicle, artwork or person
	Owner  string // the owning country: the importer's
	Format string // jsonl or csv
	File   string // a name for the report (no path)
	// OnBad, when set, is called with every bad line as it is found (from
	// the import's goroutines, one call at a time), besides the report's
	// capped list.
	OnBad func(LineError)
}

// FormatOf returns the format implied by a file name's extension: .jsonl,
// .json and .ndjson are JSON Lines, .csv is CSV; "" otherwise.
func FormatOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jsonl", ".json", ".ndjson":
		return FormatJSONL
	case ".csv":
		return FormatCSV
	}
	return ""
}

// Validate returns an errs.Invalid error naming the field at fault.
func (r *ImportRequest) Validate() error {
	const op = "property.ImportRequest.Validate"
	k, err := KindOf(r.Kind)
	if err != nil {
		return err
	}
	r.Kind = k
	r.Owner = strings.ToUpper(strings.TrimSpace(r.Owner))
	if !alpha2(r.Owner) {
		return errs.Invalidf(op, "owner", "owner must be an ISO 3166-1 alpha-2 code")
	}
	if r.Format != FormatJSONL && r.Format != FormatCSV {
		return errs.Invalidf(op, "format", "format must be jsonl or csv")
	}
	r.File = filepath.Base(r.File)
	if len(r.File) > 200 || !printable(r.File) {
		r.File = r.File[:min(len(r.File), 200)]
		r.File = strings.ToValidUTF8(strings.Map(func(c rune) rune {
			if c < 0x20 || c == 0x7f {
				return '?'
			}
			return c
		}, r.File), "?")
	}
	return nil
}

// Progress is called after every committed batch with the report so far.
type Progress func(Import)

// Import loads the records of req.Kind read from r for req.Owner, as p:
// the policy is asked once for create on the owner's records, and the
// import is audited when it starts (import.KINDS, allowed or denied) and
// when it ends (import.KINDS with the counts). Each line is a record keyed
// by the owner's ref: a new ref inserts, a known ref updates the record
// when its content changed (new version and history entry) and leaves it
// alone otherwise. Bad lines are reported with their numbers and skipped.
// Rows are committed in batches of s.BatchRows; a batch is acknowledged
// (in progress and the report) only once committed, so an interrupted
// import loses nothing it reported and re-running it completes it.
//
// It returns the report; the error is the policy's refusal, an invalid
// request, or what stopped the import (then the report says how far it
// got and its state is failed).
func (s *Service) Import(ctx context.Context, p identity.Principal, req ImportRequest, r io.Reader, progress Progress) (Import, error) {
	im, err := s.beginImport(ctx, p, req)
	if err != nil {
		return im, err
	}
	return s.runImport(ctx, p, im, req, r, progress)
}

// StartImport authorises and records an import like Import, then runs it
// in the background and returns at once; rc is closed when it ends. Read
// its progress with GetImport.
func (s *Service) StartImport(ctx context.Context, p identity.Principal, req ImportRequest, rc io.ReadCloser) (Import, error) {
	im, err := s.beginImport(ctx, p, req)
	if err != nil {
		rc.Close()
		return im, err
	}
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		defer rc.Close()
		_, _ = s.runImport(context.WithoutCancel(ctx), p, im, req, rc, nil)
	}()
	return im, nil
}

func (s *Service) beginImport(ctx context.Context, p identity.Principal, req ImportRequest) (Import, error) {
	const op = "property.Import"
	if err := req.Validate(); err != nil {
		return Import{}, err
	}
	now := s.now()
	im := Import{ID: s.newID("imp"), Kind: req.Kind, Owner: req.Owner, Actor: p.User.ID, ActorOrg: p.User.Org, File: req.File,
		Format: req.Format, State: ImportRunning, Started: now, Updated: now}
	detail, _ := json.Marshal(map[string]string{"owner": im.Owner, "file": im.File, "format": im.Format})
	if err := record.Authorize(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionCreate, Audit: "import." + Plural(req.Kind),
		Resource: policy.Resource{Kind: req.Kind, Owner: req.Owner}, Target: "import:" + im.ID, Detail: string(detail)}); err != nil {
		return Import{}, err
	}
	// Running here from now on: runImport untracks it when it ends.
	s.runMu.Lock()
	s.running[im.ID] = true
	s.runMu.Unlock()
	if err := s.store.CreateImport(ctx, im); err != nil {
		s.untrack(im.ID)
		return Import{}, errs.E(op, err)
	}
	return im, nil
}

// batch is a run of parsed lines handed from the parser to the writer.
type batch struct {
	rows  []Row
	lines []int64     // line number of each row
	bad   []LineError // bad lines since the previous batch
	nbad  int64
	end   int64 // last line consumed
}

func (s *Service) runImport(ctx context.Context, p identity.Principal, im Import, req ImportRequest, r io.Reader, progress Progress) (Import, error) {
	const op = "property.Import"
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	size := s.BatchRows
	if size <= 0 {
		size = DefaultBatchRows
	}
	batches := make(chan *batch, 2)
	perr := make(chan error, 1)
	var badMu sync.Mutex
	onBad := func(e LineError) {
		if req.OnBad != nil {
			badMu.Lock()
			defer badMu.Unlock()
			req.OnBad(e)
		}
	}
	pr := &parser{s: s, kind: im.Kind, owner: im.Owner, org: p.User.Org, by: p.User.ID, now: s.now(), size: size, out: batches, onBad: onBad}
	go func() {
		defer close(batches)
		perr <- pr.run(ctx, im.Format, r)
	}()
	stopBeat, saved := s.heartbeat(ctx, im.ID)
	note := "import " + im.ID
	var failure error
	for b := range batches {
		if failure != nil {
			continue // drain
		}
		next := im
		next.Lines = b.end
		next.Bad += b.nbad
		for _, e := range b.bad {
			next.addError(e)
		}
		next.Updated = s.now()
		if len(b.rows) > 0 {
			res, err := s.store.UpsertRecords(ctx, im.Kind, b.rows, note, &next)
			if err != nil {
				failure = err
				cancel()
				continue
			}
			s.changed(im.Kind)
			// Rows refused by another unique key are counted as bad lines
			// by the store; their details are stored with the next save.
			for i, e := range res.Failed {
				le := LineError{Line: b.lines[i], Field: errs.FieldOf(e), Message: errs.Message(e)}
				next.addError(le)
				onBad(le)
			}
			sortErrors(next.Errors)
		} else if err := s.store.SaveImport(ctx, next); err != nil {
			failure = err
			cancel()
			continue
		}
		saved()
		im = next
		if progress != nil {
			progress(im)
		}
	}
	if err := <-perr; err != nil && failure == nil {
		failure = err
	}
	// The counts stored with the last batch missed its own results; store
	// the final report whatever happened.
	stopBeat()
	fctx := context.WithoutCancel(ctx)
	im.Finished, im.Updated, im.State = s.now(), s.now(), ImportDone
	if failure != nil {
		im.State = ImportFailed
		im.Message = errs.Message(failure)
		if errors.Is(failure, context.Canceled) || errs.Is(errs.Unavailable, failure) && ctx.Err() != nil {
			im.State, im.Message = ImportInterrupted, msgCancelled
		}
	}
	saveErr := s.store.SaveImport(fctx, im)
	s.untrack(im.ID)
	detail, _ := json.Marshal(map[string]any{"owner": im.Owner, "file": im.File, "state": im.State, "lines": im.Lines,
		"inserted": im.Inserted, "updated": im.Changed, "unchanged": im.Unchanged, "bad": im.Bad})
	outcome := audit.OutcomeOK
	if failure != nil {
		outcome = audit.OutcomeError
	}
	_, auditErr := s.audit.Append(fctx, audit.Entry{Time: s.now(), Actor: p.User.ID, ActorOrg: p.User.Org, Action: "import." + Plural(im.Kind),
		Target: "import:" + im.ID, Outcome: outcome, RequestID: reqid.From(ctx), Detail: string(detail)})
	if failure != nil {
		return im, errs.E(op, failure)
	}
	if saveErr != nil {
		return im, errs.E(op, saveErr)
	}
	if auditErr != nil {
		return im, errs.E(op, auditErr)
	}
	return im, nil
}

// heartbeat stores the last update of running import id every
// HeartbeatEvery in which the import stored no batch (the import calls
// saved after each), until stop is called (stop waits for a write in
// flight): a busy import's own saves are its heartbeat, so the beat never
// competes with its transactions. It touches only the last
// update, and only while the import is running, so it never overwrites
// counts or revives a finished import.
func (s *Service) heartbeat(ctx context.Context, id string) (stop, saved func()) {
	var last atomic.Int64 // unix nanos of the last stored batch
	last.Store(time.Now().UnixNano())
	done, exited := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(exited)
		t := time.NewTicker(HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if time.Since(time.Unix(0, last.Load())) < HeartbeatEvery {
					continue
				}
				// A failed beat is retried at the next tick; the import's own
				// writes report storage failures.
				if s.store.TouchImport(ctx, id, s.now()) == nil {
					last.Store(time.Now().UnixNano())
				}
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			close(done)
			<-exited
		})
	}
	return stop, func() { last.Store(time.Now().UnixNano()) }
}

// untrack notes that import id no longer runs in this process.
func (s *Service) untrack(id string) {
	s.runMu.Lock()
	delete(s.running, id)
	s.runMu.Unlock()
}

// stale reports whether a running import runs in no live process: not in
// this one, and its last update is older than StaleAfter.
func (s *Service) stale(im Import, now time.Time) bool {
	if im.State != ImportRunning {
		return false
	}
	s.runMu.Lock()
	local := s.running[im.ID]
	s.runMu.Unlock()
	return !local && im.Updated.Before(now.Add(-s.StaleAfter))
}

// present returns im as it is: a stale running import is interrupted.
func (s *Service) present(im Import) Import {
	if s.stale(im, s.now()) {
		im.State, im.Message = ImportInterrupted, msgStale
	}
	return im
}

// InterruptStale marks as interrupted, in storage, the running imports
// that run in no live process (see HeartbeatEvery), and returns how many.
// The application calls it when it opens.
func (s *Service) InterruptStale(ctx context.Context) (int, error) {
	const op = "property.InterruptStale"
	ims, err := s.store.RunningImports(ctx)
	if err != nil {
		return 0, errs.E(op, err)
	}
	now := s.now()
	n := 0
	for _, im := range ims {
		if !s.stale(im, now) {
			continue
		}
		ok, err := s.store.InterruptImport(ctx, im.ID, now.Add(-s.StaleAfter), now, msgStale)
		if err != nil {
			return n, errs.E(op, err)
		}
		if ok {
			n++
		}
	}
	return n, nil
}

func (im *Import) addError(e LineError) {
	if len(im.Errors) < MaxLineErrors {
		im.Errors = append(im.Errors, e)
	}
}

func sortErrors(es []LineError) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Line < es[j-1].Line; j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

// parser reads lines, validates them and sends batches.
type parser struct {
	s          *Service
	kind       string
	owner, org string
	by         string
	now        time.Time
	size       int
	out        chan<- *batch
	onBad      func(LineError)

	cur    *batch
	refs   map[string]bool
	defEnv []byte
}

func (pr *parser) run(ctx context.Context, format string, r io.Reader) error {
	pr.defEnv = EncodeEnvelope(record.Meta{Classification: identity.Official})
	pr.refs = make(map[string]bool, pr.size)
	pr.cur = &batch{}
	var err error
	if format == FormatCSV {
		err = pr.csv(ctx, r)
	} else {
		err = pr.jsonl(ctx, r)
	}
	if err != nil {
		return err
	}
	return pr.flush(ctx)
}

func (pr *parser) flush(ctx context.Context) error {
	b := pr.cur
	pr.cur = &batch{rows: make([]Row, 0, pr.size), lines: make([]int64, 0, pr.size), end: b.end}
	clear(pr.refs)
	select {
	case pr.out <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (pr *parser) bad(line int64, field, msg string) {
	pr.onBad(LineError{Line: line, Field: field, Message: msg})
	pr.cur.nbad++
	if len(pr.cur.bad) < MaxLineErrors {
		pr.cur.bad = append(pr.cur.bad, LineError{Line: line, Field: field, Message: msg})
	}
}

func (pr *parser) badErr(line int64, err error) {
	msg := errs.Message(err)
	pr.bad(line, errs.FieldOf(err), msg)
}

// add parses one record (JSON object) of line number n.
func (pr *parser) add(ctx context.Context, n int64, obj []byte) error {
	row, err := pr.parse(obj)
	if err != nil {
		pr.badErr(n, err)
	} else {
		if pr.refs[row.Meta.Ref] {
			// A ref twice in one batch: commit the first before the second.
			if err := pr.flush(ctx); err != nil {
				return err
			}
		}
		pr.refs[row.Meta.Ref] = true
		pr.cur.rows = append(pr.cur.rows, row)
		pr.cur.lines = append(pr.cur.lines, n)
	}
	pr.cur.end = n
	if len(pr.cur.rows) >= pr.size {
		return pr.flush(ctx)
	}
	return nil
}

func (pr *parser) jsonl(ctx context.Context, r io.Reader) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var n int64
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// An overlong line: skip to its end.
			n++
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = br.ReadSlice('\n')
			}
			pr.bad(n, "", fmt.Sprintf("the line is longer than %d bytes", MaxLineBytes))
			pr.cur.end = n
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return errs.E("property.Import", errs.Unavailable, err)
			}
			continue
		}
		if len(line) == 0 && err == io.EOF {
			return nil
		}
		if err != nil && err != io.EOF {
			return errs.E("property.Import", errs.Unavailable, err)
		}
		n++
		t := bytes.TrimSpace(line)
		if len(t) == 0 {
			pr.cur.end = n
		} else if aerr := pr.add(ctx, n, t); aerr != nil {
			return aerr
		}
		if err == io.EOF {
			return nil
		}
	}
}

// csvArrays are the fields that are lists in JSON; in CSV their items are
// separated by ";".
var csvArrays = map[string]bool{"names": true, "allow_countries": true, "deny_countries": true, "allow_regions": true, "deny_regions": true}

// csvNumbers are the fields that are numbers in JSON.
var csvNumbers = map[string]bool{"year": true, "classification": true}

// csvNested are the fields that live in a nested object in JSON.
var csvNested = map[string]string{"allow_countries": "restrictions", "deny_countries": "restrictions", "allow_regions": "restrictions",
	"deny_regions": "restrictions", "grading_source": "grading", "grading_info": "grading"}

func (pr *parser) csv(ctx context.Context, r io.Reader) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return errs.Invalidf("property.Import", "header", "line 1: cannot read the CSV header: %v", err)
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	}
	pr.cur.end = 1
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				pr.bad(int64(pe.StartLine), "", "not valid CSV: "+pe.Err.Error())
				pr.cur.end = int64(pe.Line)
				continue
			}
			return errs.E("property.Import", errs.Unavailable, err)
		}
		line, _ := cr.FieldPos(0)
		n := int64(line)
		if len(rec) != len(cols) {
			pr.bad(n, "", fmt.Sprintf("the line has %d fields, the header %d", len(rec), len(cols)))
			pr.cur.end = n
			continue
		}
		obj := pr.csvObject(cols, rec)
		if err := pr.add(ctx, n, obj); err != nil {
			return err
		}
	}
}

// csvObject turns a CSV record into the JSON object of the same line in
// JSON Lines; empty cells are left out.
func (pr *parser) csvObject(cols, rec []string) []byte {
	top := map[string]any{}
	nested := map[string]map[string]any{}
	for i, c := range cols {
		v := strings.TrimSpace(rec[i])
		if v == "" || c == "" {
			continue
		}
		var val any = v
		switch {
		case csvArrays[c]:
			var items []string
			for _, s := range strings.Split(v, ";") {
				if s = strings.TrimSpace(s); s != "" {
					items = append(items, s)
				}
			}
			val = items
		case csvNumbers[c]:
			if n, err := strconv.Atoi(v); err == nil {
				val = n
			}
		}
		if parent, ok := csvNested[c]; ok {
			if nested[parent] == nil {
				nested[parent] = map[string]any{}
			}
			nested[parent][strings.TrimPrefix(c, "grading_")] = val
			continue
		}
		top[c] = val
	}
	for k, v := range nested {
		top[k] = v
	}
	b, _ := json.Marshal(top)
	return b
}

// lineMeta is the optional envelope of an import line.
type lineMeta struct {
	Ref            string                   `json:"ref"`
	Handling       policy.Handling          `json:"handling"`
	Classification *identity.Classification `json:"classification"`
	Grading        record.Grading           `json:"grading"`
	Restrictions   policy.Restrictions      `json:"restrictions"`
}

type documentLine struct {
	lineMeta
	TravelDocument
}

type vehicleLine struct {
	lineMeta
	Vehicle
}

type artworkLine struct {
	lineMeta
	Artwork
}

// personLine is the line format of the persons database, fixed by the
// clearinghouse contract:
// {"ref":"R1","names":["Муаммар Каддафи","Muammar Kaddafi"],"birth_date":"1942-06-07","nationality":"LY","sex":"M"}.
type personLine struct {
	lineMeta
	Names       []string `json:"names"`
	BirthDate   string   `json:"birth_date"`
	Nationality string   `json:"nationality"`
	Sex         string   `json:"sex"`
}

// decodeLine decodes a JSON object strictly into v, naming the field of a
// type error or an unknown field.
func decodeLine(obj []byte, v any) error {
	const op = "property.Import"
	d := json.NewDecoder(bytes.NewReader(obj))
	d.DisallowUnknownFields()
	err := d.Decode(v)
	if err == nil {
		if d.More() {
			return errs.Invalidf(op, "", "extra data after the JSON object")
		}
		return nil
	}
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		f := te.Field
		if i := strings.LastIndexByte(f, '.'); i >= 0 && !strings.HasPrefix(f, "restrictions") && !strings.HasPrefix(f, "grading") {
			f = f[i+1:]
		}
		return errs.Invalidf(op, f, "%s must be a JSON %s, not %s", f, jsonType(te.Type.Kind().String()), te.Value)
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errs.Invalidf(op, "", "not a valid JSON object")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		f, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return errs.Invalidf(op, f, "unknown field %q", f)
	}
	return errs.Invalidf(op, "", "not a valid line: %v", err)
}

func jsonType(k string) string {
	switch k {
	case "string":
		return "string"
	case "int", "int64", "int8", "int16", "int32", "uint8", "float64":
		return "number"
	case "slice":
		return "array"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	}
	return k
}

// parse turns one line into a row.
func (pr *parser) parse(obj []byte) (Row, error) {
	const op = "property.Import"
	var (
		lm   *lineMeta
		keys Keys
		body []byte
		err  error
	)
	switch pr.kind {
	case KindDocument:
		var l documentLine
		if err := decodeLine(obj, &l); err != nil {
			return Row{}, err
		}
		l.TravelDocument.Normalize()
		if err := l.TravelDocument.Validate(pr.owner); err != nil {
			return Row{}, err
		}
		lm, keys = &l.lineMeta, l.TravelDocument.Keys()
		body, err = json.Marshal(&l.TravelDocument)
	case KindVehicle:
		var l vehicleLine
		if err := decodeLine(obj, &l); err != nil {
			return Row{}, err
		}
		l.Vehicle.Normalize()
		if err := l.Vehicle.Validate(pr.owner); err != nil {
			return Row{}, err
		}
		lm, keys = &l.lineMeta, l.Vehicle.Keys()
		body, err = json.Marshal(&l.Vehicle)
	case KindArtwork:
		var l artworkLine
		if err := decodeLine(obj, &l); err != nil {
			return Row{}, err
		}
		if len(l.Images) > 0 {
			return Row{}, errs.Invalidf(op, "images", "images are uploaded one by one, not imported")
		}
		l.Artwork.Normalize()
		if err := l.Artwork.Validate(pr.owner); err != nil {
			return Row{}, err
		}
		lm, keys = &l.lineMeta, l.Artwork.Keys()
		body, err = json.Marshal(&l.Artwork)
	case KindPerson:
		var l personLine
		if err := decodeLine(obj, &l); err != nil {
			return Row{}, err
		}
		pp := person.Person{Sex: person.Sex(l.Sex)}
		for _, n := range l.Names {
			pp.Names = append(pp.Names, person.Name{Full: n})
		}
		if l.BirthDate != "" {
			pp.BirthDates = []person.Date{person.Date(strings.TrimSpace(l.BirthDate))}
		}
		if l.Nationality != "" {
			pp.Nationalities = []string{l.Nationality}
		}
		pp.Normalize()
		if err := pp.Validate(); err != nil {
			return Row{}, lineField(err)
		}
		lm, keys = &l.lineMeta, personKeys(&pp)
		body, err = json.Marshal(&pp)
	default:
		return Row{}, errs.Invalidf(op, "kind", "unknown kind %q", pr.kind)
	}
	if err != nil {
		return Row{}, errs.E(op, errs.Internal, err)
	}
	if lm.Ref = strings.TrimSpace(lm.Ref); lm.Ref == "" {
		return Row{}, errs.Invalidf(op, "ref", "ref is required: the owner's reference identifies the record")
	}
	m := record.Meta{Ref: lm.Ref, Owner: pr.owner, OwnerOrg: pr.org, Restrictions: lm.Restrictions, Handling: lm.Handling,
		Classification: identity.Official, Grading: lm.Grading, ReviewAt: pr.now.Add(ReviewPeriod), Version: 1,
		CreatedAt: pr.now, CreatedBy: pr.by, UpdatedAt: pr.now, UpdatedBy: pr.by}
	if lm.Classification != nil {
		m.Classification = *lm.Classification
	}
	if err := m.Validate(); err != nil {
		return Row{}, err
	}
	m.ID = pr.s.newID(idPrefix(pr.kind))
	return Row{Meta: m, Keys: keys, Body: body, Env: pr.envelope(lm, m)}, nil
}

// envelope returns the stored envelope of a line, shared when it is the
// default one.
func (pr *parser) envelope(lm *lineMeta, m record.Meta) []byte {
	if lm.Handling == "" && lm.Classification == nil && lm.Grading == (record.Grading{}) && lm.Restrictions.IsZero() {
		return pr.defEnv
	}
	return EncodeEnvelope(m)
}

// lineField maps person field names to the line format's.
func lineField(err error) error {
	f := errs.FieldOf(err)
	switch {
	case strings.HasPrefix(f, "names["):
		f = strings.TrimSuffix(f, ".full")
	case strings.HasPrefix(f, "birth_dates"):
		f = "birth_date"
	case strings.HasPrefix(f, "nationalities"):
		f = "nationality"
	default:
		return err
	}
	msg := errs.Message(err)
	return errs.Invalidf("property.Import", f, "%s", msg)
}

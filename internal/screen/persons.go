package screen

import (
	"context"
	"encoding/json"
	"hash/maphash"
	"maps"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/screen/names"
)

// people is the person index: the persons database's names in names.Index,
// keyed by record ID, with each entry's last change so that a sync skips
// rows it already holds. The changes are kept by a hash of the ID, a map
// without pointers that the garbage collector need not scan (a million
// string keys cost it a full scan at every cycle); two IDs sharing a hash
// and a change time to the nanosecond would only skip a re-index.
type people struct {
	ix      *names.Index
	mu      sync.Mutex
	seed    maphash.Seed
	updated map[uint64]int64
}

func newPeople() *people {
	return &people{ix: names.NewIndex(), seed: maphash.MakeSeed(), updated: map[uint64]int64{}}
}

// changed records that id last changed at u and reports whether that is
// news to the index.
func (p *people) changed(id string, u int64) bool {
	h := maphash.String(p.seed, id)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.updated[h] == u {
		return false
	}
	p.updated[h] = u
	return true
}

// add indexes (or re-indexes) one stored person.
func (p *people) add(r KeyRow) error {
	if !p.changed(r.ID, r.Updated.UnixNano()) {
		return nil
	}
	var ps person.Person
	if err := json.Unmarshal(r.Body, &ps); err != nil {
		return errs.E("screen.people", errs.Internal, "person "+r.ID, err)
	}
	ns := make([]string, 0, len(ps.Names))
	for _, n := range ps.Names {
		if n.Full != "" {
			ns = append(ns, n.Full)
		}
	}
	p.ix.Add(r.ID, ns, evidenceOf(ps))
	return nil
}

func (p *people) len() int { return p.ix.Len() }

// evidenceOf is a stored person's first birth date and nationality, and sex.
func evidenceOf(ps person.Person) names.Evidence {
	var ev names.Evidence
	if len(ps.BirthDates) > 0 {
		ev.BirthDate = string(ps.BirthDates[0])
	}
	if len(ps.Nationalities) > 0 {
		ev.Nationality = ps.Nationalities[0]
	}
	if ps.Sex != "" && ps.Sex != person.Unknown {
		ev.Sex = string(ps.Sex)
	}
	return ev
}

// normPerson validates and normalises a person query; field prefixes the
// field names (a manifest's "passengers[3].").
func normPerson(op, field string, q PersonQuery) (PersonQuery, error) {
	q.Name = strings.TrimSpace(q.Name)
	q.BirthDate = strings.TrimSpace(q.BirthDate)
	q.Nationality = strings.ToUpper(strings.TrimSpace(q.Nationality))
	q.Sex = strings.ToUpper(strings.TrimSpace(q.Sex))
	switch {
	case q.Name == "" || !utf8.ValidString(q.Name):
		return q, errs.Invalidf(op, field+"name", "give a name, in any script")
	case utf8.RuneCountInString(q.Name) > MaxText:
		return q, errs.Invalidf(op, field+"name", "a name is at most %d characters", MaxText)
	case q.Nationality != "" && !alpha2(q.Nationality):
		return q, errs.Invalidf(op, field+"nationality", "nationality must be an ISO 3166-1 alpha-2 code")
	case q.Sex != "" && q.Sex != "M" && q.Sex != "F" && q.Sex != "U":
		return q, errs.Invalidf(op, field+"sex", "sex must be M, F or U")
	case q.Limit < 0 || q.Limit > MaxPersonK:
		return q, errs.Invalidf(op, field+"limit", "limit must be 0 to %d", MaxPersonK)
	}
	if q.BirthDate != "" {
		if _, _, _, err := person.Date(q.BirthDate).Parts(); err != nil {
			return q, errs.Invalidf(op, field+"birth_date", "birth_date must be YYYY, YYYY-MM or YYYY-MM-DD")
		}
	}
	if q.Limit == 0 {
		q.Limit = 10
	}
	return q, nil
}

// searchWidth is how many index candidates are read for k shown: records
// the caller may not see are dropped after the search, so a few more than
// k are read (each is a row read from the store: at 1 M persons reading
// 2k+10 rows was a fifth of a screen's time).
func searchWidth(k int) int { return k + 5 }

// manifestLimit is a manifest passenger's default number of candidates:
// its hits and the best few below the threshold.
const manifestLimit = 3

// search returns the index's candidates for q.
func (s *Service) search(q PersonQuery) []names.Candidate {
	ev := names.Evidence{BirthDate: q.BirthDate, Nationality: q.Nationality}
	if q.Sex != "U" {
		ev.Sex = q.Sex
	}
	return s.people.ix.Search(names.Query{Name: q.Name, Evidence: ev}, searchWidth(q.Limit))
}

// persons turns the candidates of one query into matches: each candidate is
// read from the store (targets, by ID) and decided by the policy; one the
// caller may not see is dropped, and a silent hit when it reaches the
// threshold; the first q.Limit visible ones are returned, hits marked.
func (k *check) persons(q PersonQuery, cands []names.Candidate, targets map[string]target) []Match {
	var ms []Match
	for _, c := range cands {
		t, ok := targets[c.ID]
		if !ok {
			continue // deleted or no longer published since it was indexed
		}
		explain := make([]Reason, len(c.Explain))
		for i, e := range c.Explain {
			explain[i] = Reason(e)
		}
		score := rounded(c.Score)
		matched := map[string]any{"name": c.Name, "score": score, "explain": explain}
		if score >= names.DefaultThreshold {
			m, shown := k.match(t, score, q, matched, Match{Name: c.Name, Explain: explain})
			if shown && len(ms) < q.Limit {
				ms = append(ms, m)
			}
			continue
		}
		if len(ms) < q.Limit && record.Visible(k.p, policy.ActionSearch, t.res) {
			ms = append(ms, Match{Kind: t.kind, RecordID: t.meta.ID, Owner: t.meta.Owner, Ref: t.meta.Ref, Score: score,
				Name: c.Name, Explain: explain, Summary: t.body})
		}
	}
	return ms
}

// rounded is a candidate's score as shown and compared with the threshold.
func rounded(score float64) float64 { return float64(int(score*10000+0.5)) / 10000 }

// targetsFor reads the records that persons will need for the candidates
// of each query (limits[i] is query i's Limit): every candidate at or above
// the threshold, since each is a hit, and the first Limit ones; the others
// only for a query whose first ones p may not see or were deleted. A
// manifest passenger reads about three rows instead of eight: reading the
// rows of a large database file was a third of a manifest's time.
func (s *Service) targetsFor(ctx context.Context, op string, p identity.Principal, limits []int, cands [][]names.Candidate) (map[string]target, error) {
	heads := make([][]names.Candidate, len(cands))
	rest := make([][]names.Candidate, len(cands))
	for i, cs := range cands {
		for j, c := range cs {
			if j < limits[i] || rounded(c.Score) >= names.DefaultThreshold {
				heads[i] = append(heads[i], c)
			} else {
				rest[i] = append(rest[i], c)
			}
		}
	}
	out, err := s.rowsOf(ctx, op, heads...)
	if err != nil {
		return nil, err
	}
	var tails [][]names.Candidate
	for i, cs := range cands {
		if len(rest[i]) == 0 {
			continue
		}
		shown := 0
		for _, c := range cs[:min(limits[i], len(cs))] {
			if t, ok := out[c.ID]; ok && record.Visible(p, policy.ActionSearch, t.res) {
				shown++
			}
		}
		if shown < limits[i] {
			tails = append(tails, rest[i])
		}
	}
	if len(tails) == 0 {
		return out, nil
	}
	more, err := s.rowsOf(ctx, op, tails...)
	if err != nil {
		return nil, err
	}
	maps.Copy(out, more)
	return out, nil
}

// rowsOf reads the candidates' records by ID: persons of the persons
// database, and notices, which count only while published.
func (s *Service) rowsOf(ctx context.Context, op string, cands ...[]names.Candidate) (map[string]target, error) {
	seen := map[string]bool{}
	var ids []string
	out := map[string]target{}
	for _, cs := range cands {
		for _, c := range cs {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			if !isNoticeID(c.ID) {
				ids = append(ids, c.ID)
				continue
			}
			n, err := s.store.Notice(ctx, c.ID)
			if errs.Is(errs.NotFound, err) {
				continue
			}
			if err != nil {
				return nil, errs.E(op, err)
			}
			if n.Status != notice.Published || n.Person == nil {
				continue
			}
			body, _ := json.Marshal(noticeSummary{Type: string(n.Type), Person: n.Person, Offence: n.Offence})
			out[c.ID] = target{kind: policy.KindNotice, meta: n.Meta, res: n.Resource(), body: body}
		}
	}
	if len(ids) == 0 {
		return out, nil
	}
	rs, err := s.store.RecordsByID(ctx, KindPerson, ids)
	if err != nil {
		return nil, errs.E(op, err)
	}
	for _, r := range rs {
		out[r.Meta.ID] = rowTarget(KindPerson, r)
	}
	return out, nil
}

// noticeSummary is what a person check shows of a notice it matched.
type noticeSummary struct {
	Type    string         `json:"notice_type"`
	Person  *person.Person `json:"person"`
	Offence string         `json:"offence,omitempty"`
}

// isNoticeID reports whether an index entry is a notice (IDs "ntc_…").
func isNoticeID(id string) bool { return strings.HasPrefix(id, "ntc_") }

// addNotice indexes a published notice's person, or removes a notice that
// is not (or no longer) published.
func (p *people) addNotice(id string, body []byte, updated int64) error {
	if !p.changed(id, updated) {
		return nil
	}
	var n notice.Notice
	if err := json.Unmarshal(body, &n); err != nil {
		return errs.E("screen.people", errs.Internal, "notice "+id, err)
	}
	if n.Status != notice.Published || n.Person == nil {
		p.ix.Remove(id)
		return nil
	}
	ns := make([]string, 0, len(n.Person.Names))
	for _, nm := range n.Person.Names {
		if nm.Full != "" {
			ns = append(ns, nm.Full)
		}
	}
	p.ix.Add(id, ns, evidenceOf(*n.Person))
	return nil
}

// CheckPerson checks a person by a name in any script, with optional
// birth date, nationality and sex: the candidates best first, those at or
// above names.DefaultThreshold hits.
func (s *Service) CheckPerson(ctx context.Context, p identity.Principal, c Context, q PersonQuery) (Result, error) {
	const op = "screen.CheckPerson"
	q, err := normPerson(op, "", q)
	if err != nil {
		return Result{}, err
	}
	k, err := s.begin(ctx, op, p, c, KindPerson, q)
	if err != nil {
		return Result{}, err
	}
	ms, err := k.person(ctx, op, q)
	if err := k.end(ctx, op, 1, err); err != nil {
		return Result{}, err
	}
	return result(k.id, KindPerson, ms), nil
}

// person screens one normalised person query.
func (k *check) person(ctx context.Context, op string, q PersonQuery) ([]Match, error) {
	for _, kind := range []string{KindPerson, policy.KindNotice} {
		if err := k.s.fresh(ctx, kind); err != nil {
			return nil, err
		}
	}
	cands := k.s.search(q)
	rows, err := k.s.targetsFor(ctx, op, k.p, []int{q.Limit}, [][]names.Candidate{cands})
	if err != nil {
		return nil, err
	}
	return k.persons(q, cands, rows), nil
}

// CheckManifest checks a passenger manifest of up to MaxManifest people
// and their documents as one audited check: names are searched in
// parallel, the candidates' records read in one go, the hits stored in the
// transaction of the check's audit entry. A bad passenger fails the whole manifest with an error
// naming it (passengers[i].name) before anything is checked.
func (s *Service) CheckManifest(ctx context.Context, p identity.Principal, c Context, ps []Passenger) (ManifestResult, error) {
	const op = "screen.CheckManifest"
	if len(ps) == 0 || len(ps) > MaxManifest {
		return ManifestResult{}, errs.Invalidf(op, "passengers", "a manifest has 1 to %d passengers", MaxManifest)
	}
	for i := range ps {
		f := "passengers[" + itoa(i) + "]."
		if ps[i].Limit == 0 {
			ps[i].Limit = manifestLimit
		}
		q, err := normPerson(op, f, ps[i].PersonQuery)
		if err != nil {
			return ManifestResult{}, err
		}
		ps[i].PersonQuery = q
		if d := ps[i].Document; d != nil {
			nd, err := normDocument(op, f+"document.", *d)
			if err != nil {
				return ManifestResult{}, err
			}
			nd.MRZ = ""
			ps[i].Document = &nd
		}
	}
	k, err := s.begin(ctx, op, p, c, KindPerson, map[string]int{"passengers": len(ps)})
	if err != nil {
		return ManifestResult{}, err
	}
	out, err := k.manifest(ctx, op, ps)
	if err := k.end(ctx, op, len(ps), err); err != nil {
		return ManifestResult{}, err
	}
	if n := countDocs(ps); n > 0 {
		s.count(p.User.Country, KindDocument, n)
	}
	return out, nil
}

// manifest screens the normalised passengers of a manifest: names in
// parallel, the candidates' records read in one go.
func (k *check) manifest(ctx context.Context, op string, ps []Passenger) (ManifestResult, error) {
	s := k.s
	for _, kind := range []string{KindPerson, policy.KindNotice, KindDocument} {
		if err := s.fresh(ctx, kind); err != nil {
			return ManifestResult{}, err
		}
	}
	cands := make([][]names.Candidate, len(ps))
	var next sync.WaitGroup
	work := make(chan int)
	for range max(1, runtime.GOMAXPROCS(0)) {
		next.Add(1)
		go func() {
			defer next.Done()
			for i := range work {
				cands[i] = s.search(ps[i].PersonQuery)
			}
		}()
	}
	for i := range ps {
		work <- i
	}
	close(work)
	next.Wait()
	limits := make([]int, len(ps))
	for i := range ps {
		limits[i] = ps[i].Limit
	}
	rows, err := s.targetsFor(ctx, op, k.p, limits, cands)
	if err != nil {
		return ManifestResult{}, err
	}
	out := ManifestResult{CheckID: k.id, Checked: len(ps), Passengers: make([]PassengerResult, len(ps))}
	doc := &check{s: s, p: k.p, c: k.c, id: k.id, kind: KindDocument, at: k.at}
	var docs []DocumentQuery
	for _, pa := range ps {
		if pa.Document != nil {
			docs = append(docs, *pa.Document)
		}
	}
	docMatches, err := doc.documents(ctx, op, docs)
	if err != nil {
		return ManifestResult{}, err
	}
	for i, pa := range ps {
		pr := PassengerResult{Index: i, Outcome: NoHit, Person: k.persons(pa.PersonQuery, cands[i], rows)}
		if pr.Person == nil {
			pr.Person = []Match{}
		}
		if pa.Document != nil {
			pr.Document, docMatches = docMatches[0], docMatches[1:]
		}
		for _, m := range append(pr.Person, pr.Document...) {
			if m.Match {
				pr.Outcome = Hit
			}
		}
		if pr.Outcome == Hit {
			out.Hits++
		}
		out.Passengers[i] = pr
	}
	k.hits = append(k.hits, doc.hits...)
	return out, nil
}

func countDocs(ps []Passenger) int {
	n := 0
	for _, p := range ps {
		if p.Document != nil {
			n++
		}
	}
	return n
}

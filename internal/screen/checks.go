package screen

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
)

// check is one check in progress: who, why, its audit entry, and the hits
// it raises.
type check struct {
	s     *Service
	p     identity.Principal
	c     Context
	id    string
	kind  string
	at    time.Time
	entry audit.Entry // KIND.check, appended by end
	hits  []HitRecord
}

// begin validates the context and decides the check with the policy: a
// refusal is audited at once; an allowed check's audit entry (KIND.check,
// with its purpose and query) is written by end, with its hits.
func (s *Service) begin(ctx context.Context, op string, p identity.Principal, c Context, kind string, query any) (*check, error) {
	c.Purpose = strings.TrimSpace(c.Purpose)
	c.Location = strings.TrimSpace(c.Location)
	switch c.Priority {
	case "":
		c.Priority = Routine
		if p.User.HasRole(identity.BorderSystem) {
			c.Priority = Urgent
		}
	case Urgent, Routine:
	default:
		return nil, errs.Invalidf(op, "priority", "priority must be urgent or routine")
	}
	if len(c.Purpose) > 300 {
		return nil, errs.Invalidf(op, "purpose", "purpose must be at most 300 characters")
	}
	if len(c.Location) > 200 {
		return nil, errs.Invalidf(op, "location", "location must be at most 200 characters")
	}
	now := s.now()
	k := &check{s: s, p: p, c: c, id: newID("chk_", now), kind: kind, at: now}
	detail, err := json.Marshal(struct {
		Check    string `json:"check"`
		Priority string `json:"priority"`
		Location string `json:"location,omitempty"`
		Query    any    `json:"query"`
	}{k.id, c.Priority, c.Location, query})
	if err != nil {
		return nil, errs.E(op, errs.Internal, err)
	}
	d := string(detail)
	if len(d) > 4000 {
		d = d[:4000]
	}
	k.entry, err = record.Decide(ctx, s.audit, p, record.Access{Op: op, Action: policy.ActionSearch, Audit: kind + ".check",
		Resource: policy.Resource{Kind: kind}, Target: kind + ":*", Purpose: c.Purpose, Detail: d})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// target is a record a check matched: its kind, envelope, policy resource
// and content.
type target struct {
	kind string
	meta record.Meta
	res  policy.Resource
	body json.RawMessage
}

// rowTarget is the target of a property row of kind.
func rowTarget(kind string, r property.Row) target {
	return target{kind: kind, meta: r.Meta, res: r.Meta.Resource(kind), body: r.Body}
}

// match turns a record that the check matched into a hit: shown (a Match)
// when p may see the record, silent otherwise.
func (k *check) match(t target, score float64, query, matched any, m Match) (Match, bool) {
	visible := record.Visible(k.p, policy.ActionSearch, t.res)
	q, _ := json.Marshal(query)
	var mj []byte
	if matched != nil {
		mj, _ = json.Marshal(matched)
	}
	h := HitRecord{ID: newID("hit_", k.at), CheckID: k.id, Kind: t.kind, RecordID: t.meta.ID, Owner: t.meta.Owner,
		OwnerOrg: t.meta.OwnerOrg, Ref: t.meta.Ref, Searcher: k.p.User.ID, SearcherOrg: k.p.User.Org,
		SearcherCountry: k.p.User.Country, Purpose: k.c.Purpose, Location: k.c.Location, Priority: k.c.Priority,
		Query: q, Matched: mj, Score: score, Status: StatusPending, CheckedAt: k.at}
	if visible {
		h.Deadline = k.at.Add(k.s.deadline(k.c.Priority))
	} else {
		h.Status = StatusSilent
	}
	k.hits = append(k.hits, h)
	if !visible {
		return Match{}, false
	}
	m.Kind, m.RecordID, m.Owner, m.Ref, m.Score, m.Match = t.kind, t.meta.ID, t.meta.Owner, t.meta.Ref, score, true
	m.HitID, m.Status, m.Deadline = h.ID, h.Status, h.Deadline
	if m.Summary == nil {
		m.Summary = t.body
	}
	return m, true
}

func (s *Service) deadline(priority string) time.Duration {
	if priority == Urgent {
		return s.cfg.UrgentDeadline
	}
	return s.cfg.RoutineDeadline
}

// end writes the check's audit entry and, when the check did not fail,
// its hits and their notifications in the same transaction, and counts
// the n queries checked. It returns failed, or the audit log's error: a
// check answers only once it is recorded.
func (k *check) end(ctx context.Context, op string, n int, failed error) error {
	var err error
	if failed != nil || len(k.hits) == 0 {
		_, err = k.s.audit.Append(ctx, k.entry)
	} else {
		_, err = k.s.audit.AppendWith(ctx, k.entry, HitWrite{Hits: k.hits, Events: hitEvents(k.hits)})
	}
	if failed != nil {
		return failed
	}
	if err != nil {
		return errs.E(op, err)
	}
	k.s.count(k.p.User.Country, k.kind, n)
	return nil
}

func result(id, kind string, ms []Match) Result {
	r := Result{CheckID: id, Kind: kind, Outcome: NoHit, Matches: ms}
	if r.Matches == nil {
		r.Matches = []Match{}
	}
	for _, m := range ms {
		if m.Match {
			r.Outcome = Hit
		}
	}
	return r
}

// normDocument validates and normalises a document query; from the MRZ
// when one is given.
func normDocument(op, field string, q DocumentQuery) (DocumentQuery, error) {
	if strings.TrimSpace(q.MRZ) != "" {
		cc, number, err := fromMRZ(op, field, q.MRZ)
		if err != nil {
			return q, err
		}
		q.IssuingCountry, q.Number = cc, number
		return q, nil
	}
	q.Number = property.NormalizeNumber(q.Number)
	q.IssuingCountry = strings.ToUpper(strings.TrimSpace(q.IssuingCountry))
	if q.Number == "" || len(q.Number) > 40 || !alnum(q.Number) {
		return q, errs.Invalidf(op, field+"number", "a document number is 1 to 40 letters A-Z and digits (or give mrz)")
	}
	if q.IssuingCountry != "" && !alpha2(q.IssuingCountry) {
		return q, errs.Invalidf(op, field+"issuing_country", "issuing_country must be an ISO 3166-1 alpha-2 code")
	}
	return q, nil
}

// CheckDocument checks one travel document.
func (s *Service) CheckDocument(ctx context.Context, p identity.Principal, c Context, q DocumentQuery) (Result, error) {
	const op = "screen.CheckDocument"
	q, err := normDocument(op, "", q)
	if err != nil {
		return Result{}, err
	}
	q.MRZ = ""
	k, err := s.begin(ctx, op, p, c, KindDocument, q)
	if err != nil {
		return Result{}, err
	}
	mss, err := k.documents(ctx, op, []DocumentQuery{q})
	if err := k.end(ctx, op, 1, err); err != nil {
		return Result{}, err
	}
	return result(k.id, KindDocument, mss[0]), nil
}

// documents looks normalised documents up: the fingerprints say which may
// be stored, and the rows of those are read in one query per 500 numbers.
// On SQLite a read transaction begins by dropping the connection's page
// cache when anything was committed since, which is nearly always: one
// query per hit was a third of a batch's time.
func (k *check) documents(ctx context.Context, op string, qs []DocumentQuery) ([][]Match, error) {
	if err := k.s.fresh(ctx, KindDocument); err != nil {
		return nil, err
	}
	var maybe []string
	asked := map[string]bool{}
	for _, q := range qs {
		if !asked[q.Number] && k.s.docs.Contains("d|"+q.Number) {
			asked[q.Number] = true
			maybe = append(maybe, q.Number)
		}
	}
	out := make([][]Match, len(qs))
	if len(maybe) == 0 {
		return out, nil
	}
	rows, err := k.s.store.RecordsByK1(ctx, KindDocument, maybe)
	if err != nil {
		return nil, errs.E(op, err)
	}
	slices.SortFunc(rows, func(a, b property.Row) int { return strings.Compare(a.Meta.ID, b.Meta.ID) })
	byNumber := map[string][]property.Row{}
	for _, r := range rows {
		byNumber[r.Keys.K1] = append(byNumber[r.Keys.K1], r)
	}
	for i, q := range qs {
		for _, r := range byNumber[q.Number] {
			if q.IssuingCountry != "" && r.Keys.K2 != q.IssuingCountry {
				continue
			}
			if m, ok := k.match(rowTarget(KindDocument, r), 1, q, map[string]string{"number": q.Number, "issuing_country": r.Keys.K2}, Match{}); ok {
				out[i] = append(out[i], m)
			}
		}
	}
	return out, nil
}

// BatchItem is the answer for one document of a batch.
type BatchItem struct {
	Index   int     `json:"index" doc:"position in the request, from 0"`
	Outcome string  `json:"outcome" enum:"hit,no-hit"`
	Matches []Match `json:"matches,omitempty"`
}

// BatchResult is the answer to a batch of document checks: the hits only;
// every document not listed is a no-hit.
type BatchResult struct {
	CheckID string      `json:"check_id"`
	Checked int         `json:"checked"`
	Hits    []BatchItem `json:"hits" doc:"the documents that hit, in request order"`
}

// EntryField splits the field of a refusal about one entry of a batch or
// manifest, as the checks name it (documents[3].number,
// passengers[0].document.issuing_country), into the entry's index and the
// field within it; ok is false for any other field.
func EntryField(field string) (i int, rest string, ok bool) {
	for _, p := range []string{"documents[", "passengers["} {
		after, found := strings.CutPrefix(field, p)
		if !found {
			continue
		}
		idx, tail, found := strings.Cut(after, "].")
		n, err := strconv.Atoi(idx)
		return n, tail, found && err == nil && n >= 0 && tail != ""
	}
	return 0, "", false
}

// CheckDocuments checks a batch of up to MaxBatch documents as one audited
// check. A bad document fails the whole batch with an error naming it
// (documents[i].number), before anything is checked.
func (s *Service) CheckDocuments(ctx context.Context, p identity.Principal, c Context, qs []DocumentQuery) (BatchResult, error) {
	const op = "screen.CheckDocuments"
	if len(qs) == 0 || len(qs) > MaxBatch {
		return BatchResult{}, errs.Invalidf(op, "documents", "a batch has 1 to %d documents", MaxBatch)
	}
	for i := range qs {
		q, err := normDocument(op, "", qs[i])
		if err != nil {
			// Again, to name the field: building the name for every
			// document of a batch showed in its allocations.
			_, err = normDocument(op, "documents["+itoa(i)+"].", qs[i])
			return BatchResult{}, err
		}
		qs[i] = q
	}
	k, err := s.begin(ctx, op, p, c, KindDocument, map[string]int{"documents": len(qs)})
	if err != nil {
		return BatchResult{}, err
	}
	out := BatchResult{CheckID: k.id, Checked: len(qs), Hits: []BatchItem{}}
	mss, err := k.documents(ctx, op, qs)
	for i, ms := range mss {
		if len(ms) > 0 {
			out.Hits = append(out.Hits, BatchItem{Index: i, Outcome: Hit, Matches: ms})
		}
	}
	if err := k.end(ctx, op, len(qs), err); err != nil {
		return BatchResult{}, err
	}
	return out, nil
}

// CheckVehicle checks a vehicle by VIN or plate.
func (s *Service) CheckVehicle(ctx context.Context, p identity.Principal, c Context, q VehicleQuery) (Result, error) {
	const op = "screen.CheckVehicle"
	q.VIN = property.NormalizeNumber(q.VIN)
	q.Plate = property.PlateKey(q.Plate)
	q.PlateCountry = strings.ToUpper(strings.TrimSpace(q.PlateCountry))
	switch {
	case q.VIN == "" && q.Plate == "":
		return Result{}, errs.Invalidf(op, "vin", "give a vin or a plate")
	case q.VIN != "" && (len(q.VIN) > 17 || !alnum(q.VIN)):
		return Result{}, errs.Invalidf(op, "vin", "a VIN is at most 17 letters and digits")
	case q.Plate != "" && (len(q.Plate) > 20 || !alnum(q.Plate)):
		return Result{}, errs.Invalidf(op, "plate", "a plate is at most 20 letters and digits (spaces, dashes and dots are ignored)")
	case q.PlateCountry != "" && !alpha2(q.PlateCountry):
		return Result{}, errs.Invalidf(op, "plate_country", "plate_country must be an ISO 3166-1 alpha-2 code")
	}
	k, err := s.begin(ctx, op, p, c, KindVehicle, q)
	if err != nil {
		return Result{}, err
	}
	ms, err := k.vehicle(ctx, op, q)
	if err := k.end(ctx, op, 1, err); err != nil {
		return Result{}, err
	}
	return result(k.id, KindVehicle, ms), nil
}

// vehicle looks a normalised vehicle query up, by VIN and by plate.
func (k *check) vehicle(ctx context.Context, op string, q VehicleQuery) ([]Match, error) {
	if err := k.s.fresh(ctx, KindVehicle); err != nil {
		return nil, err
	}
	var rows []property.Row
	seen := map[string]bool{}
	look := func(key string, f property.Filter) error {
		if !k.s.vehicles.Contains(key) {
			return nil
		}
		f.Limit = 1000
		rs, err := k.s.store.Records(ctx, KindVehicle, f)
		if err != nil {
			return errs.E(op, err)
		}
		for _, r := range rs {
			if !seen[r.Meta.ID] {
				seen[r.Meta.ID] = true
				rows = append(rows, r)
			}
		}
		return nil
	}
	if q.VIN != "" {
		if err := look("v|"+q.VIN, property.Filter{K1: q.VIN}); err != nil {
			return nil, err
		}
	}
	if q.Plate != "" {
		if err := look("p|"+q.Plate, property.Filter{K2: q.Plate}); err != nil {
			return nil, err
		}
	}
	var ms []Match
	for _, r := range rows {
		vinMatch := q.VIN != "" && r.Keys.K1 == q.VIN
		plateMatch := q.Plate != "" && r.Keys.K2 == q.Plate && (q.PlateCountry == "" || r.Keys.K3 == q.PlateCountry)
		if !vinMatch && !plateMatch {
			continue
		}
		matched := map[string]string{}
		if vinMatch {
			matched["vin"] = r.Keys.K1
		}
		if plateMatch {
			matched["plate"], matched["plate_country"] = r.Keys.K2, r.Keys.K3
		}
		if m, ok := k.match(rowTarget(k.kind, r), 1, q, matched, Match{}); ok {
			ms = append(ms, m)
		}
	}
	return ms, nil
}

// CheckArtwork checks a work of art by free text: every word of it must
// be found in the stored work's folded text (title, artist, period,
// materials, description), in any order, from three letters also as the
// beginning of a word (artIndex). At most maxArtworkMatches works match.
func (s *Service) CheckArtwork(ctx context.Context, p identity.Principal, c Context, q ArtworkQuery) (Result, error) {
	const op = "screen.CheckArtwork"
	text := property.Fold(q.Text)
	if len([]rune(strings.TrimSpace(q.Text))) > MaxText {
		return Result{}, errs.Invalidf(op, "text", "text must be at most %d characters", MaxText)
	}
	if len(strings.TrimSpace(text)) < 3 {
		return Result{}, errs.Invalidf(op, "text", "give at least three letters or digits to look for")
	}
	k, err := s.begin(ctx, op, p, c, KindArtwork, q)
	if err != nil {
		return Result{}, err
	}
	var ms []Match
	if err = s.fresh(ctx, KindArtwork); err == nil {
		ms, err = k.artworks(ctx, q, text)
	}
	if err != nil {
		err = errs.E(op, err)
	}
	if err := k.end(ctx, op, 1, err); err != nil {
		return Result{}, err
	}
	return result(k.id, KindArtwork, ms), nil
}

// maxArtworkMatches bounds the works of art one check matches (and so the
// hits it raises).
const maxArtworkMatches = 50

// artworks reads the works the index finds for text, oldest first, and
// matches those whose current text still matches, up to
// maxArtworkMatches.
func (k *check) artworks(ctx context.Context, q ArtworkQuery, text string) ([]Match, error) {
	ids := k.s.arts.search(text)
	slices.Sort(ids) // record IDs begin with their time
	var ms []Match
	matched := 0
	for len(ids) > 0 && matched < maxArtworkMatches {
		n := min(len(ids), 2*maxArtworkMatches)
		rows, err := k.s.store.RecordsByID(ctx, KindArtwork, ids[:n])
		if err != nil {
			return nil, err
		}
		ids = ids[n:]
		slices.SortFunc(rows, func(a, b property.Row) int { return strings.Compare(a.Meta.ID, b.Meta.ID) })
		for _, r := range rows {
			if matched == maxArtworkMatches || !matchesText(text, r.Keys.K1) {
				continue
			}
			matched++
			if m, ok := k.match(rowTarget(k.kind, r), 1, q, map[string]string{"text": text}, Match{}); ok {
				ms = append(ms, m)
			}
		}
	}
	return ms, nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func alpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func itoa(i int) string { return strconv.Itoa(i) }

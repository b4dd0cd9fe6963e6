package property

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
)

// Default periods of the retention rules.
const (
	ReviewPeriod   = 5 * 365 * 24 * time.Hour // initial period at most five years
	ReminderPeriod = 183 * 24 * time.Hour     // owners are reminded six months before
)

// Record is one record of content T (TravelDocument, Vehicle, Artwork or
// person.Person) in its envelope.
type Record[T any] struct {
	record.Meta
	Data T `json:"data"`
}

// Service manages the property databases: one Table per record type, bulk
// imports and retention.
type Service struct {
	store Store
	audit record.Auditor
	now   func() time.Time
	ids   atomic.Uint64

	randMu  sync.Mutex
	randBuf [4096]byte
	randOff int

	// BatchRows is how many rows an import commits per transaction.
	BatchRows int
	// StaleAfter is how long a running import may go without a stored
	// update before it is taken for interrupted, unless it runs in this
	// process (DefaultStaleAfter; at least a few HeartbeatEvery).
	StaleAfter time.Duration

	runMu   sync.Mutex
	running map[string]bool // imports running in this process

	// Changed, when set before use, is called after records of a kind were
	// created, changed or deleted in this process (the clearinghouse's
	// indexes read them at once). It must not block.
	Changed func(kind string)

	Documents *Table[TravelDocument]
	Vehicles  *Table[Vehicle]
	Artworks  *Table[Artwork]
	Persons   *Table[person.Person]

	jobs sync.WaitGroup
}

// New returns a Service over store that audits to log.
func New(store Store, log record.Auditor) *Service {
	s := &Service{store: store, audit: log, now: func() time.Time { return time.Now().UTC() }, BatchRows: DefaultBatchRows, randOff: 4096,
		StaleAfter: DefaultStaleAfter, running: map[string]bool{}}
	s.Documents = &Table[TravelDocument]{s: s, kind: KindDocument, spec: spec[TravelDocument]{
		normalize: (*TravelDocument).Normalize, validate: (*TravelDocument).Validate, keys: (*TravelDocument).Keys}}
	s.Vehicles = &Table[Vehicle]{s: s, kind: KindVehicle, spec: spec[Vehicle]{
		normalize: (*Vehicle).Normalize, validate: (*Vehicle).Validate, keys: (*Vehicle).Keys}}
	s.Artworks = &Table[Artwork]{s: s, kind: KindArtwork, spec: spec[Artwork]{
		normalize: (*Artwork).Normalize, validate: (*Artwork).Validate, keys: (*Artwork).Keys}}
	s.Persons = &Table[person.Person]{s: s, kind: KindPerson, spec: spec[person.Person]{
		normalize: (*person.Person).Normalize, validate: func(p *person.Person, _ string) error { return p.Validate() }, keys: personKeys}}
	return s
}

// changed calls Changed, when set.
func (s *Service) changed(kind string) {
	if s.Changed != nil {
		s.Changed(kind)
	}
}

// SetClock replaces the service's clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Wait waits for the background imports started by StartImport.
func (s *Service) Wait() { s.jobs.Wait() }

// newID returns a new record ID with prefix: time-ordered (so that inserts
// append to the index: microseconds and a counter) and random (6 bytes
// from crypto/rand, read 4 KiB at a time: imports make many IDs).
func (s *Service) newID(prefix string) string {
	var b [6]byte
	s.randMu.Lock()
	if s.randOff+len(b) > len(s.randBuf) {
		_, _ = rand.Read(s.randBuf[:])
		s.randOff = 0
	}
	copy(b[:], s.randBuf[s.randOff:])
	s.randOff += len(b)
	s.randMu.Unlock()
	n := s.ids.Add(1)
	buf := make([]byte, 0, len(prefix)+1+13+3+12)
	buf = append(buf, prefix...)
	buf = append(buf, '_')
	buf = appendHex(buf, uint64(time.Now().UnixNano()/1000), 13)
	buf = appendHex(buf, n&0xfff, 3)
	buf = hex.AppendEncode(buf, b[:])
	return string(buf)
}

// appendHex appends the width lowest hex digits of v.
func appendHex(b []byte, v uint64, width int) []byte {
	const digits = "0123456789abcdef"
	for i := width - 1; i >= 0; i-- {
		b = append(b, digits[(v>>(4*uint(i)))&0xf])
	}
	return b
}

// idPrefix returns the ID prefix of kind.
func idPrefix(kind string) string {
	switch kind {
	case KindDocument:
		return "doc"
	case KindVehicle:
		return "veh"
	case KindArtwork:
		return "art"
	case KindPerson:
		return "per"
	}
	return "rec"
}

// spec is what differs between record types.
type spec[T any] struct {
	normalize func(*T)
	validate  func(v *T, owner string) error
	keys      func(*T) Keys
}

// Table is the service of one record type.
type Table[T any] struct {
	s    *Service
	kind string
	spec spec[T]
}

// Kind returns the table's record kind.
func (t *Table[T]) Kind() string { return t.kind }

func (t *Table[T]) target(id string) string { return t.kind + ":" + id }

// checkReview validates a review date chosen by the owner: in the future and
// within the initial period.
func (t *Table[T]) checkReview(op string, at, now time.Time) error {
	if !at.After(now) || at.After(now.Add(ReviewPeriod+24*time.Hour)) {
		return errs.Invalidf(op, "review_at", "the review date must be in the future and at most five years away")
	}
	return nil
}

// Create adds a record owned by p's country; the envelope's ID, owner,
// version and times are set here. It returns an errs.Invalid error naming
// the field at fault, the policy's refusal, or an errs.Conflict error
// naming "ref" (or the unique key) when taken.
func (t *Table[T]) Create(ctx context.Context, p identity.Principal, in Record[T]) (Record[T], error) {
	op := "property." + t.kind + ".Create"
	now := t.s.now()
	m := in.Meta
	m.ID = t.s.newID(idPrefix(t.kind))
	m.Owner, m.OwnerOrg = p.User.Country, p.User.Org
	m.Version, m.CreatedAt, m.CreatedBy, m.UpdatedAt, m.UpdatedBy = 1, now, p.User.ID, now, p.User.ID
	if m.Ref == "" {
		m.Ref = m.ID
	}
	if m.ReviewAt.IsZero() {
		m.ReviewAt = now.Add(ReviewPeriod)
	} else if err := t.checkReview(op, m.ReviewAt, now); err != nil {
		return Record[T]{}, err
	}
	m.ReviewAt = m.ReviewAt.UTC()
	data := in.Data
	t.spec.normalize(&data)
	if err := m.Validate(); err != nil {
		return Record[T]{}, err
	}
	if err := t.spec.validate(&data, m.Owner); err != nil {
		return Record[T]{}, err
	}
	if err := record.Authorize(ctx, t.s.audit, p, record.Access{Op: op, Action: policy.ActionCreate, Audit: t.kind + ".create",
		Resource: m.Resource(t.kind), Target: t.target(m.ID)}); err != nil {
		return Record[T]{}, err
	}
	body, err := json.Marshal(data)
	if err != nil {
		return Record[T]{}, errs.E(op, errs.Internal, err)
	}
	if err := t.s.store.InsertRecord(ctx, t.kind, Row{Meta: m, Keys: t.spec.keys(&data), Body: body}); err != nil {
		return Record[T]{}, errs.E(op, err)
	}
	t.s.changed(t.kind)
	return Record[T]{Meta: m, Data: data}, nil
}

// decode turns a row into a record.
func (t *Table[T]) decode(op string, r Row) (Record[T], error) {
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		return Record[T]{}, errs.E(op, errs.Internal, fmt.Errorf("record %s: %w", r.Meta.ID, err))
	}
	return Record[T]{Meta: r.Meta, Data: v}, nil
}

// load reads a record and authorises action on it (audited as verb).
func (t *Table[T]) load(ctx context.Context, op string, p identity.Principal, id string, action policy.Action, verb, purpose string) (Row, error) {
	r, err := t.s.store.Record(ctx, t.kind, id)
	if err != nil {
		return Row{}, errs.E(op, err)
	}
	if err := record.Authorize(ctx, t.s.audit, p, record.Access{Op: op, Action: action, Audit: t.kind + "." + verb,
		Resource: r.Meta.Resource(t.kind), Target: t.target(id), Purpose: purpose}); err != nil {
		return Row{}, err
	}
	return r, nil
}

// Get returns one record. It returns errs.NotFound for an unknown ID and
// the policy's refusal (errs.Private, shown as not found, when p may not
// know it exists).
func (t *Table[T]) Get(ctx context.Context, p identity.Principal, id string) (Record[T], error) {
	op := "property." + t.kind + ".Get"
	r, err := t.load(ctx, op, p, id, policy.ActionRead, "read", "")
	if err != nil {
		return Record[T]{}, err
	}
	return t.decode(op, r)
}

// Update replaces the content and the owner-controlled envelope fields
// (ref, restrictions, handling, classification, grading, review date) of a
// record: the owner only. When in.Version is not 0 it must be the stored
// version (errs.Conflict otherwise). Nothing changes, and no version is
// used, when the new record equals the stored one.
func (t *Table[T]) Update(ctx context.Context, p identity.Principal, id string, in Record[T]) (Record[T], error) {
	op := "property." + t.kind + ".Update"
	r, err := t.load(ctx, op, p, id, policy.ActionUpdate, "update", "")
	if err != nil {
		return Record[T]{}, err
	}
	if in.Version != 0 && in.Version != r.Meta.Version {
		return Record[T]{}, errs.E(op, errs.Conflict, fmt.Sprintf("the record changed meanwhile: version %d, not %d", r.Meta.Version, in.Version), "version")
	}
	now := t.s.now()
	m := r.Meta
	if in.Ref != "" {
		m.Ref = in.Ref
	}
	m.Restrictions, m.Handling, m.Classification, m.Grading = in.Restrictions, in.Handling, in.Classification, in.Grading
	if !in.ReviewAt.IsZero() && !in.ReviewAt.Equal(m.ReviewAt) {
		if err := t.checkReview(op, in.ReviewAt, now); err != nil {
			return Record[T]{}, err
		}
		m.ReviewAt = in.ReviewAt.UTC()
	}
	data := in.Data
	t.spec.normalize(&data)
	if err := m.Validate(); err != nil {
		return Record[T]{}, err
	}
	if err := t.spec.validate(&data, m.Owner); err != nil {
		return Record[T]{}, err
	}
	body, err := json.Marshal(data)
	if err != nil {
		return Record[T]{}, errs.E(op, errs.Internal, err)
	}
	if string(body) == string(r.Body) && sameEnvelope(m, r.Meta) {
		return t.decode(op, r)
	}
	m.Version, m.UpdatedAt, m.UpdatedBy = r.Meta.Version+1, now, p.User.ID
	c := record.Change{Version: m.Version, At: now, By: p.User.ID, Action: "updated"}
	if err := t.s.store.UpdateRecord(ctx, t.kind, Row{Meta: m, Keys: t.spec.keys(&data), Body: body}, r.Meta.Version, c); err != nil {
		return Record[T]{}, errs.E(op, err)
	}
	t.s.changed(t.kind)
	return Record[T]{Meta: m, Data: data}, nil
}

func sameEnvelope(a, b record.Meta) bool {
	ja, _ := json.Marshal(envelopeOf(a))
	jb, _ := json.Marshal(envelopeOf(b))
	return string(ja) == string(jb) && a.Ref == b.Ref && a.ReviewAt.Equal(b.ReviewAt)
}

// Delete removes a record: the owner only. Its history keeps a "deleted"
// entry.
func (t *Table[T]) Delete(ctx context.Context, p identity.Principal, id string) error {
	op := "property." + t.kind + ".Delete"
	r, err := t.load(ctx, op, p, id, policy.ActionDelete, "delete", "")
	if err != nil {
		return err
	}
	c := record.Change{Version: r.Meta.Version + 1, At: t.s.now(), By: p.User.ID, Action: "deleted"}
	if err := t.s.store.DeleteRecord(ctx, t.kind, id, c); err != nil {
		return errs.E(op, err)
	}
	t.s.changed(t.kind)
	return nil
}

// History returns the changes of a record, oldest first, to whoever may
// read it (audited as KIND.history).
func (t *Table[T]) History(ctx context.Context, p identity.Principal, id string) ([]record.Change, error) {
	op := "property." + t.kind + ".History"
	if _, err := t.load(ctx, op, p, id, policy.ActionRead, "history", ""); err != nil {
		return nil, err
	}
	hs, err := t.s.store.History(ctx, t.kind, id)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return hs, nil
}

// Query selects records for List and Export.
type Query struct {
	Owner   string // only this owner's records
	Number  string // documents: the number (normalised); vehicles: the VIN
	Country string // documents: the issuing country
	Plate   string // vehicles: the plate
	Text    string // artworks: free text; persons: a name
	After   string // the Next of the previous page
	Limit   int    // at most this many (default 50, at most 1000)
}

// normalize upper-cases the country codes of q.
func (q *Query) normalize() {
	q.Owner, q.Country = strings.ToUpper(strings.TrimSpace(q.Owner)), strings.ToUpper(strings.TrimSpace(q.Country))
}

// search reports whether q searches (rather than lists).
func (q Query) search() bool { return q.Number != "" || q.Plate != "" || q.Text != "" }

func (q Query) filter() Filter {
	f := Filter{Owner: q.Owner, After: q.After, K1: NormalizeNumber(q.Number), K2: q.Country}
	if q.Plate != "" {
		f.K2 = PlateKey(q.Plate)
	}
	if q.Text != "" {
		f.Text = Fold(q.Text)
	}
	return f
}

// Validate returns an errs.Invalid error naming the query field at fault.
func (q Query) Validate(kind string) error {
	const op = "property.Query.Validate"
	if q.Owner != "" && !alpha2(q.Owner) {
		return errs.Invalidf(op, "owner", "owner must be an ISO 3166-1 alpha-2 code")
	}
	if q.Limit < 0 || q.Limit > 1000 {
		return errs.Invalidf(op, "limit", "limit is 1 to 1000")
	}
	if len(q.Number) > 40 || len(q.Plate) > 20 || len(q.Text) > 200 || len(q.After) > 64 {
		return errs.Invalidf(op, "q", "the search terms are too long")
	}
	if q.Country != "" && !alpha2(q.Country) {
		return errs.Invalidf(op, "country", "country must be an ISO 3166-1 alpha-2 code")
	}
	if q.Text != "" && Fold(q.Text) == "" {
		return errs.Invalidf(op, "q", "the search text holds no letters or digits")
	}
	switch kind {
	case KindDocument:
		if q.Plate != "" || q.Text != "" {
			return errs.Invalidf(op, "q", "documents are searched by number (and issuing country)")
		}
	case KindVehicle:
		if q.Text != "" || q.Country != "" {
			return errs.Invalidf(op, "q", "vehicles are searched by VIN or plate")
		}
	default:
		if q.Number != "" || q.Plate != "" || q.Country != "" {
			return errs.Invalidf(op, "q", "%ss are searched by text", kind)
		}
	}
	return nil
}

// List returns a page of the records matching q that p may see, and the
// After of the next page ("" at the end). A search (number, plate or text)
// needs a purpose and is audited as KIND.search; a plain list as
// KIND.list. Rows p may not see are left out without a trace.
func (t *Table[T]) List(ctx context.Context, p identity.Principal, q Query, purpose string) ([]Record[T], string, error) {
	op := "property." + t.kind + ".List"
	q.normalize()
	if err := q.Validate(t.kind); err != nil {
		return nil, "", err
	}
	action, verb := policy.ActionRead, "list"
	if q.search() {
		action, verb = policy.ActionSearch, "search"
	}
	detail, _ := json.Marshal(q)
	if err := record.Authorize(ctx, t.s.audit, p, record.Access{Op: op, Action: action, Audit: t.kind + "." + verb,
		Resource: policy.Resource{Kind: t.kind}, Target: t.kind + ":*", Purpose: purpose, Detail: string(detail)}); err != nil {
		return nil, "", err
	}
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	var out []Record[T]
	f := q.filter()
	for {
		f.Limit = limit + 1
		rows, err := t.s.store.Records(ctx, t.kind, f)
		if err != nil {
			return nil, "", errs.E(op, err)
		}
		for _, r := range rows {
			if !record.Visible(p, action, r.Meta.Resource(t.kind)) {
				continue
			}
			if len(out) == limit {
				return out, out[len(out)-1].ID, nil
			}
			rec, err := t.decode(op, r)
			if err != nil {
				return nil, "", err
			}
			out = append(out, rec)
		}
		if len(rows) < f.Limit {
			return out, "", nil
		}
		f.After = rows[len(rows)-1].Meta.ID
	}
}

// Export authorises an export of the records matching q (Limit and After
// ignored): it needs a purpose and is audited once as KIND.export. It
// returns the policy's refusal or an invalid query, else a function that
// calls emit with every matching record p may export and returns how many.
func (t *Table[T]) Export(ctx context.Context, p identity.Principal, q Query, purpose string) (func(ctx context.Context, emit func(Record[T]) error) (int, error), error) {
	op := "property." + t.kind + ".Export"
	q.normalize()
	if err := q.Validate(t.kind); err != nil {
		return nil, err
	}
	detail, _ := json.Marshal(q)
	if err := record.Authorize(ctx, t.s.audit, p, record.Access{Op: op, Action: policy.ActionExport, Audit: t.kind + ".export",
		Resource: policy.Resource{Kind: t.kind}, Target: t.kind + ":*", Purpose: purpose, Detail: string(detail)}); err != nil {
		return nil, err
	}
	return func(ctx context.Context, emit func(Record[T]) error) (int, error) {
		f := q.filter()
		f.After = ""
		n := 0
		for {
			f.Limit = 1000
			rows, err := t.s.store.Records(ctx, t.kind, f)
			if err != nil {
				return n, errs.E(op, err)
			}
			for _, r := range rows {
				if !record.Visible(p, policy.ActionExport, r.Meta.Resource(t.kind)) {
					continue
				}
				rec, err := t.decode(op, r)
				if err != nil {
					return n, err
				}
				if err := emit(rec); err != nil {
					return n, errs.E(op, errs.Unavailable, err)
				}
				n++
			}
			if len(rows) < f.Limit {
				return n, nil
			}
			f.After = rows[len(rows)-1].Meta.ID
		}
	}, nil
}

// envelope is the part of a record's Meta that the owner controls besides
// ref and review date, stored as one JSON column.
type envelope struct {
	Restrictions   policy.Restrictions     `json:"restrictions,omitzero"`
	Handling       policy.Handling         `json:"handling,omitempty"`
	Classification identity.Classification `json:"classification,omitempty"`
	Grading        record.Grading          `json:"grading,omitzero"`
}

func envelopeOf(m record.Meta) envelope {
	return envelope{Restrictions: m.Restrictions, Handling: m.Handling, Classification: m.Classification, Grading: m.Grading}
}

// EncodeEnvelope returns the stored form of m's restrictions, handling,
// classification and grading (store implementations use it).
func EncodeEnvelope(m record.Meta) []byte {
	b, _ := json.Marshal(envelopeOf(m))
	return b
}

// DecodeEnvelope sets m's restrictions, handling, classification and
// grading from their stored form.
func DecodeEnvelope(b []byte, m *record.Meta) error {
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return err
	}
	m.Restrictions, m.Handling, m.Classification, m.Grading = e.Restrictions, e.Handling, e.Classification, e.Grading
	return nil
}

package screen

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/record"
)

// Config sets the deadlines and the index refresh.
type Config struct {
	UrgentDeadline  time.Duration // the owner's time to decide an urgent hit; default 10 minutes
	RoutineDeadline time.Duration // the same for a routine hit; default 1 hour
	SyncEvery       time.Duration // how often the indexes read other processes' changes; default 1 s
	EscalateEvery   time.Duration // how often missed deadlines are looked for; default 10 s
	StatsEvery      time.Duration // how often check counts are stored; default 5 s
}

func (c *Config) defaults() {
	if c.UrgentDeadline <= 0 {
		c.UrgentDeadline = 10 * time.Minute
	}
	if c.RoutineDeadline <= 0 {
		c.RoutineDeadline = time.Hour
	}
	if c.SyncEvery <= 0 {
		c.SyncEvery = time.Second
	}
	if c.EscalateEvery <= 0 {
		c.EscalateEvery = 10 * time.Second
	}
	if c.StatsEvery <= 0 {
		c.StatsEvery = 5 * time.Second
	}
}

// syncOverlap is how far before the start of the previous sync each sync
// reads again: a change is stamped with its writer's clock before its
// transaction commits, so a change stamped before a sync began may commit
// after it read. Transactions and clock differences between the processes
// sharing a database must stay under it. Adding a key twice is harmless.
const syncOverlap = 5 * time.Second

// Auditor writes audit entries, alone or with the hits of a check in the
// same transaction (*audit.Log).
type Auditor interface {
	record.Auditor
	AppendWith(ctx context.Context, e audit.Entry, with any) (int64, error)
}

// HitWrite is the hits of a check and their notifications to the owners,
// written in the transaction of the check's audit entry: a check whose
// audit entry is stored has its hits stored, and the two share the audit
// log's group commit (one flush of the disk for many checks).
type HitWrite struct {
	Hits   []HitRecord
	Events []notify.Event
}

// Service runs checks and keeps hits. It is safe for concurrent use.
type Service struct {
	store Store
	audit Auditor
	log   *slog.Logger
	cfg   Config
	now   func() time.Time

	docs     *KeySet // "d|NUMBER"
	vehicles *KeySet // "v|VIN", "p|PLATE"
	people   *people
	arts     *artIndex

	syncMu sync.Mutex // one sync at a time
	loaded atomic.Bool
	marks  map[string]time.Time // kind → when its last sync began
	dirty  sync.Map             // kind → true: this process changed kind since the last sync

	statMu sync.Mutex
	counts map[statKey]int64
}

// statKey counts the checks of a day (UTC, as yyyymmdd: formatting the
// date for every check showed in profiles), a country and a kind.
type statKey struct {
	day           int32
	country, kind string
}

func dayKey(t time.Time) int32 {
	y, m, d := t.UTC().Date()
	return int32(y*10000 + int(m)*100 + d)
}

func (k statKey) date() string {
	return time.Date(int(k.day/10000), time.Month(k.day/100%100), int(k.day%100), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// New returns a service over store, auditing to log. The first check
// loads the indexes unless Load did.
func New(store Store, log Auditor, logger *slog.Logger, cfg Config) *Service {
	cfg.defaults()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: store, audit: log, log: logger, cfg: cfg, now: func() time.Time { return time.Now().UTC() },
		docs: NewKeySet(0), vehicles: NewKeySet(0), people: newPeople(), arts: newArtIndex(),
		marks: map[string]time.Time{}, counts: map[statKey]int64{}}
}

// SetClock replaces the clock (tests).
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Config returns the service's configuration with its defaults.
func (s *Service) Config() Config { return s.cfg }

// Load builds the indexes from every stored document, vehicle, person and
// work of art.
func (s *Service) Load(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	return s.load(ctx)
}

func (s *Service) load(ctx context.Context) error {
	s.marks = map[string]time.Time{}
	for _, k := range indexedKinds {
		if err := s.syncKind(ctx, k); err != nil {
			return err
		}
	}
	s.loaded.Store(true)
	return nil
}

// indexedKinds are the kinds of record the indexes are built from.
var indexedKinds = []string{KindDocument, KindVehicle, KindPerson, KindArtwork, policy.KindNotice}

// Sync reads the records changed since the last sync into the indexes.
func (s *Service) Sync(ctx context.Context) error {
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if !s.loaded.Load() {
		return s.load(ctx)
	}
	for _, k := range indexedKinds {
		s.dirty.Delete(k)
		if err := s.syncKind(ctx, k); err != nil {
			return err
		}
	}
	return nil
}

// Changed tells the service that this process changed records of kind:
// the next check of that kind reads the change first.
func (s *Service) Changed(kind string) { s.dirty.Store(kind, true) }

// fresh loads the indexes on first use, and syncs kind first when this
// process changed it since the last sync.
func (s *Service) fresh(ctx context.Context, kind string) error {
	if _, ok := s.dirty.Load(kind); !ok && s.loaded.Load() {
		return nil
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if !s.loaded.Load() {
		return s.load(ctx)
	}
	if _, ok := s.dirty.LoadAndDelete(kind); !ok {
		return nil
	}
	return s.syncKind(ctx, kind)
}

func (s *Service) syncKind(ctx context.Context, kind string) error {
	const op = "screen.Sync"
	since := s.marks[kind]
	if !since.IsZero() {
		since = since.Add(-syncOverlap)
	}
	began := time.Now().UTC() // the wall clock, as writers stamp changes (never the test clock)
	var batch []string
	flush := func(set *KeySet) {
		set.AddAll(batch)
		batch = batch[:0]
	}
	if kind == policy.KindNotice {
		// Published notices' persons are screened with the persons
		// database; a notice that is no longer published leaves the index.
		err := s.store.NoticeKeys(ctx, since, func(id string, body []byte, updated time.Time) error {
			return s.people.addNotice(id, body, updated.UnixNano())
		})
		if err != nil {
			return errs.E(op, err)
		}
		s.marks[kind] = began
		return nil
	}
	err := s.store.RecordKeys(ctx, kind, since, kind == KindPerson, func(r KeyRow) error {
		switch kind {
		case KindDocument:
			batch = append(batch, "d|"+r.K1)
			if len(batch) == 4096 {
				flush(s.docs)
			}
		case KindVehicle:
			if r.K1 != "" {
				batch = append(batch, "v|"+r.K1)
			}
			if r.K2 != "" {
				batch = append(batch, "p|"+r.K2)
			}
			if len(batch) >= 4096 {
				flush(s.vehicles)
			}
		case KindPerson:
			return s.people.add(r)
		case KindArtwork:
			s.arts.add(r.ID, r.K1)
		}
		return nil
	})
	if err != nil {
		return errs.E(op, err)
	}
	switch kind {
	case KindDocument:
		flush(s.docs)
	case KindVehicle:
		flush(s.vehicles)
	}
	s.marks[kind] = began
	return nil
}

// Run keeps the indexes in sync, escalates missed deadlines and stores the
// check counts until ctx ends, then stores the last counts.
func (s *Service) Run(ctx context.Context) {
	syncT := time.NewTicker(s.cfg.SyncEvery)
	escT := time.NewTicker(s.cfg.EscalateEvery)
	statT := time.NewTicker(s.cfg.StatsEvery)
	defer syncT.Stop()
	defer escT.Stop()
	defer statT.Stop()
	for {
		select {
		case <-ctx.Done():
			if err := s.FlushStats(context.WithoutCancel(ctx)); err != nil {
				s.log.Error("check statistics", "err", err)
			}
			return
		case <-syncT.C:
			if err := s.Sync(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("check index sync", "err", err)
			}
		case <-escT.C:
			if _, err := s.Escalate(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("hit escalation", "err", err)
			}
		case <-statT.C:
			if err := s.FlushStats(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("check statistics", "err", err)
			}
		}
	}
}

// IndexStats describes the indexes' size.
type IndexStats struct {
	Documents     int `json:"documents" doc:"distinct document-number fingerprints"`
	DocumentBytes int `json:"document_bytes"`
	VehicleKeys   int `json:"vehicle_keys"`
	VehicleBytes  int `json:"vehicle_bytes"`
	Persons       int `json:"persons"`
	Artworks      int `json:"artworks"`
}

// IndexStats returns the indexes' size.
func (s *Service) IndexStats() IndexStats {
	return IndexStats{Documents: s.docs.Len(), DocumentBytes: s.docs.Bytes(), VehicleKeys: s.vehicles.Len(),
		VehicleBytes: s.vehicles.Bytes(), Persons: s.people.len(), Artworks: s.arts.len()}
}

// count adds n checks of kind by country to today's statistics.
func (s *Service) count(country, kind string, n int) {
	k := statKey{dayKey(s.now()), country, kind}
	s.statMu.Lock()
	s.counts[k] += int64(n)
	s.statMu.Unlock()
}

// FlushStats stores the check counts gathered since the last flush. Counts
// not yet stored are lost if the process dies: the audit log remains the
// record of every check.
func (s *Service) FlushStats(ctx context.Context) error {
	s.statMu.Lock()
	counts := s.counts
	s.counts = map[statKey]int64{}
	s.statMu.Unlock()
	if len(counts) == 0 {
		return nil
	}
	rows := make([]StatRow, 0, len(counts))
	for k, n := range counts {
		rows = append(rows, StatRow{Day: k.date(), Country: k.country, Kind: k.kind, Checks: n})
	}
	if err := s.store.AddCheckStats(ctx, rows); err != nil {
		s.statMu.Lock()
		for k, n := range counts {
			s.counts[k] += n
		}
		s.statMu.Unlock()
		return errs.E("screen.FlushStats", err)
	}
	return nil
}

// newID returns prefix + 16 hex digits of the time + 16 random: IDs sort
// by creation time.
func newID(prefix string, now time.Time) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixNano()))
	_, _ = rand.Read(b[8:])
	return prefix + hex.EncodeToString(b[:])
}

package screen

import (
	"context"
	"time"

	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/property"
)

// KeyRow is what the indexes read of a record: its ID, search keys,
// content (only when asked for) and last change.
type KeyRow struct {
	ID      string
	K1      string
	K2      string
	K3      string
	Body    []byte
	Updated time.Time
}

// HitFilter selects hits. Owner and SearcherCountry select hits on the
// owner's records and hits raised by a country's checks; at least one is
// set by the service.
type HitFilter struct {
	Owner           string
	SearcherCountry string
	Status          string
	Before          string // hits with ID less than this (pages, newest first)
	Limit           int
}

// Store keeps hits and check statistics and reads the records the indexes
// are built from. Methods return an errs.NotFound error for a missing hit
// and an errs.Conflict error when a hit was decided meanwhile.
type Store interface {
	// Records returns the property rows matching f (property.Store's).
	Records(ctx context.Context, kind string, f property.Filter) ([]property.Row, error)
	// RecordsByK1 returns the records of kind whose first key (a
	// document's number) is one of keys, in any order.
	RecordsByK1(ctx context.Context, kind string, keys []string) ([]property.Row, error)
	// RecordsByID returns the rows of kind with these IDs, in any order;
	// IDs not found are left out.
	RecordsByID(ctx context.Context, kind string, ids []string) ([]property.Row, error)
	// RecordKeys calls fn with every record of kind changed at or after
	// since, in no particular order; with body, KeyRow.Body is the content.
	RecordKeys(ctx context.Context, kind string, since time.Time, body bool, fn func(KeyRow) error) error

	// Notice returns one notice (errs.NotFound when there is none).
	Notice(ctx context.Context, id string) (notice.Notice, error)
	// NoticeKeys calls fn with the ID, stored JSON and change time of
	// every notice changed at or after since.
	NoticeKeys(ctx context.Context, since time.Time, fn func(id string, body []byte, updated time.Time) error) error

	// InsertHits stores hits and their events in one transaction. A hit
	// whose OfflineID is already stored is skipped, with its events; it
	// returns how many were stored.
	InsertHits(ctx context.Context, hits []HitRecord, events []notify.Event) (int, error)
	// Hit returns one hit.
	Hit(ctx context.Context, id string) (HitRecord, error)
	// Hits returns the hits matching f, newest first.
	Hits(ctx context.Context, f HitFilter) ([]HitRecord, error)
	// DecideHit sets a pending hit's status, decider, reason and time, and
	// writes events, in one transaction; errs.Conflict when it is no longer
	// pending.
	DecideHit(ctx context.Context, id, status, by, reason string, at time.Time, events []notify.Event) error
	// OverdueHits returns up to limit pending hits whose deadline is before
	// now and that were never escalated.
	OverdueHits(ctx context.Context, now time.Time, limit int) ([]HitRecord, error)
	// EscalateHits marks hits escalated at at and writes each one's
	// events, in one transaction, but for those another process escalated
	// first; it returns the IDs of those this call escalated.
	EscalateHits(ctx context.Context, at time.Time, es []Escalation) ([]string, error)
	// AddCheckStats adds the rows' check counts to the stored ones.
	AddCheckStats(ctx context.Context, rows []StatRow) error
	// CheckStats returns per day, searching country and database the checks
	// and hits between from and to (days, inclusive); country "" means
	// every country, else rows where country searched or owned.
	CheckStats(ctx context.Context, from, to time.Time, country string) ([]StatRow, error)
}

// Escalation is a hit to escalate and the events that tell of it.
type Escalation struct {
	Hit    string
	Events []notify.Event
}

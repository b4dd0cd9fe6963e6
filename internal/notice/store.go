package notice

import (
	"context"
	"time"

	"github.com/polex-org/polex/internal/notify"
)

// Store keeps notices, their versions, duplicate keys, public extracts and
// photos. store/sqldb implements it on both engines.
type Store interface {
	// SaveNotice writes one change in one transaction: the notice (created
	// when w.Prev is 0, else updated only if its stored version is w.Prev:
	// a Conflict error otherwise, and a NotFound error when it does not
	// exist), the version row, the duplicate keys, the public extract
	// (removed when w.Public is nil) and the events.
	SaveNotice(ctx context.Context, w Write) error
	// Notice returns one notice, or a NotFound error.
	Notice(ctx context.Context, id string) (Notice, error)
	// Notices returns the notices matching f, newest change first.
	Notices(ctx context.Context, f Filter) ([]Notice, error)
	// NoticeVersions returns the kept versions of a notice, oldest first.
	NoticeVersions(ctx context.Context, id string) ([]Version, error)
	// NoticesWithKeys returns the IDs of the notices other than id that
	// share one of keys.
	NoticesWithKeys(ctx context.Context, id string, keys []string) ([]string, error)
	// NoticesDue returns the published notices whose review date is before
	// t.
	NoticesDue(ctx context.Context, t time.Time) ([]Notice, error)
	// PublicExtracts returns the public extracts matching f.
	PublicExtracts(ctx context.Context, f PublicFilter) ([]PublicExtract, error)
	// PublicExtract returns one public extract, or a NotFound error.
	PublicExtract(ctx context.Context, id string) (PublicExtract, error)
	// PutPhoto stores a photo; storing the same bytes again does nothing.
	PutPhoto(ctx context.Context, ph Photo) error
	// Photo returns a stored photo by its SHA-256, or a NotFound error.
	Photo(ctx context.Context, sha string) (Photo, error)
}

// Write is one change of a notice for Store.SaveNotice.
type Write struct {
	Notice  Notice
	Prev    int      // the version replaced; 0 creates the notice
	Version *Version // the kept version, nil for changes that keep none (reminders)
	Keys    []string // duplicate keys of the notice's person
	Public  *PublicExtract
	Events  []notify.Event
}

// Filter selects notices for Store.Notices. Empty fields select all.
type Filter struct {
	Type   Type
	Status Status
	Owner  string
	Name   string // folded (see Fold); matches part of any name
	Queue  bool   // only notices, or pending updates, awaiting review
	Limit  int    // at most this many; 0 means DefaultLimit
}

// DefaultLimit and MaxLimit bound list sizes.
const (
	DefaultLimit = 200
	MaxLimit     = 1000
)

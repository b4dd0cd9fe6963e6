package property

import (
	"context"
	"time"

	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/record"
)

// Row is a record as stored: its envelope, search keys and content as JSON.
type Row struct {
	Meta record.Meta
	Keys Keys
	Body []byte // the content, JSON
	// Env is the stored form of the envelope (EncodeEnvelope); computed
	// from Meta when nil.
	Env []byte
}

// Filter selects rows of one kind. Set fields must all match.
type Filter struct {
	Owner string // exact owner
	K1    string // exact first key (document number, VIN)
	K2    string // exact second key (issuing country, plate)
	Text  string // substring of the first key (folded artwork text, person names)
	After string // rows with ID greater than this (pages)
	Limit int    // at most this many; 0 means 100
}

// BatchResult counts what a batch upsert did.
type BatchResult struct {
	Inserted, Updated, Unchanged int
	// Failed lists the rows (indexes into the batch) refused by a unique
	// key other than (owner, ref), with the error naming the field.
	Failed map[int]error
}

// Store keeps the property records. Methods return an errs.NotFound error
// for a missing record or image and an errs.Conflict error when a unique
// key is taken or the version changed meanwhile.
type Store interface {
	// InsertRecord inserts a new record of kind (version 1).
	InsertRecord(ctx context.Context, kind string, r Row) error
	// UpdateRecord replaces a record whose stored version is prev and adds
	// c to its history.
	UpdateRecord(ctx context.Context, kind string, r Row, prev int, c record.Change) error
	// DeleteRecord deletes a record and adds c to its history.
	DeleteRecord(ctx context.Context, kind, id string, c record.Change) error
	// Record returns one record.
	Record(ctx context.Context, kind, id string) (Row, error)
	// Records returns the rows matching f ordered by ID.
	Records(ctx context.Context, kind string, f Filter) ([]Row, error)
	// History returns a record's changes, oldest first, from its creation.
	History(ctx context.Context, kind, id string) ([]record.Change, error)

	// UpsertRecords inserts the rows of one owner, or updates those whose
	// (owner, ref) exists and whose content or envelope differ (version + 1,
	// a history entry with note), in one transaction that also stores the
	// import's progress p, to which it adds the batch's counts (failed
	// rows counted as bad). Every row has the
	// same Owner, OwnerOrg, ReviewAt, CreatedAt and CreatedBy. Refs are
	// distinct within a batch.
	UpsertRecords(ctx context.Context, kind string, rows []Row, note string, p *Import) (BatchResult, error)

	// PutImage stores an image's bytes under its SHA-256 (idempotent).
	PutImage(ctx context.Context, im Image, data []byte) error
	// Image returns an image and its bytes.
	Image(ctx context.Context, sha string) (Image, []byte, error)

	// CreateImport records a new import job.
	CreateImport(ctx context.Context, im Import) error
	// SaveImport stores an import's counts, state and errors.
	SaveImport(ctx context.Context, im Import) error
	// Import returns one import job.
	Import(ctx context.Context, id string) (Import, error)
	// Imports returns the import jobs of owner ("" for all), newest first.
	Imports(ctx context.Context, owner string, limit int) ([]Import, error)
	// TouchImport sets the last update of an import to at if it is still
	// running (its heartbeat); otherwise it does nothing.
	TouchImport(ctx context.Context, id string, at time.Time) error
	// RunningImports returns the imports in state running.
	RunningImports(ctx context.Context) ([]Import, error)
	// InterruptImport marks an import interrupted (finished at, message)
	// if it is running and its last update is before stale; it returns
	// false when it is not (finished meanwhile, or updated since).
	InterruptImport(ctx context.Context, id string, stale, at time.Time, message string) (bool, error)

	// DueRecords returns up to limit records of kind whose review date is
	// before until and that were not yet reminded for that date, or (when
	// expired is true) whose review date is before until, oldest first.
	DueRecords(ctx context.Context, kind string, until time.Time, expired bool, limit int) ([]Row, error)
	// ExpireRecord deletes a record past its review date, adds c to its
	// history and writes ev, in one transaction. It returns NotFound when
	// the record is gone or its review date changed (reviewAt).
	ExpireRecord(ctx context.Context, kind, id string, reviewAt time.Time, c record.Change, ev notify.Event) error
	// MarkReminded notes that the owner was reminded of the record's review
	// date and writes ev, in one transaction; it returns false when it was
	// already reminded for that date.
	MarkReminded(ctx context.Context, kind, id string, reviewAt time.Time, ev notify.Event) (bool, error)
}

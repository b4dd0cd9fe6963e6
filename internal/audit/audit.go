// Package audit is Polex's tamper-evident audit log. Every read, search,
// change, export, login and administrative action appends an Entry. Entries
// are the records of a Merkle tree (golang.org/x/mod/sumdb/tlog, RFC 6962
// hashing): entry Seq is record Seq, its leaf hash is tlog.RecordHash of
// Entry.Leaf. Signed checkpoints state the tree's size and root; Verify
// recomputes everything from the stored columns and names the first entry
// that does not match.
//
// The package holds the types, their rules, the Log service (group commit,
// checkpoints, proofs) and Verify; storage engines implement Store.
package audit

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/errs"
)

// The outcomes of an action.
const (
	OutcomeAllow = "allow" // the policy allowed the action
	OutcomeDeny  = "deny"  // the policy refused the action
	OutcomeError = "error" // the action failed
	OutcomeOK    = "ok"    // the action succeeded
)

// Limits on the length in bytes of an entry's fields.
const (
	MaxActor     = 256
	MaxAction    = 128
	MaxTarget    = 512
	MaxPurpose   = 1024
	MaxRequestID = 128
	MaxDetail    = 8192
)

// Entry is one audited action. Seq and, when zero, Time are set by Log.Append.
type Entry struct {
	Seq       int64     `json:"seq"`        // position in the log, from 0; the tlog record number
	Time      time.Time `json:"time"`       // when the action happened, to the nanosecond
	Actor     string    `json:"actor"`      // who: a user or machine identifier, or "anonymous"
	ActorOrg  string    `json:"actor_org"`  // the actor's organisation, if any
	Action    string    `json:"action"`     // what, as "noun.verb", e.g. "notice.read", "person.search"
	Target    string    `json:"target"`     // what it was done to, if anything
	Outcome   string    `json:"outcome"`    // one of the Outcome constants
	Purpose   string    `json:"purpose"`    // why; required where NeedsPurpose says so
	RequestID string    `json:"request_id"` // correlates with server logs
	Detail    string    `json:"detail"`     // free text (may be JSON), at most MaxDetail bytes
}

// minTime and maxTime bound the times an Entry may carry: both must fit in
// int64 Unix nanoseconds, and 0 is kept for "no time".
var (
	minTime = time.Unix(0, 1).UTC()
	maxTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// NeedsPurpose reports whether an allowed or successful action must state a
// purpose: searches, exports and checks (any action whose last segment is
// "search", "export" or "check") do.
func NeedsPurpose(action string) bool {
	i := strings.LastIndexByte(action, '.')
	switch action[i+1:] {
	case "search", "export", "check":
		return true
	}
	return false
}

// Validate returns an Invalid error naming the first field that breaks the
// rules: Seq not negative; Time set and between 1970 and 2262; Actor, Action
// and Outcome present; Action a lower-case dotted name; Outcome one of the
// Outcome constants; every field valid UTF-8 without control characters
// (Detail may hold newlines and tabs) and within its length limit; and a
// Purpose when NeedsPurpose(Action) and the outcome is allow or ok. An action
// refused for lack of a purpose is still logged, with outcome deny.
func (e Entry) Validate() error {
	const op = "audit.Entry.Validate"
	if e.Seq < 0 {
		return errs.Invalidf(op, "seq", "seq must not be negative")
	}
	if e.Time.Before(minTime) || !e.Time.Before(maxTime) {
		return errs.Invalidf(op, "time", "time must be between 1970 and 2262")
	}
	fields := []struct {
		name, value string
		required    bool
		max         int
		multiline   bool
	}{
		{"actor", e.Actor, true, MaxActor, false},
		{"actor_org", e.ActorOrg, false, MaxActor, false},
		{"action", e.Action, true, MaxAction, false},
		{"target", e.Target, false, MaxTarget, false},
		{"outcome", e.Outcome, true, MaxAction, false},
		{"purpose", e.Purpose, false, MaxPurpose, false},
		{"request_id", e.RequestID, false, MaxRequestID, false},
		{"detail", e.Detail, false, MaxDetail, true},
	}
	for _, f := range fields {
		switch {
		case f.required && f.value == "":
			return errs.Invalidf(op, f.name, "%s is required", f.name)
		case len(f.value) > f.max:
			return errs.Invalidf(op, f.name, "%s is longer than %d bytes", f.name, f.max)
		case !utf8.ValidString(f.value):
			return errs.Invalidf(op, f.name, "%s is not valid UTF-8", f.name)
		case hasControl(f.value, f.multiline):
			return errs.Invalidf(op, f.name, "%s holds a control character", f.name)
		}
	}
	if !validAction(e.Action) {
		return errs.Invalidf(op, "action", "action must be lower-case words joined by dots, such as notice.read")
	}
	switch e.Outcome {
	case OutcomeAllow, OutcomeOK:
		if e.Purpose == "" && NeedsPurpose(e.Action) {
			return errs.Invalidf(op, "purpose", "a purpose is required for %s", e.Action)
		}
	case OutcomeDeny, OutcomeError:
	default:
		return errs.Invalidf(op, "outcome", "outcome must be allow, deny, error or ok")
	}
	return nil
}

// hasControl reports whether s holds a C0 control character or DEL; tab,
// newline and carriage return are allowed when multiline.
func hasControl(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == 0x7f || c < 0x20 && !(multiline && (c == '\t' || c == '\n' || c == '\r')) {
			return true
		}
	}
	return false
}

// validAction reports whether s is dot-separated words of [a-z0-9_-].
func validAction(s string) bool {
	for _, w := range strings.Split(s, ".") {
		if w == "" {
			return false
		}
		for i := 0; i < len(w); i++ {
			c := w[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Filter selects entries for auditors. Empty fields match everything; the
// result is ordered by Seq.
type Filter struct {
	Actor    string    // exact actor
	ActorOrg string    // exact organisation
	Action   string    // exact action
	Target   string    // exact target
	From     time.Time // Time >= From, when set
	To       time.Time // Time < To, when set
	Start    int64     // Seq >= Start; to page on, set it to the last Seq + 1
	Limit    int       // at most this many; 0 means DefaultLimit, capped at MaxLimit
}

// Page sizes of Filter.Limit.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// Normalize returns f with Limit set within bounds, or an Invalid error when
// Start is negative or To is not after From.
func (f Filter) Normalize() (Filter, error) {
	const op = "audit.Filter"
	if f.Start < 0 {
		return f, errs.Invalidf(op, "start", "start must not be negative")
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return f, errs.Invalidf(op, "to", "to must be after from")
	}
	switch {
	case f.Limit <= 0:
		f.Limit = DefaultLimit
	case f.Limit > MaxLimit:
		f.Limit = MaxLimit
	}
	return f, nil
}

// Record is an entry as stored: the entry and the tree hashes its append
// created, levels 0 (its leaf hash) to t, where t is the number of trailing
// one bits of Seq, 32 bytes each. See HashLocation.
type Record struct {
	Entry  Entry
	Hashes []byte
}

// Batch is what one append transaction stores: records numbered
// consecutively from the log's size, optionally a checkpoint, and the
// writes attached to its entries (Log.AppendWith), in the order appended:
// values of types the Store knows how to write, in the same transaction.
type Batch struct {
	Records    []Record
	Checkpoint *Checkpoint
	Attached   []any
	// Journal, when not nil, is how far the Log's Journal is taken into
	// the store with this batch; the store keeps it (AuditJournalMark).
	Journal *JournalMark
}

// Checkpoint is a signed statement of the log's size and root hash.
type Checkpoint struct {
	Size int64     `json:"size"` // the number of entries covered
	Root tlog.Hash `json:"root"` // the tree hash of entries 0..Size-1
	Time time.Time `json:"time"` // when it was signed
	Note []byte    `json:"note"` // the signed note: CheckpointText then a signature line
}

// Latest asks Store.AuditCheckpoint for the newest checkpoint.
const Latest = -1

// Store keeps the log. Several processes may share one store; appends are
// serialised by the store. Failures are *errs.Error: NotFound for missing
// entries, hashes and checkpoints, Unavailable when the database is down.
type Store interface {
	// AppendAudit stores the batch that build returns as the next entries
	// of the log, atomically, and serialised with every other appender in
	// this process or another. build receives the number of entries
	// committed so far and a reader of their stored hashes, and returns
	// records numbered from that size on and, optionally, a checkpoint
	// (skipped if one of its size exists). build may be called more than
	// once; only the batch of its last call is stored. guess is the
	// caller's belief of the current size, or -1: a store may first try
	// build(guess) in a single conditional write and fall back to a locking
	// transaction if the guess was wrong. If build or the database fails,
	// nothing is stored and the error is returned. attached says that the
	// batch carries attached writes: the store must then commit it durably
	// even if it commits audit entries alone without waiting for the disk,
	// and fail it if it cannot write one of them. durable, when not nil,
	// must be called and have returned nil before the batch is
	// acknowledged: the store committed without waiting for the disk and
	// durable waits for it (a failure leaves the batch's fate unknown). The
	// caller may append the next batch meanwhile.
	AppendAudit(ctx context.Context, guess int64, attached bool, build func(size int64, r tlog.HashReader) (*Batch, error)) (durable func() error, err error)
	// AuditSize returns the number of entries committed.
	AuditSize(ctx context.Context) (int64, error)
	// AuditJournalMark returns the JournalMark of the last batch that
	// carried one, or the zero mark.
	AuditJournalMark(ctx context.Context) (JournalMark, error)
	// AuditHashes returns the stored hashes at the given tlog storage
	// indexes; NotFound when one is not stored.
	AuditHashes(ctx context.Context, indexes []int64) ([]tlog.Hash, error)
	// AuditEntries returns the entries matching a normalised filter, by Seq.
	AuditEntries(ctx context.Context, f Filter) ([]Entry, error)
	// AuditRecords returns at most limit records with Seq >= start, by Seq,
	// exactly as stored.
	AuditRecords(ctx context.Context, start int64, limit int) ([]Record, error)
	// AuditCheckpoint returns the checkpoint of the given size, or the
	// largest when size is Latest; NotFound when there is none.
	AuditCheckpoint(ctx context.Context, size int64) (Checkpoint, error)
	// AuditCheckpoints returns at most limit checkpoints of size > after,
	// by size.
	AuditCheckpoints(ctx context.Context, after int64, limit int) ([]Checkpoint, error)
}

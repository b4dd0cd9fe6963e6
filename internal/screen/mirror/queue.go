package mirror

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/errs"
)

// QueuedHit is a hit found offline, kept in the post's outbox until it is
// uploaded; the server ignores IDs it has, so sending one twice is safe.
type QueuedHit struct {
	ID        string    `json:"id"`
	Kind      string    `json:"kind"`
	Query     string    `json:"query"` // what was checked, in clear
	RecordID  string    `json:"record_id"`
	Owner     string    `json:"owner"`
	Ref       string    `json:"ref"`
	CheckedAt time.Time `json:"checked_at"`
	Purpose   string    `json:"purpose"`
	Post      string    `json:"post"` // the post's username
}

// CheckAndQueue checks q like Check and appends each hit to the outbox of
// the mirror's directory, synced to disk before it returns.
func (m *Mirror) CheckAndQueue(q Query, purpose string, now time.Time) (Result, error) {
	const op = "mirror.CheckAndQueue"
	res, err := m.Check(q)
	if err != nil || len(res.Hits) == 0 {
		return res, err
	}
	var buf bytes.Buffer
	for _, h := range res.Hits {
		id := make([]byte, 16)
		if _, err := rand.Read(id); err != nil {
			return Result{}, errs.E(op, errs.Internal, err)
		}
		b, err := json.Marshal(QueuedHit{ID: hex.EncodeToString(id), Kind: h.Kind, Query: q.String(), RecordID: h.RecordID,
			Owner: h.Owner, Ref: h.Ref, CheckedAt: now.UTC(), Purpose: purpose, Post: m.post})
		if err != nil {
			return Result{}, errs.E(op, errs.Internal, err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	unlock, err := lockDir(m.dir)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	if err := appendSync(filepath.Join(m.dir, OutboxFile), buf.Bytes()); err != nil {
		return Result{}, errs.E(op, errs.Internal, "cannot queue the hit", err)
	}
	return res, nil
}

func appendSync(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// readQueue returns the hits of a queue file (none when it is missing).
func readQueue(path string) ([]QueuedHit, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []QueuedHit
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var h QueuedHit
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil || h.ID == "" {
			return nil, fmt.Errorf("%s line %d: not a queued hit", filepath.Base(path), n)
		}
		out = append(out, h)
	}
	return out, sc.Err()
}

// Pending returns the hits of dir's outbox, oldest first.
func Pending(dir string) ([]QueuedHit, error) {
	hits, err := readQueue(filepath.Join(dir, OutboxFile))
	if err != nil {
		return nil, errs.E("mirror.Pending", errs.Invalid, err.Error(), err)
	}
	return hits, nil
}

// UploadBatch is the most hits Upload sends in one call of send (at most
// MaxUploadHits).
const UploadBatch = 500

// Upload sends the hits of dir's outbox with send, in batches of at most
// UploadBatch, oldest first. After each batch send accepts, it appends the
// batch to uploaded.jsonl (skipping IDs already there) and removes it from
// the outbox, both synced. A crash between send and the move re-sends the
// batch next time, which the server ignores by ID. It returns how many hits
// were uploaded, and send's error (wrapped) at the first refusal.
func Upload(ctx context.Context, dir string, send func(ctx context.Context, hits []QueuedHit) error) (int, error) {
	const op = "mirror.Upload"
	unlock, err := lockDir(dir)
	if err != nil {
		return 0, err
	}
	defer unlock()
	hits, err := readQueue(filepath.Join(dir, OutboxFile))
	if err != nil {
		return 0, errs.E(op, errs.Invalid, err.Error(), err)
	}
	done, err := readQueue(filepath.Join(dir, UploadedFile))
	if err != nil {
		return 0, errs.E(op, errs.Invalid, err.Error(), err)
	}
	seen := make(map[string]bool, len(done))
	for _, h := range done {
		seen[h.ID] = true
	}
	n := 0
	for len(hits) > 0 {
		batch := hits[:min(len(hits), UploadBatch)]
		if err := send(ctx, batch); err != nil {
			return n, errs.E(op, err)
		}
		var buf bytes.Buffer
		for _, h := range batch {
			if seen[h.ID] {
				continue
			}
			seen[h.ID] = true
			b, _ := json.Marshal(h)
			buf.Write(b)
			buf.WriteByte('\n')
		}
		if err := appendSync(filepath.Join(dir, UploadedFile), buf.Bytes()); err != nil {
			return n, errs.E(op, errs.Internal, err)
		}
		hits = hits[len(batch):]
		buf.Reset()
		for _, h := range hits {
			b, _ := json.Marshal(h)
			buf.Write(b)
			buf.WriteByte('\n')
		}
		if err := writeAtomic(dir, OutboxFile, buf.Bytes()); err != nil {
			return n, errs.E(op, errs.Internal, err)
		}
		n += len(batch)
	}
	return n, nil
}

// MaxUploadHits is the most hits one upload request may carry.
const MaxUploadHits = 1000

// Validate returns an errs.Invalid error naming the first field of h at
// fault (for the server that receives uploads): id is 32 hex digits; kind
// document or vehicle; query, record_id, purpose and post are set and short
// printable text; owner is an alpha-2 code; checked_at is set.
func (h QueuedHit) Validate() error {
	const op = "mirror.QueuedHit.Validate"
	if len(h.ID) != 32 || strings.Trim(h.ID, "0123456789abcdef") != "" {
		return errs.Invalidf(op, "id", "id must be 32 lower-case hex digits")
	}
	if h.Kind != KindDocument && h.Kind != KindVehicle {
		return errs.Invalidf(op, "kind", "kind must be document or vehicle")
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"query", h.Query, 200}, {"record_id", h.RecordID, 64}, {"ref", h.Ref, 128}, {"purpose", h.Purpose, 500}, {"post", h.Post, 64}} {
		if (f.v == "" && f.name != "ref") || len(f.v) > f.max || !utf8.ValidString(f.v) || strings.ContainsFunc(f.v, unicode.IsControl) {
			return errs.Invalidf(op, f.name, "%s must be 1 to %d printable characters", f.name, f.max)
		}
	}
	if len(h.Owner) != 2 || strings.Trim(h.Owner, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		return errs.Invalidf(op, "owner", "owner must be an ISO 3166-1 alpha-2 code")
	}
	if h.CheckedAt.IsZero() {
		return errs.Invalidf(op, "checked_at", "checked_at must be set")
	}
	return nil
}

package audit_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

const tamperSize = 40

// tamperLog appends tamperSize entries one at a time, so that there is a
// checkpoint at every size from 1 to tamperSize, and checks Verify is happy.
func tamperLog(t *testing.T, db *sqldb.DB) *audit.Key {
	t.Helper()
	k := newKey(t)
	l := audit.NewLog(db, k.Signer, audit.Options{CheckpointInterval: -1})
	for i := range tamperSize {
		if _, err := l.Append(context.Background(), entryN(i)); err != nil {
			t.Fatal(err)
		}
	}
	closeLog(t, l)
	if rep := mustVerify(t, db, k); !rep.OK() || rep.Entries != tamperSize || rep.Signed != tamperSize || rep.Checkpoints != tamperSize {
		t.Fatalf("Verify of the untouched log = %+v", rep)
	}
	return k
}

func execSQL(t *testing.T, db *sqldb.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.SQL.ExecContext(context.Background(), q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// flip returns b with byte i changed, keeping ASCII printable ASCII.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0x01
	return c
}

// want checks that Verify names exactly the given problem.
func want(t *testing.T, db *sqldb.DB, k *audit.Key, kind audit.ProblemKind, seq, checkpoint int64) *audit.Problem {
	t.Helper()
	rep := mustVerify(t, db, k)
	p := rep.Problem
	if p == nil || p.Kind != kind || p.Seq != seq || p.Checkpoint != checkpoint {
		t.Fatalf("Verify found %+v, want %s at entry %d, checkpoint %d", p, kind, seq, checkpoint)
	}
	if checkpoint < 0 && (rep.Entries != seq || p.From > seq || p.To != seq+1) {
		t.Fatalf("Verify = %+v (%+v): want %d entries checked and the range to end at %d", rep, p, seq, seq)
	}
	prefix := fmt.Sprintf("checkpoint of size %d: ", checkpoint)
	if checkpoint < 0 {
		prefix = fmt.Sprintf("entry %d: ", seq)
	}
	if !strings.HasPrefix(p.String(), prefix) {
		t.Fatalf("Problem.String() = %q, want it to start with %q", p, prefix)
	}
	return p
}

// restored checks that Verify is happy again once the tampering is undone.
func restored(t *testing.T, db *sqldb.DB, k *audit.Key) {
	t.Helper()
	if rep := mustVerify(t, db, k); !rep.OK() || rep.Entries != tamperSize {
		t.Fatalf("Verify after restoring = %+v, %v", rep, rep.Problem)
	}
}

// TestVerifyNamesChangedEntry changes one byte of every stored column of
// several entries, directly in the database, and checks that Verify names
// exactly that entry; then undoes the change.
func TestVerifyNamesChangedEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := tamperLog(t, db)
		text := []string{"actor", "actor_org", "action", "target", "outcome", "purpose", "request_id", "detail"}
		// 0 holds one hash, 13 two (levels 0 and 1), 39 four.
		for _, seq := range []int64{0, 13, 39} {
			for _, col := range text {
				var orig []byte
				if err := db.SQL.QueryRowContext(ctx, `SELECT `+col+` FROM audit_entries WHERE seq = $1`, seq).Scan(&orig); err != nil {
					t.Fatal(err)
				}
				for _, i := range []int{0, len(orig) / 2, len(orig) - 1} {
					t.Run(fmt.Sprintf("%d/%s/%d", seq, col, i), func(t *testing.T) {
						execSQL(t, db, `UPDATE audit_entries SET `+col+` = $1 WHERE seq = $2`, string(flip(orig, i)), seq)
						want(t, db, k, audit.EntryChanged, seq, -1)
						execSQL(t, db, `UPDATE audit_entries SET `+col+` = $1 WHERE seq = $2`, string(orig), seq)
						restored(t, db, k)
					})
				}
			}
			t.Run(fmt.Sprintf("%d/at", seq), func(t *testing.T) {
				for _, bit := range []uint{0, 8, 56} {
					execSQL(t, db, `UPDATE audit_entries SET at = at + $1 WHERE seq = $2`, int64(1)<<bit, seq)
					want(t, db, k, audit.EntryChanged, seq, -1)
					execSQL(t, db, `UPDATE audit_entries SET at = at - $1 WHERE seq = $2`, int64(1)<<bit, seq)
					restored(t, db, k)
				}
			})
			t.Run(fmt.Sprintf("%d/seq", seq), func(t *testing.T) {
				execSQL(t, db, `UPDATE audit_entries SET seq = $1 WHERE seq = $2`, seq+1<<20, seq)
				want(t, db, k, audit.EntryMissing, seq, -1)
				execSQL(t, db, `UPDATE audit_entries SET seq = $1 WHERE seq = $2`, seq, seq+1<<20)
				restored(t, db, k)
			})
			t.Run(fmt.Sprintf("%d/hashes", seq), func(t *testing.T) {
				var orig []byte
				if err := db.SQL.QueryRowContext(ctx, `SELECT hashes FROM audit_entries WHERE seq = $1`, seq).Scan(&orig); err != nil {
					t.Fatal(err)
				}
				if len(orig) != tlog.HashSize*audit.StoredHashCount(seq) {
					t.Fatalf("entry %d holds %d bytes of hashes", seq, len(orig))
				}
				for i := 0; i < len(orig); i += 13 {
					execSQL(t, db, `UPDATE audit_entries SET hashes = $1 WHERE seq = $2`, flip(orig, i), seq)
					kind := audit.HashChanged
					if i < tlog.HashSize {
						kind = audit.EntryChanged // the leaf hash no longer matches the columns
					}
					want(t, db, k, kind, seq, -1)
				}
				execSQL(t, db, `UPDATE audit_entries SET hashes = $1 WHERE seq = $2`, append(bytes.Clone(orig), 0), seq)
				want(t, db, k, audit.HashChanged, seq, -1)
				execSQL(t, db, `UPDATE audit_entries SET hashes = $1 WHERE seq = $2`, orig, seq)
				restored(t, db, k)
			})
		}
	})
}

func TestVerifyNamesChangedCheckpoint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := tamperLog(t, db)
		const size = 20
		var root, note []byte
		var at int64
		if err := db.SQL.QueryRowContext(ctx, `SELECT root, created_at, note FROM audit_checkpoints WHERE size = $1`, size).Scan(&root, &at, &note); err != nil {
			t.Fatal(err)
		}
		t.Run("root", func(t *testing.T) {
			execSQL(t, db, `UPDATE audit_checkpoints SET root = $1 WHERE size = $2`, flip(root, 5), size)
			want(t, db, k, audit.CheckpointChanged, -1, size)
			execSQL(t, db, `UPDATE audit_checkpoints SET root = $1 WHERE size = $2`, root, size)
			restored(t, db, k)
		})
		t.Run("created_at", func(t *testing.T) {
			execSQL(t, db, `UPDATE audit_checkpoints SET created_at = $1 WHERE size = $2`, at^1<<8, size)
			want(t, db, k, audit.CheckpointChanged, -1, size)
			execSQL(t, db, `UPDATE audit_checkpoints SET created_at = $1 WHERE size = $2`, at, size)
			restored(t, db, k)
		})
		t.Run("size", func(t *testing.T) {
			execSQL(t, db, `UPDATE audit_checkpoints SET size = $1 WHERE size = $2`, size^1<<8, size)
			want(t, db, k, audit.CheckpointChanged, -1, size^1<<8)
			execSQL(t, db, `UPDATE audit_checkpoints SET size = $1 WHERE size = $2`, size, size^1<<8)
			restored(t, db, k)
		})
		t.Run("note text", func(t *testing.T) {
			text := bytes.Index(note, []byte("\n\n")) // the signed text ends at the blank line
			for _, i := range []int{0, 17, text - 2} {
				execSQL(t, db, `UPDATE audit_checkpoints SET note = $1 WHERE size = $2`, string(flip(note, i)), size)
				want(t, db, k, audit.CheckpointSignature, -1, size)
			}
			execSQL(t, db, `UPDATE audit_checkpoints SET note = $1 WHERE size = $2`, string(note), size)
			restored(t, db, k)
		})
		t.Run("signature", func(t *testing.T) {
			sig := bytes.LastIndexByte(note, ' ') + 1 // "— name base64\n"
			for i := sig; i < len(note)-1; i += 7 {
				c := bytes.Clone(note)
				switch b := c[i]; {
				case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z':
					c[i] ^= 0x20 // swap case: still base64
				case '0' <= b && b <= '8':
					c[i]++
				default:
					continue
				}
				execSQL(t, db, `UPDATE audit_checkpoints SET note = $1 WHERE size = $2`, string(c), size)
				want(t, db, k, audit.CheckpointSignature, -1, size)
			}
			execSQL(t, db, `UPDATE audit_checkpoints SET note = $1 WHERE size = $2`, string(note), size)
			restored(t, db, k)
		})
		t.Run("other key", func(t *testing.T) {
			other := newKey(t)
			if rep := mustVerify(t, db, other); rep.Problem == nil || rep.Problem.Kind != audit.CheckpointSignature || rep.Problem.Checkpoint != 1 {
				t.Fatalf("Verify with another key = %+v", rep.Problem)
			}
		})
	})
}

// TestVerifyRewrites covers changes that keep the stored hashes consistent,
// which only the signed checkpoints reveal, and removals.
func TestVerifyRewrites(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		k := tamperLog(t, db)
		orig, err := db.AuditRecords(ctx, 0, tamperSize)
		if err != nil || len(orig) != tamperSize {
			t.Fatalf("AuditRecords: %d, %v", len(orig), err)
		}
		setHashes := func(recs []audit.Record) {
			for _, r := range recs {
				execSQL(t, db, `UPDATE audit_entries SET hashes = $1 WHERE seq = $2`, r.Hashes, r.Entry.Seq)
			}
		}
		// rehash recomputes every stored hash from the entries, as a forger would.
		rehash := func(recs []audit.Record) []audit.Record {
			m := map[int64]tlog.Hash{}
			r := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
				out := make([]tlog.Hash, len(idx))
				for i, x := range idx {
					out[i] = m[x]
				}
				return out, nil
			})
			var out []audit.Record
			for _, rec := range recs {
				hs, err := tlog.StoredHashes(rec.Entry.Seq, rec.Entry.Leaf(), r)
				if err != nil {
					t.Fatal(err)
				}
				var b []byte
				for i, h := range hs {
					m[tlog.StoredHashIndex(0, rec.Entry.Seq)+int64(i)] = h
					b = append(b, h[:]...)
				}
				out = append(out, audit.Record{Entry: rec.Entry, Hashes: b})
			}
			return out
		}
		t.Run("rehashed", func(t *testing.T) {
			execSQL(t, db, `UPDATE audit_entries SET detail = 'forged' WHERE seq = 20`)
			forged, err := db.AuditRecords(ctx, 0, tamperSize)
			if err != nil {
				t.Fatal(err)
			}
			setHashes(rehash(forged))
			p := want(t, db, k, audit.CheckpointRoot, 20, 21)
			if p.From != 20 || p.To != 21 {
				t.Fatalf("problem range %d..%d, want 20..21", p.From, p.To)
			}
			// Without the checkpoints in between, the range widens.
			var saved [][]any
			for size := 21; size < 30; size++ {
				var root, note []byte
				var at int64
				if err := db.SQL.QueryRowContext(ctx, `SELECT root, created_at, note FROM audit_checkpoints WHERE size = $1`, size).Scan(&root, &at, &note); err != nil {
					t.Fatal(err)
				}
				saved = append(saved, []any{size, root, at, string(note)})
			}
			execSQL(t, db, `DELETE FROM audit_checkpoints WHERE size > 20 AND size < 30`)
			p = want(t, db, k, audit.CheckpointRoot, -1, 30)
			if p.From != 20 || p.To != 30 {
				t.Fatalf("problem range %d..%d, want 20..30", p.From, p.To)
			}
			for _, s := range saved {
				execSQL(t, db, `INSERT INTO audit_checkpoints (size, root, created_at, note) VALUES ($1, $2, $3, $4)`, s...)
			}
			execSQL(t, db, `UPDATE audit_entries SET detail = $1 WHERE seq = 20`, orig[20].Entry.Detail)
			setHashes(orig)
			restored(t, db, k)
		})
		t.Run("leaf rehashed", func(t *testing.T) {
			// Entry 12 and its leaf hash changed together: the level-1 hash
			// stored with entry 13, over 12 and 13, gives it away.
			e := orig[12].Entry
			e.Detail = "forged"
			h := e.LeafHash()
			execSQL(t, db, `UPDATE audit_entries SET detail = $1, hashes = $2 WHERE seq = 12`, e.Detail, h[:])
			// The checkpoint of size 13 sees it first, and only entry 12 can be at fault.
			p := want(t, db, k, audit.CheckpointRoot, 12, 13)
			if p.From != 12 || p.To != 13 {
				t.Fatalf("problem range %d..%d, want 12..13", p.From, p.To)
			}
			var root, note []byte
			var at int64
			if err := db.SQL.QueryRowContext(ctx, `SELECT root, created_at, note FROM audit_checkpoints WHERE size = 13`).Scan(&root, &at, &note); err != nil {
				t.Fatal(err)
			}
			execSQL(t, db, `DELETE FROM audit_checkpoints WHERE size = 13`)
			p = want(t, db, k, audit.HashChanged, 13, -1)
			if p.From != 12 {
				t.Fatalf("problem range from %d, want 12", p.From)
			}
			execSQL(t, db, `INSERT INTO audit_checkpoints (size, root, created_at, note) VALUES (13, $1, $2, $3)`, root, at, string(note))
			execSQL(t, db, `UPDATE audit_entries SET detail = $1, hashes = $2 WHERE seq = 12`, orig[12].Entry.Detail, orig[12].Hashes)
			restored(t, db, k)
		})
		insert := func(r audit.Record) {
			e := r.Entry
			execSQL(t, db, `INSERT INTO audit_entries (seq, at, actor, actor_org, action, target, outcome, purpose, request_id, detail, hashes)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`, e.Seq, sqldb.Nanos(e.Time), e.Actor, e.ActorOrg,
				e.Action, e.Target, e.Outcome, e.Purpose, e.RequestID, e.Detail, r.Hashes)
		}
		t.Run("deleted", func(t *testing.T) {
			execSQL(t, db, `DELETE FROM audit_entries WHERE seq = 13`)
			want(t, db, k, audit.EntryMissing, 13, -1)
			insert(orig[13])
			restored(t, db, k)
		})
		t.Run("deleted last", func(t *testing.T) {
			execSQL(t, db, `DELETE FROM audit_entries WHERE seq = $1`, tamperSize-1)
			want(t, db, k, audit.EntryMissing, tamperSize-1, -1)
			insert(orig[tamperSize-1])
			restored(t, db, k)
		})
		t.Run("truncated", func(t *testing.T) {
			execSQL(t, db, `DELETE FROM audit_entries WHERE seq >= 35`)
			execSQL(t, db, `UPDATE audit_head SET size = 35`)
			rep := mustVerify(t, db, k)
			if p := rep.Problem; p == nil || p.Kind != audit.EntryMissing || p.Seq != 35 || p.Checkpoint != 36 || rep.Entries != 35 {
				t.Fatalf("Verify of a truncated log = %+v, %+v", rep, p)
			}
			for _, r := range orig[35:] {
				insert(r)
			}
			execSQL(t, db, `UPDATE audit_head SET size = $1`, tamperSize)
			restored(t, db, k)
		})
	})
}

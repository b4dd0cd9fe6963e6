package mirror_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/property"
	"github.com/polex-org/polex/internal/record"
	"github.com/polex-org/polex/internal/screen/mirror"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

var ctx = context.Background()

func principal(cc, region string, role identity.Role) identity.Principal {
	name := strings.ToLower(cc) + "." + string(role)
	return identity.Principal{User: identity.User{ID: "usr_" + name, Username: name, Org: "ncb-" + strings.ToLower(cc), Country: cc,
		Roles: []identity.Role{role}, Clearance: identity.Restricted}, OrgKind: "ncb", Region: region, Via: "cli"}
}

var (
	frOfficer = principal("FR", "europe", identity.Officer)
	keBorder  = principal("KE", "africa", identity.BorderSystem)
)

// fixture is a store with property records and a mirror key.
type fixture struct {
	db   *sqldb.DB
	svc  *property.Service
	log  *audit.Log
	key  *mirror.Key
	ids  map[string]string // ref → record ID
	now  time.Time
	data string
}

func newFixture(t testing.TB, db *sqldb.DB) *fixture {
	t.Helper()
	data := t.TempDir()
	ak, err := audit.LoadOrCreateKey(filepath.Join(data, "audit.key"))
	if err != nil {
		t.Fatal(err)
	}
	l := audit.NewLog(db, ak.Signer, audit.Options{})
	t.Cleanup(func() { l.Close(ctx) })
	mk, err := mirror.LoadOrCreateKey(filepath.Join(data, mirror.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{db: db, svc: property.New(db, l), log: l, key: mk, ids: map[string]string{}, now: time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC), data: data}
}

func (f *fixture) doc(t *testing.T, ref, number string, r policy.Restrictions) {
	t.Helper()
	rec, err := f.svc.Documents.Create(ctx, frOfficer, property.Record[property.TravelDocument]{Meta: record.Meta{Ref: ref, Restrictions: r},
		Data: property.TravelDocument{Type: "passport", Number: number, IssuingCountry: "FR", Status: "stolen"}})
	if err != nil {
		t.Fatal(err)
	}
	f.ids[ref] = rec.ID
}

func (f *fixture) export(t *testing.T, dir string) mirror.ExportResult {
	t.Helper()
	f.now = f.now.Add(time.Minute)
	res, err := mirror.Export(ctx, f.db, f.log, mirror.ExportRequest{Dir: dir, Principal: keBorder, Purpose: "border post Namanga", Key: f.key, Now: f.now})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func check(t *testing.T, m *mirror.Mirror, q mirror.Query) []string {
	t.Helper()
	res, err := m.Check(q)
	if err != nil {
		t.Fatal(err)
	}
	if (res.Result == "hit") != (len(res.Hits) > 0) {
		t.Fatalf("result %q with %d hits", res.Result, len(res.Hits))
	}
	var refs []string
	for _, h := range res.Hits {
		refs = append(refs, h.Ref)
	}
	return refs
}

func open(t *testing.T, dir string) *mirror.Mirror {
	t.Helper()
	m, err := mirror.Open(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestExportCheckDelta exports the mirror of a Kenyan border system from a
// real store on each engine: a French document denied to Kenya is not in
// it, the others are found offline by number, country and number, VIN and
// plate; after records are added, deleted and unrestricted a delta carries
// exactly the changes; an export with nothing new writes an empty delta.
func TestExportCheckDelta(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.doc(t, "FR-1", "18FR12345", policy.Restrictions{})
		f.doc(t, "FR-2", "20FR00042", policy.Restrictions{DenyCountries: []string{"KE"}})
		v, err := f.svc.Vehicles.Create(ctx, frOfficer, property.Record[property.Vehicle]{Meta: record.Meta{Ref: "FR-V1"},
			Data: property.Vehicle{VIN: "1M8GDM9AXKP042788", Plate: "AB-123-CD", PlateCountry: "FR"}})
		if err != nil {
			t.Fatal(err)
		}
		dir := filepath.Join(t.TempDir(), "post")

		// An export needs a purpose, and a border system or officer.
		_, err = mirror.Export(ctx, db, f.log, mirror.ExportRequest{Dir: dir, Principal: keBorder, Key: f.key, Now: f.now})
		if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "purpose" {
			t.Fatalf("no purpose: %v", err)
		}
		_, err = mirror.Export(ctx, db, f.log, mirror.ExportRequest{Dir: dir, Principal: principal("KE", "africa", identity.NCBAdmin), Purpose: "x", Key: f.key, Now: f.now})
		if !errs.Is(errs.Permission, err) {
			t.Fatalf("ncb-admin: %v", err)
		}

		res := f.export(t, dir)
		if res.Delta || res.Records != 2 || res.Keys != 4 || res.Total != 2 || res.File != mirror.SnapshotFile {
			t.Fatalf("snapshot = %+v", res)
		}
		b, err := os.ReadFile(filepath.Join(dir, mirror.SnapshotFile))
		if err != nil {
			t.Fatal(err)
		}
		for _, clear := range []string{"18FR12345", "20FR00042", "1M8GDM9AXKP042788", "AB123CD", "FR-2"} {
			if bytes.Contains(b, []byte(clear)) {
				t.Errorf("the snapshot holds %q in clear", clear)
			}
		}
		es, err := f.log.Query(ctx, audit.Filter{Action: "mirror.export"})
		if err != nil {
			t.Fatal(err)
		}
		if n := len(es); n != 1 || es[0].Actor != keBorder.User.ID || es[0].Purpose != "border post Namanga" || es[0].Outcome != audit.OutcomeAllow {
			// the refused exports (no purpose) are audited too, as deny
			var allowed int
			for _, e := range es {
				if e.Outcome == audit.OutcomeAllow {
					allowed++
				}
			}
			if allowed != 1 {
				t.Fatalf("audit entries %+v", es)
			}
		}

		m := open(t, dir)
		for _, c := range []struct {
			q    mirror.Query
			want string
		}{
			{mirror.Query{Kind: mirror.KindDocument, Country: "FR", Key: "18FR12345"}, "FR-1"},
			{mirror.Query{Kind: mirror.KindDocument, Key: "18fr 12345"}, "FR-1"},
			{mirror.Query{Kind: mirror.KindDocument, Country: "FR", Key: "20FR00042"}, ""},
			{mirror.Query{Kind: mirror.KindDocument, Key: "20FR00042"}, ""},
			{mirror.Query{Kind: mirror.KindDocument, Country: "DE", Key: "18FR12345"}, ""},
			{mirror.Query{Kind: mirror.KindVehicle, Key: "1M8GDM9AXKP042788"}, "FR-V1"},
			{mirror.Query{Kind: mirror.KindVehicle, Country: "fr", Key: "ab 123-cd"}, "FR-V1"},
			{mirror.Query{Kind: mirror.KindVehicle, Key: "18FR12345"}, ""},
		} {
			if got := strings.Join(check(t, m, c.q), ","); got != c.want {
				t.Errorf("check %v = %q, want %q", c.q, got, c.want)
			}
		}
		if _, err := m.Check(mirror.Query{Kind: mirror.KindDocument, Country: "FRA", Key: "1"}); errs.FieldOf(err) != "country" {
			t.Errorf("bad country: %v", err)
		}

		// Changes: FR-3 added, FR-1 deleted, FR-2 unrestricted.
		f.doc(t, "FR-3", "21FR55555", policy.Restrictions{})
		if err := f.svc.Documents.Delete(ctx, frOfficer, f.ids["FR-1"]); err != nil {
			t.Fatal(err)
		}
		d2, err := f.svc.Documents.Get(ctx, frOfficer, f.ids["FR-2"])
		if err != nil {
			t.Fatal(err)
		}
		d2.Restrictions = policy.Restrictions{}
		if _, err := f.svc.Documents.Update(ctx, frOfficer, d2.ID, d2); err != nil {
			t.Fatal(err)
		}
		res = f.export(t, dir)
		if !res.Delta || res.Sequence != 1 || res.Records != 2 || res.Removes != 1 || res.Total != 3 {
			t.Fatalf("delta = %+v", res)
		}
		m = open(t, dir)
		for number, want := range map[string]string{"18FR12345": "", "20FR00042": "FR-2", "21FR55555": "FR-3"} {
			if got := strings.Join(check(t, m, mirror.Query{Kind: mirror.KindDocument, Country: "FR", Key: number}), ","); got != want {
				t.Errorf("after delta: %s = %q, want %q", number, got, want)
			}
		}
		if got := check(t, m, mirror.Query{Kind: mirror.KindVehicle, Key: v.Data.VIN}); len(got) != 1 {
			t.Errorf("vehicle lost in delta: %v", got)
		}
		if info := m.Info(); info.Sequence != 1 || !info.Created.Equal(f.now) {
			t.Errorf("info = %+v", info)
		}

		// Restricting FR-3 after the fact removes it from the mirror.
		d3, err := f.svc.Documents.Get(ctx, frOfficer, f.ids["FR-3"])
		if err != nil {
			t.Fatal(err)
		}
		d3.Restrictions = policy.Restrictions{DenyRegions: []member.Region{member.Africa}}
		if _, err := f.svc.Documents.Update(ctx, frOfficer, d3.ID, d3); err != nil {
			t.Fatal(err)
		}
		res = f.export(t, dir)
		if res.Sequence != 2 || res.Records != 0 || res.Removes != 1 {
			t.Fatalf("second delta = %+v", res)
		}
		res = f.export(t, dir)
		if res.Sequence != 3 || res.Records != 0 || res.Removes != 0 || res.Total != 2 {
			t.Fatalf("empty delta = %+v", res)
		}
		m = open(t, dir)
		if got := check(t, m, mirror.Query{Kind: mirror.KindDocument, Key: "21FR55555"}); len(got) != 0 {
			t.Errorf("restricted FR-3 still found: %v", got)
		}
		if got := check(t, m, mirror.Query{Kind: mirror.KindDocument, Key: "20FR00042"}); len(got) != 1 {
			t.Errorf("FR-2 lost: %v", got)
		}

		// Another post may not export into this directory.
		_, err = mirror.Export(ctx, db, f.log, mirror.ExportRequest{Dir: dir, Principal: principal("KE", "africa", identity.Officer), Purpose: "x", Key: f.key, Now: f.now})
		if !errs.Is(errs.Invalid, err) || !strings.Contains(errs.Message(err), "holds the mirror of ke.border-system") {
			t.Fatalf("other post: %v", err)
		}
	})
}

// TestTamperRefused changes every byte of every file of a mirror in turn,
// and breaks the chain and the key in other ways: Open refuses each.
func TestTamperRefused(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := newFixture(t, db)
	f.doc(t, "FR-1", "18FR12345", policy.Restrictions{})
	dir := t.TempDir()
	f.export(t, dir)
	f.doc(t, "FR-2", "19FR77881", policy.Restrictions{})
	f.export(t, dir)
	f.doc(t, "FR-3", "19FR77882", policy.Restrictions{})
	f.export(t, dir)
	open(t, dir)

	for _, name := range []string{mirror.SnapshotFile, "delta-000001.pxm", "delta-000002.pxm"} {
		path := filepath.Join(dir, name)
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i := range orig {
			b := bytes.Clone(orig)
			b[i] ^= 0x01
			if err := os.WriteFile(path, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := mirror.Open(dir, ""); !errs.Is(errs.Invalid, err) || !strings.Contains(errs.Message(err), "refused") {
				t.Fatalf("%s byte %d changed: Open = %v", name, i, err)
			}
		}
		for _, b := range [][]byte{orig[:len(orig)-1], append(bytes.Clone(orig), 0)} {
			os.WriteFile(path, b, 0o600)
			if _, err := mirror.Open(dir, ""); !errs.Is(errs.Invalid, err) {
				t.Fatalf("%s truncated or extended: Open = %v", name, err)
			}
		}
		os.WriteFile(path, orig, 0o600)
	}
	open(t, dir)

	// A delta missing in the middle breaks the chain.
	mid := filepath.Join(dir, "delta-000001.pxm")
	b1, _ := os.ReadFile(mid)
	os.Remove(mid)
	if _, err := mirror.Open(dir, ""); err == nil || !strings.Contains(errs.Message(err), "chain is broken") {
		t.Fatalf("missing delta: %v", err)
	}
	// Deltas swapped: the links fail.
	b2, _ := os.ReadFile(filepath.Join(dir, "delta-000002.pxm"))
	os.WriteFile(mid, b2, 0o600)
	os.WriteFile(filepath.Join(dir, "delta-000002.pxm"), b1, 0o600)
	if _, err := mirror.Open(dir, ""); !errs.Is(errs.Invalid, err) {
		t.Fatalf("swapped deltas: %v", err)
	}
	os.WriteFile(mid, b1, 0o600)
	os.WriteFile(filepath.Join(dir, "delta-000002.pxm"), b2, 0o600)
	open(t, dir)

	// Pinned to another key, or signed by another key: refused.
	other, err := mirror.LoadOrCreateKey(filepath.Join(t.TempDir(), mirror.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mirror.Open(dir, other.VerifierKey); !errs.Is(errs.Invalid, err) || !strings.Contains(errs.Message(err), "no valid signature") {
		t.Fatalf("other --key: %v", err)
	}
	if _, err := mirror.Open(dir, f.key.VerifierKey); err != nil {
		t.Fatalf("right --key: %v", err)
	}
	if _, err := mirror.Open(dir, "garbage"); errs.FieldOf(err) != "key" {
		t.Fatalf("malformed --key: %v", err)
	}
	// A snapshot and deltas signed by another key (a forger with its own
	// key who also replaced mirror.pub) are refused when the key is pinned.
	forged := t.TempDir()
	g := *f
	g.key = other
	g.export(t, forged)
	if _, err := mirror.Open(forged, f.key.VerifierKey); !errs.Is(errs.Invalid, err) {
		t.Fatalf("forged mirror accepted with the pinned key: %v", err)
	}
	// A delta of another chain does not follow this snapshot.
	g.export(t, forged)
	fd, _ := os.ReadFile(filepath.Join(forged, "delta-000001.pxm"))
	os.WriteFile(filepath.Join(dir, "delta-000003.pxm"), fd, 0o600)
	if _, err := mirror.Open(dir, other.VerifierKey); !errs.Is(errs.Invalid, err) {
		t.Fatalf("foreign delta: %v", err)
	}
	os.Remove(filepath.Join(dir, "delta-000003.pxm"))
	// An export refuses to extend a directory it cannot verify.
	os.WriteFile(mid, b2, 0o600)
	if _, err := mirror.Export(ctx, db, f.log, mirror.ExportRequest{Dir: dir, Principal: keBorder, Purpose: "x", Key: f.key, Now: f.now}); !errs.Is(errs.Invalid, err) {
		t.Fatalf("export over a broken chain: %v", err)
	}
}

// TestQueueAndUpload: offline hits are appended to the outbox; Upload moves
// accepted batches to uploaded.jsonl, keeps them on refusal, and never
// duplicates an ID there.
func TestQueueAndUpload(t *testing.T) {
	db := storetest.OpenSQLite(t)
	f := newFixture(t, db)
	f.doc(t, "FR-1", "18FR12345", policy.Restrictions{})
	dir := t.TempDir()
	f.export(t, dir)
	m := open(t, dir)
	at := time.Date(2026, 11, 30, 2, 0, 0, 0, time.UTC)
	q := mirror.Query{Kind: mirror.KindDocument, Country: "FR", Key: "18FR12345"}
	for range 3 {
		if res, err := m.CheckAndQueue(q, "entry check", at); err != nil || res.Result != "hit" {
			t.Fatalf("CheckAndQueue = %+v %v", res, err)
		}
	}
	if res, err := m.CheckAndQueue(mirror.Query{Kind: mirror.KindDocument, Key: "NOPE"}, "entry check", at); err != nil || res.Result != "no-hit" {
		t.Fatalf("no-hit = %+v %v", res, err)
	}
	pending, err := mirror.Pending(dir)
	if err != nil || len(pending) != 3 {
		t.Fatalf("pending = %v %v", pending, err)
	}
	h := pending[0]
	if h.ID == "" || h.ID == pending[1].ID || h.Kind != "document" || h.Query != "document FR 18FR12345" || h.RecordID != f.ids["FR-1"] ||
		h.Owner != "FR" || h.Ref != "FR-1" || !h.CheckedAt.Equal(at) || h.Purpose != "entry check" || h.Post != "ke.border-system" {
		t.Fatalf("queued hit = %+v", h)
	}

	if err := h.Validate(); err != nil {
		t.Fatalf("queued hit invalid: %v", err)
	}
	for field, edit := range map[string]func(*mirror.QueuedHit){
		"id":         func(q *mirror.QueuedHit) { q.ID = "x" },
		"kind":       func(q *mirror.QueuedHit) { q.Kind = "artwork" },
		"query":      func(q *mirror.QueuedHit) { q.Query = "" },
		"record_id":  func(q *mirror.QueuedHit) { q.RecordID = "a\nb" },
		"owner":      func(q *mirror.QueuedHit) { q.Owner = "fra" },
		"checked_at": func(q *mirror.QueuedHit) { q.CheckedAt = time.Time{} },
		"purpose":    func(q *mirror.QueuedHit) { q.Purpose = strings.Repeat("p", 501) },
		"post":       func(q *mirror.QueuedHit) { q.Post = "" },
	} {
		q := h
		edit(&q)
		if err := q.Validate(); !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != field {
			t.Errorf("%s: %v", field, err)
		}
	}

	refuse := errs.E("test", errs.Unavailable, "server down")
	if n, err := mirror.Upload(ctx, dir, func(context.Context, []mirror.QueuedHit) error { return refuse }); n != 0 || err == nil {
		t.Fatalf("refused upload = %d %v", n, err)
	}
	if p, _ := mirror.Pending(dir); len(p) != 3 {
		t.Fatalf("refused upload lost hits: %d left", len(p))
	}
	var sent []mirror.QueuedHit
	n, err := mirror.Upload(ctx, dir, func(_ context.Context, hs []mirror.QueuedHit) error { sent = append(sent, hs...); return nil })
	if err != nil || n != 3 || len(sent) != 3 || sent[0].ID != h.ID {
		t.Fatalf("upload = %d %v %d", n, err, len(sent))
	}
	if p, _ := mirror.Pending(dir); len(p) != 0 {
		t.Fatalf("%d hits left after upload", len(p))
	}
	// A crash after the POST but before the move: the hit is sent again
	// and recorded once.
	b, _ := json.Marshal(h)
	os.WriteFile(filepath.Join(dir, mirror.OutboxFile), append(b, '\n'), 0o600)
	if n, err := mirror.Upload(ctx, dir, func(context.Context, []mirror.QueuedHit) error { return nil }); n != 1 || err != nil {
		t.Fatalf("re-send = %d %v", n, err)
	}
	up, _ := os.ReadFile(filepath.Join(dir, mirror.UploadedFile))
	if c := bytes.Count(up, []byte("\n")); c != 3 {
		t.Fatalf("uploaded.jsonl has %d lines, want 3", c)
	}
	if n, err := mirror.Upload(ctx, dir, func(context.Context, []mirror.QueuedHit) error { t.Fatal("sent nothing"); return nil }); n != 0 || err != nil {
		t.Fatalf("empty upload = %d %v", n, err)
	}
}

// copyDir copies the regular files of src into a new directory.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src)+"-copy")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// TestRollbackRefused: a post that has checked with a mirror refuses an
// older one that verifies as well (its snapshot alone, without the delta
// since; an older chain after a new snapshot; another delta with the same
// number), and one past --max-age; the newest mirror seen is kept per post
// and key in the state file, outside the mirror, and a damaged state file
// is an error, not a fresh start.
func TestRollbackRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.doc(t, "FR-1", "18FR12345", policy.Restrictions{})
		dir := filepath.Join(t.TempDir(), "post")
		f.export(t, dir)
		forked := copyDir(t, dir) // the snapshot, exported again below
		f.doc(t, "FR-3", "21FR55555", policy.Restrictions{})
		f.export(t, dir)
		f.doc(t, "FR-4", "21FR66666", policy.Restrictions{})
		f.export(t, forked) // another delta 1 of the same chain

		state := filepath.Join(t.TempDir(), "state", "mirror-state.json")
		guard := func(d string, maxAge time.Duration, now time.Time) error {
			t.Helper()
			m, err := mirror.Open(d, "")
			if err != nil {
				t.Fatal(err)
			}
			return m.Guard(state, maxAge, now)
		}
		refused := func(what string, err error, want string) {
			t.Helper()
			if !errs.Is(errs.Invalid, err) || !strings.Contains(errs.Message(err), "refused: ") || !strings.Contains(errs.Message(err), want) {
				t.Fatalf("%s: %v, want a refusal saying %q", what, err, want)
			}
		}
		now := f.now.Add(time.Hour)
		if err := guard(dir, 0, now); err != nil {
			t.Fatalf("first mirror: %v", err)
		}
		if err := guard(dir, 0, now); err != nil {
			t.Fatalf("the same mirror again: %v", err)
		}
		// The delta removed: the snapshot alone verifies, and is refused.
		cut := copyDir(t, dir)
		if err := os.Remove(filepath.Join(cut, "delta-000001.pxm")); err != nil {
			t.Fatal(err)
		}
		if _, err := mirror.Open(cut, ""); err != nil {
			t.Fatalf("the cut chain should verify on its own: %v", err)
		}
		refused("the delta removed", guard(cut, 0, now), "has fewer deltas than")
		// Another delta 1 of the same chain (made later, so not older).
		refused("another delta 1", guard(forked, 0, now), "differs from")

		// A new chain (a new snapshot, later) is taken; then the old chain
		// is older.
		fresh := filepath.Join(t.TempDir(), "post2")
		f.export(t, fresh)
		if err := guard(fresh, 0, now); err != nil {
			t.Fatalf("a newer snapshot: %v", err)
		}
		refused("the old chain", guard(dir, 0, now), "is older than")

		// Too old.
		refused("max age", guard(fresh, time.Hour, f.now.Add(2*time.Hour)), "more than --max-age")
		if err := guard(fresh, 3*time.Hour, f.now.Add(2*time.Hour)); err != nil {
			t.Fatalf("within max age: %v", err)
		}

		// The state names the post and the key.
		b, err := os.ReadFile(state)
		if err != nil || !strings.Contains(string(b), `"`+keBorder.User.Username+`|KE|polex-mirror+`) {
			t.Fatalf("state file: %q %v", b, err)
		}
		if err := os.WriteFile(state, []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := guard(fresh, 0, now); !errs.Is(errs.Unavailable, err) || !strings.Contains(errs.Message(err), "damaged") {
			t.Fatalf("damaged state: %v", err)
		}
	})
}

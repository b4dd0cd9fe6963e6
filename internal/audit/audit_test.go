package audit

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/errs"
)

var testTime = time.Date(2025, 3, 4, 5, 6, 7, 890123456, time.UTC)

func goodEntry() Entry {
	return Entry{Seq: 12, Time: testTime, Actor: "u-42", ActorOrg: "ncb-fr", Action: "person.search",
		Target: "person:123", Outcome: OutcomeOK, Purpose: "case 2025/17", RequestID: "r-1",
		Detail: "{\"query\":\"DUPONT\"}\nline two\ttab"}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Entry)
		field string // "" when valid
	}{
		{"valid", func(e *Entry) {}, ""},
		{"minimal", func(e *Entry) { *e = Entry{Time: testTime, Actor: "a", Action: "user.login", Outcome: OutcomeDeny} }, ""},
		{"negative seq", func(e *Entry) { e.Seq = -1 }, "seq"},
		{"zero time", func(e *Entry) { e.Time = time.Time{} }, "time"},
		{"before 1970", func(e *Entry) { e.Time = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }, "time"},
		{"after 2262", func(e *Entry) { e.Time = time.Date(2262, 6, 1, 0, 0, 0, 0, time.UTC) }, "time"},
		{"no actor", func(e *Entry) { e.Actor = "" }, "actor"},
		{"long actor", func(e *Entry) { e.Actor = strings.Repeat("a", MaxActor+1) }, "actor"},
		{"bad utf8 org", func(e *Entry) { e.ActorOrg = "ncb-\xff" }, "actor_org"},
		{"no action", func(e *Entry) { e.Action = "" }, "action"},
		{"upper-case action", func(e *Entry) { e.Action = "Notice.read" }, "action"},
		{"empty action segment", func(e *Entry) { e.Action = "notice..read" }, "action"},
		{"trailing dot", func(e *Entry) { e.Action = "notice." }, "action"},
		{"space in action", func(e *Entry) { e.Action = "notice read" }, "action"},
		{"newline in target", func(e *Entry) { e.Target = "a\nb" }, "target"},
		{"NUL in detail", func(e *Entry) { e.Detail = "a\x00b" }, "detail"},
		{"DEL in actor", func(e *Entry) { e.Actor = "a\x7f" }, "actor"},
		{"long detail", func(e *Entry) { e.Detail = strings.Repeat("d", MaxDetail+1) }, "detail"},
		{"long purpose", func(e *Entry) { e.Purpose = strings.Repeat("p", MaxPurpose+1) }, "purpose"},
		{"long request id", func(e *Entry) { e.RequestID = strings.Repeat("r", MaxRequestID+1) }, "request_id"},
		{"no outcome", func(e *Entry) { e.Outcome = "" }, "outcome"},
		{"unknown outcome", func(e *Entry) { e.Outcome = "maybe" }, "outcome"},
		{"search without purpose", func(e *Entry) { e.Purpose = "" }, "purpose"},
		{"allowed search without purpose", func(e *Entry) { e.Purpose, e.Outcome = "", OutcomeAllow }, "purpose"},
		{"denied search without purpose", func(e *Entry) { e.Purpose, e.Outcome = "", OutcomeDeny }, ""},
		{"failed search without purpose", func(e *Entry) { e.Purpose, e.Outcome = "", OutcomeError }, ""},
		{"read without purpose", func(e *Entry) { e.Purpose, e.Action = "", "notice.read" }, ""},
		{"bare search", func(e *Entry) { e.Purpose, e.Action = "", "search" }, "purpose"},
		{"unicode text", func(e *Entry) { e.Target = "personne: Éloïse Ñúñez 李" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := goodEntry()
			tt.edit(&e)
			err := e.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != tt.field {
				t.Fatalf("Validate = %v, want Invalid on %s", err, tt.field)
			}
		})
	}
}

func TestFilterNormalize(t *testing.T) {
	for _, tt := range []struct {
		name      string
		f         Filter
		wantLimit int
		field     string
	}{
		{"default limit", Filter{}, DefaultLimit, ""},
		{"capped limit", Filter{Limit: MaxLimit + 5}, MaxLimit, ""},
		{"kept limit", Filter{Limit: 7}, 7, ""},
		{"negative start", Filter{Start: -1}, 0, "start"},
		{"to before from", Filter{From: testTime, To: testTime}, 0, "to"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.f.Normalize()
			if tt.field != "" {
				if !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != tt.field {
					t.Fatalf("Normalize = %v, want Invalid on %s", err, tt.field)
				}
				return
			}
			if err != nil || f.Limit != tt.wantLimit {
				t.Fatalf("Normalize = %+v, %v; want limit %d", f, err, tt.wantLimit)
			}
		})
	}
}

func TestLeaf(t *testing.T) {
	e := goodEntry()
	e.Detail = "quote\" backslash\\ ctl\x01 <html>&"
	leaf := e.Leaf()
	want := `{"v":1,"seq":12,"time":1741064767890123456,"actor":"u-42","actor_org":"ncb-fr","action":"person.search",` +
		`"target":"person:123","outcome":"ok","purpose":"case 2025/17","request_id":"r-1","detail":"quote\" backslash\\ ctl\u0001 <html>&"}`
	if string(leaf) != want {
		t.Fatalf("Leaf =\n%s\nwant\n%s", leaf, want)
	}
	if e.LeafHash() != tlog.RecordHash(leaf) {
		t.Fatal("LeafHash is not the record hash of Leaf")
	}
	e.Detail = "ok"
	got, err := ParseLeaf(e.Leaf())
	if err != nil {
		t.Fatal(err)
	}
	if got != e || !got.Time.Equal(testTime) {
		t.Fatalf("ParseLeaf = %+v, want %+v", got, e)
	}
	for _, bad := range []string{
		``, `{}`, `null`,
		strings.Replace(string(e.Leaf()), `"v":1`, `"v":2`, 1),
		strings.Replace(string(e.Leaf()), `"seq":12,`, ``, 1),
		strings.Replace(string(e.Leaf()), `"seq":12`, `"seq":12.0`, 1),
		strings.Replace(string(e.Leaf()), `"actor":`, `"ACTOR":`, 1),
		strings.Replace(string(e.Leaf()), `"u-42"`, `"u\u002d42"`, 1),
		string(e.Leaf()) + " ",
		string(e.Leaf()) + "{}",
		strings.Replace(string(e.Leaf()), `}`, `,"x":1}`, 1),
	} {
		if _, err := ParseLeaf([]byte(bad)); !errs.Is(errs.Invalid, err) {
			t.Errorf("ParseLeaf(%q) = %v, want Invalid", bad, err)
		}
	}
}

// TestLeafCoversEveryByte changes each byte of each field, including to
// bytes that are not valid UTF-8, and checks the leaf changes.
func TestLeafCoversEveryByte(t *testing.T) {
	e := goodEntry()
	base := e.Leaf()
	fields := []*string{&e.Actor, &e.ActorOrg, &e.Action, &e.Target, &e.Outcome, &e.Purpose, &e.RequestID, &e.Detail}
	for _, p := range fields {
		orig := *p
		for i := range len(orig) {
			for _, c := range []byte{'"', '\\', 0, 0xff, orig[i] ^ 1} {
				if c == orig[i] {
					continue
				}
				b := []byte(orig)
				b[i] = c
				*p = string(b)
				if bytes.Equal(e.Leaf(), base) {
					t.Fatalf("changing byte %d of %q to %#x leaves the leaf unchanged", i, orig, c)
				}
			}
		}
		*p = orig
	}
	e.Seq++
	if bytes.Equal(e.Leaf(), base) {
		t.Fatal("seq not covered")
	}
	e.Seq--
	e.Time = e.Time.Add(1)
	if bytes.Equal(e.Leaf(), base) {
		t.Fatal("time not covered")
	}
}

func TestCheckpointText(t *testing.T) {
	c := Checkpoint{Size: 42, Root: tlog.RecordHash([]byte("x")), Time: testTime}
	text := CheckpointText(c)
	if !strings.HasPrefix(string(text), "polex audit log\n42\n") || !strings.HasSuffix(string(text), "\n2025-03-04T05:06:07.890123456Z\n") {
		t.Fatalf("CheckpointText = %q", text)
	}
	got, err := ParseCheckpointText(text)
	if err != nil || got.Size != c.Size || got.Root != c.Root || !got.Time.Equal(c.Time) {
		t.Fatalf("ParseCheckpointText = %+v, %v", got, err)
	}
	for _, bad := range []string{
		"", "polex audit log\n42\n",
		strings.Replace(string(text), "42", "042", 1),
		strings.Replace(string(text), "42", "+42", 1),
		strings.Replace(string(text), "42", "-1", 1),
		strings.Replace(string(text), "polex", "other", 1),
		strings.Replace(string(text), "Z\n", "+00:00\n", 1),
		strings.TrimSuffix(string(text), "\n"),
		string(text) + "extra\n",
	} {
		if _, err := ParseCheckpointText([]byte(bad)); !errs.Is(errs.Invalid, err) {
			t.Errorf("ParseCheckpointText(%q) = %v, want Invalid", bad, err)
		}
	}
}

func TestKeyAndSignature(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", KeyFile)
	k, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v", err, fi.Mode().Perm())
	}
	k2, err := LoadOrCreateKey(path)
	if err != nil || k2.VerifierKey != k.VerifierKey {
		t.Fatalf("reload: %v; key changed", err)
	}
	if !strings.HasPrefix(k.VerifierKey, KeyName+"+") {
		t.Fatalf("VerifierKey = %q", k.VerifierKey)
	}
	c, err := SignCheckpoint(Checkpoint{Size: 3, Root: tlog.RecordHash([]byte("r")), Time: testTime}, k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	got, err := OpenCheckpoint(c.Note, k.Verifier)
	if err != nil || got.Size != 3 || got.Root != c.Root || !bytes.Equal(got.Note, c.Note) {
		t.Fatalf("OpenCheckpoint = %+v, %v", got, err)
	}
	other, err := LoadOrCreateKey(filepath.Join(dir, "other.key"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCheckpoint(c.Note, other.Verifier); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("OpenCheckpoint with another key = %v, want ErrBadSignature", err)
	}
	tampered := bytes.Replace(c.Note, []byte("\n3\n"), []byte("\n4\n"), 1)
	if _, err := OpenCheckpoint(tampered, k.Verifier); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("OpenCheckpoint of changed text = %v, want ErrBadSignature", err)
	}
	if _, err := OpenCheckpoint([]byte("junk"), k.Verifier); !errs.Is(errs.Invalid, err) || errors.Is(err, ErrBadSignature) {
		t.Fatalf("OpenCheckpoint(junk) = %v, want Invalid", err)
	}

	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadKey(path); !errs.Is(errs.Invalid, err) {
		t.Fatalf("LoadKey of a world-readable key = %v, want Invalid", err)
	}
	if _, err := LoadKey(filepath.Join(dir, "missing")); !errs.Is(errs.NotFound, err) {
		t.Fatalf("LoadKey of a missing file = %v, want NotFound", err)
	}
	bad := filepath.Join(dir, "bad.key")
	if err := os.WriteFile(bad, []byte("PRIVATE+KEY+x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(bad); !errs.Is(errs.Invalid, err) {
		t.Fatalf("LoadOrCreateKey of a malformed key = %v, want Invalid", err)
	}
	if _, err := NewVerifier(k.VerifierKey); err != nil {
		t.Fatal(err)
	}
	if _, err := NewVerifier("junk"); !errs.Is(errs.Invalid, err) {
		t.Fatalf("NewVerifier(junk) = %v", err)
	}
}

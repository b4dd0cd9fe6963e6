package audit

import (
	"bytes"
	"testing"

	"github.com/polex-org/polex/internal/errs"
)

// FuzzParseLeaf checks that ParseLeaf accepts exactly the canonical
// encodings of valid entries: whatever it accepts re-encodes to the input.
func FuzzParseLeaf(f *testing.F) {
	e := goodEntry()
	f.Add(e.Leaf())
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"seq":0,"time":1,"actor":"a","actor_org":"","action":"x","target":"","outcome":"ok","purpose":"","request_id":"","detail":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		got, err := ParseLeaf(b)
		if err != nil {
			if !errs.Is(errs.Invalid, err) {
				t.Fatalf("ParseLeaf: %v, want an Invalid error", err)
			}
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("ParseLeaf accepted an invalid entry: %v", err)
		}
		if !bytes.Equal(got.Leaf(), b) {
			t.Fatalf("ParseLeaf(%q).Leaf() = %q", b, got.Leaf())
		}
	})
}

// FuzzParseCheckpointText checks that ParseCheckpointText accepts exactly
// the canonical checkpoint texts.
func FuzzParseCheckpointText(f *testing.F) {
	f.Add([]byte("polex audit log\n42\nqUqP5cyxm6YcTAhz05Hph5gvu9M=AAAAAAAAAAA=\n2025-03-04T05:06:07.890123456Z\n"))
	f.Add(CheckpointText(Checkpoint{Size: 7, Time: testTime}))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseCheckpointText(b)
		if err != nil {
			if !errs.Is(errs.Invalid, err) {
				t.Fatalf("ParseCheckpointText: %v, want an Invalid error", err)
			}
			return
		}
		if c.Size < 0 || !bytes.Equal(CheckpointText(c), b) {
			t.Fatalf("ParseCheckpointText(%q) = %+v, which formats as %q", b, c, CheckpointText(c))
		}
	})
}

package audit

import (
	"bytes"
	"encoding/json"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/polex-org/polex/internal/errs"
)

// LeafVersion is the version of the leaf encoding, its first field.
const LeafVersion = 1

// Leaf returns the canonical encoding of e, the data of its tlog record: a
// one-line JSON object with the fields in a fixed order, the time as Unix
// nanoseconds, and strings escaped minimally (only '"', '\\' and control
// characters), so that every stored column is covered and any change to one
// changes the leaf:
//
//	{"v":1,"seq":0,"time":1700000000000000000,"actor":"…","actor_org":"…","action":"…","target":"…","outcome":"…","purpose":"…","request_id":"…","detail":"…"}
//
// The encoding is injective even for strings that are not valid UTF-8 (which
// Validate refuses but a tampered database may hold): their bytes are copied.
func (e Entry) Leaf() []byte {
	return e.AppendLeaf(make([]byte, 0, 160+len(e.Actor)+len(e.ActorOrg)+len(e.Action)+
		len(e.Target)+len(e.Purpose)+len(e.RequestID)+len(e.Detail)))
}

// AppendLeaf appends e.Leaf() to b.
func (e Entry) AppendLeaf(b []byte) []byte {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, LeafVersion, 10)
	b = append(b, `,"seq":`...)
	b = strconv.AppendInt(b, e.Seq, 10)
	b = append(b, `,"time":`...)
	b = strconv.AppendInt(b, nanos(e.Time), 10)
	b = appendField(b, "actor", e.Actor)
	b = appendField(b, "actor_org", e.ActorOrg)
	b = appendField(b, "action", e.Action)
	b = appendField(b, "target", e.Target)
	b = appendField(b, "outcome", e.Outcome)
	b = appendField(b, "purpose", e.Purpose)
	b = appendField(b, "request_id", e.RequestID)
	b = appendField(b, "detail", e.Detail)
	return append(b, '}')
}

// LeafHash returns the tlog record hash of e: tlog.RecordHash(e.Leaf()).
func (e Entry) LeafHash() tlog.Hash { return tlog.RecordHash(e.Leaf()) }

// nanos returns t as Unix nanoseconds, 0 for the zero time (as stored).
func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// unixTime is the inverse of nanos.
func unixTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

const hexDigits = "0123456789abcdef"

func appendField(b []byte, name, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':', '"')
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// leafJSON mirrors the leaf encoding for ParseLeaf.
type leafJSON struct {
	V         *int    `json:"v"`
	Seq       *int64  `json:"seq"`
	Time      *int64  `json:"time"`
	Actor     *string `json:"actor"`
	ActorOrg  *string `json:"actor_org"`
	Action    *string `json:"action"`
	Target    *string `json:"target"`
	Outcome   *string `json:"outcome"`
	Purpose   *string `json:"purpose"`
	RequestID *string `json:"request_id"`
	Detail    *string `json:"detail"`
}

// ParseLeaf decodes a leaf produced by Entry.Leaf. It accepts only the
// canonical encoding of a valid entry, so that ParseLeaf(b).Leaf() equals b;
// anything else is an Invalid error.
func ParseLeaf(b []byte) (Entry, error) {
	const op = "audit.ParseLeaf"
	var j leafJSON
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&j); err != nil {
		return Entry{}, errs.E(op, errs.Invalid, "malformed leaf", err)
	}
	if j.V == nil || *j.V != LeafVersion {
		return Entry{}, errs.E(op, errs.Invalid, "unknown leaf version")
	}
	if j.Seq == nil || j.Time == nil || j.Actor == nil || j.ActorOrg == nil || j.Action == nil ||
		j.Target == nil || j.Outcome == nil || j.Purpose == nil || j.RequestID == nil || j.Detail == nil {
		return Entry{}, errs.E(op, errs.Invalid, "leaf lacks a field")
	}
	e := Entry{Seq: *j.Seq, Time: unixTime(*j.Time), Actor: *j.Actor, ActorOrg: *j.ActorOrg,
		Action: *j.Action, Target: *j.Target, Outcome: *j.Outcome, Purpose: *j.Purpose,
		RequestID: *j.RequestID, Detail: *j.Detail}
	if err := e.Validate(); err != nil {
		return Entry{}, errs.E(op, err)
	}
	if !bytes.Equal(e.Leaf(), b) {
		return Entry{}, errs.E(op, errs.Invalid, "leaf is not in canonical form")
	}
	return e, nil
}

package audit

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strconv"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/polex-org/polex/internal/errs"
)

// Origin is the first line of every checkpoint.
const Origin = "polex audit log"

// CheckpointText returns the text of c that is signed, in the checkpoint
// format of transparency logs with one extension line for the time:
//
//	polex audit log
//	<size>
//	<root, standard base64>
//	<time, RFC 3339 in UTC with nanoseconds>
func CheckpointText(c Checkpoint) []byte {
	b := make([]byte, 0, 128)
	b = append(b, Origin...)
	b = append(b, '\n')
	b = strconv.AppendInt(b, c.Size, 10)
	b = append(b, '\n')
	b = base64.StdEncoding.AppendEncode(b, c.Root[:])
	b = append(b, '\n')
	b = c.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, '\n')
}

// ParseCheckpointText decodes a text made by CheckpointText, accepting only
// its canonical form, and returns the checkpoint without Note; an Invalid
// error otherwise.
func ParseCheckpointText(text []byte) (Checkpoint, error) {
	const op = "audit.ParseCheckpointText"
	bad := func(msg string) (Checkpoint, error) { return Checkpoint{}, errs.E(op, errs.Invalid, msg) }
	lines := bytes.SplitAfter(text, []byte("\n"))
	if len(lines) != 5 || len(lines[4]) != 0 {
		return bad("a checkpoint has four lines")
	}
	for i := range 4 {
		lines[i] = lines[i][:len(lines[i])-1]
	}
	if string(lines[0]) != Origin {
		return bad("not a polex audit log checkpoint")
	}
	var c Checkpoint
	size, err := strconv.ParseInt(string(lines[1]), 10, 64)
	if err != nil || size < 0 {
		return bad("bad size")
	}
	c.Size = size
	root, err := base64.StdEncoding.DecodeString(string(lines[2]))
	if err != nil || len(root) != len(c.Root) {
		return bad("bad root hash")
	}
	copy(c.Root[:], root)
	t, err := time.Parse(time.RFC3339Nano, string(lines[3]))
	if err != nil || t.Before(minTime) || !t.Before(maxTime) {
		return bad("bad time")
	}
	c.Time = t.UTC()
	if !bytes.Equal(CheckpointText(c), text) {
		return bad("checkpoint is not in canonical form")
	}
	return c, nil
}

// SignCheckpoint returns c with Note set to its text signed by signer, or
// an Internal error when signing fails.
func SignCheckpoint(c Checkpoint, signer note.Signer) (Checkpoint, error) {
	msg, err := note.Sign(&note.Note{Text: string(CheckpointText(c))}, signer)
	if err != nil {
		return Checkpoint{}, errs.E("audit.SignCheckpoint", errs.Internal, err)
	}
	c.Note = msg
	return c, nil
}

// ErrBadSignature is wrapped by OpenCheckpoint's errors when the note is not
// signed by the verifier's key, or the signature does not match its text.
var ErrBadSignature = errors.New("audit: checkpoint not signed by the log's key")

// OpenCheckpoint checks that signed is a note signed by v and returns the
// checkpoint it states, with Note set. It returns an Invalid error wrapping
// ErrBadSignature when the signature is missing or wrong, and an Invalid
// error when the note or its text is malformed.
func OpenCheckpoint(signed []byte, v note.Verifier) (Checkpoint, error) {
	const op = "audit.OpenCheckpoint"
	n, err := note.Open(signed, note.VerifierList(v))
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		if errors.As(err, &unverified) || errors.As(err, &invalid) {
			return Checkpoint{}, errs.E(op, errs.Invalid, "bad signature", errors.Join(ErrBadSignature, err))
		}
		return Checkpoint{}, errs.E(op, errs.Invalid, "malformed signed note", err)
	}
	c, err := ParseCheckpointText([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, errs.E(op, err)
	}
	c.Note = append([]byte(nil), signed...)
	return c, nil
}

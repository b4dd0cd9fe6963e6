package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/screen/mrz"
)

// maxZoneInput bounds what `polex mrz` reads from stdin: a zone is at most
// 92 characters plus line ends; this leaves room for whitespace.
const maxZoneInput = 64 << 10

// runMrz reads a TD1, TD2 or TD3 machine-readable zone on stdin and prints
// it as one JSON object. A zone whose check digits fail is printed with
// "valid":false and exit 0; text that is no zone exits 2.
func runMrz(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("mrz")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: polex mrz < ZONE\n\nReads the 2 or 3 lines of a TD1, TD2 or TD3 machine-readable zone on stdin\nand prints one JSON object with the fields and every check digit verified.\n")
	}
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q: the zone is read on stdin", fs.Arg(0))
	}
	text, err := readZone(env.Stdin)
	if err != nil {
		return err
	}
	z, err := mrz.Parse(text)
	if err != nil {
		return err
	}
	b, err := json.Marshal(z)
	if err != nil {
		return errs.E("cli.mrz", errs.Internal, err)
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
	return err
}

// readZone reads stdin up to maxZoneInput; more is not a zone.
func readZone(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxZoneInput+1))
	if err != nil {
		return "", errs.E("cli.mrz", errs.Internal, "reading stdin", err)
	}
	if len(b) > maxZoneInput {
		return "", errs.E("cli.mrz", errs.Invalid, fmt.Sprintf("no machine-readable zone: more than %d bytes on stdin", maxZoneInput))
	}
	return string(b), nil
}

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/screen"
)

const onlineCheckUsage = `usage: polex check --as USER [--purpose TEXT] [--priority urgent|routine] [--location TEXT] WHAT
  WHAT is one of
       document CC NUMBER | document NUMBER | mrz   (the zone on stdin)
       vehicle VIN | plate CC PLATE
       person NAME [--birth-date DATE] [--nationality CC] [--sex M|F|U] [--limit K]
       artwork TEXT
       documents --in FILE   (JSON Lines: {"issuing_country":"FR","number":"..."} or {"mrz":"..."})
       manifest --in FILE    (JSON Lines: {"name":"...","birth_date":"...","nationality":"..",
                              "sex":"M","document":{"issuing_country":"FR","number":"..."}})

Without --mirror, checks against the database (--data or --database) with
USER's rights, exactly as the API's /checks endpoints do, and prints their
answer as one JSON object: a check's matches, a batch's hits (up to 10,000
documents) or a manifest's passengers (up to 1,000). Every check is audited
with its purpose, and every hit is told to the record's owner at once. A bad
line of FILE fails the whole check, naming its line, before anything is
checked. Exit status: 0 for a hit or no hit, 1 when the check failed, 2 for
bad usage or input.`

// checkFlags are the flags of an online check besides the data's.
type checkFlags struct {
	as, purpose, priority, location *string
	birth, nationality, sex, in     *string
	limit                           *int
}

// runOnlineCheck checks against the database: what the API's /checks
// endpoints do, from the command line.
func runOnlineCheck(ctx context.Context, env *Env, f checkFlags, pos []string) error {
	const op = "cli.check"
	if *f.as == "" {
		return usagef("--as USER is required to check against the database (or give --mirror DIR to check offline)\n%s", onlineCheckUsage)
	}
	if len(pos) == 0 {
		return usagef("give what to check\n%s", onlineCheckUsage)
	}
	if err := checkArgs(pos, map[string][]int{"document": {2, 3}, "mrz": {1}, "vehicle": {2}, "plate": {3}, "person": {2}, "artwork": {2},
		"documents": {1}, "manifest": {1}}, "document, mrz, vehicle, plate, person, artwork, documents or manifest", onlineCheckUsage); err != nil {
		return err
	}
	many := pos[0] == "documents" || pos[0] == "manifest"
	if many != (*f.in != "") {
		if many {
			return usagef("%s needs --in FILE", pos[0])
		}
		return usagef("--in is for documents and manifest only")
	}
	if pos[0] != "person" && (*f.birth != "" || *f.nationality != "" || *f.sex != "" || *f.limit != 0) {
		return usagef("--birth-date, --nationality, --sex and --limit are for person only")
	}
	// Read what is to be checked before opening anything.
	var zone string
	var docs []screen.DocumentQuery
	var pas []screen.Passenger
	var lines []int // the file's line of each entry of docs or pas
	var err error
	switch pos[0] {
	case "mrz":
		if zone, err = readZone(env.Stdin); err != nil {
			return err
		}
	case "documents":
		docs, lines, err = readLines[screen.DocumentQuery](*f.in, screen.MaxBatch)
	case "manifest":
		pas, lines, err = readLines[screen.Passenger](*f.in, screen.MaxManifest)
	}
	if err != nil {
		return err
	}
	a, err := env.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	p, err := a.ScreenPrincipal(ctx, *f.as)
	if err != nil {
		return err
	}
	if err := a.LoadScreen(ctx); err != nil {
		return err
	}
	c := screen.Context{Purpose: *f.purpose, Priority: *f.priority, Location: *f.location}
	var res any
	switch pos[0] {
	case "document":
		q := screen.DocumentQuery{Number: pos[len(pos)-1]}
		if len(pos) == 3 {
			q.IssuingCountry = strings.ToUpper(pos[1])
		}
		res, err = a.Screen.CheckDocument(ctx, p, c, q)
	case "mrz":
		res, err = a.Screen.CheckDocument(ctx, p, c, screen.DocumentQuery{MRZ: zone})
	case "vehicle":
		res, err = a.Screen.CheckVehicle(ctx, p, c, screen.VehicleQuery{VIN: pos[1]})
	case "plate":
		res, err = a.Screen.CheckVehicle(ctx, p, c, screen.VehicleQuery{PlateCountry: strings.ToUpper(pos[1]), Plate: pos[2]})
	case "person":
		res, err = a.Screen.CheckPerson(ctx, p, c, screen.PersonQuery{Name: pos[1], BirthDate: *f.birth,
			Nationality: strings.ToUpper(*f.nationality), Sex: strings.ToUpper(*f.sex), Limit: *f.limit})
	case "artwork":
		res, err = a.Screen.CheckArtwork(ctx, p, c, screen.ArtworkQuery{Text: pos[1]})
	case "documents":
		res, err = a.Screen.CheckDocuments(ctx, p, c, docs)
	case "manifest":
		res, err = a.Screen.CheckManifest(ctx, p, c, pas)
	}
	if err != nil {
		return lineOf(err, *f.in, lines)
	}
	if err := flushStats(ctx, a); err != nil {
		return err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
	return err
}

// checkArgs checks that pos names a check of want and has one of the
// numbers of words (the check's name included) want gives for it.
func checkArgs(pos []string, want map[string][]int, names, usage string) error {
	n, ok := want[pos[0]]
	if !ok {
		return usagef("unknown check %q: %s\n%s", pos[0], names, usage)
	}
	if !slices.Contains(n, len(pos)) {
		return usagef("wrong number of arguments for %s\n%s", pos[0], usage)
	}
	return nil
}

// flushStats stores the check counts that the screen service gathers in
// memory, so that a command's checks show in the statistics.
func flushStats(ctx context.Context, a *app.App) error {
	if err := a.Screen.FlushStats(context.WithoutCancel(ctx)); err != nil {
		return errs.E("cli.check", errs.Internal, "storing the check statistics", err)
	}
	return nil
}

// readLines reads a JSON Lines file of at most max values of T, and the
// line of each; blank lines are skipped, and an error names the line at
// fault.
func readLines[T any](path string, max int) ([]T, []int, error) {
	const op = "cli.check"
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, errs.E(op, errs.Invalid, fmt.Sprintf("cannot open %s: %v", path, err), "in")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var out []T
	var lines []int
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		if len(out) == max {
			return nil, nil, errs.Invalidf(op, "in", "%s:%d: one check takes at most %d lines", path, n, max)
		}
		var v T
		d := json.NewDecoder(bytes.NewReader(line))
		d.DisallowUnknownFields()
		if err := d.Decode(&v); err != nil {
			return nil, nil, errs.Invalidf(op, "in", "%s:%d: %v", path, n, err)
		}
		if _, err := d.Token(); err != io.EOF {
			return nil, nil, errs.Invalidf(op, "in", "%s:%d: one JSON object a line", path, n)
		}
		out = append(out, v)
		lines = append(lines, n)
	}
	if err := sc.Err(); err != nil {
		return nil, nil, errs.E(op, errs.Invalid, "reading "+path, err, "in")
	}
	if len(out) == 0 {
		return nil, nil, errs.Invalidf(op, "in", "%s holds nothing to check", path)
	}
	return out, lines, nil
}

// lineOf names the line of path that a refusal of the screen service is
// about (screen.EntryField: the entry's index, lines[i] its line); other
// errors are returned as they are.
func lineOf(err error, path string, lines []int) error {
	i, field, ok := screen.EntryField(errs.FieldOf(err))
	if !ok || i >= len(lines) {
		return err
	}
	return errs.Invalidf("cli.check", "in", "%s:%d: %s: %s", path, lines[i], field, errs.Message(err))
}

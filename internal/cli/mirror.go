package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/screen/mirror"
	"github.com/polex-org/polex/internal/screen/mrz"
)

const mirrorUsage = `usage: polex mirror export --as USERNAME --out DIR --purpose TEXT
       polex mirror upload --server URL --token TOKEN DIR

export writes the offline mirror of a remote post into DIR: the travel
documents and vehicles that USERNAME (a border system or officer of a member
country) may search, signed with the key DATA/mirror.key (created on first
use). The first export into DIR writes a snapshot; later ones a delta with
what changed since. Numbers, VINs and plates are stored hashed. The export is
audited as mirror.export with its purpose. Copy DIR to the post; publish the
verifier key it prints (also in DIR/mirror.pub) so checks can pin it.

upload sends the hits that 'polex check --mirror DIR' queued in
DIR/outbox.jsonl to URL/api/v1/checks/offline with the API token (--token -
reads it from stdin, where it is not seen by other users; or the POLEX_TOKEN
variable), and moves those the server accepted to
DIR/uploaded.jsonl. Sending twice is safe: the server ignores hits it has.`

const checkUsage = `usage: polex check --mirror DIR [--key VERIFIER] [--purpose TEXT] document CC NUMBER
       polex check --mirror DIR ... document NUMBER
       polex check --mirror DIR ... vehicle VIN
       polex check --mirror DIR ... plate CC PLATE
       polex check --mirror DIR ... mrz            (the machine-readable zone on stdin)

Checks a travel document or vehicle offline against the mirror in DIR (see
'polex mirror export'), with no network and no database, and prints one JSON
object: {"result":"hit"|"no-hit","hits":[...],"mirror":{"created","sequence"}}.
Every file of the mirror is verified first: a broken signature or chain is
refused (exit 1). Without --key the key in DIR/mirror.pub is trusted, which
whoever can change DIR can change too: give --key with the published verifier
key to pin it. The post keeps the newest mirror it has checked with in
--state (outside DIR) and refuses an older one, or the same chain with
deltas missing at its end (rolled back); --max-age refuses a mirror too old
to trust. Each hit is queued in DIR/outbox.jsonl for 'polex mirror
upload'. An mrz check looks up the zone's document number with its issuing
state (as alpha-2 when it maps to one, else the number alone).`

// runMirror runs the mirror subcommands: export and upload.
func runMirror(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usagef("give export or upload\n%s", mirrorUsage)
	}
	switch args[0] {
	case "export":
		return runMirrorExport(ctx, env, args[1:])
	case "upload":
		return runMirrorUpload(ctx, env, args[1:])
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(env.Stderr, mirrorUsage)
		return nil
	}
	return usagef("unknown mirror command %q\n%s", args[0], mirrorUsage)
}

func runMirrorExport(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("mirror export")
	as := fs.String("as", "", "the post's `USERNAME` (a border system or officer)")
	out := fs.String("out", "", "the mirror `DIR`")
	purpose := fs.String("purpose", "", "why the mirror is exported (audited)")
	fs.Usage = func() { fmt.Fprintln(env.Stderr, mirrorUsage); fs.PrintDefaults() }
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q\n%s", fs.Arg(0), mirrorUsage)
	}
	if *as == "" || *out == "" {
		return usagef("--as USERNAME and --out DIR are required\n%s", mirrorUsage)
	}
	a, err := env.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	const op = "cli.mirror.export"
	u, err := a.DB.UserByName(ctx, strings.ToLower(strings.TrimSpace(*as)))
	if errs.Is(errs.NotFound, err) {
		return errs.Invalidf(op, "as", "no user %q", *as)
	}
	if err != nil {
		return errs.E(op, err)
	}
	p, err := a.Identity.Principal(ctx, u.ID, "cli")
	if err != nil {
		return errs.E(op, err)
	}
	key, err := mirror.LoadOrCreateKey(filepath.Join(a.Config.DataDir, mirror.KeyFile))
	if err != nil {
		return err
	}
	res, err := mirror.Export(ctx, a.DB, a.Audit, mirror.ExportRequest{Dir: *out, Principal: p, Purpose: *purpose, Key: key, Now: time.Now().UTC()})
	if err != nil {
		return err
	}
	what := "snapshot"
	if res.Delta {
		what = fmt.Sprintf("delta %d", res.Sequence)
	}
	fmt.Fprintf(env.Stdout, "%s %s: %d records written (%d keys), %d removed; the mirror of %s holds %d records; %d bytes\nverifier key: %s\n",
		what, filepath.Join(*out, res.File), res.Records, res.Keys, res.Removes, u.Username, res.Total, res.Bytes, key.VerifierKey)
	return nil
}

func runMirrorUpload(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("mirror upload")
	server := fs.String("server", "", "the Polex server's base `URL`")
	token := fs.String("token", "", "an API `TOKEN` with the check scope; - reads it from stdin (default: $POLEX_TOKEN)")
	fs.Usage = func() { fmt.Fprintln(env.Stderr, mirrorUsage); fs.PrintDefaults() }
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("give the mirror directory\n%s", mirrorUsage)
	}
	if *token == "" && env.Getenv != nil {
		*token = env.Getenv("POLEX_TOKEN")
	}
	if *token == "-" {
		line, err := bufio.NewReader(io.LimitReader(env.Stdin, 4096)).ReadString('\n')
		if err != nil && err != io.EOF {
			return errs.E("cli.mirror.upload", errs.Internal, "reading the token from stdin", err)
		}
		*token = strings.TrimSpace(line)
	}
	u, err := url.Parse(strings.TrimRight(*server, "/"))
	if *server == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return usagef("--server must be the server's http(s) URL")
	}
	if *token == "" {
		return usagef("--token TOKEN (or POLEX_TOKEN) is required")
	}
	endpoint := u.String() + "/api/v1/checks/offline"
	client := &http.Client{Timeout: 60 * time.Second}
	send := func(ctx context.Context, hits []mirror.QueuedHit) error {
		return postHits(ctx, client, endpoint, *token, hits)
	}
	n, err := mirror.Upload(ctx, pos[0], send)
	if n > 0 || err == nil {
		fmt.Fprintf(env.Stdout, "%d hits uploaded\n", n)
	}
	return err
}

// postHits posts one batch of queued hits; any 2xx answer accepts it.
func postHits(ctx context.Context, client *http.Client, endpoint, token string, hits []mirror.QueuedHit) error {
	const op = "cli.mirror.upload"
	body, err := json.Marshal(struct {
		Hits []mirror.QueuedHit `json:"hits"`
	}{hits})
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return errs.E(op, errs.Invalid, "bad server URL", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return errs.E(op, errs.Unavailable, "cannot reach the server: "+err.Error(), err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	var problem struct{ Title, Detail string }
	detail := strings.TrimSpace(string(msg))
	if json.Unmarshal(msg, &problem) == nil && (problem.Detail != "" || problem.Title != "") {
		detail = strings.TrimSpace(problem.Title + ": " + problem.Detail)
	}
	if len(detail) > 200 {
		detail = detail[:200]
	}
	kind := errs.Unavailable
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		kind = errs.Permission
	}
	return errs.E(op, kind, fmt.Sprintf("the server refused the upload (%s): %s; the hits stay queued", resp.Status, detail))
}

// runMirrorCheck runs `polex check --mirror DIR ...`: an offline check.
func runMirrorCheck(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("check")
	dir := fs.String("mirror", "", "the mirror `DIR` to check offline")
	key := fs.String("key", "", "the mirror's published `VERIFIER` key, to pin it (default: DIR/mirror.pub)")
	purpose := fs.String("purpose", "border control", "why the check is made (recorded with each hit)")
	state := fs.String("state", "", "offline: the `FILE` where the post keeps the newest mirror it has checked with, to refuse an older one (default $POLEX_MIRROR_STATE, else $XDG_CONFIG_HOME or $HOME/.config, /polex/mirror-state.json)")
	maxAge := fs.Duration("max-age", 0, "offline: refuse a mirror whose newest file is older than `D` (e.g. 72h); 0: any age")
	f := checkFlags{
		as:          fs.String("as", "", "online: check with this `USER`'s rights (an officer or border system of a member country)"),
		priority:    fs.String("priority", "", "online: urgent or routine (default: urgent for border systems, routine for others)"),
		location:    fs.String("location", "polex check (CLI)", "online: where the check is made"),
		birth:       fs.String("birth-date", "", "online, person: `YYYY[-MM[-DD]]`"),
		nationality: fs.String("nationality", "", "online, person: ISO 3166-1 alpha-2 `CC`"),
		sex:         fs.String("sex", "", "online, person: M, F or U"),
		limit:       fs.Int("limit", 0, "online, person: at most `K` candidates (default 10)"),
		in:          fs.String("in", "", "online, documents and manifest: the JSON Lines `FILE`"),
		purpose:     purpose,
	}
	fs.Usage = func() { fmt.Fprintln(env.Stderr, checkUsage+"\n\n"+onlineCheckUsage); fs.PrintDefaults() }
	pos, err := parseMixed(fs, args)
	if err != nil {
		return err
	}
	if strings.TrimSpace(*purpose) == "" {
		return usagef("--purpose must not be empty")
	}
	if *dir == "" {
		return runOnlineCheck(ctx, env, f, pos)
	}
	online := false
	fs.Visit(func(fl *flag.Flag) {
		switch fl.Name {
		case "as", "priority", "location", "birth-date", "nationality", "sex", "limit", "in":
			online = true
		}
	})
	if online {
		return usagef("--as, --priority, --location, --birth-date, --nationality, --sex, --limit and --in are for checks against the database, not with --mirror")
	}
	if *maxAge < 0 {
		return usagef("--max-age must not be negative")
	}
	if *state == "" {
		*state = mirrorStatePath(env)
		if *state == "" {
			return usagef("give --state FILE: neither POLEX_MIRROR_STATE, XDG_CONFIG_HOME nor HOME is set")
		}
	}
	q, err := mirrorQuery(env, pos)
	if err != nil {
		return err
	}
	m, err := mirror.Open(*dir, *key)
	if err == nil {
		err = m.Guard(*state, *maxAge, time.Now().UTC())
	}
	if errs.Is(errs.Invalid, err) {
		// Refusals exit 1: the mirror, not the command line, is at fault.
		return errs.E("cli.check", errs.Permission, errs.Message(err))
	}
	if err != nil {
		return err
	}
	res, err := m.CheckAndQueue(q, strings.TrimSpace(*purpose), time.Now().UTC())
	if err != nil {
		return err
	}
	b, err := json.Marshal(res)
	if err != nil {
		return errs.E("cli.check", errs.Internal, err)
	}
	_, err = fmt.Fprintf(env.Stdout, "%s\n", b)
	return err
}

// mirrorStatePath is where a post keeps the newest mirror it has checked
// with when --state is not given: $POLEX_MIRROR_STATE, else under
// $XDG_CONFIG_HOME or $HOME/.config; "" when none is set.
func mirrorStatePath(env *Env) string {
	if p := env.Getenv("POLEX_MIRROR_STATE"); p != "" {
		return p
	}
	dir := env.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		if home := env.Getenv("HOME"); home != "" {
			dir = filepath.Join(home, ".config")
		}
	}
	if dir == "" {
		return ""
	}
	return filepath.Join(dir, "polex", "mirror-state.json")
}

// mirrorQuery reads the query of an offline check from its arguments (and
// stdin for mrz).
func mirrorQuery(env *Env, pos []string) (mirror.Query, error) {
	if len(pos) == 0 {
		return mirror.Query{}, usagef("give what to check\n%s", checkUsage)
	}
	if err := checkArgs(pos, map[string][]int{"document": {2, 3}, "vehicle": {2}, "plate": {3}, "mrz": {1}}, "document, vehicle, plate or mrz", checkUsage); err != nil {
		return mirror.Query{}, err
	}
	switch pos[0] {
	case "document":
		if len(pos) == 2 {
			return mirror.Query{Kind: mirror.KindDocument, Key: pos[1]}, nil
		}
		return mirror.Query{Kind: mirror.KindDocument, Country: strings.ToUpper(pos[1]), Key: pos[2]}, nil
	case "vehicle":
		return mirror.Query{Kind: mirror.KindVehicle, Key: pos[1]}, nil
	case "plate":
		return mirror.Query{Kind: mirror.KindVehicle, Country: strings.ToUpper(pos[1]), Key: pos[2]}, nil
	}
	text, err := readZone(env.Stdin)
	if err != nil {
		return mirror.Query{}, err
	}
	z, err := mrz.Parse(text)
	if err != nil {
		return mirror.Query{}, err
	}
	if !z.Valid {
		fmt.Fprintf(env.Stderr, "polex check: warning: the zone's check digits fail; checking its document number %s anyway\n", z.DocumentNumber)
	}
	return mirror.Query{Kind: mirror.KindDocument, Country: member.ICAOState(z.IssuingState), Key: z.DocumentNumber}, nil
}

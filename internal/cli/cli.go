// Package cli is the polex command line: one table of subcommands, each a
// function of (ctx, env, args) returning an error. Run maps errors to exit
// codes: 0 success, 1 failure, 2 bad usage or input.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/config"
	"github.com/polex-org/polex/internal/errs"
)

// Env is what a command may use: its configuration and output streams.
type Env struct {
	Config config.Config
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server (API and web) on --addr", runServe},
		{"demo", "run the server on the embedded database with demo data", runDemo},
		{"migrate", "apply database migrations and load reference data", runMigrate},
		{"user", "administer users: create, list, disable, enable, token, password", runUser},
		{"org", "administer members and organisations: list, countries, agency, admit, suspend, reinstate", runOrg},
		{"audit", "audit log: verify, tail", runAudit},
		{"import", "bulk-load documents, vehicles, persons or artworks: import KIND --owner CC FILE", runImport},
		{"screen", "screen a file of names against the persons database: screen persons --in Q --out R", runScreen},
		{"mirror", "offline mirrors for remote posts: export --as USER --out DIR, upload DIR", runMirror},
		{"check", "check against the database (check --as USER document CC NUMBER | person NAME | manifest --in FILE | …) or offline (check --mirror DIR document CC NUMBER | vehicle VIN | plate CC PLATE | mrz)", runMirrorCheck},
		{"mrz", "parse a machine-readable zone (TD1, TD2, TD3) on stdin and verify its check digits", runMrz},
		{"bench", "measure the checks against synthetic data: bench checks --documents N --persons M", runBench},
		{"version", "print the version", runVersion},
	}
}

// usageError marks bad command-line usage (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// Run runs the command line args (without the program name) and returns the
// exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	env := &Env{Config: config.FromEnv(getenv), Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv}
	env.Config.Version = Version()
	global := flag.NewFlagSet("polex", flag.ContinueOnError)
	global.SetOutput(stderr)
	env.Config.StorageFlags(global)
	global.Usage = func() { printUsage(stderr, global) }
	if err := global.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := global.Args()
	if len(rest) == 0 {
		printUsage(stderr, global)
		return 2
	}
	for _, c := range commands() {
		if c.name != rest[0] {
			continue
		}
		err := c.run(ctx, env, rest[1:])
		return exitCode(stderr, c.name, err)
	}
	fmt.Fprintf(stderr, "polex: unknown command %q (run 'polex' for the list)\n", rest[0])
	return 2
}

func exitCode(stderr io.Writer, name string, err error) int {
	if err == nil {
		return 0
	}
	var ue usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "polex %s: %s\n", name, ue.msg)
		return 2
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "polex %s: interrupted\n", name)
		return 1
	}
	msg := errs.Message(err)
	if f := errs.FieldOf(err); f != "" && !strings.Contains(msg, f) {
		msg = f + ": " + msg
	}
	fmt.Fprintf(stderr, "polex %s: %s\n", name, msg)
	if k := errs.KindOf(err); k == errs.Internal || k == errs.Unavailable {
		fmt.Fprintf(stderr, "  cause: %v\n", err)
		return 1
	}
	if errs.KindOf(err) == errs.Invalid {
		return 2
	}
	return 1
}

func printUsage(w io.Writer, global *flag.FlagSet) {
	fmt.Fprintf(w, "polex — the open platform for international police cooperation\n\nUsage: polex [--data DIR] [--database URL] COMMAND [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nFlags every command takes:\n")
	global.PrintDefaults()
}

// flags returns a flag set for a subcommand that also takes the storage flags.
func (env *Env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("polex "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	env.Config.StorageFlags(fs)
	return fs
}

// parse parses args, turning flag errors into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	return nil
}

// parseMixed parses args with fs where flags may come before, between or
// after the positional arguments, which it returns in order.
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for rest := args; ; {
		if err := parse(fs, rest); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		rest = fs.Args()[1:]
	}
}

// logger returns the process logger on stderr.
func (env *Env) logger() *slog.Logger { return app.NewLogger(env.Config, env.Stderr) }

// open opens the application for a command.
func (env *Env) open(ctx context.Context) (*app.App, error) {
	return app.Open(ctx, env.Config, env.logger())
}

// Version returns the module version from the build information.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " " + s.Value[:12]
			}
		}
		if v != "" {
			return v
		}
	}
	return "dev"
}

func runVersion(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("version")
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "polex %s\n", Version())
	return nil
}

// osUser names the operator for audit entries of CLI actions.
func osUser(getenv func(string) string) string {
	for _, k := range []string{"SUDO_USER", "USER", "LOGNAME"} {
		if v := getenv(k); v != "" && len(v) < 64 {
			return v
		}
	}
	return "operator"
}

// Command polex is the one binary of Polex: server, demo, administration,
// audit verification and the tools of later issues, as subcommands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/polex-org/polex/internal/cli"
)

func main() {
	tuneGC(os.Getenv)
	tuneProcs(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

package cli

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/polex-org/polex/internal/app"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
)

func runAudit(ctx context.Context, env *Env, args []string) error {
	return sub(ctx, env, "audit", args, map[string]func(context.Context, *Env, []string) error{
		"verify": auditVerify, "tail": auditTail,
	}, []string{"verify", "tail"})
}

// auditVerify recomputes the whole log from the stored entries and checks
// every stored hash and signed checkpoint. It exits 1 and names the first
// entry that does not match.
func auditVerify(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("audit verify")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := env.Config.Validate(); err != nil {
		return err
	}
	key, err := audit.LoadKey(env.Config.AuditKeyPath())
	if err != nil {
		return err
	}
	db, err := app.OpenDB(ctx, env.Config, env.logger())
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := audit.Verify(ctx, db, key.Verifier, nil)
	if err != nil {
		return err
	}
	if !rep.OK() {
		fmt.Fprintf(env.Stdout, "FAIL: %s (%s); %d entries and %d checkpoints matched before it\n",
			rep.Problem, rep.Problem.Kind, rep.Entries, rep.Checkpoints)
		return errs.E("audit.verify", errs.Conflict, "audit log does not verify: "+rep.Problem.String())
	}
	fmt.Fprintf(env.Stdout, "OK: %d entries, %d signed checkpoints (latest covers %d entries), root %x\n",
		rep.Entries, rep.Checkpoints, rep.Signed, rep.Root[:])
	return nil
}

// auditTail prints the last entries as JSON Lines.
func auditTail(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("audit tail")
	n := fs.Int("n", 20, "how many entries")
	if err := parse(fs, args); err != nil {
		return err
	}
	return withApp(ctx, env, func(a *app.App, _ identity.Principal) error {
		size, err := a.Audit.Size(ctx)
		if err != nil {
			return err
		}
		start := size - int64(*n)
		if start < 0 {
			start = 0
		}
		es, err := a.Audit.Query(ctx, audit.Filter{Start: start, Limit: *n})
		if err != nil {
			return err
		}
		enc := json.NewEncoder(env.Stdout)
		for _, e := range es {
			if err := enc.Encode(e); err != nil {
				return err
			}
		}
		return nil
	})
}

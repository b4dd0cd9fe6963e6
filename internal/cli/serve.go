package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/polex-org/polex/internal/app"
)

func runServe(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("serve")
	env.Config.ServerFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	a, err := env.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	return a.Serve(ctx, func(addr string) {
		a.Log.Info("polex serving", "url", scheme(env)+"://"+addr, "storage", env.Config.String(), "version", Version())
	})
}

func scheme(env *Env) string {
	if env.Config.TLSCert != "" {
		return "https"
	}
	return "http"
}

func runDemo(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("demo")
	env.Config.ServerFlags(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	env.Config.DemoMode = true
	a, err := env.open(ctx)
	if err != nil {
		return err
	}
	defer a.Close(context.WithoutCancel(ctx))
	logins, err := a.SeedDemo(ctx)
	if err != nil {
		return err
	}
	return a.Serve(ctx, func(addr string) {
		w := env.Stdout
		fmt.Fprintf(w, "Polex demo — %s (second factor off: demo mode only)\n", env.Config.String())
		fmt.Fprintf(w, "Open %s://%s/ and sign in with a username below and the password %q.\n\n", scheme(env), addr, app.DemoPassword)
		fmt.Fprintf(w, "  %-12s %-14s %s\n", "USERNAME", "ORGANISATION", "ROLES")
		for _, l := range logins {
			roles := make([]string, len(l.Roles))
			for i, r := range l.Roles {
				roles[i] = string(r)
			}
			fmt.Fprintf(w, "  %-12s %-14s %s\n", l.Username, l.Org, strings.Join(roles, ", "))
			if l.Token != "" {
				fmt.Fprintf(w, "  %-12s API token (shown once): %s\n", "", l.Token)
			}
		}
		fmt.Fprintf(w, "\nAPI: %s://%s/api/v1/openapi.json — stop with Ctrl-C.\n", scheme(env), addr)
	})
}

func runMigrate(ctx context.Context, env *Env, args []string) error {
	fs := env.flags("migrate")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := env.Config.Validate(); err != nil {
		return err
	}
	db, err := app.OpenDB(ctx, env.Config, env.logger())
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := app.SeedReference(ctx, db, db.Now())
	if err != nil {
		return err
	}
	var ver int
	if err := db.SQL.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&ver); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: schema at migration %d; %d member countries added\n", env.Config.String(), ver, n)
	return nil
}

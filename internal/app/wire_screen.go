package app

import (
	"context"
	"sync"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/screen"
)

// openScreen builds the clearinghouse; the property service tells it of
// every change this process makes. Its indexes are loaded by the first
// check, or at once by LoadScreen (serve does, before it listens).
func (a *App) openScreen(ctx context.Context) error {
	a.Screen = screen.New(a.DB, a.Audit, a.Log, screen.Config{UrgentDeadline: a.Config.HitUrgent, RoutineDeadline: a.Config.HitRoutine})
	if a.Property != nil {
		a.Property.Changed = a.Screen.Changed
	}
	if a.Notices != nil {
		a.Notices.Changed = a.Screen.Changed
	}
	return nil
}

// LoadScreen loads the clearinghouse's indexes from the stored records.
func (a *App) LoadScreen(ctx context.Context) error {
	start := time.Now()
	if err := a.Screen.Load(ctx); err != nil {
		return errs.E("app.LoadScreen", err)
	}
	st := a.Screen.IndexStats()
	a.Log.Info("check indexes loaded", "documents", st.Documents, "vehicle_keys", st.VehicleKeys, "persons", st.Persons, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// runScreen runs the clearinghouse's background work (index sync across
// processes, escalation of missed deadlines, statistics) until ctx ends;
// the returned function stops it and waits.
func (a *App) runScreen(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		a.Screen.Run(ctx)
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// ScreenActor is the audit actor of batch screening with the CLI.
const ScreenActor = "system:screen"

// ScreenPrincipal returns the principal under which the local operator
// screens with the CLI (polex screen persons): the user named username,
// with that user's rights, or, when username is "", the operator reading
// with the oversight body's rights — every record, read-only — under the
// audit actor "system:screen". Every query is a check like any other:
// audited with its purpose, and each match is a hit told to the record's
// owner. It returns an errs.Invalid error naming "as" for an unknown or
// disabled user.
func (a *App) ScreenPrincipal(ctx context.Context, username string) (identity.Principal, error) {
	const op = "app.ScreenPrincipal"
	if username == "" {
		return identity.Principal{
			User: identity.User{ID: ScreenActor, Username: "system", DisplayName: "CLI screening", Org: member.OversightID,
				Roles: []identity.Role{identity.Auditor}, Clearance: identity.Confidential},
			OrgKind: string(member.Oversight),
			Via:     "cli",
		}, nil
	}
	u, err := a.DB.UserByName(ctx, username)
	if errs.Is(errs.NotFound, err) {
		return identity.Principal{}, errs.Invalidf(op, "as", "no user %q", username)
	}
	if err != nil {
		return identity.Principal{}, errs.E(op, err)
	}
	p, err := a.Identity.Principal(ctx, u.ID, "cli")
	if err != nil {
		return identity.Principal{}, errs.Invalidf(op, "as", "user %q may not act: %s", username, errs.Message(err))
	}
	return p, nil
}

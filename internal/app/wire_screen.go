package app

import (
	"context"
	"sync"
	"time"

	"github.com/polex-org/polex/internal/errs"
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

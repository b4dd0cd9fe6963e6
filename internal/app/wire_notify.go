package app

import "context"

// openNotify builds the notification service.
func (a *App) openNotify(ctx context.Context) error { return nil }

// startJobs starts the background work of a serving process (webhook
// delivery, retention) and returns a function that stops it and waits.
func (a *App) startJobs(ctx context.Context) (stop func()) { return func() {} }

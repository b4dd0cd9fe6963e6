package app

import "context"

// openNotices builds the notice service.
func (a *App) openNotices(ctx context.Context) error { return nil }

// seedDemoNotices adds demo notices.
func (a *App) seedDemoNotices(ctx context.Context) error { return nil }

package app

import (
	"context"

	"github.com/polex-org/polex/internal/notice"
)

// openNotices builds the notice service.
func (a *App) openNotices(ctx context.Context) error {
	a.Notices = notice.New(a.DB, a.Audit)
	return nil
}

// seedDemoNotices adds demo notices.
func (a *App) seedDemoNotices(ctx context.Context) error { return nil }

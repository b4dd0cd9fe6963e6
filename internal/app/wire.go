package app

import (
	"context"

	"github.com/polex-org/polex/internal/record"
)

// openFeatures builds the record, notification and import services. Open
// calls it after the audit log and identity, before the API and the web
// interface, which take the services it sets on a.
func (a *App) openFeatures(ctx context.Context) error {
	for _, open := range []func(context.Context) error{a.openNotify, a.openNotices, a.openDiffusions, a.openProperty, a.openScreen} {
		if err := open(ctx); err != nil {
			return err
		}
	}
	return nil
}

// retainers are the services whose records expire: the retention job
// (startJobs) runs each of them.
func (a *App) retainers() []record.Retainer {
	var rs []record.Retainer
	if a.Notices != nil {
		rs = append(rs, a.Notices)
	}
	if a.Property != nil {
		rs = append(rs, a.Property)
	}
	return rs
}

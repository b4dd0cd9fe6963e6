package sqldb

import (
	"context"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/screen/mirror"
)

var _ mirror.Source = (*DB)(nil)

// MirrorRows streams the travel documents or vehicles (kind) for an
// offline-mirror export: one query whose rows are scanned one at a time and
// handed to fn, so memory does not grow with the table. The rows come in
// storage order: without ORDER BY id, SQLite reads its table in one pass
// instead of walking the primary-key index and seeking each row in the
// table (the seeks were 13% of an export's CPU in a profile). It stops at
// fn's first error and returns it.
func (db *DB) MirrorRows(ctx context.Context, kind string, fn func(mirror.Row) error) error {
	const op = "sqldb.MirrorRows"
	if kind != mirror.KindDocument && kind != mirror.KindVehicle {
		return errs.E(op, errs.Internal, "no mirror of kind "+kind)
	}
	t, err := propertyTable(op, kind)
	if err != nil {
		return err
	}
	status := `json_extract(body, '$.status')`
	if db.Engine == Postgres {
		status = `(body::jsonb ->> 'status')`
	}
	rows, err := db.SQL.QueryContext(ctx, `SELECT id, owner, owner_org, ref, k1, k2, k3, env, COALESCE(`+status+`, '') FROM `+t)
	if err != nil {
		return wrap(op, err)
	}
	defer rows.Close()
	var env string
	for rows.Next() {
		r := mirror.Row{Kind: kind}
		if err := rows.Scan(&r.ID, &r.Owner, &r.OwnerOrg, &r.Ref, &r.K1, &r.K2, &r.K3, &env, &r.Status); err != nil {
			return wrap(op, err)
		}
		r.Env = []byte(env)
		if err := fn(r); err != nil {
			return err
		}
	}
	return wrap(op, rows.Err())
}

package sqldb

import (
	"context"
	"database/sql"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
)

var _ member.Store = (*DB)(nil)

const countryCols = `alpha2, alpha3, name, region, status, joined, updated_at`

func scanCountry(row scanner) (member.Country, error) {
	var c member.Country
	var joined, updated int64
	err := row.Scan(&c.Alpha2, &c.Alpha3, &c.Name, &c.Region, &c.Status, &joined, &updated)
	c.Joined, c.UpdatedAt = Time(joined), Time(updated)
	return c, err
}

// Countries implements member.Store.
func (db *DB) Countries(ctx context.Context) ([]member.Country, error) {
	return queryAll(ctx, db, "sqldb.Countries", scanCountry, `SELECT `+countryCols+` FROM countries ORDER BY alpha2`)
}

// Country implements member.Store.
func (db *DB) Country(ctx context.Context, alpha2 string) (member.Country, error) {
	c, err := scanCountry(db.SQL.QueryRowContext(ctx, `SELECT `+countryCols+` FROM countries WHERE alpha2 = $1`, alpha2))
	if err != nil {
		return member.Country{}, wrap("sqldb.Country", err)
	}
	return c, nil
}

// PutCountry implements member.Store.
func (db *DB) PutCountry(ctx context.Context, c member.Country) error {
	_, err := db.exec(ctx, `INSERT INTO countries (`+countryCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (alpha2) DO UPDATE SET alpha3 = excluded.alpha3, name = excluded.name, region = excluded.region,
		status = excluded.status, joined = excluded.joined, updated_at = excluded.updated_at`,
		c.Alpha2, c.Alpha3, c.Name, string(c.Region), string(c.Status), Nanos(c.Joined), Nanos(db.Now()))
	return wrap("sqldb.PutCountry", err)
}

// SetCountryStatus implements member.Store.
func (db *DB) SetCountryStatus(ctx context.Context, alpha2 string, s member.Status) error {
	return affectOne("sqldb.SetCountryStatus", func() (sql.Result, error) {
		return db.exec(ctx, `UPDATE countries SET status = $1, updated_at = $2 WHERE alpha2 = $3`, string(s), Nanos(db.Now()), alpha2)
	})
}

const orgCols = `id, kind, name, COALESCE(country, ''), COALESCE(parent, ''), disabled, created_at`

func scanOrg(row scanner) (member.Org, error) {
	var o member.Org
	var created int64
	err := row.Scan(&o.ID, &o.Kind, &o.Name, &o.Country, &o.Parent, &o.Disabled, &created)
	o.CreatedAt = Time(created)
	return o, err
}

// Orgs implements member.Store.
func (db *DB) Orgs(ctx context.Context, cc string) ([]member.Org, error) {
	return queryAll(ctx, db, "sqldb.Orgs", scanOrg, `SELECT `+orgCols+` FROM orgs WHERE $1 = '' OR country = $1 ORDER BY id`, cc)
}

// Org implements member.Store.
func (db *DB) Org(ctx context.Context, id string) (member.Org, error) {
	o, err := scanOrg(db.SQL.QueryRowContext(ctx, `SELECT `+orgCols+` FROM orgs WHERE id = $1`, id))
	if err != nil {
		return member.Org{}, wrap("sqldb.Org", err)
	}
	return o, nil
}

// CreateOrg implements member.Store.
func (db *DB) CreateOrg(ctx context.Context, o member.Org) error {
	_, err := db.exec(ctx, `INSERT INTO orgs (id, kind, name, country, parent, disabled, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		o.ID, string(o.Kind), o.Name, nullString(o.Country), nullString(o.Parent), o.Disabled, Nanos(o.CreatedAt))
	return wrap("sqldb.CreateOrg", err)
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// affectOne runs an UPDATE or DELETE and returns NotFound when no row changed.
func affectOne(op string, exec func() (sql.Result, error)) error {
	res, err := exec()
	if err != nil {
		return wrap(op, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n == 0 {
		return errs.E(op, errs.NotFound)
	}
	return nil
}

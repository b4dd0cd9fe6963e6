package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
)

var _ identity.Store = (*DB)(nil)

const userCols = `u.id, u.username, u.display_name, u.org, COALESCE(o.country, ''), u.roles, u.clearance, u.disabled,
	u.totp_secret, u.password_hash, u.failed_logins, u.locked_until, u.language, u.created_at, u.updated_at`

const userFrom = ` FROM users u JOIN orgs o ON o.id = u.org `

func scanUser(row scanner) (identity.User, error) {
	var u identity.User
	var roles string
	var locked, created, updated int64
	err := row.Scan(&u.ID, &u.Username, &u.DisplayName, &u.Org, &u.Country, &roles, &u.Clearance, &u.Disabled,
		&u.TOTPSecret, &u.PasswordHash, &u.FailedLogins, &locked, &u.Language, &created, &updated)
	u.Roles = splitRoles(roles)
	u.LockedUntil, u.CreatedAt, u.UpdatedAt = Time(locked), Time(created), Time(updated)
	return u, err
}

func splitRoles(s string) []identity.Role {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ",")
	out := make([]identity.Role, len(parts))
	for i, p := range parts {
		out[i] = identity.Role(p)
	}
	return out
}

func joinRoles(rs []identity.Role) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = string(r)
	}
	return strings.Join(parts, ",")
}

// CreateUser implements identity.Store.
func (db *DB) CreateUser(ctx context.Context, u identity.User) error {
	_, err := db.exec(ctx, `INSERT INTO users (id, username, display_name, org, roles, clearance, disabled,
		totp_secret, password_hash, failed_logins, locked_until, language, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		u.ID, u.Username, u.DisplayName, u.Org, joinRoles(u.Roles), int(u.Clearance), u.Disabled,
		u.TOTPSecret, u.PasswordHash, u.FailedLogins, Nanos(u.LockedUntil), u.Language, Nanos(u.CreatedAt), Nanos(u.UpdatedAt))
	return wrap("sqldb.CreateUser", err)
}

// UpdateUser implements identity.Store.
func (db *DB) UpdateUser(ctx context.Context, u identity.User) error {
	return affectOne("sqldb.UpdateUser", func() (sql.Result, error) {
		return db.exec(ctx, `UPDATE users SET username = $2, display_name = $3, org = $4, roles = $5,
			clearance = $6, disabled = $7, totp_secret = $8, password_hash = $9, failed_logins = $10, locked_until = $11,
			language = $12, updated_at = $13 WHERE id = $1`,
			u.ID, u.Username, u.DisplayName, u.Org, joinRoles(u.Roles), int(u.Clearance), u.Disabled,
			u.TOTPSecret, u.PasswordHash, u.FailedLogins, Nanos(u.LockedUntil), u.Language, Nanos(db.Now()))
	})
}

// User implements identity.Store.
func (db *DB) User(ctx context.Context, id string) (identity.User, error) {
	u, err := scanUser(db.SQL.QueryRowContext(ctx, `SELECT `+userCols+userFrom+`WHERE u.id = $1`, id))
	if err != nil {
		return identity.User{}, wrap("sqldb.User", err)
	}
	return u, nil
}

// UserByName implements identity.Store.
func (db *DB) UserByName(ctx context.Context, username string) (identity.User, error) {
	u, err := scanUser(db.SQL.QueryRowContext(ctx, `SELECT `+userCols+userFrom+`WHERE u.username = $1`, username))
	if err != nil {
		return identity.User{}, wrap("sqldb.UserByName", err)
	}
	return u, nil
}

// Users implements identity.Store.
func (db *DB) Users(ctx context.Context, cc string) ([]identity.User, error) {
	return queryAll(ctx, db, "sqldb.Users", scanUser, `SELECT `+userCols+userFrom+`WHERE $1 = '' OR o.country = $1 ORDER BY u.username`, cc)
}

// RecordLogin implements identity.Store.
func (db *DB) RecordLogin(ctx context.Context, userID string, failed int, lockedUntil time.Time) error {
	return affectOne("sqldb.RecordLogin", func() (sql.Result, error) {
		return db.exec(ctx, `UPDATE users SET failed_logins = $2, locked_until = $3 WHERE id = $1`,
			userID, failed, Nanos(lockedUntil))
	})
}

// UseTOTPStep implements identity.Store. The conditional UPDATE makes the
// check and the write one atomic step, across processes too.
func (db *DB) UseTOTPStep(ctx context.Context, userID string, step int64) error {
	const op = "sqldb.UseTOTPStep"
	res, err := db.exec(ctx, `UPDATE users SET totp_step = $2 WHERE id = $1 AND totp_step < $2`, userID, step)
	if err != nil {
		return wrap(op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(op, err)
	} else if n == 0 {
		return errs.E(op, errs.Conflict, "this code was used already")
	}
	return nil
}

// CreateSession implements identity.Store.
func (db *DB) CreateSession(ctx context.Context, s identity.Session) error {
	_, err := db.exec(ctx, `INSERT INTO sessions (id_hash, user_id, csrf, created_at, last_seen, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, s.IDHash, s.UserID, s.CSRF, Nanos(s.CreatedAt), Nanos(s.LastSeen), Nanos(s.ExpiresAt))
	return wrap("sqldb.CreateSession", err)
}

// Session implements identity.Store.
func (db *DB) Session(ctx context.Context, idHash []byte) (identity.Session, error) {
	var s identity.Session
	var created, seen, expires int64
	err := db.SQL.QueryRowContext(ctx, `SELECT id_hash, user_id, csrf, created_at, last_seen, expires_at FROM sessions WHERE id_hash = $1`, idHash).
		Scan(&s.IDHash, &s.UserID, &s.CSRF, &created, &seen, &expires)
	if err != nil {
		return identity.Session{}, wrap("sqldb.Session", err)
	}
	s.CreatedAt, s.LastSeen, s.ExpiresAt = Time(created), Time(seen), Time(expires)
	return s, nil
}

// TouchSession implements identity.Store.
func (db *DB) TouchSession(ctx context.Context, idHash []byte, at time.Time) error {
	return affectOne("sqldb.TouchSession", func() (sql.Result, error) {
		return db.exec(ctx, `UPDATE sessions SET last_seen = $2 WHERE id_hash = $1`, idHash, Nanos(at))
	})
}

// DeleteSession implements identity.Store.
func (db *DB) DeleteSession(ctx context.Context, idHash []byte) error {
	_, err := db.exec(ctx, `DELETE FROM sessions WHERE id_hash = $1`, idHash)
	return wrap("sqldb.DeleteSession", err)
}

// DeleteUserSessions implements identity.Store.
func (db *DB) DeleteUserSessions(ctx context.Context, userID string) error {
	_, err := db.exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
	return wrap("sqldb.DeleteUserSessions", err)
}

const tokenCols = `id, hash, user_id, name, scopes, created_at, expires_at, revoked, last_used`

func scanToken(row scanner) (identity.Token, error) {
	var t identity.Token
	var scopes string
	var created, expires, used int64
	err := row.Scan(&t.ID, &t.Hash, &t.UserID, &t.Name, &scopes, &created, &expires, &t.Revoked, &used)
	if scopes != "" {
		t.Scopes = strings.Split(scopes, ",")
	}
	t.CreatedAt, t.ExpiresAt, t.LastUsed = Time(created), Time(expires), Time(used)
	return t, err
}

// CreateToken implements identity.Store.
func (db *DB) CreateToken(ctx context.Context, t identity.Token) error {
	_, err := db.exec(ctx, `INSERT INTO tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.Hash, t.UserID, t.Name, strings.Join(t.Scopes, ","), Nanos(t.CreatedAt), Nanos(t.ExpiresAt), t.Revoked, Nanos(t.LastUsed))
	return wrap("sqldb.CreateToken", err)
}

// TokenByHash implements identity.Store.
func (db *DB) TokenByHash(ctx context.Context, hash []byte) (identity.Token, error) {
	t, err := scanToken(db.SQL.QueryRowContext(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = $1`, hash))
	if err != nil {
		return identity.Token{}, wrap("sqldb.TokenByHash", err)
	}
	return t, nil
}

// Tokens implements identity.Store.
func (db *DB) Tokens(ctx context.Context, userID string) ([]identity.Token, error) {
	return queryAll(ctx, db, "sqldb.Tokens", scanToken, `SELECT `+tokenCols+` FROM tokens WHERE user_id = $1 ORDER BY created_at, id`, userID)
}

// RevokeToken implements identity.Store.
func (db *DB) RevokeToken(ctx context.Context, id string) error {
	return affectOne("sqldb.RevokeToken", func() (sql.Result, error) {
		return db.exec(ctx, `UPDATE tokens SET revoked = $2 WHERE id = $1`, id, true)
	})
}

// TouchToken implements identity.Store.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	return affectOne("sqldb.TouchToken", func() (sql.Result, error) {
		return db.exec(ctx, `UPDATE tokens SET last_used = $2 WHERE id = $1`, id, Nanos(at))
	})
}

package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/notice"
)

var _ notice.Store = (*DB)(nil)

// nameKey is the folded names of a notice's person (and of its pending
// update), "|"-separated, for the name filter.
func nameKey(n notice.Notice) string {
	var b strings.Builder
	add := func(c notice.Content) {
		if c.Person == nil {
			return
		}
		for _, nm := range c.Person.Names {
			b.WriteString("|" + notice.Fold(nm.Full))
		}
	}
	add(n.Content)
	if n.Pending != nil {
		add(n.Pending.Content)
	}
	if b.Len() > 0 {
		b.WriteString("|")
	}
	return b.String()
}

// SaveNotice implements notice.Store.
func (db *DB) SaveNotice(ctx context.Context, w notice.Write) error {
	const op = "sqldb.SaveNotice"
	n := w.Notice
	body, err := json.Marshal(n)
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	pending := ""
	if n.Pending != nil {
		pending = string(n.Pending.Status)
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if w.Prev == 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notices (id, ref, owner, type, status, pending_status, name_key, review_at, reminded_for, version, updated_at, body)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
				n.ID, n.Ref, n.Owner, string(n.Type), string(n.Status), pending, nameKey(n), Nanos(n.ReviewAt), Nanos(n.RemindedFor), n.Version, Nanos(n.UpdatedAt), string(body)); err != nil {
				return wrap(op, err)
			}
		} else {
			res, err := tx.ExecContext(ctx, `UPDATE notices SET ref = $1, status = $2, pending_status = $3, name_key = $4, review_at = $5, reminded_for = $6,
				version = $7, updated_at = $8, body = $9 WHERE id = $10 AND version = $11`,
				n.Ref, string(n.Status), pending, nameKey(n), Nanos(n.ReviewAt), Nanos(n.RemindedFor), n.Version, Nanos(n.UpdatedAt), string(body), n.ID, w.Prev)
			if err != nil {
				return wrap(op, err)
			}
			if k, err := res.RowsAffected(); err != nil {
				return wrap(op, err)
			} else if k == 0 {
				var v int
				if err := tx.QueryRowContext(ctx, `SELECT version FROM notices WHERE id = $1`, n.ID).Scan(&v); err != nil {
					return wrap(op, err)
				}
				return errs.E(op, errs.Conflict, "the notice changed meanwhile; read it again", "version")
			}
		}
		if v := w.Version; v != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_versions (notice_id, version, at, by_user, action, note, body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				v.NoticeID, v.Version, Nanos(v.At), v.By, v.Action, v.Note, string(v.Body)); err != nil {
				return wrap(op, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notice_keys WHERE notice_id = $1`, n.ID); err != nil {
			return wrap(op, err)
		}
		for _, k := range w.Keys {
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_keys (key, notice_id) VALUES ($1, $2)`, k, n.ID); err != nil {
				return wrap(op, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM notice_public WHERE id = $1`, n.ID); err != nil {
			return wrap(op, err)
		}
		if x := w.Public; x != nil {
			xb, err := json.Marshal(x)
			if err != nil {
				return errs.E(op, errs.Internal, err)
			}
			nats := ""
			if len(x.Nationalities) > 0 {
				nats = "|" + strings.Join(x.Nationalities, "|") + "|"
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO notice_public (id, name_key, sex, nationalities, birth_year, published_at, body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				x.ID, x.NameKey, string(x.Sex), nats, x.BirthYear, Nanos(x.PublishedAt), string(xb)); err != nil {
				return wrap(op, err)
			}
		}
		return InsertEvents(ctx, tx, w.Events)
	})
}

const noticeCols = `body, reminded_for`

func scanNotice(r scanner) (notice.Notice, error) {
	var body string
	var reminded int64
	if err := r.Scan(&body, &reminded); err != nil {
		return notice.Notice{}, err
	}
	var n notice.Notice
	if err := json.Unmarshal([]byte(body), &n); err != nil {
		return notice.Notice{}, errs.E("sqldb.scanNotice", errs.Internal, err)
	}
	n.RemindedFor = Time(reminded)
	return n, nil
}

// Notice implements notice.Store.
func (db *DB) Notice(ctx context.Context, id string) (notice.Notice, error) {
	n, err := scanNotice(db.SQL.QueryRowContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE id = $1`, id))
	return n, wrap("sqldb.Notice", err)
}

// Notices implements notice.Store.
func (db *DB) Notices(ctx context.Context, f notice.Filter) ([]notice.Notice, error) {
	var c conds
	arg := c.arg
	if f.Type != "" {
		c.and("type = " + arg(string(f.Type)))
	}
	if f.Status != "" {
		c.and("status = " + arg(string(f.Status)))
	}
	if f.Owner != "" {
		c.and("owner = " + arg(f.Owner))
	}
	if f.Name != "" {
		c.and("name_key LIKE " + arg("%"+likeEscape(f.Name)+"%") + ` ESCAPE '\'`)
	}
	if f.Queue {
		c.and("(status = 'submitted' OR pending_status = 'submitted')")
	}
	q := `SELECT ` + noticeCols + ` FROM notices`
	q += c.where()
	limit := f.Limit
	if limit <= 0 {
		limit = notice.DefaultLimit
	}
	q += " ORDER BY updated_at DESC, id LIMIT " + arg(limit)
	return queryAll(ctx, db, "sqldb.Notices", scanNotice, q, c.args...)
}

// NoticeVersions implements notice.Store.
func (db *DB) NoticeVersions(ctx context.Context, id string) ([]notice.Version, error) {
	return queryAll(ctx, db, "sqldb.NoticeVersions", func(r scanner) (notice.Version, error) {
		var v notice.Version
		var at int64
		var body string
		err := r.Scan(&v.NoticeID, &v.Version, &at, &v.By, &v.Action, &v.Note, &body)
		v.At, v.Body = Time(at), []byte(body)
		return v, err
	}, `SELECT notice_id, version, at, by_user, action, note, body FROM notice_versions WHERE notice_id = $1 ORDER BY version`, id)
}

// NoticesWithKeys implements notice.Store.
func (db *DB) NoticesWithKeys(ctx context.Context, id string, keys []string) ([]string, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := []any{id}
	ph := make([]string, len(keys))
	for i, k := range keys {
		args = append(args, k)
		ph[i] = "$" + strconv.Itoa(i+2)
	}
	return queryAll(ctx, db, "sqldb.NoticesWithKeys", func(r scanner) (string, error) {
		var s string
		return s, r.Scan(&s)
	}, `SELECT DISTINCT notice_id FROM notice_keys WHERE key IN (`+strings.Join(ph, ", ")+`) AND notice_id <> $1 ORDER BY notice_id`, args...)
}

// NoticesDue implements notice.Store.
func (db *DB) NoticesDue(ctx context.Context, t time.Time) ([]notice.Notice, error) {
	return queryAll(ctx, db, "sqldb.NoticesDue", scanNotice,
		`SELECT `+noticeCols+` FROM notices WHERE status = 'published' AND review_at < $1 ORDER BY review_at, id`, Nanos(t))
}

func scanExtract(r scanner) (notice.PublicExtract, error) {
	var body string
	if err := r.Scan(&body); err != nil {
		return notice.PublicExtract{}, err
	}
	var x notice.PublicExtract
	if err := json.Unmarshal([]byte(body), &x); err != nil {
		return x, errs.E("sqldb.scanExtract", errs.Internal, err)
	}
	return x, nil
}

// PublicExtracts implements notice.Store.
func (db *DB) PublicExtracts(ctx context.Context, f notice.PublicFilter) ([]notice.PublicExtract, error) {
	var c conds
	arg := c.arg
	if f.Name != "" {
		c.and("name_key LIKE " + arg("%"+likeEscape(f.Name)+"%") + ` ESCAPE '\'`)
	}
	if f.Nationality != "" {
		c.and("nationalities LIKE " + arg("%|"+likeEscape(f.Nationality)+"|%") + ` ESCAPE '\'`)
	}
	if f.Sex != "" {
		c.and("sex = " + arg(string(f.Sex)))
	}
	if f.MinYear > 0 {
		c.and("birth_year >= " + arg(f.MinYear))
	}
	if f.MaxYear > 0 {
		c.and("birth_year > 0 AND birth_year <= " + arg(f.MaxYear))
	}
	q := `SELECT body FROM notice_public`
	q += c.where()
	limit := f.Limit
	if limit <= 0 {
		limit = notice.DefaultLimit
	}
	q += " ORDER BY published_at DESC, id LIMIT " + arg(limit)
	return queryAll(ctx, db, "sqldb.PublicExtracts", scanExtract, q, c.args...)
}

// PublicExtract implements notice.Store.
func (db *DB) PublicExtract(ctx context.Context, id string) (notice.PublicExtract, error) {
	x, err := scanExtract(db.SQL.QueryRowContext(ctx, `SELECT body FROM notice_public WHERE id = $1`, id))
	return x, wrap("sqldb.PublicExtract", err)
}

// PutPhoto implements notice.Store.
func (db *DB) PutPhoto(ctx context.Context, ph notice.Photo) error {
	_, err := db.exec(ctx, `INSERT INTO photos (sha256, content_type, size, width, height, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (sha256) DO NOTHING`, ph.SHA256, ph.ContentType, ph.Size, ph.Width, ph.Height, ph.Data, Nanos(ph.CreatedAt))
	return wrap("sqldb.PutPhoto", err)
}

// Photo implements notice.Store.
func (db *DB) Photo(ctx context.Context, sha string) (notice.Photo, error) {
	var ph notice.Photo
	var at int64
	err := db.SQL.QueryRowContext(ctx, `SELECT sha256, content_type, size, width, height, data, created_at FROM photos WHERE sha256 = $1`, sha).
		Scan(&ph.SHA256, &ph.ContentType, &ph.Size, &ph.Width, &ph.Height, &ph.Data, &at)
	ph.CreatedAt = Time(at)
	return ph, wrap("sqldb.Photo", err)
}

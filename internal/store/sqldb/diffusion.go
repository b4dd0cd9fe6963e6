package sqldb

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/polex-org/polex/internal/diffusion"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/record"
)

var _ diffusion.Store = (*DB)(nil)

const diffusionCols = `id, ref, owner, owner_org, restrictions, handling, classification, grading, review_at, version,
	created_at, created_by, updated_at, updated_by, kind, urgency, countries, regions, subject, body, legal_basis, person,
	status, review, reviewed_at, reviewed_by, review_reasons, withdrawn_at, withdrawn_by, withdraw_reason`

func scanDiffusion(row scanner) (diffusion.Diffusion, error) {
	var d diffusion.Diffusion
	var restr, grading, countries, regions, pers string
	var reviewAt, created, updated, reviewed, withdrawn int64
	var class int
	err := row.Scan(&d.ID, &d.Ref, &d.Owner, &d.OwnerOrg, &restr, &d.Handling, &class, &grading, &reviewAt, &d.Version,
		&created, &d.CreatedBy, &updated, &d.UpdatedBy, &d.Kind, &d.Urgency, &countries, &regions, &d.Subject, &d.Text,
		&d.LegalBasis, &pers, &d.Status, &d.Review, &reviewed, &d.ReviewedBy, &d.ReviewReasons, &withdrawn, &d.WithdrawnBy, &d.WithdrawnWhy)
	if err != nil {
		return d, err
	}
	d.Classification = identity.Classification(class)
	d.ReviewAt, d.CreatedAt, d.UpdatedAt = Time(reviewAt), Time(created), Time(updated)
	d.ReviewedAt, d.WithdrawnAt = Time(reviewed), Time(withdrawn)
	if len(grading) == 2 {
		d.Grading = record.Grading{Source: grading[:1], Info: grading[1:]}
	}
	if err := json.Unmarshal([]byte(restr), &d.Restrictions); err != nil {
		return d, err
	}
	if countries != "" {
		d.Countries = strings.Split(countries, ",")
	}
	if regions != "" {
		for _, g := range strings.Split(regions, ",") {
			d.Regions = append(d.Regions, member.Region(g))
		}
	}
	if pers != "" {
		d.Person = new(person.Person)
		if err := json.Unmarshal([]byte(pers), d.Person); err != nil {
			return d, err
		}
	}
	return d, nil
}

// CreateDiffusion implements diffusion.Store.
func (db *DB) CreateDiffusion(ctx context.Context, d diffusion.Diffusion, evs []notify.Event) error {
	const op = "sqldb.CreateDiffusion"
	restr, err := json.Marshal(d.Restrictions)
	if err != nil {
		return errs.E(op, errs.Internal, err)
	}
	pers := ""
	if d.Person != nil {
		b, err := json.Marshal(d.Person)
		if err != nil {
			return errs.E(op, errs.Internal, err)
		}
		pers = string(b)
	}
	regions := make([]string, len(d.Regions))
	for i, g := range d.Regions {
		regions[i] = string(g)
	}
	return db.Tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO diffusions (`+diffusionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
			$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30)`,
			d.ID, d.Ref, d.Owner, d.OwnerOrg, string(restr), string(d.Handling), int(d.Classification), d.Grading.String(),
			Nanos(d.ReviewAt), d.Version, Nanos(d.CreatedAt), d.CreatedBy, Nanos(d.UpdatedAt), d.UpdatedBy,
			string(d.Kind), string(d.Urgency), strings.Join(d.Countries, ","), strings.Join(regions, ","),
			d.Subject, d.Text, d.LegalBasis, pers, string(d.Status), string(d.Review),
			Nanos(d.ReviewedAt), d.ReviewedBy, d.ReviewReasons, Nanos(d.WithdrawnAt), d.WithdrawnBy, d.WithdrawnWhy)
		if err != nil {
			return wrap(op, err)
		}
		// One multi-row INSERT per 100 copies (a region is up to ~55).
		for rest := d.Copies; len(rest) > 0; {
			n := min(len(rest), 100)
			var q strings.Builder
			q.WriteString(`INSERT INTO diffusion_copies (diffusion_id, country, state, delivered_at, acknowledged_at, acknowledged_by, withdrawn_at, reason) VALUES `)
			args := make([]any, 0, 8*n)
			for i, c := range rest[:n] {
				if i > 0 {
					q.WriteString(", ")
				}
				b := len(args)
				q.WriteString("(")
				for j := 1; j <= 8; j++ {
					if j > 1 {
						q.WriteString(", ")
					}
					q.WriteString("$" + strconv.Itoa(b+j))
				}
				q.WriteString(")")
				args = append(args, d.ID, c.Country, string(c.State), Nanos(c.DeliveredAt), Nanos(c.AcknowledgedAt), c.AcknowledgedBy,
					Nanos(c.WithdrawnAt), c.Reason)
			}
			if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
				return wrap(op, err)
			}
			rest = rest[n:]
		}
		return InsertEvents(ctx, tx, evs)
	})
}

// Diffusion implements diffusion.Store.
func (db *DB) Diffusion(ctx context.Context, id string) (diffusion.Diffusion, error) {
	const op = "sqldb.Diffusion"
	d, err := scanDiffusion(db.SQL.QueryRowContext(ctx, `SELECT `+diffusionCols+` FROM diffusions WHERE id = $1`, id))
	if err != nil {
		return diffusion.Diffusion{}, wrap(op, err)
	}
	ds := []diffusion.Diffusion{d}
	if err := db.attachCopies(ctx, op, ds); err != nil {
		return diffusion.Diffusion{}, err
	}
	return ds[0], nil
}

// Diffusions implements diffusion.Store.
func (db *DB) Diffusions(ctx context.Context, f diffusion.Filter) ([]diffusion.Diffusion, error) {
	const op = "sqldb.Diffusions"
	var c conds
	arg := c.arg
	if f.Owner != "" {
		c.and("owner = " + arg(f.Owner))
	}
	if f.Recipient != "" {
		c.and("id IN (SELECT diffusion_id FROM diffusion_copies WHERE country = " + arg(f.Recipient) + ")")
	}
	if f.Party != "" {
		n := arg(f.Party)
		c.and("(owner = " + n + " OR id IN (SELECT diffusion_id FROM diffusion_copies WHERE country = " + n + "))")
	}
	if f.PendingReview {
		c.and("review = " + arg(string(diffusion.Pending)) + " AND status = " + arg(string(diffusion.Active)))
	}
	if f.Before != "" {
		n := arg(f.Before)
		c.and("(created_at < (SELECT created_at FROM diffusions WHERE id = " + n +
			") OR created_at = (SELECT created_at FROM diffusions WHERE id = " + n + ") AND id < " + n + ")")
	}
	q := `SELECT ` + diffusionCols + ` FROM diffusions`
	q += c.where()
	limit := f.Limit
	if limit <= 0 {
		limit = diffusion.DefaultLimit
	}
	q += " ORDER BY created_at DESC, id DESC LIMIT " + arg(limit)
	ds, err := queryAll(ctx, db, op, scanDiffusion, q, c.args...)
	if err != nil {
		return nil, err
	}
	if err := db.attachCopies(ctx, op, ds); err != nil {
		return nil, err
	}
	return ds, nil
}

// attachCopies loads the copies of ds, ordered by country.
func (db *DB) attachCopies(ctx context.Context, op string, ds []diffusion.Diffusion) error {
	if len(ds) == 0 {
		return nil
	}
	idx := make(map[string]int, len(ds))
	marks := make([]string, len(ds))
	args := make([]any, len(ds))
	for i, d := range ds {
		idx[d.ID] = i
		marks[i] = "$" + strconv.Itoa(i+1)
		args[i] = d.ID
	}
	type row struct {
		id string
		c  diffusion.Copy
	}
	rows, err := queryAll(ctx, db, op, func(sc scanner) (row, error) {
		var r row
		var delivered, acked, withdrawn int64
		err := sc.Scan(&r.id, &r.c.Country, &r.c.State, &delivered, &acked, &r.c.AcknowledgedBy, &withdrawn, &r.c.Reason)
		r.c.DeliveredAt, r.c.AcknowledgedAt, r.c.WithdrawnAt = Time(delivered), Time(acked), Time(withdrawn)
		return r, err
	}, `SELECT diffusion_id, country, state, delivered_at, acknowledged_at, acknowledged_by, withdrawn_at, reason
		FROM diffusion_copies WHERE diffusion_id IN (`+strings.Join(marks, ", ")+`) ORDER BY diffusion_id, country`, args...)
	if err != nil {
		return err
	}
	for _, r := range rows {
		d := &ds[idx[r.id]]
		d.Copies = append(d.Copies, r.c)
	}
	return nil
}

// AckDiffusion implements diffusion.Store.
func (db *DB) AckDiffusion(ctx context.Context, id, country, by string, at time.Time, evs []notify.Event) error {
	const op = "sqldb.AckDiffusion"
	return db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE diffusion_copies SET state = $1, acknowledged_at = $2, acknowledged_by = $3
			WHERE diffusion_id = $4 AND country = $5 AND state = $6`,
			string(diffusion.Acknowledged), Nanos(at), by, id, country, string(diffusion.Delivered))
		if err != nil {
			return wrap(op, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return wrap(op, err)
		} else if n == 0 {
			var state string
			err := tx.QueryRowContext(ctx, `SELECT state FROM diffusion_copies WHERE diffusion_id = $1 AND country = $2`, id, country).Scan(&state)
			if err != nil {
				return wrap(op, err)
			}
			return errs.E(op, errs.Conflict, "the copy is "+state)
		}
		return InsertEvents(ctx, tx, evs)
	})
}

// ReviewDiffusion implements diffusion.Store.
func (db *DB) ReviewDiffusion(ctx context.Context, id, by, reasons string, at time.Time) error {
	const op = "sqldb.ReviewDiffusion"
	return db.Tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE diffusions SET review = $1, reviewed_at = $2, reviewed_by = $3, review_reasons = $4,
			version = version + 1, updated_at = $2, updated_by = $3 WHERE id = $5 AND review = $6 AND status = $7`,
			string(diffusion.Compliant), Nanos(at), by, reasons, id, string(diffusion.Pending), string(diffusion.Active))
		if err != nil {
			return wrap(op, err)
		}
		return db.affected(ctx, tx, op, res, id)
	})
}

// affected returns nil when res changed a row, a NotFound error when
// diffusion id does not exist, and a Conflict error otherwise.
func (db *DB) affected(ctx context.Context, tx *sql.Tx, op string, res sql.Result, id string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(op, err)
	}
	if n > 0 {
		return nil
	}
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM diffusions WHERE id = $1`, id).Scan(&one); err != nil {
		return wrap(op, err)
	}
	return errs.E(op, errs.Conflict, "the diffusion changed meanwhile")
}

// WithdrawDiffusion implements diffusion.Store. The content leaves the
// diffusion row, each copy keeps only its recipient, state, time and
// reason, and the inbox events that announced the diffusion are
// rewritten, all in one transaction with the withdrawal notices.
func (db *DB) WithdrawDiffusion(ctx context.Context, w diffusion.Withdrawal) error {
	const op = "sqldb.WithdrawDiffusion"
	return db.Tx(ctx, func(tx *sql.Tx) error {
		q := `UPDATE diffusions SET subject = '', body = '', legal_basis = '', person = '', status = $1,
			withdrawn_at = $2, withdrawn_by = $3, withdraw_reason = $4, version = version + 1, updated_at = $2, updated_by = $3`
		args := []any{string(diffusion.Withdrawn), Nanos(w.At), w.By, w.Reason}
		if w.Review != "" {
			q += `, review = $7, reviewed_at = $2, reviewed_by = $3, review_reasons = $4`
		}
		q += ` WHERE id = $5 AND status = $6`
		args = append(args, w.ID, string(diffusion.Active))
		if w.Review != "" {
			args = append(args, string(w.Review))
		}
		res, err := tx.ExecContext(ctx, q, args...)
		if err != nil {
			return wrap(op, err)
		}
		if err := db.affected(ctx, tx, op, res, w.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE diffusion_copies SET state = $1, delivered_at = 0, acknowledged_at = 0,
			acknowledged_by = '', withdrawn_at = $2, reason = $3 WHERE diffusion_id = $4`,
			string(diffusion.CopyWithdrawn), Nanos(w.At), w.Reason, w.ID); err != nil {
			return wrap(op, err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET title = $1, data = $2 WHERE subject = $3`,
			w.ScrubTitle, string(w.ScrubData), diffusion.Subject(w.ID)); err != nil {
			return wrap(op, err)
		}
		return InsertEvents(ctx, tx, w.Events)
	})
}

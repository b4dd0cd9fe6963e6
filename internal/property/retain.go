package property

import (
	"context"
	"encoding/json"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/record"
)

var _ record.Retainer = (*Service)(nil)

// retainActor is the audit actor of the retention job.
const retainActor = "system:retention"

// retainBatch bounds the records handled per kind and pass.
const retainBatch = 500

// Retain expires the records of every kind whose review date has passed —
// each expiry audited (KIND.expire) and notified to the owner's NCB
// (notify.RecordExpired) in the transaction that deletes it — and reminds
// the owner's NCB of records whose review date falls within ReminderPeriod
// (notify.RecordReminder), once per record and review date. It returns how
// many it expired and reminded.
func (s *Service) Retain(ctx context.Context, now time.Time) (expired, reminded int, err error) {
	const op = "property.Retain"
	for _, kind := range Kinds {
		for {
			rows, err := s.store.DueRecords(ctx, kind, now, true, retainBatch)
			if err != nil {
				return expired, reminded, errs.E(op, err)
			}
			for _, r := range rows {
				target := kind + ":" + r.Meta.ID
				detail, _ := json.Marshal(map[string]any{"owner": r.Meta.Owner, "ref": r.Meta.Ref, "review_at": r.Meta.ReviewAt})
				// Audit first: nothing expires silently.
				if _, err := s.audit.Append(ctx, audit.Entry{Time: s.now(), Actor: retainActor, Action: kind + ".expire", Target: target,
					Outcome: audit.OutcomeOK, Detail: string(detail)}); err != nil {
					return expired, reminded, errs.E(op, err)
				}
				data, _ := json.Marshal(map[string]any{"kind": kind, "id": r.Meta.ID, "ref": r.Meta.Ref, "review_at": r.Meta.ReviewAt})
				ev := notify.Event{Org: member.NCBID(r.Meta.Owner), Type: notify.RecordExpired, Subject: target,
					Title: kind + " " + r.Meta.Ref + " expired: its review date passed", Data: data, Time: s.now()}
				c := record.Change{Version: r.Meta.Version + 1, At: s.now(), By: retainActor, Action: "expired"}
				switch err := s.store.ExpireRecord(ctx, kind, r.Meta.ID, r.Meta.ReviewAt, c, ev); {
				case err == nil:
					expired++
				case errs.Is(errs.NotFound, err):
					// Renewed or deleted meanwhile.
				default:
					return expired, reminded, errs.E(op, err)
				}
			}
			if len(rows) < retainBatch {
				break
			}
		}
		after := ""
		for {
			rows, err := s.store.DueRecords(ctx, kind, now.Add(ReminderPeriod), false, retainBatch)
			if err != nil {
				return expired, reminded, errs.E(op, err)
			}
			for _, r := range rows {
				target := kind + ":" + r.Meta.ID
				data, _ := json.Marshal(map[string]any{"kind": kind, "id": r.Meta.ID, "ref": r.Meta.Ref, "review_at": r.Meta.ReviewAt})
				ev := notify.Event{Org: member.NCBID(r.Meta.Owner), Type: notify.RecordReminder, Subject: target,
					Title: kind + " " + r.Meta.Ref + " must be reviewed by " + r.Meta.ReviewAt.Format(time.DateOnly), Data: data, Time: s.now()}
				ok, err := s.store.MarkReminded(ctx, kind, r.Meta.ID, r.Meta.ReviewAt, ev)
				if err != nil && !errs.Is(errs.NotFound, err) {
					return expired, reminded, errs.E(op, err)
				}
				if ok {
					reminded++
				}
			}
			if len(rows) < retainBatch || rows[len(rows)-1].Meta.ID == after {
				break
			}
			after = rows[len(rows)-1].Meta.ID
		}
	}
	return expired, reminded, nil
}

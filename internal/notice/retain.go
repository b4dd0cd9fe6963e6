package notice

import (
	"context"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notify"
	"github.com/polex-org/polex/internal/record"
)

var _ record.Retainer = (*Service)(nil)

// retention is the actor of the retention job in notices' versions.
var retention = identity.Principal{User: identity.User{ID: "system:retention", Org: member.SecretariatID}}

// Retain expires the published notices whose validity ended before now
// (each audited as notice.expire and notified to the owner's NCB) and
// reminds owners of notices that expire within ReminderBefore, once per
// notice and expiry date (audited as notice.remind).
func (s *Service) Retain(ctx context.Context, now time.Time) (expired, reminded int, err error) {
	const op = "notice.Retain"
	due, err := s.store.NoticesDue(ctx, now.Add(ReminderBefore))
	if err != nil {
		return 0, 0, errs.E(op, err)
	}
	for _, n := range due {
		prev := n.Version
		switch {
		case !n.ReviewAt.After(now):
			n.Version++
			n.UpdatedAt, n.UpdatedBy = now, retention.User.ID
			n.Status, n.Pending = Expired, nil
			ev := ownerEvent(n, notify.NoticeExpired, "Your "+string(n.Type)+" notice "+n.ID+" expired", map[string]any{"expired_at": n.ReviewAt})
			if err := s.log(ctx, "notice.expire", n.ID, "valid until "+n.ReviewAt.Format(time.RFC3339)); err != nil {
				return expired, reminded, err
			}
			if err := s.save(ctx, n, prev, retention, "expired", "", []notify.Event{ev}); err != nil {
				return expired, reminded, errs.E(op, err)
			}
			expired++
		case !n.RemindedFor.Equal(n.ReviewAt):
			n.RemindedFor = n.ReviewAt
			ev := ownerEvent(n, notify.NoticeReminder, "Your "+string(n.Type)+" notice "+n.ID+" expires on "+n.ReviewAt.Format(time.DateOnly)+" unless renewed",
				map[string]any{"expires_at": n.ReviewAt})
			ev.Time = now
			if err := s.log(ctx, "notice.remind", n.ID, "expires "+n.ReviewAt.Format(time.RFC3339)); err != nil {
				return expired, reminded, err
			}
			// A reminder changes no content: no version is kept; the stored
			// version still guards against a concurrent change.
			if err := s.store.SaveNotice(ctx, Write{Notice: n, Prev: prev, Keys: Keys(n.Person), Public: n.Public(), Events: []notify.Event{ev}}); err != nil {
				return expired, reminded, errs.E(op, err)
			}
			reminded++
		}
	}
	return expired, reminded, nil
}

func (s *Service) log(ctx context.Context, action, id, detail string) error {
	_, err := s.audit.Append(ctx, audit.Entry{Time: s.now(), Actor: retention.User.ID, ActorOrg: member.SecretariatID,
		Action: action, Target: target(id), Outcome: audit.OutcomeAllow, Detail: detail})
	return err
}

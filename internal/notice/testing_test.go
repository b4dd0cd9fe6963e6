package notice_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/notice"
	"github.com/polex-org/polex/internal/person"
	"github.com/polex-org/polex/internal/store/sqldb"
)

// auditLog keeps the entries appended, as the audit log would.
type auditLog struct {
	mu sync.Mutex
	es []audit.Entry
}

func (l *auditLog) Append(_ context.Context, e audit.Entry) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.es = append(l.es, e)
	return int64(len(l.es) - 1), nil
}

// has reports whether an entry of action by actor on target with outcome exists.
func (l *auditLog) has(action, actor, target, outcome string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.es {
		if e.Action == action && e.Actor == actor && (target == "" || e.Target == target) && e.Outcome == outcome {
			return true
		}
	}
	return false
}

var regions = map[string]member.Region{"FR": member.Europe, "KE": member.Africa, "BR": member.Americas, "JP": member.AsiaPacific}

func officer(cc string) identity.Principal {
	return identity.Principal{User: identity.User{ID: "usr_" + strings.ToLower(cc), Org: member.NCBID(cc), Country: cc,
		Roles: []identity.Role{identity.Officer}, Clearance: identity.Confidential}, OrgKind: string(member.NCB), Region: string(regions[cc])}
}

var reviewer = identity.Principal{User: identity.User{ID: "usr_reviewer", Org: member.SecretariatID,
	Roles: []identity.Role{identity.GSReviewer}, Clearance: identity.Confidential}, OrgKind: string(member.Secretariat)}

var auditor = identity.Principal{User: identity.User{ID: "usr_auditor", Org: member.OversightID,
	Roles: []identity.Role{identity.Auditor}, Clearance: identity.Confidential}, OrgKind: string(member.Oversight)}

func redInput() notice.Input {
	return notice.Input{Content: notice.Content{Type: notice.Red, Facts: "Armed robbery of a jeweller in Lyon.",
		Person: &person.Person{Names: []person.Name{{Full: "Jean Dupré", Given: "Jean", Family: "Dupré"}}, BirthDates: []person.Date{"1980-05-01"},
			Sex: person.Male, Nationalities: []string{"FR"}, Documents: []person.Document{{Type: "passport", Number: "12AB34567", IssuingCountry: "FR"}}},
		Fields: notice.Fields{Offence: "Armed robbery", LegalBasis: "Code pénal art. 311-8", WarrantRef: "MA-2026-0042",
			JudicialAuthority: "Tribunal judiciaire de Lyon", Penalty: "Life imprisonment (maximum)"}}}
}

// newService returns a notice service on db with a test clock.
func newService(t *testing.T, db *sqldb.DB) (*notice.Service, *auditLog, *time.Time) {
	t.Helper()
	log := &auditLog{}
	s := notice.New(db, log)
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s.SetClock(func() time.Time { return now })
	return s, log, &now
}

// events counts the events of type typ for org about notice id.
func events(t *testing.T, db *sqldb.DB, org, typ, id string) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow(`SELECT count(*) FROM events WHERE org = $1 AND type = $2 AND subject = $3`, org, typ, "notice:"+id).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

package notice_test

import (
	"context"
	"reflect"
	"testing"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// TestPage checks that a notice's page is one audited read (notice.read)
// that shows what Get, Findings and Versions show: the owner and the
// reviewer get the pending update, the findings and every version;
// another country the published content and versions only; a denied
// country "not found". Adding a photo is one audited update.
func TestPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, log, _ := newService(t, db)
		fr, br, ke := officer("FR"), officer("BR"), officer("KE")
		in := redInput()
		in.Person.Documents = nil // a finding: no identity document
		in.Restrictions = policy.Restrictions{DenyCountries: []string{"KE"}}
		n := publish(t, s, in, "FR")
		in.Facts = "Armed robbery of two jewellers in Lyon."
		if _, err := s.Update(ctx, fr, n.ID, 0, in); err != nil { // a pending update, under review
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			p    identity.Principal
			full bool
		}{{"FR", fr, true}, {"reviewer", reviewer, true}, {"BR", br, false}} {
			before := len(log.es)
			pg, err := s.Page(ctx, c.p, n.ID)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			if got := log.es[before:]; len(got) != 1 || got[0].Action != "notice.read" || got[0].Outcome != "allow" || got[0].Target != "notice:"+n.ID {
				t.Fatalf("%s: the page wrote %d audit entries: %+v", c.name, len(got), got)
			}
			get, _ := s.Get(ctx, c.p, n.ID)
			vs, _ := s.Versions(ctx, c.p, n.ID)
			fs, ferr := s.Findings(ctx, c.p, n.ID)
			if !reflect.DeepEqual(pg.Notice, get) || !reflect.DeepEqual(pg.Versions, vs) {
				t.Fatalf("%s: the page differs from Get and Versions", c.name)
			}
			if c.full {
				if ferr != nil || len(pg.Findings) == 0 || !reflect.DeepEqual(pg.Findings, fs) || pg.Notice.Pending == nil || len(pg.Versions) < 4 {
					t.Fatalf("%s: findings %d (want %d), pending %v, %d versions", c.name, len(pg.Findings), len(fs), pg.Notice.Pending != nil, len(pg.Versions))
				}
			} else if pg.Findings != nil || pg.Notice.Pending != nil || len(pg.Versions) != 1 || !errs.Is(errs.Permission, ferr) {
				t.Fatalf("%s: findings %d, pending %v, %d versions", c.name, len(pg.Findings), pg.Notice.Pending != nil, len(pg.Versions))
			}
		}
		before := len(log.es)
		_, err := s.Page(ctx, ke, n.ID)
		mustKind(t, "KE page", err, errs.Private)
		if got := log.es[before:]; len(got) != 1 || got[0].Action != "notice.read" || got[0].Outcome != "deny" {
			t.Fatalf("KE's refused page: %+v", got)
		}
		_, err = s.Page(ctx, ke, "ntc_doesnotexist")
		mustKind(t, "missing notice", err, errs.NotFound)

		// A photo is one audited update too.
		d, err := s.Create(ctx, fr, redInput())
		if err != nil {
			t.Fatal(err)
		}
		before = len(log.es)
		if _, err := s.SetPhoto(ctx, fr, d.ID, testPNG(t, 20, 20)); err != nil {
			t.Fatal(err)
		}
		if got := log.es[before:]; len(got) != 1 || got[0].Action != "notice.update" || got[0].Detail != "photo" {
			t.Fatalf("a photo wrote %d audit entries: %+v", len(got), got)
		}
		if pg, _ := s.Page(ctx, fr, d.ID); len(pg.Notice.Person.Photos) != 1 || pg.Notice.Version != 2 {
			t.Fatalf("after the photo: %d photos, version %d", len(pg.Notice.Person.Photos), pg.Notice.Version)
		}
	})
}

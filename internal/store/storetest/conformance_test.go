package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/store/sqldb"
)

func seedOrg(t *testing.T, db *sqldb.DB) {
	t.Helper()
	ctx := context.Background()
	for _, c := range []member.Country{
		{Alpha2: "FR", Alpha3: "FRA", Name: "France", Region: member.Europe, Status: member.Active},
		{Alpha2: "KE", Alpha3: "KEN", Name: "Kenya", Region: member.Africa, Status: member.Active},
	} {
		if err := db.PutCountry(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for _, o := range []member.Org{
		{ID: "ncb-fr", Kind: member.NCB, Name: "NCB Paris", Country: "FR"},
		{ID: "ncb-ke", Kind: member.NCB, Name: "NCB Nairobi", Country: "KE"},
		{ID: "gs", Kind: member.Secretariat, Name: "General Secretariat"},
	} {
		if err := db.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMemberStore(t *testing.T) {
	Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		seedOrg(t, db)
		cs, err := db.Countries(ctx)
		if err != nil || len(cs) != 2 || cs[0].Alpha2 != "FR" || cs[1].Region != member.Africa {
			t.Fatalf("Countries = %+v, %v", cs, err)
		}
		if _, err := db.Country(ctx, "ZZ"); !errs.Is(errs.NotFound, err) {
			t.Fatalf("missing country: %v, want NotFound", err)
		}
		if err := db.SetCountryStatus(ctx, "KE", member.Suspended); err != nil {
			t.Fatal(err)
		}
		if c, _ := db.Country(ctx, "KE"); c.Status != member.Suspended {
			t.Fatalf("status = %q", c.Status)
		}
		if err := db.SetCountryStatus(ctx, "ZZ", member.Suspended); !errs.Is(errs.NotFound, err) {
			t.Fatalf("suspend missing: %v", err)
		}
		// Re-putting a country updates it rather than duplicating.
		if err := db.PutCountry(ctx, member.Country{Alpha2: "FR", Alpha3: "FRA", Name: "French Republic", Region: member.Europe, Status: member.Active}); err != nil {
			t.Fatal(err)
		}
		if c, _ := db.Country(ctx, "FR"); c.Name != "French Republic" {
			t.Fatalf("name = %q", c.Name)
		}
		if err := db.CreateOrg(ctx, member.Org{ID: "ncb-fr", Kind: member.NCB, Name: "dup", Country: "FR"}); !errs.Is(errs.Conflict, err) {
			t.Fatalf("duplicate org: %v, want Conflict", err)
		}
		if err := db.CreateOrg(ctx, member.Org{ID: "x", Kind: member.Agency, Name: "x", Country: "ZZ"}); !errs.Is(errs.Invalid, err) {
			t.Fatalf("org in unknown country: %v, want Invalid", err)
		}
		if err := db.CreateOrg(ctx, member.Org{ID: "fr-pj", Kind: member.Agency, Name: "Police judiciaire", Country: "FR", Parent: "ncb-fr"}); err != nil {
			t.Fatal(err)
		}
		os, err := db.Orgs(ctx, "FR")
		if err != nil || len(os) != 2 || os[0].ID != "fr-pj" || os[0].Parent != "ncb-fr" {
			t.Fatalf("Orgs(FR) = %+v, %v", os, err)
		}
		if all, _ := db.Orgs(ctx, ""); len(all) != 4 {
			t.Fatalf("Orgs() = %d orgs, want 4", len(all))
		}
		if o, err := db.Org(ctx, "gs"); err != nil || o.Country != "" || o.Kind != member.Secretariat {
			t.Fatalf("Org(gs) = %+v, %v", o, err)
		}
		if _, err := db.Org(ctx, "nope"); !errs.Is(errs.NotFound, err) {
			t.Fatalf("Org(nope): %v", err)
		}
	})
}

func TestIdentityStore(t *testing.T) {
	Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		seedOrg(t, db)
		now := time.Unix(1_700_000_000, 123456789).UTC()
		u := identity.User{ID: "u1", Username: "alice", DisplayName: "Alice", Org: "ncb-fr",
			Roles: []identity.Role{identity.Officer, identity.NCBAdmin}, Clearance: identity.Restricted,
			PasswordHash: "$argon2id$x", Language: "fr", CreatedAt: now, UpdatedAt: now}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateUser(ctx, identity.User{ID: "u2", Username: "alice", Org: "ncb-ke", PasswordHash: "x"}); !errs.Is(errs.Conflict, err) {
			t.Fatalf("duplicate username: %v, want Conflict", err)
		}
		got, err := db.UserByName(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if got.Country != "FR" || len(got.Roles) != 2 || got.Roles[1] != identity.NCBAdmin || got.Clearance != identity.Restricted ||
			!got.CreatedAt.Equal(now) || got.Language != "fr" {
			t.Fatalf("UserByName = %+v", got)
		}
		got.Disabled = true
		got.TOTPSecret = "ABC"
		if err := db.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		if g, _ := db.User(ctx, "u1"); !g.Disabled || g.TOTPSecret != "ABC" {
			t.Fatalf("after update: %+v", g)
		}
		if err := db.UpdateUser(ctx, identity.User{ID: "nope", Org: "ncb-fr"}); !errs.Is(errs.NotFound, err) {
			t.Fatalf("update missing: %v", err)
		}
		lock := now.Add(time.Hour)
		if err := db.RecordLogin(ctx, "u1", 5, lock); err != nil {
			t.Fatal(err)
		}
		if g, _ := db.User(ctx, "u1"); g.FailedLogins != 5 || !g.LockedUntil.Equal(lock) {
			t.Fatalf("after RecordLogin: %+v", g)
		}
		if us, _ := db.Users(ctx, "KE"); len(us) != 0 {
			t.Fatalf("Users(KE) = %v", us)
		}
		if us, _ := db.Users(ctx, "FR"); len(us) != 1 {
			t.Fatalf("Users(FR) = %v", us)
		}

		for _, tc := range []struct {
			step int64
			ok   bool
		}{{5, true}, {5, false}, {4, false}, {6, true}} {
			if err := db.UseTOTPStep(ctx, "u1", tc.step); (err == nil) != tc.ok || (!tc.ok && !errs.Is(errs.Conflict, err)) {
				t.Fatalf("UseTOTPStep(%d) = %v, want ok=%v", tc.step, err, tc.ok)
			}
		}

		s := identity.Session{IDHash: []byte{1, 2, 3}, UserID: "u1", CSRF: "c", CreatedAt: now, LastSeen: now, ExpiresAt: lock}
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		if err := db.TouchSession(ctx, s.IDHash, lock); err != nil {
			t.Fatal(err)
		}
		gs, err := db.Session(ctx, s.IDHash)
		if err != nil || !gs.LastSeen.Equal(lock) || gs.CSRF != "c" || !bytes.Equal(gs.IDHash, s.IDHash) {
			t.Fatalf("Session = %+v, %v", gs, err)
		}
		if err := db.DeleteUserSessions(ctx, "u1"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Session(ctx, s.IDHash); !errs.Is(errs.NotFound, err) {
			t.Fatalf("deleted session: %v", err)
		}

		tok := identity.Token{ID: "t1", Hash: []byte{9, 9}, UserID: "u1", Name: "border", Scopes: []string{"check", "read"}, CreatedAt: now, ExpiresAt: lock}
		if err := db.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		gt, err := db.TokenByHash(ctx, []byte{9, 9})
		if err != nil || gt.ID != "t1" || len(gt.Scopes) != 2 || gt.Revoked {
			t.Fatalf("TokenByHash = %+v, %v", gt, err)
		}
		if err := db.RevokeToken(ctx, "t1"); err != nil {
			t.Fatal(err)
		}
		if ts, _ := db.Tokens(ctx, "u1"); len(ts) != 1 || !ts[0].Revoked {
			t.Fatalf("Tokens = %+v", ts)
		}
		if err := db.TouchToken(ctx, "nope", now); !errs.Is(errs.NotFound, err) {
			t.Fatalf("touch missing token: %v", err)
		}
	})
}

package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T, db *sqldb.DB, demo bool) (*identity.Service, *clock, identity.User, string) {
	t.Helper()
	ctx := context.Background()
	if err := db.PutCountry(ctx, member.Country{Alpha2: "FR", Alpha3: "FRA", Name: "France", Region: member.Europe, Status: member.Active}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateOrg(ctx, member.Org{ID: "ncb-fr", Kind: member.NCB, Name: "NCB Paris", Country: "FR"}); err != nil {
		t.Fatal(err)
	}
	cfg := identity.DefaultConfig()
	cfg.DemoMode = demo
	s := identity.NewService(db, db, cfg)
	c := &clock{time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)}
	s.SetClock(c.now)
	secret, _, err := s.NewTOTP("alice")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := identity.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	u := identity.User{ID: "u1", Username: "alice", DisplayName: "Alice", Org: "ncb-fr", Roles: []identity.Role{identity.Officer},
		PasswordHash: hash, TOTPSecret: secret, Language: "fr", CreatedAt: c.t, UpdatedAt: c.t}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	return s, c, u, secret
}

func TestLoginSecondFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, c, _, secret := setup(t, db, false)
		code, _ := identity.TOTPCode(secret, c.t)
		if _, _, _, err := s.Login(ctx, "alice", "correct horse battery", ""); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("login without code outside demo: %v, want Unauthenticated", err)
		}
		if _, _, _, err := s.Login(ctx, "alice", "correct horse battery", "000000"); !errs.Is(errs.Unauthenticated, err) && code != "000000" {
			t.Fatalf("login with wrong code: %v", err)
		}
		u, cookie, _, err := s.Login(ctx, "ALICE ", "correct horse battery", code)
		if err != nil || u.ID != "u1" || cookie == "" {
			t.Fatalf("login with code: %v", err)
		}
		// The same code again is a replay, refused even with the right password.
		if _, _, _, err := s.Login(ctx, "alice", "correct horse battery", code); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("replayed code: %v, want Unauthenticated", err)
		}
		// The next step's code works.
		c.t = c.t.Add(30 * time.Second)
		next, _ := identity.TOTPCode(secret, c.t)
		if _, _, _, err := s.Login(ctx, "alice", "correct horse battery", next); err != nil {
			t.Fatalf("next code: %v", err)
		}
		p, err := s.SessionPrincipal(ctx, cookie)
		if err != nil || p.User.Username != "alice" || p.Region != "europe" || p.OrgKind != "ncb" || p.SessionCSRF == "" {
			t.Fatalf("SessionPrincipal = %+v, %v", p, err)
		}
		// The same message for an unknown user and a wrong password.
		_, _, _, e1 := s.Login(ctx, "nobody", "correct horse battery", code)
		_, _, _, e2 := s.Login(ctx, "alice", "wrong password!!", code)
		if errs.Message(e1) != errs.Message(e2) || !errs.Is(errs.Unauthenticated, e1) {
			t.Fatalf("unknown user %q vs wrong password %q", errs.Message(e1), errs.Message(e2))
		}
	})
}

func TestLockout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, c, _, _ := setup(t, db, true)
		for i := 0; i < 4; i++ {
			if _, _, _, err := s.Login(ctx, "alice", "wrong password!!", ""); !errs.Is(errs.Unauthenticated, err) {
				t.Fatalf("failure %d: %v", i, err)
			}
		}
		if _, _, _, err := s.Login(ctx, "alice", "wrong password!!", ""); !errs.Is(errs.TooMany, err) {
			t.Fatalf("fifth failure: %v, want TooMany (locked)", err)
		}
		if _, _, _, err := s.Login(ctx, "alice", "correct horse battery", ""); !errs.Is(errs.TooMany, err) {
			t.Fatalf("right password while locked: %v, want TooMany", err)
		}
		c.t = c.t.Add(16 * time.Minute)
		if _, _, _, err := s.Login(ctx, "alice", "correct horse battery", ""); err != nil {
			t.Fatalf("after the lock: %v", err)
		}
		if u, _ := db.User(ctx, "u1"); u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
			t.Fatalf("counters not reset: %+v", u)
		}
	})
}

func TestSessionTimeoutsAndSuspension(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, c, _, _ := setup(t, db, true)
		_, cookie, _, err := s.Login(ctx, "alice", "correct horse battery", "")
		if err != nil {
			t.Fatal(err)
		}
		// Idle timeout: 30 minutes without a request.
		c.t = c.t.Add(29 * time.Minute)
		if _, err := s.SessionPrincipal(ctx, cookie); err != nil {
			t.Fatalf("within idle timeout: %v", err)
		}
		c.t = c.t.Add(31 * time.Minute)
		if _, err := s.SessionPrincipal(ctx, cookie); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("after idle timeout: %v", err)
		}
		// Absolute timeout: 12 hours even when active.
		_, cookie, _, _ = s.Login(ctx, "alice", "correct horse battery", "")
		for i := 0; i < 12*3+1; i++ {
			c.t = c.t.Add(20 * time.Minute)
			_, err = s.SessionPrincipal(ctx, cookie)
		}
		if !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("after 12 hours of activity: %v, want Unauthenticated", err)
		}
		// Suspending the member ends the session at the next request.
		_, cookie, _, _ = s.Login(ctx, "alice", "correct horse battery", "")
		if err := db.SetCountryStatus(ctx, "FR", member.Suspended); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SessionPrincipal(ctx, cookie); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("session after suspension: %v", err)
		}
		if _, _, _, err := s.Login(ctx, "alice", "correct horse battery", ""); !errs.Is(errs.Permission, err) {
			t.Fatalf("login of a suspended member: %v, want Permission", err)
		}
	})
}

func TestTokens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		s, c, u, _ := setup(t, db, true)
		if _, _, err := s.IssueToken(ctx, u.ID, "x", []string{"fly"}, time.Hour); !errs.Is(errs.Invalid, err) || errs.FieldOf(err) != "scopes" {
			t.Fatalf("unknown scope: %v", err)
		}
		if _, _, err := s.IssueToken(ctx, u.ID, "x", []string{"read"}, 0); !errs.Is(errs.Invalid, err) {
			t.Fatalf("zero ttl: %v", err)
		}
		secret, tok, err := s.IssueToken(ctx, u.ID, "border post", []string{"read", "check"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		stored, _ := db.Tokens(ctx, u.ID)
		if len(stored) != 1 || string(stored[0].Hash) == secret {
			t.Fatal("token stored in clear")
		}
		p, err := s.TokenPrincipal(ctx, secret)
		if err != nil || p.Via != "token" || len(p.TokenScopes) != 2 {
			t.Fatalf("TokenPrincipal = %+v, %v", p, err)
		}
		if _, err := s.TokenPrincipal(ctx, secret+"x"); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("altered token: %v", err)
		}
		c.t = c.t.Add(61 * time.Minute)
		if _, err := s.TokenPrincipal(ctx, secret); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("expired token: %v", err)
		}
		c.t = c.t.Add(-61 * time.Minute)
		if _, err := s.TokenPrincipal(ctx, secret); err != nil {
			t.Fatal(err)
		}
		// A revocation made past this service (another process) applies
		// once the cached principal's second has passed.
		if err := db.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		c.t = c.t.Add(s.Config().TokenCache + time.Millisecond)
		if _, err := s.TokenPrincipal(ctx, secret); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("revoked token: %v", err)
		}
		// One made through this process applies at once (Forget).
		secret2, tok2, err := s.IssueToken(ctx, u.ID, "border post 2", []string{"check"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenPrincipal(ctx, secret2); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(ctx, tok2.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.TokenPrincipal(ctx, secret2); err != nil {
			t.Fatalf("within the cache second the principal is reused: %v", err)
		}
		s.Forget()
		if _, err := s.TokenPrincipal(ctx, secret2); !errs.Is(errs.Unauthenticated, err) {
			t.Fatalf("revoked token after Forget: %v", err)
		}
	})
}

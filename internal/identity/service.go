package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/member"
)

// Config sets the rules of authentication.
type Config struct {
	// DemoMode lets people sign in without a second factor. Never in production.
	DemoMode bool
	// MaxFailures is the number of failed logins that locks an account.
	MaxFailures int
	// LockFor is how long a locked account stays locked.
	LockFor time.Duration
	// SessionIdle ends a browser session unused this long.
	SessionIdle time.Duration
	// SessionAbsolute ends a browser session this long after login.
	SessionAbsolute time.Duration
	// MaxTokenTTL bounds an API token's lifetime.
	MaxTokenTTL time.Duration
	// TokenCache is how long an API token's principal is reused without
	// reading the token, user, organisation and country again (0: never).
	// A change made through this process applies at once (Forget); one
	// made by another process sharing the database applies within it.
	TokenCache time.Duration
	// Issuer names the service in authenticator apps.
	Issuer string
}

// DefaultConfig returns production defaults.
func DefaultConfig() Config {
	return Config{MaxFailures: 5, LockFor: 15 * time.Minute, SessionIdle: 30 * time.Minute,
		SessionAbsolute: 12 * time.Hour, MaxTokenTTL: 365 * 24 * time.Hour, Issuer: "Polex", TokenCache: time.Second}
}

// Service authenticates people and machines and resolves who they are.
// It does not authorise: the admin package and every record service ask
// the policy package.
type Service struct {
	store   Store
	members member.Store
	cfg     Config
	now     func() time.Time

	cacheMu sync.RWMutex
	cache   map[string]cachedToken // by token hash
}

// cachedToken is a token's principal, valid until until.
type cachedToken struct {
	p     Principal
	until time.Time
}

// NewService returns a Service over the stores.
func NewService(store Store, members member.Store, cfg Config) *Service {
	return &Service{store: store, members: members, cfg: cfg, now: func() time.Time { return time.Now().UTC() }, cache: map[string]cachedToken{}}
}

// Forget empties the cache of token principals: administration calls it
// after every change to users, tokens, organisations or members, so that
// the change applies at this process's next request.
func (s *Service) Forget() {
	s.cacheMu.Lock()
	s.cache = map[string]cachedToken{}
	s.cacheMu.Unlock()
}

// SetClock replaces the clock, for tests.
func (s *Service) SetClock(now func() time.Time) { s.now = now }

// Config returns the service's configuration.
func (s *Service) Config() Config { return s.cfg }

// Login checks a username, password and (outside demo mode, for people)
// TOTP code. It returns the user, the session secret to set as a cookie,
// and the session. Every failure returns an Unauthenticated error with the
// same message, so that a caller cannot learn which part was wrong or
// whether the user exists; a locked account returns TooMany.
func (s *Service) Login(ctx context.Context, username, password, code string) (User, string, Session, error) {
	const op = "identity.Login"
	bad := errs.E(op, errs.Unauthenticated, "wrong username, password or code")
	u, err := s.store.UserByName(ctx, strings.ToLower(strings.TrimSpace(username)))
	if errs.Is(errs.NotFound, err) {
		// Spend the same time as a real check.
		CheckPassword(dummyHash, password)
		return User{}, "", Session{}, bad
	}
	if err != nil {
		return User{}, "", Session{}, errs.E(op, err)
	}
	now := s.now()
	if now.Before(u.LockedUntil) {
		return u, "", Session{}, errs.E(op, errs.TooMany, "account locked after repeated failures; try again later")
	}
	ok := CheckPassword(u.PasswordHash, password)
	if ok && s.needsSecondFactor(u) {
		step := int64(-1)
		if u.TOTPSecret != "" {
			step = totpStep(u.TOTPSecret, code, now)
		}
		ok = step >= 0
		if ok {
			// A code is good once: a replayed one counts as a failure.
			if err := s.store.UseTOTPStep(ctx, u.ID, step); errs.Is(errs.Conflict, err) {
				ok = false
			} else if err != nil {
				return u, "", Session{}, errs.E(op, err)
			}
		}
	}
	if !ok {
		failed := u.FailedLogins + 1
		var until time.Time
		if failed >= s.cfg.MaxFailures {
			until, failed = now.Add(s.cfg.LockFor), 0
		}
		if err := s.store.RecordLogin(ctx, u.ID, failed, until); err != nil {
			return u, "", Session{}, errs.E(op, err)
		}
		if !until.IsZero() {
			return u, "", Session{}, errs.E(op, errs.TooMany, "account locked after repeated failures; try again later")
		}
		return u, "", Session{}, bad
	}
	if u.HasRole(BorderSystem) && len(u.Roles) == 1 {
		return u, "", Session{}, errs.E(op, errs.Permission, "machine accounts sign in with API tokens")
	}
	if _, err := s.principal(ctx, u, "session"); err != nil {
		return u, "", Session{}, errs.E(op, err)
	}
	if u.FailedLogins != 0 || !u.LockedUntil.IsZero() {
		if err := s.store.RecordLogin(ctx, u.ID, 0, time.Time{}); err != nil {
			return u, "", Session{}, errs.E(op, err)
		}
	}
	secret, hash, err := newSecret("pxs_")
	if err != nil {
		return u, "", Session{}, errs.E(op, err)
	}
	csrf, _, err := newSecret("")
	if err != nil {
		return u, "", Session{}, errs.E(op, err)
	}
	sess := Session{IDHash: hash, UserID: u.ID, CSRF: csrf, CreatedAt: now, LastSeen: now, ExpiresAt: now.Add(s.cfg.SessionAbsolute)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return u, "", Session{}, errs.E(op, err)
	}
	return u, secret, sess, nil
}

// dummyHash is checked when the user does not exist, so that the time taken
// does not reveal it.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$ZHVtbXlkdW1teWR1bW15ZHVtbXlkdW1teWR1bW15ZA"

func (s *Service) needsSecondFactor(u User) bool { return !s.cfg.DemoMode }

// totpStep returns the RFC 6238 time step (30 s) whose code equals code,
// among the current step and one either side for clock drift, or -1.
func totpStep(secret, code string, now time.Time) int64 {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return -1
	}
	cur := now.Unix() / 30
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step
		}
	}
	return -1
}

// NewTOTP returns a fresh TOTP secret (base32) and its otpauth:// URL for
// an authenticator app.
func (s *Service) NewTOTP(username string) (secret, url string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.cfg.Issuer, AccountName: username})
	if err != nil {
		return "", "", errs.E("identity.NewTOTP", errs.Internal, err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPCode returns the current code for secret; for tests and the demo.
func TOTPCode(secret string, at time.Time) (string, error) {
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		return "", errs.E("identity.TOTPCode", errs.Invalid, err)
	}
	return c, nil
}

// principal builds the Principal of user u acting through via. It reads
// the user's organisation and country once, and returns a Permission error
// when the user, its organisation or its country may not act now.
func (s *Service) principal(ctx context.Context, u User, via string) (Principal, error) {
	const op = "identity.principal"
	if u.Disabled {
		return Principal{}, errs.E(op, errs.Permission, "account disabled")
	}
	o, err := s.members.Org(ctx, u.Org)
	if err != nil {
		return Principal{}, err
	}
	if o.Disabled {
		return Principal{}, errs.E(op, errs.Permission, "organisation disabled")
	}
	p := Principal{User: u, OrgKind: string(o.Kind), Via: via}
	if o.Country != "" {
		c, err := s.members.Country(ctx, o.Country)
		if err != nil {
			return Principal{}, err
		}
		if c.Status != member.Active {
			return Principal{}, errs.E(op, errs.Permission, "member country suspended")
		}
		p.Region = string(c.Region)
	}
	return p, nil
}

// Principal returns the Principal of user id acting through via (such as
// "cli"), or an error when the user may not act.
func (s *Service) Principal(ctx context.Context, id, via string) (Principal, error) {
	u, err := s.store.User(ctx, id)
	if err != nil {
		return Principal{}, errs.E("identity.Principal", err)
	}
	return s.principal(ctx, u, via)
}

// SessionPrincipal resolves a session cookie's secret. It returns an
// Unauthenticated error when the session is unknown, idle too long, past its
// absolute timeout, or its user, organisation or country may no longer act
// (suspension takes effect at the next request).
func (s *Service) SessionPrincipal(ctx context.Context, secret string) (Principal, error) {
	const op = "identity.SessionPrincipal"
	unauth := errs.E(op, errs.Unauthenticated, "session expired; please sign in again")
	if !strings.HasPrefix(secret, "pxs_") || len(secret) > 128 {
		return Principal{}, unauth
	}
	h := hashSecret(secret)
	sess, err := s.store.Session(ctx, h)
	if errs.Is(errs.NotFound, err) {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, errs.E(op, err)
	}
	now := s.now()
	if now.After(sess.ExpiresAt) || now.Sub(sess.LastSeen) > s.cfg.SessionIdle {
		_ = s.store.DeleteSession(ctx, h)
		return Principal{}, unauth
	}
	u, err := s.store.User(ctx, sess.UserID)
	if err != nil {
		return Principal{}, errs.E(op, err)
	}
	p, err := s.principal(ctx, u, "session")
	if err != nil {
		if errs.Is(errs.Permission, err) {
			_ = s.store.DeleteSession(ctx, h)
			return Principal{}, unauth
		}
		return Principal{}, errs.E(op, err)
	}
	// Refresh last-seen at most once a minute to spare the database.
	if now.Sub(sess.LastSeen) > time.Minute {
		if err := s.store.TouchSession(ctx, h, now); err != nil && !errs.Is(errs.NotFound, err) {
			return Principal{}, errs.E(op, err)
		}
	}
	p.SessionCSRF = sess.CSRF
	return p, nil
}

// Logout ends the session with this secret.
func (s *Service) Logout(ctx context.Context, secret string) error {
	return s.store.DeleteSession(ctx, hashSecret(secret))
}

// Scopes an API token may carry.
var Scopes = []string{"read", "search", "check", "write", "admin", "audit"}

// ValidScope reports whether sc is a known scope.
func ValidScope(sc string) bool {
	for _, x := range Scopes {
		if x == sc {
			return true
		}
	}
	return false
}

// IssueToken creates an API token for user userID and returns its secret,
// shown this once, and the stored token. The caller has authorised it.
func (s *Service) IssueToken(ctx context.Context, userID, name string, scopes []string, ttl time.Duration) (string, Token, error) {
	const op = "identity.IssueToken"
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return "", Token{}, errs.Invalidf(op, "name", "token name must have 1 to 100 characters")
	}
	if len(scopes) == 0 {
		return "", Token{}, errs.Invalidf(op, "scopes", "a token needs at least one scope (%s)", strings.Join(Scopes, ", "))
	}
	for _, sc := range scopes {
		if !ValidScope(sc) {
			return "", Token{}, errs.Invalidf(op, "scopes", "unknown scope %q (known: %s)", sc, strings.Join(Scopes, ", "))
		}
	}
	if ttl <= 0 || ttl > s.cfg.MaxTokenTTL {
		return "", Token{}, errs.Invalidf(op, "ttl", "token lifetime must be between 1s and %s", s.cfg.MaxTokenTTL)
	}
	if _, err := s.store.User(ctx, userID); err != nil {
		return "", Token{}, errs.E(op, err)
	}
	secret, hash, err := newSecret("pxt_")
	if err != nil {
		return "", Token{}, errs.E(op, err)
	}
	id, err := NewID("tok")
	if err != nil {
		return "", Token{}, errs.E(op, err)
	}
	now := s.now()
	t := Token{ID: id, Hash: hash, UserID: userID, Name: name, Scopes: scopes, CreatedAt: now, ExpiresAt: now.Add(ttl)}
	if err := s.store.CreateToken(ctx, t); err != nil {
		return "", Token{}, errs.E(op, err)
	}
	return secret, t, nil
}

// TokenPrincipal resolves an API token's secret. It returns an
// Unauthenticated error for an unknown, revoked or expired token, or one
// whose user may no longer act.
func (s *Service) TokenPrincipal(ctx context.Context, secret string) (Principal, error) {
	const op = "identity.TokenPrincipal"
	unauth := errs.E(op, errs.Unauthenticated, "invalid, expired or revoked token")
	if !strings.HasPrefix(secret, "pxt_") || len(secret) > 128 {
		return Principal{}, unauth
	}
	h := hashSecret(secret)
	now := s.now()
	if s.cfg.TokenCache > 0 {
		s.cacheMu.RLock()
		c, ok := s.cache[string(h)]
		s.cacheMu.RUnlock()
		if ok && now.Before(c.until) {
			return c.p, nil
		}
	}
	t, err := s.store.TokenByHash(ctx, h)
	if errs.Is(errs.NotFound, err) {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, errs.E(op, err)
	}
	if t.Revoked || now.After(t.ExpiresAt) {
		return Principal{}, unauth
	}
	u, err := s.store.User(ctx, t.UserID)
	if err != nil {
		return Principal{}, errs.E(op, err)
	}
	p, err := s.principal(ctx, u, "token")
	if errs.Is(errs.Permission, err) {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, errs.E(op, err)
	}
	if now.Sub(t.LastUsed) > time.Minute {
		_ = s.store.TouchToken(ctx, t.ID, now)
	}
	p.TokenScopes = t.Scopes
	if s.cfg.TokenCache > 0 {
		until := now.Add(s.cfg.TokenCache)
		if t.ExpiresAt.Before(until) {
			until = t.ExpiresAt
		}
		s.cacheMu.Lock()
		if len(s.cache) >= maxCachedTokens {
			s.cache = map[string]cachedToken{}
		}
		s.cache[string(h)] = cachedToken{p: p, until: until}
		s.cacheMu.Unlock()
	}
	return p, nil
}

// maxCachedTokens bounds the token cache; it is emptied when full.
const maxCachedTokens = 10000

// newSecret returns prefix+random secret and its SHA-256.
func newSecret(prefix string) (string, []byte, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", nil, errs.E("identity.newSecret", errs.Internal, err)
	}
	s := prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return s, hashSecret(s), nil
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// NewID returns a random identifier with a prefix, such as "usr_9f2c…".
func NewID(prefix string) (string, error) {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", errs.E("identity.NewID", errs.Internal, err)
	}
	return prefix + "_" + hex.EncodeToString(b[:]), nil
}

// CertPrincipal resolves a verified client certificate: its Subject common
// name is a username and its first Organization must be that user's
// organisation ID. It returns an Unauthenticated error otherwise.
func (s *Service) CertPrincipal(ctx context.Context, commonName, org string) (Principal, error) {
	const op = "identity.CertPrincipal"
	unauth := errs.E(op, errs.Unauthenticated, "client certificate not mapped to an active user")
	u, err := s.store.UserByName(ctx, strings.ToLower(commonName))
	if errs.Is(errs.NotFound, err) {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, errs.E(op, err)
	}
	if u.Org != org {
		return Principal{}, unauth
	}
	p, err := s.principal(ctx, u, "mtls")
	if errs.Is(errs.Permission, err) {
		return Principal{}, unauth
	}
	if err != nil {
		return Principal{}, errs.E(op, err)
	}
	return p, nil
}

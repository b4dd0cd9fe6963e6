// Package identity holds users, roles, browser sessions, API tokens and the
// second factor. It holds types, rules and the Service that applies them;
// storage engines implement Store.
package identity

import (
	"context"
	"time"
)

// Role is a named set of permissions; the policy package says what each may do.
type Role string

// The roles of Polex.
const (
	NCBAdmin     Role = "ncb-admin"     // manages its own country's users
	Officer      Role = "officer"       // police officer of an NCB or national agency
	BorderSystem Role = "border-system" // machine client at a border post
	GSReviewer   Role = "gs-reviewer"   // General Secretariat compliance reviewer
	CyberExpert  Role = "cyber-expert"  // cybercrime 24/7 network expert
	Auditor      Role = "auditor"       // oversight body
	Sysadmin     Role = "sysadmin"      // runs the system; no access to record content
)

// Roles lists every role in a stable order.
var Roles = []Role{NCBAdmin, Officer, BorderSystem, GSReviewer, CyberExpert, Auditor, Sysadmin}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// Classification is a level of protection of information, and of a user's clearance.
type Classification int

// Classification levels, lowest first.
const (
	Public       Classification = 0 // may be published
	Official     Classification = 1 // for official use only
	Restricted   Classification = 2
	Confidential Classification = 3
)

// Valid reports whether c is a known level.
func (c Classification) Valid() bool { return c >= Public && c <= Confidential }

// String returns the level's name.
func (c Classification) String() string {
	switch c {
	case Public:
		return "public"
	case Official:
		return "official"
	case Restricted:
		return "restricted"
	case Confidential:
		return "confidential"
	}
	return "invalid"
}

// ParseClassification returns the level named s.
func ParseClassification(s string) (Classification, bool) {
	for c := Public; c <= Confidential; c++ {
		if c.String() == s {
			return c, true
		}
	}
	return 0, false
}

// User is a person or machine that signs in to Polex.
type User struct {
	ID           string         `json:"id"`
	Username     string         `json:"username"` // unique, lower case
	DisplayName  string         `json:"display_name"`
	Org          string         `json:"org"`     // organisation ID
	Country      string         `json:"country"` // alpha-2 of the org's country, "" for GS and oversight
	Roles        []Role         `json:"roles"`
	Clearance    Classification `json:"clearance"`
	Disabled     bool           `json:"disabled"`
	TOTPSecret   string         `json:"-"` // base32; empty when no second factor is enrolled
	PasswordHash string         `json:"-"` // PHC-format argon2id
	FailedLogins int            `json:"-"`
	LockedUntil  time.Time      `json:"-"`
	Language     string         `json:"language"` // en, fr, es or ar
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
}

// HasRole reports whether u holds role r.
func (u User) HasRole(r Role) bool {
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Session is a browser session. Only the hash of its secret is stored.
type Session struct {
	IDHash    []byte // SHA-256 of the cookie value
	UserID    string
	CSRF      string // per-session CSRF token
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time // absolute timeout
}

// Token is an API token for a machine client. Only its hash is stored; the
// secret is shown once, at creation.
type Token struct {
	ID        string    `json:"id"`
	Hash      []byte    `json:"-"`
	UserID    string    `json:"user_id"`
	Name      string    `json:"name"`
	Scopes    []string  `json:"scopes"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Revoked   bool      `json:"revoked"`
	LastUsed  time.Time `json:"last_used,omitempty"`
}

// Principal is who is acting on a request: a user, its organisation and
// country, and how they authenticated. Transports build it; the policy reads it.
type Principal struct {
	User        User
	OrgKind     string   // member.OrgKind of the user's organisation
	Region      string   // member.Region of the user's country, "" when none
	Via         string   // "session", "token", "mtls" or "cli"
	TokenScopes []string // the scopes of the token when Via is "token"
	SessionCSRF string   // the session's CSRF token when Via is "session"
}

// Store keeps users, sessions and tokens.
//
// Methods return an errs.NotFound error for a missing item and an
// errs.Conflict error when a unique key (username) is taken.
type Store interface {
	CreateUser(ctx context.Context, u User) error
	// UpdateUser replaces every field of the user with ID u.ID.
	UpdateUser(ctx context.Context, u User) error
	User(ctx context.Context, id string) (User, error)
	UserByName(ctx context.Context, username string) (User, error)
	// Users returns the users of organisations in country cc ("" for all), ordered by username.
	Users(ctx context.Context, cc string) ([]User, error)
	// RecordLogin stores the outcome of a password check: failures and lock.
	RecordLogin(ctx context.Context, userID string, failed int, lockedUntil time.Time) error
	// UseTOTPStep records that the user signed in with the TOTP code of time
	// step step. It returns an errs.Conflict error, atomically, when that step
	// or a later one was used already (a replayed code).
	UseTOTPStep(ctx context.Context, userID string, step int64) error

	CreateSession(ctx context.Context, s Session) error
	// Session returns a session by the hash of its secret.
	Session(ctx context.Context, idHash []byte) (Session, error)
	TouchSession(ctx context.Context, idHash []byte, at time.Time) error
	DeleteSession(ctx context.Context, idHash []byte) error
	// DeleteUserSessions ends every session of a user.
	DeleteUserSessions(ctx context.Context, userID string) error

	CreateToken(ctx context.Context, t Token) error
	// TokenByHash returns a token by the hash of its secret.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	Tokens(ctx context.Context, userID string) ([]Token, error)
	RevokeToken(ctx context.Context, id string) error
	TouchToken(ctx context.Context, id string, at time.Time) error
}

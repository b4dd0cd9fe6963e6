// Package admin is the administration of Polex: admitting and suspending
// member countries, national agencies, users and API tokens. Every operation
// asks the policy package and is written to the audit log, whatever its
// outcome.
package admin

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/policy"
	"github.com/polex-org/polex/internal/reqid"
)

// AuditLog is where administration records what it did.
type AuditLog interface {
	Append(ctx context.Context, e audit.Entry) (int64, error)
}

// Service administers members, organisations and users.
type Service struct {
	members  member.Store
	users    identity.Store
	identity *identity.Service
	audit    AuditLog
	now      func() time.Time
}

// New returns a Service.
func New(members member.Store, users identity.Store, id *identity.Service, log AuditLog) *Service {
	return &Service{members: members, users: users, identity: id, audit: log, now: func() time.Time { return time.Now().UTC() }}
}

// authorize decides and audits one administrative action. It returns the
// policy's error when the action is refused.
func (s *Service) authorize(ctx context.Context, op string, p identity.Principal, action string, r policy.Resource, target string) error {
	d := policy.Decide(policy.SubjectOf(p), policy.ActionAdminister, r)
	if d.Effect != policy.Allow {
		s.record(ctx, p, action, target, "deny", d.Reason)
		return d.Err(op)
	}
	return nil
}

// record appends an audit entry; a failure to audit is logged by the audit
// log itself and fails the request through the returned error of the caller.
func (s *Service) record(ctx context.Context, p identity.Principal, action, target, outcome, detail string) error {
	_, err := s.audit.Append(ctx, audit.Entry{
		Time: s.now(), Actor: p.User.ID, ActorOrg: p.User.Org, Action: action, Target: target,
		Outcome: outcome, RequestID: reqid.From(ctx), Detail: detail,
	})
	return err
}

// forget drops the identity service's cached token principals after a
// change to members, organisations, users or tokens.
func (s *Service) forget() {
	if s.identity != nil {
		s.identity.Forget()
	}
}

// AuthorizeAuditRead decides whether p may read the audit log and records
// the read — action, target and purpose, outcome allow or deny — before
// anything is read. It returns the policy's error when p may not.
func (s *Service) AuthorizeAuditRead(ctx context.Context, p identity.Principal, action, target, purpose string) error {
	const op = "admin.AuthorizeAuditRead"
	d := policy.Decide(policy.SubjectOf(p), policy.ActionAuditRead, policy.Resource{Kind: policy.KindAudit})
	e := audit.Entry{Time: s.now(), Actor: p.User.ID, ActorOrg: p.User.Org, Action: action, Target: target,
		Purpose: purpose, RequestID: reqid.From(ctx), Outcome: audit.OutcomeAllow}
	if !d.Allowed() {
		e.Outcome, e.Detail = audit.OutcomeDeny, d.Reason
	}
	if _, err := s.audit.Append(ctx, e); err != nil {
		return errs.E(op, err)
	}
	return d.Err(op)
}

// SetCountryStatus admits (Active) or suspends a member country: a General
// Secretariat administrator only. Suspension ends the sessions of the
// country's users at their next request.
func (s *Service) SetCountryStatus(ctx context.Context, p identity.Principal, cc string, st member.Status) error {
	defer s.forget()
	const op = "admin.SetCountryStatus"
	cc, err := member.NormalizeCode(cc)
	if err != nil {
		return err
	}
	if st != member.Active && st != member.Suspended {
		return errs.Invalidf(op, "status", "status must be %q or %q", member.Active, member.Suspended)
	}
	action := "member.suspend"
	if st == member.Active {
		action = "member.reinstate"
	}
	// Owner "" makes this a General Secretariat resource: no NCB administers it.
	if err := s.authorize(ctx, op, p, action, policy.Resource{Kind: policy.KindOrg}, "country:"+cc); err != nil {
		return err
	}
	if err := s.members.SetCountryStatus(ctx, cc, st); err != nil {
		return errs.E(op, err)
	}
	return s.record(ctx, p, action, "country:"+cc, "ok", "")
}

// Countries lists the member countries for a General Secretariat
// administrator, who admits and suspends them; the listing is audited as
// member.list. Anyone else gets the policy's refusal.
func (s *Service) Countries(ctx context.Context, p identity.Principal) ([]member.Country, error) {
	const op = "admin.Countries"
	if err := s.authorize(ctx, op, p, "member.list", policy.Resource{Kind: policy.KindOrg}, "*"); err != nil {
		return nil, err
	}
	cs, err := s.members.Countries(ctx)
	if err != nil {
		return nil, errs.E(op, err)
	}
	return cs, s.record(ctx, p, "member.list", "*", "ok", "")
}

// AdmitCountry adds a new member country with its National Central Bureau.
func (s *Service) AdmitCountry(ctx context.Context, p identity.Principal, c member.Country, ncbName string) error {
	defer s.forget()
	const op = "admin.AdmitCountry"
	c.Status = member.Active
	if c.Joined.IsZero() {
		c.Joined = s.now()
	}
	if err := c.Validate(); err != nil {
		return err
	}
	if err := s.authorize(ctx, op, p, "member.admit", policy.Resource{Kind: policy.KindOrg}, "country:"+c.Alpha2); err != nil {
		return err
	}
	if _, err := s.members.Country(ctx, c.Alpha2); err == nil {
		return errs.E(op, errs.Conflict, "country "+c.Alpha2+" is already a member", "alpha2")
	} else if !errs.Is(errs.NotFound, err) {
		return errs.E(op, err)
	}
	if ncbName == "" {
		ncbName = "NCB " + c.Name
	}
	ncb := member.Org{ID: member.NCBID(c.Alpha2), Kind: member.NCB, Name: ncbName, Country: c.Alpha2, CreatedAt: s.now()}
	if err := ncb.Validate(); err != nil {
		return err
	}
	if err := s.members.PutCountry(ctx, c); err != nil {
		return errs.E(op, err)
	}
	if err := s.members.CreateOrg(ctx, ncb); err != nil && !errs.Is(errs.Conflict, err) {
		return errs.E(op, err)
	}
	return s.record(ctx, p, "member.admit", "country:"+c.Alpha2, "ok", "")
}

// CreateAgency adds a national agency under country cc's NCB.
func (s *Service) CreateAgency(ctx context.Context, p identity.Principal, o member.Org) (member.Org, error) {
	defer s.forget()
	const op = "admin.CreateAgency"
	o.Kind = member.Agency
	o.Parent = member.NCBID(o.Country)
	o.CreatedAt = s.now()
	if err := o.Validate(); err != nil {
		return member.Org{}, err
	}
	if err := s.authorize(ctx, op, p, "org.create", policy.Resource{Kind: policy.KindOrg, Owner: o.Country}, "org:"+o.ID); err != nil {
		return member.Org{}, err
	}
	if err := s.members.CreateOrg(ctx, o); err != nil {
		return member.Org{}, errs.E(op, err)
	}
	return o, s.record(ctx, p, "org.create", "org:"+o.ID, "ok", "")
}

// Orgs lists the organisations the principal may administer: its own
// country's for an NCB admin, all for a sysadmin.
func (s *Service) Orgs(ctx context.Context, p identity.Principal) ([]member.Org, error) {
	cc, err := s.scope(ctx, "admin.Orgs", p, "org.list")
	if err != nil {
		return nil, err
	}
	return s.members.Orgs(ctx, cc)
}

// scope returns the country whose users and orgs p may administer ("" for
// all), or a Private error.
func (s *Service) scope(ctx context.Context, op string, p identity.Principal, action string) (string, error) {
	sub := policy.SubjectOf(p)
	if policy.Decide(sub, policy.ActionAdminister, policy.Resource{Kind: policy.KindUser}).Effect == policy.Allow {
		return "", s.record(ctx, p, action, "*", "ok", "")
	}
	if p.User.Country != "" {
		if err := s.authorize(ctx, op, p, action, policy.Resource{Kind: policy.KindUser, Owner: p.User.Country}, "country:"+p.User.Country); err != nil {
			return "", err
		}
		return p.User.Country, s.record(ctx, p, action, "country:"+p.User.Country, "ok", "")
	}
	s.record(ctx, p, action, "*", "deny", "no administration scope")
	return "", errs.E(op, errs.Private)
}

// Users lists the users the principal may administer.
func (s *Service) Users(ctx context.Context, p identity.Principal) ([]identity.User, error) {
	cc, err := s.scope(ctx, "admin.Users", p, "user.list")
	if err != nil {
		return nil, err
	}
	return s.users.Users(ctx, cc)
}

// User returns one user the principal may administer; others are not found.
func (s *Service) User(ctx context.Context, p identity.Principal, id string) (identity.User, error) {
	const op = "admin.User"
	u, err := s.users.User(ctx, id)
	if errs.Is(errs.NotFound, err) {
		s.record(ctx, p, "user.read", "user:"+id, "deny", "no such user")
		return identity.User{}, errs.E(op, errs.Private)
	}
	if err != nil {
		return identity.User{}, errs.E(op, err)
	}
	if err := s.authorize(ctx, op, p, "user.read", userResource(u), "user:"+id); err != nil {
		return identity.User{}, err
	}
	return u, s.record(ctx, p, "user.read", "user:"+id, "ok", "")
}

func userResource(u identity.User) policy.Resource {
	return policy.Resource{Kind: policy.KindUser, Owner: u.Country, OwnerOrg: u.Org}
}

// NewUser is the input to CreateUser.
type NewUser struct {
	Username    string
	DisplayName string
	Org         string
	Roles       []identity.Role
	Clearance   identity.Classification
	Password    string
	Language    string
}

// Languages are the four official languages.
var Languages = []string{"en", "fr", "es", "ar"}

// Created is the result of CreateUser: the user and, for people, the TOTP
// secret and enrolment URL, shown this once.
type Created struct {
	User       identity.User
	TOTPSecret string
	TOTPURL    string
}

// CreateUser creates a user in an organisation the principal administers.
func (s *Service) CreateUser(ctx context.Context, p identity.Principal, in NewUser) (Created, error) {
	const op = "admin.CreateUser"
	in.Username = strings.ToLower(strings.TrimSpace(in.Username))
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if in.Language == "" {
		in.Language = "en"
	}
	if err := validateUsername(in.Username); err != nil {
		return Created{}, err
	}
	if err := validateName(op, "display_name", in.DisplayName); err != nil {
		return Created{}, err
	}
	if !slices.Contains(Languages, in.Language) {
		return Created{}, errs.Invalidf(op, "language", "language must be one of %s", strings.Join(Languages, ", "))
	}
	if err := identity.ValidatePassword(in.Password); err != nil {
		return Created{}, err
	}
	if !in.Clearance.Valid() {
		return Created{}, errs.Invalidf(op, "clearance", "unknown clearance level %d", in.Clearance)
	}
	org, err := s.members.Org(ctx, in.Org)
	if errs.Is(errs.NotFound, err) {
		return Created{}, errs.Invalidf(op, "org", "no organisation %q", in.Org)
	}
	if err != nil {
		return Created{}, errs.E(op, err)
	}
	if err := s.authorize(ctx, op, p, "user.create", policy.Resource{Kind: policy.KindUser, Owner: org.Country, OwnerOrg: org.ID}, "user:"+in.Username); err != nil {
		if errs.Is(errs.Private, err) {
			// The organisation is outside the admin's country: say no more than that.
			return Created{}, errs.Invalidf(op, "org", "no organisation %q", in.Org)
		}
		return Created{}, err
	}
	if err := validateRoles(op, p, org, in.Roles); err != nil {
		return Created{}, err
	}
	hash, err := identity.HashPassword(in.Password)
	if err != nil {
		return Created{}, err
	}
	id, err := identity.NewID("usr")
	if err != nil {
		return Created{}, err
	}
	now := s.now()
	u := identity.User{ID: id, Username: in.Username, DisplayName: in.DisplayName, Org: org.ID, Country: org.Country,
		Roles: in.Roles, Clearance: in.Clearance, PasswordHash: hash, Language: in.Language, CreatedAt: now, UpdatedAt: now}
	var out Created
	if !(len(in.Roles) == 1 && in.Roles[0] == identity.BorderSystem) {
		out.TOTPSecret, out.TOTPURL, err = s.identity.NewTOTP(in.Username)
		if err != nil {
			return Created{}, err
		}
		u.TOTPSecret = out.TOTPSecret
	}
	if err := s.users.CreateUser(ctx, u); err != nil {
		if errs.Is(errs.Conflict, err) {
			return Created{}, errs.E(op, errs.Conflict, "username "+in.Username+" is taken", "username")
		}
		return Created{}, errs.E(op, err)
	}
	out.User = u
	return out, s.record(ctx, p, "user.create", "user:"+id, "ok", "roles="+joinRoles(in.Roles))
}

// validateRoles checks that roles are known and that the principal may
// grant them: an NCB administrator grants national roles only.
func validateRoles(op string, p identity.Principal, org member.Org, roles []identity.Role) error {
	if len(roles) == 0 {
		return errs.Invalidf(op, "roles", "a user needs at least one role")
	}
	seen := map[identity.Role]bool{}
	for _, r := range roles {
		if !r.Valid() {
			return errs.Invalidf(op, "roles", "unknown role %q", r)
		}
		if seen[r] {
			return errs.Invalidf(op, "roles", "role %q given twice", r)
		}
		seen[r] = true
		if !policy.RoleFits(r, org.Kind) {
			return errs.Invalidf(op, "roles", "role %q cannot be held in a %s organisation", r, org.Kind)
		}
	}
	return nil
}

func joinRoles(rs []identity.Role) string {
	ss := make([]string, len(rs))
	for i, r := range rs {
		ss[i] = string(r)
	}
	return strings.Join(ss, ",")
}

// Update is a change to a user; nil fields are left as they are.
type Update struct {
	DisplayName *string
	Roles       []identity.Role
	Clearance   *identity.Classification
	Disabled    *bool
	Language    *string
	Password    *string
}

// UpdateUser changes a user the principal administers. Disabling a user
// ends its sessions at once.
func (s *Service) UpdateUser(ctx context.Context, p identity.Principal, id string, up Update) (identity.User, error) {
	defer s.forget()
	const op = "admin.UpdateUser"
	u, err := s.User(ctx, p, id)
	if err != nil {
		return identity.User{}, err
	}
	if err := s.authorize(ctx, op, p, "user.update", userResource(u), "user:"+id); err != nil {
		return identity.User{}, err
	}
	var changed []string
	if up.DisplayName != nil {
		n := strings.TrimSpace(*up.DisplayName)
		if err := validateName(op, "display_name", n); err != nil {
			return identity.User{}, err
		}
		u.DisplayName = n
		changed = append(changed, "display_name")
	}
	if up.Roles != nil {
		org, err := s.members.Org(ctx, u.Org)
		if err != nil {
			return identity.User{}, errs.E(op, err)
		}
		if err := validateRoles(op, p, org, up.Roles); err != nil {
			return identity.User{}, err
		}
		u.Roles = up.Roles
		changed = append(changed, "roles")
	}
	if up.Clearance != nil {
		if !up.Clearance.Valid() {
			return identity.User{}, errs.Invalidf(op, "clearance", "unknown clearance level %d", *up.Clearance)
		}
		u.Clearance = *up.Clearance
		changed = append(changed, "clearance")
	}
	if up.Language != nil {
		if !slices.Contains(Languages, *up.Language) {
			return identity.User{}, errs.Invalidf(op, "language", "language must be one of %s", strings.Join(Languages, ", "))
		}
		u.Language = *up.Language
		changed = append(changed, "language")
	}
	if up.Password != nil {
		if err := identity.ValidatePassword(*up.Password); err != nil {
			return identity.User{}, err
		}
		if u.PasswordHash, err = identity.HashPassword(*up.Password); err != nil {
			return identity.User{}, err
		}
		changed = append(changed, "password")
	}
	if up.Disabled != nil {
		if *up.Disabled && u.ID == p.User.ID {
			return identity.User{}, errs.Invalidf(op, "disabled", "you cannot disable your own account")
		}
		u.Disabled = *up.Disabled
		changed = append(changed, "disabled")
	}
	if len(changed) == 0 {
		return identity.User{}, errs.Invalidf(op, "", "nothing to change")
	}
	if err := s.users.UpdateUser(ctx, u); err != nil {
		return identity.User{}, errs.E(op, err)
	}
	if u.Disabled {
		if err := s.users.DeleteUserSessions(ctx, u.ID); err != nil {
			return identity.User{}, errs.E(op, err)
		}
	}
	return u, s.record(ctx, p, "user.update", "user:"+id, "ok", strings.Join(changed, ","))
}

// IssueToken creates an API token for a user the principal administers
// (a border system, say). The secret is returned this once.
func (s *Service) IssueToken(ctx context.Context, p identity.Principal, userID, name string, scopes []string, ttl time.Duration) (string, identity.Token, error) {
	if _, err := s.User(ctx, p, userID); err != nil {
		return "", identity.Token{}, err
	}
	secret, t, err := s.identity.IssueToken(ctx, userID, name, scopes, ttl)
	if err != nil {
		return "", identity.Token{}, err
	}
	return secret, t, s.record(ctx, p, "token.create", "token:"+t.ID, "ok", "user="+userID+" scopes="+strings.Join(scopes, ","))
}

// RevokeToken revokes one of a user's tokens.
func (s *Service) RevokeToken(ctx context.Context, p identity.Principal, userID, tokenID string) error {
	defer s.forget()
	const op = "admin.RevokeToken"
	if _, err := s.User(ctx, p, userID); err != nil {
		return err
	}
	ts, err := s.users.Tokens(ctx, userID)
	if err != nil {
		return errs.E(op, err)
	}
	if !slices.ContainsFunc(ts, func(t identity.Token) bool { return t.ID == tokenID }) {
		return errs.E(op, errs.NotFound, "no such token")
	}
	if err := s.users.RevokeToken(ctx, tokenID); err != nil {
		return errs.E(op, err)
	}
	return s.record(ctx, p, "token.revoke", "token:"+tokenID, "ok", "")
}

// Tokens lists a user's tokens (never their secrets).
func (s *Service) Tokens(ctx context.Context, p identity.Principal, userID string) ([]identity.Token, error) {
	if _, err := s.User(ctx, p, userID); err != nil {
		return nil, err
	}
	return s.users.Tokens(ctx, userID)
}

func validateUsername(u string) error {
	const op = "admin.validateUsername"
	if len(u) < 3 || len(u) > 64 {
		return errs.Invalidf(op, "username", "username must have 3 to 64 characters")
	}
	for _, c := range u {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return errs.Invalidf(op, "username", "username may hold only a-z, 0-9, '.', '-' and '_'")
		}
	}
	return nil
}

func validateName(op, field, n string) error {
	if n == "" || utf8.RuneCountInString(n) > 200 || !utf8.ValidString(n) {
		return errs.Invalidf(op, field, "%s must have 1 to 200 characters", field)
	}
	for _, c := range n {
		if unicode.IsControl(c) {
			return errs.Invalidf(op, field, "%s must not contain control characters", field)
		}
	}
	return nil
}

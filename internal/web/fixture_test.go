package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/polex-org/polex/internal/admin"
	"github.com/polex-org/polex/internal/audit"
	"github.com/polex-org/polex/internal/errs"
	"github.com/polex-org/polex/internal/identity"
	"github.com/polex-org/polex/internal/member"
	"github.com/polex-org/polex/internal/store/sqldb"
	"github.com/polex-org/polex/internal/store/storetest"
)

// testLog is the audit log of the tests: the real one, over the test
// database, read back by the tests.
type testLog struct {
	*audit.Log
	t    testing.TB
	from int64 // the entries before from were written by the fixture's setup
}

// find returns the entries with action written since the setup, by seq.
func (l *testLog) find(action string) []audit.Entry {
	l.t.Helper()
	es, err := l.Query(context.Background(), audit.Filter{Action: action, Start: l.from, Limit: audit.MaxLimit})
	must(l.t, err)
	return es
}

const testPassword = "correct horse battery"

// seeded is a user created by the fixture, with its secrets.
type seeded struct {
	identity.User
	TOTP string
}

// fixture is a web server over a real SQLite database holding France and
// Kenya, the General Secretariat, and users:
//
//	sys        sysadmin in gs
//	fr.admin   ncb-admin in ncb-fr
//	fr.officer officer in fr-police (an agency of France)
//	ke.admin   ncb-admin in ncb-ke
//	ke.officer officer in ncb-ke
//	auditor    auditor in ccf (the oversight body)
//
// Its audit log is the real one (checkpoints signed with every batch).
type fixture struct {
	t     testing.TB
	db    *sqldb.DB
	id    *identity.Service
	adm   *admin.Service
	audit *testLog
	srv   *Server
	logs  *syncBuffer
	users map[string]seeded
}

type fixtureOpts struct {
	demo        bool
	secure      bool
	maxFailures int
	allMembers  bool // store all 196 member countries, not only France and Kenya
}

func newFixture(t testing.TB, o fixtureOpts) *fixture {
	t.Helper()
	ctx := context.Background()
	db := storetest.OpenSQLite(t)
	cfg := identity.DefaultConfig()
	cfg.DemoMode = o.demo
	if o.maxFailures > 0 {
		cfg.MaxFailures = o.maxFailures
	}
	key, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), audit.KeyFile))
	must(t, err)
	log := audit.NewLog(db, key.Signer, audit.Options{CheckpointInterval: -1})
	t.Cleanup(func() { _ = log.Close(context.Background()) }) // before the database closes
	f := &fixture{t: t, db: db, audit: &testLog{Log: log, t: t}, logs: &syncBuffer{}, users: map[string]seeded{}}
	f.id = identity.NewService(db, db, cfg)
	f.adm = admin.New(db, db, f.id, f.audit)

	ms, err := member.Members()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range ms {
		if o.allMembers || c.Alpha2 == "FR" || c.Alpha2 == "KE" {
			c.Joined = time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC)
			must(t, db.PutCountry(ctx, c))
		}
	}
	now := time.Now().UTC()
	for _, o := range []member.Org{
		{ID: member.SecretariatID, Kind: member.Secretariat, Name: "General Secretariat"},
		{ID: "ncb-fr", Kind: member.NCB, Name: "NCB Paris", Country: "FR"},
		{ID: "fr-police", Kind: member.Agency, Name: "Police nationale", Country: "FR", Parent: "ncb-fr"},
		{ID: "ncb-ke", Kind: member.NCB, Name: "NCB Nairobi", Country: "KE"},
		{ID: member.OversightID, Kind: member.Oversight, Name: "Commission for the Control of Files"},
	} {
		o.CreatedAt = now
		must(t, db.CreateOrg(ctx, o))
	}

	// The first administrator is written to the store directly, as the
	// application's bootstrap does.
	hash, err := identity.HashPassword(testPassword)
	must(t, err)
	secret, _, err := f.id.NewTOTP("sys")
	must(t, err)
	sys := identity.User{ID: "usr_sys", Username: "sys", DisplayName: "Sam Sysadmin", Org: member.SecretariatID,
		Roles: []identity.Role{identity.Sysadmin}, Clearance: identity.Official, TOTPSecret: secret,
		PasswordHash: hash, Language: "en", CreatedAt: now, UpdatedAt: now}
	must(t, db.CreateUser(ctx, sys))
	f.users["sys"] = seeded{User: sys, TOTP: secret}
	sp, err := f.id.Principal(ctx, sys.ID, "cli")
	must(t, err)
	for _, nu := range []admin.NewUser{
		{Username: "fr.admin", DisplayName: "Françoise Admin", Org: "ncb-fr", Roles: []identity.Role{identity.NCBAdmin}, Clearance: identity.Restricted, Language: "en"},
		{Username: "fr.officer", DisplayName: "Fabien Officer", Org: "fr-police", Roles: []identity.Role{identity.Officer}, Clearance: identity.Official, Language: "fr"},
		{Username: "ke.admin", DisplayName: "Kamau Admin", Org: "ncb-ke", Roles: []identity.Role{identity.NCBAdmin}, Clearance: identity.Official, Language: "en"},
		{Username: "ke.officer", DisplayName: "Wanjiru Officer", Org: "ncb-ke", Roles: []identity.Role{identity.Officer}, Clearance: identity.Official, Language: "es"},
		{Username: "auditor", DisplayName: "Aude Auditor", Org: member.OversightID, Roles: []identity.Role{identity.Auditor}, Clearance: identity.Confidential, Language: "en"},
	} {
		nu.Password = testPassword
		c, err := f.adm.CreateUser(ctx, sp, nu)
		must(t, err)
		f.users[nu.Username] = seeded{User: c.User, TOTP: c.TOTPSecret}
	}

	// The tests look at what the web interface does.
	f.audit.from, err = log.Size(ctx)
	must(t, err)

	f.srv, err = New(Deps{Identity: f.id, Admin: f.adm, Audit: log, AuditReader: log,
		DemoMode: o.demo, Secure: o.secure, Logger: slog.New(slog.NewTextHandler(f.logs, nil))})
	must(t, err)
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// user returns the stored user with this username.
func (f *fixture) user(username string) identity.User {
	f.t.Helper()
	u, err := f.db.UserByName(context.Background(), username)
	must(f.t, err)
	return u
}

// exists reports whether a user with this username is stored.
func (f *fixture) exists(username string) bool {
	f.t.Helper()
	_, err := f.db.UserByName(context.Background(), username)
	if err != nil && !errs.Is(errs.NotFound, err) {
		f.t.Fatal(err)
	}
	return err == nil
}

// syncBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// client is a browser stand-in: a cookie jar, no automatic redirects.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
	// header is added to every request.
	header http.Header
}

// newClient starts f's handler on a loopback server and returns a client of it.
func (f *fixture) newClient() *client {
	f.t.Helper()
	ts := httptest.NewServer(f.srv.Handler())
	f.t.Cleanup(ts.Close)
	return f.clientOf(ts.URL)
}

func (f *fixture) clientOf(base string) *client {
	jar, err := cookiejar.New(nil)
	must(f.t, err)
	return &client{t: f.t, base: base, header: http.Header{}, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is a response with its body read.
type page struct {
	*http.Response
	body string
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	for k, vs := range c.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(c.t, err)
	return page{Response: resp, body: string(b)}
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	must(c.t, err)
	return c.do(req)
}

// post sends a form as is (add "csrf" yourself, or use submit).
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	must(c.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrfOf returns the CSRF token of the first form of a page.
func csrfOf(t testing.TB, p page) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no CSRF token in page:\n%s", p.body)
	}
	return m[1]
}

// submit loads the page at from, then posts form to path with the page's
// CSRF token, as a browser would.
func (c *client) submit(from, path string, form url.Values) page {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", csrfOf(c.t, c.get(from)))
	return c.post(path, form)
}

// login signs in as username (with the current TOTP code outside demo
// mode) and fails the test unless it succeeds.
func (c *client) login(f *fixture, username string) {
	c.t.Helper()
	form := url.Values{"username": {username}, "password": {testPassword}}
	if !f.srv.d.DemoMode {
		code, err := identity.TOTPCode(f.users[username].TOTP, time.Now())
		must(c.t, err)
		form.Set("code", code)
	}
	p := c.submit("/login", "/login", form)
	if p.StatusCode != http.StatusSeeOther || p.Header.Get("Location") != "/" {
		c.t.Fatalf("login %s: %d %s\n%s", username, p.StatusCode, p.Header.Get("Location"), p.body)
	}
}

// cookie returns the value of the client's cookie name, or "".
func (c *client) cookie(name string) string {
	u, _ := url.Parse(c.base)
	for _, ck := range c.hc.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// principal returns the principal of a seeded user, as the CLI would.
func principal(t testing.TB, f *fixture, username string) identity.Principal {
	t.Helper()
	p, err := f.id.Principal(context.Background(), f.users[username].ID, "cli")
	must(t, err)
	return p
}

// adminNewUser returns the input that creates a user with the test password.
func adminNewUser(username, name, org string, roles ...identity.Role) admin.NewUser {
	return admin.NewUser{Username: username, DisplayName: name, Org: org, Roles: roles,
		Clearance: identity.Official, Password: testPassword, Language: "en"}
}
